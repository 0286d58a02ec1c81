"""HTTP servers that refuse, break, stall or lie (tests/servers/fault_http.py), plus a real
server that crashes: each gives a typed error in time, and the client works again afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
import pytest
from interop.clients import close_client, make_client

from mcpclient import ConnectionFailedError, ConnectionLostError, ProtocolError, TimeoutError
from mcpclient.transports import SSETransport, StreamableHttpTransport

pytestmark = pytest.mark.anyio

Observe = Callable[[BaseException], None]


def fault(case: str, error: str, transport: str = "streamable-http") -> pytest.MarkDecorator:
    return pytest.mark.fault(case=case, transport=transport, error=error)


async def expect_usable(base: str, client: str) -> None:
    """The same fault server still serves a well-behaved endpoint (the client side holds no stale state)."""
    c = make_client(client, f"{base}/ok/mcp", timeout=10, init_timeout=10)
    with anyio.fail_after(20):
        async with c:
            assert (await c.call_tool("echo", {"text": "fine"})).content[0].text == "fine"
    await close_client(c)


@pytest.mark.parametrize(
    ("status", "reason"),
    [(401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"), (500, "Internal Server Error")],
    ids=["401", "403", "404", "500"],
)
@fault("HTTP error status on connect (401/403/404/500)", "ConnectionFailedError")
async def test_error_status(
    client: str, fault_http_base: str, status: int, reason: str, observe_error: Observe
) -> None:
    url = f"{fault_http_base}/status-{status}/mcp"
    c = make_client(client, url, init_timeout=10)
    for _attempt in range(2):
        with anyio.fail_after(15), pytest.raises(ConnectionFailedError) as excinfo:
            async with c:
                pass
        message = str(excinfo.value)
        assert f"HTTP {status} {reason}" in message
        assert f"{status} from the fault server" in message  # a body excerpt
        assert url in message
    observe_error(excinfo.value)
    await close_client(c)
    await expect_usable(fault_http_base, client)


@fault("HTTP 502 with an HTML error page (proxy in front of a dead server)", "ConnectionFailedError")
async def test_html_error_page(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/html/mcp", init_timeout=10)
    with anyio.fail_after(15), pytest.raises(ConnectionFailedError, match="HTTP 502 Bad Gateway") as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    assert "<h1>502 Bad Gateway</h1>" in str(excinfo.value)
    await close_client(c)


@fault("HTTP 200 with an HTML page (URL of a website, not an MCP endpoint)", "ConnectionFailedError")
async def test_html_200(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/html-200/mcp", init_timeout=10)
    with anyio.fail_after(15), pytest.raises(ConnectionFailedError, match="text/html") as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    await close_client(c)


@fault("connection reset (RST) while answering initialize", "ConnectionFailedError")
async def test_reset_during_initialize(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/reset-init/mcp", init_timeout=10)
    with anyio.fail_after(15), pytest.raises(ConnectionFailedError) as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    await close_client(c)


@fault("connection reset mid-stream (half an SSE event, then RST)", "ConnectionLostError")
async def test_reset_mid_stream(client: str, fault_http_base: str, observe_error: Observe) -> None:
    logs: list[Any] = []
    c = make_client(client, f"{fault_http_base}/reset-call/mcp", timeout=10, log_handler=logs.append)
    async with c:
        with anyio.fail_after(15), pytest.raises(ConnectionLostError) as excinfo:
            await c.call_tool("echo", {"text": "x"})
        observe_error(excinfo.value)
    await close_client(c)
    await expect_usable(fault_http_base, client)


@fault("server stops reading (8 MB request body, timeout=2)", "TimeoutError")
async def test_server_stops_reading(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/stall-read/mcp", timeout=10)
    async with c:
        await c.list_tools()
        with anyio.fail_after(15), pytest.raises(TimeoutError) as excinfo:
            await c.call_tool("echo", {"text": "x" * 8_000_000}, timeout=2)
        observe_error(excinfo.value)
        assert (await c.call_tool("echo", {"text": "small"})).content[0].text == "small"  # new connection
    with anyio.fail_after(10):
        await close_client(c)
    await expect_usable(fault_http_base, client)


@fault("HTTP session expires mid-session (404)", "ConnectionLostError")
async def test_session_expired(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/expire-session/mcp", timeout=10)
    async with c:
        assert (await c.call_tool("echo", {"text": "1"})).content[0].text == "1"
        with anyio.fail_after(15), pytest.raises(ConnectionLostError, match="reconnects") as excinfo:
            await c.call_tool("echo", {"text": "2"})
        observe_error(excinfo.value)
        # The next call starts a new session on its own.
        assert (await c.call_tool("echo", {"text": "3"})).content[0].text == "3"
    await close_client(c)


@fault("200 response whose JSON body is not JSON", "ProtocolError")
async def test_garbage_json_body(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/garbage-json/mcp", timeout=10)
    async with c:
        with anyio.fail_after(15), pytest.raises(ProtocolError) as excinfo:
            await c.call_tool("echo", {"text": "x"})
        observe_error(excinfo.value)
        assert await c.ping()  # only that request failed
    await close_client(c)


@fault("SSE stream never sends the endpoint event (init_timeout=2)", "TimeoutError", transport="sse")
async def test_sse_without_endpoint(client: str, fault_http_base: str, observe_error: Observe) -> None:
    c = make_client(client, f"{fault_http_base}/sse-no-endpoint/sse", init_timeout=2)
    assert isinstance(c.transport, SSETransport)
    with anyio.fail_after(15), pytest.raises(TimeoutError, match="init_timeout") as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    await close_client(c)


@fault("SSE endpoint event names another origin (init_timeout=2)", "TimeoutError", transport="sse")
async def test_sse_foreign_endpoint(client: str, fault_http_base: str, observe_error: Observe) -> None:
    # The SDK refuses the endpoint but cannot report it before a reader exists: the connection
    # attempt ends at init_timeout (a typed error, no hang).
    c = make_client(client, f"{fault_http_base}/sse-foreign-endpoint/sse", init_timeout=2)
    with anyio.fail_after(15), pytest.raises((TimeoutError, ConnectionFailedError)) as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    await close_client(c)


@fault("nothing listens on the port", "ConnectionFailedError")
async def test_connection_refused(client: str, free_tcp_port: int, observe_error: Observe) -> None:
    c = make_client(client, f"http://127.0.0.1:{free_tcp_port}/mcp", init_timeout=10)
    assert isinstance(c.transport, StreamableHttpTransport)
    with anyio.fail_after(15), pytest.raises(ConnectionFailedError, match="could not connect") as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    await close_client(c)


@pytest.mark.parametrize("kind", ["http", "sse"])
@pytest.mark.fault(case="server process killed mid-call (`crash` tool)", error="ConnectionLostError")
async def test_server_crash_mid_call(
    client: str, kind: str, start_http_server: Callable[..., Any], observe_error: Observe, record_property: Any
) -> None:
    record_property("compat.transport", "streamable-http" if kind == "http" else "sse")
    server = start_http_server(kind)
    c = make_client(client, server.url, timeout=10, init_timeout=10)
    async with c:
        with anyio.fail_after(20), pytest.raises((ConnectionLostError, TimeoutError)) as excinfo:
            await c.call_tool("crash", {})
        observe_error(excinfo.value)
    await close_client(c)
    # The server comes back (same port): the same client connects again.
    await anyio.to_thread.run_sync(server.proc.wait, 10)
    server.ensure_running()
    assert server.url == c.transport.url
    with anyio.fail_after(30):
        async with c:
            assert (await c.call_tool("echo", {"text": "back"})).content[0].text == "back"
    await close_client(c)
