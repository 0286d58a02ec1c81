"""Task-augmented requests (MCP 2025-11-25 "tasks"): `ToolTask`, `ResourceTask`, `PromptTask`.

```python
task = await client.call_tool("build", {"target": "all"}, task=True)   # returns at once
task.on_status_change(lambda status: print(status.status, status.status_message))
result = await task.result()        # waits until the task is terminal, then `tasks/result`
```

How it maps onto the wire (2025-11-25):

- `call_tool(..., task=True, ttl=...)` sends `tools/call` with `params.task = {ttl}`; the server
  answers `CreateTaskResult` and runs the tool in the background. `read_resource` and
  `get_prompt` accept `task=True` the same way (servers that support it; the 2025-11-25
  capability table only lists `tools/call`). A server that ignores the augmentation and
  answers with the ordinary result gets a task object that is already `completed`.
- `status()` is `tasks/get`; `result()` polls `tasks/get` at the server's suggested
  `pollInterval` (clamped to [10 ms, 5 s]; 500 ms when none) until the task is terminal or
  `input_required`, then sends `tasks/result`, which returns the underlying request's result
  (a tool's `isError` result raises `ToolError`, like `call_tool`); `cancel()` is `tasks/cancel`.
- Status-change callbacks (`on_status_change`) and `status_updates()` are fed by the same
  poller. `notifications/tasks/status` is optional for servers and SDK 2.3 drops it (it is
  not in the core notification tables; observing it needs a `ClientExtension` binding,
  which would advertise a made-up extension on every 2026-07-28 request), so polling is
  the mechanism; it is spec-compliant because receivers must not rely on those notifications.

On 2026-07-28 sessions tasks are the extension `io.modelcontextprotocol/tasks` (SEP-2663;
`mcpclient._tasks_ext` has the wire). The same objects work there, with what the extension
changes: the *server* decides per request whether a `tools/call` becomes a task (`task=True`
says the caller wants the handle; a call the server runs directly gives a task that is
already `completed`), only `tools/call` can be a task, the server picks the TTL (`ttl` and
`task_id` are not sent), `status()` is `tasks/get` whose answer carries the result inline,
`result()` polls and answers the task's input requests (`tasks/update`) with the client's
sampling/elicitation/roots handlers, `cancel()` is `tasks/cancel`, and there is no
`list_tasks`. A plain `call_tool` (no `task=True`) that the server turns into a task is
followed to its result transparently; if the caller gives up (timeout, Ctrl-C) the task is
cancelled. Every operation checks the negotiated session first and raises
`TasksNotSupportedError` when the server offers neither generation of tasks.

`SyncClient` returns `SyncToolTask` / `SyncResourceTask` / `SyncPromptTask` (`mcpclient.sync.tasks`):
the same methods, blocking, plus a blocking `status_updates(timeout=)` iterator.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, cast

import anyio

from ._arguments import tool_arguments
from ._session import Session, Timeout
from .errors import ProtocolError, TaskCancelledError, TasksNotSupportedError, TimeoutError
from .handlers.context import call_handler

if TYPE_CHECKING:
    import mcp
    from mcp import types

    from . import _tasks_ext as ext
    from .results import CallToolResult

__all__ = [
    "PromptTask",
    "ResourceTask",
    "StatusCallback",
    "Task",
    "TaskCancelledError",
    "TasksNotSupportedError",
    "ToolTask",
]

logger = logging.getLogger("mcpclient")

R = TypeVar("R")
TaskKind = Literal["tool", "resource", "prompt"]
StatusCallback = Callable[["types.Task"], "Awaitable[None] | None"]
"""`callback(status)`: a `mcp.types.Task` (task_id, status, status_message, poll_interval, ...)."""

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task"
_DIRECT = "executed without a task by the server"
_METHODS: dict[TaskKind, str] = {"tool": "tools/call", "resource": "resources/read", "prompt": "prompts/get"}


# ---------------------------------------------------------------------------------- wire helpers


def _check_support(session: Session, method: str, feature: str | None) -> None:
    """Raise `TasksNotSupportedError` unless the session's server offers tasks for `method` / `feature`."""
    if session.is_modern():
        _check_extension(session, method, feature)
        return
    result = session.initialize_result
    capabilities = result.capabilities if result is not None else None
    tasks = capabilities.tasks if capabilities is not None else None
    if tasks is None:
        raise TasksNotSupportedError(
            "the server does not advertise the 'tasks' capability", server=session.name, method=method
        )
    missing = False
    if feature == "list":
        missing = tasks.list is None
    elif feature == "cancel":
        missing = tasks.cancel is None
    elif feature == "tools/call":
        missing = tasks.requests is None or tasks.requests.tools is None or tasks.requests.tools.call is None
    if missing:
        raise TasksNotSupportedError(
            f"the server's 'tasks' capability does not include {feature!r}", server=session.name, method=method
        )


