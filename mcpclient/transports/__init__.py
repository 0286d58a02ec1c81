"""Transports: how the engine reaches a server (subprocess, HTTP, in-process, config).

`infer_transport(source)` picks one from a path, URL, server object or config;
`ClientTransport` is the small base class for writing your own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import ClientTransport, SessionTarget
from .http import SSETransport, StreamableHttpTransport
from .infer import infer_transport
from .memory import InMemoryTransport
from .stdio import (
    NodeStdioTransport,
    NpxStdioTransport,
    PythonStdioTransport,
    ServerNotFoundError,
    StdioTransport,
    UvxStdioTransport,
)

if TYPE_CHECKING:
    from ..config import MCPConfigTransport

__all__ = [
    "ClientTransport",
    "InMemoryTransport",
    "MCPConfigTransport",
    "NodeStdioTransport",
    "NpxStdioTransport",
    "PythonStdioTransport",
    "SSETransport",
    "ServerNotFoundError",
    "SessionTarget",
    "StdioTransport",
    "StreamableHttpTransport",
    "UvxStdioTransport",
    "infer_transport",
]


def __getattr__(name: str) -> Any:
    # MCPConfigTransport lives in mcpclient.config, which imports this package: resolve it lazily.
    if name == "MCPConfigTransport":
        from ..config import MCPConfigTransport

        return MCPConfigTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
