"""The loop thread: one daemon thread running an event loop, and the one way to call into it.

`LoopThread.call(fn, *args)` runs `await fn(*args)` on the loop and blocks the calling
thread until it finishes, serving that thread's inbox meanwhile (see `dispatch`). It is
the same primitive as anyio's `BlockingPortal.call`, cut down to one thread hop each way:
`call_soon_threadsafe` to start the task and a `SimpleQueue.put` to hand back the outcome,
which is about half the cost of a portal round trip (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import logging
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, cast

import anyio

from ..errors import ClientClosedError
from .dispatch import CALLER, Dispatcher, Inbox, current_inbox

__all__ = ["LoopThread"]

_T = TypeVar("_T")
logger = logging.getLogger("mcpclient.sync")
_call_ids = itertools.count()


class _Done:
    """The outcome of a submitted call, as it arrives in the caller's inbox."""

    __slots__ = ("call_id", "error", "value")

    def __init__(self, call_id: int, value: Any, error: BaseException | None) -> None:
        self.call_id = call_id
        self.value = value
        self.error = error


class LoopThread:
    """A daemon thread running an anyio (asyncio) event loop until `stop()`."""

    def __init__(self, name: str, dispatcher: Dispatcher) -> None:
        self.name = name
        self.dispatcher = dispatcher
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._context = contextvars.Context()
        self._thread = threading.Thread(target=self._main, name=f"mcpclient-loop-{name}", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._loop is None:
            raise RuntimeError("mcpclient: the event loop thread failed to start")

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def _main(self) -> None:
        options: dict[str, Any] = {}
        if sys.platform == "win32":
            # Subprocesses need a Proactor loop on Windows, whatever policy the host framework set.
            options["loop_factory"] = asyncio.ProactorEventLoop
        try:
            anyio.run(self._serve, backend="asyncio", backend_options=options)
        except BaseException:  # pragma: no cover - reported, the thread must not die noisily at exit
            logger.exception("mcpclient loop thread %s crashed", self.name)
        finally:
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()
        self._stop_event = asyncio.Event()
        self._started.set()
        await self._stop_event.wait()

    def is_alive(self) -> bool:
        return self._thread.is_alive() and self._loop is not None and not self._loop.is_closed()

    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[..., Awaitable[_T]], *args: Any, **kwargs: Any) -> _T:
        """Run `await fn(*args, **kwargs)` on the loop; block (serving handlers) until it is done."""
        if self.in_loop_thread():
            raise RuntimeError(
                "a blocking SyncClient method was called from its own event-loop thread (e.g. inside an "
                "async handler); await the async Client (SyncClient.async_client) there instead"
            )
        loop = self._loop
        if loop is None or not self.is_alive():
            raise ClientClosedError("the client's event loop thread has stopped", server=self.name)
        inbox = current_inbox()
        call_id = next(_call_ids)
        task_box: list[asyncio.Task[Any]] = []
        dispatcher = self.dispatcher

        def start() -> None:
            context = self._context.copy()
            context.run(CALLER.set, inbox)
            task: asyncio.Task[Any] = loop.create_task(
                cast("Coroutine[Any, Any, Any]", fn(*args, **kwargs)), context=context
            )
            task_box.append(task)
            task.add_done_callback(lambda t: inbox.queue.put(_outcome(call_id, t)))

        dispatcher.begin(inbox)
        completed = False
        try:
            loop.call_soon_threadsafe(start)
            done = self._wait(inbox, call_id)
            completed = True
        except BaseException:
            # Ctrl-C (or any interruption) while blocked: cancel the request on the loop; the SDK sends
            # `notifications/cancelled` to the server. We do not wait for it, so the caller gets control back.
            if not loop.is_closed():
                loop.call_soon_threadsafe(_cancel, task_box)
            raise
        finally:
            dispatcher.end(inbox, completed=completed)
        if done.error is not None:
            raise done.error
        return done.value  # type: ignore[no-any-return]

    def _wait(self, inbox: Inbox, call_id: int) -> _Done:
        if call_id in inbox.finished:
            return inbox.finished.pop(call_id)  # type: ignore[no-any-return]
        get = inbox.queue.get
        while True:
            item = get()
            if isinstance(item, _Done):
                if item.call_id == call_id:
                    return item
                # An outer call (this thread is in a nested call from a handler) finished first.
                inbox.finished[item.call_id] = item
                continue
            self.dispatcher.run_here(inbox, item)

    def submit(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Start `fn(*args)` on the loop without waiting (used by shutdown paths)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(
                lambda: loop.create_task(cast("Coroutine[Any, Any, Any]", fn(*args)), context=self._context.copy())
            )

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the loop (remaining tasks are cancelled) and join the thread."""
        loop, stop_event = self._loop, self._stop_event
        if loop is not None and stop_event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed between the check and the call
                loop.call_soon_threadsafe(stop_event.set)
        if not self.in_loop_thread():
            self._thread.join(timeout)


def _cancel(task_box: list[asyncio.Task[Any]]) -> None:
    for task in task_box:
        task.cancel()


def _outcome(call_id: int, task: asyncio.Task[Any]) -> _Done:
    if task.cancelled():
        return _Done(call_id, None, ClientClosedError("the request was cancelled (client closing)"))
    error = task.exception()
    if error is not None:
        return _Done(call_id, None, error)
    return _Done(call_id, task.result(), None)
