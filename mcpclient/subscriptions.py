"""Resource subscriptions and change events on both protocol generations.

```python
await client.subscribe_resource("data://counter")
async with client.events() as events:          # SyncClient: `for event in client.events(timeout=5):`
    async for event in events:
        if isinstance(event, ResourceUpdated):
            print(event.uri, await client.read_resource(event.uri))
```

Events are the SDK's typed change events (`mcp.client.subscriptions`), re-exported by
mcpclient: `ResourceUpdated(uri)`, `ToolsListChanged()`, `PromptsListChanged()`,
`ResourcesListChanged()`. They are level triggers ("this changed, read it again if you
care"): an event identical to one still waiting in a stream is not queued twice.

Legacy sessions (<= 2025-11-25): `subscribe_resource` sends `resources/subscribe`; the server
sends `notifications/resources/updated` and `notifications/*/list_changed` on its own.

2026-07-28 sessions: `resources/subscribe` no longer exists; change notifications flow only
on `subscriptions/listen` streams. The client keeps **one** listen stream per session, run
in the SDK session's task group (so it ends with the session), asking for the three
list-changed events plus every subscribed URI. It is (re)started when the set of URIs
changes (the new stream is acknowledged before the old one is closed; events of the old
stream that arrive after the switch are dropped as duplicates) and runs while there is
something to deliver to: a subscribed URI, an open `events()` stream, or a
`message_handler`. The SDK tees every stream frame to the session's message handler, so
events reach `message_handler` / `MessageHandler.on_resource_updated` etc. and clear the
tool-schema cache exactly like legacy notifications do.

Subscriptions survive reconnection: before a re-established session is reported ready the client
re-subscribes (legacy) or re-listens (2026-07-28) to every URI still subscribed.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
from mcp.client.subscriptions import (
    PromptsListChanged,
    ResourcesListChanged,
    ResourceUpdated,
    ServerEvent,
    ToolsListChanged,
)

from .errors import ClientClosedError, ProtocolError, TimeoutError

if TYPE_CHECKING:
    import mcp

    from .client import Client, Timeout

__all__ = [
    "BlockingEventStream",
    "EventStream",
    "PromptsListChanged",
    "ResourceUpdated",
    "ResourcesListChanged",
    "ServerEvent",
    "ToolsListChanged",
]

logger = logging.getLogger("mcpclient")

_SUBSCRIPTION_ID_META_KEY = "io.modelcontextprotocol/subscriptionId"
_RESTORE_TIMEOUT = 10.0  # seconds the session runner waits for subscriptions to be restored
_LIST_CHANGED: dict[str, ServerEvent] = {
    "notifications/tools/list_changed": ToolsListChanged(),
    "notifications/prompts/list_changed": PromptsListChanged(),
    "notifications/resources/list_changed": ResourcesListChanged(),
}


def to_event(message: Any) -> ServerEvent | None:
    """The change event a server notification announces, or None."""
    method = getattr(message, "method", None)
    if not isinstance(method, str):
        return None
    if method in _LIST_CHANGED:
        return _LIST_CHANGED[method]
    if method == "notifications/resources/updated":
        uri = getattr(getattr(message, "params", None), "uri", None)
        if uri is not None:
            return ResourceUpdated(uri=str(uri))
    return None


def _subscription_id(message: Any) -> Any:
    meta = getattr(getattr(message, "params", None), "meta", None)
    return meta.get(_SUBSCRIPTION_ID_META_KEY) if isinstance(meta, dict) else None


class _Sink:
    """Where events go: `push` (a bound method, held weakly so that an abandoned stream can be
    garbage-collected) is called on the loop thread and must not block."""

    __slots__ = ("_push", "closed", "list_changes", "resource_updates")

    def __init__(self, push: Callable[[ServerEvent], None], *, resource_updates: bool, list_changes: bool) -> None:
        self._push = weakref.WeakMethod(push)
        self.resource_updates = resource_updates
        self.list_changes = list_changes
        self.closed = False

    def offer(self, event: ServerEvent) -> None:
        wanted = self.resource_updates if isinstance(event, ResourceUpdated) else self.list_changes
        if not wanted or self.closed:
            return
        push = self._push()
        if push is None:
            self.closed = True  # its stream was garbage-collected
            return
        push(event)


class _Listener:
    """One `subscriptions/listen` stream, run in the SDK session's task group."""

    def __init__(self, sdk: mcp.Client, uris: frozenset[str]) -> None:
        self.sdk = sdk
        self.uris = uris
        self.scope = anyio.CancelScope()
        self.ready = anyio.Event()
        self.done = anyio.Event()
        self.subscription_id: Any = None
        self.honored_uris: frozenset[str] = frozenset()
        self.error: Exception | None = None

    @property
    def alive(self) -> bool:
        return self.ready.is_set() and not self.done.is_set() and self.error is None

    async def run(self) -> None:
        try:
            with self.scope:
                async with self.sdk.listen(
                    tools_list_changed=True,
                    prompts_list_changed=True,
                    resources_list_changed=True,
                    resource_subscriptions=sorted(self.uris),
                ) as subscription:
                    self.subscription_id = subscription.subscription_id
                    self.honored_uris = frozenset(subscription.honored.resource_subscriptions or ())
                    self.ready.set()
                    # Handlers get each event from the session's message tee (Client._on_message);
                    # draining here only keeps the stream's backlog from filling up.
                    async for _event in subscription:
                        pass
        except Exception as exc:
            self.error = exc
            logger.debug("subscriptions/listen stream ended: %r", exc)
        finally:
            self.ready.set()
            self.done.set()


