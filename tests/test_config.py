"""MCPConfig (SPEC §5): parsing and validation, and many real servers behind one client.

The combined tests run one config of everything servers, one per transport: stdio, Streamable
HTTP and SSE (all three negotiate 2026-07-28), plus a legacy-only stdio server
(tests/servers/config_legacy.py), so relayed sampling/elicitation/roots take both paths:
input_required rounds and mid-call requests.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import async_wait_for, wait_for
from mcp import types
from pydantic import ValidationError

from mcpclient import Client, ConfigError, MCPConfig, ProtocolError, SyncClient, ToolError
from mcpclient.config import MCPConfigTransport, RemoteServerEntry, StdioServerEntry
from mcpclient.errors import MCPClientError, ServerStartupError, TimeoutError
from mcpclient.proxy import prefix_uri, split_uri
from mcpclient.sources import infer_transport
from mcpclient.transports import (
    SSETransport,
    StdioTransport,
    StreamableHttpTransport,
)

SERVERS = ("stdio", "http", "sse", "legacy")
LEGACY_SCRIPT = Path(__file__).resolve().parent / "servers" / "config_legacy.py"


def stdio_entry(script: Path, **extra: Any) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(script)], **extra}


@pytest.fixture
def four_servers(everything_script: Path, http_url: str, sse_url: str) -> dict[str, Any]:
    return {
        "mcpServers": {
            "stdio": stdio_entry(everything_script),
            "http": {"url": http_url},
            "sse": {"url": sse_url},
            "legacy": stdio_entry(LEGACY_SCRIPT),
        }
    }


def sampling(messages: list[types.SamplingMessage], params: Any, context: Any) -> str:
    text = messages[0].content.text  # type: ignore[union-attr]
    return f"sampled[{context.server}] {text}"


def elicitation(message: str, response_type: Any, params: Any, context: Any) -> Any:
    return response_type(name=f"Zed from {context.server}")


# ------------------------------------------------------------------------------ parsing


def test_parse_claude_desktop_format() -> None:
    config = MCPConfig.from_dict(
        {
            "mcpServers": {
                "weather": {
                    "command": "python",
                    "args": ["weather.py", "--port", 8080],
                    "env": {"API_KEY": "s3cret", "N": 3},
                    "cwd": "/srv",
                    "keep_alive": False,
                    "timeout": 12.5,
                    "disabled": False,  # unknown keys are kept
                },
                "search": {"url": "https://example.com/mcp", "headers": {"X-Api-Key": "k"}, "auth": "tok"},
                "legacy": {"url": "https://example.com/api/sse"},
                "forced": {"url": "https://example.com/events", "transport": "sse"},
                "streamable": {"url": "https://example.com/sse", "transport": "streamable_http"},
            },
            "globalShortcut": "Ctrl+Space",
        }
    )
    weather = config.mcpServers["weather"]
    assert isinstance(weather, StdioServerEntry)
    assert weather.args == ["weather.py", "--port", "8080"]
    assert weather.env == {"API_KEY": "s3cret", "N": "3"}
    assert (weather.cwd, weather.keep_alive, weather.timeout) == ("/srv", False, 12.5)
    assert weather.model_extra == {"disabled": False}
    assert config.model_extra == {"globalShortcut": "Ctrl+Space"}

    search = config.mcpServers["search"]
    assert isinstance(search, RemoteServerEntry)
    assert search.transport_type == "http"
    assert [config.mcpServers[n].transport_type for n in ("legacy", "forced", "streamable")] == [  # type: ignore[union-attr]
        "sse",
        "sse",
        "http",
    ]

    transports = config.transports()
    assert isinstance(transports["weather"], StdioTransport)
    assert transports["weather"].name == "weather"
    assert transports["weather"].command_line == ["python", "weather.py", "--port", "8080"]
    assert transports["weather"].keep_alive is False
    assert type(transports["search"]) is StreamableHttpTransport
    assert transports["search"].headers == {"X-Api-Key": "k"}
    assert type(transports["legacy"]) is SSETransport
    assert type(transports["forced"]) is SSETransport
    assert type(transports["streamable"]) is StreamableHttpTransport

    text = repr(config) + repr(weather) + repr(search) + repr(MCPConfigTransport(config))
    assert "s3cret" not in text and "tok" not in text and "'k'" not in text
    # Round trip: unknown keys and given options survive.
    again = MCPConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again.to_dict() == config.to_dict()
    assert again.to_dict()["globalShortcut"] == "Ctrl+Space"
    assert again.to_dict()["mcpServers"]["weather"]["disabled"] is False


def test_parse_vscode_format(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(
        """{
          // VS Code writes comments and trailing commas
          "inputs": [],
          "servers": {
            "local": {"type": "stdio", "command": "node", "args": ["server.js"],},
            "remote": {"type": "http", "url": "http://localhost:3000/mcp"},
            "old": {"type": "sse", "url": "http://localhost:3000/events"}, /* legacy */
          },
        }"""
    )
    config = MCPConfig.from_file(path)
    assert list(config.mcpServers) == ["local", "remote", "old"]
    assert isinstance(config.mcpServers["local"], StdioServerEntry)
    transports = config.transports()
    assert type(transports["remote"]) is StreamableHttpTransport
    assert type(transports["old"]) is SSETransport
    assert config.model_extra == {"inputs": []}


@pytest.mark.parametrize(
    ("servers", "server", "field", "text"),
    [
        ({"weather": {"command": "python", "args": "weather.py"}}, "weather", "mcpServers.weather.args", "valid list"),
        ({"w": {"command": "python", "url": "http://h/mcp"}}, "w", "mcpServers.w", "either 'url'"),
        ({"w": {"args": ["x"]}}, "w", "mcpServers.w", "either 'url'"),
        ({"w": "python server.py"}, "w", "mcpServers.w", "must be an object"),
        ({"w": {"url": "ftp://h/x"}}, "w", "mcpServers.w.url", "http:// or https://"),
        ({"w": {"url": "http://h/mcp", "transport": "websocket"}}, "w", "mcpServers.w.transport", "'sse'"),
        ({"w": {"command": "python", "env": ["A=1"]}}, "w", "mcpServers.w.env", "valid dictionary"),
        ({"w": {"command": "python", "timeout": -1}}, "w", "mcpServers.w.timeout", "greater than 0"),
        ({"w": {"command": ""}}, "w", "mcpServers.w.command", "at least 1 character"),
        ({"w": {"type": "stdio"}}, "w", "mcpServers.w.command", "Field required"),
        ({"w": {"type": "http"}}, "w", "mcpServers.w.url", "Field required"),
        ({"a/b": {"command": "python"}}, None, "mcpServers", "must not contain '/'"),
    ],
)
def test_malformed_config_names_server_and_field(
    servers: dict[str, Any], server: str | None, field: str, text: str
) -> None:
    with pytest.raises(ConfigError) as info:
        MCPConfig.from_dict({"mcpServers": servers})
    error = info.value
    assert not isinstance(error, ValidationError)
    assert error.__cause__ is None and error.__suppress_context__  # no pydantic traceback attached
    assert error.server == server and error.field == field
    message = str(error)
    assert f"{field}: " in message and text in message
    if server is not None:
        assert message.startswith(f"server {server!r}: ")


def test_malformed_config_other_forms(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server 'weather': mcpServers\.weather\.args: Input should be a valid list"):
        MCPConfig(mcpServers={"weather": {"command": "python", "args": "weather.py"}})
    with pytest.raises(ConfigError, match="mcpServers: Input should be a valid dictionary"):
        MCPConfig.from_dict({"mcpServers": ["a", "b"]})
    with pytest.raises(ConfigError, match=r"servers\.w\.args"):  # VS Code's key is named as written
        MCPConfig.from_dict({"servers": {"w": {"command": "x", "args": 1}}})
    with pytest.raises(ConfigError, match="JSON object"):
        MCPConfig.from_dict([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no servers"):
        MCPConfigTransport({"mcpServers": {}})
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"mcpServers": {"a": }')
    with pytest.raises(ConfigError, match=r"bad\.json: invalid JSON"):
        MCPConfig.from_file(bad_json)
    bad_entry = tmp_path / "entry.json"
    bad_entry.write_text('{"mcpServers": {"w": {"command": "x", "keep_alive": "sometimes"}}}')
    with pytest.raises(ConfigError, match=r"server 'w': .*entry\.json: mcpServers\.w\.keep_alive: Input should be"):
        MCPConfig.from_file(bad_entry)
    with pytest.raises(ConfigError):  # through Client() too
        Client({"mcpServers": {"w": {"url": "nope"}}})


def test_uri_prefixing_round_trips() -> None:
    cases = {
        "data://greeting": "data://w/greeting",
        "users://{user_id}/profile": "users://w/{user_id}/profile",
        "file:///etc/hosts": "file://w//etc/hosts",
        "urn:isbn:123": "w+urn:isbn:123",
    }
    for uri, prefixed in cases.items():
        assert prefix_uri("w", uri) == prefixed
        assert split_uri(prefixed) == ("w", uri)
    assert split_uri("data://greeting") is None  # no server segment
    assert split_uri("plain") is None


def test_infer_and_from_file(tmp_path: Path, everything_script: Path) -> None:
    data = {"mcpServers": {"one": stdio_entry(everything_script)}}
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(data))
    config = MCPConfig.from_file(path)
    assert list(config.mcpServers) == ["one"]
    for source in (path, str(path), data, config):
        transport = infer_transport(source)
        assert isinstance(transport, MCPConfigTransport)
        assert transport.name == "one" and transport.keep_alive is True and transport.mode is None
    several = infer_transport({"mcpServers": {"a": stdio_entry(everything_script), "b": {"url": "http://h/mcp"}}})
    assert isinstance(several, MCPConfigTransport)
    assert several.name == "mcpconfig" and several.mode == "legacy" and several.servers == ["a", "b"]
    assert isinstance(config.to_transport(), MCPConfigTransport)


# ------------------------------------------------------------------------------ one server


@pytest.mark.anyio
async def test_single_server_is_unprefixed(tmp_path: Path, everything_script: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"solo": stdio_entry(everything_script, keep_alive=False)}}))
    async with Client(str(path)) as client:
        assert client.name == "solo"
        names = {tool.name for tool in await client.list_tools()}
        assert {"add", "get_user", "echo"} <= names
        assert (await client.call_tool("add", {"a": 2, "b": 3})).data == 5
        contents = await client.read_resource("data://greeting")
        assert contents[0].text == "hello world"  # type: ignore[union-attr]
        assert client.protocol_version == "2026-07-28"  # the server's own negotiation, no proxy


# ------------------------------------------------------------------------------ several servers


@pytest.fixture
async def combined(four_servers: dict[str, Any]) -> AsyncIterator[tuple[Client, list[Any], list[Any]]]:
    logs: list[Any] = []
    messages: list[Any] = []
    client = Client(
        four_servers,
        sampling_handler=sampling,
        elicitation_handler=elicitation,
        roots=["/tmp/project"],
        log_handler=logs.append,
        message_handler=messages.append,
        log_level="debug",
    )
    async with client:
        yield client, logs, messages


@pytest.mark.anyio
async def test_combined_listings_are_prefixed(combined: tuple[Client, list[Any], list[Any]]) -> None:
    client, _, _ = combined
    assert client.name == "mcpconfig"
    tools = {tool.name: tool for tool in await client.list_tools()}
    for server in SERVERS:
        assert {f"{server}_add", f"{server}_get_user", f"{server}_fail"} <= set(tools)
    assert tools["http_add"].output_schema is not None
    assert tools["http_add"].output_schema["title"] == "http_addOutput"
    assert tools["http_get_user"].output_schema["title"] == "User"  # type: ignore[index]

    resources = {str(r.uri) for r in await client.list_resources()}
    assert {"data://stdio/greeting", "data://http/config", "data://sse/blob"} <= resources
    templates = {t.uri_template for t in await client.list_resource_templates()}
    assert templates == {f"users://{server}/{{user_id}}/profile" for server in SERVERS}
    prompts = {p.name for p in await client.list_prompts()}
    assert {f"{server}_{name}" for server in SERVERS for name in ("greet", "summarize")} <= prompts


@pytest.mark.anyio
async def test_combined_calls_are_routed(combined: tuple[Client, list[Any], list[Any]]) -> None:
    client, _, _ = combined
    for server in SERVERS:
        assert (await client.call_tool(f"{server}_add", {"a": 2, "b": 3})).data == 5
    user: Any = (await client.call_tool("sse_get_user", {"user_id": 1})).data
    assert dataclasses.is_dataclass(type(user))
    assert (user.name, user.address.city, user.tags) == ("User 1", "Springfield", ["admin", "tester"])

    with pytest.raises(ToolError) as info:
        await client.call_tool("http_fail", {"message": "nope"})
    assert str(info.value).endswith("Error executing tool fail: nope")
    failed = await client.call_tool("stdio_fail", {"message": "soft"}, raise_on_error=False)
    assert failed.is_error and failed.text == "Error executing tool fail: soft"

    greeting = await client.read_resource("data://stdio/greeting")
    assert [(str(c.uri), c.text) for c in greeting] == [("data://stdio/greeting", "hello world")]  # type: ignore[union-attr]
    profile = await client.read_resource("users://http/7/profile")
    assert json.loads(profile[0].text)["name"] == "User 7"  # type: ignore[union-attr]

    prompt = await client.get_prompt("sse_summarize", {"text": "long text", "max_words": 10, "style": ["brief"]})
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert text.startswith("Summarize in at most 10 words (brief):")

    reference = types.PromptReference(type="ref/prompt", name="http_greet")
    completion = await client.complete(reference, {"name": "name", "value": "Al"})
    assert completion.values == ["Alice", "Alicia"]

    with pytest.raises(ProtocolError, match="unknown tool 'nowhere_add'"):
        await client.call_tool("nowhere_add", {"a": 1, "b": 2})
    with pytest.raises(ProtocolError, match="names none of the servers"):
        await client.read_resource("data://nowhere/greeting")


@pytest.mark.anyio
async def test_combined_relays_server_requests(combined: tuple[Client, list[Any], list[Any]]) -> None:
    client, _, _ = combined
    # input_required rounds (2026-07-28) and mid-call requests (legacy).
    for server in ("stdio", "legacy"):
        sampled = await client.call_tool(f"{server}_sample", {"prompt": "hi"})
        assert sampled.data == f"sampled[{server}] hi"
        elicited = await client.call_tool(f"{server}_elicit_name", {})
        assert elicited.data == f"hello Zed from {server}"
        roots = await client.call_tool(f"{server}_roots", {})
        assert roots.data == ["file:///tmp/project"]


@pytest.mark.anyio
async def test_combined_logs_and_progress_name_the_server(combined: tuple[Client, list[Any], list[Any]]) -> None:
    client, logs, messages = combined
    for server in SERVERS:
        await client.call_tool(f"{server}_log", {"message": f"from {server}", "level": "warning"})
    await async_wait_for(lambda: len(logs) >= len(SERVERS), message=lambda: f"logs: {logs}")
    assert {(m.server, m.data, m.level, m.logger) for m in logs} == {
        (server, f"from {server}", "warning", "everything") for server in SERVERS
    }

    # The client's log level reaches every backend.
    await client.set_logging_level("error")
    for server in SERVERS:
        await client.call_tool(f"{server}_log", {"message": "dropped", "level": "info"})
        await client.call_tool(f"{server}_log", {"message": "kept", "level": "error"})
    await async_wait_for(lambda: sum(m.data == "kept" for m in logs) >= len(SERVERS), message=lambda: f"logs: {logs}")
    assert not any(m.data == "dropped" for m in logs)

    updates: list[tuple[float, float | None, str | None]] = []
    for server in SERVERS:
        updates.clear()
        await client.call_tool(f"{server}_progress", {"steps": 2}, progress_handler=lambda *args: updates.append(args))
        await async_wait_for(lambda: len(updates) >= 2, message=lambda: f"progress: {updates}")
        assert updates == [(1, 2, f"{server}: step 1"), (2, 2, f"{server}: step 2")]

    # Resource-updated notifications of a backend arrive with the prefixed URI.
    await client.call_tool("legacy_touch_resource", {"uri": "data://greeting"})

    def updated() -> list[str]:
        return [str(m.params.uri) for m in messages if isinstance(m, types.ResourceUpdatedNotification)]

    await async_wait_for(updated, message=lambda: f"messages: {messages}")
    assert updated() == ["data://legacy/greeting"]


@pytest.mark.anyio
async def test_combined_connects_concurrently_and_closes(four_servers: dict[str, Any], no_new_children: None) -> None:
    client = Client(four_servers)
    async with client:
        assert client.is_connected()
        pids = {(await client.call_tool("stdio_getpid")).data, (await client.call_tool("http_getpid")).data}
        assert len(pids) == 2
    # Stdio servers keep alive by default: the group stays open until close().
    async with client:
        assert (await client.call_tool("stdio_getpid")).data in pids
    await client.close()
    assert not client.is_connected()


# ------------------------------------------------------------------------------ failures


@pytest.mark.anyio
async def test_unstartable_server_fails_the_group(
    everything_script: Path, startup_fail_script: Path, http_url: str, no_new_children: None
) -> None:
    config = {
        "mcpServers": {
            "good": stdio_entry(everything_script),
            "web": {"url": http_url},
            "broken": stdio_entry(startup_fail_script),
        }
    }
    with pytest.raises(ServerStartupError) as info:
        async with Client(config):
            pass
    error = info.value
    assert error.server == "broken"
    message = str(error)
    assert message.startswith("server 'broken'") and "boom: bad config" in message and "exit code: 3" in message


@pytest.mark.anyio
async def test_continue_on_error_skips_and_warns(
    everything_script: Path,
    startup_fail_script: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    no_new_children: None,
) -> None:
    missing = tmp_path / "missing.py"
    config = {
        "mcpServers": {
            "good": stdio_entry(everything_script, keep_alive=False),
            "broken": stdio_entry(startup_fail_script),
            "absent": {"command": sys.executable, "args": [str(missing)]},
        }
    }
    with caplog.at_level(logging.WARNING, logger="mcpclient.config"):
        async with Client(config, continue_on_error=True) as client:
            names = {tool.name for tool in await client.list_tools()}
            assert "good_add" in names and not any(n.startswith(("broken_", "absent_")) for n in names)
            assert (await client.call_tool("good_add", {"a": 1, "b": 4})).data == 5
            with pytest.raises(ProtocolError, match="'broken' is not connected"):
                await client.call_tool("broken_add", {"a": 1, "b": 4})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'broken'" in w and "boom: bad config" in w for w in warnings), warnings
    assert any("'absent'" in w for w in warnings), warnings

    # Without the option, the same config fails; with every server broken it fails even with it.
    with pytest.raises(ServerStartupError, match="'broken'"):
        async with Client(config):
            pass
    with pytest.raises(ServerStartupError, match="'broken'"):
        all_broken = {
            "mcpServers": {"broken": stdio_entry(startup_fail_script), "b2": stdio_entry(startup_fail_script)}
        }
        async with Client(all_broken, continue_on_error=True):
            pass


@pytest.mark.anyio
async def test_hung_server_times_out_and_nothing_is_left(
    everything_script: Path, slow_start_script: Path, caplog: pytest.LogCaptureFixture, no_new_children: None
) -> None:
    config = {"mcpServers": {"good": stdio_entry(everything_script), "hung": stdio_entry(slow_start_script)}}
    with caplog.at_level(logging.WARNING, logger="mcpclient.config"), pytest.raises(TimeoutError):
        async with Client(config, init_timeout=10):
            pass
    assert any("'hung'" in r.getMessage() and "'good'" not in r.getMessage() for r in caplog.records)


@pytest.mark.anyio
async def test_backend_failures_mid_session(four_servers: dict[str, Any]) -> None:
    async with Client(four_servers) as client:
        # A request the client abandons is cancelled on the backend too; the session stays usable.
        with pytest.raises(TimeoutError):
            await client.call_tool("http_sleep", {"seconds": 5}, timeout=0.3)
        assert (await client.call_tool("http_add", {"a": 1, "b": 1})).data == 2
        # A backend that dies fails its call with an error naming it; the next call reconnects it.
        with pytest.raises(MCPClientError, match="'stdio'"):
            await client.call_tool("stdio_crash")
        assert (await client.call_tool("stdio_add", {"a": 1, "b": 2})).data == 3
        assert (await client.call_tool("sse_add", {"a": 2, "b": 2})).data == 4


# ------------------------------------------------------------------------------ SyncClient


def test_sync_client_with_a_config(four_servers: dict[str, Any], no_new_children: None) -> None:
    logs: list[Any] = []
    handler_threads: set[str] = set()

    def on_sampling(messages: Any, params: Any, context: Any) -> str:
        handler_threads.add(threading.current_thread().name)
        return sampling(messages, params, context)

    with SyncClient(four_servers, sampling_handler=on_sampling, log_handler=logs.append, log_level="info") as client:
        names = {tool.name for tool in client.list_tools()}
        assert {"stdio_add", "http_add", "sse_add"} <= names
        assert client.call_tool("http_add", {"a": 2, "b": 3}).data == 5
        assert client.read_resource("data://sse/greeting")[0].text == "hello world"  # type: ignore[union-attr]
        assert client.call_tool("sse_sample", {"prompt": "yo"}).data == "sampled[sse] yo"
        assert client.call_tool("stdio_sample", {"prompt": "yo"}).data == "sampled[stdio] yo"
        assert client.call_tool("legacy_sample", {"prompt": "yo"}).data == "sampled[legacy] yo"
        assert handler_threads == {threading.current_thread().name}
        client.call_tool("http_log", {"message": "sync", "level": "info"})
        wait_for(lambda: any(m.data == "sync" for m in logs), 5.0)
        assert [m.server for m in logs if m.data == "sync"] == ["http"]
    client.close()
