"""`SyncClient.aio`: a SyncClient's operations as awaitables for code running on another event loop.

Async code that shares a SyncClient with blocking code (a LangChain tool's `ainvoke`, an ASGI
endpoint next to WSGI views) must not block its loop on a call, nor open a second session.
`await client.aio.call_tool(...)` starts the request on the SyncClient's own loop thread
(`LoopThread.start`) and awaits its future with `asyncio.wrap_future`: the caller's loop keeps
running other tasks meanwhile, and cancelling the awaiting task cancels the request (the server
is sent `notifications/cancelled`).

Handlers: a per-call `progress_handler` runs on the caller's event loop (a plain function is
called there, an async one is scheduled as a task). Client-wide plain handlers (sampling,
elicitation, roots, logs) have no blocked thread to run in for these calls: they run in a
thread waiting in a blocking call of the same client if there is one, else on the handler
thread (rules 3-4 in `mcpclient.sync.dispatch`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..handlers.progress import ProgressHandler

if TYPE_CHECKING:
    from mcp import types

    from ..client import Timeout
    from ..results import CallToolResult
    from .client import SyncClient

__all__ = ["AsyncBridge"]

_T = TypeVar("_T")


class AsyncBridge:
    """Awaitable forms of a `SyncClient`'s operations (`client.aio`); same arguments and results."""

    __slots__ = ("_sync",)

    def __init__(self, client: SyncClient) -> None:
        self._sync = client

    def __repr__(self) -> str:
        return f"<AsyncBridge of {self._sync!r}>"

    async def _run(self, fn: Callable[..., Awaitable[_T]], *args: Any, **kwargs: Any) -> _T:
        # `_portal()` may start the loop thread (a few ms, once); everything else happens there.
        future = self._sync._portal().start(fn, *args, **kwargs)
        return await asyncio.wrap_future(future)

    def _progress(self, handler: ProgressHandler | None) -> ProgressHandler | None:
        if handler is None:
            return self._sync._bound_progress(None)
        caller_loop = asyncio.get_running_loop()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            caller_loop.call_soon_threadsafe(_call_on_loop, handler, progress, total, message)

        return on_progress

    async def ping(self, *, timeout: Timeout = None) -> bool:
        """True when the server answered."""
        return await self._run(self._sync.async_client.ping, timeout=timeout)

    async def list_tools(self, *, timeout: Timeout = None) -> list[types.Tool]:
        """All tools, following every page."""
        return await self._run(self._sync.async_client.list_tools, timeout=timeout)

    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        raise_on_error: bool = True,
        meta: Mapping[str, Any] | None = None,
    ) -> CallToolResult:
        """Call a tool; raises `ToolError` when it fails (unless `raise_on_error=False`)."""
        client = self._sync.async_client
        return await self._run(
            client.call_tool, name, arguments, timeout=timeout, progress_handler=self._progress(progress_handler),
            raise_on_error=raise_on_error, meta=meta,
        )  # fmt: skip

    async def call_tool_mcp(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> types.CallToolResult:
        """Call a tool; the raw result (errors not raised)."""
        client = self._sync.async_client
        return await self._run(
            client.call_tool_mcp, name, arguments, timeout=timeout,
            progress_handler=self._progress(progress_handler), meta=meta,
        )  # fmt: skip

    async def list_resources(self, *, timeout: Timeout = None) -> list[types.Resource]:
        """All resources."""
        return await self._run(self._sync.async_client.list_resources, timeout=timeout)

    async def list_resource_templates(self, *, timeout: Timeout = None) -> list[types.ResourceTemplate]:
        """All resource templates."""
        return await self._run(self._sync.async_client.list_resource_templates, timeout=timeout)

    async def read_resource(
        self, uri: str, *, timeout: Timeout = None
    ) -> list[types.TextResourceContents | types.BlobResourceContents]:
        """Read a resource: its text and blob contents."""
        return await self._run(self._sync.async_client.read_resource, uri, timeout=timeout)

    async def list_prompts(self, *, timeout: Timeout = None) -> list[types.Prompt]:
        """All prompts."""
        return await self._run(self._sync.async_client.list_prompts, timeout=timeout)

    async def get_prompt(
        self, name: str, arguments: Mapping[str, Any] | None = None, *, timeout: Timeout = None
    ) -> types.GetPromptResult:
        """Get a prompt (non-string arguments serialised to JSON)."""
        return await self._run(self._sync.async_client.get_prompt, name, arguments, timeout=timeout)


_progress_tasks: set[asyncio.Future[Any]] = set()  # strong references until done


def _call_on_loop(handler: ProgressHandler, progress: float, total: float | None, message: str | None) -> None:
    result = handler(progress, total, message)
    if inspect.isawaitable(result):
        task = asyncio.ensure_future(result)
        _progress_tasks.add(task)
        task.add_done_callback(_progress_tasks.discard)
