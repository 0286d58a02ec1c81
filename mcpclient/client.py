"""The async `Client`: one engine for every transport, both protocol generations, every operation.

A background *session runner* task owns the transport context and the SDK's `mcp.Client`
(which negotiates legacy or 2026-07-28 protocol). `async with client:` blocks, nested or
concurrent, share that one session by reference count; the last to leave stops it
(unless the transport keeps it alive for reuse). All session state lives in one
`_SessionState`, changed only under its lock.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import dataclasses
import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

import anyio

from . import subscriptions as _subscriptions
from . import tasks as _tasks
from ._arguments import prompt_arguments, request_meta, tool_arguments
from .errors import (
    ConnectionFailedError,
    ConnectionLostError,
    MCPClientError,
    NotConnectedError,
    ProtocolError,
    TimeoutError,
    ToolError,
)
from .handlers.context import HandlerContext, call_handler
from .handlers.elicitation import ElicitationHandler, response_type_for, to_elicit_result
from .handlers.logging import LogHandler, LogMessage, default_log_handler
from .handlers.message import MessageHandlerFn
from .handlers.progress import ProgressHandler, default_progress_handler
from .handlers.roots import RootsHandler, RootsList, to_roots_result
from .handlers.sampling import SamplingHandler, to_create_message_result
from .notebook import PromptList, ResourceContentsList, ResourceList, ResourceTemplateList, ToolList
from .results import CallToolResult, structured_to_data
from .subscriptions import EventStream
from .tasks import PromptTask, ResourceTask, ToolTask
from .transports.base import SERVER_META_KEY, ClientTransport

if TYPE_CHECKING:
    import mcp
    from mcp import types

__all__ = ["Client"]

_T = TypeVar("_T")
logger = logging.getLogger("mcpclient")
_progress_logger = logging.getLogger("mcpclient.progress")  # where default_progress_handler logs

Timeout = float | timedelta | None
Mode = Literal["auto", "legacy"] | str

# We call deprecated-in-2026 SDK methods only on the protocol generation that still has them.
warnings.filterwarnings("ignore", message=r".*(deprecated|removed) as of 2026-07-28", module=r"mcpclient\.")

# JSON-RPC codes the SDK uses for local conditions (mcp_types constants; copied to keep import cheap).
_CONNECTION_CLOSED = -32000
_REQUEST_TIMEOUT = -32001
_INVALID_REQUEST = -32600
_LOST_DETAIL_WAIT = 1.0  # seconds to learn why a connection dropped (a dying server's exit status)
_SESSION_TERMINATED = "Session terminated"  # mcp.client.streamable_http's message for HTTP 404 on a session


def _seconds(value: Timeout) -> float | None:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _leaf(exc: BaseException) -> BaseException:
    """The meaningful exception inside anyio/asyncio exception groups."""
    while isinstance(exc, BaseExceptionGroup):
        # Prefer a real error over the cancellations that accompany it.
        inner = [e for e in exc.exceptions if not isinstance(e, anyio.get_cancelled_exc_class())]
        exc = (inner or list(exc.exceptions))[0]
    return exc


class _FixedStreams:
    """Present already-open SDK streams to `mcp.Client` as the `Transport` it expects."""

    def __init__(self, streams: Any) -> None:
        self._streams = streams

    async def __aenter__(self) -> Any:
        return self._streams

    async def __aexit__(self, *exc_info: object) -> None:
        return None


@dataclasses.dataclass(eq=False)
class _SessionState:
    """Everything that changes while connecting and disconnecting. Mutated only under `lock`."""

    lock: anyio.Lock = dataclasses.field(default_factory=anyio.Lock)
    nesting: int = 0
    lazy_held: bool = False
    runner: asyncio.Task[None] | None = None
    sdk: mcp.Client | None = None
    ready: anyio.Event | None = None
    stop: anyio.Event | None = None
    initialize_now: anyio.Event | None = None
    error: BaseException | None = None
    broken: bool = False
    initialize_result: types.InitializeResult | None = None


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
        from .transports.infer import infer_transport

        self.transport: ClientTransport = infer_transport(source, **transport_options)
        self.name = name or self.transport.name
        self._source = source
        self._transport_options = transport_options
        self._roots = roots
        self._sampling_handler = sampling_handler
        self._elicitation_handler = elicitation_handler
        self._log_handler: LogHandler = log_handler or default_log_handler
        self._progress_handler: ProgressHandler = progress_handler or default_progress_handler
        self._message_handler = message_handler
        self.timeout = _seconds(timeout)
        self.init_timeout = _seconds(init_timeout) or None
        self.auto_initialize = auto_initialize
        self.mode = mode
        self._log_level = log_level
        self._client_info = client_info
        self._lazy_connect = lazy_connect
        self._output_schemas: dict[str, dict[str, Any] | None] = {}
        self._state = _SessionState()

    # ------------------------------------------------------------------ configuration

    def new(self) -> Client:
        """A client with the same configuration and a fresh, disconnected state."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._state = _SessionState()
        clone._output_schemas = {}
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
        st = self._state
        return st.sdk is not None and not st.broken and st.nesting > 0

    @property
    def session(self) -> mcp.ClientSession:
        """The SDK `ClientSession` (advanced use). Raises `NotConnectedError` when not connected."""
        if not self.is_connected():
            raise NotConnectedError(self.name)
        assert self._state.sdk is not None
        return self._state.sdk.session

    @property
    def sdk_client(self) -> mcp.Client:
        """The SDK's `mcp.Client` this client drives (advanced use)."""
        if not self.is_connected():
            raise NotConnectedError(self.name)
        assert self._state.sdk is not None
        return self._state.sdk

    @property
    def initialize_result(self) -> types.InitializeResult | None:
        """Server info, capabilities, instructions and protocol version; None before initialization."""
        return self._state.initialize_result

    @property
    def protocol_version(self) -> str | None:
        """The negotiated protocol version."""
        result = self._state.initialize_result
        return result.protocol_version if result is not None else None

    async def __aenter__(self) -> Client:
        await self._enter()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._exit()

    async def connect(self) -> Client:
        """Connect and hold the session until `close()` (what a lazy call does implicitly)."""
        st = self._state
        async with st.lock:
            if st.lazy_held and self._alive():
                return self
        await self._enter()
        async with st.lock:
            if st.lazy_held:
                st.nesting -= 1  # another task won the race; keep one hold
            st.lazy_held = True
        return self

    async def close(self) -> None:
        """End the session and the server (also for keep-alive transports). Idempotent."""
        st = self._state
        with anyio.CancelScope(shield=True):
            async with st.lock:
                st.nesting = 0
                st.lazy_held = False
                await self._stop_runner()
            await self.transport.close()

    async def initialize(self, timeout: Timeout = None) -> types.InitializeResult:
        """Run the MCP handshake when the client was created with `auto_initialize=False`."""
        st = self._state
        if st.runner is None or st.initialize_now is None:
            if st.initialize_result is not None:
                return st.initialize_result
            raise NotConnectedError(self.name, "initialize")
        limit = _seconds(timeout) or self.init_timeout
        st.initialize_now.set()
        try:
            with anyio.fail_after(limit) if limit else contextlib.nullcontext():
                assert st.ready is not None
                await st.ready.wait()
        except builtins.TimeoutError:
            async with st.lock:
                await self._stop_runner()
            raise TimeoutError(
                f"initialize timed out after {limit}s", timeout=limit, server=self.name, method="initialize"
            ) from None
        if st.error is not None:
            error = st.error
            async with st.lock:
                await self._stop_runner()
            raise self._connect_error(error) from error
        assert st.initialize_result is not None
        return st.initialize_result

    def _alive(self) -> bool:
        st = self._state
        return st.runner is not None and not st.runner.done() and not st.broken

    async def _enter(self) -> None:
        st = self._state
        async with st.lock:
            if not self._alive():
                await self._start_runner()
            st.nesting += 1

    async def _exit(self) -> None:
        st = self._state
        with anyio.CancelScope(shield=True):
            async with st.lock:
                st.nesting = max(0, st.nesting - 1)
                if st.nesting == 0 and (not self.transport.keep_alive or st.broken):
                    await self._stop_runner()

    async def _start_runner(self) -> None:
        """Start the session runner and wait until it is ready (or failed). Holds the lock."""
        st = self._state
        await self._stop_runner()
        st.ready, st.stop = anyio.Event(), anyio.Event()
        st.initialize_now = None if self.auto_initialize else anyio.Event()
        st.error, st.broken, st.initialize_result = None, False, None
        self._output_schemas = {}
        transport_ready = anyio.Event()
        # A detached task: the session must outlive the `async with` that opened it (keep-alive,
        # lazy connections), and anyio requires the transport to be exited in the task that entered it.
        st.runner = asyncio.get_running_loop().create_task(
            self._run_session(st.ready, st.stop, transport_ready), name=f"mcpclient-session-{self.name}"
        )
        waiter = transport_ready if not self.auto_initialize else st.ready
        limit = self.init_timeout + self.transport.connect_grace if self.init_timeout else None
        try:
            with anyio.fail_after(limit) if limit else contextlib.nullcontext():
                await waiter.wait()
        except builtins.TimeoutError:
            await self._stop_runner()
            raise TimeoutError(
                f"connecting timed out after {limit}s (init_timeout)",
                timeout=limit,
                server=self.name,
                method="initialize",
            ) from None
        except BaseException:
            await self._stop_runner()
            raise
        if st.error is not None:
            error = st.error
            await self._stop_runner()
            raise self._connect_error(error) from error

    async def _stop_runner(self) -> None:
        """Stop the session runner (if any) and wait for the transport to close. Holds the lock."""
        st = self._state
        runner, st.runner = st.runner, None
        if runner is not None and not runner.done():
            assert st.stop is not None
            st.stop.set()
            with anyio.CancelScope(shield=True):
                # A connected runner exits by itself on `stop`; one still connecting (or a transport
                # that hangs on close) is cancelled.
                connected = st.ready is not None and st.ready.is_set() and st.sdk is not None
                with anyio.move_on_after(5 if connected else 0):
                    await asyncio.shield(runner)
                if not runner.done():
                    runner.cancel()
                    with contextlib.suppress(BaseException):
                        await runner
        st.sdk = None
        st.broken = False

    async def _run_session(self, ready: anyio.Event, stop: anyio.Event, transport_ready: anyio.Event) -> None:
        """The session runner: owns the transport and the SDK client for one connection."""
        import mcp

        st = self._state
        try:
            async with self.transport.connect() as target:
                server = target if not isinstance(target, tuple) else _FixedStreams(target)
                sdk = mcp.Client(
                    server,
                    mode=self.transport.mode or self.mode,
                    sampling_callback=cast(Any, self._on_sampling) if self._sampling_handler else None,
                    elicitation_callback=cast(Any, self._on_elicitation) if self._elicitation_handler else None,
                    list_roots_callback=cast(Any, self._on_list_roots) if self._roots is not None else None,
                    logging_callback=self._on_log,
                    message_handler=self._on_message,
                    log_level=self._log_level,  # type: ignore[arg-type]
                    client_info=self._client_info,
                )
                transport_ready.set()
                if st.initialize_now is not None:
                    await st.initialize_now.wait()
                async with sdk:
                    st.sdk = sdk
                    st.initialize_result = _initialize_result(sdk)
                    await self._apply_log_level(sdk)
                    await _subscriptions.session_started(self, sdk)  # restore subscriptions / listen (2026-07-28)
                    ready.set()
                    await stop.wait()
        except BaseException as exc:
            if st.runner is asyncio.current_task() or not ready.is_set():
                st.error = exc
            if not isinstance(exc, asyncio.CancelledError | Exception):
                raise
            logger.debug("session runner for %s ended: %r", self.name, exc)
        finally:
            if st.runner is asyncio.current_task():
                st.sdk = None
                st.broken = True
            transport_ready.set()
            ready.set()

    async def _apply_log_level(self, sdk: mcp.Client) -> None:
        """Legacy servers learn `log_level` from `logging/setLevel`; modern ones per request."""
        if self._log_level is None or self._is_modern():
            return
        capabilities = st_caps.logging if (st_caps := sdk.server_capabilities) else None
        if capabilities is None:
            return
        try:
            await sdk.session.set_logging_level(self._log_level)  # type: ignore[arg-type]
        except Exception as exc:  # a server without setLevel still works, just at its own level
            logger.debug("server %s refused logging/setLevel: %r", self.name, exc)

    def _connect_error(self, error: BaseException) -> MCPClientError | BaseException:
        leaf = _leaf(error)
        explained = self.transport.startup_error(leaf)
        if explained is not None:
            return explained
        if isinstance(leaf, MCPClientError):
            return leaf
        if isinstance(leaf, asyncio.CancelledError):
            return ConnectionFailedError(
                "connection was cancelled during start-up", server=self.name, method="initialize"
            )
        return ConnectionFailedError(f"could not connect: {_describe(leaf)}", server=self.name, method="initialize")

    # ------------------------------------------------------------------ request plumbing

    async def _session_for(self, method: str) -> mcp.Client:
        st = self._state
        if st.sdk is not None and not st.broken and (st.nesting > 0):
            return st.sdk
        if st.nesting > 0:
            # Inside a context but the connection was lost: reconnect for this call.
            async with st.lock:
                if not self._alive() or st.sdk is None:
                    await self._start_runner()
        elif self._lazy_connect:
            await self.connect()
        else:
            raise NotConnectedError(self.name, method)
        if st.sdk is None:
            raise NotConnectedError(self.name, method)
        return st.sdk

    def _timeout_for(self, timeout: Timeout) -> float | None:
        value = _seconds(timeout)
        return value if value is not None else self.timeout

    def _request_meta(self, meta: Mapping[str, Any] | None) -> types.RequestParamsMeta | None:
        """Per-request `_meta`, with the log-level opt-in on 2026-07-28 sessions."""
        if self._log_level is None or not self._is_modern():
            return cast("types.RequestParamsMeta", dict(meta)) if meta else None
        from mcp_types import LOG_LEVEL_META_KEY

        return cast("types.RequestParamsMeta", {LOG_LEVEL_META_KEY: self._log_level, **(meta or {})})

    def _is_modern(self) -> bool:
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        return self.protocol_version in MODERN_PROTOCOL_VERSIONS

    async def _request(self, method: str, op: Callable[[mcp.Client], Awaitable[_T]], timeout: Timeout = None) -> _T:
        """Run one operation on the session with the timeout and error translation every call shares."""
        sdk = await self._session_for(method)
        limit = self._timeout_for(timeout)
        try:
            if limit is None:
                return await op(sdk)
            with anyio.fail_after(limit):
                return await op(sdk)
        except MCPClientError:
            raise
        except Exception as exc:  # translated to the typed error tree, original chained
            error = self._translate(exc, method, limit)
            if isinstance(error, ConnectionLostError):
                error = await self._explain_lost(error, method)
            raise error from exc

    async def _explain_lost(self, error: ConnectionLostError, method: str) -> ConnectionLostError:
        """Name the cause the transport knows (e.g. the server's exit status), waiting for it briefly."""
        with anyio.CancelScope(shield=True), anyio.move_on_after(_LOST_DETAIL_WAIT):
            detail = await self.transport.lost_connection_detail()
            if detail:
                return ConnectionLostError(f"connection lost: {detail}", server=self.name, method=method)
        return error

    def _translate(self, exc: BaseException, method: str, limit: float | None) -> BaseException:
        from mcp import MCPError
        from pydantic import ValidationError

        from .transports._local import client_error

        leaf = _leaf(exc)
        if isinstance(leaf, MCPClientError):
            return leaf
        if isinstance(leaf, builtins.TimeoutError):
            return TimeoutError(f"timed out after {limit}s", timeout=limit, server=self.name, method=method)
        if isinstance(leaf, MCPError):
            if (local := client_error(leaf, self.name, method)) is not None:  # a transport's own error (issue 14)
                return local
            if leaf.code == _CONNECTION_CLOSED:
                self._mark_broken()
                return ConnectionLostError(f"connection closed: {leaf.message}", server=self.name, method=method)
            if leaf.code == _REQUEST_TIMEOUT:
                return TimeoutError(leaf.message, timeout=limit, server=self.name, method=method)
            if leaf.code == _INVALID_REQUEST and leaf.message == _SESSION_TERMINATED:
                # The SDK's Streamable HTTP spelling of a 404 for our session id: the server forgot the
                # session (restart, expiry). Like a lost connection, the next call starts a new one.
                self._mark_broken()
                return ConnectionLostError(
                    "the server ended the HTTP session (404); the next call reconnects", server=self.name, method=method
                )
            return ProtocolError(leaf.message, code=leaf.code, data=leaf.data, server=self.name, method=method)
        if isinstance(leaf, ValidationError):
            return ProtocolError(f"server sent an invalid result: {_describe(leaf)}", server=self.name, method=method)
        if isinstance(leaf, anyio.ClosedResourceError | anyio.BrokenResourceError | anyio.EndOfStream | OSError):
            self._mark_broken()
            return ConnectionLostError(f"connection lost: {_describe(leaf)}", server=self.name, method=method)
        if isinstance(leaf, RuntimeError):
            return ProtocolError(str(leaf), server=self.name, method=method)
        if _is_http_error(leaf):
            self._mark_broken()
            return ConnectionLostError(f"HTTP failure: {_describe(leaf)}", server=self.name, method=method)
        return leaf

    def _mark_broken(self) -> None:
        st = self._state
        st.broken = True
        if st.stop is not None:
            st.stop.set()

    # ------------------------------------------------------------------ SDK callbacks

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
            return _error_data(f"sampling handler failed: {_describe(exc)}")

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
            return _error_data(f"elicitation handler failed: {_describe(exc)}")

    async def _on_list_roots(self, ctx: Any) -> Any:
        roots = self._roots
        try:
            if callable(roots):
                roots = await call_handler(roots, self._context(ctx))
            return to_roots_result(roots or [])
        except Exception as exc:
            logger.exception("roots handler failed (server %s)", self.name)
            return _error_data(f"roots handler failed: {_describe(exc)}")

    async def _on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        server = _origin(params.meta, self.name)  # a config proxy names the backend that logged
        message = LogMessage(level=params.level, data=params.data, logger=params.logger, server=server)
        try:
            await call_handler(self._log_handler, message)
        except Exception:
            logger.exception("log handler failed (server %s)", self.name)

    async def _on_message(self, message: Any) -> None:
        if not _subscriptions.route_message(self, message):
            return  # a duplicate from a superseded subscriptions/listen stream
        method = getattr(message, "method", None)
        if method == "notifications/tools/list_changed":
            self._output_schemas = {}
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
            if self._is_modern():
                await sdk.session.discover()
            else:
                await sdk.session.send_ping()
            return True

        return await self._request("ping", op, timeout)

    async def list_tools_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> types.ListToolsResult:
        """One raw `tools/list` page."""
        result = await self._request(
            "tools/list", lambda sdk: sdk.list_tools(cursor=cursor, meta=self._request_meta(None)), timeout
        )
        for tool in result.tools:
            self._output_schemas[tool.name] = tool.output_schema
        return result

    async def list_tools(self, *, timeout: Timeout = None) -> list[types.Tool]:
        """All tools, following every page."""
        return ToolList(await self._all_pages(self.list_tools_mcp, "tools", timeout))

    async def _all_pages(self, fetch: Callable[..., Awaitable[Any]], field: str, timeout: Timeout) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await fetch(cursor=cursor, timeout=timeout)
            items.extend(getattr(page, field))
            cursor = page.next_cursor
            if not cursor or cursor in seen:  # a server repeating a cursor must not loop us forever
                return items
            seen.add(cursor)

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
        return await self._request(
            f"tools/call {name!r}",
            lambda sdk: sdk.call_tool(
                name,
                args,
                progress_callback=cast(Any, self._progress_callback(progress_handler)),
                meta=self._request_meta(meta),
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
                self, name, arguments, timeout=timeout, raise_on_error=raise_on_error, meta=meta,
                task_id=task_id, ttl=ttl,
            )  # fmt: skip
        raw = await self.call_tool_mcp(name, arguments, timeout=timeout, progress_handler=progress_handler, meta=meta)
        return await self._to_call_tool_result(name, raw, raise_on_error, timeout)

    async def _to_call_tool_result(
        self, name: str, raw: types.CallToolResult, raise_on_error: bool, timeout: Timeout
    ) -> CallToolResult:
        """A raw tool result as `CallToolResult` (`.data` from the output schema), or `ToolError`."""
        if raw.is_error:
            result = CallToolResult(
                content=list(raw.content), structured_content=raw.structured_content, meta=raw.meta, is_error=True
            )
            if raise_on_error:
                message = result.text or f"tool {name!r} failed"
                raise ToolError(message, tool=name, result=result, server=self.name)
            return result
        data = None
        if raw.structured_content is not None:
            schema = await self._output_schema(name, timeout)
            data = structured_to_data(raw.structured_content, schema, name)
        return CallToolResult(
            content=list(raw.content), structured_content=raw.structured_content, meta=raw.meta, data=data
        )

    async def _output_schema(self, name: str, timeout: Timeout) -> dict[str, Any] | None:
        if name not in self._output_schemas:
            # The SDK already listed tools to validate this result; reuse that before asking again.
            sdk_cache = getattr(self._state.sdk.session if self._state.sdk else None, "_tool_output_schemas", None)
            if isinstance(sdk_cache, dict) and name in sdk_cache:
                self._output_schemas[name] = sdk_cache[name]
            else:
                await self.list_tools(timeout=timeout)
        return self._output_schemas.get(name)

    async def list_resources_mcp(
        self, *, cursor: str | None = None, timeout: Timeout = None
    ) -> types.ListResourcesResult:
        """One raw `resources/list` page."""
        return await self._request(
            "resources/list", lambda sdk: sdk.list_resources(cursor=cursor, meta=self._request_meta(None)), timeout
        )

    async def list_resources(self, *, timeout: Timeout = None) -> list[types.Resource]:
        """All resources, following every page."""
        return ResourceList(await self._all_pages(self.list_resources_mcp, "resources", timeout))

    async def list_resource_templates_mcp(
        self, *, cursor: str | None = None, timeout: Timeout = None
    ) -> types.ListResourceTemplatesResult:
        """One raw `resources/templates/list` page."""
        return await self._request(
            "resources/templates/list",
            lambda sdk: sdk.list_resource_templates(cursor=cursor, meta=self._request_meta(None)),
            timeout,
        )

    async def list_resource_templates(self, *, timeout: Timeout = None) -> list[types.ResourceTemplate]:
        """All resource templates, following every page."""
        pages = await self._all_pages(self.list_resource_templates_mcp, "resource_templates", timeout)
        return ResourceTemplateList(pages)

    async def read_resource_mcp(self, uri: str, *, timeout: Timeout = None) -> types.ReadResourceResult:
        """Read a resource; the raw result."""
        return await self._request(
            f"resources/read {uri!r}",
            lambda sdk: sdk.read_resource(str(uri), meta=self._request_meta(None)),
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
            return await _tasks.start_resource_task(self, uri, timeout=timeout, task_id=task_id, ttl=ttl)
        return ResourceContentsList((await self.read_resource_mcp(uri, timeout=timeout)).contents)

    async def list_prompts_mcp(self, *, cursor: str | None = None, timeout: Timeout = None) -> types.ListPromptsResult:
        """One raw `prompts/list` page."""
        return await self._request(
            "prompts/list", lambda sdk: sdk.list_prompts(cursor=cursor, meta=self._request_meta(None)), timeout
        )

    async def list_prompts(self, *, timeout: Timeout = None) -> list[types.Prompt]:
        """All prompts, following every page."""
        return PromptList(await self._all_pages(self.list_prompts_mcp, "prompts", timeout))

    async def get_prompt_mcp(
        self, name: str, arguments: Mapping[str, Any] | None = None, *, timeout: Timeout = None
    ) -> types.GetPromptResult:
        """Get a prompt; the raw result. Non-string arguments are sent as JSON strings."""
        args = prompt_arguments(name, arguments, server=self.name)  # ArgumentError before anything is sent
        return await self._request(
            f"prompts/get {name!r}",
            lambda sdk: sdk.get_prompt(name, args, meta=self._request_meta(None)),
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
            return await _tasks.start_prompt_task(self, name, args, timeout=timeout, task_id=task_id, ttl=ttl)
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
        return await self._request(
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
        self._log_level = level
        if self._is_modern():
            return  # 2026-07-28: the level rides on each request's `_meta` from now on.

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.set_logging_level(level)  # type: ignore[arg-type]

        await self._request("logging/setLevel", op, timeout)

    async def send_roots_list_changed(self) -> None:
        """Tell the server the roots changed (legacy protocol; a no-op on 2026-07-28 sessions)."""
        if self._is_modern():
            return

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.send_roots_list_changed()

        await self._request("notifications/roots/list_changed", op)

    async def cancel(self, request_id: str | int, reason: str | None = None) -> None:
        """Send `notifications/cancelled` for a request id."""
        from mcp import types

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.send_notification(
                types.CancelledNotification(
                    params=types.CancelledNotificationParams(request_id=request_id, reason=reason)
                )
            )

        await self._request("notifications/cancelled", op)

    async def progress(
        self, token: str | int, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Send a progress notification to the server (legacy protocol)."""

        async def op(sdk: mcp.Client) -> None:
            await sdk.session.send_progress_notification(token, progress, total, message)

        await self._request("notifications/progress", op)

    async def subscribe_resource(self, uri: str, *, timeout: Timeout = None) -> None:
        """Get `ResourceUpdated` events / `notifications/resources/updated` for `uri` (both protocol generations).

        Legacy sessions send `resources/subscribe`; 2026-07-28 sessions add `uri` to the client's
        `subscriptions/listen` stream (see `mcpclient.subscriptions`). Updates reach `message_handler`
        and `events()` streams.
        """
        await _subscriptions.subscribe(self, str(uri), timeout)

    async def unsubscribe_resource(self, uri: str, *, timeout: Timeout = None) -> None:
        """Stop updates for `uri`."""
        await _subscriptions.unsubscribe(self, str(uri), timeout)

    def events(self, *, resource_updates: bool = True, list_changes: bool = True) -> EventStream:
        """Change events as an async iterator: `async with client.events() as events: async for event in events`.

        Yields `ResourceUpdated(uri)` (subscribed resources) and `ToolsListChanged()` /
        `PromptsListChanged()` / `ResourcesListChanged()` on both protocol generations.
        """
        return EventStream(self, resource_updates=resource_updates, list_changes=list_changes)

    async def get_task_status(self, task_id: str, *, timeout: Timeout = None) -> types.GetTaskResult:
        """The status of a task (`tasks/get`)."""
        return await _tasks.get_task_status(self, task_id, timeout)

    async def get_task_result(
        self, task_id: str, *, timeout: Timeout = None
    ) -> types.CallToolResult | types.ReadResourceResult | types.GetPromptResult:
        """The raw result of a task's request (`tasks/result`; the server answers once the task is done)."""
        return await _tasks.get_task_result(self, task_id, timeout)

    async def list_tasks(
        self, cursor: str | None = None, limit: int | None = 50, *, timeout: Timeout = None
    ) -> types.ListTasksResult:
        """Tasks (`tasks/list`) from `cursor`, following pages until `limit` tasks (whole pages; `None`: all).

        `next_cursor` of the result continues the listing.
        """
        return await _tasks.list_tasks(self, cursor, limit, timeout)

    async def cancel_task(self, task_id: str, *, timeout: Timeout = None) -> types.CancelTaskResult:
        """Cancel a task (`tasks/cancel`); its new status."""
        return await _tasks.cancel_task(self, task_id, timeout)


def _origin(meta: Any, default: str) -> str:
    """The backend server an MCPConfig proxy names in `_meta` (`SERVER_META_KEY`), else `default`."""
    server = meta.get(SERVER_META_KEY) if isinstance(meta, Mapping) else None
    return server if isinstance(server, str) and server else default


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_http_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("httpx", "httpcore"))


def _error_data(message: str) -> Any:
    from mcp import types

    return types.ErrorData(code=types.INTERNAL_ERROR, message=message)


def _initialize_result(sdk: mcp.Client) -> types.InitializeResult:
    """What was negotiated, as an `InitializeResult` on both protocol generations."""
    from mcp import types

    session = sdk.session
    if session.initialize_result is not None:
        return session.initialize_result
    return types.InitializeResult(
        protocol_version=sdk.protocol_version,
        capabilities=sdk.server_capabilities,
        server_info=sdk.server_info or types.Implementation(name="unknown", version=""),
        instructions=sdk.instructions,
    )
