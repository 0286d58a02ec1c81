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

The per-session state (subscribed URIs, open streams, the listen stream) is the session's
subscription hub (`mcpclient._hub`); this module holds the operations and the async stream.
Subscriptions survive reconnection: before a re-established session is reported ready the client
re-subscribes (legacy) or re-listens (2026-07-28) to every URI still subscribed.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

import anyio
from mcp.client.subscriptions import (
    PromptsListChanged,
    ResourcesListChanged,
    ResourceUpdated,
    ServerEvent,
    ToolsListChanged,
)

from ._hub import Sink, to_event
from ._session import Session, Timeout
from .errors import ClientClosedError, ProtocolError, TimeoutError

if TYPE_CHECKING:
    import mcp

__all__ = [
    "EventStream",
    "PromptsListChanged",
    "ResourceUpdated",
    "ResourcesListChanged",
    "ServerEvent",
    "ToolsListChanged",
    "to_event",
]


async def subscribe(session: Session, uri: str, timeout: Timeout) -> None:
    """`Client.subscribe_resource`: `resources/subscribe` (legacy) or the listen stream (2026-07-28)."""
    hub = session.hub

    async def op(sdk: mcp.Client) -> None:
        if not session.is_modern():
            await sdk.session.subscribe_resource(uri)
            hub.uris[uri] = None
            return
        added = uri not in hub.uris
        hub.uris[uri] = None
        try:
            listener = await hub.ensure_listener(sdk, session.spawn, session.name)
        except BaseException:
            if added:
                hub.uris.pop(uri, None)
            raise
        if listener is not None and uri not in listener.honored_uris:
            hub.uris.pop(uri, None)
            raise ProtocolError(
                f"the server did not accept a subscription to {uri!r} (subscriptions/listen honored "
                f"{sorted(listener.honored_uris)})",
                server=session.name,
                method="subscriptions/listen",
            )

    label = "subscriptions/listen" if session.is_modern() else f"resources/subscribe {uri!r}"
    await session.request(label, op, timeout)


async def unsubscribe(session: Session, uri: str, timeout: Timeout) -> None:
    """`Client.unsubscribe_resource`."""
    hub = session.hub

    async def op(sdk: mcp.Client) -> None:
        if not session.is_modern():
            await sdk.session.unsubscribe_resource(uri)
            hub.uris.pop(uri, None)
            return
        hub.uris.pop(uri, None)
        await hub.ensure_listener(sdk, session.spawn, session.name)

    label = "subscriptions/listen" if session.is_modern() else f"resources/unsubscribe {uri!r}"
    await session.request(label, op, timeout)


async def open_sink(session: Session, sink: Sink, timeout: Timeout = None) -> None:
    """Register an event stream; on 2026-07-28 sessions make sure the listen stream runs."""
    hub = session.hub
    hub.sinks.append(sink)

    async def op(sdk: mcp.Client) -> None:
        if session.is_modern():
            await hub.ensure_listener(sdk, session.spawn, session.name)

    try:
        await session.request("subscriptions/listen", op, timeout)
    except BaseException:
        sink.closed = True
        raise


async def close_sink(session: Session, sink: Sink) -> None:
    """Unregister an event stream (stops the listen stream when nothing else needs it)."""
    await session.hub.close_sink(sink)


class EventStream:
    """An async iterator of change events; use it as `async with client.events() as events:`.

    Events are collected from the moment the context is entered; leaving it stops them.
    """

    def __init__(self, session: Session, *, resource_updates: bool = True, list_changes: bool = True) -> None:
        self._session = session
        self._pending: dict[ServerEvent, None] = {}
        self._wake: anyio.Event | None = None
        self._sink = Sink(self._push, resource_updates=resource_updates, list_changes=list_changes)
        self._entered = False

    @property
    def sink(self) -> Sink:
        """Where the session's hub delivers this stream's events."""
        return self._sink

    @property
    def pending(self) -> int:
        """How many events are waiting to be taken."""
        return len(self._pending)

    @property
    def server(self) -> str:
        return self._session.name

    def _push(self, event: ServerEvent) -> None:
        self._pending[event] = None
        if self._wake is not None:
            self._wake.set()

    async def __aenter__(self) -> EventStream:
        if self._entered:
            raise RuntimeError("an EventStream can be entered only once; call client.events() again")
        self._entered = True
        await open_sink(self._session, self._sink)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop receiving events (idempotent)."""
        await close_sink(self._session, self._sink)
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
                    "the event stream is closed", server=self._session.name, method="events"
                ) from None
        raise TimeoutError(f"no event within {timeout}s", timeout=timeout, server=self._session.name, method="events")
