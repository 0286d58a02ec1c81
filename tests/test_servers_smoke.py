"""The test servers and fixtures work, checked with the SDK's own `mcp.Client` (not mcpclient).

Every feature of the everything server is exercised in-memory on both protocol generations
(`mode="legacy"`: initialize handshake, server-initiated requests mid-call; default `"auto"`:
2026-07-28 for in-process servers, `input_required` rounds), then over stdio, Streamable HTTP
and SSE through the fixtures.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import mcp
import pytest
from helpers import (
    async_wait_for,
    children_pids,
    descendant_pids,
    pid_alive,
    pid_state,
    wait_for,
    wait_for_exit,
    zombie_children,
)
from mcp import StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated, ToolsListChanged
from mcp_types import (
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    BlobResourceContents,
    CreateMessageRequestParams,
    CreateMessageResult,
    ElicitRequestParams,
    ElicitResult,
    ListRootsResult,
    LoggingMessageNotificationParams,
    PromptReference,
    ResourceTemplateReference,
    ResourceUpdatedNotification,
    Root,
    TextContent,
    TextResourceContents,
    ToolListChangedNotification,
)
from servers.everything import (
    BLOB,
    CONFIG,
    ELICIT_MESSAGE,
    PROMPT_NAMES,
    RESOURCE_TEMPLATES,
    RESOURCE_URIS,
    SAMPLE_SYSTEM_PROMPT,
    TOOL_NAMES,
)

# set_logging_level / subscribe_resource are deprecated SDK calls, used on purpose for legacy.
pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")

MODES = ["legacy", "auto"]
ROOT_URIS = ["file:///tmp/project", "file:///home/user/data"]

ADD_OUTPUT_SCHEMA = {
    "type": "object",
    "title": "addOutput",
    "properties": {"result": {"title": "Result", "type": "integer"}},
    "required": ["result"],
}
GET_USER_OUTPUT_SCHEMA = {
    "type": "object",
    "title": "User",
    "properties": {
        "id": {"title": "Id", "type": "integer"},
        "name": {"title": "Name", "type": "string"},
        "email": {"title": "Email", "type": "string"},
        "address": {"$ref": "#/$defs/Address"},
        "tags": {"title": "Tags", "type": "array", "items": {"type": "string"}},
    },
    "required": ["id", "name", "email", "address", "tags"],
    "$defs": {
        "Address": {
            "type": "object",
            "title": "Address",
            "properties": {
                "street": {"title": "Street", "type": "string"},
                "city": {"title": "City", "type": "string"},
                "zip": {"title": "Zip", "type": "string"},
            },
            "required": ["street", "city", "zip"],
        }
    },
}


class Recorder:
    """SDK callbacks that record what reached them and answer like a scripted user/LLM."""

    def __init__(self, elicit_action: str = "accept") -> None:
        self.elicit_action = elicit_action
        self.logs: list[LoggingMessageNotificationParams] = []
        self.messages: list[Any] = []
        self.sampling: list[CreateMessageRequestParams] = []
        self.elicitations: list[ElicitRequestParams] = []
        self.roots_calls = 0

    async def sampling_callback(self, context: Any, params: CreateMessageRequestParams) -> CreateMessageResult:
        self.sampling.append(params)
        prompt = params.messages[0].content
        assert isinstance(prompt, TextContent)
        return CreateMessageResult(
            role="assistant", content=TextContent(type="text", text=f"sampled: {prompt.text}"), model="test-model"
        )

    async def elicitation_callback(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.elicitations.append(params)
        if self.elicit_action == "accept":
            return ElicitResult(action="accept", content={"name": "Ada"})
        return ElicitResult(action=self.elicit_action)  # type: ignore[arg-type,unused-ignore]

    async def list_roots_callback(self, context: Any) -> ListRootsResult:
        self.roots_calls += 1
        return ListRootsResult(roots=[Root(uri=uri) for uri in ROOT_URIS])  # type: ignore[arg-type,unused-ignore]

    async def logging_callback(self, params: LoggingMessageNotificationParams) -> None:
        self.logs.append(params)

    async def message_handler(self, message: Any) -> None:
        self.messages.append(message)

    def client(self, server: Any, mode: str = "auto", **kwargs: Any) -> mcp.Client:
        kwargs.setdefault("log_level", "debug")
        return mcp.Client(
            server,
            mode=mode,
            sampling_callback=self.sampling_callback,
            elicitation_callback=self.elicitation_callback,
            list_roots_callback=self.list_roots_callback,
            logging_callback=self.logging_callback,
            message_handler=self.message_handler,
            **kwargs,
        )


def text(result: Any) -> str:
    assert not result.is_error, result
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ------------------------------------------------------------------------- in-memory, both modes


@pytest.mark.anyio
async def test_negotiated_protocol(everything_server: Any, mode: str) -> None:
    async with Recorder().client(everything_server, mode) as client:
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        caps = client.server_capabilities
        assert caps.tools is not None and caps.tools.list_changed
        assert caps.resources is not None and caps.resources.subscribe
        assert caps.prompts is not None and caps.completions is not None
        assert caps.logging is not None  # the server registers logging/setLevel for legacy clients
        assert client.server_info is not None and client.server_info.name == "everything"


@pytest.mark.anyio
async def test_listings(everything_server: Any, mode: str) -> None:
    async with Recorder().client(everything_server, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == TOOL_NAMES
        assert tools["add"].output_schema == ADD_OUTPUT_SCHEMA
        assert tools["get_user"].output_schema == GET_USER_OUTPUT_SCHEMA
        # Resolver-filled parameters are not arguments.
        assert tools["sample"].input_schema["required"] == ["prompt"]
        assert "result" not in tools["roots"].input_schema.get("properties", {})
        assert tools["fail_exact"].output_schema is None

        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert resources == RESOURCE_URIS
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert templates == RESOURCE_TEMPLATES

        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(prompts) == PROMPT_NAMES
        summarize_args = {a.name: a.required for a in prompts["summarize"].arguments or []}
        assert summarize_args == {"text": True, "max_words": False, "style": False}


@pytest.mark.anyio
async def test_basic_tools(everything_server: Any, mode: str) -> None:
    async with Recorder().client(everything_server, mode) as client:
        assert text(await client.call_tool("echo", {"text": "héllo"})) == "héllo"

        added = await client.call_tool("add", {"a": 2, "b": 3})
        assert added.structured_content == {"result": 5}
        assert text(added) == "5"

        user = await client.call_tool("get_user", {"user_id": 1})
        assert user.structured_content == {
            "id": 1,
            "name": "User 1",
            "email": "user1@example.com",
            "address": {"street": "1 Main St", "city": "Springfield", "zip": "12345"},
            "tags": ["admin", "tester"],
        }
        assert json.loads(text(user)) == user.structured_content

        assert (await client.call_tool("getpid", {})).structured_content == {"result": os.getpid()}
        assert (await client.call_tool("getenv", {"name": "PATH"})).structured_content == {"result": os.environ["PATH"]}
        assert (await client.call_tool("getenv", {"name": "NO_SUCH_VAR_X"})).structured_content == {"result": None}
        assert text(await client.call_tool("big", {"size": 100_000})) == "x" * 100_000
        assert text(await client.call_tool("sleep", {"seconds": 0.01})) == "slept 0.01"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "value",
    [None, True, 0, -7, 2.5, "", "text", "null", "[1, 2]", "{}", "5", [], [1, "a", None], {"a": {"b": [1.5, None]}}],
)
async def test_echo_json_round_trips_any_json(everything_server: Any, value: Any) -> None:
    async with mcp.Client(everything_server) as client:
        result = await client.call_tool("echo_json", {"value": value})
        assert not result.is_error
        assert result.structured_content == {"result": value}


@pytest.mark.anyio
async def test_tool_errors(everything_server: Any, mode: str) -> None:
    async with Recorder().client(everything_server, mode) as client:
        failed = await client.call_tool("fail", {"message": "it broke"})
        assert failed.is_error
        assert failed.structured_content is None
        # The SDK prefixes a ToolError's message.
        assert failed.content == [TextContent(type="text", text="Error executing tool fail: it broke")]

        exact = await client.call_tool("fail_exact", {"message": "it broke"})
        assert exact.is_error
        assert exact.content == [TextContent(type="text", text="it broke")]

        unknown = await client.call_tool("no_such_tool", {})
        assert unknown.is_error


@pytest.mark.anyio
async def test_progress(everything_server: Any, mode: str) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with Recorder().client(everything_server, mode) as client:
        result = await client.call_tool("progress", {"steps": 3}, progress_callback=on_progress)
        assert text(result) == "done 3 steps"
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


@pytest.mark.anyio
async def test_logging(everything_server: Any, mode: str) -> None:
    recorder = Recorder()
    async with recorder.client(everything_server, mode) as client:
        await client.call_tool("log", {"message": "hello log", "level": "warning"})
        await client.call_tool("log_many", {"count": 5})
    assert [(m.level, m.logger, m.data) for m in recorder.logs] == [
        ("warning", "everything", "hello log"),
        *[("info", "everything", f"log {i}") for i in range(5)],
    ]


@pytest.mark.anyio
async def test_modern_logging_needs_opt_in(everything_server: Any) -> None:
    recorder = Recorder()
    async with recorder.client(everything_server, log_level=None) as client:
        assert client.protocol_version == "2026-07-28"
        await client.call_tool("log", {"message": "dropped", "level": "emergency"})
    assert recorder.logs == []

    async with recorder.client(everything_server, log_level="warning") as client:
        for level in ("debug", "info", "warning", "error"):
            await client.call_tool("log", {"message": level, "level": level})
    assert [m.data for m in recorder.logs] == ["warning", "error"]


@pytest.mark.anyio
async def test_legacy_logging_set_level(everything_server: Any) -> None:
    recorder = Recorder()
    # log_level has no effect in legacy mode: without setLevel every message is sent.
    async with recorder.client(everything_server, "legacy", log_level=None) as client:
        await client.call_tool("log", {"message": "before", "level": "debug"})
        await client.set_logging_level("error")
        for level in ("info", "error", "critical"):
            await client.call_tool("log", {"message": level, "level": level})
    assert [m.data for m in recorder.logs] == ["before", "error", "critical"]


@pytest.mark.anyio
async def test_sampling(everything_server: Any, mode: str) -> None:
    recorder = Recorder()
    async with recorder.client(everything_server, mode) as client:
        result = await client.call_tool("sample", {"prompt": "what is 2+2?"})
        assert text(result) == "sampled: what is 2+2?"
    [params] = recorder.sampling
    assert params.system_prompt == SAMPLE_SYSTEM_PROMPT
    assert params.max_tokens == 100


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("action", "expected"), [("accept", "hello Ada"), ("decline", "declined"), ("cancel", "cancelled")]
)
async def test_elicitation(everything_server: Any, mode: str, action: str, expected: str) -> None:
    recorder = Recorder(elicit_action=action)
    async with recorder.client(everything_server, mode) as client:
        assert text(await client.call_tool("elicit_name", {})) == expected
    [params] = recorder.elicitations
    assert params.message == ELICIT_MESSAGE
    assert params.requested_schema["properties"]["name"]["type"] == "string"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_roots(everything_server: Any, mode: str) -> None:
    recorder = Recorder()
    async with recorder.client(everything_server, mode) as client:
        result = await client.call_tool("roots", {})
        assert result.structured_content == {"result": ROOT_URIS}
    assert recorder.roots_calls == 1


@pytest.mark.anyio
async def test_server_questions_without_client_capability(everything_server: Any, mode: str) -> None:
    """No callbacks, so no capabilities: a protocol error naming the capability, on both generations."""
    async with mcp.Client(everything_server, mode=mode) as client:
        for tool, args, capability in [
            ("sample", {"prompt": "x"}, "sampling"),
            ("elicit_name", {}, "elicitation"),
            ("roots", {}, "roots"),
        ]:
            with pytest.raises(mcp.MCPError) as raised:
                await client.call_tool(tool, args)
            assert raised.value.error.code == MISSING_REQUIRED_CLIENT_CAPABILITY
            assert capability in raised.value.error.message


@pytest.mark.anyio
async def test_ping(everything_server: Any, mode: str) -> None:
    async with mcp.Client(everything_server, mode=mode) as client:
        if mode == "legacy":
            await client.send_ping()
        else:  # ping is gone in 2026-07-28
            with pytest.raises(mcp.MCPError, match="Method not found"):
                await client.send_ping()


@pytest.mark.anyio
async def test_sleep_cancellation_reaches_server(
    everything_server: Any, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with Recorder().client(everything_server, mode) as client:
        with anyio.move_on_after(0.2):
            await client.call_tool("sleep", {"seconds": 30})
        captured = ""

        def cancelled() -> bool:
            nonlocal captured
            captured += capsys.readouterr().err
            return "cancelled sleep" in captured

        await async_wait_for(cancelled, 5)
        assert text(await client.call_tool("echo", {"text": "still usable"})) == "still usable"


@pytest.mark.anyio
async def test_resources(everything_server: Any, mode: str) -> None:
    async with Recorder().client(everything_server, mode) as client:
        [greeting] = (await client.read_resource("data://greeting")).contents
        assert isinstance(greeting, TextResourceContents) and greeting.text == "hello world"

        [config] = (await client.read_resource("data://config")).contents
        assert isinstance(config, TextResourceContents) and json.loads(config.text) == CONFIG
        assert config.mime_type == "application/json"

        [blob] = (await client.read_resource("data://blob")).contents
        assert isinstance(blob, BlobResourceContents)
        import base64

        assert base64.b64decode(blob.blob) == BLOB

        [counter] = (await client.read_resource("data://counter")).contents
        assert isinstance(counter, TextResourceContents) and counter.text == "0"

        [profile] = (await client.read_resource("users://7/profile")).contents
        assert isinstance(profile, TextResourceContents)
        assert json.loads(profile.text)["address"]["street"] == "7 Main St"

        with pytest.raises(mcp.MCPError):
            await client.read_resource("data://missing")


@pytest.mark.anyio
async def test_prompts(everything_server: Any, mode: str) -> None:
    async with Recorder().client(everything_server, mode) as client:
        greet = await client.get_prompt("greet", {"name": "Alice"})
        [message] = greet.messages
        assert message.role == "user"
        assert isinstance(message.content, TextContent)
        assert message.content.text == "Hello, Alice! How are you today?"

        # Non-string arguments arrive JSON-encoded, as FastMCP-style clients send them.
        summary = await client.get_prompt(
            "summarize", {"text": "long text", "max_words": "10", "style": json.dumps(["brief", "formal"])}
        )
        content = summary.messages[0].content
        assert isinstance(content, TextContent)
        assert content.text == "Summarize in at most 10 words (brief, formal):\n\nlong text"

        default = await client.get_prompt("summarize", {"text": "t"})
        content = default.messages[0].content
        assert isinstance(content, TextContent) and content.text.startswith("Summarize in at most 50 words (plain)")

        with pytest.raises(mcp.MCPError):
            await client.get_prompt("greet", {})  # missing required argument


@pytest.mark.anyio
async def test_completion(everything_server: Any, mode: str) -> None:
    async with Recorder().client(everything_server, mode) as client:
        ref = PromptReference(type="ref/prompt", name="greet")
        completed = await client.complete(ref, {"name": "name", "value": "Al"})
        assert completed.completion.values == ["Alice", "Alicia"]
        assert (await client.complete(ref, {"name": "name", "value": ""})).completion.values == [
            "Alice",
            "Bob",
            "Alicia",
        ]

        template = ResourceTemplateReference(type="ref/resource", uri="users://{user_id}/profile")
        user_ids = (await client.complete(template, {"name": "user_id", "value": "2"})).completion.values
        assert user_ids == ["2", "20"]


@pytest.mark.anyio
async def test_legacy_notifications(everything_server: Any) -> None:
    recorder = Recorder()
    async with recorder.client(everything_server, "legacy") as client:
        await client.call_tool("touch_resource", {"uri": "data://greeting"})
        await async_wait_for(lambda: any(isinstance(m, ResourceUpdatedNotification) for m in recorder.messages))
        [updated] = [m for m in recorder.messages if isinstance(m, ResourceUpdatedNotification)]
        assert updated.params.uri == "data://greeting"

        # bump_counter notifies subscribers only.
        assert (await client.call_tool("bump_counter", {})).structured_content == {"result": 1}
        await client.subscribe_resource("data://counter")
        assert (await client.call_tool("subscriptions", {})).structured_content == {"result": ["data://counter"]}
        await client.call_tool("bump_counter", {})
        await client.unsubscribe_resource("data://counter")
        await client.call_tool("bump_counter", {})
        assert (await client.call_tool("subscriptions", {})).structured_content == {"result": []}
        [counter] = (await client.read_resource("data://counter")).contents
        assert isinstance(counter, TextResourceContents) and counter.text == "3"
        uris = [m.params.uri for m in recorder.messages if isinstance(m, ResourceUpdatedNotification)]
        assert uris == ["data://greeting", "data://counter"]

        assert text(await client.call_tool("add_tool_dynamically", {})) == "dynamic_1"
        await async_wait_for(lambda: any(isinstance(m, ToolListChangedNotification) for m in recorder.messages))
        assert text(await client.call_tool("dynamic_1", {})) == "dynamic_1"
        assert "dynamic_1" in {t.name for t in (await client.list_tools()).tools}


@pytest.mark.anyio
async def test_modern_change_events(everything_server: Any) -> None:
    async with Recorder().client(everything_server) as client:
        async with client.listen(tools_list_changed=True, resource_subscriptions=["data://counter"]) as sub:
            await client.call_tool("bump_counter", {})
            with anyio.fail_after(5):
                assert await sub.__anext__() == ResourceUpdated(uri="data://counter")
            await client.call_tool("add_tool_dynamically", {"name": "extra"})
            with anyio.fail_after(5):
                assert await sub.__anext__() == ToolsListChanged()
        assert text(await client.call_tool("extra", {})) == "extra"


# ------------------------------------------------------------------- subprocess transports


@pytest.mark.anyio
async def test_stdio(everything_script: Path, mode: str, tmp_path: Path) -> None:
    recorder = Recorder()
    errlog = (tmp_path / "stderr.txt").open("w+")
    params = StdioServerParameters(command=sys.executable, args=[str(everything_script)], env={"EVERYTHING_X": "1"})
    with errlog:
        async with recorder.client(stdio_client(params, errlog=errlog), mode) as client:
            assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
            structured = (await client.call_tool("getpid", {})).structured_content
            assert structured is not None
            pid = structured["result"]
            assert pid != os.getpid() and pid in children_pids()
            assert (await client.call_tool("getenv", {"name": "EVERYTHING_X"})).structured_content == {"result": "1"}
            assert text(await client.call_tool("sample", {"prompt": "hi"})) == "sampled: hi"
            assert text(await client.call_tool("elicit_name", {})) == "hello Ada"
            await client.call_tool("log", {"message": "over stdio"})
            assert [m.data for m in recorder.logs] == ["over stdio"]

            with anyio.move_on_after(0.3):
                await client.call_tool("sleep", {"seconds": 30})

            def stderr_text() -> str:
                errlog.seek(0)
                return errlog.read()

            await async_wait_for(lambda: "cancelled sleep" in stderr_text(), 10)
            await client.call_tool("write_stderr", {"text": "to stderr"})
            await async_wait_for(lambda: "to stderr" in stderr_text(), 10)
        wait_for_exit([pid], 10)


@pytest.mark.anyio
async def test_http_url(http_url: str, http_server: Any, mode: str) -> None:
    assert http_url.startswith("http://127.0.0.1:") and http_url.endswith("/mcp")
    recorder = Recorder()
    async with recorder.client(http_url, mode) as client:
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        assert (await client.call_tool("getpid", {})).structured_content == {"result": http_server.pid}
        assert text(await client.call_tool("sample", {"prompt": "hi"})) == "sampled: hi"
        assert (await client.call_tool("roots", {})).structured_content == {"result": ROOT_URIS}
        seen: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append(progress)

        await client.call_tool("progress", {"steps": 2}, progress_callback=on_progress)
        assert seen == [1, 2]
        await client.call_tool("log", {"message": "over http"})
        assert [m.data for m in recorder.logs] == ["over http"]

        with anyio.move_on_after(0.3):
            await client.call_tool("sleep", {"seconds": 30})
        await async_wait_for(lambda: "cancelled sleep" in http_server.stderr_text(), 10)


@pytest.mark.anyio
async def test_http_explicit_transport(http_url: str) -> None:
    async with mcp.Client(streamable_http_client(http_url), mode="legacy") as client:
        assert (await client.call_tool("add", {"a": 1, "b": 2})).structured_content == {"result": 3}


@pytest.mark.anyio
async def test_sse_url(sse_url: str, sse_server: Any, mode: str) -> None:
    assert sse_url.startswith("http://127.0.0.1:") and sse_url.endswith("/sse")
    recorder = Recorder()
    async with recorder.client(sse_client(sse_url), mode) as client:
        assert (await client.call_tool("getpid", {})).structured_content == {"result": sse_server.pid}
        assert text(await client.call_tool("elicit_name", {})) == "hello Ada"
        await client.call_tool("log", {"message": "over sse"})
        assert [m.data for m in recorder.logs] == ["over sse"]
        [blob] = (await client.read_resource("data://blob")).contents
        assert isinstance(blob, BlobResourceContents)


@pytest.mark.anyio
async def test_crash_only_kills_a_private_server(start_http_server: Any) -> None:
    server = start_http_server()
    port = server.port
    async with mcp.Client(server.url, mode="legacy") as client:
        assert text(await client.call_tool("echo", {"text": "up"})) == "up"
        with anyio.fail_after(15), pytest.raises(Exception):  # noqa: B017 - any transport failure
            await client.call_tool("crash", {})
    wait_for(lambda: not server.is_running(), 10)
    assert server.proc.returncode == 3

    # What the shared fixtures do when a test crashed them: restart on the same port.
    server.ensure_running()
    assert server.port == port
    async with mcp.Client(server.url) as client:
        assert text(await client.call_tool("echo", {"text": "back"})) == "back"


def test_private_servers_are_separate_processes(start_http_server: Any, http_server: Any) -> None:
    a = start_http_server()
    b = start_http_server("sse", "--name", "other")
    assert len({a.pid, b.pid, http_server.pid}) == 3
    assert b.url.endswith("/sse") and a.url.endswith("/mcp")
    a.stop()
    b.kill()
    assert pid_state(a.pid) == "gone" and pid_state(b.pid) == "gone"


# ------------------------------------------------------------------------- misbehaving servers


def test_startup_fail_script(startup_fail_script: Path) -> None:
    done = subprocess.run([sys.executable, str(startup_fail_script)], input=b"", capture_output=True, timeout=30)
    assert done.returncode == 3
    assert done.stderr.decode().strip() == "boom: bad config"
    assert done.stdout == b""


@pytest.mark.parametrize("ignore_sigterm", [False, True])
def test_slow_start_script_never_answers(slow_start_script: Path, ignore_sigterm: bool) -> None:
    args = [sys.executable, str(slow_start_script)] + (["--ignore-sigterm"] if ignore_sigterm else [])
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stderr is not None and proc.stdin is not None
        assert b"never answering" in proc.stderr.readline()  # started and installed its handlers
        proc.stdin.write(b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}\n')
        proc.stdin.close()  # EOF does not end it
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(0.3)
        proc.terminate()
        if ignore_sigterm:
            with pytest.raises(subprocess.TimeoutExpired):
                proc.wait(0.3)
            proc.kill()
        assert proc.wait(10) == (-signal.SIGKILL if ignore_sigterm else -signal.SIGTERM)
        assert proc.stdout is not None and proc.stdout.read() == b""
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


# ------------------------------------------------------------------------------------ helpers


def test_process_helpers() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(60)']); time.sleep(60)",
        ],
    )
    try:
        assert proc.pid in children_pids()
        wait_for(lambda: len(descendant_pids(proc.pid)) == 1, 10)
        [grandchild] = descendant_pids(proc.pid)
        assert grandchild not in children_pids()
        assert pid_alive(proc.pid) and pid_alive(grandchild)
        os.kill(grandchild, signal.SIGKILL)
        wait_for(lambda: pid_state(grandchild) != "running", 10)  # reaped by its parent once it exits
        proc.kill()
        wait_for(lambda: pid_state(proc.pid) == "zombie", 10)  # exited, not yet waited for
        assert not pid_alive(proc.pid)
        assert proc.pid in zombie_children()
    finally:
        proc.kill()
        proc.wait()
    assert pid_state(proc.pid) == "gone"
    assert proc.pid not in children_pids()


def test_wait_for_reports_timeouts() -> None:
    assert wait_for(lambda: 42, 1) == 42
    with pytest.raises(AssertionError, match="never true"):
        wait_for(lambda: False, 0.05, message="never true")


@pytest.mark.anyio
async def test_async_wait_for() -> None:
    calls = 0

    async def third_time() -> bool:
        nonlocal calls
        calls += 1
        return calls >= 3

    assert await async_wait_for(third_time, 5)
    with pytest.raises(AssertionError, match="condition not met"):
        await async_wait_for(lambda: None, 0.05)


def test_no_new_children_fixture_is_usable(no_new_children: None) -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=30)


# ------------------------------------------------------------------------------------- example


@pytest.mark.anyio
async def test_example_server(mode: str) -> None:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "examples" / "server.py"
    spec = importlib.util.spec_from_file_location("example_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    async with mcp.Client(module.server, mode=mode) as client:
        assert {"add", "weather", "slow_count"} <= {t.name for t in (await client.list_tools()).tools}
        assert (await client.call_tool("add", {"a": 2, "b": 40})).structured_content == {"result": 42}
        weather = (await client.call_tool("weather", {"city": "Paris"})).structured_content
        assert weather is not None and weather["city"] == "Paris" and isinstance(weather["temperature_c"], float)
        await client.call_tool("slow_count", {"n": 3}, progress_callback=on_progress)
        assert seen == [1, 2, 3]
        [note] = (await client.read_resource("notes://today")).contents
        assert isinstance(note, TextResourceContents) and note.text
        prompt = await client.get_prompt("review_code", {"code": "print(1)"})
        assert "print(1)" in prompt.messages[0].content.text  # type: ignore[union-attr]


def test_example_server_over_stdio() -> None:
    path = Path(__file__).resolve().parent.parent / "examples" / "server.py"

    async def main() -> Any:
        params = StdioServerParameters(command=sys.executable, args=[str(path)])
        async with mcp.Client(params) as client:
            return (await client.call_tool("add", {"a": 1, "b": 1})).structured_content

    assert anyio.run(main) == {"result": 2}
