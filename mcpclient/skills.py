"""Skills (MCP extension ``io.modelcontextprotocol/skills``, SEP-2640).

A server lists its skills with ``skills/list`` (each entry: the ``SKILL.md`` URI, its YAML
frontmatter as JSON, and every file of the skill with a ``sha256:`` digest and size). Nothing
is fetched when listing: a skill's ``SKILL.md`` is read when the skill is loaded, and a
supporting file when it is read. Every file read is verified against the entry it was listed
with — size, digest and, for ``SKILL.md``, the frontmatter field by field — and unverified
content is never returned (:class:`~mcpclient.errors.SkillVerificationError`).

The functions here take the client's session (:mod:`mcpclient._session`); ``Client.list_skills()``,
``load_skill()`` etc. (and their :class:`~mcpclient.SyncClient` twins) call them.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import posixpath
from typing import TYPE_CHECKING, Any, Literal

from mcp import types
from pydantic import ConfigDict, Field

from .errors import SkillVerificationError

if TYPE_CHECKING:
    from ._session import Session, Timeout

__all__ = [
    "SKILLS_EXTENSION",
    "LoadedSkill",
    "Skill",
    "SkillFile",
    "get_skill",
    "list_skills",
    "list_skills_mcp",
    "load_skill",
    "parse_frontmatter",
    "read_skill_file",
]

SKILLS_EXTENSION = "io.modelcontextprotocol/skills"
_MAX_PAGES = 1000


# ------------------------------------------------------------------------------------- wire


class _SkillsListRequest(types.Request[dict[str, Any], Literal["skills/list"]]):
    method: Literal["skills/list"] = "skills/list"
    params: dict[str, Any] = Field(default_factory=dict)


class _SkillsGetRequest(types.Request[dict[str, Any], Literal["skills/get"]]):
    method: Literal["skills/get"] = "skills/get"
    params: dict[str, Any] = Field(default_factory=dict)


class SkillsListResult(types.Result):
    """The raw ``skills/list`` result (entries as the server sent them)."""

    model_config = ConfigDict(extra="allow")
    skills: list[dict[str, Any]] = Field(default_factory=list)
    next_cursor: str | None = None


class _SkillsGetResult(types.Result):
    model_config = ConfigDict(extra="allow")
    skill: dict[str, Any]


# ------------------------------------------------------------------------------------ model


@dataclasses.dataclass(frozen=True)
class SkillFile:
    """One file of a skill as listed: its URI, ``sha256:<hex>`` digest and size in bytes."""

    uri: str
    digest: str | None = None
    size: int | None = None


@dataclasses.dataclass(frozen=True)
class Skill:
    """A listed skill: the URI of its ``SKILL.md``, its frontmatter and its files."""

    uri: str
    frontmatter: dict[str, Any]
    files: tuple[SkillFile, ...] | None  # None: a generated skill the server cannot digest

    @property
    def name(self) -> str:
        return str(self.frontmatter.get("name", ""))

    @property
    def description(self) -> str:
        return str(self.frontmatter.get("description", ""))

    @property
    def root(self) -> str:
        """The skill's directory URI (``SKILL.md`` removed), against which relative paths resolve."""
        return self.uri.rsplit("/", 1)[0]

    def file(self, uri: str) -> SkillFile | None:
        return next((f for f in self.files or () if f.uri == uri), None)

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Skill:
        files = entry.get("resources")
        return cls(
            uri=str(entry["uri"]),
            frontmatter=dict(entry.get("frontmatter") or {}),
            files=None
            if files is None
            else tuple(SkillFile(str(f["uri"]), f.get("digest"), f.get("size")) for f in files),
        )


@dataclasses.dataclass(frozen=True)
class LoadedSkill:
    """A loaded skill: its verified ``SKILL.md`` (``text``; ``body`` without the frontmatter)."""

    skill: Skill
    text: str
    body: str

    @property
    def name(self) -> str:
        return self.skill.name


# ----------------------------------------------------------------------------- verification


def parse_frontmatter(text: str) -> tuple[dict[str, Any], str]:
    """(frontmatter, body) of a ``SKILL.md``: the YAML between the leading ``---`` lines."""
    import yaml  # type: ignore[import-untyped]

    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ValueError("SKILL.md does not begin with YAML frontmatter")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            data = yaml.safe_load("".join(lines[1:i])) or {}
            if not isinstance(data, dict):
                raise ValueError("SKILL.md frontmatter is not a mapping")
            return data, "".join(lines[i + 1 :])
    raise ValueError("SKILL.md frontmatter is not closed by '---'")


def _verify(skill: Skill, uri: str, data: bytes, server: str) -> None:
    if skill.files is None:
        return  # a generated skill: nothing to verify against (its SKILL.md frontmatter still is)
    listed = skill.file(uri)
    if listed is None:
        raise SkillVerificationError(f"{uri} is not listed among the files of skill {skill.name!r}", server=server)
    if listed.size is not None and listed.size != len(data):
        raise SkillVerificationError(
            f"{len(data)} bytes read, the listing says {listed.size}", server=server, uri=uri
        )
    if listed.digest is not None:
        algorithm, _, expected = listed.digest.partition(":")
        if algorithm.lower() != "sha256":
            raise SkillVerificationError(f"unsupported digest {algorithm!r}", server=server, uri=uri)
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected.lower():
            raise SkillVerificationError(
                f"content digest sha256:{actual[:12]}... differs from the listed {listed.digest[:19]}...",
                server=server,
                uri=uri,
            )


