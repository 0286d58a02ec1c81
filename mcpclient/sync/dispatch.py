"""Run user handlers in the caller's thread, never on the loop thread.

Every thread that blocks in a SyncClient call owns an *inbox* (a `SimpleQueue`). While it
waits, it serves its inbox: the result of its call arrives there, and so do the handler
calls routed to it (the idea of asgiref's `CurrentThreadExecutor`). A handler therefore
runs in the caller's thread with the caller's contextvars — thread-locals, Flask/Django
request state and notebook output all work — and may call the same SyncClient again.

Routing, in order (the rule documented in docs/handlers.md):
1. a handler bound to a call (a per-call progress handler) goes to the thread that made it;
2. a callback raised inside a caller's own request task (2026-07-28 `input_required`
   rounds, in-process servers) goes to that caller, identified by a context variable;
3. otherwise (legacy server requests and log lines carry no link to a request) the
   longest-waiting caller that is not already running a handler, then any waiting caller;
4. with no caller waiting, one handler thread runs them in arrival order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["CALLER", "Dispatcher", "Inbox", "current_inbox"]

logger = logging.getLogger("mcpclient.sync")

#: The inbox of the caller whose request task is running (set in each submitted task's context).
CALLER: contextvars.ContextVar[Inbox | None] = contextvars.ContextVar("mcpclient_caller", default=None)


class Inbox:
    """One thread's queue of work while it waits in SyncClient calls."""

    __slots__ = ("__weakref__", "busy", "depth", "finished", "queue", "thread_name")

    def __init__(self) -> None:
        # A SimpleQueue: measured against a pipe whose write wakes the waiter after releasing the GIL
        # (fewer context switches on a saturated machine, but slower on a quiet one and under
        # concurrency, where SimpleQueue's wake-ups batch behind the loop thread); docs/performance.md.
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.depth = 0  # blocking calls in progress in this thread (nested when a handler calls back)
        self.busy = 0  # handlers running in this thread right now
        self.finished: dict[int, Any] = {}  # outcomes of outer calls that completed during a nested wait
        self.thread_name = threading.current_thread().name

    def __repr__(self) -> str:
        return f"<Inbox {self.thread_name} depth={self.depth}>"


_local = threading.local()


def current_inbox() -> Inbox:
    """This thread's inbox."""
    inbox: Inbox | None = getattr(_local, "inbox", None)
    if inbox is None:
        inbox = _local.inbox = Inbox()
    return inbox


class _Work:
    """A handler call waiting to run in some thread; `future` is None for fire-and-forget."""

    __slots__ = ("args", "fn", "future")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], future: concurrent.futures.Future[Any] | None):
        self.fn = fn
        self.args = args
        self.future = future

    def run(self) -> None:
        future = self.future
        if future is not None and not future.set_running_or_notify_cancel():
            return
        try:
            result = self.fn(*self.args)
        except BaseException as exc:
            if future is None:
                logger.exception("handler %s failed", getattr(self.fn, "__qualname__", self.fn))
            else:
                future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        if future is not None:
            future.set_result(result)

    def abandon(self) -> None:
        if self.future is not None:
            self.future.cancel()


class Dispatcher:
    """Chooses the thread for each handler call and hands the work over."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._waiting: dict[Inbox, None] = {}  # insertion order = longest waiting first
        self._fallback: queue.SimpleQueue[_Work | None] | None = None
        self._fallback_thread: threading.Thread | None = None

    # --- caller side -------------------------------------------------------------

    def begin(self, inbox: Inbox) -> None:
        with self._lock:
            inbox.depth += 1
            if inbox.depth == 1:
                self._waiting[inbox] = None

    def end(self, inbox: Inbox, *, completed: bool) -> None:
        """Leave a blocking call; leftover work runs here (or, after an error, on the handler thread)."""
        with self._lock:
            inbox.depth -= 1
            if inbox.depth:
                return
            del self._waiting[inbox]
        # Nothing can be posted to this inbox any more; whatever is left was meant for this caller.
        # (Only this thread takes from its inbox, so `empty()` is exact here.)
        pending = inbox.queue
        while not pending.empty():
            item = pending.get_nowait()
            if isinstance(item, _Work):
                if completed:
                    self.run_here(inbox, item)
                else:
                    self._to_fallback(item)

    def run_here(self, inbox: Inbox, work: _Work) -> None:
        inbox.busy += 1
        try:
            work.run()
        finally:
            inbox.busy -= 1

    # --- loop side ---------------------------------------------------------------

    def post(
        self, fn: Callable[..., Any], args: tuple[Any, ...], target: Inbox | None, wait: bool
    ) -> concurrent.futures.Future[Any] | None:
        """Queue `fn(*args)` for a caller thread (see module docs); returns its future when `wait`."""
        work = _Work(fn, args, concurrent.futures.Future() if wait else None)
        with self._lock:
            inbox = target if target is not None and target.depth else None
            if inbox is None and self._waiting:
                inbox = next((i for i in self._waiting if not i.busy), None) or next(iter(self._waiting))
            if inbox is not None:
                inbox.queue.put(work)
                return work.future
        self._to_fallback(work)
        return work.future

    def _to_fallback(self, work: _Work) -> None:
        with self._lock:
            if self._fallback is None:
                self._fallback = queue.SimpleQueue()
                self._fallback_thread = threading.Thread(
                    target=self._serve_fallback,
                    args=(self._fallback,),
                    name=f"mcpclient-handlers-{self._name}",
                    daemon=True,
                )
                self._fallback_thread.start()
            self._fallback.put(work)

    @staticmethod
    def _serve_fallback(inbox: queue.SimpleQueue[_Work | None]) -> None:
        while (work := inbox.get()) is not None:
            try:
                work.run()
            except BaseException:  # a handler's SystemExit must not kill the handler thread silently
                logger.exception("handler raised a BaseException on the handler thread")

    def reset_after_fork(self) -> None:
        """Forget the parent's waiting threads and handler thread (they do not exist in a forked child)."""
        self._lock = threading.Lock()
        self._waiting = {}
        self._fallback = self._fallback_thread = None
        _local.__dict__.pop("inbox", None)

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the handler thread after the work already queued."""
        with self._lock:
            fallback, thread = self._fallback, self._fallback_thread
            self._fallback = self._fallback_thread = None
        if fallback is not None and thread is not None:
            fallback.put(None)
            if thread is not threading.current_thread():
                thread.join(timeout)

    # --- adapters: user functions as the async handlers the engine awaits ----------

    def adapt(self, fn: Any, *, wait: bool, bind: bool = False) -> Any:
        """An async callable that runs plain function `fn` in a caller thread; async `fn` is returned as is.

        `wait=False` (logs, progress) queues and returns at once so the loop never blocks on a handler;
        `bind=True` routes every call to the thread calling `adapt` (per-call handlers).
        """
        if fn is None or _is_async(fn):
            return fn
        bound = current_inbox() if bind else None

        @functools.wraps(fn)
        async def handler(*args: Any) -> Any:
            future = self.post(fn, args, bound or CALLER.get(), wait)
            if future is None:
                return None
            return await asyncio.wrap_future(future)

        return handler


def _is_async(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))  # noqa: B004
