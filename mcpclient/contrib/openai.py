"""MCP tools for the OpenAI SDK's tool calling (Chat Completions and Responses), over one `SyncClient`.

```python
from openai import OpenAI
from mcpclient import SyncClient
from mcpclient.contrib.openai import chat_tools, run_tool_calls

client, mcp = OpenAI(), SyncClient("examples/server.py")
messages = [{"role": "user", "content": "What is 2 + 3?"}]
while True:
    reply = client.chat.completions.create(model="gpt-4.1", messages=messages, tools=chat_tools(mcp))
    message = reply.choices[0].message
    messages.append(message.model_dump(exclude_none=True))
    if not message.tool_calls:
        break
    messages += run_tool_calls(mcp, message)  # every call at once; errors become tool output
print(message.content)
```

- `chat_tools` / `response_tools`: the client's tools as `tools=[...]` entries. `strict=None`
  (default) marks a tool strict where its schema already meets strict mode (every object lists all
  its properties as required and allows no others; `additionalProperties: false` is added), else
  non-strict; `strict=False` never.
- `run_tool_calls(client, completion_or_message_or_response)` runs every function call
  concurrently (threads sharing the SyncClient's session) and returns, in call order, the
  `role: "tool"` messages (Chat Completions) or `function_call_output` items (Responses) to send
  back. A failing call (tool error, timeout, unknown tool, bad JSON arguments) becomes output
  text starting with "Error:"; nothing is raised.
- `sampling_handler(openai_client, model=...)`: answer servers' `sampling/createMessage` with a
  Chat Completions call (an `AsyncOpenAI` client gives an async handler).

Returned values are plain dicts (the SDK's `...Param` shapes). Requires `pip install "mcpclient[openai]"`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ._agents import Failure, call_tool, content_parts, input_schema, run_concurrently, select_tools

if TYPE_CHECKING:
    from mcp import types

    from ..handlers.context import HandlerContext
    from ..results import CallToolResult
    from ..sync import SyncClient

__all__ = ["chat_tools", "response_tools", "run_tool_calls", "sampling_handler", "strict_schema"]

ModelChooser = Callable[["types.ModelPreferences | None", "types.CreateMessageRequestParams"], "str | None"]
"""`choose_model(preferences, params)` -> a model name, or None for the handler's default `model`."""

_UNSUPPORTED_IN_STRICT = frozenset(
    {"patternProperties", "propertyNames", "unevaluatedProperties", "dependentRequired", "dependentSchemas",
     "if", "then", "else", "not", "oneOf", "allOf", "default"}
)  # fmt: skip


# ------------------------------------------------------------------------------ tool definitions


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """`schema` made strict-mode compatible, or None when that would change its meaning.

    Compatible: every object schema lists all its properties in `required` and does not allow
    other properties; then `additionalProperties: false` is set on each. An optional property,
    open additional properties or a keyword strict mode rejects (e.g. `oneOf`, `default`) -> None.
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        if _UNSUPPORTED_IN_STRICT & node.keys():
            raise _NotStrict
        out = {key: convert(value) if key not in ("properties", "required", "enum", "const") else value
               for key, value in node.items()}  # fmt: skip
        if "properties" in node:
            out["properties"] = {name: convert(sub) for name, sub in node["properties"].items()}
        if node.get("type") == "object" or "properties" in node:
            if node.get("additionalProperties", False) is not False:
                raise _NotStrict
            if set(node.get("required", ())) != set(node.get("properties", {})):
                raise _NotStrict
            out["additionalProperties"] = False
            out.setdefault("properties", {})
            out["required"] = list(node.get("properties", {}))
        return out

    try:
        return convert(schema)  # type: ignore[no-any-return]
    except _NotStrict:
        return None


class _NotStrict(Exception):
    pass


def _definition(tool: types.Tool, strict: bool | None) -> tuple[str, dict[str, Any], bool]:
    """(description, parameters, strict) of a tool."""
    schema = input_schema(tool)
    converted = strict_schema(schema) if strict is not False else None
    return tool.description or tool.title or tool.name, converted or schema, converted is not None


def response_tools(
    client: SyncClient,
    *,
    prefix: str | None = None,
    tool_names: Iterable[str] | None = None,
    strict: bool | None = None,
) -> list[dict[str, Any]]:
    """The client's tools as Responses API function tools (`{"type": "function", "name": ..., ...}`)."""
    selected = select_tools(client, prefix=prefix, tool_names=tool_names)
    out: list[dict[str, Any]] = []
    for name, tool in selected.by_exposed.items():
        description, parameters, is_strict = _definition(tool, strict)
        out.append(
            {"type": "function", "name": name, "description": description, "parameters": parameters,
             "strict": is_strict}
        )  # fmt: skip
    return out


