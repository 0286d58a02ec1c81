"""Client helpers shared by tests/interop and tests/faults.

`make_client(kind, source, **options)` builds a `Client` ("async") or a `SyncClient` ("sync")
wrapped in `AsyncFacade`, so one async test body covers both faces. The facade runs every
blocking call in a worker thread (a plain thread, as in a script), never on the test's loop.

Modules that test many features share one connection per transport x face: a module-scoped
`shared` fixture yields `Shared(client, hooks)` where every handler is routed through `Hooks`
(so every capability is declared); tests set the handlers they need on `hooks`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
import weakref
from typing import Any

import anyio
import anyio.to_thread

__all__ = [
    "CLIENT_KINDS",
    "AsyncFacade",
    "Hooks",
    "Shared",
    "ThreadLog",
    "close_client",
    "close_leftover_clients",
    "make_client",
]

CLIENT_KINDS = ("async", "sync")


class AsyncFacade:
    """A `SyncClient` with the async `Client`'s interface: each call runs in a worker thread.

    So one async test body exercises both faces; the SyncClient sees an ordinary thread with
    no event loop (as in a script), and its plain handlers run in that thread.
    """

    def __init__(self, sync_client: Any) -> None:
        self.sync = sync_client

    #: Methods that are plain (not coroutines) on the async `Client` too.
    _PLAIN = frozenset({"is_connected", "set_roots", "set_sampling_callback", "set_elicitation_callback", "new"})

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.sync, name)
        if not callable(attr) or name in self._PLAIN:
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await anyio.to_thread.run_sync(functools.partial(attr, *args, **kwargs))

        return call

    async def __aenter__(self) -> AsyncFacade:
        await anyio.to_thread.run_sync(self.sync.__enter__)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await anyio.to_thread.run_sync(self.sync.__exit__, *exc_info)

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self.sync.close)


def make_client(kind: str, source: Any, *, tracked: bool = True, **options: Any) -> Any:
    """A `Client` ("async") or an `AsyncFacade` over a `SyncClient` ("sync").

    `tracked` clients are closed after the test if it left them open (`close_leftover_clients`);
    clients of module-scoped fixtures pass `tracked=False`.
    """
    from mcpclient import Client, SyncClient

    client: Any
    if kind == "async":
        client = Client(source, **options)
    elif kind == "sync":
        client = AsyncFacade(SyncClient(source, **options))
    else:
        raise ValueError(kind)
    if tracked:
        _made.add(client)
    return client


_made: weakref.WeakSet[Any] = weakref.WeakSet()


def close_leftover_clients() -> None:
    """Safety net after a test (normally a no-op): end what a failed test left open.

    Tests close their clients themselves; one that fails half-way may leave a kept-alive stdio
    server running, which would then fail the session's process-leak check as well. A SyncClient
    is closed normally; an async Client's loop is gone by now, so its server group is killed.
    """
    leftovers = list(_made)
    _made.clear()
    for client in leftovers:
        if isinstance(client, AsyncFacade):
            with contextlib.suppress(Exception):
                client.sync.close()
            continue
        pid = getattr(client.transport, "pid", None)
        if pid is not None and getattr(client.transport, "returncode", 0) is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


async def close_client(client: Any) -> None:
    """`close()` for either face (ends kept-alive stdio servers)."""
    if isinstance(client, AsyncFacade):
        await client.aclose()
    else:
        await client.close()


class ThreadLog:
    """Records (value, thread name) pairs from handlers, thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[tuple[Any, str]] = []

    def add(self, value: Any) -> None:
        with self._lock:
            self.items.append((value, threading.current_thread().name))

    @property
    def values(self) -> list[Any]:
        with self._lock:
            return [value for value, _ in self.items]

    @property
    def threads(self) -> set[str]:
        with self._lock:
            return {thread for _, thread in self.items}


class Hooks:
    """Handlers of the shared client; each test installs the ones it needs (reset in between).

    They are plain functions, so on the sync face they run in the calling thread.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.on_sampling: Any = lambda messages, params, context: "default sample"
        self.on_elicitation: Any = lambda message, response_type, params, context: None
        self.roots: list[str] = ["/tmp"]
        self.on_roots: Any = None
        self.on_log: Any = lambda message: None
        self.on_message: Any = lambda message: None

    def sampling(self, messages: Any, params: Any, context: Any) -> Any:
        return self.on_sampling(messages, params, context)

    def elicitation(self, message: Any, response_type: Any, params: Any, context: Any) -> Any:
        return self.on_elicitation(message, response_type, params, context)

    def list_roots(self, context: Any) -> Any:
        return self.on_roots(context) if self.on_roots is not None else self.roots

    def log(self, message: Any) -> None:
        self.on_log(message)

    def message(self, message: Any) -> None:
        self.on_message(message)


class Shared:
    def __init__(self, client: Any, hooks: Hooks) -> None:
        self.client = client
        self.hooks = hooks
