"""Transports against real servers, driven by the SDK's own `mcp.Client` (no mcpclient engine).

Stdio servers are tests/servers/transport_echo.py (an `MCPServer`), transport_raw.py (a
hand-written server that writes garbage on stdout) and the conftest's start-up-failure and
never-answering scripts. HTTP runs an `MCPServer` under uvicorn in a thread of this process.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import httpx2
import mcp
import pytest
from helpers import pid_state, wait_for
from mcp.server import Server
from mcp.server.mcpserver import MCPServer
from mcp_types import TextContent

from mcpclient.errors import ConnectionFailedError, ServerStartupError
from mcpclient.sources import infer_transport
from mcpclient.transports import (
    ClientTransport,
    InMemoryTransport,
    NodeStdioTransport,
    NpxStdioTransport,
    PythonStdioTransport,
    ServerNotFoundError,
    SSETransport,
    StdioTransport,
    StreamableHttpTransport,
    UvxStdioTransport,
)
from mcpclient.transports._framing import LineBuffer as _LineBuffer

SERVERS = Path(__file__).resolve().parent / "servers"
ECHO = SERVERS / "transport_echo.py"
RAW = SERVERS / "transport_raw.py"

pytestmark = pytest.mark.anyio


class _Fixed:
    """Adapts already-open streams to the async context manager `mcp.Client` expects."""

    def __init__(self, streams: Any) -> None:
        self.streams = streams

    async def __aenter__(self) -> Any:
        return self.streams

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


@asynccontextmanager
async def session(transport: ClientTransport, mode: str = "legacy") -> AsyncIterator[mcp.Client]:
    async with transport.connect() as target, mcp.Client(_Fixed(target), mode=mode) as client:
        yield client


async def call_text(client: mcp.Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def assert_gone(pid: int) -> None:
    """Our child must be gone and reaped (no zombie)."""
    wait_for(lambda: pid_state(pid) == "gone", 5, message=lambda: f"pid {pid} is {pid_state(pid)}")


def unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


# ----------------------------------------------------------------------------------- stdio


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stdio_echo_round_trip(mode: str) -> None:
    transport = PythonStdioTransport(ECHO)
    assert transport.keep_alive is True
    assert transport.name == "transport_echo"
    async with session(transport, mode) as client:
        assert await call_text(client, "echo", text="hello") == "hello"
        pid = transport.pid
        assert pid is not None and transport.returncode is None
        assert await call_text(client, "getpid") == str(pid)
    assert_gone(pid)
    assert transport.returncode is not None


@pytest.mark.timeout(30)
async def test_stdio_env_isolation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPCLIENT_TEST_SECRET", "parent-secret")
    transport = PythonStdioTransport(ECHO, env={"MCPCLIENT_TEST_PASSED": "given"})
    async with session(transport) as client:
        result = await client.call_tool("getenv", {"name": "MCPCLIENT_TEST_SECRET"})
        assert result.structured_content == {"result": None}
        assert await call_text(client, "getenv", name="MCPCLIENT_TEST_PASSED") == "given"
        assert await call_text(client, "getenv", name="PATH") == os.environ["PATH"]


@pytest.mark.timeout(30)
async def test_stdio_stderr_logged_and_kept_without_a_real_stderr(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # like Jupyter: no file descriptor
    caplog.set_level(logging.INFO, logger="mcpclient.server.noisy")
    transport = PythonStdioTransport(ECHO, args=["--stderr", "hello from stderr"], name="noisy")
    async with session(transport) as client:
        assert await call_text(client, "echo", text="x") == "x"
    assert "hello from stderr" in transport.stderr_tail
    records = [r for r in caplog.records if r.name == "mcpclient.server.noisy"]
    assert any(r.getMessage() == "hello from stderr" and r.levelno == logging.INFO for r in records)


@pytest.mark.timeout(30)
async def test_stdio_server_exiting_at_startup(startup_fail_script: Path) -> None:
    transport = PythonStdioTransport(startup_fail_script)
    with pytest.raises(BaseException) as info:
        async with session(transport):
            pass
    error = transport.startup_error(info.value)
    assert isinstance(error, ServerStartupError)
    assert error.exit_code == 3
    assert "boom: bad config" in error.stderr_tail
    assert error.command == [sys.executable, str(startup_fail_script)]
    text = str(error)
    assert "boom: bad config" in text and "exit code: 3" in text and str(startup_fail_script) in text


@pytest.mark.timeout(30)
async def test_stdio_startup_error_is_none_for_a_healthy_server() -> None:
    transport = PythonStdioTransport(ECHO)
    async with session(transport) as client:
        await client.list_tools()
    assert transport.startup_error(RuntimeError("unrelated")) is None


def test_missing_script_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.py"
    with pytest.raises(ServerNotFoundError) as info:
        PythonStdioTransport(missing)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, ServerStartupError)
    assert info.value.filename == str(missing)
    assert "script not found" in str(info.value) and str(missing) in str(info.value)
    with pytest.raises(FileNotFoundError):
        NodeStdioTransport(tmp_path / "nope.js")
    with pytest.raises(FileNotFoundError):
        infer_transport(str(missing))


@pytest.mark.timeout(30)
async def test_missing_executable_is_a_clear_error(tmp_path: Path) -> None:
    transport = StdioTransport("mcpclient-no-such-executable", ["--flag"])
    with pytest.raises(ServerNotFoundError) as info:
        async with transport.connect():
            pass
    assert "executable not found" in str(info.value) and "mcpclient-no-such-executable --flag" in str(info.value)
    assert transport.startup_error(info.value) is info.value

    transport = StdioTransport(sys.executable, ["-c", "pass"], cwd=tmp_path / "missing-dir")
    with pytest.raises(ServerStartupError, match="working directory does not exist"):
        async with transport.connect():
            pass


@pytest.mark.timeout(30)
async def test_stdio_grandchildren_are_ended() -> None:
    transport = PythonStdioTransport(ECHO, args=["--grandchild"])
    async with session(transport) as client:
        server_pid = int(await call_text(client, "getpid"))
        grandchild_pid = int(await call_text(client, "grandchild_pid"))
        assert pid_state(grandchild_pid) == "running"
    assert_gone(server_pid)
    # The grandchild is reparented to init, which reaps it; a zombie is dead too.
    wait_for(lambda: pid_state(grandchild_pid) != "running", 5)


@pytest.mark.timeout(30)
async def test_stdio_garbage_on_stdout_does_not_kill_the_session(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="mcpclient.server.transport_raw")
    transport = PythonStdioTransport(RAW)
    async with session(transport) as client:
        assert await call_text(client, "echo", text="first") == "first"
        assert await call_text(client, "echo", text="second") == "second"
    assert any("not JSON-RPC" in r.getMessage() for r in caplog.records)


@pytest.mark.timeout(60)
async def test_stdio_long_lines() -> None:
    transport = PythonStdioTransport(ECHO)
    async with session(transport) as client:
        started = time.perf_counter()
        assert len(await call_text(client, "blob", size=20_000_000)) == 20_000_000
        assert time.perf_counter() - started < 20
        text = "é" * 100_000 + "\u2603"
        assert await call_text(client, "echo", text=text) == text


@pytest.mark.timeout(30)
async def test_stdio_server_dying_mid_call_ends_the_session() -> None:
    transport = PythonStdioTransport(ECHO)
    with pytest.raises(BaseException) as info:
        async with session(transport) as client:
            await client.call_tool("crash", {})
    leaf = unwrap(info.value)
    assert isinstance(leaf, mcp.MCPError) and "Connection closed" in str(leaf)
    assert transport.returncode == 3


@pytest.mark.timeout(30)
async def test_stdio_hung_server_is_terminated(slow_start_script: Path) -> None:
    transport = PythonStdioTransport(slow_start_script)
    started = time.perf_counter()
    async with transport.connect():
        pid = transport.pid
        assert pid is not None
    assert_gone(pid)
    assert transport.returncode is not None and transport.returncode < 0  # a signal ended it
    assert time.perf_counter() - started < 10


@pytest.mark.timeout(30)
async def test_stdio_sigterm_ignoring_server_is_killed(slow_start_script: Path) -> None:
    transport = PythonStdioTransport(slow_start_script, args=["--ignore-sigterm"])
    async with transport.connect():
        pid = transport.pid
        assert pid is not None
        await anyio.sleep(0.5)  # let it install its SIGTERM handler
    assert_gone(pid)
    assert transport.returncode == -9


@pytest.mark.timeout(30)
async def test_stdio_cancellation_stops_the_server(slow_start_script: Path) -> None:
    transport = PythonStdioTransport(slow_start_script)
    with anyio.move_on_after(0.5) as scope:
        async with transport.connect():
            await anyio.sleep(30)
    assert scope.cancelled_caught
    assert transport.pid is not None
    assert_gone(transport.pid)


@pytest.mark.timeout(30)
async def test_stdio_body_error_propagates_unwrapped() -> None:
    transport = PythonStdioTransport(ECHO)
    with pytest.raises(KeyError):
        async with transport.connect():
            raise KeyError("mine")


def test_line_buffer_splits_any_chunking() -> None:
    data = b'{"a": 1}\n\n' + b"x" * 100_000 + b"\nlast"
    for size in (1, 7, 4096, len(data)):
        buffer = _LineBuffer()
        lines: list[bytes] = []
        for i in range(0, len(data), size):
            lines += [bytes(line) for line in buffer.feed(data[i : i + size])]
        assert lines == [b'{"a": 1}', b"", b"x" * 100_000]
        assert bytes(buffer.rest()) == b"last"


def test_stdio_reprs_hide_env_values() -> None:
    transport = StdioTransport("python", ["server.py"])
    assert repr(transport) == "StdioTransport(command='python', args=['server.py'])"
    secret = StdioTransport("python", ["server.py"], env={"API_KEY": "s3cret-value"}, keep_alive=False)
    assert "s3cret-value" not in repr(secret) and "API_KEY" in repr(secret)
    assert repr(PythonStdioTransport(ECHO, env={"TOKEN": "xyz-secret"})) == (
        f"PythonStdioTransport(script_path={str(ECHO)!r}, env_keys=['TOKEN'])"
    )


def test_launcher_command_lines() -> None:
    uvx = UvxStdioTransport(
        "mcp-server-time",
        ["--local-timezone", "UTC"],
        from_package="mcp-server-time",
        with_packages=["tzdata"],
        python_version="3.12",
    )
    assert uvx.command_line == [
        "uvx", "--from", "mcp-server-time", "--with", "tzdata", "--python", "3.12",
        "mcp-server-time", "--local-timezone", "UTC",
    ]  # fmt: skip
    assert uvx.name == "mcp-server-time"
    npx = NpxStdioTransport("@modelcontextprotocol/server-everything", ["stdio"], env={"K": "v"})
    assert npx.command_line == ["npx", "-y", "@modelcontextprotocol/server-everything", "stdio"]
    assert "'v'" not in repr(npx)
    node = NodeStdioTransport(ECHO, node_cmd="nodejs")  # any existing file will do for the command line
    assert node.command_line == ["nodejs", str(ECHO)]


# --------------------------------------------------------------------------------- in-memory


def _mcpserver() -> MCPServer:
    server = MCPServer("in-memory")

    @server.tool()
    def echo(text: str) -> str:
        return text

    return server


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_in_memory_mcpserver(mode: str) -> None:
    transport = InMemoryTransport(_mcpserver())
    assert transport.keep_alive is False and transport.name == "in-memory"
    async with transport.connect() as server, mcp.Client(server, mode=mode) as client:
        assert await call_text(client, "echo", text="hi") == "hi"


@pytest.mark.timeout(30)
async def test_in_memory_lowlevel_server() -> None:
    transport = InMemoryTransport(Server("lowlevel"))
    assert transport.name == "lowlevel"
    async with transport.connect() as server, mcp.Client(server, mode="legacy") as client:
        assert client.server_info is not None and client.server_info.name == "lowlevel"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_in_memory_fastmcp(mode: str) -> None:
    fastmcp = pytest.importorskip("fastmcp")
    app = fastmcp.FastMCP("fast")

    def add(a: int, b: int) -> int:
        return a + b

    app.tool(add)

    transport = infer_transport(app)
    assert isinstance(transport, InMemoryTransport) and transport.name == "fast"
    async with transport.connect() as server, mcp.Client(server, mode=mode) as client:
        assert await call_text(client, "add", a=2, b=3) == "5"


def test_in_memory_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="MCPServer"):
        InMemoryTransport(object())


# -------------------------------------------------------------------------------------- HTTP


class _HeaderRecorder:
    """ASGI wrapper recording each HTTP request's path and headers."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            self.requests.append((scope["path"], headers))
        await self.app(scope, receive, send)


