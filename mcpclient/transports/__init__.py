"""Transports: how the engine reaches a server (subprocess, HTTP, in-process).

`ClientTransport` is the small base class for writing your own. Choosing one from a
path, URL, server object or config is `mcpclient.sources.infer_transport`; several
servers as one is `mcpclient.config.MCPConfigTransport` (both sit above the engine).

Names are imported on first use (as in `mcpclient/__init__.py`): the HTTP and in-memory
transports import the mcp SDK, and a script's stdio transport must not need it to be built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import ClientTransport, SessionTarget
    from .http import SSETransport, StreamableHttpTransport
    from .memory import InMemoryTransport
    from .stdio import (
        NodeStdioTransport,
        NpxStdioTransport,
        PythonStdioTransport,
        ServerNotFoundError,
        StdioTransport,
        UvxStdioTransport,
    )

_EXPORTS = {
    "ClientTransport": ".base",
    "SessionTarget": ".base",
    "SSETransport": ".http",
    "StreamableHttpTransport": ".http",
    "InMemoryTransport": ".memory",
    **dict.fromkeys(
        [
            "NodeStdioTransport",
            "NpxStdioTransport",
            "PythonStdioTransport",
            "ServerNotFoundError",
            "StdioTransport",
            "UvxStdioTransport",
        ],
        ".stdio",
    ),
}

__all__ = [
    "ClientTransport",
    "InMemoryTransport",
    "NodeStdioTransport",
    "NpxStdioTransport",
    "PythonStdioTransport",
    "SSETransport",
    "ServerNotFoundError",
    "SessionTarget",
    "StdioTransport",
    "StreamableHttpTransport",
    "UvxStdioTransport",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mcpclient.transports' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
