"""MCP tools for the Anthropic SDK's Messages API tool use, over one `SyncClient`.

```python
from anthropic import Anthropic
from mcpclient import SyncClient
from mcpclient.contrib.anthropic import run_tool_uses, tools

client, mcp = Anthropic(), SyncClient("examples/server.py")
messages = [{"role": "user", "content": "What is 2 + 3?"}]
while True:
    reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=messages, tools=tools(mcp))
    messages.append({"role": "assistant", "content": reply.content})
    if reply.stop_reason != "tool_use":
        break
    messages.append({"role": "user", "content": run_tool_uses(mcp, reply)})
print(reply.content[0].text)
```

- `tools(client)`: the client's tools as Messages API tool definitions (`name`, `description`,
  `input_schema`).
- `run_tool_uses(client, message)` runs every `tool_use` block of a reply concurrently (threads
  sharing the SyncClient's session) and returns the `tool_result` blocks, in order, for the next
  user turn: text and image content (embedded text resources as text, PDFs as documents),
  `is_error: true` with the error text when a call failed (tool error, timeout, unknown tool).
- `sampling_handler(anthropic_client, model=...)`: answer servers' `sampling/createMessage` with
  a Messages API call (an `AsyncAnthropic` client gives an async handler).

Returned values are plain dicts (the SDK's `...Param` shapes). Requires `pip install "mcpclient[anthropic]"`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._agents import Failure, call_tool, content_parts, input_schema, run_concurrently, select_tools

if TYPE_CHECKING:
    from mcp import types

    from ..handlers.context import HandlerContext
    from ..results import CallToolResult
    from ..sync import SyncClient

__all__ = ["run_tool_uses", "sampling_handler", "tools"]

ModelChooser = Callable[["types.ModelPreferences | None", "types.CreateMessageRequestParams"], "str | None"]
"""`choose_model(preferences, params)` -> a model name, or None for the handler's default `model`."""