def _check_extension(session: Session, method: str, feature: str | None) -> None:
    """The 2026-07-28 rules: the server must offer the extension; `tools/call` tasks only; no `tasks/list`."""
    from . import _tasks_ext as ext  # the SDK's client-extension API: imported when tasks are used

    version = session.protocol_version
    if feature == "list":
        raise TasksNotSupportedError(
            f"{version} tasks (the {ext.EXTENSION_ID} extension) have no tasks/list: "
            "keep the ids of the tasks you start",
            server=session.name,
            method=method,
        )
    if method in ("resources/read", "prompts/get"):
        raise TasksNotSupportedError(
            f"on {version} sessions only tools/call can run as a task (the {ext.EXTENSION_ID} extension)",
            server=session.name,
            method=method,
        )
    result = session.initialize_result
    capabilities = result.capabilities if result is not None else None
    if ext.EXTENSION_ID not in ((capabilities.extensions if capabilities is not None else None) or {}):
        raise TasksNotSupportedError(
            f"the server does not offer tasks on this {version} session (no {ext.EXTENSION_ID} extension); "
            "a server with 2025-11-25 tasks offers them with mode='legacy'",
            server=session.name,
            method=method,
        )


def _parse_task(raw: Any, session: Session, method: str) -> types.Task:
    from mcp import types
    from pydantic import ValidationError

    try:
        return types.Task.model_validate(raw, by_name=False)
    except ValidationError as exc:
        raise ProtocolError(f"server sent an invalid task: {exc}", server=session.name, method=method) from None


def _parse_payload(
    raw: Mapping[str, Any], kind: TaskKind | None, session: Session, method: str
) -> types.CallToolResult | types.ReadResourceResult | types.GetPromptResult:
    """The original request's result from a `tasks/result` (or immediate) payload."""
    from mcp import types
    from pydantic import ValidationError

    if kind is None:
        kind = (
            "tool" if "content" in raw else "resource" if "contents" in raw else "prompt" if "messages" in raw else None
        )
    model: type[types.CallToolResult | types.ReadResourceResult | types.GetPromptResult]
    if kind == "tool":
        model = types.CallToolResult
    elif kind == "resource":
        model = types.ReadResourceResult
    elif kind == "prompt":
        model = types.GetPromptResult
    else:
        raise ProtocolError(
            f"cannot tell which request the task result belongs to (keys: {sorted(raw)})",
            server=session.name,
            method=method,
        )
    try:
        return model.model_validate(dict(raw), by_name=False)
    except ValidationError as exc:
        raise ProtocolError(f"server sent an invalid task result: {exc}", server=session.name, method=method) from None


def _synthetic_task(
    status: Literal["completed", "failed", "cancelled"], message: str | None = None, task_id: str | None = None
) -> types.Task:
    """A local stand-in when the server answered a task-augmented request directly (or forgot the task)."""
    from mcp import types

    now = datetime.now(UTC).isoformat()
    return types.Task(
        task_id=task_id or f"local-{uuid.uuid4().hex}",
        status=status,
        status_message=message,
        created_at=now,
        last_updated_at=now,
        ttl=None,
    )


# ------------------------------------------------------------------------- Client operations


