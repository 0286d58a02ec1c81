"""mcpclient.contrib.anthropic: tool definitions, running a reply's tool uses, sampling via the SDK.

Replies are the `anthropic` package's own types built from a JSON fixture of a real API response;
the tools are a real stdio MCP server's (tests/servers/agent_tools.py). The sampling test points
the real SDK at examples/fake_llm.py on 127.0.0.1.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

anthropic = pytest.importorskip("anthropic")

from agents_support import AGENT_TOOLS, FIXTURES, running_fake_llm  # noqa: E402
from anthropic.types import ContentBlockParam, Message, ToolParam, ToolResultBlockParam  # noqa: E402
from pydantic import TypeAdapter  # noqa: E402
from servers.agent_tools import PNG_B64, SAMPLE_STOP, SAMPLE_SYSTEM_PROMPT  # noqa: E402

from mcpclient import SyncClient  # noqa: E402
from mcpclient.contrib.anthropic import run_tool_uses, sampling_handler, tools  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[SyncClient]:
    shared = SyncClient(AGENT_TOOLS)
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def fake_llm() -> Iterator[Any]:
    yield from running_fake_llm()


def reply() -> Message:
    return Message.model_validate(json.loads((FIXTURES / "anthropic_message_tool_use.json").read_text()))


def test_tool_definitions(client: SyncClient) -> None:
    defined = {t["name"]: t for t in tools(client)}
    assert set(defined) == {t.name for t in client.list_tools()}
    add = defined["add"]
    assert set(add) == {"name", "description", "input_schema"}
    assert add["description"] == "Add two integers."
    assert add["input_schema"]["required"] == ["a", "b"]
    assert defined["attachment"]["input_schema"] == {"type": "object", "properties": {}, "title": "attachmentArguments"}
    assert [t["name"] for t in tools(client, prefix="demo", tool_names=["echo"])] == ["demo_echo"]
    assert TypeAdapter(list[ToolParam]).validate_python(tools(client)) == tools(client)


def test_run_tool_uses(client: SyncClient) -> None:
    message = reply()
    results = run_tool_uses(client, message)
    ids = [b.id for b in message.content if b.type == "tool_use"]
    assert [r["tool_use_id"] for r in results] == ids
    assert all(r["type"] == "tool_result" for r in results)
    added, chart, failed, attachment, unknown = results
    assert added == {"type": "tool_result", "tool_use_id": ids[0], "content": [{"type": "text", "text": "42"}]}
    assert chart["content"] == [
        {"type": "text", "text": "chart of revenue"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}},
    ]
    assert "is_error" not in chart
    assert failed["is_error"] is True and failed["content"] == [{"type": "text", "text": "Error: quota exceeded"}]
    assert [c["type"] for c in attachment["content"]] == ["text", "image", "text"]
    assert attachment["content"][0]["text"] == "# Readme"
    assert unknown["is_error"] is True and "no_such_tool" in unknown["content"][0]["text"]
    # They validate as the SDK's own param type (the content lists are lazily validated iterables there).
    TypeAdapter(list[ToolResultBlockParam]).validate_python(results)
    TypeAdapter(list[ContentBlockParam]).validate_python([c for r in results for c in r["content"]])
    assert run_tool_uses(client, message.model_dump()) == results
    assert run_tool_uses(client, message.content) == results


def test_tool_uses_run_concurrently(client: SyncClient) -> None:
    # Each call waits until all four are in flight at once ("alone" after 20 s otherwise).
    args = {"group": "anthropic", "size": 4}
    uses = [{"type": "tool_use", "id": f"toolu_{i}", "name": "rendezvous", "input": args} for i in range(4)]
    results = run_tool_uses(client, {"role": "assistant", "content": uses})
    assert [r["content"] for r in results] == [[{"type": "text", "text": "met"}]] * 4


def test_sampling_through_the_anthropic_sdk(fake_llm: Any) -> None:
    sdk = anthropic.Anthropic(base_url=fake_llm.url, api_key="test-key", max_retries=0)
    handler = sampling_handler(
        sdk, model="claude-default", choose_model=lambda prefs, params: None, metadata={"user_id": "u-1"}
    )
    callers: list[str] = []

    def recording(messages: Any, params: Any, context: Any) -> Any:
        callers.append(threading.current_thread().name)
        return handler(messages, params, context)

    with SyncClient(AGENT_TOOLS, sampling_handler=recording) as client:
        plain = client.call_tool("ask_model", {"question": "capital of France?"}).data
        # The fake model stops at the first stop sequence found in its reply ("END").
        stopped = client.call_tool("ask_model", {"question": "say it END now"}).data
    assert plain == "claude-default|endTurn|sampled: capital of France?"
    assert stopped == "claude-default|stopSequence|sampled: say it "
    assert callers == [threading.current_thread().name] * 2

    path, body = fake_llm.requests[0]
    assert path == "/v1/messages"
    assert body["model"] == "claude-default"  # the chooser returned None: the default model
    assert body["max_tokens"] == 64
    assert body["system"] == SAMPLE_SYSTEM_PROMPT
    assert body["stop_sequences"] == SAMPLE_STOP
    if "temperature" in inspect.signature(sdk.messages.create).parameters:
        assert body["temperature"] == 0.25
    else:  # this SDK (and API) version has no temperature any more
        assert "temperature" not in body
    assert body["metadata"] == {"user_id": "u-1"}  # extra create() options pass through
    assert body["messages"] == [
        {"role": "user", "content": "capital of France?"},
        {"role": "assistant", "content": "Let me look."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Here is the chart."},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}},
            ],
        },
    ]


def test_async_anthropic_client_and_model_choice(fake_llm: Any) -> None:
    sdk = anthropic.AsyncAnthropic(base_url=fake_llm.url, api_key="test-key", max_retries=0)

    def choose(preferences: Any, params: Any) -> str:
        return "fast-model" if preferences.speed_priority > 0.5 else "smart-model"

    handler = sampling_handler(sdk, choose_model=choose)
    assert inspect.iscoroutinefunction(handler)
    with SyncClient(AGENT_TOOLS, sampling_handler=handler) as client:
        assert client.call_tool("ask_model", {"question": "q"}).data == "fast-model|endTurn|sampled: q"
    assert fake_llm.requests[0][1]["model"] == "fast-model"