class _HttpServer:
    def __init__(self, base_url: str, recorder: _HeaderRecorder) -> None:
        self.base_url = base_url
        self.recorder = recorder


@pytest.fixture(scope="module")
def http_app_server() -> Iterator[_HttpServer]:
    import uvicorn

    server = _mcpserver()
    app = server.streamable_http_app()  # /mcp, with the lifespan that runs its session manager
    app.router.routes.extend(server.sse_app().routes)  # /sse and /messages/
    recorder = _HeaderRecorder(app)
    uv = uvicorn.Server(
        uvicorn.Config(recorder, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    wait_for(lambda: uv.started or not thread.is_alive(), 20)
    assert uv.started, "uvicorn did not start"
    port = uv.servers[0].sockets[0].getsockname()[1]
    yield _HttpServer(f"http://127.0.0.1:{port}", recorder)
    uv.should_exit = True
    thread.join(10)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_streamable_http_echo(http_app_server: _HttpServer, mode: str) -> None:
    transport = StreamableHttpTransport(f"{http_app_server.base_url}/mcp")
    assert transport.name == http_app_server.base_url.removeprefix("http://")
    async with session(transport, mode) as client:
        assert await call_text(client, "echo", text="over http") == "over http"


@pytest.mark.timeout(30)
async def test_sse_echo(http_app_server: _HttpServer) -> None:
    transport = infer_transport(f"{http_app_server.base_url}/sse")
    assert isinstance(transport, SSETransport)
    async with session(transport) as client:
        assert await call_text(client, "echo", text="over sse") == "over sse"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", [StreamableHttpTransport, SSETransport])
async def test_bearer_token_and_headers_are_sent(http_app_server: _HttpServer, kind: type[Any]) -> None:
    path = "/mcp" if kind is StreamableHttpTransport else "/sse"
    token = f"tok-{kind.__name__}"
    transport = kind(f"{http_app_server.base_url}{path}", auth=token, headers={"X-Custom": "yes"})
    start = len(http_app_server.recorder.requests)
    async with session(transport) as client:
        await client.list_tools()
    sent = http_app_server.recorder.requests[start:]
    assert sent and all(headers.get("authorization") == f"Bearer {token}" for _, headers in sent)
    assert all(headers.get("x-custom") == "yes" for _, headers in sent)
    assert token not in repr(transport)


def test_http_reprs_hide_secrets() -> None:
    transport = StreamableHttpTransport(
        "https://user:pw@api.example.com/mcp?api_key=k1",
        headers={"Authorization": "Bearer h1", "X-API-Key": "k2", "Cookie": "c", "Accept-Language": "en"},
        auth="t0ken",
    )
    text = repr(transport)
    for secret in ("pw", "k1", "h1", "k2", "t0ken", "'c'"):
        assert secret not in text, text
    assert "api.example.com/mcp" in text and "'Accept-Language': 'en'" in text
    assert transport.name == "api.example.com"
    assert "oauth" in repr(SSETransport("http://h:8000/sse", auth="oauth"))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_streamable_http_404_is_connection_failed(http_app_server: _HttpServer, mode: str) -> None:
    transport = StreamableHttpTransport(f"{http_app_server.base_url}/nope?token=abc", auth="s3cret")
    with pytest.raises(BaseException) as info:
        async with session(transport, mode):
            pass
    error = transport.startup_error(info.value)
    assert isinstance(error, ConnectionFailedError)
    assert "404" in str(error) and f"{http_app_server.base_url}/nope" in str(error)
    assert "abc" not in str(error) and "s3cret" not in str(error)


@pytest.mark.timeout(30)
async def test_sse_404_is_connection_failed(http_app_server: _HttpServer) -> None:
    transport = SSETransport(f"{http_app_server.base_url}/nope/sse")
    with pytest.raises(BaseException) as info:
        async with session(transport):
            pass
    assert isinstance(unwrap(info.value), httpx2.HTTPStatusError)
    error = transport.startup_error(info.value)
    assert isinstance(error, ConnectionFailedError) and "404" in str(error)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", [StreamableHttpTransport, SSETransport])
async def test_refused_connection_is_connection_failed(kind: type[Any]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    transport = kind(f"http://127.0.0.1:{port}/sse")
    with pytest.raises(BaseException) as info:
        async with session(transport):
            pass
    error = transport.startup_error(info.value)
    assert isinstance(error, ConnectionFailedError) and "could not connect" in str(error)


@pytest.mark.timeout(30)
async def test_http_client_factory_is_used() -> None:
    calls: list[dict[str, Any]] = []

    def factory(
        headers: dict[str, str] | None = None, timeout: httpx2.Timeout | None = None, auth: httpx2.Auth | None = None
    ) -> httpx2.AsyncClient:
        calls.append({"headers": headers, "timeout": timeout, "auth": auth})
        return httpx2.AsyncClient(headers=headers, timeout=timeout, auth=auth)

    transport = StreamableHttpTransport("http://127.0.0.1:9/mcp", httpx_client_factory=factory, timeout=5)
    with pytest.raises((ExceptionGroup, httpx2.ConnectError)):
        async with session(transport):
            pass
    assert calls and calls[0]["timeout"] == httpx2.Timeout(5, read=300)


# --------------------------------------------------------------------------------- inference


def test_infer_transport_rows(tmp_path: Path) -> None:
    stdio = StdioTransport("python")
    assert infer_transport(stdio) is stdio
    assert isinstance(infer_transport(_mcpserver()), InMemoryTransport)
    assert isinstance(infer_transport(Server("low")), InMemoryTransport)

    python = infer_transport(str(ECHO), python_cmd="python3", env={"A": "1"}, keep_alive=False)
    assert isinstance(python, PythonStdioTransport)
    assert python.command_line == ["python3", str(ECHO)] and python.keep_alive is False and python.env == {"A": "1"}
    by_path = infer_transport(ECHO)
    assert isinstance(by_path, PythonStdioTransport) and by_path.command == sys.executable

    script = tmp_path / "server.js"
    script.write_text("")
    node = infer_transport(script, args=["--x"])
    assert isinstance(node, NodeStdioTransport) and node.command_line == ["node", str(script), "--x"]

    for url in ("http://h/mcp", "https://h:8443/api/mcp", "http://h/ssefoo", "http://h/mcp/sse-like"):
        assert type(infer_transport(url)) is StreamableHttpTransport, url
    for url in ("http://h/sse", "https://h/x/sse/", "http://h/sse?x=1"):
        assert type(infer_transport(url)) is SSETransport, url
    http = infer_transport("http://h/mcp", auth="tok", headers={"A": "b"})
    assert isinstance(http, StreamableHttpTransport) and http.headers == {"A": "b"}


@pytest.mark.parametrize("source", [42, "foo.txt", "ftp://x", {"servers": {}}, b"server.py", None, 3.5])
def test_infer_transport_rejects(source: Any) -> None:
    with pytest.raises(ValueError) as info:
        infer_transport(source)
    message = str(info.value)
    assert repr(source)[:30] in message
    assert ".py" in message and "http" in message and "mcpServers" in message


def test_infer_transport_rejects_options_for_an_instance() -> None:
    with pytest.raises(TypeError):
        infer_transport(StdioTransport("python"), env={"A": "1"})


def test_infer_transport_config_rows(tmp_path: Path) -> None:
    config_module = pytest.importorskip("mcpclient.config")
    data = {"mcpServers": {"echo": {"command": sys.executable, "args": [str(ECHO)]}}}
    assert isinstance(infer_transport(data), config_module.MCPConfigTransport)
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(data))
    assert isinstance(infer_transport(path), config_module.MCPConfigTransport)
    assert isinstance(infer_transport(str(path)), config_module.MCPConfigTransport)
    config = config_module.MCPConfig.from_file(path)
    assert isinstance(infer_transport(config), config_module.MCPConfigTransport)
