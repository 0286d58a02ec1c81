"""`@modelcontextprotocol/server-everything` (npm, the TypeScript reference test server).

Every tool, resource, template, prompt, completion, logging, progress, sampling, elicitation
and roots feature it offers, over stdio (by `.js` path inference), SSE and Streamable HTTP,
through both `Client` and `SyncClient`.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers import async_wait_for
from mcp import types

from mcpclient import ProtocolError, ToolError
from mcpclient.transports import NodeStdioTransport, SSETransport, StreamableHttpTransport

from .clients import CLIENT_KINDS, Hooks, Shared, ThreadLog, close_client, make_client

pytestmark = [pytest.mark.interop, pytest.mark.anyio]

SERVER = "server-everything (npm)"
TRANSPORTS = ("stdio", "sse", "streamable-http")
BASE_TOOLS = {
    "echo",
    "get-annotated-message",
    "get-env",
    "get-resource-links",
    "get-resource-reference",
    "get-structured-content",
    "get-sum",
    "get-tiny-image",
    "gzip-file-as-resource",
    "toggle-simulated-logging",
    "toggle-subscriber-updates",
    "trigger-long-running-operation",
}
# Registered only when the client declares the matching capability (roots, sampling, elicitation).
CONDITIONAL_TOOLS = {
    "get-roots-list",
    "trigger-sampling-request",
    "trigger-elicitation-request",
    "trigger-url-elicitation",
}
PROMPTS = {"simple-prompt", "args-prompt", "completable-prompt", "resource-prompt"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def compat(feature: str) -> pytest.MarkDecorator:
    return pytest.mark.compat(server=SERVER, feature=feature)


@pytest.fixture(scope="module", params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=CLIENT_KINDS)
def client(request: pytest.FixtureRequest) -> str:
    """The face under test (module scope, so tests group by transport x client and share a session)."""
    return str(request.param)


@pytest.fixture(scope="module")
def source(transport: str, request: pytest.FixtureRequest) -> Any:
    """What the user passes to `Client(...)`: the `.js` path, or the `/sse` or `/mcp` URL."""
    if transport == "stdio":
        return str(request.getfixturevalue("everything_js"))
    if transport == "sse":
        return request.getfixturevalue("everything_js_sse")
    return request.getfixturevalue("everything_js_http")


def new_client(kind: str, source: Any, **options: Any) -> Any:
    options.setdefault("timeout", 30)
    options.setdefault("name", "everything")
    return make_client(kind, source, **options)


@pytest.fixture(scope="module")
async def shared(source: Any, client: str) -> AsyncIterator[Shared]:
    """One connected client per transport x face, with every handler (so every capability) declared."""
    hooks = Hooks()
    c = new_client(
        client,
        source,
        tracked=False,
        sampling_handler=hooks.sampling,
        elicitation_handler=hooks.elicitation,
        roots=hooks.list_roots,
        log_handler=hooks.log,
        message_handler=hooks.message,
    )
    async with c:
        yield Shared(c, hooks)
    await close_client(c)


def texts(result: Any) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def loop_free_thread() -> bool:
    """True in a plain thread (how the sync face must run handlers), False on an event loop thread."""
    return not threading.current_thread().name.startswith("mcpclient-loop")


# ------------------------------------------------------------------- own connection per test


@compat("transport inference + no orphan process")
async def test_transport_inference(source: Any, transport: str, client: str, no_new_children: None) -> None:
    expected = {"stdio": NodeStdioTransport, "sse": SSETransport, "streamable-http": StreamableHttpTransport}
    c = new_client(client, source)
    assert isinstance(c.transport, expected[transport])
    async with c:
        assert await c.ping() is True
        pid = c.transport.pid if transport == "stdio" else None
    await close_client(c)
    if transport == "stdio":  # the server process ends with the client (no_new_children checks the tree)
        assert pid is not None and c.transport.returncode is not None


@compat("tools/list (capability-dependent tools)")
async def test_list_tools(c: Any, source: Any, client: str) -> None:
    tools = {tool.name: tool for tool in await c.list_tools()}
    assert set(tools) >= BASE_TOOLS | CONDITIONAL_TOOLS  # the shared client declares every capability
    echo = tools["echo"]
    assert echo.input_schema["properties"]["message"]["type"] == "string"
    assert echo.annotations is not None and echo.annotations.read_only_hint is True
    assert tools["get-structured-content"].output_schema is not None
    raw = await c.list_tools_mcp()
    assert {t.name for t in raw.tools} == set(tools)
    # Without handlers, the capability-dependent tools are not offered.
    async with new_client(client, source) as plain:
        names = {tool.name for tool in await plain.list_tools()}
    await close_client(plain)
    assert names >= BASE_TOOLS
    assert not names & CONDITIONAL_TOOLS


@compat("get-env: stdio environment isolation")
@pytest.mark.parametrize("transport", ["stdio"], indirect=True)  # only a stdio server inherits our environment
async def test_environment_isolation(source: Any, client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPCLIENT_TEST_SECRET", "hunter2")
    async with new_client(client, source, env={"MCPCLIENT_PASSED": "yes"}, keep_alive=False) as c:
        env = json.loads(texts(await c.call_tool("get-env", {})))
    assert env.get("MCPCLIENT_PASSED") == "yes"
    assert "MCPCLIENT_TEST_SECRET" not in env
    assert "hunter2" not in json.dumps(env)
    assert "PATH" in env


@compat("keep-alive reuse + reconnect after close")
async def test_keep_alive_and_reconnect(source: Any, transport: str, client: str) -> None:
    c = new_client(client, source)
    async with c:
        first = c.initialize_result
        pid = c.transport.pid if transport == "stdio" else None
    async with c:  # a stdio server is kept alive between contexts and reused
        assert await c.ping()
        if transport == "stdio":
            assert c.transport.pid == pid
    await close_client(c)
    async with c:  # and a closed client connects again
        assert texts(await c.call_tool("echo", {"message": "again"})) == "Echo: again"
        assert c.initialize_result.server_info == first.server_info
        if transport == "stdio":
            assert c.transport.pid != pid
    await close_client(c)


# ------------------------------------------------------------------------- shared connection


@compat("initialize")
async def test_initialize(c: Any) -> None:
    result = c.initialize_result
    assert result is not None
    assert result.server_info.name == "mcp-servers/everything"
    assert result.server_info.title == "Everything Reference Server"
    assert result.instructions and "everything" in result.instructions.lower()
    caps = result.capabilities
    assert caps.tools and caps.resources and caps.prompts and caps.logging is not None
    assert caps.resources.subscribe is True
    assert c.protocol_version == result.protocol_version
    assert c.is_connected()


@compat("ping")
async def test_ping(c: Any) -> None:
    assert await c.ping() is True
    assert await c.ping(timeout=5) is True


@compat("tools/call: text")
async def test_call_text_tools(c: Any) -> None:
    result = await c.call_tool("echo", {"message": "héllo wörld ✓ 日本語 🚀"})
    assert result.is_error is False
    assert texts(result) == "Echo: héllo wörld ✓ 日本語 🚀"
    assert result.structured_content is None and result.data is None
    assert texts(await c.call_tool("get-sum", {"a": 2.5, "b": -1})) == "The sum of 2.5 and -1 is 1.5."
    raw = await c.call_tool_mcp("get-sum", {"a": 1, "b": 2})
    assert isinstance(raw, types.CallToolResult) and raw.is_error is False


@compat("tools/call: image and annotations")
async def test_call_image_and_annotations(c: Any) -> None:
    tiny = await c.call_tool("get-tiny-image", {})
    images = [b for b in tiny.content if isinstance(b, types.ImageContent)]
    assert len(images) == 1 and images[0].mime_type == "image/png"
    assert base64.b64decode(images[0].data).startswith(PNG_MAGIC)

    annotated = await c.call_tool("get-annotated-message", {"messageType": "error", "includeImage": True})
    first = annotated.content[0]
    assert isinstance(first, types.TextContent) and first.annotations is not None
    assert first.annotations.priority == 1.0 and set(first.annotations.audience or ()) == {"user", "assistant"}
    assert any(isinstance(b, types.ImageContent) for b in annotated.content)


@compat("tools/call: resource links and embedded resources")
async def test_call_resource_blocks(c: Any) -> None:
    links = await c.call_tool("get-resource-links", {"count": 4})
    resource_links = [b for b in links.content if isinstance(b, types.ResourceLink)]
    assert [str(link.uri) for link in resource_links] == [
        "demo://resource/dynamic/blob/1",
        "demo://resource/dynamic/text/2",
        "demo://resource/dynamic/blob/3",
        "demo://resource/dynamic/text/4",
    ]
    for resource_type, content_type in (("Text", types.TextResourceContents), ("Blob", types.BlobResourceContents)):
        result = await c.call_tool("get-resource-reference", {"resourceType": resource_type, "resourceId": 7})
        embedded = [b for b in result.content if isinstance(b, types.EmbeddedResource)]
        assert len(embedded) == 1 and isinstance(embedded[0].resource, content_type)
        assert str(embedded[0].resource.uri).endswith("/7")


@compat("tools/call: structured output (.data)")
async def test_structured_content(c: Any) -> None:
    result = await c.call_tool("get-structured-content", {"location": "Chicago"})
    assert result.structured_content == {"temperature": 36, "conditions": "Light rain / drizzle", "humidity": 82}
    assert result.data.temperature == 36
    assert result.data.conditions == "Light rain / drizzle"
    assert result.data.humidity == 82
    assert json.loads(texts(result)) == result.structured_content


@compat("tools/call: tool error -> ToolError")
async def test_tool_error(c: Any) -> None:
    with pytest.raises(ToolError, match="Invalid resourceId") as excinfo:
        await c.call_tool("get-resource-reference", {"resourceType": "Text", "resourceId": -1})
    assert excinfo.value.tool == "get-resource-reference"
    assert excinfo.value.result.is_error is True
    result = await c.call_tool(
        "get-resource-reference", {"resourceType": "Text", "resourceId": -1}, raise_on_error=False
    )
    assert result.is_error is True and "Invalid resourceId" in texts(result)
    # Arguments that fail the server's input schema are a tool error too.
    with pytest.raises(ToolError):
        await c.call_tool("get-sum", {"a": "one", "b": 2})
    # The session is fine afterwards.
    assert texts(await c.call_tool("echo", {"message": "still here"})) == "Echo: still here"


@compat("tools/call: unknown tool -> error")
async def test_unknown_tool(c: Any) -> None:
    with pytest.raises((ToolError, ProtocolError), match="no-such-tool"):
        await c.call_tool("no-such-tool", {})
    assert await c.ping()


@compat("session resources (gzip-file-as-resource)")
async def test_gzip_session_resource(c: Any) -> None:
    payload = ("Grüße, MCP! " * 200).encode()
    data_uri = "data:text/plain;base64," + base64.b64encode(payload).decode()
    inline = await c.call_tool(
        "gzip-file-as-resource", {"name": "inline.gz", "data": data_uri, "outputType": "resource"}
    )
    (block,) = inline.content
    assert isinstance(block, types.EmbeddedResource) and isinstance(block.resource, types.BlobResourceContents)
    assert gzip.decompress(base64.b64decode(block.resource.blob)) == payload

    linked = await c.call_tool("gzip-file-as-resource", {"name": "linked.gz", "data": data_uri})
    (link,) = linked.content
    assert isinstance(link, types.ResourceLink)
    (contents,) = await c.read_resource(str(link.uri))
    assert isinstance(contents, types.BlobResourceContents) and contents.mime_type == "application/gzip"
    assert gzip.decompress(base64.b64decode(contents.blob)) == payload


@compat("resources/list + read (text)")
async def test_resources(c: Any) -> None:
    resources = await c.list_resources()
    uris = {str(r.uri) for r in resources}
    assert "demo://resource/static/document/features.md" in uris
    raw = await c.list_resources_mcp()
    assert {str(r.uri) for r in raw.resources} <= uris
    (features,) = await c.read_resource("demo://resource/static/document/features.md")
    assert isinstance(features, types.TextResourceContents) and features.mime_type == "text/markdown"
    assert "# Everything Server - Features" in features.text
    static = [r for r in resources if str(r.uri).startswith("demo://resource/static/document/")]
    assert len(static) >= 5
    for resource in static:  # every static document reads back as the text it announced
        (contents,) = await c.read_resource(str(resource.uri))
        assert isinstance(contents, types.TextResourceContents) and contents.text
        assert str(contents.uri) == str(resource.uri) and contents.mime_type == resource.mime_type
    with pytest.raises(ProtocolError):
        await c.read_resource("demo://resource/static/document/no-such-file.md")


@compat("resources/templates/list + read (text, blob)")
async def test_resource_templates(c: Any) -> None:
    templates = {t.uri_template: t for t in await c.list_resource_templates()}
    assert set(templates) >= {"demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/blob/{resourceId}"}
    raw_templates = await c.list_resource_templates_mcp()
    assert {t.uri_template for t in raw_templates.resource_templates} == set(templates)
    (text,) = await c.read_resource("demo://resource/dynamic/text/42")
    assert isinstance(text, types.TextResourceContents) and text.text.startswith("Resource 42: This is a plaintext")
    (blob,) = await c.read_resource("demo://resource/dynamic/blob/43")
    assert isinstance(blob, types.BlobResourceContents)
    assert base64.b64decode(blob.blob).decode().startswith("Resource 43: This is a base64 blob")
    raw = await c.read_resource_mcp("demo://resource/dynamic/text/1")
    assert isinstance(raw, types.ReadResourceResult)
    with pytest.raises(ProtocolError):
        await c.read_resource("demo://resource/dynamic/text/not-a-number")


@compat("resources/subscribe + updated notifications")
async def test_subscriptions(c: Any, hooks: Hooks) -> None:
    updates = ThreadLog()

    def on_message(message: Any) -> None:
        if getattr(message, "method", None) == "notifications/resources/updated":
            updates.add(str(message.params.uri))

    hooks.on_message = on_message
    uri = "demo://resource/dynamic/text/1"
    await c.subscribe_resource(uri)
    try:
        await c.call_tool("toggle-subscriber-updates", {})  # sends one update at once, then every 5 s
        try:
            await async_wait_for(lambda: uri in updates.values, 10, message="no resources/updated notification")
        finally:
            await c.call_tool("toggle-subscriber-updates", {})
    finally:
        await c.unsubscribe_resource(uri)


@compat("prompts/list + get")
async def test_prompts(c: Any) -> None:
    prompts = {p.name: p for p in await c.list_prompts()}
    assert set(prompts) >= PROMPTS
    assert [(a.name, a.required) for a in prompts["args-prompt"].arguments or []] == [("city", True), ("state", False)]
    raw_list = await c.list_prompts_mcp()
    assert {p.name for p in raw_list.prompts} == set(prompts)

    simple = await c.get_prompt("simple-prompt")
    assert simple.messages[0].content.text == "This is a simple prompt without arguments."
    args = await c.get_prompt("args-prompt", {"city": "Zürich", "state": "ZH"})
    assert args.messages[0].content.text == "What's weather in Zürich, ZH?"
    # A non-string argument is sent as JSON text ("3"), which the server parses as an integer.
    embedded = await c.get_prompt("resource-prompt", {"resourceType": "Blob", "resourceId": 3})
    resource = embedded.messages[1].content
    assert isinstance(resource, types.EmbeddedResource)
    assert str(resource.resource.uri) == "demo://resource/dynamic/blob/3"
    team = await c.get_prompt("completable-prompt", {"department": "Sales", "name": "Eve"})
    assert team.messages[0].content.text == "Please promote Eve to the head of the Sales team."
    raw = await c.get_prompt_mcp("simple-prompt")
    assert isinstance(raw, types.GetPromptResult)
    with pytest.raises(ProtocolError):
        await c.get_prompt("args-prompt", {})  # missing required "city"


@compat("completion/complete (prompt + template, with context)")
async def test_completion(c: Any) -> None:
    prompt = types.PromptReference(type="ref/prompt", name="completable-prompt")
    template = types.ResourceTemplateReference(type="ref/resource", uri="demo://resource/dynamic/text/{resourceId}")
    assert (await c.complete(prompt, {"name": "department", "value": "E"})).values == ["Engineering"]
    names = await c.complete(prompt, {"name": "name", "value": ""}, {"department": "Sales"})
    assert names.values == ["David", "Eve", "Frank"]
    assert (await c.complete(prompt, {"name": "name", "value": "Ev"}, {"department": "Sales"})).values == ["Eve"]
    assert (await c.complete(template, {"name": "resourceId", "value": "12"})).values == ["12"]
    raw = await c.complete_mcp(prompt, {"name": "department", "value": "S"})
    assert set(raw.completion.values) == {"Sales", "Support"}


@compat("logging (setLevel + notifications/message)")
async def test_logging(c: Any, client: str, hooks: Hooks) -> None:
    logs = ThreadLog()
    hooks.on_log = logs.add
    await c.set_logging_level("debug")
    await c.call_tool("toggle-simulated-logging", {})  # one message at once, then every 5 s
    try:
        await async_wait_for(lambda: logs.values, 10, message="no log message arrived")
    finally:
        await c.call_tool("toggle-simulated-logging", {})
    message = logs.values[0]
    assert message.level in {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}
    assert "message" in str(message.data)
    assert message.server == "everything"
    if client == "sync":  # plain handlers run in a caller's thread or the handler thread, never on the loop
        assert not any(name.startswith("mcpclient-loop") for name in logs.threads), logs.threads


@compat("progress notifications")
async def test_progress(c: Any, client: str) -> None:
    progress = ThreadLog()

    def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.add((value, total))

    result = await c.call_tool(
        "trigger-long-running-operation", {"duration": 0.2, "steps": 4}, progress_handler=on_progress
    )
    assert "Long running operation completed" in texts(result)
    await async_wait_for(lambda: len(progress.values) == 4, 5, message=lambda: f"progress: {progress.values}")
    assert progress.values == [(1.0, 4.0), (2.0, 4.0), (3.0, 4.0), (4.0, 4.0)]
    if client == "sync":  # a per-call progress handler runs in the thread that made the call
        assert len(progress.threads) == 1 and not next(iter(progress.threads)).startswith("mcpclient-loop")


@compat("sampling (sampling/createMessage)")
async def test_sampling(c: Any, hooks: Hooks) -> None:
    seen = ThreadLog()

    def sampling_handler(messages: list[Any], params: Any, context: Any) -> str:
        seen.add((messages[0].content.text, params.system_prompt, params.max_tokens, loop_free_thread()))
        return "A haiku, from the test's fake LLM 🌸"

    hooks.on_sampling = sampling_handler
    result = await c.call_tool("trigger-sampling-request", {"prompt": "write a haiku", "maxTokens": 77})
    assert seen.values == [
        ("Resource trigger-sampling-request context: write a haiku", "You are a helpful test server.", 77, True)
    ]
    body = json.loads(texts(result).split("\n", 1)[1])
    assert body["content"] == {"type": "text", "text": "A haiku, from the test's fake LLM 🌸"}
    assert body["role"] == "assistant"


@compat("sampling: full CreateMessageResult")
async def test_sampling_full_result(c: Any, hooks: Hooks) -> None:
    hooks.on_sampling = lambda messages, params, context: types.CreateMessageResult(
        role="assistant", content=types.TextContent(type="text", text="42"), model="test-model", stop_reason="maxTokens"
    )
    result = await c.call_tool("trigger-sampling-request", {"prompt": "answer"})
    body = json.loads(texts(result).split("\n", 1)[1])
    assert body["model"] == "test-model" and body["stopReason"] == "maxTokens" and body["content"]["text"] == "42"


@compat("elicitation (form: accept / decline / cancel)")
async def test_elicitation(c: Any, hooks: Hooks) -> None:
    answers: list[Any] = [
        {"name": "Zoë Ångström", "check": True, "email": "zoe@example.com", "integer": 7},
        None,  # decline
        types.ElicitResult(action="cancel"),
    ]
    seen = ThreadLog()

    def elicitation_handler(message: str, response_type: Any, params: Any, context: Any) -> Any:
        seen.add((message, response_type, loop_free_thread()))
        return answers.pop(0)

    hooks.on_elicitation = elicitation_handler
    accepted = texts(await c.call_tool("trigger-elicitation-request", {}))
    declined = texts(await c.call_tool("trigger-elicitation-request", {}))
    cancelled = texts(await c.call_tool("trigger-elicitation-request", {}))
    assert "✅ User provided the requested information!" in accepted
    assert "- Name: Zoë Ångström" in accepted and "- Agreed to terms: true" in accepted
    assert "- Favorite Integer: 7" in accepted
    assert "❌ User declined" in declined
    assert "⚠️ User cancelled" in cancelled
    message, response_type, plain_thread = seen.values[0]
    assert message == "Please provide inputs for the following fields:" and plain_thread
    # The requested schema becomes a dataclass the handler may instantiate (defaults included).
    instance = response_type(name="x")
    assert instance.firstLine == "It was a dark and stormy night." and instance.integer == 42
    assert instance.untitledMultipleSelectEnum == ["Guitar"]


@compat("elicitation: dataclass response")
async def test_elicitation_dataclass_response(c: Any, hooks: Hooks) -> None:
    hooks.on_elicitation = lambda message, response_type, params, context: response_type(name="Ada", check=False)
    accepted = texts(await c.call_tool("trigger-elicitation-request", {}))
    assert "- Name: Ada" in accepted and "- Agreed to terms: false" in accepted


@compat("elicitation (URL mode + -32042 error path)")
async def test_url_elicitation(c: Any, hooks: Hooks) -> None:
    seen = ThreadLog()

    def elicitation_handler(message: str, response_type: Any, params: Any, context: Any) -> Any:
        seen.add((params.mode, params.url, response_type))
        return types.ElicitResult(action="accept")

    hooks.on_elicitation = elicitation_handler
    done = texts(await c.call_tool("trigger-url-elicitation", {"url": "https://example.com/login"}))
    assert "✅ User completed the URL elicitation flow." in done and "URL: https://example.com/login" in done
    assert seen.values == [("url", "https://example.com/login", None)]
    # The error path: the server answers -32042 (URL elicitation required), a typed ProtocolError.
    args = {"url": "https://example.com/pay", "errorPath": True, "elicitationId": f"e-{id(seen)}"}
    with pytest.raises(ProtocolError) as excinfo:
        await c.call_tool("trigger-url-elicitation", args)
    assert excinfo.value.code == -32042
    assert "browser-based authorization" in str(excinfo.value)
    # Retrying after the prerequisite takes the request path.
    assert "✅" in texts(await c.call_tool("trigger-url-elicitation", args))


@compat("roots (roots/list + list_changed)")
async def test_roots(c: Any, hooks: Hooks, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second ü"
    hooks.roots = [str(first)]
    await c.send_roots_list_changed()  # the server asks for the roots again

    async def has_roots(count: int) -> bool:
        return f"({count} total)" in texts(await c.call_tool("get-roots-list", {}))

    await async_wait_for(lambda: has_roots(1), 10, message="the server never saw the first roots")
    listed = texts(await c.call_tool("get-roots-list", {}))
    assert first.as_uri() in listed
    hooks.roots = [str(first), second.as_uri()]
    await c.send_roots_list_changed()
    await async_wait_for(lambda: has_roots(2), 10, message="the server never saw the new roots")


@compat("roots: handler function")
async def test_roots_handler(c: Any, hooks: Hooks) -> None:
    calls = ThreadLog()

    def roots_handler(context: Any) -> list[str]:
        calls.add(context.server)
        return ["file:///srv/data", "/home/user/project"]

    hooks.on_roots = roots_handler
    await c.send_roots_list_changed()

    async def updated() -> bool:
        listed = texts(await c.call_tool("get-roots-list", {}))
        return "(2 total)" in listed and "file:///srv/data" in listed and "file:///home/user/project" in listed

    await async_wait_for(updated, 10, message="the server never saw the handler's roots")
    assert calls.values and set(calls.values) == {"everything"}


@compat("tasks (simulate-research-query, task=True)")
async def test_tasks(c: Any, client: str) -> None:
    import inspect

    from mcpclient import Client

    if "task" not in inspect.signature(Client.call_tool).parameters:
        pytest.skip("mcpclient has no task support yet (Client.call_tool(task=True))")
    task = await c.call_tool("simulate-research-query", {"topic": "MCP"}, task=True)
    result = await anyio.to_thread.run_sync(task.result) if client == "sync" else await task.result()
    assert "Research Report: MCP" in texts(result)


@compat("concurrent calls on one session")
async def test_concurrent_calls(c: Any) -> None:
    results: dict[int, str] = {}

    async def one(i: int) -> None:
        results[i] = texts(await c.call_tool("echo", {"message": f"n{i}"}))

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(one, i)
    assert results == {i: f"Echo: n{i}" for i in range(20)}


@compat("handler raises: server gets an error reply, session survives")
async def test_handler_raises(c: Any, hooks: Hooks, record_property: Any) -> None:
    def boom(*args: Any) -> Any:
        raise RuntimeError("handler exploded ✗")

    hooks.on_sampling = boom
    hooks.on_elicitation = boom
    observed = []
    for tool, args in (("trigger-sampling-request", {"prompt": "x"}), ("trigger-elicitation-request", {})):
        with pytest.raises((ToolError, ProtocolError)) as excinfo:
            await c.call_tool(tool, args)
        # The TypeScript server received our JSON-RPC error reply and reported it back.
        assert "handler failed: RuntimeError: handler exploded ✗" in str(excinfo.value)
        observed.append(type(excinfo.value).__name__)
        assert texts(await c.call_tool("echo", {"message": "alive"})) == "Echo: alive"
    record_property("compat.observed", " / ".join(sorted(set(observed))))


@compat("client-side tasks (trigger-*-async tools)")
async def test_client_side_tasks(c: Any) -> None:
    names = {tool.name for tool in await c.list_tools()}
    if not {"trigger-sampling-request-async", "trigger-elicitation-request-async"} & names:
        pytest.skip(
            "not offered: mcpclient does not declare client-side task support "
            "(capabilities.tasks.requests.sampling/elicitation), so the server hides these tools"
        )
    result = await c.call_tool("trigger-sampling-request-async", {"prompt": "x"})
    assert result.is_error is False
