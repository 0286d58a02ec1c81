"""The tasks extension of MCP 2026-07-28 (`io.modelcontextprotocol/tasks`, SEP-2663), on the wire.

2026-07-28 moved tasks out of the core protocol into this extension, with a new wire shape:

- the client declares the extension in its per-request capabilities; the server then *may*
  answer a `tools/call` with `CreateTaskResult` (`resultType: "task"`) instead of the result —
  the server alone decides, per request;
- `tasks/get` returns the task with its outcome inline (`result`, `error`, or the
  `inputRequests` it is waiting on); there is no blocking `tasks/result` and no `tasks/list`;
- `tasks/update` carries `inputResponses` to a task in `input_required`; `tasks/cancel` asks
  the server to stop (an empty acknowledgement; cancellation is cooperative);
- over Streamable HTTP each `tasks/*` request carries the task id in the `Mcp-Name` header.

`TasksExtension` plugs this into the SDK's client-extension API (a `ResultClaim` on
`tools/call`), so a plain `call_tool` that the server turns into a task is followed to its
end transparently — the spec's backwards-compatibility path — and `keep_task_handle()` lets
`call_tool(task=True)` receive the handle instead. Input requests of a task are answered with
the same callbacks as any server-to-client request (`ClientSession.dispatch_input_request`),
each key once. Status pushes (`notifications/tasks` over `subscriptions/listen`) are optional
for servers and not used: polling at the server's `pollIntervalMs` is the mechanism.

This module sits with the session layer: only SDK public API, no mcpclient layer above it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import anyio
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp_types import CallToolResult, Request, RequestParams, Result, Task

from .errors import ProtocolError, TaskCancelledError

if TYPE_CHECKING:
    from mcp.client.session import ClientSession

__all__ = [
    "EXTENSION_ID",
    "CreateTaskResult",
    "DetailedTask",
    "TasksExtension",
    "cancel",
    "drive",
    "get",
    "keep_task_handle",
]

logger = logging.getLogger("mcpclient")

EXTENSION_ID = "io.modelcontextprotocol/tasks"
TERMINAL = frozenset({"completed", "failed", "cancelled"})
_DEFAULT_POLL = 0.5
_MIN_POLL = 0.01
_MAX_POLL = 5.0
_CANCEL_GRACE = 5.0
"""How long the best-effort `tasks/cancel` of an abandoned call may take (it runs in the background)."""


def poll_seconds(interval_ms: int | None) -> float:
    """A server's suggested polling interval (ms; both task generations), clamped to [10 ms, 5 s]; 500 ms when none."""
    if interval_ms is None:
        return _DEFAULT_POLL
    return min(max(interval_ms / 1000, _MIN_POLL), _MAX_POLL)


TaskStatus = Literal["working", "input_required", "completed", "failed", "cancelled"]


class _TaskFields(Result):
    task_id: str
    status: TaskStatus
    status_message: str | None = None
    created_at: str
    last_updated_at: str
    ttl_ms: int | None = None
    poll_interval_ms: int | None = None

    def as_task(self) -> Task:
        """The status as `mcp.types.Task`, the status type mcpclient's task objects report for both generations."""
        return Task(
            task_id=self.task_id,
            status=self.status,
            status_message=self.status_message,
            created_at=self.created_at,
            last_updated_at=self.last_updated_at,
            ttl=self.ttl_ms,
            poll_interval=self.poll_interval_ms,
        )

    def poll_seconds(self) -> float:
        return poll_seconds(self.poll_interval_ms)


class CreateTaskResult(_TaskFields):
    """A `tools/call` answered with a task handle (`resultType: "task"`)."""

    result_type: Literal["task"]


class DetailedTask(_TaskFields):
    """A `tasks/get` answer: the task, with its `result`, `error` or pending `input_requests` inline."""

    result_type: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    input_requests: dict[str, Any] | None = None


class _TaskIdParams(RequestParams):
    task_id: str


class _UpdateParams(_TaskIdParams):
    input_responses: dict[str, Any]