async def get_task_status(session: Session, task_id: str, timeout: Timeout) -> types.GetTaskResult:
    """`tasks/get`."""
    from mcp import types

    if session.is_modern():
        detailed = await get_detailed_task(session, task_id, timeout)
        return types.GetTaskResult.model_validate(detailed.as_task().model_dump())

    async def op(sdk: mcp.Client) -> types.GetTaskResult:
        _check_support(session, "tasks/get", None)
        request = types.GetTaskRequest(params=types.GetTaskRequestParams(task_id=task_id))
        return await sdk.session.send_request(request, types.GetTaskResult)

    return await session.request(f"tasks/get {task_id!r}", op, timeout)


async def get_detailed_task(session: Session, task_id: str, timeout: Timeout) -> ext.DetailedTask:
    """`tasks/get` on a 2026-07-28 session: the task with its result, error or input requests inline."""
    from . import _tasks_ext as ext  # the SDK's client-extension API: imported when tasks are used

    async def op(sdk: mcp.Client) -> ext.DetailedTask:
        _check_support(session, "tasks/get", None)
        return await ext.get(sdk.session, task_id)

    return await session.request(f"tasks/get {task_id!r}", op, timeout)


async def get_task_payload(session: Session, task_id: str, timeout: Timeout) -> dict[str, Any]:
    """The raw result of the original request once the task is terminal.

    2025-11-25: `tasks/result` (the server blocks until then). 2026-07-28: `tasks/get` at the
    server's interval, answering the task's input requests, until it is terminal.
    """
    if session.is_modern():
        from . import _tasks_ext as ext

        async def follow(sdk: mcp.Client) -> dict[str, Any]:
            _check_support(session, "tasks/get", None)
            first = await ext.get(sdk.session, task_id)
            return ext.outcome(await ext.drive(sdk.session, first, session.name), session.name)

        return await session.request(f"tasks/get {task_id!r}", follow, timeout)

    async def op(sdk: mcp.Client) -> dict[str, Any]:
        _check_support(session, "tasks/result", None)
        return await session.send_raw(sdk, "tasks/result", {"taskId": task_id})

    return await session.request(f"tasks/result {task_id!r}", op, timeout)


async def get_task_result(
    session: Session, task_id: str, timeout: Timeout
) -> types.CallToolResult | types.ReadResourceResult | types.GetPromptResult:
    """`tasks/result`, typed by the payload's shape (tool, resource or prompt result)."""
    raw = await get_task_payload(session, task_id, timeout)
    return _parse_payload(raw, None, session, "tasks/result")


async def list_tasks(
    session: Session, cursor: str | None, limit: int | None, timeout: Timeout
) -> types.ListTasksResult:
    """`tasks/list` from `cursor`, following pages until `limit` tasks are collected (whole pages)."""
    from mcp import types

    async def op(sdk: mcp.Client) -> types.ListTasksResult:
        _check_support(session, "tasks/list", "list")
        collected: list[types.Task] = []
        next_cursor, seen = cursor, set[str]()
        while True:
            params = types.PaginatedRequestParams(cursor=next_cursor) if next_cursor else None
            page = await sdk.session.send_request(types.ListTasksRequest(params=params), types.ListTasksResult)
            collected.extend(page.tasks)
            next_cursor = page.next_cursor
            if not next_cursor or next_cursor in seen or (limit is not None and len(collected) >= limit):
                return types.ListTasksResult(tasks=collected, next_cursor=next_cursor)
            seen.add(next_cursor)

    return await session.request("tasks/list", op, timeout)


async def cancel_task(session: Session, task_id: str, timeout: Timeout) -> types.CancelTaskResult:
    """`tasks/cancel`; the task's status after it."""
    from mcp import types

    if session.is_modern():
        return await _cancel_modern(session, task_id, timeout)

    async def op(sdk: mcp.Client) -> types.CancelTaskResult:
        _check_support(session, "tasks/cancel", "cancel")
        request = types.CancelTaskRequest(params=types.CancelTaskRequestParams(task_id=task_id))
        return await sdk.session.send_request(request, types.CancelTaskResult)

    return await session.request(f"tasks/cancel {task_id!r}", op, timeout)


