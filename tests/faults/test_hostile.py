"""A server that attacks its client (tests/servers/hostile_stdio.py): timeouts stay deadlines, one
bad message fails only its own request, memory stays bounded, and the session goes on."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import SERVERS_DIR
from interop.clients import close_client, make_client

from mcpclient import (
    Client,
    ConnectionLostError,
    MalformedMessageError,
    MessageTooLargeError,
    ProtocolError,
    PythonStdioTransport,
    TimeoutError,
)

pytestmark = pytest.mark.anyio

HOSTILE = SERVERS_DIR / "hostile_stdio.py"
Observe = Callable[[BaseException], None]
SLACK = 0.5  # SPEC §9: a timeout of T raises within T + 0.5 s
MiB = 1 << 20


def fault(case: str, error: str) -> pytest.MarkDecorator:
    return pytest.mark.fault(case=case, transport="stdio", error=error)


@pytest.fixture(scope="module")
def hostile_script() -> Path:
    return HOSTILE


async def echo(c: Any, text: str, **kwargs: Any) -> str:
    result = await c.call_tool("echo", {"text": text, **kwargs})
    return str(result.content[0].text)


# --------------------------------------------------------------------------- deadlines


@fault("server stops reading stdin (5 MB request, timeout=2): deadline kept", "TimeoutError")
async def test_timeout_when_server_stops_reading(client: str, observe_error: Observe, no_new_children: None) -> None:
    c = make_client(client, str(HOSTILE), timeout=20)
    async with c:
        await c.list_tools()
        await c.call_tool("stop_reading", {})
        for _ in range(2):  # the second one finds the pipe already full
            start = time.monotonic()
            with anyio.fail_after(10), pytest.raises(TimeoutError) as excinfo:
                await c.call_tool("echo", {"text": "x" * 5_000_000}, timeout=2)
            elapsed = time.monotonic() - start
            assert elapsed < 2 + SLACK, f"timeout=2 raised after {elapsed:.2f}s"
        observe_error(excinfo.value)
    with anyio.fail_after(15):
        await close_client(c)


@pytest.mark.parametrize(
    ("tool", "case"),
    [("stall_mid", "half a reply, then silence"), ("flood", "endless log notifications, never a reply")],
    ids=["stall-mid-message", "flood"],
)
@fault("server stalls mid-message / floods (timeout=1): deadline kept", "TimeoutError")
async def test_timeout_stall_and_flood(
    client: str, tool: str, case: str, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(HOSTILE), timeout=20)
    async with c:
        await c.list_tools()
        start = time.monotonic()
        with anyio.fail_after(10), pytest.raises(TimeoutError) as excinfo:
            await c.call_tool(tool, {}, timeout=1)
        elapsed = time.monotonic() - start
        assert elapsed < 1 + SLACK, f"{case}: timeout=1 raised after {elapsed:.2f}s"
        observe_error(excinfo.value)
    with anyio.fail_after(15):
        await close_client(c)


# ------------------------------------------------------------- one bad message, one request


@pytest.mark.parametrize(
    ("tool", "args", "match"),
    [
        ("deep", {"depth": 3000}, "nesting too deep"),
        ("bad_utf8", {}, "invalid UTF-8"),
        ("bad_json", {}, "invalid JSON"),
    ],
    ids=["nested-3000-deep", "invalid-utf8", "invalid-json"],
)
@fault("reply with the right id: nested 3,000 deep / invalid UTF-8 / invalid JSON", "MalformedMessageError")
async def test_bad_reply_fails_only_its_request(
    client: str, tool: str, args: dict[str, Any], match: str, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(HOSTILE), timeout=20)
    async with c:
        await c.list_tools()
        pid = c.transport.pid
        async with anyio.create_task_group() as tg:
            slow: list[str] = []

            async def slow_echo() -> None:
                slow.append(await echo(c, "in flight ✓", delay=1.5))

            tg.start_soon(slow_echo)
            start = time.monotonic()
            with pytest.raises(MalformedMessageError, match=match) as excinfo:
                await c.call_tool(tool, args)  # no timeout: the bad reply itself must end the wait
            assert time.monotonic() - start < 1.0  # at once, not after the other call
        assert slow == ["in flight ✓"]  # the other request on the session completed normally
        assert isinstance(excinfo.value, ProtocolError)
        assert f"tools/call {tool!r}" in str(excinfo.value)
        observe_error(excinfo.value)
        assert await echo(c, "same session") == "same session"
        assert c.transport.pid == pid  # the connection was never restarted
    await close_client(c)


# ------------------------------------------------------------------------ max_message_size


@fault("50 MB reply over max_message_size=16 MiB", "MessageTooLargeError")
async def test_reply_over_max_message_size(observe_error: Observe, no_new_children: None) -> None:
    limit = 16 * MiB
    c = Client(str(HOSTILE), max_message_size=limit, timeout=30)
    async with c:
        await c.list_tools()
        pid = c.transport.pid
        tracemalloc.start()
        try:
            start = time.monotonic()
            with pytest.raises(MessageTooLargeError) as excinfo:
                await c.call_tool("huge", {"size": 50_000_000})
            elapsed = time.monotonic() - start
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        error = excinfo.value
        observe_error(error)
        assert error.limit == limit and error.size > limit
        assert f"{limit:,}" in str(error)
        assert peak < 1.5 * limit, f"peak {peak / MiB:.1f} MiB for a limit of {limit / MiB:.0f} MiB"
        print(f"50 MB line over a 16 MiB limit: failed in {elapsed:.2f}s, peak traced +{peak / MiB:.1f} MiB")
        # The rest of the line is discarded, the session goes on with the same server.
        assert await echo(c, "after the flood") == "after the flood"
        assert c.transport.pid == pid
    await c.close()


async def test_default_max_message_size_admits_a_50_mb_reply(no_new_children: None) -> None:
    c = Client(str(HOSTILE), timeout=60)
    assert c.transport.max_message_size == 64 * MiB
    async with c:
        await c.list_tools()
        tracemalloc.start()
        try:
            start = time.monotonic()
            result = await c.call_tool("huge", {"size": 50_000_000})
            elapsed = time.monotonic() - start
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(result.content[0].text) == 50_000_000
        del result
        print(f"50 MB reply under the default limit: {elapsed:.2f}s, peak traced +{peak / MiB:.1f} MiB")
    await c.close()


@fault("log notification over max_message_size (1 MiB) before the reply", "none (skipped, logged)")
async def test_oversized_notification_is_skipped(no_new_children: None, caplog: pytest.LogCaptureFixture) -> None:
    c = Client(PythonStdioTransport(HOSTILE, max_message_size=MiB), timeout=20)
    async with c:
        result = await c.call_tool("huge_log", {"size": 5 * MiB})
        assert result.content[0].text == "after the huge log"
    assert any("over max_message_size" in r.getMessage() for r in caplog.records)
    await c.close()


@fault("line over max_message_size naming no request", "ConnectionLostError")
async def test_oversized_line_without_id_ends_the_connection(observe_error: Observe, no_new_children: None) -> None:
    c = Client(str(HOSTILE), max_message_size=MiB, timeout=20)
    async with c:
        await c.list_tools()
        pid = c.transport.pid
        with anyio.fail_after(10), pytest.raises(ConnectionLostError, match="names no request") as excinfo:
            await c.call_tool("huge_noid", {"size": 3 * MiB})
        observe_error(excinfo.value)
        assert "max_message_size (1,048,576 bytes)" in str(excinfo.value)
        assert await echo(c, "reconnected") == "reconnected"  # the next call reconnects
        assert c.transport.pid != pid
    await c.close()


def test_max_message_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_message_size"):
        PythonStdioTransport(HOSTILE, max_message_size=0)


# ------------------------------------------------------------------------------ stdout closed


@fault("server closes its stdout but keeps running", "ConnectionLostError")
async def test_server_closes_stdout(client: str, observe_error: Observe, no_new_children: None) -> None:
    c = make_client(client, str(HOSTILE), timeout=20)
    async with c:
        await c.list_tools()
        pid = c.transport.pid
        await c.call_tool("close_stdout", {})
        with anyio.fail_after(10), pytest.raises(ConnectionLostError) as excinfo:
            await c.call_tool("echo", {"text": "anyone?"})
        observe_error(excinfo.value)
        assert "server closed its stdout" in str(excinfo.value)
        assert f"pid {pid}" in str(excinfo.value)
        assert await echo(c, "fresh server") == "fresh server"
    await close_client(c)