def chat_tools(
    client: SyncClient,
    *,
    prefix: str | None = None,
    tool_names: Iterable[str] | None = None,
    strict: bool | None = None,
) -> list[dict[str, Any]]:
    """The client's tools as Chat Completions `tools=[{"type": "function", "function": {...}}]`."""
    functions = response_tools(client, prefix=prefix, tool_names=tool_names, strict=strict)
    return [{"type": "function", "function": {k: v for k, v in f.items() if k != "type"}} for f in functions]


# ------------------------------------------------------------------------------ running calls


def run_tool_calls(
    client: SyncClient,
    message_or_response: Any,
    *,
    prefix: str | None = None,
    timeout: float | None = None,
    max_workers: int | None = None,
) -> list[dict[str, Any]]:
    """Run every function call of a model reply; the messages/items to send back, in call order.

    Accepts a `ChatCompletion` (first choice), a `ChatCompletionMessage`, a `Response`, a list of
    Responses output items, or their dict forms. Chat Completions -> `{"role": "tool", ...}`
    messages; Responses -> `{"type": "function_call_output", ...}` items. `prefix` is the one
    given to `chat_tools`/`response_tools`.
    """
    kind, calls = _function_calls(_as_data(message_or_response))

    def run(call: tuple[str, str, Any]) -> dict[str, Any]:
        call_id, name, raw_arguments = call
        result = call_tool(client, name, raw_arguments, prefix, timeout)
        if kind == "chat":
            return {"role": "tool", "tool_call_id": call_id, "content": _chat_content(result)}
        return {"type": "function_call_output", "call_id": call_id, "output": _response_output(result)}

    return run_concurrently(run, calls, max_workers)


def _as_data(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_as_data(item) for item in value]
    return value


def _function_calls(data: Any) -> tuple[Literal["chat", "responses"], list[tuple[str, str, Any]]]:
    if isinstance(data, Mapping) and "choices" in data:
        choices = data["choices"]
        data = choices[0]["message"] if choices else {}
    if isinstance(data, Mapping) and ("tool_calls" in data or data.get("role") == "assistant"):
        calls = [
            (call["id"], call["function"]["name"], call["function"].get("arguments"))
            for call in data.get("tool_calls") or ()
            if call.get("type", "function") == "function"
        ]
        return "chat", calls
    items = data.get("output", []) if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise TypeError(
            "run_tool_calls expects a ChatCompletion, a ChatCompletionMessage, a Response or a list of "
            f"Responses output items, got {type(data).__name__}"
        )
    calls = [
        (item["call_id"], item["name"], item.get("arguments"))
        for item in items
        if isinstance(item, Mapping) and item.get("type") == "function_call"
    ]
    return "responses", calls


def _text_of(result: CallToolResult) -> str:
    parts = [block["text"] for block in content_parts(result) if block["type"] == "text"]
    if not parts and result.structured_content is not None:
        parts = [json.dumps(result.structured_content)]
    return "\n".join(parts)


def _chat_content(result: CallToolResult | Failure) -> str:
    # Chat Completions tool messages carry text only; other content is described in the text.
    if isinstance(result, Failure):
        return result.text
    texts = [block["text"] if block["type"] == "text" else block["summary"] for block in content_parts(result)]
    if not texts and result.structured_content is not None:
        texts = [json.dumps(result.structured_content)]
    return "\n".join(texts)


def _response_output(result: CallToolResult | Failure) -> str | list[dict[str, Any]]:
    if isinstance(result, Failure):
        return result.text
    parts = content_parts(result)
    if all(part["type"] == "text" for part in parts):
        return _text_of(result)
    items: list[dict[str, Any]] = []
    for part in parts:
        if part["type"] == "text":
            items.append({"type": "input_text", "text": part["text"]})
        elif part["type"] == "image":
            items.append({"type": "input_image", "image_url": part["data_url"], "detail": "auto"})
        elif part["type"] == "file":
            items.append({"type": "input_file", "file_data": part["data_url"], "filename": part["filename"]})
        else:
            items.append({"type": "input_text", "text": part["summary"]})
    return items


