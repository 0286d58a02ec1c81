"""The blocking face of change events: the iterator `SyncClient.events()` returns.

It drives the async `EventStream` (`mcpclient.subscriptions`) on the loop thread, one
blocking call per event; the stream logic lives once, there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from .._hub import Sink
from ..errors import ClientClosedError, TimeoutError
from ..subscriptions import EventStream, ServerEvent
from .loop import BlockingCall

__all__ = ["BlockingEventStream"]

logger = logging.getLogger("mcpclient.sync")


class BlockingEventStream(Iterator[ServerEvent]):
    """The blocking iterator `SyncClient.events()` returns.

    Registered when created (events from then on are kept), closed when the `for` loop is
    left by `break`/exception (via `with`, or garbage collection), by `close()`, or when
    `timeout` seconds pass without an event: the iteration then simply ends (StopIteration).
    """

    def __init__(self, stream: EventStream, call: BlockingCall, *, timeout: float | None = None) -> None:
        self._stream = stream
        self._call = call
        self.timeout = timeout
        call(stream.__aenter__)

    @property
    def _sink(self) -> Sink:
        return self._stream.sink

    def __iter__(self) -> BlockingEventStream:
        return self

    def __next__(self) -> ServerEvent:
        try:
            return self.get(self.timeout)
        except ClientClosedError:
            raise StopIteration from None
        except TimeoutError:
            self.close()  # idle for `timeout` seconds: the iteration ends
            raise StopIteration from None

    def get(self, timeout: float | None = None) -> ServerEvent:
        """The next event; `mcpclient.TimeoutError` when none arrives within `timeout` seconds,
        `ClientClosedError` when the stream is closed."""
        if self._stream.sink.closed and not self._stream.pending:
            raise ClientClosedError("the event stream is closed", server=self._stream.server, method="events")
        return self._call(self._stream.get, timeout)

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        if self._stream.sink.closed:
            return
        self._stream.sink.closed = True  # inert at once; the call below also stops an idle listen stream
        try:
            self._call(self._stream.aclose)
        except Exception as exc:  # closed client, loop thread: the sink is already inert
            logger.debug("closing an event stream: %r", exc)

    def __enter__(self) -> BlockingEventStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.sink.closed = True  # no blocking call during garbage collection
