"""The async Client against real servers: in-memory, stdio, Streamable HTTP and SSE.

Every operation of SPEC §3 and the handlers of §4 run on every transport, and the handler
tests run on both protocol generations (legacy mid-call requests, 2026-07-28 input_required).
"""

from __future__ import annotations

import builtins
import dataclasses
import logging
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import types

from mcpclient import Client, LogMessage, NotConnectedError, TimeoutError, ToolError
from mcpclient.errors import MCPClientError, ServerStartupError

pytestmark = pytest.mark.anyio

TRANSPORTS = ["memory", "stdio", "http", "sse"]
MODES = ["legacy", "auto"]


@pytest.fixture
def make_client(request: pytest.FixtureRequest, everything_script: Path) -> Callable[..., Client]:
    """`make_client(kind, **options)` → a Client for the everything server over `kind`."""

    def make(kind: str, **options: Any) -> Client:
        if kind == "memory":
            from servers.everything import build_server

            return Client(build_server(), **options)
        if kind == "stdio":
            return Client(everything_script, **options)
        if kind == "http":
            return Client(request.getfixturevalue("http_url"), **options)
        if kind == "sse":
            return Client(request.getfixturevalue("sse_url"), **options)
        raise AssertionError(kind)

    return make


@pytest.fixture(params=TRANSPORTS)
async def client(request: pytest.FixtureRequest, make_client: Callable[..., Client]) -> AsyncIterator[Client]:
    async with make_client(request.param) as c:
        yield c


# ---------------------------------------------------------------- operations, every transport


async def test_ping_and_initialize_result(client: Client) -> None:
    assert await client.ping() is True
    result = client.initialize_result
    assert result is not None
    assert result.server_info.name == "everything"
    assert result.capabilities.tools is not None
    assert client.protocol_version == result.protocol_version


async def test_list_and_call_tools(client: Client) -> None:
    names = {tool.name for tool in await client.list_tools()}
    assert {"echo", "add", "get_user", "fail", "sleep"} <= names
    result = await client.call_tool("echo", {"text": "héllo ✓"})
    assert result.text == "héllo ✓"
    assert result.is_error is False
    raw = await client.call_tool_mcp("echo", {"text": "raw"})
    assert isinstance(raw, types.CallToolResult)


async def test_data_unwraps_primitive(client: Client) -> None:
    result = await client.call_tool("add", {"a": 2, "b": 3})
    assert result.structured_content == {"result": 5}
    assert result.data == 5


async def test_data_builds_dataclasses(client: Client) -> None:
    result = await client.call_tool("get_user", {"user_id": 7})
    user = result.data
    assert dataclasses.is_dataclass(user)
    assert user.id == 7
    assert dataclasses.is_dataclass(user.address)
    assert isinstance(user.address.city, str)
    assert isinstance(user.tags, list)


async def test_tool_error(client: Client) -> None:
    with pytest.raises(ToolError, match="kaboom") as info:
        await client.call_tool("fail", {"message": "kaboom"})
    assert info.value.tool == "fail"
    result = await client.call_tool("fail", {"message": "soft"}, raise_on_error=False)
    assert result.is_error and "soft" in result.text
    # The client is fine afterwards.
    assert (await client.call_tool("add", {"a": 1, "b": 1})).data == 2


async def test_resources_and_templates(client: Client) -> None:
    uris = {str(r.uri) for r in await client.list_resources()}
    assert "data://greeting" in uris
    contents = await client.read_resource("data://greeting")
    assert contents[0].text == "hello world"  # type: ignore[union-attr]
    blob = await client.read_resource("data://blob")
    assert isinstance(blob[0], types.BlobResourceContents)
    templates = await client.list_resource_templates()
    assert any(t.uri_template == "users://{user_id}/profile" for t in templates)
    profile = await client.read_resource("users://42/profile")
    assert "42" in profile[0].text  # type: ignore[union-attr]


