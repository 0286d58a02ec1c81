"""A server written with the official TypeScript SDK (`tests/servers/node_echo.js`), reached by
`.js` path inference: `Client("tests/servers/node_echo.js", env={"NODE_PATH": ...})`.

The SDK lives in the test cache, so NODE_PATH has to be passed through `env=`: a stdio server
gets only a minimal environment (which the first test shows from the failing side).
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers import async_wait_for
from mcp import types

from mcpclient import ServerStartupError, ToolError
from mcpclient.transports import NodeStdioTransport

from .clients import CLIENT_KINDS, Hooks, Shared, ThreadLog, close_client, make_client

pytestmark = [pytest.mark.interop, pytest.mark.anyio]

SERVER = "node_echo.js (TypeScript SDK 1.x)"
SCRIPT = Path(__file__).resolve().parents[1] / "servers" / "node_echo.js"


def compat(feature: str) -> pytest.MarkDecorator:
    return pytest.mark.compat(server=SERVER, feature=feature, transport="stdio")


@pytest.fixture(scope="module", params=CLIENT_KINDS)
def client(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
async def shared(client: str, node_env: dict[str, str]) -> AsyncIterator[Shared]:
    hooks = Hooks()
    c = make_client(
        client,
        str(SCRIPT),
        tracked=False,
        env=node_env,
        timeout=30,
        sampling_handler=hooks.sampling,
        elicitation_handler=hooks.elicitation,
        roots=hooks.list_roots,
        log_handler=hooks.log,
        message_handler=hooks.message,
    )
    async with c:
        yield Shared(c, hooks)
    await close_client(c)


def text(result: Any) -> str:
    return "".join(block.text for block in result.content if isinstance(block, types.TextContent))


@compat(".js path inference (NodeStdioTransport)")
async def test_js_path_inference(client: str, node_env: dict[str, str], no_new_children: None) -> None:
    c = make_client(client, str(SCRIPT), env=node_env)
    assert isinstance(c.transport, NodeStdioTransport)
    assert "NODE_PATH" in repr(c.transport) and node_env["NODE_PATH"] not in repr(c.transport)
    async with c:
        assert c.initialize_result.server_info.name == "node-echo"
        assert c.initialize_result.instructions == "A Node.js echo server for mcpclient's interop tests."
        assert await c.ping()
    await close_client(c)


@compat("start-up failure names the command and stderr")
async def test_missing_module_is_a_startup_error(client: str, npm_modules: Path, no_new_children: None) -> None:
    # Without NODE_PATH the script cannot find the SDK: node prints the error and exits.
    c = make_client(client, str(SCRIPT), init_timeout=20)
    with pytest.raises(ServerStartupError) as excinfo:
        async with c:
            pass
    error = excinfo.value
    assert error.exit_code == 1
    assert any("Cannot find module '@modelcontextprotocol/sdk/server/mcp.js'" in line for line in error.stderr_tail)
    assert "node_echo.js" in str(error)
    await close_client(c)


@compat("tools/list + call (text, structured, error)")
async def test_tools(c: Any) -> None:
    tools = {tool.name: tool for tool in await c.list_tools()}
    assert {"echo", "echo_json", "add", "fail", "progress", "log", "sample", "elicit", "roots"} <= set(tools)
    assert tools["add"].output_schema["properties"] == {"sum": {"type": "number"}}
    assert text(await c.call_tool("echo", {"text": "ünïcödé ✓"})) == "ünïcödé ✓"
    added = await c.call_tool("add", {"a": 1.5, "b": 2})
    assert added.structured_content == {"sum": 3.5} and added.data.sum == 3.5
    value = {"list": [1, 2.5, None, True, "ü"], "nested": {"deep": [{}]}}
    echoed = await c.call_tool("echo_json", {"value": value})
    assert echoed.structured_content == {"value": value} and echoed.data.value == value
    with pytest.raises(ToolError, match="deliberate failure") as excinfo:
        await c.call_tool("fail", {"message": "deliberate failure"})
    assert excinfo.value.message == "deliberate failure"


@compat("progress notifications")
async def test_progress(c: Any) -> None:
    progress = ThreadLog()
    await c.call_tool("progress", {"steps": 3}, progress_handler=lambda p, t, m: progress.add((p, t, m)))
    await async_wait_for(lambda: len(progress.values) == 3, 5)
    assert progress.values == [(1.0, 3.0, "step 1"), (2.0, 3.0, "step 2"), (3.0, 3.0, "step 3")]


@compat("logging (notifications/message)")
async def test_logging(c: Any, hooks: Hooks) -> None:
    logs = ThreadLog()
    hooks.on_log = logs.add
    await c.set_logging_level("info")
    await c.call_tool("log", {"message": "über-wichtig", "level": "warning"})
    await c.call_tool("log", {"message": "too quiet", "level": "debug"})  # below the level: not sent
    await c.call_tool("log", {"message": "sentinel", "level": "error"})
    await async_wait_for(lambda: len(logs.values) >= 2, 5)
    assert [(m.level, m.data, m.logger) for m in logs.values] == [
        ("warning", "über-wichtig", "node-echo"),
        ("error", "sentinel", "node-echo"),
    ]


@compat("sampling")
async def test_sampling(c: Any, hooks: Hooks) -> None:
    threads: list[str] = []

    def sampling_handler(messages: list[Any], params: Any, context: Any) -> str:
        threads.append(threading.current_thread().name)
        return f"LLM: {messages[0].content.text} ({params.max_tokens})"

    hooks.on_sampling = sampling_handler
    assert text(await c.call_tool("sample", {"prompt": "hi"})) == "LLM: hi (50)"
    assert threads and not threads[0].startswith("mcpclient-loop")


@compat("elicitation")
async def test_elicitation(c: Any, hooks: Hooks) -> None:
    hooks.on_elicitation = lambda message, response_type, params, context: {"name": f"Zoë ({message})"}
    assert text(await c.call_tool("elicit", {})) == "hello Zoë (Your name?)"
    hooks.on_elicitation = lambda *args: None
    assert text(await c.call_tool("elicit", {})) == "decline"


@compat("roots")
async def test_roots(c: Any, hooks: Hooks, tmp_path: Path) -> None:
    hooks.roots = [str(tmp_path), "file:///data/ü"]
    # Paths become file:// URIs; non-ASCII characters are percent-encoded on the wire.
    assert json.loads(text(await c.call_tool("roots", {}))) == [tmp_path.as_uri(), "file:///data/%C3%BC"]


@compat("resources, templates, completion, prompts")
async def test_resources_and_prompts(c: Any) -> None:
    (greeting,) = await c.read_resource("node://greeting")
    assert greeting.text == "Grüße aus Node.js ✓"
    assert [str(r.uri) for r in await c.list_resources()] == ["node://greeting"]
    assert [t.uri_template for t in await c.list_resource_templates()] == ["node://users/{id}"]
    (user,) = await c.read_resource("node://users/42")
    assert json.loads(user.text) == {"id": 42}
    ref = types.ResourceTemplateReference(type="ref/resource", uri="node://users/{id}")
    assert (await c.complete(ref, {"name": "id", "value": "2"})).values == ["2", "20"]
    prompt = await c.get_prompt("greet", {"name": "Ådne"})
    assert prompt.messages[0].content.text == "Hello, Ådne!"


@compat("concurrent calls + handlers calling back")
async def test_concurrency(c: Any, hooks: Hooks, client: str) -> None:
    async def one(i: int) -> None:
        assert text(await c.call_tool("echo", {"text": f"#{i}"})) == f"#{i}"

    async with anyio.create_task_group() as tg:
        for i in range(25):
            tg.start_soon(one, i)
    if client == "sync":
        # A sampling handler that calls back into the same SyncClient must not deadlock.
        facade = c

        def sampling_handler(messages: list[Any], params: Any, context: Any) -> str:
            return text(facade.sync.call_tool("echo", {"text": "nested"}))

        hooks.on_sampling = sampling_handler
        assert text(await c.call_tool("sample", {"prompt": "x"})) == "nested"
