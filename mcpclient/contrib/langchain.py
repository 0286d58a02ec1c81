"""MCP tools, prompts and resources for LangChain and LangGraph, over one shared `SyncClient`.

```python
from mcpclient import SyncClient
from mcpclient.contrib.langchain import load_tools

client = SyncClient("examples/server.py")
tools = load_tools(client)                       # LangChain BaseTools, one per MCP tool
print(tools[0].invoke({"a": 1, "b": 2}))         # blocking, in this thread: "3"
```

- `tool.invoke(...)` calls the tool through the SyncClient in the calling thread (so its
  plain-function handlers and contextvars-based tracing run there); `await tool.ainvoke(...)`
  awaits it through `SyncClient.aio` without blocking the caller's event loop. Both share the
  client's one session, from any number of threads and loops.
- Results use `response_format="content_and_artifact"`: the content is a string when the tool
  returned only text, else a list of LangChain content blocks (text, image, audio, file);
  the artifact is `{"structured_content": ...}` when the tool sent structured output, else None.
- A tool error raises `ToolException` with the tool's error text; with `handle_tool_error=True`
  (the default here, so an agent sees the error and can recover) it becomes the tool message
  content with `status="error"`.
- `load_prompt` gives a prompt as LangChain messages; `load_resource` a resource as
  `Document`s (text) and `Blob`s (binary).

Requires `pip install "mcpclient[langchain]"`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.documents import Document
from langchain_core.documents.base import Blob
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.messages.content import (
    create_audio_block,
    create_file_block,
    create_image_block,
    create_text_block,
)
from langchain_core.tools import BaseTool, ToolException
from pydantic import ConfigDict, SkipValidation

from ._agents import exposed_name, input_schema, select_tools

if TYPE_CHECKING:
    from mcp import types

    from ..results import CallToolResult
    from ..sync import SyncClient

__all__ = [
    "MCPTool",
    "aload_prompt",
    "aload_resource",
    "load_prompt",
    "load_resource",
    "load_tools",
    "to_content_blocks",
    "to_langchain_tool",
]

ToolErrorHandling = bool | str | Callable[[ToolException], str] | None


class MCPTool(BaseTool):
    """A LangChain tool that calls one MCP tool through a `SyncClient` (see the module docs)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: SkipValidation[Any]
    """The `SyncClient` the tool calls through."""
    mcp_tool_name: str
    """The tool's name on the server (`name` may carry a prefix)."""
    timeout: float | None = None
    """Per-call timeout in seconds (None: the client's default)."""
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: ToolErrorHandling = True

    def _run(self, *args: Any, **kwargs: Any) -> tuple[str | list[Any], dict[str, Any] | None]:
        result = self.client.call_tool(self.mcp_tool_name, kwargs, raise_on_error=False, timeout=self.timeout)
        return _content_and_artifact(result)

    async def _arun(self, *args: Any, **kwargs: Any) -> tuple[str | list[Any], dict[str, Any] | None]:
        result = await self.client.aio.call_tool(self.mcp_tool_name, kwargs, raise_on_error=False, timeout=self.timeout)
        return _content_and_artifact(result)


def to_langchain_tool(
    client: SyncClient,
    tool: types.Tool,
    *,
    prefix: str | None = None,
    handle_tool_error: ToolErrorHandling = True,
    timeout: float | None = None,
) -> MCPTool:
    """One MCP tool (from `client.list_tools()`) as a LangChain tool."""
    return MCPTool(
        name=exposed_name(tool.name, prefix),
        description=tool.description or tool.title or tool.name,
        args_schema=input_schema(tool),
        client=client,
        mcp_tool_name=tool.name,
        timeout=timeout,
        handle_tool_error=handle_tool_error,
        metadata={"mcp_server": client.name, "mcp_tool": tool.name, "annotations": _annotations(tool)},
    )


def load_tools(
    client: SyncClient,
    *,
    prefix: str | None = None,
    tool_names: Iterable[str] | None = None,
    handle_tool_error: ToolErrorHandling = True,
    timeout: float | None = None,
) -> list[BaseTool]:
    """The client's MCP tools as LangChain tools.

    `prefix`: expose `read` as `{prefix}_read` (to mix several servers' tools); `tool_names`: only
    these MCP tools (ValueError for unknown names). `handle_tool_error` is LangChain's option
    (True: the error text becomes the tool message; False: `ToolException` is raised).
    """
    selected = select_tools(client, prefix=prefix, tool_names=tool_names)
    return [
        to_langchain_tool(client, tool, prefix=prefix, handle_tool_error=handle_tool_error, timeout=timeout)
        for tool in selected.by_exposed.values()
    ]


