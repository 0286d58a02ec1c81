"""What every server-initiated callback receives, and how a handler is invoked."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HandlerContext:
    """Where a server request came from: the server's name, the request id and its `_meta`."""

    server: str
    request_id: str | int | None = None
    meta: dict[str, Any] | None = field(default=None, repr=False)


async def call_handler(fn: Any, *args: Any) -> Any:
    """Call a user handler that may be a plain or an async function."""
    result = fn(*args)
    if inspect.isawaitable(result):
        result = await result
    return result
