"""Progress notifications for a request."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeAlias

__all__ = ["ProgressHandler", "default_progress_handler"]

ProgressHandler: TypeAlias = Callable[[float, "float | None", "str | None"], "Awaitable[None] | None"]
"""`handler(progress, total, message)`."""

_logger = logging.getLogger("mcpclient.progress")


def default_progress_handler(progress: float, total: float | None, message: str | None) -> None:
    """Log progress at debug level."""
    _logger.debug("progress %s/%s %s", progress, total if total is not None else "?", message or "")