class _GetTask(Request[_TaskIdParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    name_param = "taskId"  # the `Mcp-Name` routing header the extension requires over HTTP


class _UpdateTask(Request[_UpdateParams, Literal["tasks/update"]]):
    method: Literal["tasks/update"] = "tasks/update"
    name_param = "taskId"


class _CancelTask(Request[_TaskIdParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    name_param = "taskId"


# ---------------------------------------------------------------------------------- requests


async def get(session: ClientSession, task_id: str) -> DetailedTask:
    """`tasks/get`."""
    return await session.send_request(_GetTask(params=_TaskIdParams(task_id=task_id)), DetailedTask)


async def update(session: ClientSession, task_id: str, responses: Mapping[str, Any]) -> None:
    """`tasks/update` with `inputResponses` (an empty acknowledgement)."""
    params = _UpdateParams(task_id=task_id, input_responses=dict(responses))
    await session.send_request(_UpdateTask(params=params), Result)


async def cancel(session: ClientSession, task_id: str) -> None:
    """`tasks/cancel` (an empty acknowledgement; the server decides whether and when the task stops)."""
    await session.send_request(_CancelTask(params=_TaskIdParams(task_id=task_id)), Result)


async def answer(session: ClientSession, task: DetailedTask, answered: set[str], server: str) -> bool:
    """Answer the task's input requests not answered yet with the client's callbacks, in one `tasks/update`.

    Keys are unique over a task's lifetime, so a key seen in `answered` is never presented
    twice (the server repeats outstanding requests on every poll until it has processed the
    answer). A callback that declines (the client does not handle that kind of request)
    raises `MCPError`, like the same request sent directly. True if anything was sent.
    """
    from mcp.client.context import ClientRequestContext
    from mcp.shared.exceptions import MCPError
    from mcp_types import ErrorData, InputRequest
    from pydantic import TypeAdapter, ValidationError

    pending = {key: raw for key, raw in (task.input_requests or {}).items() if key not in answered}
    if not pending:
        return False
    parse = TypeAdapter(InputRequest).validate_python
    requests: dict[str, Any] = {}
    for key, raw in pending.items():
        try:
            requests[key] = parse(raw, by_name=False)
        except ValidationError:
            method = raw.get("method") if isinstance(raw, Mapping) else None
            raise ProtocolError(
                f"task {task.task_id!r} asks for input {key!r} with {method!r}, which is not a request a server "
                "may send a client (sampling/createMessage, elicitation/create, roots/list)",
                server=server,
                method="tasks/get",
            ) from None
    responses: dict[str, Any] = {}
    refused: list[ErrorData] = []

    async def run_one(key: str, request: Any) -> None:
        meta = request.params.meta if getattr(request, "params", None) is not None else None
        context = ClientRequestContext(session=session, request_id=key, meta=meta)
        response = await session.dispatch_input_request(context, request)
        if isinstance(response, ErrorData):
            refused.append(response)
        else:
            responses[key] = response.model_dump(by_alias=True, mode="json", exclude_none=True)

    async with anyio.create_task_group() as group:
        for key, request in requests.items():
            group.start_soon(run_one, key, request)
    if refused:
        raise MCPError.from_error_data(refused[0])
    await update(session, task.task_id, responses)
    answered.update(responses)
    return True


async def drive(session: ClientSession, first: _TaskFields, server: str) -> DetailedTask:
    """Poll the task at the server's interval until it is terminal, answering its input requests."""
    answered: set[str] = set()
    current = first if isinstance(first, DetailedTask) else None
    interval = first.poll_seconds()
    while current is None or current.status not in TERMINAL:
        sent = (
            current is not None
            and current.status == "input_required"
            and await answer(session, current, answered, server)
        )
        if not sent:  # after answers, look again at once: the server may already have moved on
            await anyio.sleep(interval)
        current = await get(session, first.task_id)
        interval = current.poll_seconds()
    return current


def outcome(task: DetailedTask, server: str) -> dict[str, Any]:
    """A terminal task's result payload; raises the JSON-RPC error of a failed task, `TaskCancelledError`."""
    from mcp.shared.exceptions import MCPError
    from mcp_types import INTERNAL_ERROR, ErrorData

    if task.status == "completed":
        return dict(task.result or {})
    if task.status == "failed":
        error = task.error or {}
        data = ErrorData(
            code=error.get("code", INTERNAL_ERROR) if isinstance(error.get("code"), int) else INTERNAL_ERROR,
            message=str(error.get("message") or task.status_message or "the task failed"),
            data=error.get("data"),
        )
        raise MCPError.from_error_data(data)
    message = task.status_message or "the task was cancelled"
    raise TaskCancelledError(
        f"task {task.task_id!r}: {message}", task=task.as_task(), server=server, method="tasks/get"
    )


# ---------------------------------------------------------------------------------- the client extension

_handles: contextvars.ContextVar[list[CreateTaskResult] | None] = contextvars.ContextVar(
    "mcpclient_task_handles", default=None
)


@contextlib.contextmanager
def keep_task_handle() -> Iterator[list[CreateTaskResult]]:
    """Within this block a `tools/call` answered with a task is not followed: its handle lands in the list."""
    handles: list[CreateTaskResult] = []
    token = _handles.set(handles)
    try:
        yield handles
    finally:
        _handles.reset(token)


class TasksExtension(ClientExtension):
    """Declares `io.modelcontextprotocol/tasks` and follows `tools/call` tasks to their result."""

    identifier = EXTENSION_ID

    def __init__(self, server: str, spawn: Callable[[Callable[[], Awaitable[None]]], bool]) -> None:
        self.server = server
        self._spawn = spawn

    def claims(self) -> list[ResultClaim[Any]]:
        return [ResultClaim(result_type="task", model=CreateTaskResult, resolve=self._resolve)]

    async def _resolve(self, created: CreateTaskResult, ctx: ClaimContext) -> CallToolResult:
        handles = _handles.get()
        if handles is not None:
            handles.append(created)
            # Stands in for the result; `is_error` keeps the SDK from checking it against the output schema.
            return CallToolResult(content=[], is_error=True)
        try:
            final = await drive(ctx.session, created, self.server)
        except BaseException:
            self._cancel_abandoned(ctx.session, created.task_id)
            raise
        return CallToolResult.model_validate(outcome(final, self.server), by_name=False)

    def _cancel_abandoned(self, session: ClientSession, task_id: str) -> None:
        """The caller gave up on a task it never saw (timeout, error, Ctrl-C): tell the server, in the background."""

        async def cancel_quietly() -> None:
            with anyio.move_on_after(_CANCEL_GRACE), contextlib.suppress(Exception):
                await cancel(session, task_id)
                logger.debug("cancelled abandoned task %s on %s", task_id, self.server)

        self._spawn(cancel_quietly)
