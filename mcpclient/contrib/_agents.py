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

    from ..sync import SyncClient

__all__ = ["ToolSet", "parse_arguments", "run_concurrently", "select_tools"]

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