class _Hub:
    """Per-client subscription state. Used on the client's event loop only."""

    def __init__(self) -> None:
        self.uris: dict[str, None] = {}  # subscribed URIs, in order
        self.sinks: list[_Sink] = []
        self.listener: _Listener | None = None
        self.retired: collections.deque[Any] = collections.deque(maxlen=32)
        self._lock: anyio.Lock | None = None

    @property
    def lock(self) -> anyio.Lock:
        if self._lock is None:
            self._lock = anyio.Lock()
        return self._lock

    def wants_listener(self, client: Client) -> bool:
        self.sinks = [sink for sink in self.sinks if not sink.closed]
        return bool(self.uris) or bool(self.sinks) or client._message_handler is not None

    def retire(self, listener: _Listener | None) -> None:
        if listener is None:
            return
        if listener.subscription_id is not None:
            self.retired.append(listener.subscription_id)
        listener.scope.cancel()

    async def ensure_listener(self, client: Client, sdk: mcp.Client) -> _Listener | None:
        """Make the one listen stream match what is wanted (2026-07-28 sessions). Holds the lock."""
        async with self.lock:
            current = self.listener
            if not self.wants_listener(client):
                self.listener = None
                self.retire(current)
                return None
            uris = frozenset(self.uris)
            if current is not None and current.sdk is sdk and current.alive and current.uris == uris:
                return current
            listener = _Listener(sdk, uris)
            if not _spawn(sdk, listener.run):
                raise ProtocolError("the session is closing", server=client.name, method="subscriptions/listen")
            try:
                await listener.ready.wait()
            except BaseException:
                listener.scope.cancel()
                raise
            if listener.error is not None:
                raise listener.error
            self.listener = listener
            self.retire(current)  # only now: no gap without a stream
            return listener

    def deliver(self, message: Any) -> bool:
        """Fan a server notification out to the open event streams; False for a superseded stream's duplicate."""
        subscription_id = _subscription_id(message)
        if subscription_id is not None and subscription_id in self.retired:
            return False
        event = to_event(message)
        if event is not None:
            for sink in self.sinks:
                sink.offer(event)
        return True


_hubs: weakref.WeakKeyDictionary[Client, _Hub] = weakref.WeakKeyDictionary()


def _hub(client: Client) -> _Hub:
    hub = _hubs.get(client)
    if hub is None:
        hub = _hubs[client] = _Hub()
    return hub


def _spawn(sdk: mcp.Client, fn: Callable[[], Any]) -> bool:
    """Start `fn()` in the SDK session's task group, so it ends with the session."""
    try:
        task_group = getattr(sdk.session, "_task_group", None)
    except RuntimeError:  # the SDK client is not (or no longer) entered
        return False
    if task_group is None:
        return False
    task_group.start_soon(fn)
    return True