async def _cancel_modern(session: Session, task_id: str, timeout: Timeout) -> types.CancelTaskResult:
    """`tasks/cancel` answers an empty acknowledgement: the status is a `tasks/get` after it.

    Cancellation is cooperative, so the status may still be `working` (or even `completed`).
    A server may forget a cancelled task at once; then the status is reported `cancelled`.
    """
    from mcp import MCPError, types
    from mcp_types import INVALID_PARAMS

    from . import _tasks_ext as ext

    async def op(sdk: mcp.Client) -> types.CancelTaskResult:
        _check_support(session, "tasks/cancel", "cancel")
        await ext.cancel(sdk.session, task_id)
        try:
            status = (await ext.get(sdk.session, task_id)).as_task()
        except MCPError as exc:
            if exc.code != INVALID_PARAMS:
                raise
            status = _synthetic_task("cancelled", "cancelled; the server no longer knows the task", task_id)
        return types.CancelTaskResult.model_validate(status.model_dump())

    return await session.request(f"tasks/cancel {task_id!r}", op, timeout)


async def _create(
    session: Session,
    method: str,
    label: str,
    params: dict[str, Any],
    *,
    task_id: str | None,
    ttl: int | None,
    timeout: Timeout,
) -> tuple[types.Task, dict[str, Any] | None]:
    """Send a task-augmented request: (the created task, None) or (a synthetic task, the direct result)."""
    metadata: dict[str, Any] = {}
    if ttl is not None:
        metadata["ttl"] = ttl
    if task_id is not None:
        metadata["taskId"] = task_id  # a hint from early drafts; 2025-11-25 servers assign their own id

    async def op(sdk: mcp.Client) -> tuple[types.Task, dict[str, Any] | None]:
        _check_support(session, method, "tools/call" if method == "tools/call" else None)
        if session.is_modern():
            return await _create_modern(sdk, params)
        raw = await session.send_raw(sdk, method, {**params, "task": metadata})
        if isinstance(raw.get("task"), Mapping):
            return _parse_task(raw["task"], session, method), None
        # The server ran the request directly (it does not support tasks for it): a finished task.
        return _synthetic_task("failed" if raw.get("isError") else "completed", _DIRECT), raw

    return await session.request(label, op, timeout)


async def _create_modern(sdk: mcp.Client, params: dict[str, Any]) -> tuple[types.Task, dict[str, Any] | None]:
    """2026-07-28: a plain `tools/call` declaring the extension; the server decides whether it becomes a task.

    The SDK's `call_tool` still runs the multi-round-trip input rounds and the output-schema
    check of a direct result; `keep_task_handle` makes the extension hand back a task instead
    of following it.
    """
    from . import _tasks_ext as ext

    with ext.keep_task_handle() as handles:
        direct = await sdk.call_tool(params["name"], params.get("arguments"), meta=params.get("_meta"))
    if handles:
        return handles[0].as_task(), None
    payload = direct.model_dump(by_alias=True, mode="json", exclude_none=True)
    return _synthetic_task("failed" if direct.is_error else "completed", _DIRECT), payload


async def start_tool_task(
    session: Session,
    name: str,
    arguments: Mapping[str, Any] | None,
    *,
    timeout: Timeout,
    raise_on_error: bool,
    meta: Mapping[str, Any] | None,
    task_id: str | None,
    ttl: int | None,
) -> ToolTask:
    params: dict[str, Any] = {"name": name}
    if (args := tool_arguments(name, arguments, server=session.name)) is not None:  # checked before sending
        params["arguments"] = args
    if request_meta := session.request_meta(meta):
        params["_meta"] = request_meta
    status, direct = await _create(
        session, "tools/call", f"tools/call {name!r}", params, task_id=task_id, ttl=ttl, timeout=timeout
    )
    return ToolTask(session, status, name=name, raise_on_error=raise_on_error, direct=direct)


async def start_resource_task(
    session: Session, uri: str, *, timeout: Timeout, task_id: str | None, ttl: int | None
) -> ResourceTask:
    params: dict[str, Any] = {"uri": str(uri)}
    if request_meta := session.request_meta(None):
        params["_meta"] = request_meta
    status, direct = await _create(
        session, "resources/read", f"resources/read {uri!r}", params, task_id=task_id, ttl=ttl, timeout=timeout
    )
    return ResourceTask(session, status, uri=str(uri), direct=direct)


