"""Secrets stay out of logs: with the root logger at DEBUG, no record emitted while a client works
(ours or the libraries' under us) carries a token, a secret header, an env value or a URL credential."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SERVERS_DIR

from mcpclient import Client
from mcpclient._redact import redact, redacting

pytestmark = pytest.mark.anyio

HOSTILE = SERVERS_DIR / "hostile_stdio.py"
TOKEN = "tok-3f9a1c7e5b2d"
HEADER_KEY = "hdr-8c6e4a2f0d1b"
QUERY_KEY = "qry-1a2b3c4d5e6f"
QUERY_TOKEN = "qtk-9f8e7d6c5b4a"
ENV_SECRET = "env-5e4d3c2b1a09"
SECRETS = (TOKEN, HEADER_KEY, QUERY_KEY, QUERY_TOKEN, ENV_SECRET)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def all_records() -> Iterator[list[logging.LogRecord]]:
    """Every record any logger emits, with the root logger (and the libraries') at DEBUG."""
    handler = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _leaks(records: list[logging.LogRecord]) -> list[str]:
    leaks = []
    for record in records:
        texts = [record.getMessage(), repr(record.args), record.exc_text or ""]
        if record.exc_info and record.exc_info[1] is not None:
            texts.append(logging.Formatter().formatException(record.exc_info))
        for secret in SECRETS:
            if any(secret in text for text in texts):
                leaks.append(f"{record.name}: {record.getMessage()[:300]}")
    return leaks


async def test_http_session_logs_no_secret(http_url: str, all_records: list[logging.LogRecord]) -> None:
    url = f"{http_url}?api_key={QUERY_KEY}&token={QUERY_TOKEN}"
    async with Client(url, auth=TOKEN, headers={"X-API-Key": HEADER_KEY}, timeout=20) as c:
        await c.list_tools()
        assert (await c.call_tool("echo", {"text": "hi"})).content
    names = {record.name for record in all_records}
    assert any(name.startswith("httpx2") for name in names), names  # the libraries did log at DEBUG/INFO
    assert any(name.startswith("mcp.") for name in names), names
    assert any("api_key=***" in record.getMessage() for record in all_records)
    assert _leaks(all_records) == []


async def test_stdio_session_logs_no_env_secret(all_records: list[logging.LogRecord]) -> None:
    async with Client(str(HOSTILE), env={"API_TOKEN": ENV_SECRET}, timeout=20) as c:
        # The server hands the secret back: the SDK's DEBUG lines about this message must not show it.
        result = await c.call_tool("show_env", {"name": "API_TOKEN"})
        assert result.content[0].text == ENV_SECRET
    assert any(record.name.startswith("mcp") for record in all_records)
    assert _leaks(all_records) == []


def test_redact_patterns() -> None:
    assert (
        redact("GET http://h/mcp?api_key=abc&x=1&access_token=zz")
        == "GET http://h/mcp?api_key=***&x=1&access_token=***"
    )
    assert redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer ***"
    with redacting(["s3cr3t-value"]):
        assert redact("the value s3cr3t-value leaked") == "the value *** leaked"
    assert redact("the value s3cr3t-value leaked") == "the value s3cr3t-value leaked"  # only while registered


def test_filter_rewrites_args_and_tracebacks(all_records: list[logging.LogRecord]) -> None:
    log = logging.getLogger("mcp.client.some_module")
    with redacting([ENV_SECRET]):
        log.debug("sending %s", {"env": ENV_SECRET})
        try:
            raise RuntimeError(f"failed with {ENV_SECRET}")
        except RuntimeError:
            log.exception("boom")
    mine: list[Any] = [r for r in all_records if r.name == "mcp.client.some_module"]
    assert len(mine) == 2
    assert _leaks(mine) == []
