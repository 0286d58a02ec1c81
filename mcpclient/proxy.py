"""The multi-server proxy behind `MCPConfigTransport` (SPEC §5): many servers as one.

`MCPConfigTransport` (in `mcpclient.config`) hands one server's connection through
unchanged; with several it calls `serve_all()`, which opens every backend concurrently,
each an `mcpclient.Client` on the entry's own transport (so each negotiates its own
protocol generation), and yields an in-process low-level `mcp.server.Server`, the
*proxy*, which the engine runs over memory streams. The proxy:

- lists tools and prompts as `{server}_{name}` and resources as `scheme://{server}/path`
  (templates likewise; a URI without `://` becomes `{server}+uri`), following every
  page of every backend, and routes calls, reads and completions back with the
  original name or URI; results pass through unchanged, except that an output schema
  titled `<tool>Output` is retitled `{server}_<tool>Output` so primitive unwrapping
  still applies to `.data`;
- relays server-initiated requests of a backend (sampling, elicitation, roots) to the
  client. The front link therefore speaks the legacy protocol (`mode = "legacy"`),
  where a server may ask the client mid-call. The request goes to the client request
  the backend is serving: the current one when the backend asked inside the call (the
  2026-07-28 `input_required` rounds), else the longest-waiting call to that backend,
  else the connection as a whole;
- forwards backend log messages as `notifications/message` with the backend's name
  under `_meta["mcpclient/server"]` (the engine puts it in `LogMessage.server`), and
  progress of a call with its message prefixed `"{server}: "`; the client's log level
  (`logging/setLevel`) is passed on to every backend;
- passes on list-changed and resource-updated notifications (URIs prefixed).

A backend that fails to connect fails the whole connection with its own error (naming
it) after the others are closed; with `continue_on_error=True` it is skipped with a
warning instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.session import ServerSession
from mcp.shared.exceptions import MCPError
from mcp.shared.message import ServerMessageMetadata

from ._version import __version__
from .client import Client
from .errors import ConnectionFailedError, MCPClientError, ProtocolError, TimeoutError
from .transports.base import SERVER_META_KEY, ClientTransport

if TYPE_CHECKING:
    from .handlers.context import HandlerContext
    from .handlers.logging import LogMessage

__all__ = ["Router", "prefix_uri", "serve_all", "split_uri"]

logger = logging.getLogger("mcpclient.config")

_T = TypeVar("_T")
_Ctx = ServerRequestContext[Any, Any]
_REQUEST_TIMEOUT = -32001
_MAX_PENDING_NOTIFICATIONS = 1000

# (server, front request context) of the proxy request being served in this task.
_serving: contextvars.ContextVar[tuple[str, _Ctx] | None] = contextvars.ContextVar("mcpclient_serving", default=None)


def prefix_uri(server: str, uri: str) -> str:
    """`scheme://path` as `scheme://{server}/path`; a URI without `://` as `{server}+uri`."""
    scheme, sep, rest = uri.partition("://")
    if sep:
        return f"{scheme}://{server}/{rest}"
    return f"{server}+{uri}"


def split_uri(uri: str) -> tuple[str, str] | None:
    """The inverse of `prefix_uri`: `(server, original URI)`, or None when `uri` names no server."""
    scheme, sep, rest = uri.partition("://")
    if sep:
        server, slash, path = rest.partition("/")
        return (server, f"{scheme}://{path}") if slash and server else None
    server, plus, original = uri.partition("+")
    return (server, original) if plus and server else None


@asynccontextmanager
async def serve_all(
    name: str,
    transports: Mapping[str, ClientTransport],
    timeouts: Mapping[str, float | None],
    *,
    continue_on_error: bool,
    features: Collection[str] | None = None,
    on_ready: Callable[[Router | None], None] | None = None,
) -> AsyncIterator[Server[Any]]:
    """Open a `Client` on every transport concurrently; yield the proxy over those that connected.

    `features`: which of `"sampling"`, `"elicitation"`, `"roots"` the client handles (the
    backends are offered only those; None: all). `on_ready(router)` is called once the
    backends are connected, and `on_ready(None)` when they close: the router lets the client
    call a backend's tools directly instead of through the proxy.
    """
    proxy = _Proxy(name, continue_on_error=continue_on_error)
    clients = {
        server: proxy.backend_client(server, transport, timeouts.get(server), features)
        for server, transport in transports.items()
    }
    failures: dict[str, BaseException] = {}
    pending = set(clients)

    async def open_one(server: str, client: Client) -> None:
        try:
            await client.connect()
        except Exception as exc:
            failures[server] = exc
        pending.discard(server)  # not when cancelled: then it is one of the slow ones

    try:
        try:
            async with anyio.create_task_group() as tg:
                for server, client in clients.items():
                    tg.start_soon(open_one, server, client)
        except anyio.get_cancelled_exc_class():
            # E.g. the client's init_timeout: say who was slow (the timeout error names the group only).
            if still := [server for server in clients if server in pending]:
                logger.warning("connecting was cancelled while these servers were still connecting: %s", still)
            raise
        failed = [server for server in clients if server in failures]
        if failed and (not continue_on_error or len(failed) == len(clients)):
            raise _connect_failure(failed, failures)
        for server in failed:
            logger.warning("server %r failed to connect and is skipped: %s", server, failures[server])
        proxy.backends = {server: client for server, client in clients.items() if server not in failures}
        proxy.failed = {server: failures[server] for server in failed}
        server_object = proxy.build_server()
        if on_ready is not None:
            on_ready(Router(proxy))
        yield server_object
    finally:
        if on_ready is not None:
            on_ready(None)
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as tg:
                for client in clients.values():
                    tg.start_soon(_close_quietly, client)


def _connect_failure(failed: list[str], failures: Mapping[str, BaseException]) -> BaseException:
    """The first failed server's error (it names the server); the others are noted on it."""
    first = failed[0]
    error = failures[first]
    if not isinstance(error, MCPClientError):
        error = ConnectionFailedError(f"could not connect: {error}", server=first, method="initialize")
    for server in failed[1:]:
        error.add_note(f"server {server!r} failed to connect too: {failures[server]}")
    return error


