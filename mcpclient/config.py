"""MCPConfig: many servers described in one `mcpServers` document (SPEC §5).

The format is the one Claude Desktop, Cursor, FastMCP and VS Code use::

    {
      "mcpServers": {
        "weather": {"command": "python", "args": ["weather.py"], "env": {"API_KEY": "..."}},
        "search":  {"url": "https://example.com/mcp", "auth": "<bearer token>"},
        "legacy":  {"url": "https://example.com/sse"}
      }
    }

An entry with `command` is a stdio server (`args`, `env`, `cwd`, `keep_alive`); an entry
with `url` is a remote server (`transport`: `"http"` (default), `"streamable-http"` or
`"sse"`, inferred from the URL when absent: a `/sse` path segment means SSE; `headers`;
`auth`: a bearer token or `"oauth"`). Both take `timeout` (seconds per request). VS Code's
spelling is accepted too: a top-level `"servers"` key and `"type": "stdio" | "http" | "sse"`.
Unknown keys, top-level or in entries, are kept (`model_extra`) and written back by
`to_dict()`.

Validation errors raise `mcpclient.errors.ConfigError` naming the server and the field
path, e.g. ``server 'weather': mcpServers.weather.args: Input should be a valid list``.

`MCPConfigTransport` runs a config: one server directly, several through the in-process
proxy of `mcpclient.proxy` that prefixes their names.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self
from urllib.parse import urlsplit

import anyio
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from ._jsonc import strip_jsonc as _strip_jsonc
from .errors import ConfigError, MCPClientError
from .proxy import Router, serve_all
from .transports.base import ClientTransport, SessionTarget
from .transports.http import SSETransport, StreamableHttpTransport
from .transports.stdio import StdioTransport

if TYPE_CHECKING:
    from mcp.server.lowlevel.server import Server

__all__ = [
    "MCPConfig",
    "MCPConfigTransport",
    "MCPServerEntry",
    "RemoteServerEntry",
    "StdioServerEntry",
]

logger = logging.getLogger("mcpclient.config")

RemoteTransportName = Literal["http", "streamable-http", "sse"]

_SECRET_HEADER = re.compile(r"auth|cookie|token|key|secret|pass|session|credential", re.IGNORECASE)
_TRANSPORT_ALIASES = {
    "http": "http",
    "streamable-http": "streamable-http",
    "streamablehttp": "streamable-http",
    "sse": "sse",
    "stdio": "stdio",
}
_ENTRY_ERROR = (
    "a server entry must be an object with either 'url' (a remote server) or 'command' (a stdio server), not both"
)
_NEITHER_ERROR = (
    "a server entry needs either 'url' (a remote server) or 'command' (a stdio server); this one has neither"
)


def _scalar_to_str(value: Any) -> Any:
    """Numbers and booleans written without quotes (`"PORT": 8080`) as the strings a process needs."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _normalize_transport(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().lower().replace("_", "-")
        return _TRANSPORT_ALIASES.get(key, _TRANSPORT_ALIASES.get(key.replace("-", ""), value))
    return value


