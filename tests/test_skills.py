"""Skills (SEP-2640) against a real stdio server that serves one sound and one tampered skill."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mcpclient import Client, SyncClient
from mcpclient.errors import ProtocolError, SkillVerificationError

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "servers" / "skills_server.py"

pytestmark = pytest.mark.anyio


async def _reads(client: Client) -> list[str]:
    result = await client.call_tool("reads", {})
    return json.loads(result.content[0].text)  # type: ignore[union-attr,no-any-return]


async def test_listing_reads_no_file_and_loading_verifies() -> None:
    async with Client(str(SERVER), keep_alive=False) as client:
        skills = await client.list_skills()
        assert [s.name for s in skills] == ["pdf-processing", "release-notes"]
        assert skills[0].frontmatter["metadata"] == {"version": "2.1.0"}
        assert await _reads(client) == []  # no prefetch

        pdf = await client.load_skill("pdf-processing")
        assert pdf.body.lstrip().startswith("# PDF processing")
        assert await _reads(client) == ["skill://pdf-processing/SKILL.md"]  # only SKILL.md

        forms = await client.read_skill_file(pdf, "references/FORMS.md")
        assert forms == b"Use the field names printed on the form.\n"

        with pytest.raises(SkillVerificationError, match="not listed"):
            await client.read_skill_file(pdf, "scripts/other.py")
        with pytest.raises(ValueError, match="outside"):
            await client.read_skill_file(pdf, "../release-notes/SKILL.md")


async def test_tampered_skill_is_refused() -> None:
    async with Client(str(SERVER), keep_alive=False) as client:
        with pytest.raises(SkillVerificationError) as info:
            await client.load_skill("release-notes")
        assert info.value.uri == "skill://release-notes/SKILL.md"
        assert "skills_server" in str(info.value) and "95 bytes read, the listing says 72" in str(info.value)


async def test_get_skill_by_uri_and_unknown_uri() -> None:
    async with Client(str(SERVER), keep_alive=False) as client:
        skill = await client.get_skill("skill://pdf-processing/SKILL.md")
        assert skill.name == "pdf-processing" and skill.root == "skill://pdf-processing"
        loaded = await client.load_skill("skill://pdf-processing/SKILL.md")
        assert loaded.skill == skill
        with pytest.raises(ProtocolError):
            await client.get_skill("skill://nope/SKILL.md")
        page = await client.list_skills_mcp()
        assert len(page.skills) == 2 and page.next_cursor is None


def test_sync_client_twins() -> None:
    with SyncClient(str(SERVER), keep_alive=False) as client:
        skills = client.list_skills()
        assert client.list_skills_mcp().skills[0]["uri"] == skills[0].uri
        assert client.get_skill(skills[0].uri) == skills[0]
        loaded = client.load_skill(skills[0])
        assert client.read_skill_file(loaded, "skill://pdf-processing/references/FORMS.md").startswith(b"Use")
        with pytest.raises(SkillVerificationError):
            client.load_skill("release-notes")


def test_docs_sample_runs() -> None:
    text = (ROOT / "docs" / "skills.md").read_text()
    sample = re.search(r"```python\n(.*?)```", text, re.S)
    assert sample is not None
    proc = subprocess.run(
        [sys.executable, "-c", sample.group(1)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "pdf-processing - Extract, fill, and assemble PDF documents",
        "release-notes - Write release notes",
        "# PDF processing",
        "Use the field names printed on the form.",
        "refused: skill://release-notes/SKILL.md",
    ]
