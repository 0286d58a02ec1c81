"""Every notification a server sends, for users who want them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from mcp import types

__all__ = ["MessageHandler", "MessageHandlerFn"]

MessageHandlerFn: TypeAlias = Callable[[Any], "Awaitable[None] | None"]
"""`handler(message)`: a `mcp.types.ServerNotification`, or an `Exception` from the transport."""


class MessageHandler:
    """Override the `on_*` methods you care about; pass an instance as `message_handler`.

    Methods may be plain or async. `on_message` sees everything first.
    """

    async def __call__(self, message: Any) -> None:
        from .context import call_handler

        for method in self._targets(message):
            await call_handler(method, message)

    def handle_sync(self, message: Any) -> None:
        """Dispatch with plain calls (how SyncClient runs a handler in the caller's thread)."""
        for method in self._targets(message):
            method(message)

    def _targets(self, message: Any) -> list[Callable[[Any], Any]]:
        if isinstance(message, Exception):
            return [self.on_message, self.on_exception]
        table: dict[str, Callable[[Any], Any]] = {
            "notifications/tools/list_changed": self.on_tool_list_changed,
            "notifications/resources/list_changed": self.on_resource_list_changed,
            "notifications/prompts/list_changed": self.on_prompt_list_changed,
            "notifications/resources/updated": self.on_resource_updated,
            "notifications/message": self.on_log,
            "notifications/progress": self.on_progress,
        }
        return [self.on_message, table.get(getattr(message, "method", None) or "", self.on_notification)]

    def on_message(self, message: Any) -> Awaitable[None] | None:
        """Every message, before the specific method."""

    def on_exception(self, error: Exception) -> Awaitable[None] | None:
        """A transport-level error (e.g. a malformed line from the server)."""

    def on_tool_list_changed(self, message: types.ToolListChangedNotification) -> Awaitable[None] | None:
        """The server's tool list changed."""

    def on_resource_list_changed(self, message: types.ResourceListChangedNotification) -> Awaitable[None] | None:
        """The server's resource list changed."""

    def on_prompt_list_changed(self, message: types.PromptListChangedNotification) -> Awaitable[None] | None:
        """The server's prompt list changed."""

    def on_resource_updated(self, message: types.ResourceUpdatedNotification) -> Awaitable[None] | None:
        """A subscribed resource changed."""

    def on_log(self, message: types.LoggingMessageNotification) -> Awaitable[None] | None:
        """A log message (also delivered to `log_handler`)."""

    def on_progress(self, message: types.ProgressNotification) -> Awaitable[None] | None:
        """A progress notification."""

    def on_notification(self, message: types.ServerNotification) -> Awaitable[None] | None:
        """Any other notification."""