_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def tools(
    client: SyncClient, *, prefix: str | None = None, tool_names: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The client's tools as Messages API tool definitions (`tools=[...]`)."""
    selected = select_tools(client, prefix=prefix, tool_names=tool_names)
    return [
        {"name": name, "description": tool.description or tool.title or tool.name, "input_schema": input_schema(tool)}
        for name, tool in selected.by_exposed.items()
    ]


def run_tool_uses(
    client: SyncClient,
    message: Any,
    *,
    prefix: str | None = None,
    timeout: float | None = None,
    max_workers: int | None = None,
) -> list[dict[str, Any]]:
    """Run every `tool_use` block of `message` (a `Message`, its dict or content list); the `tool_result` blocks."""
    uses = [block for block in _content(message) if block.get("type") == "tool_use"]

    def run(use: Mapping[str, Any]) -> dict[str, Any]:
        result = call_tool(client, use["name"], use.get("input") or {}, prefix, timeout)
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": use["id"]}
        if isinstance(result, Failure):
            block["content"] = [{"type": "text", "text": result.text}]
            block["is_error"] = True
        else:
            block["content"] = _result_content(result)
        return block

    return run_concurrently(run, uses, max_workers)


def _content(message: Any) -> list[Mapping[str, Any]]:
    if hasattr(message, "model_dump"):
        message = message.model_dump(mode="json", exclude_none=True)
    if isinstance(message, Mapping):
        message = message.get("content", [])
    if isinstance(message, str):
        return []
    return [b.model_dump(mode="json", exclude_none=True) if hasattr(b, "model_dump") else b for b in message]


def _result_content(result: CallToolResult) -> list[dict[str, Any]]:
    import json

    content: list[dict[str, Any]] = []
    for part in content_parts(result):
        if part["type"] == "text":
            content.append({"type": "text", "text": part["text"]})
            continue
        mime, _, data = part.get("data_url", "data:;base64,").removeprefix("data:").partition(";base64,")
        if part["type"] == "image" and mime in _IMAGE_TYPES:
            content.append({"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}})
        elif part["type"] == "file" and mime == "application/pdf":
            content.append({"type": "document", "source": {"type": "base64", "media_type": mime, "data": data}})
        else:
            content.append({"type": "text", "text": part["summary"]})
    if not content and result.structured_content is not None:
        content.append({"type": "text", "text": json.dumps(result.structured_content)})
    return content


# ---------------------------------------------------------------------------------- sampling

_STOP_REASONS = {
    "end_turn": "endTurn",
    "max_tokens": "maxTokens",
    "stop_sequence": "stopSequence",
    "tool_use": "toolUse",
}


def sampling_handler(
    anthropic_client: Any,
    *,
    model: str | None = None,
    choose_model: ModelChooser | None = None,
    **create_options: Any,
) -> Any:
    """A sampling handler answering `sampling/createMessage` with a Messages API call.

    The request's system prompt, messages (text and images), `maxTokens`, `stopSequences` and
    `temperature` (when the installed SDK still accepts it) are sent; `choose_model(preferences,
    params)` may pick the model from the server's model preferences (None: `model`).
    `create_options` are passed to every `messages.create` call. An `AsyncAnthropic` client
    gives an async handler (awaited on the client's loop thread); an `Anthropic` client a plain
    one (run in the calling thread).
    """
    if model is None and choose_model is None:
        raise ValueError("sampling_handler needs model= or choose_model=")
    # Newer SDKs (and the API behind them) dropped `temperature`; send it only where it is accepted.
    accepts_temperature = "temperature" in inspect.signature(anthropic_client.messages.create).parameters

    def request(params: types.CreateMessageRequestParams) -> dict[str, Any]:
        chosen = (choose_model(params.model_preferences, params) if choose_model else None) or model
        if chosen is None:
            raise ValueError("choose_model returned None and no default model= was given")
        kwargs: dict[str, Any] = {
            "model": chosen,
            "max_tokens": params.max_tokens,
            "messages": [_sampling_message(m) for m in params.messages],
        }
        if params.system_prompt:
            kwargs["system"] = params.system_prompt
        if params.stop_sequences:
            kwargs["stop_sequences"] = list(params.stop_sequences)
        if params.temperature is not None and accepts_temperature:
            kwargs["temperature"] = params.temperature
        return {**kwargs, **create_options}

    import anthropic

    if isinstance(anthropic_client, anthropic.AsyncAnthropic):

        async def handle_async(
            messages: list[types.SamplingMessage], params: types.CreateMessageRequestParams, context: HandlerContext
        ) -> types.CreateMessageResult:
            return _create_message_result(await anthropic_client.messages.create(**request(params)))

        return handle_async

    def handle(
        messages: list[types.SamplingMessage], params: types.CreateMessageRequestParams, context: HandlerContext
    ) -> types.CreateMessageResult:
        return _create_message_result(anthropic_client.messages.create(**request(params)))

    return handle


def _sampling_message(message: types.SamplingMessage) -> dict[str, Any]:
    blocks = message.content if isinstance(message.content, list) else [message.content]
    content: list[dict[str, Any]] = []
    for block in blocks:
        if block.type == "text":
            content.append({"type": "text", "text": block.text})
        elif block.type == "image":
            source = {"type": "base64", "media_type": block.mime_type, "data": block.data}
            content.append({"type": "image", "source": source})
        else:
            raise ValueError(f"sampling content of type {block.type!r} is not supported by the Messages API")
    if len(content) == 1 and content[0]["type"] == "text":
        return {"role": message.role, "content": content[0]["text"]}
    return {"role": message.role, "content": content}


def _create_message_result(reply: Any) -> types.CreateMessageResult:
    from mcp import types

    text = "".join(block.text for block in reply.content if getattr(block, "type", None) == "text")
    reason = reply.stop_reason
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=text),
        model=reply.model,
        stop_reason=_STOP_REASONS.get(reason, reason) if reason else None,
    )
