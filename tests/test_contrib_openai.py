"""mcpclient.contrib.openai: tool definitions, running a reply's tool calls, sampling via the SDK.

Replies are the `openai` package's own types built from JSON fixtures of real API responses
(tests/fixtures/); the tools are a real stdio MCP server's (tests/servers/agent_tools.py). The
sampling test points the real SDK at examples/fake_llm.py on 127.0.0.1 and checks the request
it sent and the result the MCP server got back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

openai = pytest.importorskip("openai")

from agents_support import AGENT_TOOLS, FIXTURES, running_fake_llm  # noqa: E402
from openai.types.chat import ChatCompletion  # noqa: E402
from openai.types.responses import Response  # noqa: E402
from pydantic import TypeAdapter  # noqa: E402
from servers.agent_tools import PNG_B64, SAMPLE_STOP, SAMPLE_SYSTEM_PROMPT  # noqa: E402

from mcpclient import SyncClient  # noqa: E402
from mcpclient.contrib.openai import (  # noqa: E402
    chat_tools,
    response_tools,
    run_tool_calls,
    sampling_handler,
    strict_schema,
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


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


def test_chat_and_response_tool_definitions(client: SyncClient) -> None:
    chat = {t["function"]["name"]: t for t in chat_tools(client)}
    assert set(chat) == {t.name for t in client.list_tools()}
    add = chat["add"]
    assert add["type"] == "function"
    assert add["function"]["description"] == "Add two integers."
    # Both properties required, no others: strict mode, with additionalProperties false added.
    assert add["function"]["strict"] is True
    assert add["function"]["parameters"]["additionalProperties"] is False
    assert add["function"]["parameters"]["required"] == ["a", "b"]
    # `unit` has a default (optional): strict mode would make it required, so not strict.
    weather = chat["weather"]["function"]
    assert weather["strict"] is False
    assert "additionalProperties" not in weather["parameters"]
    assert chat["attachment"]["function"]["parameters"]["properties"] == {}
    assert chat["attachment"]["function"]["strict"] is True
    assert all(t["function"]["strict"] is False for t in chat_tools(client, strict=False))

    responses = {t["name"]: t for t in response_tools(client, prefix="demo", tool_names=["lookup", "weather"])}
    assert list(responses) == ["demo_lookup", "demo_weather"]
    assert responses["demo_lookup"]["strict"] is True and responses["demo_lookup"]["type"] == "function"
    assert responses["demo_lookup"]["parameters"]["required"] == ["key", "exact"]

    # They validate as the SDK's own param types (what `tools=` is typed as), with nothing left over.
    from openai.types.chat import ChatCompletionFunctionToolParam
    from openai.types.responses import FunctionToolParam

    assert TypeAdapter(list[ChatCompletionFunctionToolParam]).validate_python(list(chat.values())) == list(
        chat.values()
    )
    assert TypeAdapter(list[FunctionToolParam]).validate_python(list(responses.values())) == list(responses.values())


def test_strict_schema_rules() -> None:
    nested = {
        "type": "object",
        "properties": {"point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]},
                       "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["point", "tags"],
    }  # fmt: skip
    strict = strict_schema(nested)
    assert strict is not None
    assert strict["additionalProperties"] is False
    assert strict["properties"]["point"]["additionalProperties"] is False
    assert strict_schema({**nested, "additionalProperties": True}) is None
    assert strict_schema({"type": "object", "properties": {"x": {"type": "string"}}}) is None  # optional x
    assert strict_schema({"type": "object", "properties": {"x": {"oneOf": [{}]}}, "required": ["x"]}) is None


def test_run_tool_calls_of_a_chat_completion(client: SyncClient) -> None:
    completion = ChatCompletion.model_validate(fixture("openai_chat_tool_calls.json"))
    messages = run_tool_calls(client, completion)
    ids = [call.id for call in completion.choices[0].message.tool_calls or ()]
    assert [m["tool_call_id"] for m in messages] == ids  # every call answered, in order
    assert all(m["role"] == "tool" for m in messages)
    from openai.types.chat import ChatCompletionToolMessageParam

    assert TypeAdapter(list[ChatCompletionToolMessageParam]).validate_python(messages) == messages
    by_id = {m["tool_call_id"]: m["content"] for m in messages}
    assert by_id["call_3pQ0Yf6wJ3mL2iKx8cVbN1aZ"] == "5"
    assert by_id["call_8JkR2mN5pQ7sT1vW4xY6zA0b"] == "chart of sales\n[image image/png]"
    assert by_id["call_Lm4Nq8Rs2Tu6Vw0Xy3Za5Bc7"] == "Error: disk full"
    # The three `rendezvous` calls each wait until all three are in flight: they ran at once.
    assert [
        by_id[i]
        for i in ("call_Zy9Xw7Vu5Ts3Rq1Po8Nm6Lk4", "call_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8", "call_Qr9St8Uv7Wx6Yz5Ab4Cd3Ef2")
    ] == ["met"] * 3
    assert (
        by_id["call_Gh1Ij2Kl3Mn4Op5Qr6St7Uv8"].startswith("Error:")
        and "delete_everything" in (by_id["call_Gh1Ij2Kl3Mn4Op5Qr6St7Uv8"])
    )
    assert by_id["call_Wx9Yz8Ab7Cd6Ef5Gh4Ij3Kl2"].startswith("Error: the arguments for 'echo' are not a JSON object")
    # The message itself (dict or model) works too.
    assert run_tool_calls(client, completion.choices[0].message)[0]["content"] == "5"
    assert run_tool_calls(client, completion.choices[0].message.model_dump())[0]["content"] == "5"


def test_run_tool_calls_of_a_response(client: SyncClient) -> None:
    response = Response.model_validate(fixture("openai_response_function_calls.json"))
    items = run_tool_calls(client, response)
    assert [i["call_id"] for i in items] == [
        "call_unLAR8MvFNptuiZK6K6HCy5k", "call_4FjdQm2xKz8wP0yN1vB3cR7t", "call_9HgTn5LmQw2eR8yU6iO0pA1s",
        "call_Zx1Cv2Bn3Mq4Wr5Et6Yu7Ip8",
    ]  # fmt: skip
    assert all(i["type"] == "function_call_output" for i in items)
    weather, chart, attachment, failed = (i["output"] for i in items)
    assert json.loads(weather) == {"city": "Paris", "temperature_c": 21.5, "conditions": "sunny"}
    assert chart == [
        {"type": "input_text", "text": "chart of rain"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{PNG_B64}", "detail": "auto"},
    ]
    assert attachment[0] == {"type": "input_text", "text": "# Readme"}
    assert attachment[1]["type"] == "input_image"
    assert attachment[2] == {"type": "input_text", "text": "[resource readme: docs://readme]"}
    assert failed == "Error: no such city"
    # The items validate as the SDK's input item type (what `input=` accepts), with nothing left over.
    from openai.types.responses.response_input_item_param import FunctionCallOutput

    assert TypeAdapter(list[FunctionCallOutput]).validate_python(items) == items
    assert run_tool_calls(client, response.output) == items  # a list of output items works too


def test_prefixed_tools_round_trip(client: SyncClient) -> None:
    completion = ChatCompletion.model_validate(fixture("openai_chat_tool_calls.json"))
    data = completion.model_dump()
    data["choices"][0]["message"]["tool_calls"] = data["choices"][0]["message"]["tool_calls"][:1]
    data["choices"][0]["message"]["tool_calls"][0]["function"]["name"] = "demo_add"
    assert run_tool_calls(client, data, prefix="demo")[0]["content"] == "5"
    data["choices"][0]["message"]["tool_calls"][0]["function"]["name"] = "add"  # not prefixed: not ours
    assert run_tool_calls(client, data, prefix="demo")[0]["content"] == "Error: unknown tool 'add'"


def test_sampling_through_the_openai_sdk(fake_llm: Any) -> None:
    chosen: list[Any] = []

    def choose(preferences: Any, params: Any) -> str:
        chosen.append(preferences)
        return preferences.hints[0].name

    openai_client = openai.OpenAI(base_url=f"{fake_llm.url}/v1", api_key="test-key", max_retries=0)
    handler = sampling_handler(openai_client, model="default-model", choose_model=choose, seed=7)
    sampled_in: list[str] = []

    def recording(messages: Any, params: Any, context: Any) -> Any:
        sampled_in.append(threading.current_thread().name)
        return handler(messages, params, context)

    with SyncClient(AGENT_TOOLS, sampling_handler=recording) as client:
        answer = client.call_tool("ask_model", {"question": "capital of France?"}).data
    assert answer == "small-model|endTurn|sampled: capital of France?"
    assert sampled_in == [threading.current_thread().name]  # a plain handler: in the calling thread
    assert chosen[0].intelligence_priority == 0.2 and chosen[0].speed_priority == 0.9

    ((path, body),) = fake_llm.requests
    assert path == "/v1/chat/completions"
    assert body["model"] == "small-model"
    assert body["max_completion_tokens"] == 64
    assert body["stop"] == SAMPLE_STOP
    assert body["temperature"] == 0.25
    assert body["seed"] == 7  # extra create() options pass through
    assert body["messages"] == [
        {"role": "system", "content": SAMPLE_SYSTEM_PROMPT},
        {"role": "user", "content": "capital of France?"},
        {"role": "assistant", "content": "Let me look."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Here is the chart."},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
            ],
        },
    ]


def test_async_openai_client_gives_an_async_handler(fake_llm: Any) -> None:
    async_client = openai.AsyncOpenAI(base_url=f"{fake_llm.url}/v1", api_key="test-key", max_retries=0)
    handler = sampling_handler(async_client, model="async-model")
    import inspect

    assert inspect.iscoroutinefunction(handler)
    with SyncClient(AGENT_TOOLS, sampling_handler=handler) as client:
        assert client.call_tool("ask_model", {"question": "q"}).data == "async-model|endTurn|sampled: q"
    assert fake_llm.requests[0][1]["model"] == "async-model"
    with pytest.raises(ValueError, match="model="):
        sampling_handler(async_client)


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_sampling_for_the_everything_server(
    transport: str, fake_llm: Any, everything_script: Any, request: pytest.FixtureRequest
) -> None:
    # The shared test server's own `sample` tool, over stdio and Streamable HTTP.
    from servers.everything import SAMPLE_SYSTEM_PROMPT as EVERYTHING_SYSTEM_PROMPT

    source = everything_script if transport == "stdio" else request.getfixturevalue("http_url")
    llm = openai.OpenAI(base_url=f"{fake_llm.url}/v1", api_key="test-key", max_retries=0)
    with SyncClient(source, sampling_handler=sampling_handler(llm, model="gpt-test")) as client:
        assert client.call_tool("sample", {"prompt": "hello there"}).data == "sampled: hello there"
    ((_, body),) = fake_llm.requests
    assert body["messages"] == [
        {"role": "system", "content": EVERYTHING_SYSTEM_PROMPT},
        {"role": "user", "content": "hello there"},
    ]
    assert body["max_completion_tokens"] == 100 and body["model"] == "gpt-test"
    assert "stop" not in body and "temperature" not in body  # not asked for: not sent
