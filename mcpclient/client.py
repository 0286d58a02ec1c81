"""The async `Client`: one engine for every transport, both protocol generations, every operation.

`Client` holds the configuration, adapts the user's handlers to SDK callbacks, and gives
each operation its convenient and raw (`_mcp`) form. The connection itself — the session
runner, reference-counted `async with` blocks, timeouts and error translation — is the
session layer's (`mcpclient._session.Session`); every operation is one `Session.request`.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

import anyio.to_thread

from . import tasks as _tasks
from ._arguments import prompt_arguments, request_meta, tool_arguments
from ._early import EarlyServer, engine_imported, import_engine, offered_to, prepare_engine
from ._session import SdkCallbacks, Session, Timeout, all_pages, describe, seconds
from .handlers.context import HandlerContext, call_handler
from .handlers.elicitation import ElicitationHandler, response_type_for, to_elicit_result
from .handlers.logging import LogHandler, LogMessage, default_log_handler
from .handlers.message import MessageHandlerFn
from .handlers.progress import ProgressHandler, default_progress_handler
from .handlers.roots import RootsHandler, RootsList, to_roots_result
from .handlers.sampling import SamplingHandler, to_create_message_result
from .results import (
    CallToolResult,
    PromptList,
    ResourceContentsList,
    ResourceList,
    ResourceTemplateList,
    ToolList,
)
from .tasks import PromptTask, ResourceTask, ToolTask
from .transports.base import SERVER_META_KEY, ClientTransport

if TYPE_CHECKING:
    import mcp
    from mcp import types

    # Imported where used: both import the mcp SDK, which `from mcpclient import Client` must not.
    from . import skills as _skills
    from .subscriptions import EventStream

__all__ = ["Client", "Mode", "Timeout"]

_T = TypeVar("_T")
logger = logging.getLogger("mcpclient")
_progress_logger = logging.getLogger("mcpclient.progress")  # where default_progress_handler logs

Mode = Literal["auto", "legacy"] | str


class Client:
    """An async MCP client.

    ```python
    async with Client("server.py") as client:
        tools = await client.list_tools()
        result = await client.call_tool("add", {"a": 1, "b": 2})
        print(result.data)
    ```

    `source` is a transport or anything one can be inferred from: a server object, a
    `.py`/`.js` script path, an `http(s)://` URL, an MCPConfig (dict, object or `.json` path).
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
        lazy_connect: bool = False,
        **transport_options: Any,
    ) -> None:
        # A script's server starts first and boots while the SDK is imported (`_early`). Until a
        # connection adopts it, it ends with this client (collected, or at exit; `close()`; the window).
        early = EarlyServer.start(source, transport_options)
        if early is not None:
            weakref.finalize(self, early.discard)
        # The one late import: a source may be an MCPConfig, and sources → config → proxy → Client.
        from .sources import infer_transport

        transport: ClientTransport = infer_transport(source, **transport_options)
        self._source = source
        self._transport_options = transport_options
        self._roots = roots
        self._sampling_handler = sampling_handler
        self._elicitation_handler = elicitation_handler
        self._log_handler: LogHandler = log_handler or default_log_handler
        self._progress_handler: ProgressHandler = progress_handler or default_progress_handler
        self._message_handler = message_handler
        if hasattr(transport, "client_features"):  # a multi-server config offers its backends what we handle
            transport.client_features = self._features
        self._session = Session(
            transport,
            name=name or transport.name,
            callbacks=self._sdk_callbacks,
            wants_messages=lambda: self._message_handler is not None,
            timeout=seconds(timeout),
            init_timeout=seconds(init_timeout) or None,
            auto_initialize=auto_initialize,
            mode=mode,
            log_level=log_level,
            client_info=client_info,
            lazy_connect=lazy_connect,
        )
        if early is not None:
            early.offer_to(transport)
        prepare_engine()  # the SDK is imported on a helper thread; connecting waits for it, off the event loop

    # ------------------------------------------------------------------ configuration

    @property
    def transport(self) -> ClientTransport:
        """The transport this client connects through."""
        return self._session.transport

    @property
    def name(self) -> str:
        """The server's name in errors and logger names (default: the transport's)."""
        return self._session.name

    @property
    def timeout(self) -> float | None:
        """Default per-request timeout in seconds (None: no limit)."""
        return self._session.timeout

    @timeout.setter
    def timeout(self, value: Timeout) -> None:
        self._session.timeout = seconds(value)

    @property
    def init_timeout(self) -> float | None:
        """Seconds to connect and initialize (None: no limit)."""
        return self._session.init_timeout

    @property
    def auto_initialize(self) -> bool:
        return self._session.auto_initialize

    @property
    def mode(self) -> Mode:
        """The protocol mode asked for (`"auto"`, `"legacy"` or a version)."""
        return self._session.mode

    def new(self) -> Client:
        """A client with the same configuration, its own transport state and a fresh, disconnected session."""
        session = self._session
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        transport = session.transport.fresh()
        if hasattr(transport, "client_features"):
            transport.client_features = clone._features
        clone._session = Session(
            transport,
            name=session.name,
            callbacks=clone._sdk_callbacks,
            wants_messages=lambda: clone._message_handler is not None,
            timeout=session.timeout,
            init_timeout=session.init_timeout,
            auto_initialize=session.auto_initialize,
            mode=session.mode,
            log_level=session.log_level,
            client_info=session.client_info,
            lazy_connect=session.lazy_connect,
        )
        return clone

    def set_roots(self, roots: RootsList | RootsHandler) -> None:
        """Set the roots (paths/URIs or a handler); `send_roots_list_changed()` tells the server."""
        self._roots = roots

    def set_sampling_callback(self, handler: SamplingHandler | None) -> None:
        """Set the sampling handler (the capability is advertised at the next connection)."""
        self._sampling_handler = handler

    def set_elicitation_callback(self, handler: ElicitationHandler | None) -> None:
        """Set the elicitation handler (the capability is advertised at the next connection)."""
        self._elicitation_handler = handler

    def __repr__(self) -> str:
        state = "connected" if self.is_connected() else "disconnected"
        return f"<{type(self).__name__} {self.name!r} via {self.transport!r} ({state})>"

    # ------------------------------------------------------------------ lifecycle

    def is_connected(self) -> bool:
        """Whether a session is open and inside at least one context (or lazily held)."""
        return self._session.is_connected()

    @property
    def session(self) -> mcp.ClientSession:
        """The SDK `ClientSession` (advanced use). Raises `NotConnectedError` when not connected."""
        return self._session.sdk().session

    @property
    def sdk_client(self) -> mcp.Client:
        """The SDK's `mcp.Client` this client drives (advanced use)."""
        return self._session.sdk()

    @property
    def initialize_result(self) -> types.InitializeResult | None:
        """Server info, capabilities, instructions and protocol version; None before initialization."""
        return self._session.initialize_result

    @property
    def protocol_version(self) -> str | None:
        """The negotiated protocol version."""
        return self._session.protocol_version

    async def __aenter__(self) -> Client:
        await _engine_ready()
        await self._session.enter()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._session.exit()

    async def connect(self) -> Client:
        """Connect and hold the session until `close()` (what a lazy call does implicitly)."""
        await _engine_ready()
        await self._session.connect()
        return self

    async def close(self) -> None:
        """End the session and the server (also for keep-alive transports). Idempotent."""
        early = offered_to(self.transport)
        if early is not None and early.state == "waiting":  # started early, never adopted: end it now
            await anyio.to_thread.run_sync(early.discard)
        await self._session.close()

    async def initialize(self, timeout: Timeout = None) -> types.InitializeResult:
        """Run the MCP handshake when the client was created with `auto_initialize=False`."""
        await _engine_ready()
        return await self._session.initialize(timeout)

    # ------------------------------------------------------------------ SDK callbacks

    def _sdk_callbacks(self) -> SdkCallbacks:
        """The SDK callbacks for the next connection: a capability only for what the user configured."""
        return SdkCallbacks(
            sampling=self._on_sampling if self._sampling_handler else None,
            elicitation=self._on_elicitation if self._elicitation_handler else None,
            list_roots=self._on_list_roots if self._roots is not None else None,
            logging=self._on_log,
            message=self._on_message,
        )

    def _context(self, ctx: Any) -> HandlerContext:
        meta = getattr(ctx, "meta", None)
        return HandlerContext(
            server=_origin(meta, self.name),
            request_id=getattr(ctx, "request_id", None),
            meta=dict(meta) if isinstance(meta, Mapping) else None,
        )

    async def _on_sampling(self, ctx: Any, params: types.CreateMessageRequestParams) -> Any:
        handler = self._sampling_handler
        if handler is None:
            return _error_data("sampling is not supported by this client")
        try:
            return to_create_message_result(await call_handler(handler, params.messages, params, self._context(ctx)))
        except Exception as exc:
            logger.exception("sampling handler failed (server %s)", self.name)
            return _error_data(f"sampling handler failed: {describe(exc)}")

    async def _on_elicitation(self, ctx: Any, params: types.ElicitRequestParams) -> Any:
        handler = self._elicitation_handler
        if handler is None:
            return _error_data("elicitation is not supported by this client")
        try:
            response_type = response_type_for(params)
            value = await call_handler(handler, params.message, response_type, params, self._context(ctx))
            return to_elicit_result(value)
        except Exception as exc:
            logger.exception("elicitation handler failed (server %s)", self.name)
            return _error_data(f"elicitation handler failed: {describe(exc)}")

    async def _on_list_roots(self, ctx: Any) -> Any:
        roots = self._roots
        try:
            if callable(roots):
                roots = await call_handler(roots, self._context(ctx))
            return to_roots_result(roots or [])
        except Exception as exc:
            logger.exception("roots handler failed (server %s)", self.name)
            return _error_data(f"roots handler failed: {describe(exc)}")

    async def _on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        server = _origin(params.meta, self.name)  # a config proxy names the backend that logged
        message = LogMessage(level=params.level, data=params.data, logger=params.logger, server=server)
        try:
            await call_handler(self._log_handler, message)
        except Exception:
            logger.exception("log handler failed (server %s)", self.name)

    async def _on_message(self, message: Any) -> None:
        if not self._session.hub.deliver(message):
            return  # a duplicate from a superseded subscriptions/listen stream
        method = getattr(message, "method", None)
        if method == "notifications/tools/list_changed":
            self._session.output_schemas = {}
        if self._message_handler is not None:
            try:
                await call_handler(self._message_handler, message)
            except Exception:
                logger.exception("message handler failed (server %s)", self.name)

    def _progress_callback(
        self, handler: ProgressHandler | None
    ) -> Callable[[float, float | None, str | None], Awaitable[None]] | None:
        """The SDK progress callback for one request; None (no progress token is sent) when nobody listens.

        Nobody listens when the request has no handler and the client's is the default one, which
        only logs at debug level, with debug logging off for it. Skipping the token saves the server
        sending notifications that would be dropped, and the per-call closure.
        """
        chosen = handler or self._progress_handler
        if chosen is default_progress_handler and not _progress_logger.isEnabledFor(logging.DEBUG):
            return None

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            try:
                await call_handler(chosen, progress, total, message)
            except Exception:
                logger.exception("progress handler failed (server %s)", self.name)

        return on_progress

    # ------------------------------------------------------------------ operations

    async def ping(self, *, timeout: Timeout = None) -> bool:
        """True when the server answered (on 2026-07-28 servers, via `server/discover`)."""

        async def op(sdk: mcp.Client) -> bool:
            if self._session.is_modern():
                await sdk.session.discover()
            else:
                await sdk.session.send_ping()
            return True

        return await self._session.request("ping", op, timeout)

    async def list_tools_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> types.ListToolsResult:
        """One raw `tools/list` page."""
        return await self._session.list_tools_page(cursor, timeout)

    async def list_tools(self, *, timeout: Timeout = None) -> list[types.Tool]:
        """All tools, following every page."""
        if (router := self._router()) is not None:  # several servers: their listings merged, concurrently
            return ToolList(await router.list_tools())
        return ToolList(await all_pages(self._tools_page, "tools", timeout))

    # `all_pages` fetchers: (cursor, timeout) → one raw page.
    def _tools_page(self, cursor: str | None, timeout: Timeout) -> Awaitable[types.ListToolsResult]:
        return self.list_tools_mcp(cursor=cursor, timeout=timeout)

    def _resources_page(self, cursor: str | None, timeout: Timeout) -> Awaitable[types.ListResourcesResult]:
        return self.list_resources_mcp(cursor=cursor, timeout=timeout)

    def _templates_page(self, cursor: str | None, timeout: Timeout) -> Awaitable[types.ListResourceTemplatesResult]:
        return self.list_resource_templates_mcp(cursor=cursor, timeout=timeout)

    def _prompts_page(self, cursor: str | None, timeout: Timeout) -> Awaitable[types.ListPromptsResult]:
        return self.list_prompts_mcp(cursor=cursor, timeout=timeout)

    async def call_tool_mcp(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        progress_handler: ProgressHandler | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> types.CallToolResult:
        """Call a tool and return the raw `mcp.types.CallToolResult` (errors are not raised)."""
        args = tool_arguments(name, arguments, server=self.name)  # ArgumentError before anything is sent
        meta = request_meta(f"tools/call {name!r}", meta, server=self.name)
        return await self._session.request(
            f"tools/call {name!r}",
            lambda sdk: sdk.call_tool(
                name,
                args,
                progress_callback=cast(Any, self._progress_callback(progress_handler)),
                meta=self._session.request_meta(meta),
            ),
            timeout,
        )

    @overload
    async def call_tool(
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
    async def call_tool(
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
    ) -> ToolTask: ...

    @overload
    async def call_tool(
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
    ) -> CallToolResult | ToolTask: ...

    async def call_tool(
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
    ) -> CallToolResult | ToolTask:
        """Call a tool. Raises `ToolError` with the tool's message when it fails (unless `raise_on_error=False`).

        `task=True` runs it as a task (protocol 2025-11-25; see `mcpclient.tasks`): returns a
        `ToolTask` at once; `ttl` (ms) is how long the server keeps it, `task_id` an id hint.
        """
        if task:
            return await _tasks.start_tool_task(
                self._session, name, arguments, timeout=timeout, raise_on_error=raise_on_error, meta=meta,
                task_id=task_id, ttl=ttl,
            )  # fmt: skip
        if (router := self._router()) is not None and (route := router.tool(name)) is not None:
            # Several servers as one: straight to the backend, not through the in-process proxy.
            backend: Client = route[0]
            tool, progress = route[1], self._progress_callback(progress_handler)
            progress = router.progress(backend.name, progress) if progress else None
            timeout = timeout if timeout is not None else self.timeout
            return await backend.call_tool(tool, arguments, timeout=timeout, progress_handler=progress,
                                           raise_on_error=raise_on_error, meta=meta)  # fmt: skip
        raw = await self.call_tool_mcp(name, arguments, timeout=timeout, progress_handler=progress_handler, meta=meta)
        return await self._session.tool_result(name, raw, raise_on_error, timeout)

    def _router(self) -> Any:
        """The `proxy.Router` of an MCPConfig transport fronting several connected servers, else None."""
        return getattr(self.transport, "router", None) if self._session.is_connected() else None

    def _features(self) -> frozenset[str]:
        """Which server-initiated requests this client handles (what a config offers its backends)."""
        configured = {"sampling": self._sampling_handler, "elicitation": self._elicitation_handler}
        return frozenset([k for k, v in configured.items() if v] + (["roots"] if self._roots is not None else []))

    async def list_resources_mcp(
        self, *, cursor: str | None = None, timeout: Timeout = None
    ) -> types.ListResourcesResult:
        """One raw `resources/list` page."""
        return await self._session.request(
            "resources/list",
            lambda sdk: sdk.list_resources(cursor=cursor, meta=self._session.request_meta(None)),
            timeout,
        )

    async def list_resources(self, *, timeout: Timeout = None) -> list[types.Resource]:
        """All resources, following every page."""
        return ResourceList(await all_pages(self._resources_page, "resources", timeout))

    async def list_resource_templates_mcp(
        self, *, cursor: str | None = None, timeout: Timeout = None
    ) -> types.ListResourceTemplatesResult:
        """One raw `resources/templates/list` page."""
        return await self._session.request(
            "resources/templates/list",
            lambda sdk: sdk.list_resource_templates(cursor=cursor, meta=self._session.request_meta(None)),
            timeout,
        )

    async def list_resource_templates(self, *, timeout: Timeout = None) -> list[types.ResourceTemplate]:
        """All resource templates, following every page."""
        pages = await all_pages(self._templates_page, "resource_templates", timeout)
        return ResourceTemplateList(pages)

    async def read_resource_mcp(self, uri: str, *, timeout: Timeout = None) -> types.ReadResourceResult:
        """Read a resource; the raw result."""
        return await self._session.request(
            f"resources/read {uri!r}",
            lambda sdk: sdk.read_resource(str(uri), meta=self._session.request_meta(None)),
            timeout,
        )

    @overload
    async def read_resource(
        self,
        uri: str,
        *,
        timeout: Timeout = None,
        task: Literal[False] = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> list[types.TextResourceContents | types.BlobResourceContents]: ...

    @overload
    async def read_resource(
        self,
        uri: str,
        *,
        timeout: Timeout = None,
        task: Literal[True],
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> ResourceTask: ...

    @overload
    async def read_resource(
        self, uri: str, *, timeout: Timeout = None, task: bool, task_id: str | None = None, ttl: int | None = 60000
    ) -> list[types.TextResourceContents | types.BlobResourceContents] | ResourceTask: ...

    async def read_resource(
        self,
        uri: str,
        *,
        timeout: Timeout = None,
        task: bool = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> list[types.TextResourceContents | types.BlobResourceContents] | ResourceTask:
        """Read a resource: its text and blob contents (`task=True`: a `ResourceTask`, see `call_tool`)."""
        if task:
            return await _tasks.start_resource_task(self._session, uri, timeout=timeout, task_id=task_id, ttl=ttl)
        return ResourceContentsList((await self.read_resource_mcp(uri, timeout=timeout)).contents)

    async def list_prompts_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> types.ListPromptsResult:
        """One raw `prompts/list` page."""
        return await self._session.request(
            "prompts/list", lambda sdk: sdk.list_prompts(cursor=cursor, meta=self._session.request_meta(None)), timeout
        )

    async def list_prompts(self, *, timeout: Timeout = None) -> list[types.Prompt]:
        """All prompts, following every page."""
        return PromptList(await all_pages(self._prompts_page, "prompts", timeout))

    async def get_prompt_mcp(
        self, name: str, arguments: Mapping[str, Any] | None = None, *, timeout: Timeout = None
    ) -> types.GetPromptResult:
        """Get a prompt; the raw result. Non-string arguments are sent as JSON strings."""
        args = prompt_arguments(name, arguments, server=self.name)  # ArgumentError before anything is sent
        return await self._session.request(
            f"prompts/get {name!r}",
            lambda sdk: sdk.get_prompt(name, args, meta=self._session.request_meta(None)),
            timeout,
        )

    @overload
    async def get_prompt(
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
    async def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        task: Literal[True],
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> PromptTask: ...

    @overload
    async def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        task: bool,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> types.GetPromptResult | PromptTask: ...

    async def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout = None,
        task: bool = False,
        task_id: str | None = None,
        ttl: int | None = 60000,
    ) -> types.GetPromptResult | PromptTask:
        """Get a prompt rendered with `arguments` (non-string values serialised to JSON).

        `task=True`: a `PromptTask` (see `call_tool`).
        """
        if task:
            args = prompt_arguments(name, arguments, server=self.name)  # ArgumentError before anything is sent
            return await _tasks.start_prompt_task(
                self._session, name, args, timeout=timeout, task_id=task_id, ttl=ttl
            )
        if (router := self._router()) is not None and (route := router.prompt(name)) is not None:
            backend: Client = route[0]  # several servers: straight to the backend
            timeout = timeout if timeout is not None else self.timeout
            return await backend.get_prompt_mcp(route[1], arguments, timeout=timeout)
        return await self.get_prompt_mcp(name, arguments, timeout=timeout)

    async def complete_mcp(
        self,
        ref: types.ResourceTemplateReference | types.PromptReference,
        argument: Mapping[str, str],
        context_arguments: Mapping[str, str] | None = None,
        *,
        timeout: Timeout = None,
    ) -> types.CompleteResult:
        """Ask for argument completions; the raw result."""
        return await self._session.request(
            "completion/complete",
            lambda sdk: sdk.complete(
                ref, dict(argument), dict(context_arguments) if context_arguments is not None else None
            ),
            timeout,
        )

    async def complete(
        self,
        ref: types.ResourceTemplateReference | types.PromptReference,
        argument: Mapping[str, str],
        context_arguments: Mapping[str, str] | None = None,
        *,
        timeout: Timeout = None,
    ) -> types.Completion:
        """Completions for a prompt or resource-template argument."""
        return (await self.complete_mcp(ref, argument, context_arguments, timeout=timeout)).completion

    async def set_logging_level(self, level: str, *, timeout: Timeout = None) -> None:
        """Receive server log messages at `level` and above (both protocol generations)."""
        self._session.log_level = level
        if self._session.is_modern():
            return  # 2026-07-28: the level rides on each request's `_meta` from now on.

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.set_logging_level(level)  # type: ignore[arg-type]

        await self._session.request("logging/setLevel", op, timeout)

    async def send_roots_list_changed(self) -> None:
        """Tell the server the roots changed (legacy protocol; a no-op on 2026-07-28 sessions)."""
        if self._session.is_modern():
            return

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.send_roots_list_changed()

        await self._session.request("notifications/roots/list_changed", op)

    async def cancel(self, request_id: str | int, reason: str | None = None) -> None:
        """Send `notifications/cancelled` for a request id."""
        from mcp import types

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.send_notification(
                types.CancelledNotification(
                    params=types.CancelledNotificationParams(request_id=request_id, reason=reason)
                )
            )

        await self._session.request("notifications/cancelled", op)

    async def progress(
        self, token: str | int, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Send a progress notification to the server (legacy protocol)."""

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.send_progress_notification(token, progress, total, message)

        await self._session.request("notifications/progress", op)

    async def subscribe_resource(self, uri: str, *, timeout: Timeout = None) -> None:
        """Get `ResourceUpdated` events / `notifications/resources/updated` for `uri` (both protocol generations).

        Legacy sessions send `resources/subscribe`; 2026-07-28 sessions add `uri` to the client's
        `subscriptions/listen` stream (see `mcpclient.subscriptions`). Updates reach `message_handler`
        and `events()` streams.
        """
        from . import subscriptions

        await subscriptions.subscribe(self._session, str(uri), timeout)

    async def unsubscribe_resource(self, uri: str, *, timeout: Timeout = None) -> None:
        """Stop updates for `uri`."""
        from . import subscriptions

        await subscriptions.unsubscribe(self._session, str(uri), timeout)

    def events(self, *, resource_updates: bool = True, list_changes: bool = True) -> EventStream:
        """Change events as an async iterator: `async with client.events() as events: async for event in events`.

        Yields `ResourceUpdated(uri)` (subscribed resources) and `ToolsListChanged()` /
        `PromptsListChanged()` / `ResourcesListChanged()` on both protocol generations.
        """
        from .subscriptions import EventStream

        return EventStream(self._session, resource_updates=resource_updates, list_changes=list_changes)

    async def get_task_status(self, task_id: str, *, timeout: Timeout = None) -> types.GetTaskResult:
        """The status of a task (`tasks/get`)."""
        return await _tasks.get_task_status(self._session, task_id, timeout)

    async def get_task_result(
        self, task_id: str, *, timeout: Timeout = None
    ) -> types.CallToolResult | types.ReadResourceResult | types.GetPromptResult:
        """The raw result of a task's request (`tasks/result`; the server answers once the task is done)."""
        return await _tasks.get_task_result(self._session, task_id, timeout)

    async def list_tasks(
        self, cursor: str | None = None, limit: int | None = 50, *, timeout: Timeout = None
    ) -> types.ListTasksResult:
        """Tasks (`tasks/list`) from `cursor`, following pages until `limit` tasks (whole pages; `None`: all).

        `next_cursor` of the result continues the listing.
        """
        return await _tasks.list_tasks(self._session, cursor, limit, timeout)

    async def cancel_task(self, task_id: str, *, timeout: Timeout = None) -> types.CancelTaskResult:
        """Cancel a task (`tasks/cancel`); its new status."""
        return await _tasks.cancel_task(self._session, task_id, timeout)

    # ---------------------------------------------------------------- skills (SEP-2640; logic in skills.py)

    async def list_skills(self, *, timeout: Timeout = None) -> list[_skills.Skill]:
        """The server's skills (`skills/list`, all pages); no skill file is read."""
        from . import skills

        return await skills.list_skills(self._session, timeout=timeout)

    async def list_skills_mcp(
        self, *, cursor: str | None = None, timeout: Timeout = None
    ) -> _skills.SkillsListResult:
        """One page of `skills/list`; the raw result."""
        from . import skills

        return await skills.list_skills_mcp(self._session, cursor=cursor, timeout=timeout)

    async def get_skill(self, uri: str, *, timeout: Timeout = None) -> _skills.Skill:
        """One skill's entry by its `SKILL.md` URI (`skills/get`)."""
        from . import skills

        return await skills.get_skill(self._session, uri, timeout=timeout)

    async def load_skill(self, skill: str | _skills.Skill, *, timeout: Timeout = None) -> _skills.LoadedSkill:
        """Read a skill's `SKILL.md` and verify it against its listing (`SkillVerificationError` if not)."""
        from . import skills

        return await skills.load_skill(self._session, skill, timeout=timeout)

    async def read_skill_file(
        self, skill: _skills.LoadedSkill | _skills.Skill, path: str, *, timeout: Timeout = None
    ) -> bytes:
        """A supporting file of a skill, verified against its listing."""
        from . import skills

        return await skills.read_skill_file(self._session, skill, path, timeout=timeout)

    # ---------------------------------------------------------------- end of skills


async def _engine_ready() -> None:
    """Wait, off the event loop, until the mcp SDK is imported (`Client()` started that on a helper thread).

    Importing it on the loop would stall every other task of the application for most of a second.
    """
    if not engine_imported():
        await anyio.to_thread.run_sync(import_engine, abandon_on_cancel=True)


def _origin(meta: Any, default: str) -> str:
    """The backend server an MCPConfig proxy names in `_meta` (`SERVER_META_KEY`), else `default`."""
    server = meta.get(SERVER_META_KEY) if isinstance(meta, Mapping) else None
    return server if isinstance(server, str) and server else default


def _error_data(message: str) -> Any:
    from mcp import types

    return types.ErrorData(code=types.INTERNAL_ERROR, message=message)


