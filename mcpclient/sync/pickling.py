"""Shipping a `SyncClient` to other processes: it pickles as its configuration, never its session.

A client carries a `Blueprint`: an identity minted at construction, the source and the
constructor options. Pickling writes only that; unpickling calls `restore`, which returns the
one client this process holds for the identity (creating it on first use), so every copy of a
client in one worker shares one connection, opened lazily on the first call. Clients created
here are held until process exit, where they are closed like any other `SyncClient`.

Fork needs no special case: a forked child inherits the registry, and every client in it was
already reset to a fresh, unconnected session by the at-fork hook of `SyncClient`.
"""

from __future__ import annotations

import os
import pickle
import reprlib
import sys
import threading
import uuid
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import SyncClient

__all__ = ["Blueprint", "restore"]

_PLAIN = (str, bytes, int, float, bool, type(None))
_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60


class Blueprint:
    """What a `SyncClient` pickles as: its identity, source and constructor options."""

    __slots__ = ("_checked", "identity", "options", "source")

    def __init__(self, source: Any, options: Mapping[str, Any], identity: str | None = None) -> None:
        self.identity = identity or uuid.uuid4().hex
        self.source = source
        self.options = dict(options)
        self._checked = False

    def renewed(self) -> Blueprint:
        """The same configuration under a new identity (`SyncClient.new()`: its own connection)."""
        return Blueprint(self.source, self.options)

    def set(self, option: str, value: Any) -> None:
        """Record an option changed after construction (`set_roots`, ...)."""
        self.options[option] = value
        self._checked = False

    def check(self) -> None:
        """Raise `TypeError` naming the first part of the configuration that cannot be pickled.

        Checked with the standard pickler, once per configuration: an engine's own pickler
        (cloudpickle) may accept more, but a client must also travel through plain
        `multiprocessing`, and an error naming the option beats one from deep inside pickle.
        """
        if self._checked:
            return
        from ..transports.memory import InMemoryTransport, is_server_instance

        if is_server_instance(self.source) or isinstance(self.source, InMemoryTransport):
            raise TypeError(
                "SyncClient of an in-process server cannot be pickled: the server lives in this process. "
                "Run it over stdio (a script path) or HTTP (a URL) to use it from other processes"
            )
        for option, value in (("source", self.source), *self.options.items()):
            if isinstance(value, _PLAIN):
                continue
            try:
                pickle.dumps(value)
            except Exception as exc:
                where = f"SyncClient({_repr.repr(value)})" if option == "source" else f"SyncClient({option}=...)"
                raise TypeError(
                    f"{where} cannot be pickled: {exc}. Use a module-level function or a picklable object"
                ) from exc
        self._checked = True

    def __reduce__(self) -> tuple[Any, ...]:
        return (Blueprint, (self.source, self.options, self.identity))


# One client per identity in this process: `_held` are clients created by unpickling (kept until exit),
# `_seen` are clients constructed here and since pickled (held by their owner, not by us).
_held: dict[str, SyncClient] = {}
_seen: weakref.WeakValueDictionary[str, SyncClient] = weakref.WeakValueDictionary()
_lock = threading.Lock()
_finalizer_pid: int | None = None


def reduce(client: SyncClient) -> tuple[Any, ...]:
    """`SyncClient.__reduce__`: the blueprint's parts, checked; remembers `client` for same-process copies."""
    blueprint = client._blueprint
    blueprint.check()
    with _lock:
        if blueprint.identity not in _held:
            _seen[blueprint.identity] = client
    return (restore, (blueprint.identity, blueprint.source, blueprint.options))


def restore(identity: str, source: Any, options: Mapping[str, Any]) -> SyncClient:
    """The client this process holds for `identity`; created (unconnected) on first use."""
    from .client import SyncClient

    with _lock:
        client = _held.get(identity) or _seen.get(identity)
        if client is None:
            client = SyncClient(source, **options)
            client._blueprint = Blueprint(source, options, identity)
            _held[identity] = client
        _close_with_multiprocessing()
        return client


def registered() -> dict[str, SyncClient]:
    """The clients this process created by unpickling, by identity (for tests and diagnostics)."""
    with _lock:
        return dict(_held)


def _close_clients() -> None:
    from .client import _close_all_at_exit

    _close_all_at_exit()


def _close_with_multiprocessing() -> None:
    # A forked multiprocessing worker leaves through os._exit, which skips atexit; it does run
    # multiprocessing's own finalizers, so close this process's clients (and servers) there too.
    global _finalizer_pid
    if _finalizer_pid == os.getpid() or "multiprocessing" not in sys.modules:
        return
    from multiprocessing import util

    util.Finalize(None, _close_clients, exitpriority=10)
    _finalizer_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
