"""What the agent adapters (`langchain`, `openai`, `anthropic`) share: picking tools, running calls.

No third-party imports here: each adapter imports its own SDK.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from mcp import types

    from ..results import CallToolResult
    from ..sync import SyncClient

__all__ = ["Failure", "ToolSet", "call_tool", "content_parts", "parse_arguments", "run_concurrently", "select_tools"]

_T = TypeVar("_T")
_R = TypeVar("_R")
MAX_WORKERS = 16


class ToolSet:
    """The MCP tools exposed to a model: the name the model sees -> the MCP tool."""

    def __init__(self, tools: Sequence[types.Tool], prefix: str | None) -> None:
        self.prefix = prefix
        self.by_exposed: dict[str, types.Tool] = {exposed_name(t.name, prefix): t for t in tools}

    def mcp_name(self, exposed: str) -> str | None:
        tool = self.by_exposed.get(exposed)
        return tool.name if tool is not None else None


def exposed_name(name: str, prefix: str | None) -> str:
    return f"{prefix}_{name}" if prefix else name


def select_tools(client: SyncClient, *, prefix: str | None = None, tool_names: Iterable[str] | None = None) -> ToolSet:
    """The client's tools (`tool_names`: only these MCP names, in that order; unknown names raise)."""
    tools = client.list_tools()
    if tool_names is not None:
        wanted = list(tool_names)
        by_name = {t.name: t for t in tools}
        missing = [n for n in wanted if n not in by_name]
        if missing:
            raise ValueError(
                f"server {client.name!r} has no tool named {', '.join(map(repr, missing))} "
                f"(it has {', '.join(sorted(by_name)) or 'none'})"
            )
        tools = [by_name[n] for n in wanted]
    return ToolSet(tools, prefix)


def input_schema(tool: types.Tool) -> dict[str, Any]:
    """The tool's input schema as an object schema (some servers omit `properties`)."""
    schema = dict(tool.input_schema or {})
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """Tool-call arguments as a dict; a model's JSON string is decoded (ValueError if it is not an object)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError(f"tool arguments must be a JSON object, got {type(value).__name__}")
    return value


def run_concurrently(fn: Callable[[_T], _R], items: Sequence[_T], max_workers: int | None = None) -> list[_R]:
    """`[fn(item) for item in items]`, run in threads (the SyncClient pipelines them on one session).

    Each call runs in a copy of the caller's contextvars context (tracing, request state).
    """
    if len(items) <= 1:
        return [fn(item) for item in items]
    context = contextvars.copy_context()
    workers = min(len(items), max_workers or MAX_WORKERS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcpclient-tool-call") as pool:
        return list(pool.map(lambda item: context.copy().run(fn, item), items))


class Failure:
    """A tool call that failed, as the text to tell the model (starting with \"Error\")."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text if text.lower().startswith("error") else f"Error: {text}"


def call_tool(
    client: SyncClient, name: str, raw_arguments: Any, prefix: str | None, timeout: float | None
) -> CallToolResult | Failure:
    """Call one tool; any failure as a `Failure` (what the model is told) rather than an exception."""
    from ..errors import MCPClientError

    mcp_name = name[len(prefix) + 1 :] if prefix and name.startswith(f"{prefix}_") else name
    if prefix and mcp_name == name:
        return Failure(f"unknown tool {name!r}")
    try:
        arguments = parse_arguments(raw_arguments)
    except ValueError as exc:
        return Failure(f"the arguments for {name!r} are not a JSON object: {exc}")
    try:
        result = client.call_tool(mcp_name, arguments, raise_on_error=False, timeout=timeout)
    except (MCPClientError, TypeError, ValueError) as exc:
        return Failure(f"{type(exc).__name__}: {exc}")
    if result.is_error:
        return Failure(result.text or f"tool {name!r} failed")
    return result


def content_parts(result: CallToolResult) -> list[dict[str, Any]]:
    """MCP content as neutral parts: text / image / file (with a data URL) / other (with a summary)."""
    from mcp import types

    parts: list[dict[str, Any]] = []
    for block in result.content:
        if isinstance(block, types.TextContent):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, types.ImageContent):
            url = f"data:{block.mime_type};base64,{block.data}"
            parts.append({"type": "image", "data_url": url, "summary": f"[image {block.mime_type}]"})
        elif isinstance(block, types.AudioContent):
            parts.append({"type": "other", "summary": f"[audio {block.mime_type}]"})
        elif isinstance(block, types.EmbeddedResource):
            resource = block.resource
            uri, mime = str(resource.uri), resource.mime_type or "application/octet-stream"
            if isinstance(resource, types.TextResourceContents):
                parts.append({"type": "text", "text": resource.text})
            elif mime.startswith("image/"):
                url = f"data:{mime};base64,{resource.blob}"
                parts.append({"type": "image", "data_url": url, "summary": f"[image {uri}]"})
            else:
                url = f"data:{mime};base64,{resource.blob}"
                filename = uri.rstrip("/").rsplit("/", 1)[-1] or "resource"
                parts.append({"type": "file", "data_url": url, "filename": filename, "summary": f"[file {uri}]"})
        elif isinstance(block, types.ResourceLink):
            parts.append({"type": "text", "text": f"[resource {block.name}: {block.uri}]"})
        else:  # pragma: no cover - a content type newer than this adapter
            parts.append({"type": "other", "summary": f"[{getattr(block, 'type', '?')} content]"})
    return parts
