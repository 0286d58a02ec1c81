"""Optional agent SDKs are imported only by the adapter that needs them (checked in fresh interpreters)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(180)  # fresh interpreters importing mcpclient and the SDKs

REPO = Path(__file__).resolve().parent.parent
OPTIONAL = ["langchain_core", "langgraph", "langchain_openai", "openai", "anthropic",
            "dask", "ray", "joblib", "flask", "django", "tqdm", "IPython"]  # fmt: skip


def imported_after(code: str) -> list[str]:
    script = (
        f"import sys, json\n{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({OPTIONAL!r}))))"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_import_mcpclient_imports_no_optional_package() -> None:
    code = (
        "import mcpclient\n"
        "from mcpclient import SyncClient, Client\n"
        "client = SyncClient('examples/server.py')\n"
        "client.aio\n"
        "Client('examples/server.py')\n"
    )
    assert imported_after(code) == []


def test_each_adapter_imports_only_its_own_sdk() -> None:
    # The OpenAI and Anthropic adapters build plain dicts: their SDK is imported only by sampling_handler.
    assert imported_after("import mcpclient.contrib.openai, mcpclient.contrib.anthropic") == []
    assert set(imported_after("import mcpclient.contrib.langchain")) <= {"langchain_core"}
