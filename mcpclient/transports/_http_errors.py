"""HTTP replies the SDK reports vaguely, turned into errors that say what the server said.

The SDK's Streamable HTTP client answers a request whose POST got a non-2xx status with a
generic "Server returned an error response", and an SSE event over its size limit with a
lost connection. The transport records each error response by the JSON-RPC id of the POST it
answered (an httpx event hook), and `ReplyErrors.wrap()` rewrites those SDK errors in the read
stream into errors of ours (`_local.py`): `HTTPStatusError` with the status and the start of
the body, `MessageTooLargeError`, `MalformedMessageError` for an unparsable event or body.

`max_message_size` caps SSE events through the SDK's own limit; a JSON (non-SSE) body the SDK
reads whole, so `ReplyErrors.cap()` wraps its stream: a body declared or found larger than the
limit (transferred bytes) stops being read and fails only its request.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import mcp_types
from mcp.shared.message import SessionMessage

from ._local import local_error

__all__ = ["ReplyErrors"]

_GENERIC = "Server returned an error response"  # mcp.client.streamable_http's stand-in for a non-2xx status
_TOO_LARGE = "Server-sent event exceeded the"  # httpx2's SSE size limit error
_UNPARSABLE = ("Failed to parse SSE message", "Failed to parse JSON response")
_KEEP = 256  # error responses remembered at once (their requests are failed as the SDK reports them)
_JSON_TOO_LARGE = "JSON reply over max_message_size"


class _ReplyTooLarge(httpx2.StreamError):
    """Raised while reading a JSON body over the limit; the SDK reports a `StreamError` for that request."""


class _CappedStream(httpx2.AsyncByteStream):
    def __init__(
        self, inner: httpx2.AsyncByteStream, limit: int, declared: int | None, too_large: Callable[[int], None]
    ) -> None:
        self._inner = inner
        self._limit = limit
        self._declared = declared
        self._too_large = too_large

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._declared is not None and self._declared > self._limit:
            self._too_large(self._declared)
            raise _ReplyTooLarge(f"{_JSON_TOO_LARGE}: {self._declared:,} bytes declared")
        size = 0
        async for chunk in self._inner:
            size += len(chunk)
            if size > self._limit:
                self._too_large(size)
                raise _ReplyTooLarge(f"{_JSON_TOO_LARGE}: more than {self._limit:,} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class ReplyErrors:
    """Error responses by request id, and a read-stream wrapper that reports them."""

    def __init__(self, max_message_size: int | None) -> None:
        self._limit = max_message_size
        self._by_id: OrderedDict[Any, tuple[int, str, str]] = OrderedDict()
        self._too_large: OrderedDict[Any, int] = OrderedDict()  # request id -> size of its capped JSON reply

    def record(self, response: httpx2.Response, excerpt: str) -> None:
        _remember(self._by_id, response, (response.status_code, response.reason_phrase, excerpt))

    def cap(self, response: httpx2.Response) -> None:
        """Limit the body of a JSON reply to `max_message_size` (SSE events have the SDK's own limit)."""
        content_type = response.headers.get("content-type", "").lower()
        limit = self._limit
        if limit is None or not content_type.startswith("application/json"):
            return
        if not isinstance(response.stream, httpx2.AsyncByteStream):
            return
        length = response.headers.get("content-length", "")
        # The request id is looked up only when the cap trips: nothing more per call.
        response.stream = _CappedStream(
            response.stream,
            limit,
            int(length) if length.isdigit() else None,
            lambda size: _remember(self._too_large, response, size),
        )

    def rewrite(self, item: Any) -> Any:
        if not isinstance(item, SessionMessage):
            return item
        if not isinstance(item.message, mcp_types.JSONRPCError):
            return item
        request_id, error = item.message.id, item.message.error
        if error.message == _GENERIC and request_id is not None and request_id in self._by_id:
            status, reason, body = self._by_id.pop(request_id)
            message = f"HTTP {status} {reason}".rstrip() + (f": {body}" if body else "")
            return local_error(request_id, error.code, message, kind="http_status", status_code=status, body=body)
        if _JSON_TOO_LARGE in error.message and request_id is not None and request_id in self._too_large:
            size, limit = self._too_large.pop(request_id), self._limit or 0
            message = f"server sent a JSON reply over max_message_size ({limit:,} bytes)"
            return local_error(request_id, error.code, message, kind="too_large", size=size, limit=limit)
        if _TOO_LARGE in error.message and request_id is not None:
            limit = self._limit or 0
            message = f"server sent an event over max_message_size ({limit:,} bytes)"
            return local_error(request_id, error.code, message, kind="too_large", size=limit + 1, limit=limit)
        if error.message.startswith(_UNPARSABLE) and request_id is not None:
            detail = error.message.splitlines()[0]
            return local_error(request_id, error.code, f"server sent an invalid reply: {detail}", kind="malformed")
        return item

    def wrap(self, stream: Any) -> Any:
        return _RewritingStream(stream, self)


def _remember(memory: OrderedDict[Any, Any], response: httpx2.Response, value: Any) -> None:
    """Keep `value` under the request id of `response` (the newest `_KEEP`)."""
    request_id = _request_id(response)
    if request_id is not None:
        memory[request_id] = value
        while len(memory) > _KEEP:
            memory.popitem(last=False)


def _request_id(response: httpx2.Response) -> int | str | None:
    """The JSON-RPC id of the POST a response answers (None for a GET, a notification, a batch)."""
    request = response.request
    if request.method != "POST":
        return None
    try:
        request_id = json.loads(request.content).get("id")
    except (ValueError, AttributeError, httpx2.RequestNotRead):
        return None
    return request_id if isinstance(request_id, int | str) and not isinstance(request_id, bool) else None


class _RewritingStream:
    """The SDK's read stream, with `ReplyErrors.rewrite` applied to each item."""

    def __init__(self, inner: Any, errors: ReplyErrors) -> None:
        self._inner = inner
        self._errors = errors

    @property
    def last_context(self) -> Any:  # the SDK's dispatcher runs handlers in the sender's context
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> Any:
        return self._errors.rewrite(await self._inner.receive())

    def __aiter__(self) -> _RewritingStream:
        return self

    async def __anext__(self) -> Any:
        return self._errors.rewrite(await self._inner.__anext__())

    async def aclose(self) -> None:
        await self._inner.aclose()

    def close(self) -> None:
        self._inner.close()

    async def __aenter__(self) -> _RewritingStream:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> Any:
        return await self._inner.__aexit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
