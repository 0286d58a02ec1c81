"""An MCP server with task-augmented execution (protocol 2025-11-25), for the tasks tests.

The SDK (2.3) has the task *types* but no server-side task machinery, FastMCP 4's tasks are
the 2026 tasks extension (and need Docket), and `@modelcontextprotocol/server-everything`
would need the network at test time. So this is a small, deterministic in-memory
implementation of the 2025-11-25 tasks utility on top of `MCPServer`:

- a server middleware turns `tools/call`, `resources/read` and `prompts/get` requests whose
  params carry `task: {ttl}` into tasks: it answers `CreateTaskResult` at once and runs the
  ordinary handler in the background (a task group owned by the server lifespan);
- `tasks/get`, `tasks/result` (blocks until the task is terminal), `tasks/list` (paginated,
  `page_size` per page) and `tasks/cancel` are extra request handlers;
- every status change is announced with `notifications/tasks/status`;
- the `tasks` capability (list, cancel, requests.tools.call) is advertised on
  handshake-era (legacy) connections only: 2026-07-28 removed tasks from the core protocol.

Tools: `add(a, b)`, `echo(text)`, `fail(message)` (isError), `sleep(seconds)`,
`gated(gate)` (waits until `open_gate(gate)` is called, then returns "passed <gate>"),
`open_gate(gate)`. Resources: `data://report`, template `gated://{gate}` (waits for the gate).
Prompts: `summary(topic)`, `gated_prompt(gate)` (waits for the gate).

Run it::

    python tests/servers/tasks_server.py            # stdio
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    CancelTaskRequestParams,
    CancelTaskResult,
    ErrorData,
    GetTaskPayloadRequestParams,
    GetTaskRequestParams,
    GetTaskResult,
    ListTasksResult,
    PaginatedRequestParams,
    ServerCapabilities,
    ServerTasksCapability,
    ServerTasksRequestsCapability,
    Task,
    TasksCallCapability,
    TasksCancelCapability,
    TasksListCapability,
    TasksToolsCapability,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

AUGMENTABLE = frozenset({"tools/call", "resources/read", "prompts/get"})
RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task"
TERMINAL = frozenset({"completed", "failed", "cancelled"})
TOOL_NAMES = frozenset({"add", "echo", "fail", "sleep", "gated", "open_gate"})


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclasses.dataclass(eq=False)
class _Record:
    task_id: str
    method: str
    ttl: int | None
    poll_interval: int
    connection: Any
    status: str = "working"
    status_message: str | None = None
    created_at: str = dataclasses.field(default_factory=_now)
    last_updated_at: str = dataclasses.field(default_factory=_now)
    created_monotonic: float = dataclasses.field(default_factory=time.monotonic)
    result: dict[str, Any] | None = None
    error: ErrorData | None = None
    scope: anyio.CancelScope = dataclasses.field(default_factory=anyio.CancelScope)
    done: anyio.Event = dataclasses.field(default_factory=anyio.Event)

    def task(self) -> Task:
        return Task(
            task_id=self.task_id,
            status=self.status,
            status_message=self.status_message,
            created_at=self.created_at,
            last_updated_at=self.last_updated_at,
            ttl=self.ttl,
            poll_interval=self.poll_interval,
        )

    def wire(self) -> dict[str, Any]:
        return self.task().model_dump(by_alias=True, mode="json", exclude_none=True) | {"ttl": self.ttl}

    def expired(self) -> bool:
        return self.ttl is not None and (time.monotonic() - self.created_monotonic) * 1000 > self.ttl


class _TaskStore:
    def __init__(self, poll_interval: int, page_size: int) -> None:
        self.poll_interval = poll_interval
        self.page_size = page_size
        self.records: dict[str, _Record] = {}
        self.gates: dict[str, anyio.Event] = {}
        self.task_group: anyio.abc.TaskGroup | None = None
        self._ids = itertools.count(1)

    def gate(self, name: str) -> anyio.Event:
        return self.gates.setdefault(name, anyio.Event())

    def purge(self) -> None:
        for task_id in [t for t, r in self.records.items() if r.expired() and r.status in TERMINAL]:
            del self.records[task_id]

    def create(self, method: str, metadata: Mapping[str, Any], connection: Any) -> _Record:
        self.purge()
        ttl = metadata.get("ttl")
        requested = metadata.get("taskId")  # an optional client hint (not in the final 2025-11-25 schema)
        task_id = (
            requested if isinstance(requested, str) and requested not in self.records else f"task-{next(self._ids)}"
        )
        record = _Record(
            task_id=task_id,
            method=method,
            ttl=ttl if isinstance(ttl, int) else None,
            poll_interval=self.poll_interval,
            connection=connection,
        )
        self.records[task_id] = record
        return record

    def get(self, task_id: str) -> _Record:
        self.purge()
        record = self.records.get(task_id)
        if record is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Failed to retrieve task: task {task_id!r} not found")
        return record

    async def set_status(self, record: _Record, status: str, message: str | None = None) -> None:
        if record.status in TERMINAL:
            return
        record.status, record.status_message, record.last_updated_at = status, message, _now()
        if status in TERMINAL:
            record.done.set()
        try:  # notifications are optional for receivers; a closed connection must not fail the task
            await record.connection.notify("notifications/tasks/status", record.wire())
        except Exception as exc:
            print(f"tasks_server: could not send status notification: {exc!r}", file=sys.stderr, flush=True)

    async def run(self, record: _Record, call_next: Any, ctx: Any) -> None:
        with record.scope:
            try:
                result = await call_next(ctx)
            except MCPError as exc:
                record.error = exc.error
                await self.set_status(record, "failed", exc.error.message)
            except Exception as exc:
                record.error = ErrorData(code=INTERNAL_ERROR, message=str(exc) or type(exc).__name__)
                await self.set_status(record, "failed", record.error.message)
            else:
                record.result = dict(result) if isinstance(result, Mapping) else {}
                failed = bool(record.result.get("isError"))
                await self.set_status(
                    record, "failed" if failed else "completed", "tool reported an error" if failed else None
                )
        if record.scope.cancel_called and record.status not in TERMINAL:
            with anyio.CancelScope(shield=True):
                await self.set_status(record, "cancelled", "cancelled by the client")


def build_server(name: str = "tasks", *, poll_interval: int = 20, page_size: int = 2) -> MCPServer:
    """A fresh tasks server. `poll_interval` (ms) is suggested to clients; `tasks/list` pages hold `page_size`."""
    store = _TaskStore(poll_interval, page_size)

    @asynccontextmanager
    async def lifespan(app: MCPServer) -> AsyncIterator[dict[str, Any]]:
        async with anyio.create_task_group() as tg:
            store.task_group = tg
            try:
                yield {}
            finally:
                tg.cancel_scope.cancel()

    server = MCPServer(name, version="1.0.0", instructions="Task-augmented execution, for tests.", lifespan=lifespan)
    lowlevel = server._lowlevel_server

    # ------------------------------------------------------------------ capabilities

    get_capabilities = lowlevel.get_capabilities

    def capabilities_with_tasks(*args: Any, **kwargs: Any) -> ServerCapabilities:
        capabilities = get_capabilities(*args, **kwargs)
        if kwargs.get("protocol_version") not in MODERN_PROTOCOL_VERSIONS:
            capabilities.tasks = ServerTasksCapability(
                list=TasksListCapability(),
                cancel=TasksCancelCapability(),
                requests=ServerTasksRequestsCapability(tools=TasksToolsCapability(call=TasksCallCapability())),
            )
        return capabilities

    lowlevel.get_capabilities = capabilities_with_tasks  # type: ignore[method-assign]

    # ------------------------------------------------------------------ task augmentation

    async def task_middleware(ctx: Any, call_next: Any) -> Any:
        params = ctx.params
        if (
            ctx.method in AUGMENTABLE
            and isinstance(params, Mapping)
            and isinstance(params.get("task"), Mapping)
            and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS
        ):
            inner = dict(params)
            metadata = inner.pop("task")
            connection = getattr(ctx.session, "_connection", None)
            record = store.create(ctx.method, metadata, connection)
            assert store.task_group is not None, "the server lifespan owns the task group"
            store.task_group.start_soon(store.run, record, call_next, dataclasses.replace(ctx, params=inner))
            return {"task": record.wire()}
        return await call_next(ctx)

    lowlevel.middleware.append(task_middleware)

    async def tasks_get(ctx: Any, params: GetTaskRequestParams) -> GetTaskResult:
        return GetTaskResult.model_validate(store.get(params.task_id).wire())

    async def tasks_result(ctx: Any, params: GetTaskPayloadRequestParams) -> dict[str, Any]:
        record = store.get(params.task_id)
        await record.done.wait()
        if record.status == "cancelled":
            raise MCPError(code=INVALID_PARAMS, message=f"Task {record.task_id!r} was cancelled")
        if record.error is not None:
            raise MCPError.from_error_data(record.error)
        result = dict(record.result or {})
        result["_meta"] = {**(result.get("_meta") or {}), RELATED_TASK_META_KEY: {"taskId": record.task_id}}
        return result

    async def tasks_list(ctx: Any, params: PaginatedRequestParams) -> ListTasksResult:
        store.purge()
        records = list(store.records.values())
        try:
            start = int(params.cursor or 0)
        except ValueError:
            raise MCPError(code=INVALID_PARAMS, message=f"Invalid cursor {params.cursor!r}") from None
        page = records[start : start + store.page_size]
        more = start + store.page_size < len(records)
        return ListTasksResult(
            tasks=[r.task() for r in page], next_cursor=str(start + store.page_size) if more else None
        )

    async def tasks_cancel(ctx: Any, params: CancelTaskRequestParams) -> CancelTaskResult:
        record = store.get(params.task_id)
        if record.status in TERMINAL:
            raise MCPError(
                code=INVALID_PARAMS, message=f"Cannot cancel task: already in terminal status {record.status!r}"
            )
        record.scope.cancel()
        await store.set_status(record, "cancelled", "cancelled by the client")
        return CancelTaskResult.model_validate(record.wire())

    lowlevel.add_request_handler("tasks/get", GetTaskRequestParams, tasks_get)
    lowlevel.add_request_handler("tasks/result", GetTaskPayloadRequestParams, tasks_result)
    lowlevel.add_request_handler("tasks/list", PaginatedRequestParams, tasks_list)
    lowlevel.add_request_handler("tasks/cancel", CancelTaskRequestParams, tasks_cancel)

    # ------------------------------------------------------------------ tools, resources, prompts

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @server.tool()
    def fail(message: str = "this tool failed") -> str:
        """Always fails (isError)."""
        raise ToolError(message)

    @server.tool()
    async def sleep(seconds: float) -> str:
        """Sleep, then answer."""
        await anyio.sleep(seconds)
        return f"slept {seconds}"

    @server.tool()
    async def gated(gate: str) -> str:
        """Wait until `open_gate(gate)` is called."""
        await store.gate(gate).wait()
        return f"passed {gate}"

    @server.tool()
    def open_gate(gate: str) -> str:
        """Release every `gated(gate)` call, current and future."""
        store.gate(gate).set()
        return f"opened {gate}"

    @server.resource("data://report", mime_type="text/plain")
    def report() -> str:
        return "quarterly report"

    @server.resource("gated://{gate}", mime_type="text/plain")
    async def gated_resource(gate: str) -> str:
        await store.gate(gate).wait()
        return f"resource behind {gate}"

    @server.prompt()
    def summary(topic: str) -> str:
        """Summarize a topic."""
        return f"Please summarize {topic}."

    @server.prompt()
    async def gated_prompt(gate: str) -> str:
        """A prompt that waits for a gate."""
        await store.gate(gate).wait()
        return f"prompt behind {gate}"

    return server


if __name__ == "__main__":
    build_server().run()
