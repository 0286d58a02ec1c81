"""Failures a transport detects on behalf of one request, delivered through the SDK's normal path.

A transport that cannot deliver a reply (unreadable, too large, an HTTP error status) answers
the request itself with a JSON-RPC error for its id, so exactly that request fails, at once,
and the session goes on. The error's `data` is a `LocalErrorData`: a class no JSON parser
produces, so a server cannot forge it. `client_error()` turns it into the typed error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import HTTPStatusError, MalformedMessageError, MCPClientError, MessageTooLargeError

if TYPE_CHECKING:
    import mcp_types
    from mcp.shared.message import SessionMessage

__all__ = ["LocalErrorData", "client_error", "local_error"]


class LocalErrorData(dict[str, Any]):
    """`ErrorData.data` of an error made by our transport (never by the server)."""


def local_error(request_id: mcp_types.RequestId, code: int, message: str, **data: Any) -> SessionMessage:
    """A JSON-RPC error for `request_id`, as if the server had sent it, marked as ours."""
    import mcp_types  # the SDK is imported late (a script's Client is built without it)
    from mcp.shared.message import SessionMessage

    error = mcp_types.ErrorData(code=code, message=message, data=LocalErrorData(data))
    return SessionMessage(mcp_types.JSONRPCError(jsonrpc="2.0", id=request_id, error=error))


def client_error(exc: BaseException, server: str | None, method: str | None) -> MCPClientError | None:
    """The typed error for an SDK `MCPError` that carries our `LocalErrorData`; None for any other."""
    data = getattr(exc, "data", None)
    if not isinstance(data, LocalErrorData):
        return None
    message: str = getattr(exc, "message", str(exc))
    code = getattr(exc, "code", None)
    kind = data.get("kind")
    if kind == "too_large":
        return MessageTooLargeError(
            message, size=data["size"], limit=data["limit"], code=code, server=server, method=method
        )
    if kind == "http_status":
        return HTTPStatusError(
            message, status_code=data["status_code"], body=data["body"], server=server, method=method
        )
    return MalformedMessageError(message, reason=str(data.get("reason", kind)), code=code, server=server, method=method)
