"""Transports: how the engine reaches a server (subprocess, HTTP, in-process).

`ClientTransport` is the small base class for writing your own. Choosing one from a
path, URL, server object or config is `mcpclient.sources.infer_transport`; several
servers as one is `mcpclient.config.MCPConfigTransport` (both sit above the engine).
"""

from __future__ import annotations

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

