"""Published servers started the ways users start them.

- `mcp-server-time` (PyPI, the reference time server built on the Python SDK): through
  `StdioTransport`, an `MCPConfig` entry (alone and next to another server), and `uvx`
  (`UvxStdioTransport`, with `uv` from the cache venv);
- `@modelcontextprotocol/server-memory` (npm) through `npx` (`NpxStdioTransport`): npx leaves
  a process tree behind it, which must end with the client.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mcpclient import ToolError
from mcpclient.transports import NpxStdioTransport, StdioTransport, UvxStdioTransport

from . import _install
from .clients import close_client, make_client

pytestmark = [pytest.mark.interop, pytest.mark.anyio]

TIME = "mcp-server-time (PyPI)"
MEMORY = "server-memory (npm, via npx)"
NODE_ECHO = Path(__file__).resolve().parents[1] / "servers" / "node_echo.js"


async def check_time_server(c: Any, prefix: str = "") -> None:
    """What a user of mcp-server-time does: list the tools, ask the time, convert one."""
    tools = {tool.name for tool in await c.list_tools()}
    assert {f"{prefix}get_current_time", f"{prefix}convert_time"} <= tools
    now = await c.call_tool(f"{prefix}get_current_time", {"timezone": "Europe/Paris"})
    assert now.data.timezone == "Europe/Paris"
    assert now.data.datetime.endswith(("+01:00", "+02:00"))
    assert isinstance(now.data.is_dst, bool)
    converted = await c.call_tool(
        f"{prefix}convert_time", {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}
    )
    assert converted.data.target.datetime.endswith("T21:00:00+09:00")
    assert converted.data.time_difference == "+9.0h"
    with pytest.raises(ToolError, match="Invalid timezone"):
        await c.call_tool(f"{prefix}get_current_time", {"timezone": "Mars/Olympus_Mons"})


# ------------------------------------------------------------------------------ mcp-server-time


@pytest.mark.compat(server=TIME, transport="stdio", feature="StdioTransport: tools, structured output, errors")
async def test_time_server_stdio(client: str, time_server_command: list[str], no_new_children: None) -> None:
    command, *args = time_server_command
    c = make_client(client, StdioTransport(command, args), timeout=30)
    async with c:
        assert c.initialize_result.server_info.name == "mcp-time"
        await check_time_server(c)
    await close_client(c)


@pytest.mark.compat(server=TIME, transport="MCPConfig (stdio entry)", feature="one server: no prefixes")
async def test_time_server_mcpconfig(
    client: str, time_server_command: list[str], tmp_path: Path, no_new_children: None
) -> None:
    pytest.importorskip("mcpclient.config")
    command, *args = time_server_command
    config = {"mcpServers": {"time": {"command": command, "args": args, "timeout": 30}}}
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(config))
    for source in (config, str(path)):  # a dict, and a .json file path
        c = make_client(client, source, timeout=30)
        async with c:
            await check_time_server(c)
        await close_client(c)


@pytest.mark.compat(server=TIME, transport="MCPConfig (stdio entries)", feature="two servers: prefixed names")
async def test_time_server_mcpconfig_with_node_server(
    client: str, time_server_command: list[str], node_env: dict[str, str], no_new_children: None
) -> None:
    pytest.importorskip("mcpclient.config")
    command, *args = time_server_command
    config = {
        "mcpServers": {
            "time": {"command": command, "args": args},
            "node": {"command": "node", "args": [str(NODE_ECHO)], "env": node_env},
        }
    }
    c = make_client(client, config, timeout=30)
    async with c:
        await check_time_server(c, prefix="time_")
        echoed = await c.call_tool("node_echo", {"text": "routed ✓"})
        assert echoed.content[0].text == "routed ✓"
        assert {"node_add", "time_convert_time"} <= {t.name for t in await c.list_tools()}
    await close_client(c)


@pytest.mark.compat(server=TIME, transport="uvx", feature="UvxStdioTransport")
async def test_time_server_uvx(client: str, uvx_env: dict[str, str], no_new_children: None) -> None:
    version = _install.PYPI_PACKAGES["mcp-server-time"]
    transport = UvxStdioTransport(
        "mcp-server-time",
        tool_args=["--local-timezone", "UTC"],
        from_package=f"mcp-server-time=={version}",
        python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
        env=uvx_env,
    )
    c = make_client(client, transport, timeout=30, init_timeout=120)
    async with c:
        await check_time_server(c)
    await close_client(c)


# ------------------------------------------------------------------------------- server-memory


@pytest.mark.compat(server=MEMORY, transport="npx", feature="NpxStdioTransport: knowledge graph round trip")
async def test_memory_server_npx(client: str, npm_modules: Path, tmp_path: Path, no_new_children: None) -> None:
    memory_file = tmp_path / "memory.jsonl"
    transport = NpxStdioTransport(
        "@modelcontextprotocol/server-memory",
        # npx finds the package installed in the cache folder and never reaches the registry.
        cwd=_install.NPM_DIR,
        env={"MEMORY_FILE_PATH": str(memory_file), "npm_config_update_notifier": "false"},
        keep_alive=False,
    )
    c = make_client(client, transport, timeout=30)
    async with c:
        assert c.initialize_result.server_info.name == "memory-server"
        tools = {tool.name for tool in await c.list_tools()}
        assert {"create_entities", "create_relations", "read_graph", "search_nodes"} <= tools
        await c.call_tool(
            "create_entities",
            {"entities": [{"name": "Zoë", "entityType": "person", "observations": ["drinks tea ☕"]},
                          {"name": "Kyōto", "entityType": "city", "observations": []}]},
        )  # fmt: skip
        await c.call_tool(
            "create_relations", {"relations": [{"from": "Zoë", "to": "Kyōto", "relationType": "lives in"}]}
        )
        found = await c.call_tool("search_nodes", {"query": "tea"})
        graph = found.structured_content or json.loads(found.content[0].text)
        assert [entity["name"] for entity in graph["entities"]] == ["Zoë"]
        pid = c.transport.pid
    await close_client(c)
    assert pid is not None
    # The data outlived the server; a new process (keep_alive=False) reads it back.
    assert "drinks tea" in memory_file.read_text()
    async with c:
        assert c.transport.pid != pid
        graph_result = await c.call_tool("read_graph", {})
        graph = graph_result.structured_content or json.loads(graph_result.content[0].text)
        assert {r["relationType"] for r in graph["relations"]} == {"lives in"}
    await close_client(c)
