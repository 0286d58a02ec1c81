"""The "everything" MCP server the test-suite runs against.

One `build_server()` serves every transport (in-memory, stdio, Streamable HTTP, SSE) and both
protocol generations:

- legacy (<= 2025-11-25): sampling / elicitation / roots are server-initiated requests sent
  mid-call, logging is governed by `logging/setLevel`, resource updates follow
  `resources/subscribe`;
- modern (2026-07-28): the same questions come back as `input_required` rounds (the SDK's
  `Resolve` markers pick the mechanism from the negotiated version), log messages flow only
  for requests that opt in through `_meta`, change events go to `subscriptions/listen`.

Run it::

    python tests/servers/everything.py                          # stdio
    python tests/servers/everything.py --http 0 --port-file F   # Streamable HTTP on /mcp
    python tests/servers/everything.py --sse 0 --port-file F    # SSE on /sse

With `--port-file` the bound port is written (atomically) once the server accepts connections.
Tests depend on the names below: change them only together with the tests.
"""

import argparse
import asyncio
import json
import os
import socket
import sys
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.mcpserver import (
    AcceptedElicitation,
    Context,
    Elicit,
    ElicitationResult,
    ListRoots,
    MCPServer,
    Resolve,
    Sample,
)
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp_types import (
    CallToolResult,
    Completion,
    CompletionArgument,
    CompletionContext,
    CreateMessageResult,
    EmptyResult,
    ListRootsResult,
    LoggingLevel,
    PromptReference,
    ResourceTemplateReference,
    SamplingMessage,
    SetLevelRequestParams,
    SubscribeRequestParams,
    TextContent,
    UnsubscribeRequestParams,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, JsonValue

TOOL_NAMES = frozenset(
    {
        "echo",
        "echo_json",
        "echo_pid",
        "add",
        "get_user",
        "fail",
        "fail_exact",
        "write_stderr",
        "sleep",
        "progress",
        "log",
        "log_later",
        "log_many",
        "sample",
        "elicit_name",
        "roots",
        "getpid",
        "getenv",
        "touch_resource",
        "bump_counter",
        "subscriptions",
        "add_tool_dynamically",
        "big",
        "crash",
    }
)
RESOURCE_URIS = frozenset({"data://greeting", "data://config", "data://blob", "data://counter"})
RESOURCE_TEMPLATES = frozenset({"users://{user_id}/profile"})
PROMPT_NAMES = frozenset({"greet", "summarize"})
GREET_NAMES = ("Alice", "Bob", "Alicia")
CONFIG = {"debug": True, "retries": 3, "servers": ["a", "b"], "nested": {"x": 1.5}}
BLOB = bytes(range(256))
SAMPLE_SYSTEM_PROMPT = "You are a test double."
ELICIT_MESSAGE = "What is your name?"

ServerLogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
_LEVELS: tuple[LoggingLevel, ...] = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")


class Address(BaseModel):
    street: str
    city: str
    zip: str


class EchoPid(BaseModel):
    text: str
    pid: int


class User(BaseModel):
    id: int
    name: str
    email: str
    address: Address
    tags: list[str]


class _VerbatimArguments(FuncMetadata):
    """Tool argument handling without the SDK's JSON pre-parsing of string values."""

    def pre_parse_json(self, data: dict[str, Any]) -> dict[str, Any]:
        return data


class NameForm(BaseModel):
    name: str


@dataclass
class _State:
    """Per-server mutable state (one instance per `build_server()` call)."""

    counter: int = 0
    dynamic_tools: int = 0
    # Legacy `resources/subscribe` URIs and `logging/setLevel` levels, per client connection.
    subscriptions: weakref.WeakKeyDictionary[Any, set[str]] = field(default_factory=weakref.WeakKeyDictionary)
    log_levels: weakref.WeakKeyDictionary[Any, LoggingLevel] = field(default_factory=weakref.WeakKeyDictionary)


def _connection(ctx: Any) -> Any:
    """The per-client connection object behind a request (the key for per-client state)."""
    session = ctx.session
    return getattr(session, "_connection", session)


def _is_modern(ctx: Context) -> bool:
    return ctx.protocol_version in MODERN_PROTOCOL_VERSIONS


# --- resolvers: each returns a request marker; the SDK sends it as a mid-call request (legacy)
# --- or an input_required round (modern) and injects the answer.


def _ask_llm(prompt: str) -> Sample:
    return Sample(
        [SamplingMessage(role="user", content=TextContent(type="text", text=prompt))],
        max_tokens=100,
        system_prompt=SAMPLE_SYSTEM_PROMPT,
    )


def _ask_name() -> Elicit[NameForm]:
    return Elicit(ELICIT_MESSAGE, NameForm)


def _ask_roots() -> ListRoots:
    return ListRoots()


_background_tasks: set[asyncio.Task[None]] = set()


def build_server(name: str = "everything", *, log_level: ServerLogLevel = "WARNING") -> MCPServer:
    """A fresh server instance with every tool, resource, prompt and completion the tests use.

    `log_level` is the server's own Python logging (to stderr), not MCP log messages.
    """
    server = MCPServer(name, version="1.0.0", instructions="A server with everything, for tests.", log_level=log_level)
    state = _State()
    lowlevel = server._lowlevel_server

    # Legacy capabilities advertise list-changed notifications (the SDK defaults them to off).
    create_options = lowlevel.create_initialization_options

    def create_initialization_options(notification_options: Any = None, *args: Any, **kwargs: Any) -> Any:
        options = notification_options or NotificationOptions(
            prompts_changed=True, resources_changed=True, tools_changed=True
        )
        return create_options(options, *args, **kwargs)

    lowlevel.create_initialization_options = create_initialization_options  # type: ignore[method-assign]

    # ---------------------------------------------------------------- legacy-only protocol handlers
    # MCPServer registers neither `logging/setLevel` nor `resources/subscribe`; a legacy client
    # needs both (they also make the server advertise `logging` and `resources.subscribe`).

    async def set_level(ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        state.log_levels[_connection(ctx)] = params.level
        return EmptyResult()

    async def subscribe(ctx: Any, params: SubscribeRequestParams) -> EmptyResult:
        state.subscriptions.setdefault(_connection(ctx), set()).add(str(params.uri))
        return EmptyResult()

    async def unsubscribe(ctx: Any, params: UnsubscribeRequestParams) -> EmptyResult:
        state.subscriptions.setdefault(_connection(ctx), set()).discard(str(params.uri))
        return EmptyResult()

    lowlevel.add_request_handler("logging/setLevel", SetLevelRequestParams, set_level)
    lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, subscribe)
    lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, unsubscribe)

    async def send_log(ctx: Context, level: LoggingLevel, message: Any) -> None:
        # Legacy: honour the client's `logging/setLevel` (default: everything).
        # Modern: the SDK itself drops messages the request did not opt in to.
        if not _is_modern(ctx):
            threshold = state.log_levels.get(_connection(ctx), "debug")
            if _LEVELS.index(level) < _LEVELS.index(threshold):
                return
        await ctx.log(level, message, logger_name="everything")

    async def notify_updated(ctx: Context, uri: str, *, only_subscribers: bool) -> None:
        if _is_modern(ctx):
            # Reaches `subscriptions/listen` streams whose filter names this URI.
            await ctx.notify_resource_updated(uri)
            return
        if not only_subscribers or uri in state.subscriptions.get(_connection(ctx), set()):
            await ctx.session.send_resource_updated(uri)

    # ------------------------------------------------------------------------------------ tools

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @server.tool()
    def echo_json(value: JsonValue) -> JsonValue:
        """Return any JSON value unchanged (structured content {"result": value})."""
        return value

    # The SDK json-decodes string arguments of non-`str` parameters ("[1]" -> [1], "null" -> None,
    # a Claude Desktop work-around); echo_json must return strings as sent, so skip that step.
    _tool = server._tool_manager.get_tool("echo_json")
    assert _tool is not None
    _tool.fn_metadata = _VerbatimArguments(**dict(_tool.fn_metadata))

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def get_user(user_id: int) -> User:
        """A user record with a nested address and a list of tags."""
        return User(
            id=user_id,
            name=f"User {user_id}",
            email=f"user{user_id}@example.com",
            address=Address(street=f"{user_id} Main St", city="Springfield", zip="12345"),
            tags=["admin", "tester"] if user_id == 1 else ["tester"],
        )

    @server.tool()
    def fail(message: str = "this tool failed") -> str:
        """Always fails (raises ToolError): isError, text "Error executing tool fail: <message>"."""
        raise ToolError(message)

    @server.tool()
    def fail_exact(message: str = "this tool failed") -> CallToolResult:
        """Always fails with exactly `message` as the error text (no SDK prefix)."""
        return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)

    @server.tool()
    def write_stderr(text: str) -> str:
        """Write `text` and a newline to the server's stderr."""
        print(text, file=sys.stderr, flush=True)
        return text

    @server.tool()
    async def sleep(seconds: float) -> str:
        """Sleep, then answer; prints "cancelled sleep" to stderr when cancelled."""
        try:
            await anyio.sleep(seconds)
        except anyio.get_cancelled_exc_class():
            print("cancelled sleep", file=sys.stderr, flush=True)
            raise
        return f"slept {seconds}"

    @server.tool()
    async def progress(ctx: Context, steps: int = 3) -> str:
        """Report progress `steps` times (1..steps of steps, message "step i")."""
        for i in range(1, steps + 1):
            await ctx.report_progress(i, steps, f"step {i}")
        return f"done {steps} steps"

    @server.tool()
    async def log(ctx: Context, message: str, level: LoggingLevel = "info") -> str:
        """Send one log message (logger "everything") at `level`."""
        await send_log(ctx, level, message)
        return f"logged {message}"

    @server.tool()
    async def log_many(ctx: Context, count: int, level: LoggingLevel = "info") -> str:
        """Send `count` log messages "log i" (i from 0) in a row."""
        for i in range(count):
            await send_log(ctx, level, f"log {i}")
        return f"logged {count}"

    @server.tool()
    async def log_later(ctx: Context, count: int = 3, delay: float = 0.2) -> str:
        """Return at once, then (legacy protocol only) send `count` log lines "later i" after `delay` s."""
        session = ctx.session

        async def later() -> None:
            await anyio.sleep(delay)
            for i in range(count):
                await session.send_log_message(level="info", data=f"later {i}", logger="everything")

        # Deliberately outlives the request: a log line that no client call is waiting for.
        task = asyncio.get_running_loop().create_task(later())
        _background_tasks.add(task)
        task.add_done_callback(_background_tasks.discard)
        return "scheduled"

    @server.tool()
    def sample(prompt: str, result: Annotated[CreateMessageResult, Resolve(_ask_llm)]) -> str:
        """Ask the client's LLM (sampling) and return the sampled text."""
        content = result.content
        return content.text if isinstance(content, TextContent) else str(content)

    @server.tool()
    def elicit_name(answer: Annotated[ElicitationResult[NameForm], Resolve(_ask_name)]) -> str:
        """Elicit {name}: "hello <name>" on accept, else "declined" / "cancelled"."""
        if isinstance(answer, AcceptedElicitation):
            return f"hello {answer.data.name}"
        return "declined" if answer.action == "decline" else "cancelled"

    @server.tool()
    def roots(result: Annotated[ListRootsResult, Resolve(_ask_roots)]) -> list[str]:
        """The client's root URIs."""
        return [str(root.uri) for root in result.roots]

    @server.tool()
    def echo_pid(text: str) -> EchoPid:
        """The text back with the server's process id (distributed tests count server starts)."""
        return EchoPid(text=text, pid=os.getpid())

    @server.tool()
    def getpid() -> int:
        """The server's process id."""
        return os.getpid()

    @server.tool()
    def getenv(name: str) -> str | None:
        """An environment variable of the server process, or null."""
        return os.environ.get(name)

    @server.tool()
    async def touch_resource(ctx: Context, uri: str) -> str:
        """Notify the client that `uri` was updated.

        Legacy: a `notifications/resources/updated`, subscribed or not. Modern: an event for
        `subscriptions/listen` streams naming `uri` (sending both would duplicate the event).
        """
        await notify_updated(ctx, uri, only_subscribers=False)
        return f"touched {uri}"

    @server.tool()
    async def bump_counter(ctx: Context) -> int:
        """Increment data://counter and notify subscribers of it (only subscribers)."""
        state.counter += 1
        await notify_updated(ctx, "data://counter", only_subscribers=True)
        return state.counter

    @server.tool()
    def subscriptions(ctx: Context) -> list[str]:
        """The resource URIs this connection subscribed to with resources/subscribe (legacy)."""
        return sorted(state.subscriptions.get(_connection(ctx), set()))

    @server.tool()
    async def add_tool_dynamically(ctx: Context, name: str = "") -> str:
        """Add a tool (default name dynamic_<n>) that returns its own name; announce tools list_changed."""
        state.dynamic_tools += 1
        tool_name = name or f"dynamic_{state.dynamic_tools}"

        def dynamic() -> str:
            return tool_name

        if server._tool_manager.get_tool(tool_name) is not None:
            server.remove_tool(tool_name)
        server.add_tool(dynamic, name=tool_name, description="Added at run time.")
        if _is_modern(ctx):
            await ctx.notify_tools_changed()
        else:
            await ctx.session.send_tool_list_changed()
        return tool_name

    @server.tool()
    def big(size: int) -> str:
        """'x' * size."""
        return "x" * size

    @server.tool()
    def crash() -> str:
        """Exit the server process immediately with code 3 (no reply)."""
        os._exit(3)

    # -------------------------------------------------------------------------------- resources

    @server.resource("data://greeting", mime_type="text/plain")
    def greeting() -> str:
        return "hello world"

    @server.resource("data://config", mime_type="application/json")
    def config() -> dict[str, Any]:
        return CONFIG

    @server.resource("data://blob", mime_type="application/octet-stream")
    def blob() -> bytes:
        return BLOB

    @server.resource("data://counter", mime_type="text/plain", description="Subscribable; see bump_counter.")
    def counter() -> str:
        return str(state.counter)

    @server.resource("users://{user_id}/profile", mime_type="application/json")
    def user_profile(user_id: int) -> str:
        return get_user(user_id).model_dump_json()

    # ---------------------------------------------------------------------------------- prompts

    @server.prompt()
    def greet(name: str) -> str:
        """Greet someone by name."""
        return f"Hello, {name}! How are you today?"

    @server.prompt()
    def summarize(text: str, max_words: int | str = 50, style: list[str] | str | None = None) -> str:
        """Summarize text. Clients send non-string arguments as JSON strings; both forms work."""
        if isinstance(max_words, str):
            max_words = int(json.loads(max_words))
        if isinstance(style, str):
            style = json.loads(style) if style.startswith("[") else [style]
        styles = ", ".join(style or ["plain"])
        return f"Summarize in at most {max_words} words ({styles}):\n\n{text}"

    # ------------------------------------------------------------------------------- completion

    @server.completion()  # type: ignore[untyped-decorator,no-untyped-call,unused-ignore]
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        if isinstance(ref, PromptReference) and ref.name == "greet" and argument.name == "name":
            values = [n for n in GREET_NAMES if n.lower().startswith(argument.value.lower())]
            return Completion(values=values, total=len(values), has_more=False)
        if isinstance(ref, ResourceTemplateReference) and argument.name == "user_id":
            values = [str(i) for i in range(1, 21) if str(i).startswith(argument.value)]
            return Completion(values=values, total=len(values), has_more=False)
        return None

    return server


