"""A multi-server config client: calls go straight to the backend, backends are offered only what the
client handles, and a backend's errors name that backend (issues 15 and 17).

Real stdio servers: tests/servers/everything.py and tests/servers/capabilities.py (which reports
the client capabilities it was offered).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from mcpclient import Client, ProtocolError, SyncClient, ToolError

CAPABILITIES_SCRIPT = Path(__file__).parent / "servers" / "capabilities.py"


def _entry(script: Path) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(script)]}


@pytest.fixture
def config(everything_script: Path) -> dict[str, Any]:
    return {"mcpServers": {"time": _entry(everything_script), "caps": _entry(CAPABILITIES_SCRIPT)}}


@pytest.mark.anyio
async def test_backends_are_offered_only_what_the_client_handles(config: dict[str, Any]) -> None:
    async with Client(config) as client:
        assert (await client.call_tool("caps_client_capabilities")).data == []
    await client.close()

    def sampling(messages: Any, params: Any, context: Any) -> str:
        return "sampled"

    async with Client(config, sampling_handler=sampling, roots=["/tmp/project"]) as client:
        assert (await client.call_tool("caps_client_capabilities")).data == ["roots", "sampling"]
        # What the client handles is still relayed from the backend that asks for it.
        assert (await client.call_tool("time_sample", {"prompt": "hi"})).data.endswith("sampled")
    await client.close()


@pytest.mark.anyio
async def test_backend_errors_name_the_backend(config: dict[str, Any]) -> None:
    async with Client(config) as client:
        with pytest.raises(ToolError) as tool_error:
            await client.call_tool("time_fail", {"message": "nope"})
        assert tool_error.value.server == "time" and "'time'" in str(tool_error.value)
        assert str(tool_error.value).endswith("Error executing tool fail: nope")
        # An unknown tool of a known server is that server's answer, naming it.
        with pytest.raises((ToolError, ProtocolError)) as unknown:
            await client.call_tool("time_no_such_tool")
        assert unknown.value.server == "time" and "'time'" in str(unknown.value)
        # A name that belongs to no server is the combined client's own error.
        with pytest.raises(ProtocolError, match="unknown tool 'nowhere_add'"):
            await client.call_tool("nowhere_add", {"a": 1, "b": 2})
    await client.close()


def test_sync_client_calls_and_progress_go_straight_to_the_backend(config: dict[str, Any]) -> None:
    updates: list[tuple[Any, ...]] = []
    with SyncClient(config) as client:
        assert client.call_tool("time_add", {"a": 2, "b": 3}).data == 5
        client.call_tool("time_progress", {"steps": 2}, progress_handler=lambda *args: updates.append(args))
        assert updates == [(1, 2, "time: step 1"), (2, 2, "time: step 2")]
        with pytest.raises(ToolError) as info:
            client.call_tool("time_fail", {"message": "nope"})
        assert info.value.server == "time"
        # Listing still goes through the combined view, names prefixed.
        assert {"time_add", "caps_client_capabilities"} <= {tool.name for tool in client.list_tools()}
    client.close()


@pytest.mark.anyio
async def test_prompts_go_straight_to_the_backend_and_resources_through_the_proxy(config: dict[str, Any]) -> None:
    async with Client(config) as client:
        prompt = await client.get_prompt("time_summarize", {"text": "long text", "max_words": 10, "style": ["brief"]})
        assert prompt.messages[0].content.text.startswith("Summarize in at most 10 words (brief):")  # type: ignore[union-attr]
        with pytest.raises(ProtocolError) as missing_prompt:
            await client.get_prompt("time_no_such_prompt")
        assert missing_prompt.value.server == "time" and "'time'" in str(missing_prompt.value)
        greeting = await client.read_resource("data://time/greeting")
        assert [(str(c.uri), c.text) for c in greeting] == [("data://time/greeting", "hello world")]  # type: ignore[union-attr]
        # Resource reads are relayed by the proxy: its error names the backend in the message.
        with pytest.raises(ProtocolError) as missing:
            await client.read_resource("data://time/no-such-resource")
        assert missing.value.message.startswith("server 'time': ")
    await client.close()
