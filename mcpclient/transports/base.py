"""The transport interface: how the engine reaches a server.

A `ClientTransport` is an async context manager. Entering it opens the connection and
yields a `SessionTarget`: what the SDK's `mcp.Client` needs to run a session, either
the SDK's pair of message streams or an in-process server object. Everything specific
to one transport (processes, HTTP clients, auth) lives in its own module.

A custom transport is a few lines::

    class MyTransport(ClientTransport):
        @asynccontextmanager
        async def connect(self):
            async with my_streams() as (read, write):
                yield read, write
"""

from __future__ import annotations

import abc
import copy
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeAlias

if TYPE_CHECKING:
    from mcp.client._transport import TransportStreams

    from ..errors import MCPClientError

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "SERVER_META_KEY", "ClientTransport", "SessionTarget"]

DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024
"""Default `max_message_size` (stdio and HTTP): 64 MiB, room for a tens-of-MB result (base64 adds a third)."""

SERVER_META_KEY = "mcpclient/server"
"""`_meta` key naming the backend server of a message relayed by an MCPConfig proxy (logs, sampling, ...)."""

SessionTarget: TypeAlias = "TransportStreams | Any"
"""SDK message streams `(read, write)`, or an in-process server `mcp.Client` accepts directly."""


class ClientTransport(abc.ABC):
    """Base class of every transport: `connect()` plus optional `close()`."""

    #: Keep the connection (and its session) open after the last context exits, for reuse.
    keep_alive: bool = False

    #: A short human name for the server, used in errors and logger names.
    name: str = "server"

    #: Extra seconds a connection may take beyond `init_timeout` (e.g. a user authorizing in a browser).
    connect_grace: float = 0.0

    #: When set, the protocol mode (`"legacy"`, `"auto"`, a version) the engine must use on this
    #: transport, overriding `Client(mode=...)` (e.g. an in-process proxy that relays mid-call requests).
    mode: str | None = None

    @abc.abstractmethod
    def connect(self) -> AbstractAsyncContextManager[SessionTarget]:
        """Open the connection; the context yields what a session runs on."""

    async def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release anything kept beyond a connection (the engine closes the connection itself)."""

    def startup_error(self, cause: BaseException) -> MCPClientError | None:
        """Explain a failed connection (e.g. a server that exited, with its stderr); None to keep `cause`."""
        return None

    async def lost_connection_detail(self) -> str | None:
        """Why an open connection dropped, when the transport knows (e.g. the server's exit status)."""
        return None

    def fresh(self) -> Self:
        """A transport with this one's configuration and none of its connection state (`Client.new()`)."""
        clone = copy.copy(self)
        clone._reset_state()
        return clone

    def _reset_state(self) -> None:
        """Forget per-connection state; transports that keep some extend this."""
        self.__dict__.pop("_cm", None)

    def __copy__(self) -> Self:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __getstate__(self) -> dict[str, Any]:
        """Pickle as configuration: no process, pipe, HTTP client or other per-connection state."""
        clone = self.__copy__()
        clone._reset_state()
        return clone.__dict__

    # The transport is itself an async context manager, as the contract promises.
    async def __aenter__(self) -> SessionTarget:
        self._cm = self.connect()
        return await self._cm.__aenter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        return await self._cm.__aexit__(exc_type, exc, tb)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