# ------------------------------------------------------------------------ hooks used by Client


def route_message(client: Client, message: Any) -> bool:
    """Called first by `Client._on_message`: feed event streams; False to drop a duplicate."""
    hub = _hubs.get(client)
    return True if hub is None else hub.deliver(message)


async def session_started(client: Client, sdk: mcp.Client) -> None:
    """Awaited by the session runner before the session is reported ready: restore subscriptions
    (legacy: `resources/subscribe` again) or open the listen stream (2026-07-28) so that no change
    made after connecting is missed. Never raises: a failure is logged and the session works without."""
    hub = _hubs.get(client)
    subscribed = hub is not None and bool(hub.uris)
    try:
        with anyio.fail_after(_RESTORE_TIMEOUT):
            if client._is_modern():
                if (hub is not None and hub.wants_listener(client)) or client._message_handler is not None:
                    await _hub(client).ensure_listener(client, sdk)
            elif hub is not None and hub.uris:
                for uri in list(hub.uris):
                    await sdk.session.subscribe_resource(uri)
    except Exception as exc:
        log = logger.warning if subscribed else logger.debug
        log("server %s: change notifications unavailable (subscriptions not restored): %r", client.name, exc)


# ------------------------------------------------------------------------------ operations


async def subscribe(client: Client, uri: str, timeout: Timeout) -> None:
    """`Client.subscribe_resource`: `resources/subscribe` (legacy) or the listen stream (2026-07-28)."""
    hub = _hub(client)

    async def op(sdk: mcp.Client) -> None:
        if not client._is_modern():
            await sdk.session.subscribe_resource(uri)
            hub.uris[uri] = None
            return
        added = uri not in hub.uris
        hub.uris[uri] = None
        try:
            listener = await hub.ensure_listener(client, sdk)
        except BaseException:
            if added:
                hub.uris.pop(uri, None)
            raise
        if listener is not None and uri not in listener.honored_uris:
            hub.uris.pop(uri, None)
            raise ProtocolError(
                f"the server did not accept a subscription to {uri!r} (subscriptions/listen honored "
                f"{sorted(listener.honored_uris)})",
                server=client.name,
                method="subscriptions/listen",
            )

    label = "subscriptions/listen" if client._is_modern() else f"resources/subscribe {uri!r}"
    await client._request(label, op, timeout)


async def unsubscribe(client: Client, uri: str, timeout: Timeout) -> None:
    """`Client.unsubscribe_resource`."""
    hub = _hub(client)

    async def op(sdk: mcp.Client) -> None:
        if not client._is_modern():
            await sdk.session.unsubscribe_resource(uri)
            hub.uris.pop(uri, None)
            return
        hub.uris.pop(uri, None)
        await hub.ensure_listener(client, sdk)

    label = "subscriptions/listen" if client._is_modern() else f"resources/unsubscribe {uri!r}"
    await client._request(label, op, timeout)


async def open_sink(client: Client, sink: _Sink, timeout: Timeout = None) -> None:
    """Register an event stream; on 2026-07-28 sessions make sure the listen stream runs."""
    hub = _hub(client)
    hub.sinks.append(sink)

    async def op(sdk: mcp.Client) -> None:
        if client._is_modern():
            await hub.ensure_listener(client, sdk)

    try:
        await client._request("subscriptions/listen", op, timeout)
    except BaseException:
        sink.closed = True
        raise


async def close_sink(client: Client, sink: _Sink) -> None:
    """Unregister an event stream (stops the listen stream when nothing else needs it)."""
    sink.closed = True
    hub = _hubs.get(client)
    if hub is None:
        return
    with anyio.CancelScope(shield=True):
        async with hub.lock:
            if hub.listener is not None and not hub.wants_listener(client):
                listener, hub.listener = hub.listener, None
                hub.retire(listener)


# ------------------------------------------------------------------------------ event streams