async def start_prompt_task(
    session: Session,
    name: str,
    arguments: dict[str, str] | None,
    *,
    timeout: Timeout,
    task_id: str | None,
    ttl: int | None,
) -> PromptTask:
    params: dict[str, Any] = {"name": name}
    if arguments is not None:
        params["arguments"] = arguments
    if request_meta := session.request_meta(None):
        params["_meta"] = request_meta
    status, direct = await _create(
        session, "prompts/get", f"prompts/get {name!r}", params, task_id=task_id, ttl=ttl, timeout=timeout
    )
    return PromptTask(session, status, name=name, direct=direct)


# ---------------------------------------------------------------------------------- task objects


def _poll_seconds(status: types.Task) -> float:
    from ._tasks_ext import poll_seconds

    return poll_seconds(status.poll_interval)


class Task(Generic[R]):
    """A request running on the server as a task. Await it (or `result()`) for its result.

    `task_id` is the server's id; `last_status` the most recent status seen (a `mcp.types.Task`).
    Methods must be used on the event loop of the client that created the task.
    """

    kind: ClassVar[TaskKind]

    def __init__(self, session: Session, status: types.Task, *, direct: Mapping[str, Any] | None = None) -> None:
        self.session = session
        self.task_id = status.task_id
        self._last: types.Task = status
        self._observed_at = time.monotonic()
        self._direct = dict(direct) if direct is not None else None
        self._payload: dict[str, Any] | None = self._direct
        #: 2026-07-28 (the tasks extension): `tasks/get` carries the outcome and the input requests inline.
        self._modern = session.is_modern()
        self._detailed: ext.DetailedTask | None = None
        self._answered: set[str] = set()
        self._callbacks: list[StatusCallback] = []
        self._changed: anyio.Event | None = None
        self._watching = False
        self._watch_error: BaseException | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.task_id!r} {self._last.status} on {self.session.name!r}>"

    @property
    def last_status(self) -> types.Task:
        """The most recent status seen (no request)."""
        return self._last

    @property
    def is_done(self) -> bool:
        """Whether the last status seen is terminal (completed, failed or cancelled)."""
        return self._last.status in TERMINAL_STATUSES

    @property
    def executed_directly(self) -> bool:
        """True when the server ignored the task augmentation and answered with the result at once."""
        return self._direct is not None

    # --- status

    async def status(self, *, timeout: Timeout = None) -> types.Task:
        """Ask the server for the current status (`tasks/get`)."""
        if self._direct is not None:
            return self._last
        return await self._fetch(timeout)

    async def wait(self, *, timeout: Timeout = None) -> types.Task:
        """Wait until the task is terminal; its final status. Raises `mcpclient.TimeoutError` after `timeout`."""
        await self._wait_until(lambda: self.is_done, timeout)
        return self._last

    async def cancel(self, *, timeout: Timeout = None) -> types.Task:
        """Ask the server to cancel the task (`tasks/cancel`); its new status."""
        if self._direct is not None:
            return self._last
        result = await cancel_task(self.session, self.task_id, timeout)
        await self._observe(result)
        return result

    def on_status_change(self, callback: StatusCallback) -> StatusCallback:
        """Call `callback(status)` (plain or async) whenever the status changes; usable as a decorator.

        Starts a background poller (owned by the session) while the task is not terminal.
        """
        self._callbacks.append(callback)
        if not self.is_done:
            self._start_watcher()
        return callback

    def remove_status_callback(self, callback: StatusCallback) -> None:
        """Stop calling `callback`."""
        with contextlib.suppress(ValueError):
            self._callbacks.remove(callback)

    async def status_updates(self) -> AsyncIterator[types.Task]:
        """The current status, then each new status until a terminal one (intermediate ones may coalesce)."""
        seen = self._last
        yield seen
        while seen.status not in TERMINAL_STATUSES:
            await self._wait_until(functools.partial(self._changed_from, seen), None)
            seen = self._last
            yield seen

    def _changed_from(self, status: types.Task) -> bool:
        return self._last is not status

    # --- result

    async def result(self, *, timeout: Timeout = None) -> R:
        """Wait until the task is done and return the original request's result.

        Raises what the original request would have (`ToolError` for a failed tool unless
        `raise_on_error=False`, `ProtocolError` for a JSON-RPC error), `TaskCancelledError`
        for a cancelled task, `mcpclient.TimeoutError` after `timeout` seconds.
        """
        if self._payload is None:
            limit = self.session.timeout_for(timeout) if timeout is not None else None
            with anyio.move_on_after(limit) as scope:
                if self._modern:
                    self._payload = await self._follow()
                    return await self._convert(self._payload)
                await self._wait_until(lambda: self.is_done or self._last.status == "input_required", None)
                if self._last.status == "cancelled":
                    raise self._cancelled("tasks/result")
                # input_required: `tasks/result` is where the server's questions arrive (answered by
                # the client's sampling/elicitation handlers); it returns once the task is done.
                self._payload = await get_task_payload(self.session, self.task_id, None)
            if self._payload is None and scope.cancelled_caught:
                raise TimeoutError(
                    f"task {self.task_id!r} not done after {limit}s",
                    timeout=limit,
                    server=self.session.name,
                    method="tasks/result",
                )
            assert self._payload is not None
        return await self._convert(self._payload)

    async def _follow(self) -> dict[str, Any]:
        """2026-07-28: wait until terminal, answering input requests (in the caller's context, so
        SyncClient handlers run in the caller's thread); the result payload or the task's error."""
        from . import _tasks_ext as ext

        while not self.is_done:
            await self._wait_until(lambda: self.is_done or bool(self._unanswered()), None)
            if self._unanswered() and self._detailed is not None:
                await self._answer(self._detailed)
                await self._fetch(None)  # the server may have moved on already
        if self._last.status == "cancelled":
            raise self._cancelled("tasks/get")
        if self._payload is not None:
            return self._payload
        detailed = self._detailed
        if detailed is None or detailed.status != "failed":  # e.g. cancelled via `cancel()` elsewhere, then forgotten
            detailed = await get_detailed_task(self.session, self.task_id, None)
        try:
            return ext.outcome(detailed, self.session.name)
        except Exception as exc:
            raise self.session.translate(exc, self._request_label(), None) from None

    def _cancelled(self, method: str) -> TaskCancelledError:
        message = self._last.status_message or "the task was cancelled"
        return TaskCancelledError(
            f"task {self.task_id!r}: {message}", task=self._last, server=self.session.name, method=method
        )

    def _request_label(self) -> str:
        """The original request, as errors name it."""
        return _METHODS[self.kind]

    async def _answer(self, detailed: ext.DetailedTask) -> None:
        from . import _tasks_ext as ext

        label = f"tasks/update {self.task_id!r}"
        await self.session.request(
            label, lambda sdk: ext.answer(sdk.session, detailed, self._answered, self.session.name)
        )

    def _unanswered(self) -> set[str]:
        detailed = self._detailed
        if self._last.status != "input_required" or detailed is None:
            return set()
        return set(detailed.input_requests or {}) - self._answered

    def __await__(self) -> Generator[Any, None, R]:
        return self.result().__await__()

    async def _convert(self, payload: Mapping[str, Any]) -> R:
        raise NotImplementedError

    # --- the poller

    def _event(self) -> anyio.Event:
        if self._changed is None:
            self._changed = anyio.Event()
        return self._changed

    def _wake(self) -> None:
        event, self._changed = self._changed, None
        if event is not None:
            event.set()

    async def _fetch(self, timeout: Timeout) -> types.Task:
        """Ask the server for the status (`tasks/get`) and observe it."""
        if self._modern:
            detailed = await get_detailed_task(self.session, self.task_id, timeout)
            status = detailed.as_task()
            await self._observe(status, detailed)
            return status
        current = await get_task_status(self.session, self.task_id, timeout)
        await self._observe(current)
        return current

    async def _observe(self, status: types.Task, detailed: ext.DetailedTask | None = None) -> None:
        previous = self._last
        self._observed_at = time.monotonic()
        if previous.status in TERMINAL_STATUSES:
            return  # terminal is final; a late answer must not move it back
        new_inputs = False
        if detailed is not None:
            before = self._detailed.input_requests if self._detailed is not None else None
            new_inputs = set(detailed.input_requests or {}) != set(before or {})
            self._detailed = detailed
            if detailed.status == "completed" and self._payload is None:
                self._payload = dict(detailed.result or {})
        if (status.status, status.status_message) == (previous.status, previous.status_message):
            if new_inputs:
                self._wake()
            return
        self._last = status
        self._wake()
        for callback in list(self._callbacks):
            try:
                await call_handler(callback, status)
            except Exception:
                logger.exception("task status callback failed (server %s, task %s)", self.session.name, self.task_id)

    async def _poll_once(self) -> None:
        delay = _poll_seconds(self._last) - (time.monotonic() - self._observed_at)
        if delay > 0:
            await anyio.sleep(delay)
        await self._fetch(None)

    async def _watch(self) -> None:
        try:
            while not self.is_done:
                await self._poll_once()
        except Exception as exc:
            self._watch_error = exc
        finally:
            self._watching = False
            self._wake()

    def _start_watcher(self) -> bool:
        """Run the poller in the session's task group (it ends with the session). False if not connected."""
        if self._watching:
            return True
        self._watching = self.session.spawn(self._watch)
        return self._watching

    async def _wait_until(self, done: Callable[[], bool], timeout: Timeout) -> None:
        limit = self.session.timeout_for(timeout) if timeout is not None else None
        with anyio.move_on_after(limit) as scope:
            while not done():
                if self._direct is not None:
                    return
                if self._watch_error is not None:
                    error, self._watch_error = self._watch_error, None
                    raise error
                event = self._event()
                if self._start_watcher():
                    await event.wait()
                else:
                    await self._poll_once()  # not connected yet: poll here (connects lazily or raises)
        if scope.cancelled_caught and not done():
            raise TimeoutError(
                f"task {self.task_id!r} still {self._last.status} after {limit}s",
                timeout=limit,
                server=self.session.name,
                method="tasks/get",
            )


