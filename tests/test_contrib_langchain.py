"""mcpclient.contrib.langchain: MCP tools as LangChain tools, driven by a LangGraph ReAct agent.

The agent's model is langchain-core's fake chat model replaying scripted tool calls (no
network); the tools are a real stdio MCP server's (tests/servers/agent_tools.py), all called
through ONE shared SyncClient, from several threads at once, with `invoke` and `ainvoke`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("langchain_core")
pytest.importorskip("langgraph")

from agents_support import AGENT_TOOLS
from langchain_core.documents import Document
from langchain_core.documents.base import Blob
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, ToolException
from langchain_core.utils.function_calling import convert_to_openai_tool
from servers.agent_tools import PNG, PNG_B64

from mcpclient import SyncClient
from mcpclient.contrib.langchain import (
    aload_prompt,
    aload_resource,
    load_prompt,
    load_resource,
    load_tools,
)


class ToolCallingFakeModel(FakeMessagesListChatModel):
    """The fake chat model, accepting `bind_tools` (the agent binds its tools; the replies are scripted)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self


def sampled_in(messages: Any, params: Any, context: Any) -> str:
    return f"answered in {threading.current_thread().name}"


@pytest.fixture(scope="module")
def client() -> Iterator[SyncClient]:
    shared = SyncClient(AGENT_TOOLS, sampling_handler=sampled_in)
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture(scope="module")
def tools(client: SyncClient) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in load_tools(client)}


def call(name: str, args: dict[str, Any], call_id: str = "call-1") -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def test_tools_carry_the_mcp_schema_names_and_filters(client: SyncClient, tools: dict[str, BaseTool]) -> None:
    mcp_tools = {tool.name: tool for tool in client.list_tools()}
    assert set(tools) == set(mcp_tools)
    add = tools["add"]
    assert add.description == "Add two integers."
    assert add.args_schema == mcp_tools["add"].input_schema
    assert set(add.args) == {"a", "b"}
    spec = convert_to_openai_tool(add)["function"]
    assert spec["name"] == "add" and spec["parameters"]["required"] == ["a", "b"]
    assert tools["attachment"].args_schema["properties"] == {}  # type: ignore[index]

    picked = load_tools(client, prefix="demo", tool_names=["echo", "add"])
    assert [tool.name for tool in picked] == ["demo_echo", "demo_add"]
    assert picked[1].invoke({"a": 2, "b": 3}) == "5"  # the prefixed name still calls MCP `add`
    with pytest.raises(ValueError, match="'nope'"):
        load_tools(client, tool_names=["add", "nope"])


def test_invoke_runs_in_the_calling_thread(tools: dict[str, BaseTool]) -> None:
    # A plain sampling handler runs in the thread blocked in the call: the one that invoked the tool.
    seen: dict[str, Any] = {}

    def worker() -> None:
        seen["out"] = tools["ask_model"].invoke({"question": "where?"})

    thread = threading.Thread(target=worker, name="langchain-caller")
    thread.start()
    thread.join(30)
    assert seen["out"] == "mcpclient|endTurn|answered in langchain-caller"


def test_results_as_content_and_artifact(tools: dict[str, BaseTool]) -> None:
    message = tools["add"].invoke(call("add", {"a": 2, "b": 3}))
    assert isinstance(message, ToolMessage)
    assert message.content == "5" and message.status == "success"
    assert message.artifact == {"structured_content": {"result": 5}}

    weather = tools["weather"].invoke(call("weather", {"city": "Oslo"}))
    assert weather.artifact["structured_content"] == {"city": "Oslo", "temperature_c": 21.5, "conditions": "rainy"}

    chart = tools["chart"].invoke(call("chart", {"label": "sales"}))
    text, image = chart.content
    assert text["type"] == "text" and text["text"] == "chart of sales"
    assert image["type"] == "image" and image["base64"] == PNG_B64 and image["mime_type"] == "image/png"

    attached = tools["attachment"].invoke(call("attachment", {}))
    readme, logo, link = attached.content
    assert readme["type"] == "text" and readme["text"] == "# Readme"
    assert readme["extras"] == {"uri": "docs://readme", "mime_type": "text/markdown"}
    assert logo["type"] == "image" and logo["base64"] == PNG_B64
    assert link["type"] == "text" and "docs://readme" in link["text"]