def _annotations(tool: types.Tool) -> dict[str, Any] | None:
    return tool.annotations.model_dump(exclude_none=True) if tool.annotations is not None else None


def _content_and_artifact(result: CallToolResult) -> tuple[str | list[Any], dict[str, Any] | None]:
    if result.is_error:
        raise ToolException(result.text or "the tool failed without a message")
    structured = result.structured_content
    artifact = {"structured_content": structured} if structured is not None else None
    return to_content_blocks(result.content), artifact


def to_content_blocks(content: Iterable[types.ContentBlock]) -> str | list[Any]:
    """MCP content blocks as LangChain content: a string when all are text, else content blocks."""
    blocks = [_block(item) for item in content]
    if all(block["type"] == "text" for block in blocks):
        return "\n".join(block["text"] for block in blocks)
    return blocks


def _block(item: Any) -> dict[str, Any]:
    kind = getattr(item, "type", None)
    if kind == "text":
        return dict(create_text_block(item.text))
    if kind == "image":
        return dict(create_image_block(base64=item.data, mime_type=item.mime_type))
    if kind == "audio":
        return dict(create_audio_block(base64=item.data, mime_type=item.mime_type))
    if kind == "resource":
        return _resource_block(item.resource)
    if kind == "resource_link":
        described = f" ({item.description})" if item.description else ""
        return dict(create_text_block(f"[resource {item.name}: {item.uri}]{described}", uri=str(item.uri)))
    return dict(create_text_block(item.model_dump_json(by_alias=True, exclude_none=True)))


def _resource_block(resource: types.TextResourceContents | types.BlobResourceContents) -> dict[str, Any]:
    uri = str(resource.uri)
    mime = resource.mime_type
    text = getattr(resource, "text", None)
    if text is not None:
        return dict(create_text_block(text, uri=uri, mime_type=mime))
    blob: str = getattr(resource, "blob", "")
    mime = mime or "application/octet-stream"
    if mime.startswith("image/"):
        return dict(create_image_block(base64=blob, mime_type=mime, uri=uri))
    if mime.startswith("audio/"):
        return dict(create_audio_block(base64=blob, mime_type=mime, uri=uri))
    return dict(create_file_block(base64=blob, mime_type=mime, uri=uri))


# ------------------------------------------------------------------------------ prompts


def load_prompt(client: SyncClient, name: str, arguments: Mapping[str, Any] | None = None) -> list[BaseMessage]:
    """A prompt as LangChain messages (`HumanMessage` for user turns, `AIMessage` for assistant turns)."""
    return _prompt_messages(client.get_prompt(name, arguments))


async def aload_prompt(client: SyncClient, name: str, arguments: Mapping[str, Any] | None = None) -> list[BaseMessage]:
    """`load_prompt` for async code (does not block the caller's event loop)."""
    return _prompt_messages(await client.aio.get_prompt(name, arguments))


def _prompt_messages(result: types.GetPromptResult) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for message in result.messages:
        content = to_content_blocks([message.content])
        messages.append(AIMessage(content=content) if message.role == "assistant" else HumanMessage(content=content))
    return messages


# ---------------------------------------------------------------------------- resources


def load_resource(client: SyncClient, uri: str) -> list[Document | Blob]:
    """A resource's contents: a `Document` per text part, a `Blob` per binary part (metadata: uri, mime type)."""
    return _documents(client.read_resource(uri))


async def aload_resource(client: SyncClient, uri: str) -> list[Document | Blob]:
    """`load_resource` for async code (does not block the caller's event loop)."""
    return _documents(await client.aio.read_resource(uri))


def _documents(contents: Iterable[types.TextResourceContents | types.BlobResourceContents]) -> list[Document | Blob]:
    parts: list[Document | Blob] = []
    for part in contents:
        metadata = {"uri": str(part.uri), "mime_type": part.mime_type}
        text = getattr(part, "text", None)
        if text is not None:
            parts.append(Document(page_content=text, metadata=metadata))
        else:
            data = base64.b64decode(getattr(part, "blob", ""))
            parts.append(Blob.from_data(data, mime_type=part.mime_type, path=str(part.uri), metadata=metadata))
    return parts