async def test_prompts_with_non_string_arguments(client: Client) -> None:
    names = {p.name for p in await client.list_prompts()}
    assert {"greet", "summarize"} <= names
    greeting = await client.get_prompt("greet", {"name": "Ada"})
    assert "Ada" in greeting.messages[0].content.text  # type: ignore[union-attr]
    summary = await client.get_prompt("summarize", {"text": "a b c", "max_words": 10, "style": ["terse", "formal"]})
    text = summary.messages[0].content.text  # type: ignore[union-attr]
    assert "10" in text and "terse" in text


async def test_completion(client: Client) -> None:
    completion = await client.complete(
        types.PromptReference(type="ref/prompt", name="greet"), {"name": "name", "value": "Al"}
    )
    assert set(completion.values) >= {"Alice", "Alicia"}
    assert "Bob" not in completion.values


async def test_progress_handler(client: Client) -> None:
    seen: list[tuple[float, float | None, str | None]] = []
    await client.call_tool("progress", {"steps": 3}, progress_handler=lambda p, t, m: seen.append((p, t, m)))
    assert [p for p, _, _ in seen] == [1, 2, 3]
    assert seen[-1][1] == 3


# ---------------------------------------------------------------- handlers, both generations


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_server_initiated_handlers(
    kind: str, mode: str, make_client: Callable[..., Client], tmp_path: Path
) -> None:
    logs: list[LogMessage] = []
    sampled: list[str] = []

    def sampling(messages: list[types.SamplingMessage], params: types.CreateMessageRequestParams, ctx: Any) -> str:
        sampled.append(messages[0].content.text)  # type: ignore[union-attr]
        return "sampled answer"

    def elicitation(message: str, response_type: Any, params: Any, ctx: Any) -> Any:
        return response_type(name="Grace")

    async with make_client(
        kind,
        mode=mode,
        sampling_handler=sampling,
        elicitation_handler=elicitation,
        roots=[tmp_path],
        log_handler=logs.append,
        log_level="debug",
    ) as client:
        assert (await client.call_tool("sample", {"prompt": "hi there"})).text == "sampled answer"
        assert sampled == ["hi there"]
        assert (await client.call_tool("elicit_name")).text == "hello Grace"
        roots = (await client.call_tool("roots")).data
        assert roots == [tmp_path.resolve().as_uri()]
        await client.set_logging_level("debug")
        await client.call_tool("log", {"message": "a log line", "level": "warning"})
        with anyio.fail_after(5):
            while not any(m.data == "a log line" for m in logs):
                await anyio.sleep(0.01)
        line = next(m for m in logs if m.data == "a log line")
        assert line.level == "warning" and line.server == client.name