def test_tool_errors_follow_langchains_convention(client: SyncClient, tools: dict[str, BaseTool]) -> None:
    handled = tools["fail"].invoke(call("fail", {"message": "disk full"}))
    assert isinstance(handled, ToolMessage)
    assert handled.status == "error" and handled.content == "disk full"

    (raising,) = load_tools(client, tool_names=["fail"], handle_tool_error=False)
    with pytest.raises(ToolException, match=r"^disk full$"):
        raising.invoke({"message": "disk full"})


@pytest.mark.anyio
async def test_ainvoke_does_not_block_the_event_loop(tools: dict[str, BaseTool]) -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    out = await tools["slow"].ainvoke({"seconds": 0.5})
    stop.set()
    await ticking
    assert out == "slept 0.5"
    assert ticks >= 10, ticks
    handled = await tools["fail"].ainvoke(call("fail", {"message": "async failure"}))
    assert handled.status == "error" and handled.content == "async failure"
    message = await tools["chart"].ainvoke(call("chart", {"label": "x"}))
    assert message.content[1]["base64"] == PNG_B64


def test_prompt_as_messages(client: SyncClient) -> None:
    messages = load_prompt(client, "review", {"code": "x = 1"})
    assert [type(m) for m in messages] == [HumanMessage, AIMessage, HumanMessage]
    assert messages[0].content == "Review this code:\nx = 1"
    assert messages[1].content == "Sure. Any constraints?"
    (image,) = messages[2].content
    assert isinstance(image, dict) and image["type"] == "image" and image["base64"] == PNG_B64
    assert asyncio.run(aload_prompt(client, "review", {"code": "y"}))[0].content == "Review this code:\ny"


def test_resources_as_documents_and_blobs(client: SyncClient) -> None:
    (doc,) = load_resource(client, "docs://readme")
    assert isinstance(doc, Document)
    assert doc.page_content == "# Readme\n\nHello."
    assert doc.metadata == {"uri": "docs://readme", "mime_type": "text/markdown"}
    (blob,) = asyncio.run(aload_resource(client, "docs://logo"))
    assert isinstance(blob, Blob)
    assert blob.as_bytes() == PNG and blob.mimetype == "image/png" and blob.metadata["uri"] == "docs://logo"


def _agent(tools: list[BaseTool], i: int) -> Any:
    from langgraph.prebuilt import create_react_agent

    model = ToolCallingFakeModel(
        responses=[
            AIMessage(
                content="",
                tool_calls=[
                    call("add", {"a": i, "b": 1000}, f"add-{i}"),
                    call("echo", {"text": f"thread {i}"}, f"echo-{i}"),
                ],
            ),
            AIMessage(content=f"done {i}"),
        ]
    )
    return create_react_agent(model, tools)


def _check_answer(state: dict[str, Any], i: int) -> None:
    messages = state["messages"]
    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}
    assert results[f"add-{i}"].content == str(i + 1000), results
    assert results[f"add-{i}"].artifact == {"structured_content": {"result": i + 1000}}
    assert results[f"echo-{i}"].content == f"thread {i}"
    assert messages[-1].content == f"done {i}"


# create_react_agent moved to `langchain.agents` (a package this extra does not need); same agent.
@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
@pytest.mark.timeout(180)
def test_react_agent_sync_and_async_from_many_threads(client: SyncClient) -> None:
    tools = load_tools(client, tool_names=["add", "echo"])  # shared by every thread and agent
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []
    answered: list[int] = []

    def worker(t: int) -> None:
        try:
            barrier.wait(30)
            for round_ in range(2):
                i = t * 10 + round_
                _check_answer(_agent(tools, i).invoke({"messages": [("user", f"question {i}")]}), i)
                answered.append(i)
            i = t * 10 + 5
            state = asyncio.run(_agent(tools, i).ainvoke({"messages": [("user", f"question {i}")]}))
            _check_answer(state, i)
            answered.append(i)
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(150)
    assert not errors, errors
    assert sorted(answered) == sorted(t * 10 + r for t in range(threads_n) for r in (0, 1, 5))
