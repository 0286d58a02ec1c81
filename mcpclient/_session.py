"""Session layer: one connection's lifecycle and the one path every request takes.

`Session` owns what changes while connecting and disconnecting: a detached *session
runner* task holds the transport context and the SDK's `mcp.Client` (which negotiates
legacy or 2026-07-28 protocol); `enter()`/`exit()` count the `async with` blocks that
share it. Every operation goes through `request(method, op, timeout)`: session lookup
(lazy connect, reconnect after a lost connection), the timeout, and translation of the
SDK's errors into `mcpclient.errors`. It also holds per-session protocol facts
(`is_modern`, request `_meta`), the tool output-schema cache and the subscription hub.

This is the one module (with `_hub.py`) that touches SDK internals; the async `Client`,
`tasks` and `subscriptions` build on its package-internal API.
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
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio

from ._hub import Hub
from ._warmup import warm_up
from .errors import (
    ConnectionFailedError,
    ConnectionLostError,
    MCPClientError,
    NotConnectedError,
    ProtocolError,
    TimeoutError,
    ToolError,
)
from .results import CallToolResult, structured_to_data
from .transports._local import client_error
from .transports.base import ClientTransport

if TYPE_CHECKING:
    import mcp
    from mcp import types
    from mcp.client.session import LoggingFnT, MessageHandlerFnT

__all__ = ["SdkCallbacks", "Session", "Timeout", "all_pages", "describe", "seconds"]

_T = TypeVar("_T")
logger = logging.getLogger("mcpclient")

Timeout = float | timedelta | None

# We call deprecated-in-2026 SDK methods only on the protocol generation that still has them.
warnings.filterwarnings("ignore", message=r".*(deprecated|removed) as of 2026-07-28", module=r"mcpclient\.")

# JSON-RPC codes the SDK uses for local conditions (mcp_types constants; copied to keep import cheap).
_CONNECTION_CLOSED = -32000
_REQUEST_TIMEOUT = -32001
_INVALID_REQUEST = -32600
_LOST_DETAIL_WAIT = 1.0  # seconds to learn why a connection dropped (a dying server's exit status)
_SESSION_TERMINATED = "Session terminated"  # mcp.client.streamable_http's message for HTTP 404 on a session
_RESTORE_TIMEOUT = 10.0  # seconds the runner waits for subscriptions to be restored
# The SDK reports a server's invalid tool result and protocol mismatches as plain RuntimeErrors
# (mcp.client.session); only those are the server's fault, any other RuntimeError is ours.
_SDK_PROTOCOL_RUNTIME_ERRORS = (
    "Invalid structured content returned by tool",
    "Invalid schema for tool",
    "has an output schema but did not return structured content",
    "Unsupported protocol version from the server",
)


def seconds(value: Timeout) -> float | None:
    """A timeout in seconds (`timedelta` accepted)."""
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


def describe(exc: BaseException) -> str:
    """`Type: message` of an exception, for error messages."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_http_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("httpx", "httpcore"))


def _is_sdk_protocol_error(exc: BaseException) -> bool:
    from mcp.client._input_required import InputRequiredRoundsExceededError
    from mcp.client.subscriptions import ListenNotSupportedError

    if isinstance(exc, InputRequiredRoundsExceededError | ListenNotSupportedError):
        return True
    return type(exc) is RuntimeError and any(text in str(exc) for text in _SDK_PROTOCOL_RUNTIME_ERRORS)


class _FixedStreams:
    """Present already-open SDK streams to `mcp.Client` as the `Transport` it expects."""

    def __init__(self, streams: Any) -> None:
        self._streams = streams

    async def __aenter__(self) -> Any:
        return self._streams

    async def __aexit__(self, *exc_info: object) -> None:
        return None


@dataclasses.dataclass(frozen=True)
class SdkCallbacks:
    """The SDK callbacks one connection is opened with (None: capability not advertised)."""

    sampling: Callable[..., Awaitable[Any]] | None
    elicitation: Callable[..., Awaitable[Any]] | None
    list_roots: Callable[..., Awaitable[Any]] | None
    logging: LoggingFnT
    message: MessageHandlerFnT


@dataclasses.dataclass(eq=False)
class _State:
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


