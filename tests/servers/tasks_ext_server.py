"""An MCP server implementing the tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`, SEP-2663).

The 2026-07-28 protocol moved tasks out of the core into an extension with its own wire shape:
a `tools/call` may be answered with `CreateTaskResult` (`resultType: "task"`) when the request's
per-request capabilities declare the extension; the client polls `tasks/get` (the task carries
its `result`, `error` or `inputRequests` inline), answers input requests with `tasks/update`,
and cancels with `tasks/cancel`. There is no `tasks/list` and no blocking `tasks/result`.

Neither the SDK (2.3) nor any packaged Python server implements the server side, so this is a
small deterministic one on the SDK's server-extension API (`mcp.server.extension.Extension`):
an `intercept_tool_call` that decides per request whether to make a task, and `MethodBinding`s
for `tasks/get`, `tasks/update`, `tasks/cancel` (2026-07-28 only; each checks the request
declares the extension, else `-32021`). Legacy (2025-11-25) connections get plain results.

Tools (all but `add`, `inspect` and `open_gate` become tasks when the client declares the extension):
- `add(a, b)` — never a task;
- `gated(gate)` — a task that completes when `open_gate(gate)` is called; *requires* tasks:
  without the extension declared it fails with `-32021`;
- `slow_echo(text)` — a task that completes with `text` on its first poll; runs directly for a
  client without the extension;
- `ask_name()` — a task that asks for the user's name (an `elicitation/create` input request),
  then completes with "Hello, <name>!";
- `ask_both()` — two input requests at once (elicitation `name` and sampling `motto`);
- `structured(n)` — completes with structured content `{"square": n*n}` (has an output schema);
- `fail(message)` — completes with an `isError` tool result;
- `fail_rpc(message)` — the task fails with a JSON-RPC error (`-32603`);
- `never()` — stays `working` until cancelled;
- `bad_handle()`, `bad_input()` — hostile: a task handle without `taskId`; a task asking for
  an input request of a method that is not one (`tools/call`);
- `inspect(task_id)` — what the server saw for a task: polls, updates, input responses, cancels;
- `open_gate(gate)`.

Run it::

    python tests/servers/tasks_ext_server.py                          # stdio
    python tests/servers/tasks_ext_server.py --http 0 --port-file F   # Streamable HTTP on /mcp
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import (
    CLIENT_CAPABILITIES_META_KEY,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    CallToolRequestParams,
    RequestParams,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ConfigDict

EXTENSION = "io.modelcontextprotocol/tasks"
TERMINAL = frozenset({"completed", "failed", "cancelled"})
TASK_TOOLS = frozenset(
    {"gated", "slow_echo", "ask_name", "ask_both", "structured", "fail", "fail_rpc", "never", "bad_handle", "bad_input"}
)
REQUIRES_TASK = frozenset({"gated"})
POLL_INTERVAL_MS = 20
TTL_MS = 600_000


def _now() -> str:
    return datetime.now(UTC).isoformat()


class TaskIdParams(RequestParams):
    model_config = ConfigDict(extra="allow")
    task_id: str


class UpdateParams(TaskIdParams):
    input_responses: dict[str, Any]


@dataclasses.dataclass(eq=False)
class _Task:
    task_id: str
    tool: str
    arguments: dict[str, Any]
    status: str = "working"
    status_message: str | None = None
    created_at: str = dataclasses.field(default_factory=_now)
    last_updated_at: str = dataclasses.field(default_factory=_now)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    input_requests: dict[str, Any] = dataclasses.field(default_factory=dict)
    responses: dict[str, Any] = dataclasses.field(default_factory=dict)
    run: Callable[[], Awaitable[HandlerResult]] | None = None
    polls: int = 0
    updates: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    cancels: int = 0
    routed_names: list[str | None] = dataclasses.field(default_factory=list)

    def wire(self, result_type: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "resultType": result_type,
            "taskId": self.task_id,
            "status": self.status,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.last_updated_at,
            "ttlMs": TTL_MS,
            "pollIntervalMs": POLL_INTERVAL_MS,
        }
        if self.status_message is not None:
            body["statusMessage"] = self.status_message
        if self.status == "completed":
            body["result"] = self.result
        elif self.status == "failed":
            body["error"] = self.error
        elif self.status == "input_required":
            body["inputRequests"] = dict(self.input_requests)
        return body

    def move(self, status: str, message: str | None = None) -> None:
        if self.status in TERMINAL:
            return
        self.status, self.status_message, self.last_updated_at = status, message, _now()


def _declared(ctx: ServerRequestContext[Any, Any]) -> bool:
    meta = ctx.meta if isinstance(ctx.meta, Mapping) else {}
    capabilities = meta.get(CLIENT_CAPABILITIES_META_KEY)
    extensions = capabilities.get("extensions") if isinstance(capabilities, Mapping) else None
    return isinstance(extensions, Mapping) and EXTENSION in extensions


def _missing_capability() -> MCPError:
    return MCPError(
        code=MISSING_REQUIRED_CLIENT_CAPABILITY,
        message="Missing required client capability",
        data={"requiredCapabilities": {"extensions": {EXTENSION: {}}}},
    )


def _text(text: str, *, is_error: bool = False) -> dict[str, Any]:
    """A `str` tool's result: MCPServer gives such tools the output schema `{"result": string}`."""
    if is_error:
        return {"content": [{"type": "text", "text": text}], "isError": True}
    return {"content": [{"type": "text", "text": text}], "structuredContent": {"result": text}, "isError": False}


