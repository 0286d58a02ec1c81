"""Session layer: the subscription hub, the per-session state behind change events.

The hub keeps the subscribed resource URIs, the open event streams (sinks) and, on
2026-07-28 sessions, the one `subscriptions/listen` stream that delivers change
notifications (see `mcpclient.subscriptions` for the behaviour users see). It is owned
by the `Session` and used on the client's event loop only.
"""

from __future__ import annotations

import collections
import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import anyio

from .errors import ProtocolError

if TYPE_CHECKING:
    import mcp
    from mcp.client.subscriptions import ServerEvent

__all__ = ["Hub", "Listener", "Sink", "to_event"]

logger = logging.getLogger("mcpclient")

_SUBSCRIPTION_ID_META_KEY = "io.modelcontextprotocol/subscriptionId"
_LIST_CHANGED = {
    "notifications/tools/list_changed": "ToolsListChanged",
    "notifications/prompts/list_changed": "PromptsListChanged",
    "notifications/resources/list_changed": "ResourcesListChanged",
}
_list_changed: dict[str, ServerEvent] = {}  # one event instance per method, made on first use
_sdk_events: Any = None  # mcp.client.subscriptions, once an event needs it (not at import: see `_early`)


def _events() -> Any:
    global _sdk_events
    if _sdk_events is None:
        from mcp.client import subscriptions

        _sdk_events = subscriptions
    return _sdk_events


Spawn = Callable[[Callable[[], Any]], bool]
"""Start a coroutine function in the SDK session's task group; False when the session is closing."""


def to_event(message: Any) -> ServerEvent | None:
    """The change event a server notification announces, or None."""
    method = getattr(message, "method", None)
    if not isinstance(method, str):
        return None
    if method in _LIST_CHANGED:
        event = _list_changed.get(method)
        if event is None:
            event = _list_changed[method] = getattr(_events(), _LIST_CHANGED[method])()
        return event
    if method == "notifications/resources/updated":
        uri = getattr(getattr(message, "params", None), "uri", None)
        if uri is not None:
            event = _events().ResourceUpdated(uri=str(uri))
            return cast("ServerEvent", event)
    return None


def _subscription_id(message: Any) -> Any:
    meta = getattr(getattr(message, "params", None), "meta", None)
    return meta.get(_SUBSCRIPTION_ID_META_KEY) if isinstance(meta, dict) else None


class Sink:
    """Where events go: `push` (a bound method, held weakly so that an abandoned stream can be
    garbage-collected) is called on the loop thread and must not block."""

    __slots__ = ("_push", "closed", "list_changes", "resource_updates")

    def __init__(self, push: Callable[[ServerEvent], None], *, resource_updates: bool, list_changes: bool) -> None:
        self._push = weakref.WeakMethod(push)
        self.resource_updates = resource_updates
        self.list_changes = list_changes
        self.closed = False

    def offer(self, event: ServerEvent) -> None:
        wanted = self.resource_updates if isinstance(event, _events().ResourceUpdated) else self.list_changes
        if not wanted or self.closed:
            return
        push = self._push()
        if push is None:
            self.closed = True  # its stream was garbage-collected
            return
        push(event)


class Listener:
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


class Hub:
    """Per-session subscription state: subscribed URIs, open sinks, the listen stream."""

    def __init__(self, wants_messages: Callable[[], bool]) -> None:
        self.uris: dict[str, None] = {}  # subscribed URIs, in order
        self.sinks: list[Sink] = []
        self.listener: Listener | None = None
        self.retired: collections.deque[Any] = collections.deque(maxlen=32)
        self._wants_messages = wants_messages  # a message handler also needs the listen stream
        self._lock: anyio.Lock | None = None

    @property
    def lock(self) -> anyio.Lock:
        if self._lock is None:
            self._lock = anyio.Lock()
        return self._lock

    def wants_listener(self) -> bool:
        self.sinks = [sink for sink in self.sinks if not sink.closed]
        return bool(self.uris) or bool(self.sinks) or self._wants_messages()

    def retire(self, listener: Listener | None) -> None:
        if listener is None:
            return
        if listener.subscription_id is not None:
            self.retired.append(listener.subscription_id)
        listener.scope.cancel()

    async def ensure_listener(self, sdk: mcp.Client, spawn: Spawn, server: str) -> Listener | None:
        """Make the one listen stream match what is wanted (2026-07-28 sessions)."""
        async with self.lock:
            current = self.listener
            if not self.wants_listener():
                self.listener = None
                self.retire(current)
                return None
            uris = frozenset(self.uris)
            if current is not None and current.sdk is sdk and current.alive and current.uris == uris:
                return current
            listener = Listener(sdk, uris)
            if not spawn(listener.run):
                raise ProtocolError("the session is closing", server=server, method="subscriptions/listen")
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

    async def close_sink(self, sink: Sink) -> None:
        """Unregister an event stream (stops the listen stream when nothing else needs it)."""
        sink.closed = True
        with anyio.CancelScope(shield=True):
            async with self.lock:
                if self.listener is not None and not self.wants_listener():
                    listener, self.listener = self.listener, None
                    self.retire(listener)

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