class ToolTask(Task["CallToolResult"]):
    """A tool call running as a task; `result()` gives the `CallToolResult` `call_tool` would have."""

    kind = "tool"

    def __init__(
        self,
        session: Session,
        status: types.Task,
        *,
        name: str,
        raise_on_error: bool = True,
        direct: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(session, status, direct=direct)
        self.name = name
        self.raise_on_error = raise_on_error

    def _request_label(self) -> str:
        return f"tools/call {self.name!r}"

    async def _convert(self, payload: Mapping[str, Any]) -> CallToolResult:
        raw = cast("types.CallToolResult", _parse_payload(payload, "tool", self.session, "tasks/result"))
        if not raw.is_error:
            # What the SDK does for a direct call: check structured content against the output schema.
            await self.session.request(
                f"tools/call {self.name!r}", lambda sdk: sdk.session.validate_tool_result(self.name, raw)
            )
        return await self.session.tool_result(self.name, raw, self.raise_on_error, None)


class ResourceTask(Task["list[types.TextResourceContents | types.BlobResourceContents]"]):
    """A resource read running as a task; `result()` gives the contents `read_resource` would have."""

    kind = "resource"

    def __init__(
        self, session: Session, status: types.Task, *, uri: str, direct: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(session, status, direct=direct)
        self.uri = uri

    async def _convert(
        self, payload: Mapping[str, Any]
    ) -> list[types.TextResourceContents | types.BlobResourceContents]:
        raw = cast("types.ReadResourceResult", _parse_payload(payload, "resource", self.session, "tasks/result"))
        return list(raw.contents)


class PromptTask(Task["types.GetPromptResult"]):
    """A prompt request running as a task; `result()` gives the `GetPromptResult`."""

    kind = "prompt"

    def __init__(
        self, session: Session, status: types.Task, *, name: str, direct: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(session, status, direct=direct)
        self.name = name

    async def _convert(self, payload: Mapping[str, Any]) -> types.GetPromptResult:
        return cast("types.GetPromptResult", _parse_payload(payload, "prompt", self.session, "tasks/result"))