# ---------------------------------------------------------------------------------- entry point


def _serve_http(server: MCPServer, kind: str, port: int, port_file: Path | None, extra: dict[str, Any]) -> None:
    """Serve over uvicorn on 127.0.0.1:`port` (0 = ephemeral); write the bound port when ready."""
    import uvicorn

    app = server.sse_app() if kind == "sse" else server.streamable_http_app(**extra)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    uv = uvicorn.Server(config)

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(uv.serve, [sock])
            while not uv.started:
                if uv.should_exit:
                    return
                await anyio.sleep(0.01)
            print(f"everything: serving {kind} on http://127.0.0.1:{bound}", file=sys.stderr, flush=True)
            if port_file is not None:
                tmp = port_file.with_name(port_file.name + ".tmp")
                tmp.write_text(str(bound))
                tmp.replace(port_file)

    anyio.run(main)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP at /mcp")
    group.add_argument("--sse", type=int, metavar="PORT", help="serve SSE at /sse")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once serving")
    parser.add_argument("--name", default="everything")
    parser.add_argument("--log-level", default="WARNING", help="the server's own logging to stderr")
    parser.add_argument("--json-response", action="store_true", help="HTTP: JSON responses instead of SSE")
    parser.add_argument("--stateless", action="store_true", help="HTTP: stateless mode")
    args = parser.parse_args(argv)
    # The server deliberately uses features 2026-07-28 deprecates (logging, legacy notifications);
    # keep the warnings out of its stderr, which tests read.
    warnings.filterwarnings("ignore", category=MCPDeprecationWarning)

    server = build_server(args.name, log_level=args.log_level.upper())
    if args.http is not None:
        extra = {"json_response": args.json_response, "stateless_http": args.stateless}
        _serve_http(server, "http", args.http, args.port_file, extra)
    elif args.sse is not None:
        _serve_http(server, "sse", args.sse, args.port_file, {})
    else:
        server.run()


if __name__ == "__main__":
    main()
