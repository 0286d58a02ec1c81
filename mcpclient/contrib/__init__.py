"""Optional framework integrations: `mcpclient.contrib.flask` and `mcpclient.contrib.django`.

Both give a web app one `SyncClient` per process, shared by every request thread. This
module holds what they share: `SharedClient`, which creates that client on first use, and
`source_from_setting`, which reads an `MCP_SERVERS` setting. Flask and Django are imported
only by their own modules (`pip install "mcpclient[flask]"` / `"mcpclient[django]"`).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sync import SyncClient

__all__ = ["SharedClient", "source_from_setting"]

_holders: weakref.WeakSet[SharedClient] = weakref.WeakSet()


def source_from_setting(servers: Any) -> Any:
    """What `SyncClient` accepts, from an `MCP_SERVERS` setting.

    A mapping of server entries (with or without the outer `"mcpServers"` key) becomes an
    MCPConfig dict; anything else (a script path, a URL, a transport, an MCPConfig) is a
    source as it is.
    """
    if isinstance(servers, Mapping) and "mcpServers" not in servers:
        return {"mcpServers": dict(servers)}
    return servers


class SharedClient:
    """One `SyncClient` per process, built by `factory` on first use and shared by all threads.

    Fork-safe: a client built before a pre-fork server (gunicorn `--preload`, uWSGI) forks is
    kept, and `SyncClient` itself starts a fresh loop thread and connection in the child on
    first use; only this holder's lock is renewed. The client is closed by `close()` or, like
    every `SyncClient`, at interpreter exit.
    """

    def __init__(self, factory: Callable[[], SyncClient]) -> None:
        self._factory = factory
        self._client: SyncClient | None = None
        self._lock = threading.Lock()
        self._pid = os.getpid()
        _holders.add(self)

    @property
    def client(self) -> SyncClient:
        """The shared client (built now if this is the first use)."""
        client = self._client
        if client is not None:
            return client
        if self._pid != os.getpid():  # forked on a platform without at-fork hooks
            self._after_fork()
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def close(self) -> None:
        """Close the shared client; the next use builds a new one (e.g. after a settings change)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _after_fork(self) -> None:
        # Another thread of the parent may have held the lock at fork time: it never releases it here.
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"<SharedClient {self._client!r}>" if self._client is not None else "<SharedClient (not created yet)>"


def _after_fork_in_child() -> None:
    for holder in list(_holders):
        holder._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