class _ConfigModel(BaseModel):
    """Shared behaviour: unknown keys kept, validation errors raised as `ConfigError`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_assignment=False)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _config_error(exc, data, type(self)) from None

    # Only translates errors: validation of nested models must not call it (pydantic's own marker).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: Literal["allow", "ignore", "forbid"] | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate `obj`; raises `ConfigError` (not pydantic's `ValidationError`)."""
        try:
            return super().model_validate(
                obj,
                strict=strict,
                extra=extra,
                from_attributes=from_attributes,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except ValidationError as exc:
            raise _config_error(exc, obj, cls) from None


class _ServerEntry(_ConfigModel):
    timeout: float | None = Field(default=None, gt=0)
    """Default timeout of a request to this server, in seconds (used when several servers are combined)."""

    def to_transport(self, name: str | None = None) -> ClientTransport:  # pragma: no cover - abstract
        raise NotImplementedError


class StdioServerEntry(_ServerEntry):
    """A server run as a subprocess: `command args...` with `env` added to a minimal environment."""

    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    keep_alive: bool = True
    transport: Literal["stdio"] | None = None
    type: Literal["stdio"] | None = None

    @field_validator("transport", "type", mode="before")
    @classmethod
    def _transport_name(cls, value: Any) -> Any:
        return _normalize_transport(value)

    @field_validator("args", mode="before")
    @classmethod
    def _args(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [_scalar_to_str(v) for v in value]
        return value

    @field_validator("env", mode="before")
    @classmethod
    def _env(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return {k: _scalar_to_str(v) for k, v in value.items()}
        return value

    @field_validator("cwd", mode="before")
    @classmethod
    def _cwd(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    def to_transport(self, name: str | None = None) -> StdioTransport:
        """A `StdioTransport` for this entry, named `name`."""
        return StdioTransport(
            self.command, self.args, env=self.env or None, cwd=self.cwd, keep_alive=self.keep_alive, name=name
        )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            if key == "env" and isinstance(value, dict):
                value = dict.fromkeys(value, "***")
            yield key, value


class RemoteServerEntry(_ServerEntry):
    """A server reached over HTTP: Streamable HTTP (default) or legacy SSE."""

    url: str
    transport: RemoteTransportName | None = None
    type: RemoteTransportName | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    auth: str | None = None
    """A bearer token (sent as `Authorization: Bearer ...`) or `"oauth"`."""
    sse_read_timeout: float | None = Field(default=None, gt=0)

    @field_validator("transport", "type", mode="before")
    @classmethod
    def _transport_name(cls, value: Any) -> Any:
        return _normalize_transport(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
        except ValueError as exc:
            raise ValueError(f"malformed URL {value!r}: {exc}") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("headers", mode="before")
    @classmethod
    def _headers(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return {k: _scalar_to_str(v) for k, v in value.items()}
        return value

    @property
    def transport_type(self) -> Literal["http", "sse"]:
        """`"sse"` or `"http"` (Streamable HTTP): as configured, else inferred from the URL."""
        chosen = self.transport or self.type
        if chosen is None:
            return "sse" if "sse" in urlsplit(self.url).path.split("/") else "http"
        return "sse" if chosen == "sse" else "http"

    def to_transport(self, name: str | None = None) -> StreamableHttpTransport | SSETransport:
        """A `StreamableHttpTransport` or `SSETransport` for this entry, named `name`."""
        cls = SSETransport if self.transport_type == "sse" else StreamableHttpTransport
        options: dict[str, Any] = {}
        if self.sse_read_timeout is not None:
            options["sse_read_timeout"] = self.sse_read_timeout
        return cls(self.url, headers=self.headers or None, auth=self.auth, name=name, **options)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            if key == "auth" and value is not None:
                value = "oauth" if value.strip().lower() == "oauth" else "***"
            elif key == "headers" and isinstance(value, dict):
                value = {k: ("***" if _SECRET_HEADER.search(k) else v) for k, v in value.items()}
            elif key == "url" and isinstance(value, str):
                parts = urlsplit(value)
                netloc, query = parts.netloc.rpartition("@")[2], "***" if parts.query else ""
                value = parts._replace(netloc=netloc, query=query).geturl()
            yield key, value


def _entry_kind(value: Any) -> str | None:
    """The discriminator: `"remote"` for a `url`, `"stdio"` for a `command`, None when ambiguous."""
    if isinstance(value, StdioServerEntry):
        return "stdio"
    if isinstance(value, RemoteServerEntry):
        return "remote"
    if not isinstance(value, Mapping):
        return None
    has_url, has_command = "url" in value, "command" in value
    if has_url != has_command:
        return "remote" if has_url else "stdio"
    if not has_url:
        # Neither: let the declared type say which field is missing.
        kind = _normalize_transport(value.get("type", value.get("transport")))
        if kind == "stdio":
            return "stdio"
        if kind in ("http", "streamable-http", "sse"):
            return "remote"
    return None


MCPServerEntry = Annotated[
    Annotated[StdioServerEntry, Tag("stdio")] | Annotated[RemoteServerEntry, Tag("remote")],
    Discriminator(_entry_kind, custom_error_type="server_entry", custom_error_message=_ENTRY_ERROR),
]
"""One `mcpServers` entry: a `StdioServerEntry` or a `RemoteServerEntry`."""


class MCPConfig(_ConfigModel):
    """A set of named servers: `{"mcpServers": {name: entry}}`.

    Build one with `MCPConfig.from_dict(data)`, `MCPConfig.from_file(path)` or
    `MCPConfig(mcpServers={...})`; pass it (or the dict, or the `.json` path) to
    `Client`/`SyncClient`.
    """

    mcpServers: dict[str, MCPServerEntry] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _vscode_servers(cls, data: Any) -> Any:
        """Accept VS Code's top-level `"servers"` key as `mcpServers`."""
        if isinstance(data, Mapping) and "servers" in data and isinstance(data["servers"], Mapping):
            data = dict(data)
            servers = dict(data.pop("servers"))
            existing = data.get("mcpServers")
            if isinstance(existing, Mapping):
                duplicates = sorted(set(existing) & set(servers))
                if duplicates:
                    raise ValueError(f"servers {duplicates} appear under both 'mcpServers' and 'servers'")
                servers = {**existing, **servers}
            data["mcpServers"] = servers
        return data

    @field_validator("mcpServers")
    @classmethod
    def _names(cls, servers: dict[str, Any]) -> dict[str, Any]:
        for name in servers:
            if not name or not name.strip():
                raise ValueError("server names must not be empty")
            if "/" in name:
                raise ValueError(f"server name {name!r} must not contain '/'")
        return servers

    # ---------------------------------------------------------------- loading and saving

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MCPConfig:
        """Validate a parsed config document (`mcpServers` or VS Code's `servers`)."""
        if isinstance(data, MCPConfig):
            return data
        if not isinstance(data, Mapping):
            raise ConfigError(f"an MCP config must be a JSON object, not {type(data).__name__}")
        return cls.model_validate(dict(data))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> MCPConfig:
        """Read a `.json` config file (comments and trailing commas, as VS Code writes them, are allowed)."""
        file = Path(path)
        text = file.read_text(encoding="utf-8-sig")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            try:
                data = json.loads(_strip_jsonc(text))
            except json.JSONDecodeError:
                raise ConfigError(
                    f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", file=str(file)
                ) from None
        if not isinstance(data, Mapping):
            raise ConfigError(f"an MCP config must be a JSON object, not {type(data).__name__}", file=str(file))
        try:
            config = cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(exc.message, server=exc.server, field=exc.field, file=str(file)) from None
        # Relative script paths in a config file mean "next to the file", wherever the client runs.
        base = file.resolve().parent
        for entry in config.mcpServers.values():
            if isinstance(entry, StdioServerEntry):
                entry.cwd = str(base / entry.cwd) if entry.cwd else str(base)
        return config

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON-ready data (unknown keys included, unset options left out)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {
            "mcpServers": {
                name: entry.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
                for name, entry in self.mcpServers.items()
            }
        }

    # ---------------------------------------------------------------- use

    def to_transport(self, **options: Any) -> MCPConfigTransport:
        """An `MCPConfigTransport` for this config (`options` such as `continue_on_error=True`)."""
        return MCPConfigTransport(self, **options)

    def transports(self) -> dict[str, ClientTransport]:
        """Each server's own transport, by name."""
        return {name: entry.to_transport(name) for name, entry in self.mcpServers.items()}

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            if key == "mcpServers" and isinstance(value, dict):
                value = list(value)
            yield key, value


def _coerce_config(config: Any) -> MCPConfig:
    if isinstance(config, MCPConfig):
        return config
    if isinstance(config, Mapping):
        return MCPConfig.from_dict(config)
    if isinstance(config, str | os.PathLike):
        return MCPConfig.from_file(config)
    raise TypeError(f"MCPConfigTransport needs an MCPConfig, a dict or a .json path, not {type(config).__name__}")


class MCPConfigTransport(ClientTransport):
    """Connect to every server of an `MCPConfig` as one.

    `config`: an `MCPConfig`, a dict with `mcpServers`, or the path of a `.json` file.
    `continue_on_error=True`: when several servers are configured, carry on with the
    ones that connected (logging a warning naming each failed server and why) instead
    of failing. `name` names the combined server (default `"mcpconfig"`).
    """

    def __init__(
        self,
        config: MCPConfig | Mapping[str, Any] | str | os.PathLike[str],
        *,
        continue_on_error: bool = False,
        name: str | None = None,
    ) -> None:
        self.config = _coerce_config(config)
        if not self.config.mcpServers:
            raise ConfigError("the config has no servers (expected an 'mcpServers' object with at least one entry)")
        self.continue_on_error = continue_on_error
        #: Set by the client: which of "sampling", "elicitation", "roots" it handles (offered to the backends).
        self.client_features: Callable[[], frozenset[str]] | None = None
        self._router: Router | None = None
        #: Each server's own transport, in config order.
        self.transports: dict[str, ClientTransport] = self.config.transports()
        self._single = next(iter(self.transports.values())) if len(self.transports) == 1 else None
        if self._single is not None:
            self.name = name or self._single.name
            self.keep_alive = self._single.keep_alive
            self.connect_grace = self._single.connect_grace
            self.mode = self._single.mode
        else:
            self.name = name or "mcpconfig"
            # Stdio servers are kept alive by default: keep the whole group (proxy and backends) alive too.
            self.keep_alive = any(t.keep_alive for t in self.transports.values())
            self.connect_grace = max(t.connect_grace for t in self.transports.values())
            self.mode = "legacy"  # the proxy relays backend requests to the client mid-call

    def _reset_state(self) -> None:
        super()._reset_state()
        self._router = None
        self.transports = {server: transport.fresh() for server, transport in self.transports.items()}
        self._single = next(iter(self.transports.values())) if len(self.transports) == 1 else None

    @property
    def servers(self) -> list[str]:
        """The configured server names."""
        return list(self.transports)

    def connect(self) -> contextlib.AbstractAsyncContextManager[SessionTarget]:
        """One server: its own connection. Several: open them all and yield the proxy server."""
        if self._single is not None:
            return self._single.connect()
        return self._connect_all()

    def startup_error(self, cause: BaseException) -> MCPClientError | None:
        if self._single is not None:
            return self._single.startup_error(cause)
        return cause if isinstance(cause, MCPClientError) else None

    async def close(self) -> None:
        """Close every server's transport (ends kept-alive subprocesses)."""
        with anyio.CancelScope(shield=True):
            for transport in self.transports.values():
                try:
                    await transport.close()
                except Exception:
                    logger.exception("closing the transport of server %r failed", transport.name)

    def __repr__(self) -> str:
        if self._single is not None:
            return f"MCPConfigTransport({self._single!r})"
        return f"MCPConfigTransport(servers={self.servers!r})"

    def _connect_all(self) -> contextlib.AbstractAsyncContextManager[Server[Any]]:
        timeouts = {server: entry.timeout for server, entry in self.config.mcpServers.items()}
        features = self.client_features() if self.client_features is not None else None
        return serve_all(
            self.name,
            self.transports,
            timeouts,
            continue_on_error=self.continue_on_error,
            features=features,
            on_ready=self._set_router,
        )

    def _set_router(self, router: Router | None) -> None:
        self._router = router

    @property
    def router(self) -> Router | None:
        """While several servers are connected: routes calls and tool listings straight to the backends.

        The engine uses it to skip the in-process proxy where it can (same results, errors naming
        the backend, progress messages prefixed with its name as the proxy relays them).
        """
        return self._router


_TAGS = frozenset({"stdio", "remote"})


def _config_error(exc: ValidationError, data: Any, model: type[BaseModel]) -> ConfigError:
    """One `ConfigError` for a pydantic `ValidationError`: server name and dotted field path of each problem."""
    top_key = "mcpServers"
    if isinstance(data, Mapping) and "mcpServers" not in data and "servers" in data:
        top_key = "servers"
    problems: list[tuple[str | None, str, str]] = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        server: str | None = None
        if model is MCPConfig and loc and loc[0] == "mcpServers":
            loc[0] = top_key
            if len(loc) > 1:
                server = loc[1]
            if len(loc) > 2 and loc[2] in _TAGS:
                del loc[2]  # the union member the discriminator chose
        message = error["msg"].removeprefix("Value error, ")
        entry = error.get("input")
        if error["type"] == "server_entry" and isinstance(entry, Mapping) and not {"url", "command"} & set(entry):
            message = _NEITHER_ERROR
        problems.append((server, ".".join(loc), message))
    if not problems:  # pragma: no cover - pydantic always reports at least one
        return ConfigError(str(exc))
    server, field, message = problems[0]
    if len(problems) > 1:
        others = "; ".join(f"{f or '<config>'}: {m}" for _, f, m in problems[1:])
        message = f"{message} (also: {others})"
    return ConfigError(message, server=server, field=field or None)

