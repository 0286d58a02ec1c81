# ruff: noqa: RUF003 - the tables use × and – on purpose
"""The clients being compared, each as an `Approach` bound to a target server and an operation.

* `SyncClient` — this library, blocking (the subject).
* `Client` — this library's async engine (separates the thread hop from the engine).
* raw `ClientSession` — the SDK's session over the SDK's own transport (`stdio_client`,
  `streamable_http_client`, in-memory streams), and over mcpclient's stdio transport.
* `mcp.Client` — the SDK's high-level client (default `mode="auto"`).
* fastmcp `Client` — skipped with a note when fastmcp is not importable.
* anyio `BlockingPortal` + `mcp.Client` — the quick sync wrapper one would write by hand.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import AsyncApproach, Skip, SyncApproach

HERE = Path(__file__).resolve().parent
FAST_SERVER = HERE / "servers" / "fast_server.py"
MCP_SERVER = HERE / "servers" / "mcp_server.py"


@dataclass
class Target:
    """A server to talk to: `memory` (an in-process MCPServer), `stdio` (a script) or `http` (a URL)."""

    kind: str
    script: Path | None = None
    args: list[str] = field(default_factory=list)
    url: str | None = None
    extra_tools: int = 0

    def server(self) -> Any:
        """A fresh in-process MCPServer (memory targets)."""
        sys.path.insert(0, str(HERE / "servers"))
        try:
            from mcp_server import make_server  # type: ignore[import-not-found]
        finally:
            sys.path.pop(0)
        return make_server(self.extra_tools)

    def stdio_params(self) -> Any:
        from mcp import StdioServerParameters

        assert self.script is not None
        return StdioServerParameters(command=sys.executable, args=[str(self.script), *self.args])


@dataclass
class Op:
    """What one measured operation is: a `tools/call` (tool, arguments) or a `tools/list`."""

    kind: str = "call"
    tool: str = "echo"
    arguments: dict[str, Any] = field(default_factory=lambda: {"text": "hello"})
    progress: bool = False  # pass a progress handler (counts notifications)

    @classmethod
    def list_tools(cls) -> Op:
        return cls(kind="list_tools")


class Counter:
    """A progress handler that counts notifications (plain function, and an async twin)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        self.count += 1

    async def async_(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        self.count += 1


# ------------------------------------------------------------------ mcpclient


def _mcpclient_source(target: Target) -> tuple[Any, dict[str, Any]]:
    if target.kind == "memory":
        return target.server(), {}
    if target.kind == "stdio":
        assert target.script is not None
        return str(target.script), {"args": target.args} if target.args else {}
    return target.url, {}


def sync_client(
    target: Target, op: Op, *, mode: str = "auto", name: str = "SyncClient", note: str = ""
) -> SyncApproach:
    def setup() -> tuple[Callable[[], Any], Callable[[], None]]:
        from mcpclient import SyncClient

        source, options = _mcpclient_source(target)
        client = SyncClient(source, mode=mode, **options)
        client.connect()
        if op.kind == "list_tools":
            return client.list_tools, client.close
        counter = Counter()
        handler = counter if op.progress else None

        def call() -> Any:
            return client.call_tool(op.tool, op.arguments, progress_handler=handler)

        return call, client.close

    return SyncApproach(name, setup, note=note)


def async_client(
    target: Target, op: Op, *, mode: str = "auto", name: str = "mcpclient.Client (async)"
) -> AsyncApproach:
    async def setup(stack: contextlib.AsyncExitStack) -> Callable[[], Awaitable[Any]]:
        from mcpclient import Client

        source, options = _mcpclient_source(target)
        client = await stack.enter_async_context(Client(source, mode=mode, **options))
        if op.kind == "list_tools":
            return client.list_tools
        handler = Counter().async_ if op.progress else None
        return lambda: client.call_tool(op.tool, op.arguments, progress_handler=handler)

    return AsyncApproach(name, setup)


# ------------------------------------------------------------------ the SDK


def _session_call(session: Any, op: Op) -> Callable[[], Awaitable[Any]]:
    if op.kind == "list_tools":
        return session.list_tools  # type: ignore[no-any-return]
    callback = Counter().async_ if op.progress else None
    return lambda: session.call_tool(op.tool, op.arguments, progress_callback=callback)


def raw_session(target: Target, op: Op, *, transport: str = "sdk", name: str | None = None) -> AsyncApproach:
    """The SDK's `ClientSession` (legacy `initialize` handshake) over the SDK's transport or ours."""

    async def setup(stack: contextlib.AsyncExitStack) -> Callable[[], Awaitable[Any]]:
        from mcp import ClientSession

        if target.kind == "memory":
            from mcp.client._memory import InMemoryTransport

            read, write = await stack.enter_async_context(InMemoryTransport(target.server()))
        elif target.kind == "stdio" and transport == "mcpclient":
            from mcpclient.transports import StdioTransport

            assert target.script is not None
            ours = StdioTransport(sys.executable, [str(target.script), *target.args])
            read, write = await stack.enter_async_context(ours.connect())
        elif target.kind == "stdio":
            from mcp.client.stdio import stdio_client

            read, write = await stack.enter_async_context(stdio_client(target.stdio_params()))
        else:
            from mcp.client.streamable_http import streamable_http_client

            assert target.url is not None
            read, write = await stack.enter_async_context(streamable_http_client(target.url))
        session = await stack.enter_async_context(ClientSession(read, write))
        await session.initialize()
        return _session_call(session, op)

    label = name or ("raw ClientSession" if transport == "sdk" else "raw ClientSession + mcpclient stdio")
    return AsyncApproach(label, setup)


def _sdk_client(target: Target, mode: str) -> Any:
    import mcp

    if target.kind == "memory":
        return mcp.Client(target.server(), mode=mode)
    if target.kind == "stdio":
        return mcp.Client(target.stdio_params(), mode=mode)
    return mcp.Client(target.url, mode=mode)  # type: ignore[arg-type]


def _sdk_client_call(client: Any, op: Op) -> Callable[[], Awaitable[Any]]:
    if op.kind == "list_tools":
        return client.list_tools  # type: ignore[no-any-return]
    callback = Counter().async_ if op.progress else None
    return lambda: client.call_tool(op.tool, op.arguments, progress_callback=callback)


def sdk_client(target: Target, op: Op, *, mode: str = "auto") -> AsyncApproach:
    async def setup(stack: contextlib.AsyncExitStack) -> Callable[[], Awaitable[Any]]:
        client = await stack.enter_async_context(_sdk_client(target, mode))
        return _sdk_client_call(client, op)

    return AsyncApproach(f"mcp.Client ({mode})", setup)


def portal_client(target: Target, op: Op) -> SyncApproach:
    """The quick sync wrapper: an anyio blocking portal driving `mcp.Client`."""

    def setup() -> tuple[Callable[[], Any], Callable[[], None]]:
        from anyio.from_thread import start_blocking_portal

        portal_cm = start_blocking_portal()
        portal = portal_cm.__enter__()
        client_cm = portal.wrap_async_context_manager(_sdk_client(target, "auto"))
        client = client_cm.__enter__()
        if op.kind == "list_tools":

            def call() -> Any:
                return portal.call(client.list_tools)
        else:
            callback = Counter().async_ if op.progress else None

            def call() -> Any:
                return portal.call(lambda: client.call_tool(op.tool, op.arguments, progress_callback=callback))

        def close() -> None:
            client_cm.__exit__(None, None, None)
            portal_cm.__exit__(None, None, None)

        return call, close

    return SyncApproach("anyio portal + mcp.Client", setup)


# ------------------------------------------------------------------ fastmcp


def fastmcp_available() -> str | None:
    """None when fastmcp's Client imports, else the reason it does not."""
    try:
        from fastmcp import Client  # noqa: F401
    except Exception as exc:  # ImportError, or a broken install
        return f"fastmcp not importable ({type(exc).__name__}: {exc})"[:160]
    return None


def fastmcp_client(target: Target, op: Op) -> AsyncApproach:
    async def setup(stack: contextlib.AsyncExitStack) -> Callable[[], Awaitable[Any]]:
        reason = fastmcp_available()
        if reason:
            raise Skip(reason)
        from fastmcp import Client
        from fastmcp.client.transports import PythonStdioTransport

        if target.kind == "memory":
            source: Any = target.server()
        elif target.kind == "stdio":
            assert target.script is not None
            source = PythonStdioTransport(str(target.script), args=target.args, python_cmd=sys.executable)
        else:
            source = target.url
        client = await stack.enter_async_context(Client(source))
        if op.kind == "list_tools":
            return client.list_tools  # type: ignore[no-any-return]
        callback = Counter().async_ if op.progress else None
        return lambda: client.call_tool(op.tool, op.arguments, progress_handler=callback)

    return AsyncApproach("fastmcp Client", setup)
