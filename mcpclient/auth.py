"""Authentication for the HTTP transports: a bearer token, OAuth 2.1, or any ``httpx2.Auth``.

``resolve_auth(auth, server_url)`` turns what a user passes as ``auth=`` into an ``httpx2.Auth``:

- ``None``: no authentication;
- ``"oauth"``: :class:`OAuth`, the browser-based OAuth 2.1 authorization-code flow with PKCE
  and dynamic client registration, tokens cached on disk and refreshed when they expire;
- any other string: :class:`BearerAuth`, sent as ``Authorization: Bearer <token>``;
- an ``httpx2.Auth`` instance: used as it is.

:class:`OAuth` builds on the SDK's ``mcp.client.auth.OAuthClientProvider`` (discovery, dynamic
registration, PKCE, token exchange and refresh) and adds what a desktop or script user needs:

- a local callback listener on ``http://127.0.0.1:<port>/callback`` (an ephemeral port by
  default) that receives ``code`` and ``state`` and tells the browser it may close the window.
  It runs on whatever event loop drives the HTTP client, so it works for a ``SyncClient``,
  whose loop lives on a background thread;
- the browser launch (``webbrowser.open`` in a helper thread; never blocks the loop) with the
  URL also printed on stderr for headless machines;
- :class:`FileTokenStorage`: tokens, the client registration and the authorization-server
  metadata in one JSON file per server under the user cache directory, mode 0600 in a 0700
  directory, with the absolute expiry time so a later process knows when to refresh;
- a refresh when the server answers 401 to a token the client still thought valid (the SDK
  alone would start a new browser flow), and a re-registration when the authorization server
  no longer knows the cached client (the SDK alone would send the browser to an error page).

Secrets never appear in ``repr()``, ``str()``, log records or error messages from this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import AsyncGenerator, Callable, Generator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

import anyio
import anyio.abc
import httpx2
from mcp.client.auth import OAuthClientProvider, OAuthFlowError, TokenStorage
from mcp.client.auth.utils import issuers_match, union_scopes
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthMetadata,
    OAuthToken,
)
from pydantic import AnyUrl, BaseModel, PrivateAttr, ValidationError

from . import _dpop
from ._dpop import DPoPKey

__all__ = [
    "BearerAuth",
    "FileTokenStorage",
    "JWTBearer",
    "OAuth",
    "OAuthCallbackError",
    "OAuthFlowError",
    "MAX_AUTHORIZATION_ATTEMPTS",
    "default_cache_dir",
    "resolve_auth",
]

logger = logging.getLogger(__name__)

_CALLBACK_HOST = "127.0.0.1"
_CALLBACK_PATH = "/callback"
_MAX_REQUEST_HEAD = 16 * 1024
_PREFLIGHT_TIMEOUT = 10.0

#: Authorizations (browser visits) one ``OAuth`` makes in a row without the MCP server accepting
#: a request in between; the next one raises instead (a server that keeps answering 401/403
#: after each sign-in would otherwise loop forever).
MAX_AUTHORIZATION_ATTEMPTS = 3
_AS_METADATA_PATHS = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")


# --------------------------------------------------------------------------------------------
# Bearer token
# --------------------------------------------------------------------------------------------


class BearerAuth(httpx2.Auth):
    """Send a fixed bearer token: ``Authorization: Bearer <token>`` on every request.

    A leading ``"Bearer "`` in the given string is accepted and not doubled.
    """

    def __init__(self, token: str) -> None:
        if not isinstance(token, str):
            raise TypeError(f"BearerAuth token must be a str, not {type(token).__name__}")
        token = token.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise ValueError("BearerAuth token must not be empty")
        self._token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"

    __str__ = __repr__


def resolve_auth(auth: str | httpx2.Auth | None, server_url: str) -> httpx2.Auth | None:
    """What a transport's ``auth=`` means as an ``httpx2.Auth``.

    ``None`` -> ``None``; ``"oauth"`` -> ``OAuth(server_url)``; any other string ->
    ``BearerAuth(string)``; an ``httpx2.Auth`` -> itself. Anything else raises ``TypeError``
    (the message names the type, never the value).
    """
    if auth is None:
        return None
    if isinstance(auth, httpx2.Auth):
        return auth
    if isinstance(auth, str):
        if auth.strip().lower() == "oauth":
            return OAuth(server_url)
        return BearerAuth(auth)
    raise TypeError(f"auth must be None, 'oauth', a bearer-token string or an httpx2.Auth, not {type(auth).__name__}")


# --------------------------------------------------------------------------------------------
# Token cache on disk
# --------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """Where OAuth tokens are cached by default: ``<user cache dir>/mcpclient/oauth``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("mcpclient", appauthor=False)) / "oauth"


