"""`SyncClient`: the blocking face of `Client`.

Each method is one line: the same-named `Client` coroutine run on the loop thread through
`LoopThread.call`. No logic lives here beyond crossing threads: handler adaptation (plain
functions run in the caller's thread, see `dispatch`), lazy connection, fork safety and
shutdown at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import warnings
import weakref
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, cast, overload

from .._early import EarlyServer
from ..handlers.elicitation import ElicitationHandler
from ..handlers.logging import LogHandler
from ..handlers.message import MessageHandler, MessageHandlerFn
from ..handlers.progress import ProgressHandler
from ..handlers.roots import RootsHandler, RootsList
from ..handlers.sampling import SamplingHandler
from ..results import CallToolResult
from . import _exit  # noqa: F401 - registers the prompt exit after an uncaught Ctrl-C
from .pickling import Blueprint
from .pickling import reduce as _reduce

if TYPE_CHECKING:
    import mcp
    from mcp import types

    from ..client import Client, Mode, Timeout
    from ..skills import LoadedSkill, Skill, SkillsListResult
    from .aio import AsyncBridge
    from .dispatch import Dispatcher
    from .events import BlockingEventStream
    from .loop import LoopThread
    from .tasks import SyncPromptTask, SyncResourceTask, SyncToolTask, blocking

__all__ = ["SyncClient"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

_live: weakref.WeakSet[SyncClient] = weakref.WeakSet()
_CLOSE_TIMEOUT = 2.0


class SyncClient:
    """A blocking MCP client; every `Client` operation as a plain method.

    ```python
    with SyncClient("server.py") as client:
        print(client.call_tool("add", {"a": 1, "b": 2}).data)
    ```

    Or without `with`: the first call connects and the session stays open until
    `close()` or interpreter exit. One SyncClient may be shared by many threads.
    Plain-function handlers run in the calling thread; async handlers on the loop thread.
    It pickles as its configuration (for process pools, Dask, Ray): each process that unpickles
    it connects once, on first use (docs/distributed.md).
    """

    def __init__(
        self,
        source: Any,
        *,
        name: str | None = None,
        roots: RootsList | RootsHandler | None = None,
        sampling_handler: SamplingHandler | None = None,
        elicitation_handler: ElicitationHandler | None = None,
        log_handler: LogHandler | None = None,
        progress_handler: ProgressHandler | None = None,
        message_handler: MessageHandlerFn | None = None,
        timeout: Timeout = None,
        init_timeout: Timeout = 60.0,
        auto_initialize: bool = True,
        mode: Mode = "auto",
        log_level: str | None = None,
        client_info: types.Implementation | None = None,
        **transport_options: Any,
    ) -> None:
        options = {k: v for k, v in locals().items() if k not in ("self", "source", "transport_options", "__class__")}
        self._blueprint = Blueprint(source, {**options, **transport_options})  # what pickling ships
        self._lock = threading.Lock()
        self._pid = os.getpid()
        # A script's server starts first, and boots while the engine (the mcp SDK) is imported;
        # the Client built below takes it (`EarlyServer.start`) and offers it to its transport.
        early = EarlyServer.start_ahead(source, transport_options)
        self._early_discard = weakref.finalize(self, early.discard) if early is not None else None
        try:
            _import_engine()
            provisional = name or "server"
            self._dispatch = Dispatcher(provisional)
            self._progress_handler = progress_handler
            self._client = Client(
                source,
                name=name,
                roots=self._dispatch.adapt(roots, wait=True) if callable(roots) else roots,
                sampling_handler=self._dispatch.adapt(sampling_handler, wait=True),
                elicitation_handler=self._dispatch.adapt(elicitation_handler, wait=True),
                log_handler=self._dispatch.adapt(log_handler, wait=False),
                progress_handler=None,
                message_handler=self._dispatch.adapt(_plain_message_handler(message_handler), wait=False),
                timeout=timeout,
                init_timeout=init_timeout,
                auto_initialize=auto_initialize,
                mode=mode,
                log_level=log_level,
                client_info=client_info,
                lazy_connect=True,
                **transport_options,
            )
        finally:
            EarlyServer.drop_ahead()  # ends it if the Client did not take it (something raised before)
        self._loop: LoopThread | None = None
        _live.add(self)

    # ------------------------------------------------------------------ plumbing

    @property
    def async_client(self) -> Client:
        """The async `Client` this facade drives (for use inside async handlers, on the loop thread)."""
        return self._client

    @property
    def name(self) -> str:
        return self._client.name

    @property
    def aio(self) -> AsyncBridge:
        """This client's operations as awaitables for another event loop: `await client.aio.call_tool(...)`."""
        from .aio import AsyncBridge

        return AsyncBridge(self)

    def _portal(self) -> LoopThread:
        loop = self._loop
        if loop is not None and loop.is_alive():
            return loop
        with self._lock:
            if self._pid != os.getpid():  # forked without the at-fork hook (unusual platforms)
                self._reset_after_fork()
            if self._loop is None or not self._loop.is_alive():
                self._loop = LoopThread(self.name, self._dispatch)
            return self._loop

    def _reset_after_fork(self) -> None:
        # The parent's loop thread does not exist in a forked child. Start afresh on first use and
        # leave the parent's session, thread and server untouched.
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._loop = None
        self._client = self._client.new()
        self._dispatch.reset_after_fork()

    def _call(self, fn: Callable[_P, Awaitable[_R]], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run `await fn(*args, **kwargs)` on the loop thread; block (serving handlers) until done."""
        return self._portal().call(fn, *args, **kwargs)

    def _bound_progress(self, handler: ProgressHandler | None) -> ProgressHandler | None:
        chosen = handler or self._progress_handler
        return self._dispatch.adapt(chosen, wait=False, bind=True) if chosen else None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles as its configuration; see `pickling` (per-process registry, lazy connection).
        return _reduce(self)

    def __repr__(self) -> str:
        return f"<SyncClient {self._client.name!r} via {self._client.transport!r}>"

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> SyncClient:
        self._call(self._client.__aenter__)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._call(self._client.__aexit__, exc_type, exc, tb)

    def connect(self) -> SyncClient:
        """Connect and keep the session until `close()`."""
        self._call(self._client.connect)
        return self

    def close(self) -> None:
        """End the session, the server and the loop thread. Idempotent; the client may be used again."""
        if (discard := getattr(self, "_early_discard", None)) is not None:
            discard()  # a server started early and never adopted (no-op once a connection took it)
        with self._lock:
            loop, self._loop = self._loop, None
            if loop is None or self._pid != os.getpid():
                return
        try:
            if loop.is_alive() and not loop.in_loop_thread():
                loop.call(_bounded, self._client.close(), _CLOSE_TIMEOUT)
        finally:
            self._dispatch.stop()
            loop.stop(_CLOSE_TIMEOUT)

    def __del__(self) -> None:
        loop = getattr(self, "_loop", None)
        if loop is None or getattr(self, "_pid", None) != os.getpid():
            return
        if self._client.is_connected():
            warnings.warn(f"unclosed {self!r}; call close() or use `with`", ResourceWarning, stacklevel=2)
        if loop.in_loop_thread():
            loop.submit(self._client.close)
            return
        with contextlib.suppress(Exception):
            self.close()

    def is_connected(self) -> bool:
        """Whether a session is open."""
        return self._client.is_connected()

    def new(self) -> SyncClient:
        """A SyncClient with the same configuration and its own fresh connection."""
        clone = object.__new__(SyncClient)
        clone._blueprint = self._blueprint.renewed()
        clone._lock = threading.Lock()
        clone._pid = os.getpid()
        clone._dispatch = self._dispatch
        clone._progress_handler = self._progress_handler
        clone._client = self._client.new()
        clone._loop = None
        _live.add(clone)
        return clone

    @property
    def session(self) -> mcp.ClientSession:
        """The SDK session (advanced; use it only from async code on the loop thread)."""
        return self._client.session

    @property
    def initialize_result(self) -> types.InitializeResult | None:
        """Server info, capabilities, instructions and protocol version."""
        return self._client.initialize_result

    @property
    def protocol_version(self) -> str | None:
        """The negotiated protocol version."""
        return self._client.protocol_version

    @property
    def transport(self) -> Any:
        return self._client.transport

    def initialize(self, timeout: Timeout = None) -> types.InitializeResult:
        """Run the handshake (with `auto_initialize=False`)."""
        return self._call(self._client.initialize, timeout)

    def set_roots(self, roots: RootsList | RootsHandler) -> None:
        """Set the roots (paths/URIs or a handler returning them)."""
        self._blueprint.set("roots", roots)
        self._client.set_roots(self._dispatch.adapt(roots, wait=True) if callable(roots) else roots)

    def set_sampling_callback(self, handler: SamplingHandler | None) -> None:
        """Set the sampling handler."""
        self._blueprint.set("sampling_handler", handler)
        self._client.set_sampling_callback(self._dispatch.adapt(handler, wait=True))

    def set_elicitation_callback(self, handler: ElicitationHandler | None) -> None:
        """Set the elicitation handler."""
        self._blueprint.set("elicitation_handler", handler)
        self._client.set_elicitation_callback(self._dispatch.adapt(handler, wait=True))

    # ------------------------------------------------------------------ operations

    def ping(self, *, timeout: Timeout = None) -> bool:
        """True when the server answered."""
        return self._call(self._client.ping, timeout=timeout)

    def list_tools(self, *, timeout: Timeout = None) -> list[types.Tool]:
        """All tools, following every page."""
        return self._call(self._client.list_tools, timeout=timeout)

    def list_tools_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> types.ListToolsResult:
        """One raw `tools/list` page."""
        return self._call(self._client.list_tools_mcp, cursor=cursor, timeout=timeout)

    @overload
    def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        raise_on_error: bool = True,
        meta: Mapping[str, Any] | None = None,
        task: Literal[False] = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> CallToolResult: ...

    @overload
    def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        raise_on_error: bool = True,
        meta: Mapping[str, Any] | None = None,
        task: Literal[True],
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> SyncToolTask: ...

    @overload
    def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        raise_on_error: bool = True,
        meta: Mapping[str, Any] | None = None,
        task: bool,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> CallToolResult | SyncToolTask: ...

    def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        raise_on_error: bool = True,
        meta: Mapping[str, Any] | None = None,
        task: bool = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> CallToolResult | SyncToolTask:
        """Call a tool; raises `ToolError` when it fails (unless `raise_on_error=False`).

        `task=True`: a `SyncToolTask` at once (see `Client.call_tool`).
        """
        result = self._call(
            self._client.call_tool, name, arguments, timeout=timeout,
            progress_handler=self._bound_progress(progress_handler), raise_on_error=raise_on_error, meta=meta,
            task=task, task_id=task_id, ttl=ttl,
        )  # fmt: skip
        # `task` picks the overload at run time; `blocking` makes the task face blocking.
        return cast("CallToolResult | SyncToolTask", blocking(result, self._call, self._dispatch))

    def call_tool_mcp(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> types.CallToolResult:
        """Call a tool; the raw result (errors not raised)."""
        return self._call(
            self._client.call_tool_mcp, name, arguments, timeout=timeout,
            progress_handler=self._bound_progress(progress_handler), meta=meta,
        )  # fmt: skip

    def list_resources(self, *, timeout: Timeout = None) -> list[types.Resource]:
        """All resources."""
        return self._call(self._client.list_resources, timeout=timeout)

    def list_resources_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> types.ListResourcesResult:
        """One raw `resources/list` page."""
        return self._call(self._client.list_resources_mcp, cursor=cursor, timeout=timeout)

    def list_resource_templates(self, *, timeout: Timeout = None) -> list[types.ResourceTemplate]:
        """All resource templates."""
        return self._call(self._client.list_resource_templates, timeout=timeout)

    def list_resource_templates_mcp(
        self, *, cursor: str | None = None, timeout: Timeout = None
    ) -> types.ListResourceTemplatesResult:
        """One raw `resources/templates/list` page."""
        return self._call(self._client.list_resource_templates_mcp, cursor=cursor, timeout=timeout)

    @overload
    def read_resource(
        self,
        uri: str,
        *,
        timeout: Timeout = None,
        task: Literal[False] = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> list[types.TextResourceContents | types.BlobResourceContents]: ...

    @overload
    def read_resource(
        self,
        uri: str,
        *,
        timeout: Timeout = None,
        task: Literal[True],
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> SyncResourceTask: ...

    @overload
    def read_resource(
        self, uri: str, *, timeout: Timeout = None, task: bool, task_id: str | None = None, ttl: int | None = 60000
    ) -> list[types.TextResourceContents | types.BlobResourceContents] | SyncResourceTask: ...

    def read_resource(
        self,
        uri: str,
        *,
        timeout: Timeout = None,
        task: bool = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> list[types.TextResourceContents | types.BlobResourceContents] | SyncResourceTask:
        """Read a resource: its text and blob contents (`task=True`: a `SyncResourceTask`)."""
        result = self._call(self._client.read_resource, uri, timeout=timeout, task=task, task_id=task_id, ttl=ttl)
        return cast(
            "list[types.TextResourceContents | types.BlobResourceContents] | SyncResourceTask",
            blocking(result, self._call, self._dispatch),
        )

    def read_resource_mcp(self, uri: str, *, timeout: Timeout = None) -> types.ReadResourceResult:
        """Read a resource; the raw result."""
        return self._call(self._client.read_resource_mcp, uri, timeout=timeout)

    def list_prompts(self, *, timeout: Timeout = None) -> list[types.Prompt]:
        """All prompts."""
        return self._call(self._client.list_prompts, timeout=timeout)

    def list_prompts_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> types.ListPromptsResult:
        """One raw `prompts/list` page."""
        return self._call(self._client.list_prompts_mcp, cursor=cursor, timeout=timeout)

    @overload
    def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        task: Literal[False] = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> types.GetPromptResult: ...

    @overload
    def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        task: Literal[True],
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> SyncPromptTask: ...

    @overload
    def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        task: bool,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> types.GetPromptResult | SyncPromptTask: ...

    def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        task: bool = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> types.GetPromptResult | SyncPromptTask:
        """Get a prompt (non-string arguments serialised to JSON; `task=True`: a `SyncPromptTask`)."""
        result = self._call(
            self._client.get_prompt, name, arguments, timeout=timeout, task=task, task_id=task_id, ttl=ttl
        )
        return cast("types.GetPromptResult | SyncPromptTask", blocking(result, self._call, self._dispatch))

    def get_prompt_mcp(
        self, name: str, arguments: Mapping[str, Any] | None = None, *, timeout: Timeout = None
    ) -> types.GetPromptResult:
        """Get a prompt; the raw result."""
        return self._call(self._client.get_prompt_mcp, name, arguments, timeout=timeout)

    def complete(
        self,
        ref: types.ResourceTemplateReference | types.PromptReference,
        argument: Mapping[str, str],
        context_arguments: Mapping[str, str] | None = None,
        *,
        timeout: Timeout = None,
    ) -> types.Completion:
        """Completions for a prompt or resource-template argument."""
        return self._call(self._client.complete, ref, argument, context_arguments, timeout=timeout)

    def complete_mcp(
        self,
        ref: types.ResourceTemplateReference | types.PromptReference,
        argument: Mapping[str, str],
        context_arguments: Mapping[str, str] | None = None,
        *,
        timeout: Timeout = None,
    ) -> types.CompleteResult:
        """Completions; the raw result."""
        return self._call(self._client.complete_mcp, ref, argument, context_arguments, timeout=timeout)

    def set_logging_level(self, level: str, *, timeout: Timeout = None) -> None:
        """Receive server log messages at `level` and above."""
        self._call(self._client.set_logging_level, level, timeout=timeout)

    def send_roots_list_changed(self) -> None:
        """Tell the server the roots changed."""
        self._call(self._client.send_roots_list_changed)

    def cancel(self, request_id: str | int, reason: str | None = None) -> None:
        """Send `notifications/cancelled` for a request id."""
        self._call(self._client.cancel, request_id, reason)

    def progress(
        self, token: str | int, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Send a progress notification to the server."""
        self._call(self._client.progress, token, progress, total, message)

    def subscribe_resource(self, uri: str, *, timeout: Timeout = None) -> None:
        """Subscribe to updates of a resource."""
        self._call(self._client.subscribe_resource, uri, timeout=timeout)

    def unsubscribe_resource(self, uri: str, *, timeout: Timeout = None) -> None:
        """Stop updates of a resource."""
        self._call(self._client.unsubscribe_resource, uri, timeout=timeout)

    def events(
        self, *, timeout: float | None = None, resource_updates: bool = True, list_changes: bool = True
    ) -> BlockingEventStream:
        """A blocking iterator of change events (`ResourceUpdated`, `ToolsListChanged`, ...), from now on.

        The iteration ends after `timeout` seconds without an event (None: waits until closed);
        leaving the `for` loop (or `with`) closes it. `.get(timeout)` raises `TimeoutError` instead.
        """
        stream = self._client.events(resource_updates=resource_updates, list_changes=list_changes)
        return BlockingEventStream(stream, self._call, timeout=timeout)

    def get_task_status(self, task_id: str, *, timeout: Timeout = None) -> types.GetTaskResult:
        """The status of a task (`tasks/get`)."""
        return self._call(self._client.get_task_status, task_id, timeout=timeout)

    def get_task_result(
        self, task_id: str, *, timeout: Timeout = None
    ) -> types.CallToolResult | types.ReadResourceResult | types.GetPromptResult:
        """The raw result of a task's request (`tasks/result`; blocks until the task is done)."""
        return self._call(self._client.get_task_result, task_id, timeout=timeout)

    def list_tasks(
        self, cursor: str | None = None, limit: int | None = 50, *, timeout: Timeout = None
    ) -> types.ListTasksResult:
        """Tasks (`tasks/list`) from `cursor`, following pages until `limit` tasks (whole pages)."""
        return self._call(self._client.list_tasks, cursor=cursor, limit=limit, timeout=timeout)

    def cancel_task(self, task_id: str, *, timeout: Timeout = None) -> types.CancelTaskResult:
        """Cancel a task (`tasks/cancel`); its new status."""
        return self._call(self._client.cancel_task, task_id, timeout=timeout)

    # ---------------------------------------------------------------- skills (SEP-2640)

    def list_skills(self, *, timeout: Timeout = None) -> list[Skill]:
        """The server's skills (`skills/list`, all pages); no skill file is read."""
        return self._call(self._client.list_skills, timeout=timeout)

    def list_skills_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> SkillsListResult:
        """One page of `skills/list`; the raw result."""
        return self._call(self._client.list_skills_mcp, cursor=cursor, timeout=timeout)

    def get_skill(self, uri: str, *, timeout: Timeout = None) -> Skill:
        """One skill's entry by its `SKILL.md` URI (`skills/get`)."""
        return self._call(self._client.get_skill, uri, timeout=timeout)

    def load_skill(self, skill: str | Skill, *, timeout: Timeout = None) -> LoadedSkill:
        """Read a skill's `SKILL.md` and verify it against its listing (`SkillVerificationError` if not)."""
        return self._call(self._client.load_skill, skill, timeout=timeout)

    def read_skill_file(self, skill: LoadedSkill | Skill, path: str, *, timeout: Timeout = None) -> bytes:
        """A supporting file of a skill, verified against its listing."""
        return self._call(self._client.read_skill_file, skill, path, timeout=timeout)

    # ---------------------------------------------------------------- end of skills


def _import_engine() -> None:
    """Import the engine (the mcp SDK, the slow part of start-up) on first construction, not at import.

    Here, in the caller's thread: the loop thread never waits for it (`Client` would wait off the loop).
    """
    global Client, Dispatcher, BlockingEventStream, LoopThread, SyncPromptTask, SyncResourceTask, SyncToolTask, blocking
    from .._early import import_engine
    from ..client import Client
    from .dispatch import Dispatcher
    from .events import BlockingEventStream
    from .loop import LoopThread
    from .tasks import SyncPromptTask, SyncResourceTask, SyncToolTask, blocking

    import_engine()


def _plain_message_handler(handler: Any) -> Any:
    # A MessageHandler subclass's on_* methods are plain functions: run them in a caller thread too.
    if isinstance(handler, MessageHandler):
        return handler.handle_sync
    return handler


async def _bounded(awaitable: Awaitable[Any], seconds: float) -> None:
    import anyio

    with anyio.move_on_after(seconds):
        await awaitable


def _close_all_at_exit() -> None:
    for client in list(_live):
        with contextlib.suppress(Exception):
            client.close()


def _after_fork_in_child() -> None:
    # Threads do not survive fork; each client notices the new pid on first use (see `_portal`).
    for client in list(_live):
        client._reset_after_fork()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