def _content_bytes(result: types.ReadResourceResult, uri: str, server: str) -> bytes:
    for content in result.contents:
        if isinstance(content, types.TextResourceContents):
            return content.text.encode("utf-8")
        if isinstance(content, types.BlobResourceContents):
            return base64.b64decode(content.blob)
    raise SkillVerificationError("the server returned no content", server=server, uri=uri)


# ------------------------------------------------------------------------------- operations


async def list_skills_mcp(session: Session, *, cursor: str | None = None, timeout: Timeout = None) -> SkillsListResult:
    """One page of ``skills/list``, raw."""
    request = _SkillsListRequest(params={"cursor": cursor} if cursor else {})
    return await session.request(
        "skills/list", lambda sdk: sdk.session.send_request(request, SkillsListResult), timeout
    )


async def list_skills(session: Session, *, timeout: Timeout = None) -> list[Skill]:
    """Every skill the server lists (all pages). Reads no skill file."""
    skills: list[Skill] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        page = await list_skills_mcp(session, cursor=cursor, timeout=timeout)
        skills += [Skill.from_entry(entry) for entry in page.skills]
        cursor = page.next_cursor
        if not cursor:
            break
    return skills


async def get_skill(session: Session, uri: str, *, timeout: Timeout = None) -> Skill:
    """The entry of one skill by its ``SKILL.md`` URI (``skills/get``), listed or not."""
    request = _SkillsGetRequest(params={"uri": uri})
    result = await session.request(
        f"skills/get {uri!r}", lambda sdk: sdk.session.send_request(request, _SkillsGetResult), timeout
    )
    return Skill.from_entry(result.skill)


async def _find(session: Session, skill: str | Skill, timeout: Timeout) -> Skill:
    if isinstance(skill, Skill):
        return skill
    if "://" in skill:
        return await get_skill(session, skill, timeout=timeout)
    matches = [s for s in await list_skills(session, timeout=timeout) if s.name == skill]
    if not matches:
        raise KeyError(f"server {session.name!r} lists no skill named {skill!r}")
    if len(matches) > 1:
        uris = ", ".join(s.uri for s in matches)
        raise KeyError(f"server {session.name!r} lists several skills named {skill!r} ({uris}); pass the URI")
    return matches[0]


async def _read_verified(session: Session, skill: Skill, uri: str, timeout: Timeout) -> bytes:
    if skill.files is not None and skill.file(uri) is None:  # refused before asking the server
        message = f"{uri} is not listed among the files of skill {skill.name!r}"
        raise SkillVerificationError(message, server=session.name)
    result = await session.request(
        f"resources/read {uri!r}", lambda sdk: sdk.read_resource(uri, meta=session.request_meta(None)), timeout
    )
    data = _content_bytes(result, uri, session.name)
    _verify(skill, uri, data, session.name)
    return data


async def load_skill(session: Session, skill: str | Skill, *, timeout: Timeout = None) -> LoadedSkill:
    """Load a skill (a name, a ``SKILL.md`` URI or a listed :class:`Skill`): read its ``SKILL.md``
    only, verify its size, digest and frontmatter against the entry, and return it."""
    entry = await _find(session, skill, timeout)
    data = await _read_verified(session, entry, entry.uri, timeout)
    text = data.decode("utf-8")
    try:
        frontmatter, body = parse_frontmatter(text)
    except ValueError as exc:
        raise SkillVerificationError(str(exc), server=session.name, uri=entry.uri) from None
    if frontmatter != entry.frontmatter:
        fields = sorted(
            k
            for k in set(frontmatter) | set(entry.frontmatter)
            if frontmatter.get(k, ...) != entry.frontmatter.get(k, ...)
        )
        message = f"frontmatter differs from the listing in {', '.join(fields)}"
        raise SkillVerificationError(message, server=session.name, uri=entry.uri)
    return LoadedSkill(entry, text, body)


async def read_skill_file(session: Session, skill: LoadedSkill | Skill, path: str, *, timeout: Timeout = None) -> bytes:
    """A supporting file of a skill (``path`` relative to the skill's root, or a full URI),
    read now and verified against the skill's listing; unlisted files are refused."""
    entry = skill.skill if isinstance(skill, LoadedSkill) else skill
    if "://" in path:
        uri = path
    else:
        normalized = posixpath.normpath(path)
        if normalized.startswith("../") or normalized == ".." or normalized.startswith("/"):
            raise ValueError(f"{path!r} is outside skill {entry.name!r}")
        uri = f"{entry.root}/{normalized}"
    return await _read_verified(session, entry, uri, timeout)
