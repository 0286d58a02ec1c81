"""The blocking faces of tasks: what `SyncClient` returns for `task=True`.

Each method crosses to the loop thread through the client's blocking call; the task logic
lives once, in `mcpclient.tasks`.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..results import CallToolResult
from ..tasks import TERMINAL_STATUSES, PromptTask, ResourceTask, StatusCallback, Task, ToolTask
from .dispatch import Dispatcher
from .loop import BlockingCall

if TYPE_CHECKING:
    from mcp import types

    from .._session import Timeout

__all__ = ["StatusUpdates", "SyncPromptTask", "SyncResourceTask", "SyncTask", "SyncToolTask", "blocking"]

R = TypeVar("R")
_T = TypeVar("_T")


async def _run(fn: Callable[[_T], Any], arg: _T) -> None:
    fn(arg)  # on the loop thread: registering a callback touches loop-owned state


class SyncTask(Generic[R]):
    """The blocking face of a `Task` (what `SyncClient` returns for `task=True`)."""

    def __init__(self, task: Task[R], call: BlockingCall, dispatcher: Dispatcher) -> None:
        self.task = task
        self._call = call
        self._dispatch = dispatcher

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.task.task_id!r} {self.task.last_status.status}>"

    @property
    def task_id(self) -> str:
        return self.task.task_id

    @property
    def last_status(self) -> types.Task:
        """The most recent status seen (no request)."""
        return self.task.last_status

    @property
    def is_done(self) -> bool:
        return self.task.is_done

    @property
    def executed_directly(self) -> bool:
        return self.task.executed_directly

    def status(self, *, timeout: Timeout = None) -> types.Task:
        """Ask the server for the current status (`tasks/get`)."""
        return self._call(self.task.status, timeout=timeout)

    def wait(self, *, timeout: Timeout = None) -> types.Task:
        """Block until the task is terminal; its final status."""
        return self._call(self.task.wait, timeout=timeout)

    def result(self, *, timeout: Timeout = None) -> R:
        """Block until the task is done; the original request's result (see `Task.result`)."""
        return self._call(self.task.result, timeout=timeout)

    def cancel(self, *, timeout: Timeout = None) -> types.Task:
        """Cancel the task (`tasks/cancel`); its new status."""
        return self._call(self.task.cancel, timeout=timeout)

    def on_status_change(self, callback: StatusCallback) -> StatusCallback:
        """Call `callback(status)` on each status change: a plain function runs in a caller thread
        (one blocked in this client, else the handler thread), never on the loop thread."""
        self._call(_run, self.task.on_status_change, self._dispatch.adapt(callback, wait=False))
        return callback

    def status_updates(self, *, timeout: float | None = None) -> StatusUpdates:
        """A blocking iterator: the current status, then each change, ending after a terminal one.

        `timeout`: seconds to wait for the next change; the iteration ends (StopIteration) when it passes.
        """
        return StatusUpdates(self.task, self._call, timeout)


class SyncToolTask(SyncTask[CallToolResult]):
    """Blocking `ToolTask`."""

    task: ToolTask

    @property
    def name(self) -> str:
        return self.task.name


class SyncResourceTask(SyncTask["list[types.TextResourceContents | types.BlobResourceContents]"]):
    """Blocking `ResourceTask`."""

    task: ResourceTask

    @property
    def uri(self) -> str:
        return self.task.uri


class SyncPromptTask(SyncTask["types.GetPromptResult"]):
    """Blocking `PromptTask`."""

    task: PromptTask

    @property
    def name(self) -> str:
        return self.task.name


_END = object()


class StatusUpdates(Iterator["types.Task"]):
    """Blocking iterator of a task's statuses (see `SyncTask.status_updates`). Close it (or leave
    the `for`/`with`) to stop listening; it closes itself after a terminal status or a timeout."""

    def __init__(self, task: Task[Any], call: BlockingCall, timeout: float | None) -> None:
        self._task = task
        self._timeout = timeout
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._queue.put(task.last_status)
        # The task holds the callback, the callback only a weak reference to this iterator:
        # an iterator abandoned without close() is garbage-collected (and then unregistered).
        this = weakref.ref(self)

        async def push(status: types.Task) -> None:  # on the loop thread: never blocks
            updates = this()
            if updates is not None:
                updates._push(status)

        self._callback = push
        if task.is_done:
            self._queue.put(_END)
        else:
            call(_run, task.on_status_change, push)

    def _push(self, status: types.Task) -> None:
        self._queue.put(status)
        if status.status in TERMINAL_STATUSES:
            self._queue.put(_END)

    def __iter__(self) -> StatusUpdates:
        return self

    def __next__(self) -> types.Task:
        if self._closed:
            raise StopIteration
        try:
            item = self._queue.get(timeout=self._timeout)
        except queue.Empty:
            self.close()
            raise StopIteration from None
        if item is _END:
            self.close()
            raise StopIteration
        status: types.Task = item
        return status

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._task.remove_status_callback(self._callback)

    def __enter__(self) -> StatusUpdates:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_callback", None) is not None:
            self.close()


def blocking(value: _T, call: BlockingCall, dispatcher: Dispatcher) -> _T | SyncTask[Any]:
    """`SyncClient`'s face of a `Client` result: tasks become their blocking counterparts."""
    if isinstance(value, ToolTask):
        return SyncToolTask(value, call, dispatcher)
    if isinstance(value, ResourceTask):
        return SyncResourceTask(value, call, dispatcher)
    if isinstance(value, PromptTask):
        return SyncPromptTask(value, call, dispatcher)
    return value
