"""HTTP servers that fail one request mid-session (tests/servers/fault_http.py): the error says what
the server said, only that request fails, and the session goes on."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import pytest
from interop.clients import close_client, make_client

from mcpclient import Client, HTTPStatusError, MalformedMessageError, MessageTooLargeError, ProtocolError

pytestmark = pytest.mark.anyio

Observe = Callable[[BaseException], None]
MiB = 1 << 20


def fault(case: str, error: str) -> pytest.MarkDecorator:
    return pytest.mark.fault(case=case, transport="streamable-http", error=error)


async def echo_works(c: object) -> None:
    result = await c.call_tool("echo", {"text": "still here"})  # type: ignore[attr-defined]
    assert result.content[0].text == "still here"


@fault("HTTP 500 on one tools/call mid-session (plain-text body)", "HTTPStatusError")
async def test_http_500_mid_session(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/ok/mcp", timeout=20)
    async with c:
        await echo_works(c)
        with anyio.fail_after(10), pytest.raises(HTTPStatusError) as excinfo:
            await c.call_tool("fail500", {})
        error = excinfo.value
        observe_error(error)
        assert isinstance(error, ProtocolError)
        assert error.status_code == 500
        assert error.body.startswith("database on fire: connection pool exhausted")
        assert "HTTP 500 Internal Server Error: database on fire" in str(error)
        assert "tools/call 'fail500'" in str(error)
        await echo_works(c)  # the session goes on
    await close_client(c)


@fault("SSE event with invalid JSON answering one request", "MalformedMessageError")
async def test_sse_event_not_json(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/ok/mcp", timeout=20)
    async with c:
        with anyio.fail_after(10), pytest.raises(MalformedMessageError, match="invalid reply") as excinfo:
            await c.call_tool("bad_sse", {})
        observe_error(excinfo.value)
        await echo_works(c)
    await close_client(c)


@fault("SSE event over max_message_size (2 MiB event, limit 1 MiB)", "MessageTooLargeError")
async def test_sse_event_over_limit(fault_http_base: str, observe_error: Observe) -> None:
    async with Client(f"{fault_http_base}/ok/mcp", timeout=20, max_message_size=MiB) as c:
        start = time.monotonic()
        with anyio.fail_after(10), pytest.raises(MessageTooLargeError) as excinfo:
            await c.call_tool("big_sse", {"size": 2 * MiB})
        observe_error(excinfo.value)
        assert excinfo.value.limit == MiB
        assert "1,048,576" in str(excinfo.value)
        assert time.monotonic() - start < 5
        await echo_works(c)


@fault("JSON body over max_message_size (8 MiB body, limit 1 MiB; with or without length)", "MessageTooLargeError")
@pytest.mark.parametrize("tool", ["big_json", "big_json_chunked"])
async def test_json_body_over_limit(tool: str, fault_http_base: str, observe_error: Observe) -> None:
    import tracemalloc

    async with Client(f"{fault_http_base}/ok/mcp", timeout=20, max_message_size=MiB) as c:
        tracemalloc.start()
        try:
            with anyio.fail_after(10), pytest.raises(MessageTooLargeError) as excinfo:
                await c.call_tool(tool, {"size": 8 * MiB})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        observe_error(excinfo.value)
        assert excinfo.value.limit == MiB and excinfo.value.size > MiB
        assert "JSON reply over max_message_size (1,048,576 bytes)" in str(excinfo.value)
        assert peak < 4 * MiB  # stopped reading at the limit: not the whole 8 MiB body
        assert (await c.call_tool_mcp(tool, {"size": MiB // 2})).content == []  # under the limit: fine
        await echo_works(c)


async def test_default_limit_admits_a_5_mb_event(fault_http_base: str) -> None:
    async with Client(f"{fault_http_base}/ok/mcp", timeout=30) as c:  # the SDK's own default is 1 MiB
        result = await c.call_tool_mcp("big_sse", {"size": 5 * MiB})
        assert result.content == []