class TasksExtension(Extension):
    identifier = EXTENSION

    def __init__(self) -> None:
        self.tasks: dict[str, _Task] = {}
        self.gates: dict[str, anyio.Event] = {}

    def gate(self, name: str) -> anyio.Event:
        return self.gates.setdefault(name, anyio.Event())

    # ------------------------------------------------------------------ task creation

    async def intercept_tool_call(
        self, params: CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
        if params.name not in TASK_TOOLS or not modern:
            return await call_next(ctx)
        if not _declared(ctx):
            if params.name in REQUIRES_TASK:
                raise _missing_capability()
            return await call_next(ctx)
        if params.name == "bad_handle":  # hostile: a task handle without its id
            return {"resultType": "task", "status": "working"}
        task = _Task(task_id=secrets.token_urlsafe(16), tool=params.name, arguments=dict(params.arguments or {}))
        task.run = lambda: call_next(ctx)  # the tool itself, run when the task completes
        self.tasks[task.task_id] = task
        await self._advance(task)
        return task.wire("task")

    # ------------------------------------------------------------------ the task's work, advanced on each poll

    async def _advance(self, task: _Task) -> None:
        """Move the task on; deterministic, driven by polls and updates (no background work)."""
        if task.status in TERMINAL:
            return
        if task.tool == "gated":
            gate = str(task.arguments.get("gate", ""))
            if self.gate(gate).is_set():
                task.result = _text(f"passed {gate}")
                task.move("completed")
        elif task.tool in ("ask_name", "ask_both"):
            self._interview(task)
        elif task.tool == "bad_input" and task.polls >= 1:  # hostile: an input request no client can answer
            task.input_requests = {"odd": {"method": "tools/call", "params": {"name": "x"}}}
            task.move("input_required")
        elif task.tool in ("slow_echo", "structured", "fail", "fail_rpc") and (
            task.polls >= 1 or task.tool != "slow_echo"
        ):
            await self._complete(task)

    async def _complete(self, task: _Task) -> None:
        """Run the tool: its result completes the task; a JSON-RPC error fails it."""
        assert task.run is not None
        try:
            result = await task.run()
        except MCPError as exc:
            task.error = exc.error.model_dump(by_alias=True, mode="json", exclude_none=True)
            task.move("failed", f"Tool execution failed: {exc.error.message}")
            return
        task.result = (
            result.model_dump(by_alias=True, mode="json", exclude_none=True)
            if isinstance(result, BaseModel)
            else dict(result or {})
        )
        task.move("completed")

    def _interview(self, task: _Task) -> None:
        wanted: dict[str, Any] = {
            "name": {
                "method": "elicitation/create",
                "params": {
                    "mode": "form",
                    "message": "Please enter your name.",
                    "requestedSchema": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                        "required": ["name"],
                    },
                },
            }
        }
        if task.tool == "ask_both":
            wanted["motto"] = {
                "method": "sampling/createMessage",
                "params": {
                    "messages": [{"role": "user", "content": {"type": "text", "text": "A motto, please."}}],
                    "maxTokens": 20,
                },
            }
        outstanding = {key: request for key, request in wanted.items() if key not in task.responses}
        if outstanding:
            task.input_requests = outstanding
            task.move("input_required", "waiting for the user")
            return
        name_answer = task.responses["name"]
        if name_answer.get("action") != "accept":
            task.result = _text(f"no name ({name_answer.get('action')})", is_error=True)
            task.move("completed")
            return
        text = f"Hello, {name_answer['content']['name']}!"
        if "motto" in task.responses:
            text += f" Motto: {task.responses['motto']['content']['text']}"
        task.input_requests = {}
        task.result = _text(text)
        task.move("completed")

    # ------------------------------------------------------------------ tasks/get, tasks/update, tasks/cancel

    def _find(self, ctx: ServerRequestContext[Any, Any], task_id: str) -> _Task:
        if not _declared(ctx):
            raise _missing_capability()
        task = self.tasks.get(task_id)
        if task is None:
            raise MCPError(code=INVALID_PARAMS, message="Failed to retrieve task: Task not found")
        headers = getattr(ctx.request, "headers", None)
        if headers is not None:  # over HTTP: the `Mcp-Name` routing header tasks/* requests must carry
            task.routed_names.append(headers.get("mcp-name"))
        return task

    async def tasks_get(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> HandlerResult:
        task = self._find(ctx, params.task_id)
        task.polls += 1
        await self._advance(task)
        return task.wire("complete")

    async def tasks_update(self, ctx: ServerRequestContext[Any, Any], params: UpdateParams) -> HandlerResult:
        task = self._find(ctx, params.task_id)
        task.updates.append(dict(params.input_responses))
        for key, response in params.input_responses.items():
            if key in task.input_requests and key not in task.responses:  # unknown or answered keys: ignored
                task.responses[key] = response
        if task.status == "input_required" and all(key in task.responses for key in task.input_requests):
            task.input_requests = {}
            task.move("working", "input received")
        return {}

    async def tasks_cancel(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> HandlerResult:
        task = self._find(ctx, params.task_id)
        task.cancels += 1
        task.move("cancelled", "cancelled by the client")
        return {}

    def methods(self) -> list[MethodBinding]:
        versions = frozenset(MODERN_PROTOCOL_VERSIONS)
        return [
            MethodBinding("tasks/get", TaskIdParams, self.tasks_get, versions),
            MethodBinding("tasks/update", UpdateParams, self.tasks_update, versions),
            MethodBinding("tasks/cancel", TaskIdParams, self.tasks_cancel, versions),
        ]


def build_server(name: str = "tasks-ext") -> MCPServer:
    """A fresh server with the 2026-07-28 tasks extension."""
    extension = TasksExtension()
    server = MCPServer(name, version="1.0.0", instructions="The 2026-07-28 tasks extension, for tests.",
                       extensions=[extension])  # fmt: skip

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers (never a task)."""
        return a + b

    @server.tool()
    def gated(gate: str) -> str:
        """A task that completes once `open_gate(gate)` was called (needs the tasks extension)."""
        raise MCPError(code=INTERNAL_ERROR, message="gated runs only as a task")

    @server.tool()
    def slow_echo(text: str) -> str:
        """Echo the text (a task when the client supports tasks)."""
        return text

    @server.tool()
    def ask_name() -> str:
        """Ask the user's name (a task with an elicitation input request)."""
        return "Hello, stranger!"

    @server.tool()
    def ask_both() -> str:
        """Ask the user's name and the model's motto at once."""
        return "Hello, stranger!"

    @server.tool()
    def structured(n: int) -> dict[str, int]:
        """The square of n, as structured content."""
        return {"square": n * n}

    @server.tool()
    def fail(message: str = "this tool failed") -> str:
        """Completes with an isError result."""
        raise ToolError(message)

    @server.tool()
    def fail_rpc(message: str = "API rate limit exceeded") -> str:
        """A task that fails with a JSON-RPC error."""
        raise MCPError(code=INTERNAL_ERROR, message=message)

    @server.tool()
    def never() -> str:
        """A task that never finishes on its own."""
        return "finished"

    @server.tool()
    def bad_handle() -> str:
        """Answers with a broken task handle."""
        return "unreachable"

    @server.tool()
    def bad_input() -> str:
        """A task that asks for something no client can answer."""
        return "unreachable"

    @server.tool()
    def inspect(task_id: str) -> str:
        """What the server saw for a task (JSON): status, polls, updates, cancels."""
        task = extension.tasks.get(task_id)
        if task is None:
            return json.dumps(None)
        return json.dumps(
            {
                "status": task.status,
                "polls": task.polls,
                "updates": task.updates,
                "cancels": task.cancels,
                "routed_names": task.routed_names,
            }
        )

    @server.tool()
    def open_gate(gate: str) -> str:
        """Let `gated(gate)` tasks complete."""
        extension.gate(gate).set()
        return f"opened {gate}"

    return server


def main(argv: list[str] | None = None) -> None:
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP at /mcp")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once serving")
    args = parser.parse_args(argv)
    if args.http is not None:
        from everything import _serve_http  # this script's directory is on sys.path

        _serve_http(build_server(), "http", args.http, args.port_file, {})
    else:
        build_server().run()


if __name__ == "__main__":
    main()
