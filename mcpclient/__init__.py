"""mcpclient: an MCP client for code that is not async.

`SyncClient` is a blocking client for scripts, notebooks and Django/Flask apps; `Client`
is the async engine under it. Names are imported on first use so `import mcpclient` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from .client import Client
    from .config import MCPConfig, MCPConfigTransport
    from .errors import (
        ClientClosedError,
        ConfigError,
        ConnectionFailedError,
        ConnectionLostError,
        MCPClientError,
        NotConnectedError,
        ProtocolError,
        ServerNotFoundError,
        ServerStartupError,
        TaskCancelledError,
        TasksNotSupportedError,
        TimeoutError,
        ToolError,
    )
    from .handlers import HandlerContext, LogMessage, MessageHandler
    from .results import CallToolResult
    from .subscriptions import (
        PromptsListChanged,
        ResourcesListChanged,
        ResourceUpdated,
        ServerEvent,
        ToolsListChanged,
    )
    from .sync import SyncClient
    from .sync.tasks import SyncPromptTask, SyncResourceTask, SyncToolTask
    from .tasks import PromptTask, ResourceTask, ToolTask
    from .transports import (
        ClientTransport,
        InMemoryTransport,
        NodeStdioTransport,
        NpxStdioTransport,
        PythonStdioTransport,
        SSETransport,
        StdioTransport,
        StreamableHttpTransport,
        UvxStdioTransport,
    )

_EXPORTS = {
    "Client": ".client",
    "SyncClient": ".sync",
    "MCPConfig": ".config",
    "MCPConfigTransport": ".config",
    "CallToolResult": ".results",
    "HandlerContext": ".handlers",
    "LogMessage": ".handlers",
    "MessageHandler": ".handlers",
    **dict.fromkeys(
        ["PromptsListChanged", "ResourcesListChanged", "ResourceUpdated", "ServerEvent", "ToolsListChanged"],
        ".subscriptions",
    ),
    **dict.fromkeys(["PromptTask", "ResourceTask", "ToolTask"], ".tasks"),
    **dict.fromkeys(["SyncPromptTask", "SyncResourceTask", "SyncToolTask"], ".sync.tasks"),
    **dict.fromkeys(
        [
            "ClientClosedError",
            "ConfigError",
            "ConnectionFailedError",
            "ConnectionLostError",
            "MCPClientError",
            "NotConnectedError",
            "ProtocolError",
            "ServerNotFoundError",
            "ServerStartupError",
            "TaskCancelledError",
            "TasksNotSupportedError",
            "TimeoutError",
            "ToolError",
        ],
        ".errors",
    ),
    **dict.fromkeys(
        [
            "ClientTransport",
            "InMemoryTransport",
            "NodeStdioTransport",
            "NpxStdioTransport",
            "PythonStdioTransport",
            "SSETransport",
            "StdioTransport",
            "StreamableHttpTransport",
            "UvxStdioTransport",
        ],
        ".transports",
    ),
}

__all__ = [
    "CallToolResult",
    "Client",
    "ClientClosedError",
    "ClientTransport",
    "ConfigError",
    "ConnectionFailedError",
    "ConnectionLostError",
    "HandlerContext",
    "InMemoryTransport",
    "LogMessage",
    "MCPClientError",
    "MCPConfig",
    "MCPConfigTransport",
    "MessageHandler",
    "NodeStdioTransport",
    "NotConnectedError",
    "NpxStdioTransport",
    "PromptTask",
    "PromptsListChanged",
    "ProtocolError",
    "PythonStdioTransport",
    "ResourceTask",
    "ResourceUpdated",
    "ResourcesListChanged",
    "SSETransport",
    "ServerEvent",
    "ServerNotFoundError",
    "ServerStartupError",
    "StdioTransport",
    "StreamableHttpTransport",
    "SyncClient",
    "SyncPromptTask",
    "SyncResourceTask",
    "SyncToolTask",
    "TaskCancelledError",
    "TasksNotSupportedError",
    "TimeoutError",
    "ToolError",
    "ToolTask",
    "ToolsListChanged",
    "UvxStdioTransport",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mcpclient' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
