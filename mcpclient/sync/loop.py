"""The loop thread: one daemon thread running an event loop, and the one way to call into it.

`LoopThread.call(fn, *args)` runs `await fn(*args)` on the loop and blocks the calling
thread until it finishes, serving that thread's inbox meanwhile (see `dispatch`). It is
the same primitive as anyio's `BlockingPortal.call`, cut down to one thread hop each way:
a byte written to the loop's own wake-up pipe to start the task (batched: one wake-up
starts every call queued meanwhile; `call_soon_threadsafe` where the loop cannot watch a
pipe) and a `SimpleQueue.put` from the task's last step to hand back the outcome, well
under half the cost of a portal round trip (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import contextvars
import itertools
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, Protocol, TypeVar, cast

import anyio

from ..errors import ClientClosedError, ProtocolError, ToolError
from .dispatch import CALLER, Dispatcher, Inbox, current_inbox

__all__ = ["BlockingCall", "LoopThread"]

_T = TypeVar("_T")
_P = ParamSpec("_P")
logger = logging.getLogger("mcpclient.sync")
_call_ids = itertools.count()


class BlockingCall(Protocol):
    """Run `await fn(*args, **kwargs)` on a client's loop thread and block until it is done."""

    def __call__(self, fn: Callable[_P, Awaitable[_T]], /, *args: _P.args, **kwargs: _P.kwargs) -> _T: ...


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
        # Calls submitted and not answered yet; whatever is left when the loop ends is answered then.
        self._inflight: dict[int, Inbox] = {}
        self._futures: set[concurrent.futures.Future[Any]] = set()  # `start()`ed, not done (for the leftovers)
        # Calls to start, taken by the loop in batches: with many threads calling while the loop is
        # busy, one wake-up starts them all. The wake-up is a byte written to our own pipe, which the
        # loop watches (cheaper than `call_soon_threadsafe`: no handle, no socket, no EAGAIN round);
        # `call_soon_threadsafe` where the loop cannot watch a pipe (Windows) or once it stopped.
        self._starts: collections.deque[Callable[[], None]] = collections.deque()
        self._starts_lock = threading.Lock()  # also guards `_wake_w`, so it is never written after close
        self._starts_scheduled = False
        self._wake_w: int | None = None
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
            self._answer_leftovers()
            self._started.set()

    def _answer_leftovers(self) -> None:
        """Fail the calls the stopped loop never answered (e.g. submitted just before it stopped)."""
        while True:
            try:
                call_id, inbox = self._inflight.popitem()
            except KeyError:
                return
            error = ClientClosedError("the client's event loop stopped before the request finished", server=self.name)
            inbox.queue.put(_Done(call_id, None, error))
        for future in list(self._futures):
            with contextlib.suppress(concurrent.futures.InvalidStateError):
                future.set_exception(ClientClosedError("the client's event loop stopped", server=self.name))

    async def _serve(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()
        self._stop_event = asyncio.Event()
        wake = self._open_wake_pipe(loop)
        self._started.set()
        try:
            await self._stop_event.wait()
        finally:
            if wake is not None:
                loop.remove_reader(wake[0])
                with self._starts_lock:
                    self._wake_w = None
                for fd in wake:
                    os.close(fd)

    def _open_wake_pipe(self, loop: asyncio.AbstractEventLoop) -> tuple[int, int] | None:
        if os.name != "posix":
            return None
        try:
            wake_r, wake_w = os.pipe()
        except OSError:
            return None
        try:
            os.set_blocking(wake_r, False)
            os.set_blocking(wake_w, False)
            loop.add_reader(wake_r, self._on_wake, wake_r)
        except (OSError, NotImplementedError):
            os.close(wake_r)
            os.close(wake_w)
            return None
        self._wake_w = wake_w
        return wake_r, wake_w

    def _on_wake(self, fd: int) -> None:
        try:  # noqa: SIM105 - the hot path
            os.read(fd, 4096)
        except (BlockingIOError, InterruptedError):
            pass
        self._run_starts()

    def is_alive(self) -> bool:
        return self._thread.is_alive() and self._loop is not None and not self._loop.is_closed()

    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[_P, Awaitable[_T]], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run `await fn(*args, **kwargs)` on the loop; block (serving handlers) until it is done.

        The hot path of every SyncClient method, so it is lean: the call is queued for the loop
        (one self-pipe wake-up per batch of calls, see `_start_soon`), and its task puts the outcome
        into the caller's inbox as its last step (a done-callback would cost another event-loop
        round before the caller wakes). docs/performance.md has the measurements.
        """
        thread = self._thread
        if threading.current_thread() is thread:
            raise RuntimeError(
                "a blocking SyncClient method was called from its own event-loop thread (e.g. inside an "
                "async handler); await the async Client (SyncClient.async_client) there instead"
            )
        loop = self._loop
        if loop is None or loop.is_closed() or not thread.is_alive():
            raise ClientClosedError("the client's event loop thread has stopped", server=self.name)
        inbox = current_inbox()
        put = inbox.queue.put
        call_id = next(_call_ids)
        inflight = self._inflight
        task_box: list[asyncio.Task[Any]] = []

        async def run() -> None:
            # Whoever takes the call out of `inflight` answers it (here, or `_answer_leftovers`);
            # a caller that gave up (Ctrl-C) took it out already and gets nothing.
            try:
                value = await fn(*args, **kwargs)
            except asyncio.CancelledError:
                if inflight.pop(call_id, None) is not None:
                    error = ClientClosedError("the request was cancelled (client closing)", server=self.name)
                    put(_Done(call_id, None, error))
                raise
            except BaseException as exc:  # KeyboardInterrupt/SystemExit too: the caller's, not the loop's
                if inflight.pop(call_id, None) is not None:
                    put(_Done(call_id, None, exc))
            else:
                if inflight.pop(call_id, None) is not None:
                    put(_Done(call_id, value, None))

        def start() -> None:
            if call_id not in inflight:
                return  # the caller gave up before the loop got to it
            try:
                context = self._context.copy()
                context.run(CALLER.set, inbox)
                task_box.append(loop.create_task(run(), context=context))
            except BaseException as exc:  # pragma: no cover - e.g. the loop is shutting down
                if inflight.pop(call_id, None) is not None:
                    put(_Done(call_id, None, exc))

        dispatcher = self.dispatcher
        dispatcher.begin(inbox)
        inflight[call_id] = inbox
        completed = False
        try:
            self._start_soon(loop, start)
            done = self._wait(inbox, call_id)
            completed = True
        except BaseException:
            # Ctrl-C (or any interruption) while blocked: cancel the request on the loop; the SDK sends
            # `notifications/cancelled` to the server. We do not wait for it, so the caller gets control back.
            if inflight.pop(call_id, None) is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_cancel, task_box)
            raise
        finally:
            dispatcher.end(inbox, completed=completed)
        if done.error is not None:
            raise _for_caller(done.error)
        value: _T = done.value
        return value

    def _start_soon(self, loop: asyncio.AbstractEventLoop, start: Callable[[], None]) -> None:
        """Queue `start` for the loop; wake the loop only if no wake-up is pending already."""
        self._starts.append(start)
        with self._starts_lock:
            if self._starts_scheduled:
                return
            self._starts_scheduled = True
            if self._wake_w is not None:
                try:  # noqa: SIM105 - the hot path
                    os.write(self._wake_w, b"\0")
                except BlockingIOError:  # the pipe is full of wake-ups already
                    pass
                return
        try:
            loop.call_soon_threadsafe(self._run_starts)
        except RuntimeError:  # the loop closed since the caller checked
            with self._starts_lock:
                self._starts_scheduled = False
            raise ClientClosedError("the client's event loop thread has stopped", server=self.name) from None

    def _run_starts(self) -> None:
        # Reset the flag before taking: a call queued after this point schedules another run.
        with self._starts_lock:
            self._starts_scheduled = False
        starts = self._starts
        while starts:
            starts.popleft()()

    def _wait(self, inbox: Inbox, call_id: int) -> _Done:
        if call_id in inbox.finished:
            finished: _Done = inbox.finished.pop(call_id)
            return finished
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
            # The handler may have made calls of its own, which stored this call's outcome if it came meanwhile.
            if inbox.finished and call_id in inbox.finished:
                finished = inbox.finished.pop(call_id)
                return finished

    def start(self, fn: Callable[..., Awaitable[_T]], *args: Any, **kwargs: Any) -> concurrent.futures.Future[_T]:
        """Start `fn(*args, **kwargs)` on the loop without blocking; its outcome as a future.

        For callers on another event loop (`SyncClient.aio` awaits it with `asyncio.wrap_future`).
        Cancelling the future cancels the task on the loop (the server is sent `notifications/cancelled`).
        Handlers of such calls have no blocked caller thread to run in (routing rules 3-4 in `dispatch`).
        """
        loop = self._loop
        if loop is None or loop.is_closed() or not self._thread.is_alive():
            raise ClientClosedError("the client's event loop thread has stopped", server=self.name)
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()
        futures = self._futures
        futures.add(future)
        future.add_done_callback(futures.discard)

        def settle(task: asyncio.Task[_T]) -> None:
            with contextlib.suppress(concurrent.futures.InvalidStateError):  # the caller cancelled meanwhile
                if task.cancelled():
                    closing = ClientClosedError("the request was cancelled (client closing)", server=self.name)
                    future.set_exception(closing)
                elif (error := task.exception()) is not None:
                    future.set_exception(error)
                else:
                    future.set_result(task.result())

        def begin() -> None:
            if future.cancelled():
                return
            try:
                task = loop.create_task(_as_coroutine(fn, args, kwargs), context=self._context.copy())
            except BaseException as exc:  # pragma: no cover - e.g. the loop is shutting down
                with contextlib.suppress(concurrent.futures.InvalidStateError):
                    future.set_exception(exc)
                return
            task.add_done_callback(settle)

            def forward_cancel(done: concurrent.futures.Future[_T]) -> None:
                if done.cancelled() and not task.done():
                    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                        loop.call_soon_threadsafe(task.cancel)

            future.add_done_callback(forward_cancel)

        try:
            loop.call_soon_threadsafe(begin)
        except RuntimeError:
            futures.discard(future)
            raise ClientClosedError("the client's event loop thread has stopped", server=self.name) from None
        return future

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


def _for_caller(error: BaseException) -> BaseException:
    """The error as the calling thread should see it.

    A server's answer (`ToolError`, `ProtocolError`) says all there is in its message: its
    frames on the loop thread (the engine's call path, six or more) would push the user's own
    line and the message off the screen of a notebook cell, so they are dropped. Any other error
    keeps its loop-side traceback (it may be our bug).
    """
    if isinstance(error, ToolError | ProtocolError):
        cause = error.__cause__
        while cause is not None:  # e.g. the SDK's `MCPError`: its message stays, its loop frames go
            cause.__traceback__ = None
            cause = cause.__cause__
        return error.with_traceback(None)
    return error


async def _as_coroutine(fn: Callable[..., Awaitable[_T]], args: tuple[Any, ...], kwargs: dict[str, Any]) -> _T:
    return await fn(*args, **kwargs)


def _cancel(task_box: list[asyncio.Task[Any]]) -> None:
    for task in task_box:
        task.cancel()
