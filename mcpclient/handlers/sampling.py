"""Sampling: the server asks the client's LLM for a completion."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from mcp import types

    from .context import HandlerContext

__all__ = ["SamplingHandler", "to_create_message_result"]

SamplingHandler: TypeAlias = Callable[
    ["list[types.SamplingMessage]", "types.CreateMessageRequestParams", "HandlerContext"],
    "str | types.CreateMessageResult | Awaitable[str | types.CreateMessageResult]",
]
"""`handler(messages, params, context)` returns the reply text or a full `CreateMessageResult`."""


def to_create_message_result(value: Any) -> Any:
    """A handler's return value as the SDK result: strings become an assistant text message."""
    from mcp import types

    if isinstance(value, types.CreateMessageResult | types.CreateMessageResultWithTools | types.ErrorData):
        return value
    if isinstance(value, str):
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=value),
            model="mcpclient",
            stop_reason="endTurn",
        )
    raise TypeError(f"sampling handler must return str or CreateMessageResult, got {type(value).__name__}")