def _normalized_server_url(server_url: str) -> str:
    """The cache identity of an MCP endpoint: lower-case scheme and host, no default port,
    no userinfo, query or fragment, no trailing slash."""
    parts = urlsplit(server_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in {("http", 80), ("https", 443)} else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


def _display_url(url: str) -> str:
    """``url`` for reprs and messages: userinfo dropped and any query masked (either may hold a secret)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


class FileTokenStorage:
    """The SDK's ``TokenStorage`` protocol, persisted as one JSON file per MCP server.

    The file is ``<cache_dir>/<sha256 of the normalized server URL>.json`` (``cache_dir``
    defaults to :func:`default_cache_dir`). It holds the tokens with their absolute expiry time,
    the dynamic client registration and the authorization-server metadata (so a later process
    can refresh at the right token endpoint). It is created with mode 0600 (never readable by
    others, not even briefly: written to a new 0600 file and renamed over the old one) in a
    directory created with mode 0700. The key is the full endpoint URL, not only its origin, so
    two MCP servers on one host never receive each other's tokens.
    """

    def __init__(self, server_url: str, cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.server_url = server_url
        self._own_directory = cache_dir is None
        self.directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        key = hashlib.sha256(_normalized_server_url(server_url).encode("utf-8")).hexdigest()
        self.path = self.directory / f"{key}.json"
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileTokenStorage(server_url={_display_url(self.server_url)!r}, path={str(self.path)!r})"

    # -- the SDK's TokenStorage protocol -----------------------------------------------------

    async def get_tokens(self) -> OAuthToken | None:
        raw = self._read().get("tokens")
        return _validate(OAuthToken, raw, "tokens", self.path)

    async def set_tokens(self, tokens: OAuthToken) -> None:
        expires_at = time.time() + int(tokens.expires_in) if tokens.expires_in is not None else None
        self._update(
            tokens=tokens.model_dump(mode="json", exclude_none=True),
            token_expires_at=expires_at,
        )

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        raw = self._read().get("client_info")
        return _validate(OAuthClientInformationFull, raw, "client registration", self.path)

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self._update(client_info=client_info.model_dump(mode="json", exclude_none=True))

    # -- extensions used by OAuth ------------------------------------------------------------

    async def get_token_expiry(self) -> float | None:
        """Absolute time (``time.time()`` scale) at which the cached access token expires."""
        value = self._read().get("token_expires_at")
        return float(value) if isinstance(value, int | float) else None

    async def get_oauth_metadata(self) -> OAuthMetadata | None:
        raw = self._read().get("oauth_metadata")
        return _validate(OAuthMetadata, raw, "authorization server metadata", self.path)

    async def set_oauth_metadata(self, metadata: OAuthMetadata) -> None:
        self._update(oauth_metadata=metadata.model_dump(mode="json", exclude_none=True))

    async def get_dpop(self) -> dict[str, Any] | None:
        """The DPoP state kept with the tokens: ``{"key": <private JWK>, "bound": bool}``."""
        value = self._read().get("dpop")
        return value if isinstance(value, dict) else None

    async def set_dpop(self, state: dict[str, Any] | None) -> None:
        self._update(dpop=state)

    async def clear_client_info(self) -> None:
        """Forget the client registration (and the tokens issued to it)."""
        self._update(client_info=None, tokens=None, token_expires_at=None, dpop=None)

    def clear(self) -> None:
        """Delete everything cached for this server (a "log out")."""
        with self._lock, contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    # -- file handling -----------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        with self._lock:
            return self._read_unlocked()

    def _read_unlocked(self) -> dict[str, Any]:
        try:
            if os.name == "posix":
                mode = self.path.stat().st_mode
                if mode & 0o077:  # someone copied it loosely: tighten before reading secrets
                    os.chmod(self.path, 0o600)
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            logger.warning("Cannot read the OAuth token cache %s: %s", self.path, exc.strerror or type(exc).__name__)
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            logger.warning("Ignoring the unreadable OAuth token cache %s", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def _update(self, **changes: Any) -> None:
        with self._lock:
            data = self._read_unlocked()
            for key, value in changes.items():
                if value is None:
                    data.pop(key, None)
                else:
                    data[key] = value
            data["server_url"] = _normalized_server_url(self.server_url)
            self._write_unlocked(data)

    def _ensure_directory(self) -> None:
        if self.directory.is_dir():
            if self._own_directory and os.name == "posix":
                with contextlib.suppress(OSError):
                    os.chmod(self.directory, 0o700)
            return
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            self.directory.mkdir(mode=0o700)
        if os.name == "posix":
            os.chmod(self.directory, 0o700)

    def _write_unlocked(self, data: dict[str, Any]) -> None:
        self._ensure_directory()
        payload = json.dumps(data, indent=2, sort_keys=True).encode("utf-8")
        temporary = self.directory / f".{self.path.stem}.{secrets.token_hex(8)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temporary, flags, 0o600)
        try:
            try:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, 0o600)
                view = memoryview(payload)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


_ModelT = TypeVar("_ModelT", bound=BaseModel)


def _validate(model: type[_ModelT], raw: object, what: str, path: Path) -> _ModelT | None:
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError:
        # The error text could quote the cached values; name only the section.
        logger.warning("Ignoring the invalid %s in the OAuth token cache %s", what, path)
        return None


# --------------------------------------------------------------------------------------------
# OAuth
# --------------------------------------------------------------------------------------------


class OAuthCallbackError(OAuthFlowError):
    """The browser step of the OAuth flow failed: no answer in time, the user or the
    authorization server refused, or the local callback port could not be opened."""


class _NeedsRegistration(Exception):
    """Internal: the cached client registration cannot be used; register again and retry."""


class _SDKFlowLogFilter(logging.Filter):
    """The SDK logs every exception from its flow at ERROR with a traceback ("OAuth flow error"),
    and then raises it anyway. For the failures this module raises on purpose that is noise: the
    one that triggers a re-registration is recovered from (dropped here), and an
    ``OAuthCallbackError`` reaches the caller with a complete message (logged at DEBUG instead,
    so a script without logging configuration does not print a traceback next to the error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, _NeedsRegistration):
            return False
        if isinstance(exc, OAuthCallbackError):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("mcp.client.auth.oauth2").addFilter(_SDKFlowLogFilter())


class _ClientMetadata(OAuthClientMetadata):
    """Client metadata whose user-chosen scopes survive the SDK's scope selection.

    The SDK overwrites ``scope`` with what the server challenges or advertises (or with nothing
    when it advertises nothing), so ``OAuth(scopes=...)`` would otherwise be ignored; here each
    assignment keeps the user's scopes and adds the server's."""

    _pinned_scope: str | None = PrivateAttr(default=None)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "scope" and self._pinned_scope:
            value = union_scopes(self._pinned_scope, value)
        super().__setattr__(name, value)


def _scope_string(scopes: str | list[str] | tuple[str, ...] | None) -> str | None:
    if scopes is None:
        return None
    if isinstance(scopes, str):
        return " ".join(scopes.split()) or None
    return " ".join(s for s in scopes if s) or None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_CALLBACK_HOST, 0))
        return int(sock.getsockname()[1])


