"""Server log messages (`notifications/message`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = ["LogHandler", "LogMessage", "default_log_handler", "server_logger"]


@dataclass(frozen=True)
class LogMessage:
    """One log message from a server: MCP level name, payload, the server's logger name, our server name."""

    level: str
    data: Any
    logger: str | None = None
    server: str | None = None

    @property
    def message(self) -> str:
        """The payload as text (dicts with a `msg`/`message` key give that value)."""
        if isinstance(self.data, dict):
            for key in ("msg", "message"):
                if key in self.data:
                    return str(self.data[key])
        return str(self.data)


LogHandler: TypeAlias = Callable[[LogMessage], "Awaitable[None] | None"]

# MCP uses syslog levels; map them onto stdlib logging.
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}


def server_logger(server: str) -> logging.Logger:
    """The stdlib logger for a server: `mcpclient.server.<name>`."""
    return logging.getLogger(f"mcpclient.server.{server}")


def default_log_handler(message: LogMessage) -> None:
    """Forward a server log message to stdlib logging at the matching level."""
    logger = server_logger(message.server or "server")
    suffix = f" [{message.logger}]" if message.logger else ""
    logger.log(_LEVELS.get(message.level, logging.INFO), "%s%s", message.message, suffix)