# ---------------------------------------------------------------------------------- sampling


def sampling_handler(
    openai_client: Any,
    *,
    model: str | None = None,
    choose_model: ModelChooser | None = None,
    **create_options: Any,
) -> Any:
    """A sampling handler answering `sampling/createMessage` with a Chat Completions call.

    The request's system prompt, messages (text, images, audio), `maxTokens` (as
    `max_completion_tokens`), `stopSequences` and `temperature` are sent; `choose_model(preferences,
    params)` may pick the model from the server's model preferences (None: `model`).
    `create_options` are passed to every `chat.completions.create` call. An `AsyncOpenAI` client
    gives an async handler (awaited on the client's loop thread); an `OpenAI` client a plain one
    (run in the calling thread, see docs/handlers.md).
    """
    if model is None and choose_model is None:
        raise ValueError("sampling_handler needs model= or choose_model=")

    def request(params: types.CreateMessageRequestParams) -> dict[str, Any]:
        chosen = (choose_model(params.model_preferences, params) if choose_model else None) or model
        if chosen is None:
            raise ValueError("choose_model returned None and no default model= was given")
        kwargs: dict[str, Any] = {
            "model": chosen,
            "messages": _sampling_messages(params),
            "max_completion_tokens": params.max_tokens,
        }
        if params.stop_sequences:
            kwargs["stop"] = list(params.stop_sequences)
        if params.temperature is not None:
            kwargs["temperature"] = params.temperature
        return {**kwargs, **create_options}

    if _is_async_client(openai_client):

        async def handle_async(
            messages: list[types.SamplingMessage], params: types.CreateMessageRequestParams, context: HandlerContext
        ) -> types.CreateMessageResult:
            return _create_message_result(await openai_client.chat.completions.create(**request(params)))

        return handle_async

    def handle(
        messages: list[types.SamplingMessage], params: types.CreateMessageRequestParams, context: HandlerContext
    ) -> types.CreateMessageResult:
        return _create_message_result(openai_client.chat.completions.create(**request(params)))

    return handle


def _is_async_client(client: Any) -> bool:
    import openai

    return isinstance(client, openai.AsyncOpenAI)


_STOP_REASONS = {"stop": "endTurn", "length": "maxTokens", "tool_calls": "toolUse", "function_call": "toolUse"}


def _sampling_messages(params: types.CreateMessageRequestParams) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if params.system_prompt:
        out.append({"role": "system", "content": params.system_prompt})
    for message in params.messages:
        blocks = message.content if isinstance(message.content, list) else [message.content]
        if message.role == "assistant":
            # Assistant turns are text-only in Chat Completions.
            out.append({"role": "assistant", "content": "\n".join(_sampling_text(block) for block in blocks)})
            continue
        parts: list[dict[str, Any]] = []
        for block in blocks:
            if block.type == "image":
                url = f"data:{block.mime_type};base64,{block.data}"
                parts.append({"type": "image_url", "image_url": {"url": url}})
            elif block.type == "audio":
                audio_format = "mp3" if "mp3" in block.mime_type or "mpeg" in block.mime_type else "wav"
                parts.append({"type": "input_audio", "input_audio": {"data": block.data, "format": audio_format}})
            else:
                parts.append({"type": "text", "text": _sampling_text(block)})
        if all(part["type"] == "text" for part in parts):
            out.append({"role": "user", "content": "\n".join(part["text"] for part in parts)})
        else:
            out.append({"role": "user", "content": parts})
    return out


def _sampling_text(block: Any) -> str:
    if block.type == "text":
        return str(block.text)
    raise ValueError(f"sampling content of type {block.type!r} is not supported here")


def _create_message_result(completion: Any) -> types.CreateMessageResult:
    from mcp import types

    choice = completion.choices[0]
    reason = choice.finish_reason
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=choice.message.content or ""),
        model=completion.model,
        stop_reason=_STOP_REASONS.get(reason, reason) if reason else None,
    )