def _redirect_uri(port: int) -> str:
    return f"http://{_CALLBACK_HOST}:{port}{_CALLBACK_PATH}"


def _page(title: str, message: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        f"{html.escape(title)}</title></head><body style='font-family:sans-serif;margin:3em'>"
        f"<h2>{html.escape(title)}</h2><p>{html.escape(message)}</p></body></html>"
    ).encode()


def _http_response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _CallbackListener:
    """A minimal HTTP listener for the one redirect that ends the authorization step.

    Bound before the browser is opened, served on the current event loop while the flow waits;
    answers ``GET /callback?code=...&state=...`` (or ``?error=...``) with a short page. Requests
    for other paths, or carrying another ``state`` (not ours: ignored, not fatal), get an error
    page and the wait goes on.
    """

    def __init__(self, listener: anyio.abc.Listener[anyio.abc.SocketStream], state: str, redirect_uri: str) -> None:
        self._listener = listener
        self._state = state
        self.redirect_uri = redirect_uri
        self._done = anyio.Event()
        self._closed = False
        self._result: AuthorizationCodeResult | None = None
        self._error: str | None = None

    @classmethod
    async def open(cls, port: int, state: str, redirect_uri: str) -> _CallbackListener:
        listener = await anyio.create_tcp_listener(local_host=_CALLBACK_HOST, local_port=port)
        return cls(listener, state, redirect_uri)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._listener.aclose()

    async def wait(self, timeout: float) -> AuthorizationCodeResult:
        try:
            with anyio.fail_after(timeout):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(self._listener.serve, self._handle, tg)
                    await self._done.wait()
                    tg.cancel_scope.cancel()
        except TimeoutError:
            raise OAuthCallbackError(
                f"No OAuth authorization arrived at {self.redirect_uri} within {timeout:g} s; "
                "finish the sign-in in the browser sooner, or pass a larger timeout"
            ) from None
        finally:
            await self.aclose()
        if self._result is None:
            raise OAuthCallbackError(f"The authorization was refused: {self._error}")
        return self._result

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        finished = False
        async with stream:
            try:
                with anyio.fail_after(30):
                    head = await self._read_head(stream)
                    status, page, finished = self._respond(head)
                    await stream.send(_http_response(status, page))
            except (TimeoutError, OSError, anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                return
        if finished:
            self._done.set()

    @staticmethod
    async def _read_head(stream: anyio.abc.SocketStream) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data:
            data += await stream.receive(4096)
            if len(data) > _MAX_REQUEST_HEAD:
                break
        return data

    def _respond(self, head: bytes) -> tuple[str, bytes, bool]:
        """(HTTP status, page, whether the flow's wait is over) for one request."""
        request_line = head.split(b"\r\n", 1)[0].split(b"\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) < 2 or parts[0] != "GET":
            return "405 Method Not Allowed", _page("Not supported", "This address only receives OAuth sign-ins."), False
        target = urlsplit(parts[1])
        if target.path != _CALLBACK_PATH:
            return "404 Not Found", _page("Not found", "This address only receives OAuth sign-ins."), False
        params = {key: values[0] for key, values in parse_qs(target.query).items() if values}
        state = params.get("state")
        if state is None or not secrets.compare_digest(state.encode(), self._state.encode()):
            return (
                "400 Bad Request",
                _page("Unexpected sign-in", "This sign-in does not belong to the waiting application."),
                False,
            )
        if "error" in params:
            error = params["error"][:200]
            description = params.get("error_description", "")[:500]
            self._error = f"{error}: {description}" if description else error
            return "200 OK", _page("Authorization failed", f"{self._error}. You can close this window."), True
        code = params.get("code")
        if not code:
            return "400 Bad Request", _page("Authorization failed", "The response carried no code."), False
        self._result = AuthorizationCodeResult(code=code, state=state, iss=params.get("iss"))
        return (
            "200 OK",
            _page("Authorization complete", "You can close this window and return to the application."),
            True,
        )


class _StorageWithMetadata:
    """Passes the SDK's storage calls through and, with each new token, also saves the
    authorization-server metadata the flow discovered (so a later process refreshes at the
    right token endpoint instead of guessing ``<origin>/token``)."""

    def __init__(self, inner: TokenStorage, owner: OAuth) -> None:
        self.inner = inner
        self._owner = owner

    async def get_tokens(self) -> OAuthToken | None:
        return await self.inner.get_tokens()

    async def set_tokens(self, tokens: OAuthToken) -> None:
        await self.inner.set_tokens(tokens)
        metadata = self._owner.context.oauth_metadata
        if isinstance(self.inner, FileTokenStorage):
            if metadata is not None:
                await self.inner.set_oauth_metadata(metadata)
            await self.inner.set_dpop(self._owner._dpop_state())

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return await self.inner.get_client_info()

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        await self.inner.set_client_info(client_info)

    def __repr__(self) -> str:
        return repr(self.inner)


class OAuth(OAuthClientProvider):
    """OAuth 2.1 for an MCP server over HTTP: an ``httpx2.Auth`` for ``httpx2.AsyncClient(auth=...)``.

    The first request without a usable token runs the whole flow: discovery of the protected
    resource and authorization server metadata, dynamic client registration, the browser step
    with PKCE and a local callback, and the token exchange. Tokens are cached on disk
    (:class:`FileTokenStorage`) and refreshed with the refresh token when they expire, also in
    a later process.

    Args:
        server_url: The MCP endpoint, e.g. ``"https://example.com/mcp"``.
        scopes: Scopes to request (a list or a space-separated string), added to those the
            server asks for.
        client_name: The name shown by the authorization server's consent page.
        cache_dir: Directory for the token cache (default :func:`default_cache_dir`).
        callback_port: Port of the local callback ``http://127.0.0.1:<port>/callback``;
            ``None``/``0`` picks a free one (and reuses it with a cached registration).
        open_browser: Called with the authorization URL (default ``webbrowser.open``); runs in a
            helper thread, so it may block. The URL is printed on stderr too.
        timeout: Seconds to wait for the browser to come back to the callback.
        storage: Another ``TokenStorage`` instead of the file cache (``cache_dir`` is then unused).
        dpop: Use DPoP (RFC 9449) sender-constrained tokens when the authorization server
            advertises ``dpop_signing_alg_values_supported`` with an algorithm this client
            signs (ES256). The key is kept with the cached tokens. ``False`` always asks for
            bearer tokens.
        client_metadata_url: An HTTPS URL where this client's metadata document is published
            (OAuth Client ID Metadata Documents); used as the ``client_id`` instead of a dynamic
            registration when the authorization server supports it.

    A sign-in is attempted at most :data:`MAX_AUTHORIZATION_ATTEMPTS` times in a row without
    the server accepting a request in between; a ``403 insufficient_scope`` challenge starts a
    new sign-in that asks for the challenged scopes in addition to those already granted.
    """

    def __init__(
        self,
        server_url: str,
        *,
        scopes: str | list[str] | None = None,
        client_name: str = "mcpclient",
        cache_dir: str | os.PathLike[str] | None = None,
        callback_port: int | None = None,
        open_browser: Callable[[str], object] | None = None,
        timeout: float = 300.0,
        storage: TokenStorage | None = None,
        dpop: bool = True,
        client_metadata_url: str | None = None,
    ) -> None:
        if callback_port is not None and not 0 <= callback_port <= 65535:
            raise ValueError(f"callback_port must be between 0 and 65535, not {callback_port}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.server_url = server_url
        self.scopes: list[str] | None = scope.split() if (scope := _scope_string(scopes)) else None
        self.timeout = float(timeout)
        self._fixed_port = callback_port or None
        self._open_browser: Callable[[str], object] = open_browser or webbrowser.open
        self.token_storage: TokenStorage = storage if storage is not None else FileTokenStorage(server_url, cache_dir)

        metadata = _ClientMetadata(
            client_name=client_name,
            redirect_uris=[AnyUrl(_redirect_uri(self._fixed_port or 0))],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            scope=scope,
        )
        metadata._pinned_scope = scope
        super().__init__(
            server_url=server_url,
            client_metadata=metadata,
            storage=_StorageWithMetadata(self.token_storage, self),
            redirect_handler=self._redirect_handler,
            callback_handler=self._callback_handler,
            client_metadata_url=client_metadata_url,
        )
        self._pending: _CallbackListener | None = None
        self.dpop = bool(dpop)
        self._dpop_key: DPoPKey | None = None
        self._dpop_algorithms: list[str] | None = None  # from the authorization server's metadata
        self._dpop_bound = False  # the current access token is DPoP-bound
        self._dpop_nonces: dict[str, str] = {}  # origin -> latest server-provided nonce
        self._authorizations = 0  # sign-ins since the server last accepted a request
        self._check_registration: bool | None = None  # None: not decided yet

    def __repr__(self) -> str:
        return f"OAuth(server_url={_display_url(self.server_url)!r}, scopes={self.scopes!r})"

    __str__ = __repr__

    # -- loading the cache -------------------------------------------------------------------

    async def _initialize(self) -> None:
        await super()._initialize()
        storage = self.token_storage
        if self._check_registration is None:
            # Only a registration from an earlier run can have gone stale; one made now cannot.
            self._check_registration = self.context.client_info is not None
        if isinstance(storage, FileTokenStorage):
            await self._load_dpop(storage)
            if self.context.current_tokens is not None:
                # The SDK keeps the expiry in memory only; without it a reloaded token counts as
                # valid forever and an expired one ends in a 401 and a new browser flow.
                self.context.token_expiry_time = await storage.get_token_expiry()
            if self.context.oauth_metadata is None and self.context.client_info is not None:
                metadata = await storage.get_oauth_metadata()
                issuer = self.context.client_info.issuer
                if metadata is not None and (issuer is None or issuers_match(issuer, str(metadata.issuer))):
                    self.context.oauth_metadata = metadata
        self._choose_redirect_port()

    def _choose_redirect_port(self) -> None:
        port = self._fixed_port or self._registered_port() or self._current_port() or _free_port()
        self._set_redirect_port(port)

    def _set_redirect_port(self, port: int) -> None:
        self.context.client_metadata.redirect_uris = [AnyUrl(_redirect_uri(port))]

    def _current_port(self) -> int | None:
        uris = self.context.client_metadata.redirect_uris or []
        port = urlsplit(str(uris[0])).port if uris else None
        return port or None

    def _registered_port(self) -> int | None:
        """The port of the cached registration's loopback redirect URI, to keep using it."""
        info = self.context.client_info
        for uri in (info.redirect_uris or []) if info is not None else []:
            parts = urlsplit(str(uri))
            if parts.hostname == _CALLBACK_HOST and parts.path == _CALLBACK_PATH and parts.port:
                return parts.port
        return None

    # -- the flow ----------------------------------------------------------------------------

    async def _auth_flow(self, request: httpx2.Request) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        """The SDK's flow, restarted once for a refresh on 401 and once for a re-registration."""
        retried_401 = False
        reregistered = False
        try:
            while True:
                flow = super()._auth_flow(request)
                restart = False
                try:
                    outgoing = await flow.__anext__()
                    first_answer = True
                    while True:
                        is_token_request = self._is_token_request(outgoing)
                        self._sign(outgoing, is_token_request)
                        response = yield outgoing
                        nonce = await self._note_nonce(response)
                        if nonce is not None and self._signed(outgoing):
                            self._sign(outgoing, is_token_request)  # once more, with the server's nonce
                            response = yield outgoing
                            await self._note_nonce(response)
                        if is_token_request:
                            response = await self._accept_token_response(response)
                        elif outgoing.method == "GET" and outgoing.url.path.startswith(_AS_METADATA_PATHS):
                            await self._note_as_metadata(response)
                        if outgoing is request:
                            if response.status_code < 400:
                                self._authorizations = 0
                            if first_answer:
                                first_answer = False
                                if (
                                    response.status_code == 401
                                    and not retried_401
                                    and self._retry_after_401(request)
                                ):
                                    retried_401 = restart = True
                                    break
                        outgoing = await flow.asend(response)
                except StopAsyncIteration:
                    return
                except _NeedsRegistration as exc:
                    if reregistered:
                        raise OAuthFlowError(str(exc)) from None
                    reregistered = restart = True
                    await self._forget_registration()
                finally:
                    await flow.aclose()
                    await self._close_pending()
                if not restart:  # pragma: no cover - every path above returns, raises or restarts
                    return
        finally:
            await self._close_pending()

    def _retry_after_401(self, request: httpx2.Request) -> bool:
        """Whether a 401 to ``request`` is better answered by a refresh than by a new browser flow:
        the token sent is still the current one and can be refreshed (marked expired so the SDK's
        flow refreshes it), or another request has meanwhile replaced it (just send the new one)."""
        tokens = self.context.current_tokens
        if tokens is None:
            return False
        sent = request.headers.get("Authorization", "")
        scheme = "DPoP" if self._dpop_bound else "Bearer"
        if not secrets.compare_digest(sent.encode(), f"{scheme} {tokens.access_token}".encode()):
            request.headers.pop("Authorization", None)
            return bool(sent) and self.context.is_token_valid()
        if not self.context.can_refresh_token():
            return False
        self.context.token_expiry_time = 1.0  # in the past: the SDK's flow refreshes first
        request.headers.pop("Authorization", None)
        return True

    async def _forget_registration(self) -> None:
        self._check_registration = False
        self.context.client_info = None
        self.context.clear_tokens()
        if isinstance(self.token_storage, FileTokenStorage):
            await self.token_storage.clear_client_info()

    async def _close_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            with anyio.CancelScope(shield=True):
                await pending.aclose()

    async def _redirect_handler(self, authorization_url: str) -> None:
        query = parse_qs(urlsplit(authorization_url).query)
        state = query.get("state", [""])[0]
        redirect_uri = query.get("redirect_uri", [""])[0]
        port = urlsplit(redirect_uri).port
        if not state or not port:
            raise OAuthFlowError("The authorization URL carries no state or no loopback redirect_uri")
        if self._authorizations >= MAX_AUTHORIZATION_ATTEMPTS:
            raise OAuthFlowError(
                f"Gave up authorizing access to {_display_url(self.server_url)} after "
                f"{MAX_AUTHORIZATION_ATTEMPTS} sign-ins in a row that the server did not accept"
            )
        await self._close_pending()
        try:
            self._pending = await _CallbackListener.open(port, state, redirect_uri)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            if self._fixed_port:
                raise OAuthCallbackError(
                    f"Cannot listen for the OAuth callback on {_CALLBACK_HOST}:{port}: {reason}"
                ) from None
            self._set_redirect_port(_free_port())
            raise _NeedsRegistration(
                f"Cannot listen for the OAuth callback on {_CALLBACK_HOST}:{port}: {reason}"
            ) from None
        if self._check_registration:
            self._check_registration = False
            await self._preflight(authorization_url)
        self._authorizations += 1
        self._announce(authorization_url)
        threading.Thread(
            target=self._launch_browser, args=(authorization_url,), name="mcpclient-oauth-browser", daemon=True
        ).start()

    async def _callback_handler(self) -> AuthorizationCodeResult:
        pending = self._pending
        if pending is None:
            raise OAuthFlowError("The OAuth callback listener is not running")
        try:
            return await pending.wait(self.timeout)
        finally:
            await self._close_pending()

    async def _preflight(self, authorization_url: str) -> None:
        """Ask the authorization endpoint before sending a person there with a registration
        cached by an earlier run (once per ``OAuth``; a fresh registration is not checked, so the
        authorization server normally sees each sign-in once). An authorization server answers
        an unknown ``client_id`` or an unregistered ``redirect_uri`` with an error page of its own
        instead of a redirect (RFC 6749 4.1.2.1): the cached registration is stale, so register
        again rather than strand the user on that page."""
        try:
            async with httpx2.AsyncClient(timeout=_PREFLIGHT_TIMEOUT) as client:
                response = await client.get(authorization_url, follow_redirects=False)
        except httpx2.HTTPError as exc:
            logger.debug("OAuth authorization preflight failed (%s); opening the browser anyway", type(exc).__name__)
            return
        if response.status_code != 400:
            return
        detail = ""
        with contextlib.suppress(ValueError, AttributeError):
            body = response.json()
            detail = str(body.get("error_description") or body.get("error") or "")[:300]
        raise _NeedsRegistration(
            "The authorization server rejected the authorization request (HTTP 400"
            + (f": {detail}" if detail else "")
            + ") even after registering the client again"
        )

    def _announce(self, authorization_url: str) -> None:
        logger.info("Waiting for OAuth authorization of %s in the browser", _display_url(self.server_url))
        stream = sys.stderr
        if stream is None:
            return
        with contextlib.suppress(Exception):
            stream.write(
                f"Opening browser to authorize access to {_display_url(self.server_url)}; "
                f"if it does not open, visit:\n\n    {authorization_url}\n\n"
            )
            stream.flush()

    def _launch_browser(self, authorization_url: str) -> None:
        try:
            self._open_browser(authorization_url)
        except Exception as exc:
            logger.warning("Could not open a browser (%s); open the printed URL by hand", type(exc).__name__)

    # -- DPoP (RFC 9449) ---------------------------------------------------------------------

    def _is_token_request(self, outgoing: httpx2.Request) -> bool:
        return outgoing.method == "POST" and _dpop.htu(outgoing.url) == _dpop.htu(self._get_token_endpoint())

    def _dpop_wanted(self) -> bool:
        """Whether to ask for a DPoP-bound token: enabled and the authorization server signs up."""
        if not self.dpop:
            return False
        if self._dpop_algorithms is None:
            return self._dpop_key is not None  # a key cached with earlier tokens: keep using it
        return any(alg in self._dpop_algorithms for alg in _dpop.SUPPORTED_ALGORITHMS)

    def _sign(self, outgoing: httpx2.Request, is_token_request: bool) -> None:
        """Add a fresh proof: to a token request when DPoP is wanted, and to a request carrying
        a DPoP-bound access token (whose ``Authorization`` scheme becomes ``DPoP``)."""
        nonce = self._dpop_nonces.get(_dpop.origin(outgoing.url))
        if is_token_request:
            if self._dpop_wanted():
                if self._dpop_key is None:
                    self._dpop_key = _dpop.DPoPKey.generate()
                outgoing.headers["DPoP"] = self._dpop_key.proof("POST", outgoing.url, nonce=nonce)
            else:
                outgoing.headers.pop("DPoP", None)
            return
        tokens = self.context.current_tokens
        if not self._dpop_bound or self._dpop_key is None or tokens is None:
            return
        sent = outgoing.headers.get("Authorization", "")
        scheme, _, token = sent.partition(" ")
        if scheme.lower() not in ("bearer", "dpop") or token != tokens.access_token:
            return
        outgoing.headers["Authorization"] = f"DPoP {token}"
        outgoing.headers["DPoP"] = self._dpop_key.proof(outgoing.method, outgoing.url, access_token=token, nonce=nonce)

    @staticmethod
    def _signed(outgoing: httpx2.Request) -> bool:
        return "DPoP" in outgoing.headers

    async def _note_nonce(self, response: httpx2.Response) -> str | None:
        """Remember a server-provided nonce; return it when the response is a ``use_dpop_nonce``
        challenge (the request is then sent once more with it)."""
        nonce = response.headers.get("DPoP-Nonce")
        if nonce:
            self._dpop_nonces[_dpop.origin(response.request.url)] = nonce
            if response.status_code == 400:
                await response.aread()
        return _dpop.nonce_challenge(response)

    async def _note_as_metadata(self, response: httpx2.Response) -> None:
        if response.status_code != 200:
            return
        await response.aread()
        with contextlib.suppress(ValueError):
            body = response.json()
            if isinstance(body, dict):
                algorithms = body.get("dpop_signing_alg_values_supported")
                self._dpop_algorithms = [str(a) for a in algorithms] if isinstance(algorithms, list) else []

    async def _accept_token_response(self, response: httpx2.Response) -> httpx2.Response:
        """Note whether the new token is DPoP-bound; the SDK's token model knows only
        ``token_type: Bearer``, so it gets the response with that type."""
        if response.status_code not in (200, 201):
            return response
        await response.aread()
        try:
            body = response.json()
        except ValueError:
            return response
        if not isinstance(body, dict):
            return response
        token_type = str(body.get("token_type", ""))
        self._dpop_bound = token_type.lower() == "dpop"
        if not self._dpop_bound:
            return response
        body["token_type"] = "Bearer"
        return httpx2.Response(
            response.status_code,
            headers={"Content-Type": "application/json"},
            content=json.dumps(body).encode(),
            request=response.request,
        )

    def _dpop_state(self) -> dict[str, Any] | None:
        if self._dpop_key is None:
            return None
        return {"key": self._dpop_key.to_jwk(), "bound": self._dpop_bound}

    async def _load_dpop(self, storage: FileTokenStorage) -> None:
        if self._dpop_key is not None:
            return
        state = await storage.get_dpop()
        if not state or not isinstance(state.get("key"), dict):
            return
        try:
            self._dpop_key = _dpop.DPoPKey.from_jwk(state["key"])
        except (ValueError, KeyError, TypeError):
            logger.warning("Ignoring the invalid DPoP key in the OAuth token cache %s", storage.path)
            return
        self._dpop_bound = bool(state.get("bound")) and self.context.current_tokens is not None


# --------------------------------------------------------------------------------------------
# Workload identity: RFC 7523 JWT-bearer grant (MCP SEP-1933)
# --------------------------------------------------------------------------------------------

_JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class _MemoryStorage:
    """The SDK's ``TokenStorage`` in memory (a workload gets a fresh assertion each run anyway)."""

    def __init__(self) -> None:
        self._tokens: OAuthToken | None = None
        self._client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self._tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self._tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self._client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self._client_info = client_info


class JWTBearer(OAuthClientProvider):
    """Workload identity federation: exchange a JWT the workload was given (by its platform,
    e.g. a Kubernetes service-account token or a cloud identity token) for an access token with
    the RFC 7523 ``urn:ietf:params:oauth:grant-type:jwt-bearer`` grant, as a public client.

    Discovery (protected resource and authorization server metadata) is the SDK's. No browser,
    no registration, and no other grant: a rejected assertion is an error, never a fallback.

    Args:
        server_url: The MCP endpoint.
        assertion: The JWT, or a callable returning a fresh one (called, in a worker thread,
            for each token request, so a rotated token file is re-read).
        client_id: The client identifier the authorization server knows this workload by.
        scopes: Scopes to request (a list or a space-separated string).
        issuer: The authorization server's issuer; when given, only that server (of those the
            MCP server advertises) receives the assertion.
        storage: Where tokens are kept (default: in memory).
    """

    def __init__(
        self,
        server_url: str,
        assertion: str | Callable[[], str],
        *,
        client_id: str,
        scopes: str | list[str] | None = None,
        issuer: str | None = None,
        storage: TokenStorage | None = None,
    ) -> None:
        if not (isinstance(assertion, str) and assertion.strip()) and not callable(assertion):
            raise TypeError("assertion must be a non-empty JWT string or a callable returning one")
        if not client_id:
            raise ValueError("client_id must not be empty")
        self.server_url = server_url
        self.client_id = client_id
        self.issuer = issuer
        self._assertion = assertion
        scope = _scope_string(scopes)
        metadata = OAuthClientMetadata(
            redirect_uris=None, grant_types=[_JWT_BEARER_GRANT], token_endpoint_auth_method="none", scope=scope
        )
        super().__init__(server_url, metadata, storage if storage is not None else _MemoryStorage(), None, None)
        self._client_info = OAuthClientInformationFull(
            redirect_uris=None,
            client_id=client_id,
            grant_types=[_JWT_BEARER_GRANT],
            token_endpoint_auth_method="none",
            scope=scope,
        )

    def __repr__(self) -> str:
        return f"JWTBearer(server_url={_display_url(self.server_url)!r}, client_id={self.client_id!r})"

    __str__ = __repr__

    async def _initialize(self) -> None:
        self.context.current_tokens = await self.context.storage.get_tokens()
        self.context.client_info = self._client_info
        self._initialized = True

    def _select_authorization_server(self, advertised: list[str]) -> str:
        if self.issuer is not None:
            for server in advertised:
                if issuers_match(server, self.issuer):
                    return server
            raise OAuthFlowError(f"The MCP server does not name the configured authorization server {self.issuer}")
        return advertised[0]

    async def _current_assertion(self) -> str:
        if isinstance(self._assertion, str):
            return self._assertion.strip()
        value = await anyio.to_thread.run_sync(self._assertion)
        if not isinstance(value, str) or not value.strip():
            raise OAuthFlowError("The JWT-bearer assertion callable returned no token")
        return value.strip()

    async def _perform_authorization(self) -> httpx2.Request:
        data: dict[str, str] = {
            "grant_type": _JWT_BEARER_GRANT,
            "assertion": await self._current_assertion(),
            "client_id": self.client_id,
        }
        if self.context.should_include_resource_param(self.context.protocol_version):
            data["resource"] = self.context.get_resource_url()
        if self.context.client_metadata.scope:
            data["scope"] = self.context.client_metadata.scope
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return httpx2.Request("POST", self._get_token_endpoint(), data=data, headers=headers)