class Session:
    """One client's connection: lifecycle, requests, error translation, per-session state."""

    def __init__(
        self,
        transport: ClientTransport,
        *,
        name: str,
        callbacks: Callable[[], SdkCallbacks],
        wants_messages: Callable[[], bool],
        timeout: float | None,
        init_timeout: float | None,
        auto_initialize: bool,
        mode: str,
        log_level: str | None,
        client_info: types.Implementation | None,
        lazy_connect: bool,
    ) -> None:
        self.transport = transport
        self.name = name
        self.timeout = timeout
        self.init_timeout = init_timeout
        self.auto_initialize = auto_initialize
        self.mode = mode
        self.log_level = log_level
        self.client_info = client_info
        self.lazy_connect = lazy_connect
        self._callbacks = callbacks
        #: Output schema per tool name, from `tools/list`; cleared on reconnect and `tools/list_changed`.
        self.output_schemas: dict[str, dict[str, Any] | None] = {}
        self.hub = Hub(wants_messages)
        self._state = _State()

    # ------------------------------------------------------------------ state

    @property
    def initialize_result(self) -> types.InitializeResult | None:
        return self._state.initialize_result

    @property
    def protocol_version(self) -> str | None:
        result = self._state.initialize_result
        return result.protocol_version if result is not None else None

    def is_modern(self) -> bool:
        """Whether the negotiated protocol is the 2026-07-28 generation."""
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        return self.protocol_version in MODERN_PROTOCOL_VERSIONS

    def is_connected(self) -> bool:
        """Whether a session is open and inside at least one context (or lazily held)."""
        st = self._state
        return st.sdk is not None and not st.broken and st.nesting > 0

    def sdk(self, method: str = "") -> mcp.Client:
        """The SDK client of the open session; `NotConnectedError` when there is none."""
        if not self.is_connected():
            raise NotConnectedError(self.name, method or None)
        assert self._state.sdk is not None
        return self._state.sdk

    def _alive(self) -> bool:
        st = self._state
        return st.runner is not None and not st.runner.done() and not st.broken

    # ------------------------------------------------------------------ lifecycle

    async def enter(self) -> None:
        st = self._state
        async with st.lock:
            if not self._alive():
                await self._start_runner()
            st.nesting += 1

    async def exit(self) -> None:
        st = self._state
        with anyio.CancelScope(shield=True):
            async with st.lock:
                st.nesting = max(0, st.nesting - 1)
                if st.nesting == 0 and (not self.transport.keep_alive or st.broken):
                    await self._stop_runner()

    async def connect(self) -> None:
        """Connect and hold the session until `close()` (what a lazy call does implicitly)."""
        st = self._state
        async with st.lock:
            if st.lazy_held and self._alive():
                return
        await self.enter()
        async with st.lock:
            if st.lazy_held:
                st.nesting -= 1  # another task won the race; keep one hold
            st.lazy_held = True

    async def close(self) -> None:
        """End the session and the transport's kept-alive resources. Idempotent."""
        st = self._state
        with anyio.CancelScope(shield=True):
            async with st.lock:
                st.nesting = 0
                st.lazy_held = False
                await self._stop_runner()
            await self.transport.close()

    async def initialize(self, timeout: Timeout = None) -> types.InitializeResult:
        """Run the handshake of a session opened with `auto_initialize=False`."""
        st = self._state
        if st.runner is None or st.initialize_now is None:
            if st.initialize_result is not None:
                return st.initialize_result
            raise NotConnectedError(self.name, "initialize")
        limit = seconds(timeout) or self.init_timeout
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

    async def _start_runner(self) -> None:
        """Start the session runner and wait until it is ready (or failed). Holds the lock."""
        st = self._state
        await self._stop_runner()
        st.ready, st.stop = anyio.Event(), anyio.Event()
        st.initialize_now = None if self.auto_initialize else anyio.Event()
        st.error, st.broken, st.initialize_result = None, False, None
        self.output_schemas = {}
        transport_ready = anyio.Event()
        # A detached task: the session must outlive the `async with` that opened it (keep-alive,
        # lazy connections), and anyio requires the transport to be exited in the task that entered it.
        st.runner = asyncio.get_running_loop().create_task(
            self._run(st.ready, st.stop, transport_ready), name=f"mcpclient-session-{self.name}"
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

    async def _run(self, ready: anyio.Event, stop: anyio.Event, transport_ready: anyio.Event) -> None:
        """The session runner: owns the transport and the SDK client for one connection."""
        import mcp

        from ._tasks_ext import TasksExtension

        st = self._state
        try:
            async with self.transport.connect() as target:
                server = target if not isinstance(target, tuple) else _FixedStreams(target)
                callbacks = self._callbacks()
                sdk = mcp.Client(
                    server,
                    mode=self.transport.mode or self.mode,
                    sampling_callback=cast(Any, callbacks.sampling),
                    elicitation_callback=cast(Any, callbacks.elicitation),
                    list_roots_callback=cast(Any, callbacks.list_roots),
                    logging_callback=callbacks.logging,
                    message_handler=callbacks.message,
                    log_level=self.log_level,  # type: ignore[arg-type]
                    client_info=self.client_info,
                    extensions=[TasksExtension(self.name, self.spawn)],
                )
                transport_ready.set()
                await warm_up()  # the SDK's lazy `import jsonschema` must not run on the shared loop
                if st.initialize_now is not None:
                    await st.initialize_now.wait()
                async with sdk:
                    st.sdk = sdk
                    st.initialize_result = _initialize_result(sdk)
                    await self._apply_log_level(sdk)
                    await self._restore_subscriptions(sdk)
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
        if self.log_level is None or self.is_modern():
            return
        capabilities = st_caps.logging if (st_caps := sdk.server_capabilities) else None
        if capabilities is None:
            return
        try:
            await sdk.session.set_logging_level(self.log_level)  # type: ignore[arg-type]
        except Exception as exc:  # a server without setLevel still works, just at its own level
            logger.debug("server %s refused logging/setLevel: %r", self.name, exc)

    async def _restore_subscriptions(self, sdk: mcp.Client) -> None:
        """Before the session is reported ready: re-subscribe (legacy) or open the listen stream
        (2026-07-28) so that no change made after connecting is missed. Never raises: a failure is
        logged and the session works without."""
        hub = self.hub
        try:
            with anyio.fail_after(_RESTORE_TIMEOUT):
                if self.is_modern():
                    if hub.wants_listener():
                        await hub.ensure_listener(sdk, _spawner(sdk), self.name)
                elif hub.uris:
                    for uri in list(hub.uris):
                        await sdk.session.subscribe_resource(uri)
        except Exception as exc:
            log = logger.warning if hub.uris else logger.debug
            log("server %s: change notifications unavailable (subscriptions not restored): %r", self.name, exc)

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
        return ConnectionFailedError(f"could not connect: {describe(leaf)}", server=self.name, method="initialize")

    # ------------------------------------------------------------------ requests

    async def _sdk_for(self, method: str) -> mcp.Client:
        st = self._state
        if st.sdk is not None and not st.broken and (st.nesting > 0):
            return st.sdk
        if st.nesting > 0:
            # Inside a context but the connection was lost: reconnect for this call.
            async with st.lock:
                if not self._alive() or st.sdk is None:
                    await self._start_runner()
        elif self.lazy_connect:
            await self.connect()
        else:
            raise NotConnectedError(self.name, method)
        if st.sdk is None:
            raise NotConnectedError(self.name, method)
        return st.sdk

    def timeout_for(self, timeout: Timeout) -> float | None:
        """A call's timeout in seconds: its own, else the client's default."""
        value = seconds(timeout)
        return value if value is not None else self.timeout

    def request_meta(self, meta: Mapping[str, Any] | None) -> types.RequestParamsMeta | None:
        """Per-request `_meta`, with the log-level opt-in on 2026-07-28 sessions."""
        if self.log_level is None or not self.is_modern():
            return cast("types.RequestParamsMeta", dict(meta)) if meta else None
        from mcp_types import LOG_LEVEL_META_KEY

        return cast("types.RequestParamsMeta", {LOG_LEVEL_META_KEY: self.log_level, **(meta or {})})

    async def request(self, method: str, op: Callable[[mcp.Client], Awaitable[_T]], timeout: Timeout = None) -> _T:
        """Run one operation on the session with the timeout and error translation every call shares."""
        st = self._state
        sdk = st.sdk if st.sdk is not None and not st.broken and st.nesting > 0 else None
        if sdk is None and st.nesting == 0:
            sdk = await self._sdk_for(method)  # a first (lazy) connection: `init_timeout` bounds it
        limit = self.timeout_for(timeout)
        try:
            if limit is None:
                return await op(sdk or await self._sdk_for(method))
            with anyio.fail_after(limit):  # a reconnection is part of the call: within its deadline
                return await op(sdk or await self._sdk_for(method))
        except MCPClientError:
            raise
        except Exception as exc:  # translated to the typed error tree, original chained
            error = self.translate(exc, method, limit)
            if error is exc:
                raise
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

    def translate(self, exc: BaseException, method: str, limit: float | None) -> BaseException:
        """The SDK's documented failures as `mcpclient.errors`; anything else unchanged."""
        from mcp import MCPError
        from pydantic import ValidationError

        leaf = _leaf(exc)
        if isinstance(leaf, MCPClientError):
            return leaf
        if isinstance(leaf, builtins.TimeoutError):
            return TimeoutError(f"timed out after {limit}s", timeout=limit, server=self.name, method=method)
        if isinstance(leaf, MCPError):
            if (local := client_error(leaf, self.name, method)) is not None:  # a transport's own typed error
                return local
            if leaf.code == _CONNECTION_CLOSED:
                self.mark_broken()
                return ConnectionLostError(f"connection closed: {leaf.message}", server=self.name, method=method)
            if leaf.code == _REQUEST_TIMEOUT:
                return TimeoutError(leaf.message, timeout=limit, server=self.name, method=method)
            if leaf.code == _INVALID_REQUEST and leaf.message == _SESSION_TERMINATED:
                # The SDK's Streamable HTTP spelling of a 404 for our session id: the server forgot the
                # session (restart, expiry). Like a lost connection, the next call starts a new one.
                self.mark_broken()
                return ConnectionLostError(
                    "the server ended the HTTP session (404); the next call reconnects", server=self.name, method=method
                )
            return ProtocolError(leaf.message, code=leaf.code, data=leaf.data, server=self.name, method=method)
        if isinstance(leaf, ValidationError):
            return ProtocolError(f"server sent an invalid result: {describe(leaf)}", server=self.name, method=method)
        if isinstance(leaf, anyio.ClosedResourceError | anyio.BrokenResourceError | anyio.EndOfStream | OSError):
            self.mark_broken()
            return ConnectionLostError(f"connection lost: {describe(leaf)}", server=self.name, method=method)
        if _is_sdk_protocol_error(leaf):
            return ProtocolError(str(leaf), server=self.name, method=method)
        if _is_http_error(leaf):
            self.mark_broken()
            return ConnectionLostError(f"HTTP failure: {describe(leaf)}", server=self.name, method=method)
        return leaf

    def mark_broken(self) -> None:
        """The connection is unusable: the runner stops and the next call reconnects."""
        st = self._state
        st.broken = True
        if st.stop is not None:
            st.stop.set()

    # ------------------------------------------------------------------ tool results

    async def list_tools_page(self, cursor: str | None, timeout: Timeout) -> types.ListToolsResult:
        """One `tools/list` page; remembers each tool's output schema."""
        result = await self.request(
            "tools/list", lambda sdk: sdk.list_tools(cursor=cursor, meta=self.request_meta(None)), timeout
        )
        for tool in result.tools:
            self.output_schemas[tool.name] = tool.output_schema
        return result

    async def tool_result(
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
            known, schema = self.cached_output_schema(name)
            if not known:
                await all_pages(self.list_tools_page, "tools", timeout)
                schema = self.output_schemas.get(name)
            data = structured_to_data(raw.structured_content, schema, name)
        return CallToolResult(
            content=list(raw.content), structured_content=raw.structured_content, meta=raw.meta, data=data
        )

    # ------------------------------------------------------------------ SDK internals, in one place

    async def send_raw(self, sdk: mcp.Client, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send a request whose result the SDK's per-method validation cannot type.

        A task-augmented `tools/call` answers `CreateTaskResult`, which the SDK would reject as
        an invalid `CallToolResult`; `tasks/result` carries the original request's result.
        Same path as the SDK's own `subscriptions/listen` driver: stamp, then send raw.
        """
        session = sdk.session
        data: dict[str, Any] = {"method": method, "params": params}
        opts: Any = {}
        session._stamp(data, opts)
        return await session._dispatcher.send_raw_request(method, data.get("params"), opts)

    def spawn(self, fn: Callable[[], Any]) -> bool:
        """Run `fn()` in the open SDK session's task group (it ends with the session); False if none."""
        st = self._state
        if st.sdk is None or st.broken:
            return False
        return _spawner(st.sdk)(fn)

    def cached_output_schema(self, name: str) -> tuple[bool, dict[str, Any] | None]:
        """(known, schema) for a tool: from our cache, else from the one the SDK filled validating a result."""
        if name in self.output_schemas:
            return True, self.output_schemas[name]
        sdk = self._state.sdk
        sdk_cache = getattr(sdk.session, "_tool_output_schemas", None) if sdk is not None else None
        if isinstance(sdk_cache, dict) and name in sdk_cache:
            self.output_schemas[name] = sdk_cache[name]
            return True, sdk_cache[name]
        return False, None


async def all_pages(fetch: Callable[[str | None, Timeout], Awaitable[Any]], field: str, timeout: Timeout) -> list[Any]:
    """Every item of a paginated listing: `fetch(cursor, timeout)` page by page."""
    items: list[Any] = []
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = await fetch(cursor, timeout)
        items.extend(getattr(page, field))
        cursor = page.next_cursor
        if not cursor or cursor in seen:  # a server repeating a cursor must not loop us forever
            return items
        seen.add(cursor)


def _spawner(sdk: mcp.Client) -> Callable[[Callable[[], Any]], bool]:
    def spawn(fn: Callable[[], Any]) -> bool:
        try:
            task_group = getattr(sdk.session, "_task_group", None)
        except RuntimeError:  # the SDK client is not (or no longer) entered
            return False
        if task_group is None:
            return False
        task_group.start_soon(fn)
        return True

    return spawn


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
