"""HTTP transports: Streamable HTTP (the current MCP transport) and legacy SSE.

Both wrap the SDK's client transports; what they add is auth resolution (a bearer
string, `"oauth"`, or any `httpx2.Auth`), secret-free reprs and errors, and
`startup_error()`, which turns HTTP failures into `ConnectionFailedError`s naming the
status. The SDK's Streamable HTTP client answers a failed POST with a JSON-RPC error
instead of raising, so every client we build records the last HTTP error response.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx2
from mcp.client._transport import TransportStreams
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from .._redact import SECRET_NAME, redacting, url_secrets
from ..errors import ConnectionFailedError, MCPClientError
from ._framing import DEFAULT_MAX_MESSAGE_SIZE
from ._http_errors import ReplyErrors
from .base import ClientTransport

__all__ = ["HttpClientFactory", "SSETransport", "StreamableHttpTransport"]

_SECRET_HEADER = re.compile(r"auth|cookie|token|key|secret|pass|session|credential", re.IGNORECASE)
_BODY_EXCERPT = 200


class HttpClientFactory(Protocol):
    """Builds the `httpx2.AsyncClient` an HTTP transport uses (same keywords as the SDK's factory)."""

    def __call__(
        self,
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient: ...


def _is_oauth(auth: str | httpx2.Auth) -> bool:
    return isinstance(auth, str) and auth.strip().lower() == "oauth"


def _resolve_auth(auth: str | httpx2.Auth, url: str) -> httpx2.Auth | None:
    try:
        from ..auth import resolve_auth
    except ImportError as exc:  # pragma: no cover - auth.py ships with the package
        raise NotImplementedError("HTTP auth needs mcpclient.auth, which could not be imported") from exc
    return resolve_auth(auth, url)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _safe_url(url: str) -> str:
    """The URL without userinfo, query or fragment: those may carry credentials."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("***" if _SECRET_HEADER.search(k) else v) for k, v in headers.items()}


def _leaves(exc: BaseException) -> list[BaseException]:
    """The leaf exceptions of nested exception groups, plus their causes."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    chain = [exc]
    while (nxt := exc.__cause__ or exc.__context__) is not None and nxt not in chain and len(chain) < 8:
        chain.append(nxt)
        exc = nxt
    return chain


def _excerpt(response: httpx2.Response) -> str:
    try:
        text = response.text
    except (httpx2.ResponseNotRead, httpx2.StreamError, UnicodeDecodeError, LookupError):
        return ""
    text = " ".join(text.split())
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "..."


class _HttpTransport(ClientTransport):
    """Shared configuration of the HTTP transports."""

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        auth: httpx2.Auth | str | None = None,
        sse_read_timeout: float | timedelta = 300,
        timeout: float | timedelta = 30,
        httpx_client_factory: HttpClientFactory | None = None,
        name: str | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        if max_message_size is not None and max_message_size <= 0:
            raise ValueError(f"max_message_size must be a positive number of bytes or None, not {max_message_size!r}")
        #: Longest SSE event accepted from the server, in bytes; None: no limit.
        self.max_message_size = max_message_size
        self._replies = ReplyErrors(max_message_size)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {_safe_url(url)!r}")
        self.url = url
        self.headers = dict(headers or {})
        self.auth = auth
        self.sse_read_timeout = _seconds(sse_read_timeout)
        self.timeout = _seconds(timeout)
        self.httpx_client_factory = httpx_client_factory
        self.name = name or (f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname)
        self._resolved_auth: httpx2.Auth | None = None
        if auth is not None and not _is_oauth(auth):
            self._resolved_auth = _resolve_auth(auth, url)  # cheap, and checks the value early
        self._last_error: httpx2.Response | None = None

    def _reset_state(self) -> None:
        super()._reset_state()
        self._last_error = None

    def __getstate__(self) -> dict[str, Any]:
        # `auth` travels as given (a bearer token string included); what it resolved to (an OAuth
        # flow with its token storage) is rebuilt on first use in the receiving process.
        state = super().__getstate__()
        state["_resolved_auth"] = None
        return state

    @property
    def connect_grace(self) -> float:  # type: ignore[override]
        """An interactive OAuth login may take as long as the OAuth flow allows."""
        if self.auth is None:
            return 0.0
        if _is_oauth(self.auth):
            return 300.0
        return float(getattr(self.auth, "timeout", 0.0)) if type(self.auth).__name__ == "OAuth" else 0.0

    def _auth(self) -> httpx2.Auth | None:
        """The `httpx2.Auth` to use; `"oauth"` is resolved once, so its tokens survive reconnects."""
        if self._resolved_auth is None and self.auth is not None:
            self._resolved_auth = _resolve_auth(self.auth, self.url)
        return self._resolved_auth

    def _http_client(
        self,
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient:
        factory = self.httpx_client_factory or create_mcp_http_client
        client = factory(headers=headers, timeout=timeout, auth=auth)
        client.event_hooks["response"].append(self._record_response)
        return client

    async def _record_response(self, response: httpx2.Response) -> None:
        if response.status_code < 400:
            self._last_error = None
            self._replies.cap(response)
            return
        with suppress(httpx2.HTTPError):
            await response.aread()  # error bodies are short; the transport reads them again from the cache
        self._last_error = response
        self._replies.record(response, _excerpt(response))  # for the error of the request it answered

    def _secrets(self) -> list[str]:
        """What must never appear in a log record while connected (see `mcpclient._redact`)."""
        found = url_secrets(self.url)
        if isinstance(self.auth, str) and not _is_oauth(self.auth):
            found.append(self.auth)
        found += [value for key, value in self.headers.items() if SECRET_NAME.search(key)]
        return found

    def startup_error(self, cause: BaseException) -> MCPClientError | None:
        """A `ConnectionFailedError` naming the URL (without secrets), HTTP status and body excerpt."""
        url = _safe_url(self.url)
        leaves = _leaves(cause)
        for leaf in leaves:
            if isinstance(leaf, MCPClientError):
                return leaf
        for leaf in leaves:
            if isinstance(leaf, httpx2.HTTPStatusError):
                return self._status_error(leaf.response, url)
        for leaf in leaves:
            if isinstance(leaf, httpx2.TimeoutException):
                return ConnectionFailedError(f"timed out connecting to {url}: {type(leaf).__name__}", server=self.name)
            if isinstance(leaf, httpx2.HTTPError):
                detail = str(leaf) or type(leaf).__name__
                return ConnectionFailedError(f"could not connect to {url}: {detail}", server=self.name)
        if self._last_error is not None and any(isinstance(leaf, MCPError) for leaf in leaves):
            return self._status_error(self._last_error, url)
        return None

    def _status_error(self, response: httpx2.Response, url: str) -> ConnectionFailedError:
        message = f"HTTP {response.status_code} {response.reason_phrase} from {url}".rstrip()
        if excerpt := _excerpt(response):
            message += f": {excerpt}"
        return ConnectionFailedError(message, server=self.name)

    def __repr__(self) -> str:
        parts = urlsplit(self.url)
        url = _safe_url(self.url) + ("?***" if parts.query else "")
        fields = [f"url={url!r}"]
        if self.headers:
            fields.append(f"headers={_mask_headers(self.headers)!r}")
        if isinstance(self.auth, str):
            fields.append("auth='oauth'" if _is_oauth(self.auth) else "auth='***'")
        elif self.auth is not None:
            fields.append(f"auth={type(self.auth).__name__}")
        return f"{type(self).__name__}({', '.join(fields)})"


class StreamableHttpTransport(_HttpTransport):
    """Connect to a Streamable HTTP endpoint (e.g. `https://host/mcp`).

    `auth`: a bearer token string, `"oauth"`, or any `httpx2.Auth`. `timeout` bounds
    connect/write/pool operations and `sse_read_timeout` reads (seconds or timedelta).
    `httpx_client_factory(headers=, timeout=, auth=)` builds the `httpx2.AsyncClient`.
    `max_message_size` (bytes, default 64 MiB, None: no limit) caps one SSE event or JSON body from the server.
    """

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[TransportStreams]:
        """Open the HTTP client and the SDK transport; yield its message streams."""
        self._last_error = None
        client = self._http_client(
            headers=self.headers or None,
            timeout=httpx2.Timeout(self.timeout, read=self.sse_read_timeout),
            auth=self._auth(),
        )
        sdk = streamable_http_client(self.url, http_client=client, max_sse_event_size=self.max_message_size)
        with redacting(self._secrets()):
            async with client, sdk as (read, write):
                yield self._replies.wrap(read), write


class SSETransport(_HttpTransport):
    """Connect to a legacy HTTP+SSE endpoint (e.g. `https://host/sse`). Options as `StreamableHttpTransport`."""

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[TransportStreams]:
        """Open the SSE stream; yield the SDK's message streams."""
        self._last_error = None
        with redacting(self._secrets()):
            async with sse_client(
                self.url,
                headers=self.headers or None,
                timeout=self.timeout,
                sse_read_timeout=self.sse_read_timeout,
                httpx_client_factory=self._http_client,
                auth=self._auth(),
            ) as (read, write):
                yield self._replies.wrap(read), write