class EventStream:
    """An async iterator of change events; use it as `async with client.events() as events:`.

    Events are collected from the moment the context is entered; leaving it stops them.
    """

    def __init__(self, client: Client, *, resource_updates: bool = True, list_changes: bool = True) -> None:
        self._client = client
        self._pending: dict[ServerEvent, None] = {}
        self._wake: anyio.Event | None = None
        self._sink = _Sink(self._push, resource_updates=resource_updates, list_changes=list_changes)
        self._entered = False

    def _push(self, event: ServerEvent) -> None:
        self._pending[event] = None
        if self._wake is not None:
            self._wake.set()

    async def __aenter__(self) -> EventStream:
        if self._entered:
            raise RuntimeError("an EventStream can be entered only once; call client.events() again")
        self._entered = True
        await open_sink(self._client, self._sink)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop receiving events (idempotent)."""
        if not self._sink.closed:
            await close_sink(self._client, self._sink)
        if self._wake is not None:
            self._wake.set()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> ServerEvent:
        if not self._entered:
            raise RuntimeError("use `async with client.events() as events:` before iterating")
        while not self._pending:
            if self._sink.closed:
                raise StopAsyncIteration
            self._wake = anyio.Event()
            await self._wake.wait()
        event = next(iter(self._pending))
        del self._pending[event]
        return event

    async def get(self, timeout: float | None = None) -> ServerEvent:
        """The next event; `mcpclient.TimeoutError` when none arrives within `timeout` seconds,
        `ClientClosedError` when the stream is closed."""
        with anyio.move_on_after(timeout):
            try:
                return await self.__anext__()
            except StopAsyncIteration:
                raise ClientClosedError(
                    "the event stream is closed", server=self._client.name, method="events"
                ) from None
        raise TimeoutError(f"no event within {timeout}s", timeout=timeout, server=self._client.name, method="events")


class BlockingEventStream(Iterator[ServerEvent]):
    """The blocking iterator `SyncClient.events()` returns.

    Registered when created (events from then on are kept), closed when the `for` loop is
    left by `break`/exception (via `with`, or garbage collection), by `close()`, or when
    `timeout` seconds pass without an event: the iteration then simply ends (StopIteration).
    """

    def __init__(
        self, host: Any, *, timeout: float | None = None, resource_updates: bool = True, list_changes: bool = True
    ) -> None:
        self._host = host
        self.timeout = timeout
        self._cond = threading.Condition()
        self._pending: dict[ServerEvent, None] = {}
        self._sink = _Sink(self._push, resource_updates=resource_updates, list_changes=list_changes)
        host._call(open_sink, host.async_client, self._sink)

    def _push(self, event: ServerEvent) -> None:  # on the loop thread: never blocks for long
        with self._cond:
            self._pending[event] = None
            self._cond.notify()

    def __iter__(self) -> BlockingEventStream:
        return self

    def __next__(self) -> ServerEvent:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        with self._cond:
            while not self._pending:
                if self._sink.closed:
                    raise StopIteration
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(remaining)
            if self._pending:
                event = next(iter(self._pending))
                del self._pending[event]
                return event
        self.close()  # idle for `timeout` seconds: the iteration ends
        raise StopIteration

    def get(self, timeout: float | None = None) -> ServerEvent:
        """The next event; `mcpclient.TimeoutError` when none arrives within `timeout` seconds,
        `ClientClosedError` when the stream is closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._pending:
                if self._sink.closed:
                    raise ClientClosedError("the event stream is closed", server=self._host.name, method="events")
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(
                        f"no event within {timeout}s", timeout=timeout, server=self._host.name, method="events"
                    )
                self._cond.wait(remaining)
            event = next(iter(self._pending))
            del self._pending[event]
            return event

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        if self._sink.closed:
            return
        self._sink.closed = True  # the hub drops it at once; the call below also stops an idle listen stream
        with self._cond:
            self._cond.notify_all()
        try:
            self._host._call(close_sink, self._host.async_client, self._sink)
        except Exception as exc:  # closed client, loop thread: the sink is already inert
            logger.debug("closing an event stream: %r", exc)

    def __enter__(self) -> BlockingEventStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        sink = getattr(self, "_sink", None)
        if sink is not None:
            sink.closed = True  # no blocking call during garbage collection
