"""Choose a transport from what the user passed as a server source (SPEC §1).

Above the transports and the config/proxy composite, since a source may be any of them;
`Client.__init__` imports it late (Client → sources → config → proxy → Client). Each kind of
source imports its own transport: a script's stdio transport is built without the mcp SDK
(`mcpclient._early`).
"""

from __future__ import annotations

import os
import reprlib
import sys
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from .transports.base import ClientTransport

__all__ = ["infer_transport"]

_ACCEPTED = (
    "a ClientTransport, an in-process server (MCPServer, mcp.server.Server, FastMCP), "
    "a path to a .py or .js server script or a .json MCP config file, an http(s):// URL, "
    "or an MCPConfig / dict with 'mcpServers'"
)

_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80


def _cannot(source: object, why: str = "") -> ValueError:
    return ValueError(f"cannot infer a transport from {_repr.repr(source)}{why}; expected {_ACCEPTED}")


def infer_transport(source: Any, **kwargs: Any) -> ClientTransport:
    """The transport for `source`; `kwargs` go to the inferred transport's constructor.

    See SPEC §1: transport → itself; server instance → `InMemoryTransport`; `.py` →
    `PythonStdioTransport`; `.js` → `NodeStdioTransport`; `.json` / `MCPConfig` / dict
    with `mcpServers` → `MCPConfigTransport`; http(s) URL → `StreamableHttpTransport`, or
    `SSETransport` when a path segment is `sse`. Anything else raises `ValueError`.
    """
    if isinstance(source, ClientTransport):
        if kwargs:
            raise TypeError(f"options {sorted(kwargs)} apply only to an inferred transport, not to {source!r}")
        return source
    if "mcp.server" in sys.modules:  # a server object exists only once its module was imported
        from .transports.memory import InMemoryTransport, is_server_instance

        if is_server_instance(source):
            return InMemoryTransport(source, **kwargs)
    if isinstance(source, Mapping):
        if "mcpServers" in source:
            from .config import MCPConfig, MCPConfigTransport

            return MCPConfigTransport(MCPConfig.from_dict(source), **kwargs)
        raise _cannot(source, " (a dict needs an 'mcpServers' key)")
    if isinstance(source, str) and "://" in source:
        try:
            parts = urlsplit(source)
        except ValueError as exc:  # e.g. "Invalid IPv6 URL", which would not say which source
            raise _cannot(source, f" (malformed URL: {exc})") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise _cannot(source, f" (unsupported URL scheme {parts.scheme!r})")
        from .transports.http import SSETransport, StreamableHttpTransport

        if "sse" in parts.path.split("/"):
            return SSETransport(source, **kwargs)
        return StreamableHttpTransport(source, **kwargs)
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if not isinstance(path, str):
            raise _cannot(source)
        suffix = PurePath(path).suffix.lower()
        if suffix == ".py":
            from .transports.stdio import PythonStdioTransport

            return PythonStdioTransport(path, **kwargs)
        if suffix == ".js":
            from .transports.stdio import NodeStdioTransport

            return NodeStdioTransport(path, **kwargs)
        if suffix == ".json":
            from .config import MCPConfig, MCPConfigTransport

            return MCPConfigTransport(MCPConfig.from_file(path), **kwargs)
        raise _cannot(source, " (not a .py, .js or .json path, nor an http(s) URL)")
    from .config import MCPConfig, MCPConfigTransport

    if isinstance(source, MCPConfig):
        return MCPConfigTransport(source, **kwargs)
    raise _cannot(source)