@pytest.mark.parametrize("mode", MODES)
async def test_default_log_handler_uses_stdlib_logging(
    mode: str, make_client: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    """`log_level=` alone opts in on both generations; the default handler logs to stdlib logging."""
    caplog.set_level(logging.DEBUG, logger="mcpclient.server")
    async with make_client("memory", log_level="error", mode=mode) as client:
        await client.call_tool("log", {"message": "filtered out", "level": "info"})
        await client.call_tool("log", {"message": "to stdlib", "level": "error"})
    assert not [r for r in caplog.records if "filtered out" in r.getMessage()]
    records = [r for r in caplog.records if "to stdlib" in r.getMessage()]
    assert records and records[0].levelno == logging.ERROR
    assert records[0].name == "mcpclient.server.everything"


async def test_handler_exception_reported_to_server(make_client: Callable[..., Client]) -> None:
    def broken(*args: Any) -> str:
        raise ValueError("no LLM here")

    async with make_client("memory", mode="legacy", sampling_handler=broken) as client:
        with pytest.raises(MCPClientError, match="no LLM here"):
            await client.call_tool("sample", {"prompt": "x"})
        assert (await client.call_tool("echo", {"text": "still alive"})).text == "still alive"


# ---------------------------------------------------------------- lifecycle


async def test_not_connected_error(make_client: Callable[..., Client]) -> None:
    client = make_client("memory")
    with pytest.raises(NotConnectedError, match="async with"):
        await client.list_tools()
    assert isinstance(NotConnectedError(), RuntimeError)


async def test_reentrant_concurrent_contexts_share_one_session(make_client: Callable[..., Client]) -> None:
    client = make_client("stdio", keep_alive=False)
    pids: list[int] = []

    async def worker(i: int) -> None:
        async with client:
            pids.append((await client.call_tool("getpid")).data)
            assert (await client.call_tool("echo", {"text": str(i)})).text == str(i)

    async with client:
        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(worker, i)
        assert client.is_connected()
        async with client:  # nested
            assert client.is_connected()
    assert len(set(pids)) == 1
    assert not client.is_connected()
    from helpers import pid_alive, wait_for

    wait_for(lambda: not pid_alive(pids[0]), timeout=10)


async def test_keep_alive_reuses_process_until_close(make_client: Callable[..., Client]) -> None:
    client = make_client("stdio")
    async with client:
        first = (await client.call_tool("getpid")).data
    async with client:
        second = (await client.call_tool("getpid")).data
    assert first == second
    await client.close()
    from helpers import pid_alive, wait_for

    wait_for(lambda: not pid_alive(first), timeout=10)

    fresh = make_client("stdio", keep_alive=False)
    async with fresh:
        a = (await fresh.call_tool("getpid")).data
    async with fresh:
        b = (await fresh.call_tool("getpid")).data
    assert a != b


async def test_environment_isolation(make_client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPCLIENT_SECRET_ONLY_HERE", "s3cret")
    async with make_client("stdio", keep_alive=False) as client:
        assert (await client.call_tool("getenv", {"name": "MCPCLIENT_SECRET_ONLY_HERE"})).data is None
    async with make_client("stdio", keep_alive=False, env={"PASSED_IN": "yes"}) as client:
        assert (await client.call_tool("getenv", {"name": "PASSED_IN"})).data == "yes"


@pytest.mark.parametrize("kind", ["memory", "stdio"])
async def test_timeout_then_next_call_works(kind: str, make_client: Callable[..., Client]) -> None:
    options = {"keep_alive": False} if kind == "stdio" else {}
    async with make_client(kind, **options) as client:
        with pytest.raises(TimeoutError) as info:
            await client.call_tool("sleep", {"seconds": 10}, timeout=0.3)
        assert isinstance(info.value, builtins.TimeoutError)
        assert "sleep" in str(info.value)
        assert (await client.call_tool("echo", {"text": "after"})).text == "after"


async def test_startup_failure_reports_stderr(startup_fail_script: Path) -> None:
    client = Client(startup_fail_script)
    with pytest.raises(ServerStartupError) as info:
        async with client:
            pass
    message = str(info.value)
    assert "boom: bad config" in message
    assert info.value.exit_code == 3
    assert sys.executable in message or "python" in message


async def test_init_timeout(slow_start_script: Path) -> None:
    with pytest.raises(TimeoutError, match="init"):
        async with Client(slow_start_script, init_timeout=1):
            pass


async def test_auto_initialize_false(make_client: Callable[..., Client]) -> None:
    client = make_client("stdio", auto_initialize=False, keep_alive=False)
    async with client:
        assert client.initialize_result is None
        result = await client.initialize(timeout=30)
        assert result.server_info.name == "everything"
        assert (await client.call_tool("echo", {"text": "x"})).text == "x"


async def test_new_gives_fresh_state(make_client: Callable[..., Client]) -> None:
    client = make_client("memory")
    async with client:
        other = client.new()
        assert not other.is_connected()
        async with other:
            assert (await other.call_tool("add", {"a": 1, "b": 2})).data == 3


async def test_connection_lost_then_reconnect(make_client: Callable[..., Client]) -> None:
    from mcpclient import ConnectionLostError

    client = make_client("stdio", keep_alive=False)
    async with client:
        pid = (await client.call_tool("getpid")).data
        with pytest.raises(ConnectionLostError):
            await client.call_tool("crash")
        # The next call reconnects to a fresh server.
        assert (await client.call_tool("getpid")).data != pid