async def _close_quietly(client: Client) -> None:
    try:
        await client.close()
    except Exception:
        logger.exception("closing server %r failed", client.name)


class Router:
    """Routes a prefixed tool or prompt name to its backend `Client`, skipping the proxy (SPEC §5).

    Going through the in-process proxy costs a second SDK client and server per call (every
    request and result validated and serialised once more); a direct call costs what a
    call to that server costs. Only names that belong to a connected backend are routed;
    anything else (unknown names, skipped servers, tasks, resources, completions) goes through the proxy,
    which answers with its errors.
    """

    def __init__(self, proxy: _Proxy) -> None:
        self._proxy = proxy

    def tool(self, name: str) -> tuple[Client, str] | None:
        """`(backend client, the tool's own name)` for `{server}_{tool}`, or None."""
        return self._name(name, self._proxy._tools)

    def _name(self, name: str, listed: Mapping[str, tuple[str, str]]) -> tuple[Client, str] | None:
        proxy = self._proxy
        known = listed.get(name)
        if known is not None:
            server, original = known
        else:
            for server in sorted(proxy.backends, key=len, reverse=True):
                if name.startswith(f"{server}_") and len(name) > len(server) + 1:
                    original = name[len(server) + 1 :]
                    break
            else:
                return None
        client = proxy.backends.get(server)
        return (client, original) if client is not None else None

    def prompt(self, name: str) -> tuple[Client, str] | None:
        """`(backend client, the prompt's own name)` for `{server}_{prompt}`, or None."""
        return self._name(name, self._proxy._prompts)

    async def list_tools(self) -> list[types.Tool]:
        """Every backend's tools, prefixed, fetched concurrently (a failing backend raises its own error)."""
        return await self._proxy.tools_listing(relay_errors=False)

    def progress(self, server: str, callback: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """`callback` with each message prefixed by the server's name, as the proxy relays progress."""

        async def prefixed(progress: float, total: float | None = None, message: str | None = None) -> None:
            await callback(progress, total, f"{server}: {message}" if message else server)

        return prefixed


class _ProxyServer(Server[Any]):
    """The proxy's low-level server; advertises list-changed notifications (backends' are passed on)."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        options = notification_options or NotificationOptions(
            prompts_changed=True, resources_changed=True, tools_changed=True
        )
        return super().create_initialization_options(options, experimental_capabilities, extensions)


class _Proxy:
    """The in-process server that fronts the backends: prefixing, routing and relaying."""

    def __init__(self, name: str, *, continue_on_error: bool) -> None:
        self.name = name
        self.continue_on_error = continue_on_error
        self.backends: dict[str, Client] = {}
        self.failed: dict[str, BaseException] = {}  # skipped with continue_on_error
        self._front: ServerSession | None = None  # the client connection, once initialized
        self._pending: list[types.ServerNotification] = []
        self._active: dict[str, list[_Ctx]] = {}
        self._tools: dict[str, tuple[str, str]] = {}
        self._prompts: dict[str, tuple[str, str]] = {}

    # ---------------------------------------------------------------- set-up

    def backend_client(
        self, server: str, transport: ClientTransport, timeout: float | None, features: Collection[str] | None = None
    ) -> Client:
        """The engine for one backend, with handlers that relay to the front client (only those it handles)."""

        async def sampling(messages: Any, params: types.CreateMessageRequestParams, context: HandlerContext) -> Any:
            result_type: type[types.CreateMessageResult] | type[types.CreateMessageResultWithTools] = (
                types.CreateMessageResultWithTools
                if params.tools is not None or params.tool_choice is not None
                else types.CreateMessageResult
            )
            tagged = params.model_copy(update={"meta": _tagged(params.meta, server)})
            request = types.CreateMessageRequest(params=tagged)
            return await self._ask_front(server, request, result_type, "sampling")

        async def elicitation(
            message: str, response_type: Any, params: types.ElicitRequestParams, context: HandlerContext
        ) -> Any:
            request = types.ElicitRequest(params=params.model_copy(update={"meta": _tagged(params.meta, server)}))
            return await self._ask_front(server, request, types.ElicitResult, "elicitation")

        async def roots(context: HandlerContext) -> Any:
            tagged = types.RequestParams.model_validate({"_meta": _tagged(None, server)})
            request = types.ListRootsRequest(params=tagged)
            return await self._ask_front(server, request, types.ListRootsResult, "roots")

        async def on_log(message: LogMessage) -> None:
            params = types.LoggingMessageNotificationParams.model_validate(
                {"level": message.level, "data": message.data, "logger": message.logger, "_meta": _tagged(None, server)}
            )
            await self._notify(server, types.LoggingMessageNotification(params=params), request_scoped=True)

        async def on_message(message: Any) -> None:
            await self._on_backend_message(server, message)

        def offered(feature: str) -> bool:
            return features is None or feature in features

        # A capability is advertised to a backend only when the client handles it, as a direct
        # client does: servers list some tools only for clients that can sample, elicit, ...
        return Client(
            transport,
            name=server,
            timeout=timeout,
            sampling_handler=sampling if offered("sampling") else None,
            elicitation_handler=elicitation if offered("elicitation") else None,
            roots=roots if offered("roots") else None,
            log_handler=on_log,
            message_handler=on_message,
        )

    def build_server(self) -> Server[Any]:
        """The proxy server over the connected backends, offering what at least one of them offers."""
        instructions = [
            f"{server}: {client.initialize_result.instructions}"
            for server, client in self.backends.items()
            if client.initialize_result is not None and client.initialize_result.instructions
        ]
        has = self._has_capability
        server = _ProxyServer(
            self.name,
            version=__version__,
            instructions="\n\n".join(instructions) or None,
            on_list_tools=self._list_tools if has("tools") else None,
            on_call_tool=self._call_tool if has("tools") else None,
            on_list_resources=self._list_resources if has("resources") else None,
            on_list_resource_templates=self._list_resource_templates if has("resources") else None,
            on_read_resource=self._read_resource if has("resources") else None,
            on_subscribe_resource=self._subscribe if has("resources", "subscribe") else None,
            on_unsubscribe_resource=self._unsubscribe if has("resources", "subscribe") else None,
            on_list_prompts=self._list_prompts if has("prompts") else None,
            on_get_prompt=self._get_prompt if has("prompts") else None,
            on_completion=self._complete if has("completions") else None,
        )
        # Registered directly: the constructor arguments for these warn that 2026-07-28 deprecates them,
        # but the proxy's link to the client is legacy by design.
        server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, self._set_level)
        server.add_notification_handler("notifications/initialized", types.NotificationParams, self._initialized)
        server.add_notification_handler(
            "notifications/roots/list_changed", types.NotificationParams, self._roots_changed
        )
        return server

    def _has_capability(self, name: str, flag: str | None = None) -> bool:
        for client in self.backends.values():
            result = client.initialize_result
            capability = getattr(result.capabilities, name, None) if result is not None else None
            if capability is not None and (flag is None or getattr(capability, flag, None)):
                return True
        return False

    # ---------------------------------------------------------------- routing helpers

    def _backend(self, server: str) -> Client:
        client = self.backends.get(server)
        if client is None:
            reason = str(self.failed.get(server, "")).splitlines()
            why = f" (it failed to connect: {reason[0]})" if reason else ""
            raise MCPError(types.INVALID_PARAMS, f"server {server!r} is not connected{why}")
        return client

    def _route_name(self, kind: str, name: str, known: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
        if name in known and known[name][0] in self.backends:
            return known[name]
        # Not listed yet (or since): the longest server name that prefixes it.
        for server in sorted([*self.backends, *self.failed], key=len, reverse=True):
            if name.startswith(f"{server}_") and len(name) > len(server) + 1:
                return server, name[len(server) + 1 :]
        servers = list(self.backends)
        raise MCPError(
            types.INVALID_PARAMS, f"unknown {kind} {name!r}: names are '<server>_<name>' for servers {servers}"
        )

    def _route_uri(self, uri: str) -> tuple[str, str]:
        split = split_uri(uri)
        if split is None or (split[0] not in self.backends and split[0] not in self.failed):
            raise MCPError(
                types.INVALID_PARAMS,
                f"resource {uri!r} names none of the servers {list(self.backends)} (expected scheme://<server>/path)",
            )
        return split

    def _remember(self, ctx: _Ctx) -> None:
        if self._front is None:
            self._front = ctx.session

    @contextlib.contextmanager
    def _serving_request(self, server: str, ctx: _Ctx) -> Iterator[None]:
        """Mark `ctx` as a client request `server` is working on (where its requests and logs go)."""
        self._remember(ctx)
        token = _serving.set((server, ctx))
        active = self._active.setdefault(server, [])
        active.append(ctx)
        try:
            yield
        finally:
            active.remove(ctx)
            _serving.reset(token)

    async def _relay(self, server: str, call: Awaitable[_T]) -> _T:
        """Await a backend call; its mcpclient error becomes the JSON-RPC error the client sees."""
        try:
            return await call
        except MCPClientError as exc:
            raise _relay_error(server, exc) from exc

    async def _gather(
        self, capability: str, fetch: Callable[[Client], Awaitable[list[_T]]], *, relay_errors: bool = True
    ) -> list[tuple[str, _T]]:
        """Every item of every backend offering `capability`, in config order, fetched concurrently.

        A backend's failure is raised as the proxy's JSON-RPC error (`relay_errors`) or as it is.
        """
        results: dict[str, list[_T]] = {}
        errors: dict[str, MCPClientError] = {}

        async def one(server: str, client: Client) -> None:
            try:
                results[server] = await fetch(client)
            except MCPClientError as exc:
                errors[server] = exc

        async with anyio.create_task_group() as tg:
            for server, client in self.backends.items():
                result = client.initialize_result
                if result is not None and getattr(result.capabilities, capability, None) is not None:
                    tg.start_soon(one, server, client)
        for server, error in errors.items():
            if not self.continue_on_error:
                raise _relay_error(server, error) if relay_errors else error
            logger.warning("server %r is left out of the %s list: %s", server, capability, error)
        return [(server, item) for server in self.backends for item in results.get(server, [])]

    # ---------------------------------------------------------------- tools

    async def _list_tools(self, ctx: _Ctx, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        self._remember(ctx)
        return types.ListToolsResult(tools=await self.tools_listing())

    async def tools_listing(self, *, relay_errors: bool = True) -> list[types.Tool]:
        """The combined tool list (names prefixed); remembers which server each name belongs to."""
        tools: list[types.Tool] = []
        known: dict[str, tuple[str, str]] = {}
        listed = await self._gather("tools", lambda client: client.list_tools(), relay_errors=relay_errors)
        for server, tool in listed:
            name = f"{server}_{tool.name}"
            known[name] = (server, tool.name)
            schema = tool.output_schema
            if schema is not None and schema.get("title") == f"{tool.name}Output":
                schema = {**schema, "title": f"{name}Output"}  # keeps the engine's primitive unwrapping
            tools.append(tool.model_copy(update={"name": name, "output_schema": schema}))
        self._tools = known
        return tools

    async def _call_tool(self, ctx: _Ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        server, name = self._route_name("tool", params.name, self._tools)
        client = self._backend(server)

        async def progress(value: float, total: float | None, message: str | None) -> None:
            text = f"{server}: {message}" if message else server
            with contextlib.suppress(Exception):
                await ctx.session.report_progress(value, total, text)

        with self._serving_request(server, ctx):
            return await self._relay(
                server,
                client.call_tool_mcp(name, params.arguments, progress_handler=progress, meta=_forwarded_meta(ctx)),
            )

    # ---------------------------------------------------------------- resources

    async def _list_resources(
        self, ctx: _Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        self._remember(ctx)
        items = await self._gather("resources", lambda client: client.list_resources())
        return types.ListResourcesResult(
            resources=[r.model_copy(update={"uri": prefix_uri(server, str(r.uri))}) for server, r in items]
        )

    async def _list_resource_templates(
        self, ctx: _Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        self._remember(ctx)
        items = await self._gather("resources", lambda client: client.list_resource_templates())
        return types.ListResourceTemplatesResult(
            resource_templates=[
                t.model_copy(update={"uri_template": prefix_uri(server, t.uri_template)}) for server, t in items
            ]
        )

    async def _read_resource(self, ctx: _Ctx, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        server, uri = self._route_uri(str(params.uri))
        client = self._backend(server)
        with self._serving_request(server, ctx):
            result = await self._relay(server, client.read_resource_mcp(uri))
        contents = [c.model_copy(update={"uri": prefix_uri(server, str(c.uri))}) for c in result.contents]
        return result.model_copy(update={"contents": contents})

    async def _subscribe(self, ctx: _Ctx, params: types.SubscribeRequestParams) -> types.EmptyResult:
        server, uri = self._route_uri(str(params.uri))
        await self._relay(server, self._backend(server).subscribe_resource(uri))
        return types.EmptyResult()

    async def _unsubscribe(self, ctx: _Ctx, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        server, uri = self._route_uri(str(params.uri))
        await self._relay(server, self._backend(server).unsubscribe_resource(uri))
        return types.EmptyResult()

    # ---------------------------------------------------------------- prompts and completion

    async def _list_prompts(self, ctx: _Ctx, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
        self._remember(ctx)
        prompts: list[types.Prompt] = []
        known: dict[str, tuple[str, str]] = {}
        for server, prompt in await self._gather("prompts", lambda client: client.list_prompts()):
            name = f"{server}_{prompt.name}"
            known[name] = (server, prompt.name)
            prompts.append(prompt.model_copy(update={"name": name}))
        self._prompts = known
        return types.ListPromptsResult(prompts=prompts)

    async def _get_prompt(self, ctx: _Ctx, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        server, name = self._route_name("prompt", params.name, self._prompts)
        client = self._backend(server)
        with self._serving_request(server, ctx):
            return await self._relay(server, client.get_prompt_mcp(name, params.arguments))

    async def _complete(self, ctx: _Ctx, params: types.CompleteRequestParams) -> types.CompleteResult:
        ref = params.ref
        backend_ref: types.PromptReference | types.ResourceTemplateReference
        if isinstance(ref, types.PromptReference):
            server, name = self._route_name("prompt", ref.name, self._prompts)
            backend_ref = ref.model_copy(update={"name": name})
        else:
            server, uri = self._route_uri(ref.uri)
            backend_ref = ref.model_copy(update={"uri": uri})
        argument = {"name": params.argument.name, "value": params.argument.value}
        context = params.context.arguments if params.context is not None else None
        client = self._backend(server)
        with self._serving_request(server, ctx):
            return await self._relay(server, client.complete_mcp(backend_ref, argument, context))

    # ---------------------------------------------------------------- client -> backends

    async def _set_level(self, ctx: _Ctx, params: types.SetLevelRequestParams) -> types.EmptyResult:
        self._remember(ctx)

        async def one(server: str, client: Client) -> None:
            try:
                await client.set_logging_level(params.level)
            except MCPClientError as exc:
                logger.debug("server %r did not take log level %r: %s", server, params.level, exc)

        async with anyio.create_task_group() as tg:
            for server, client in self.backends.items():
                tg.start_soon(one, server, client)
        return types.EmptyResult()

    async def _initialized(self, ctx: _Ctx, params: types.NotificationParams) -> None:
        self._front = ctx.session
        pending, self._pending = self._pending, []
        for notification in pending:
            with contextlib.suppress(Exception):
                await ctx.session.send_notification(notification)

    async def _roots_changed(self, ctx: _Ctx, params: types.NotificationParams) -> None:
        for server, client in self.backends.items():
            try:
                await client.send_roots_list_changed()
            except MCPClientError as exc:
                logger.debug("could not tell server %r that roots changed: %s", server, exc)

    # ---------------------------------------------------------------- backends -> client

    def _target(self, server: str) -> tuple[ServerSession, types.RequestId | None] | None:
        """Where a message from `server` goes: the client request it serves, else the connection."""
        current = _serving.get()
        ctx: _Ctx | None = None
        if current is not None and current[0] == server:
            ctx = current[1]
        elif active := self._active.get(server):
            ctx = active[0]  # the longest-waiting call to this backend
        if ctx is not None:
            return ctx.session, ctx.request_id
        if self._front is not None:
            return self._front, None
        return None

    async def _ask_front(self, server: str, request: Any, result_type: type[Any], capability: str) -> Any:
        target = self._target(server)
        if target is None:
            return types.ErrorData(code=types.INTERNAL_ERROR, message=f"no client is connected to relay {capability}")
        session, request_id = target
        capabilities = session.client_capabilities
        if capabilities is None or getattr(capabilities, capability, None) is None:
            return types.ErrorData(code=types.METHOD_NOT_FOUND, message=f"the client does not support {capability}")
        try:
            return await session.send_request(
                request, result_type, metadata=ServerMessageMetadata(related_request_id=request_id)
            )
        except MCPError as exc:
            return exc.error

    async def _notify(self, server: str, notification: types.ServerNotification, *, request_scoped: bool) -> None:
        target = self._target(server) if request_scoped else ((self._front, None) if self._front else None)
        if target is None:
            if len(self._pending) < _MAX_PENDING_NOTIFICATIONS:
                self._pending.append(notification)  # sent once the client has initialized
            return
        session, request_id = target
        try:
            await session.send_notification(notification, related_request_id=request_id)
        except Exception:
            if request_id is None or self._front is None:
                logger.debug("could not relay %s from server %r", notification.method, server, exc_info=True)
                return
            with contextlib.suppress(Exception):  # the request ended meanwhile: send it on the connection
                await self._front.send_notification(notification)

    async def _on_backend_message(self, server: str, message: Any) -> None:
        method = getattr(message, "method", None)
        notification: types.ServerNotification | None = None
        if method == "notifications/tools/list_changed":
            notification = types.ToolListChangedNotification()
        elif method == "notifications/prompts/list_changed":
            notification = types.PromptListChangedNotification()
        elif method == "notifications/resources/list_changed":
            notification = types.ResourceListChangedNotification()
        elif method == "notifications/resources/updated":
            uri = str(message.params.uri)
            notification = types.ResourceUpdatedNotification(
                params=types.ResourceUpdatedNotificationParams(uri=prefix_uri(server, uri))
            )
        if notification is not None:
            await self._notify(server, notification, request_scoped=False)


def _tagged(meta: Any, server: str) -> dict[str, Any]:
    """`_meta` naming the backend server a relayed message comes from."""
    return {**(dict(meta) if isinstance(meta, Mapping) else {}), SERVER_META_KEY: server}


def _forwarded_meta(ctx: _Ctx) -> dict[str, Any] | None:
    """The client's request `_meta` for the backend, minus the progress token and protocol keys."""
    meta = ctx.meta
    if not isinstance(meta, Mapping):
        return None
    kept = {
        key: value
        for key, value in meta.items()
        if key not in ("progressToken", "progress_token") and not key.startswith("io.modelcontextprotocol/")
    }
    return kept or None


def _relay_error(server: str, exc: MCPClientError) -> MCPError:
    """A backend failure as the JSON-RPC error the proxy answers with; the message names the server."""
    if isinstance(exc, ProtocolError) and exc.code is not None:
        return MCPError(exc.code, f"server {server!r}: {exc.message}", exc.data)
    if isinstance(exc, TimeoutError):
        return MCPError(_REQUEST_TIMEOUT, str(exc))
    return MCPError(types.INTERNAL_ERROR, str(exc))
