"""In-process transport: a server object running in the client's own event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, TypeGuard

from mcp.server import Server
from mcp.server.mcpserver import MCPServer

from .base import ClientTransport

__all__ = ["InMemoryTransport", "is_server_instance"]


def _is_fastmcp(obj: object) -> bool:
    # Detected without importing fastmcp: its servers keep the low-level Server in `_mcp_server`.
    return type(obj).__module__.startswith("fastmcp") and isinstance(getattr(obj, "_mcp_server", None), Server)


def is_server_instance(obj: object) -> TypeGuard[MCPServer | Server[Any]]:
    """Whether `obj` is a server `InMemoryTransport` accepts (MCPServer, low-level Server, FastMCP)."""
    return isinstance(obj, MCPServer | Server) or _is_fastmcp(obj)


class InMemoryTransport(ClientTransport):
    """Run an in-process server: an mcp `MCPServer`, a low-level `mcp.server.Server`, or a fastmcp `FastMCP`.

    `connect()` yields a server object that `mcp.Client(server=...)` accepts: the
    `MCPServer` or `Server` itself, or a FastMCP's low-level server (with the FastMCP
    lifespan entered for the duration of the context). `mcp.Client` then runs it
    in-process, over memory streams in legacy mode or by direct dispatch in modern mode.
    """

    keep_alive = False

    def __init__(self, server: Any, name: str | None = None) -> None:
        if not is_server_instance(server):
            kind = type(server).__name__
            raise TypeError(f"InMemoryTransport needs an MCPServer, mcp.server.Server or FastMCP instance, not {kind}")
        self.server = server
        self.name = name or str(getattr(server, "name", None) or "server")
        if _is_fastmcp(server):
            # FastMCP's Context reports progress and logs through the legacy session (it reads the
            # progress token from the request's `_meta`), which the SDK's modern in-process path
            # (direct dispatch, no session) never feeds: progress and logs would be lost. FastMCP's
            # own in-memory client uses the legacy path too.
            self.mode = "legacy"

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[MCPServer | Server[Any]]:
        """Yield the server object for `mcp.Client`."""
        server = self.server
        if isinstance(server, MCPServer | Server):
            yield server
            return
        lifespan: AbstractAsyncContextManager[Any] = nullcontext()
        if callable(manager := getattr(server, "_lifespan_manager", None)):
            lifespan = manager()
        async with lifespan:
            yield server._mcp_server

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError(
            f"InMemoryTransport({self.name!r}) cannot be pickled: the server lives in this process. "
            "Run it over stdio (a script path) or HTTP (a URL) to use it from other processes"
        )

    def __repr__(self) -> str:
        return f"InMemoryTransport(server=<{type(self.server).__name__} {self.name!r}>)"
