"""Every error mcpclient raises.

The tree, so you know what to catch before reading any class:

```text
    MCPClientError                     anything raised by mcpclient
    ├── NotConnectedError              used outside `with`/`async with` (also RuntimeError)
    ├── ClientClosedError              used after close() on a non-reconnecting path (also RuntimeError)
    ├── ConnectionFailedError          could not connect: spawn, HTTP, handshake (also ConnectionError)
    │   └── ServerStartupError         a stdio server died during start-up: command, exit code, stderr tail
    │       └── ServerNotFoundError    the script or executable does not exist (also FileNotFoundError)
    ├── ConnectionLostError            the connection dropped during a call (server died, session expired)
    ├── ProtocolError                  the server answered a request with a JSON-RPC error (code, message)
    │   ├── ToolError                  a tool reported an error result (isError); message = tool's text
    │   ├── MalformedMessageError      the reply could not be read: invalid JSON/UTF-8, too deep, invalid
    │   │   └── MessageTooLargeError   the reply is longer than max_message_size (size, limit)
    │   └── HTTPStatusError            a non-2xx HTTP response mid-session (status_code, body excerpt)
    ├── ArgumentError                  arguments refused before anything was sent (tool, path)
    │   ├── ArgumentTypeError          not a mapping, a non-string name or key, an object (also TypeError)
    │   └── ArgumentValueError         NaN, infinity (also ValueError)
    ├── TimeoutError                   a request or the connection timed out (also builtins.TimeoutError)
    ├── TasksNotSupportedError         the server/protocol has no tasks (also NotImplementedError)
    ├── TaskCancelledError             result() of a task that was cancelled
    ├── SkillVerificationError         a skill file differs from its listing (digest, size, frontmatter)
    └── ConfigError                    an invalid MCPConfig entry, naming server and field (also ValueError)
```

`.message` is the bare message (for `ProtocolError`, exactly what the server said);
`str(error)` formats it with the server, the method and the class's details (code, command,
field...), so every printed message names the server and, where there is one, the method.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "ArgumentValueError",
    "ClientClosedError",
    "ConfigError",
    "ConnectionFailedError",
    "ConnectionLostError",
    "HTTPStatusError",
    "MCPClientError",
    "MalformedMessageError",
    "MessageTooLargeError",
    "NotConnectedError",
    "ProtocolError",
    "ServerNotFoundError",
    "ServerStartupError",
    "SkillVerificationError",
    "TaskCancelledError",
    "TasksNotSupportedError",
    "TimeoutError",
    "ToolError",
]


def _where(server: str | None, method: str | None) -> str:
    parts = []
    if server:
        parts.append(f"server {server!r}")
    if method:
        parts.append(method)
    return ": ".join(parts)


class MCPClientError(Exception):
    """Base of every mcpclient error. `server` and `method` say where it happened, when known."""

    def __init__(self, message: str, *, server: str | None = None, method: str | None = None) -> None:
        self.server = server
        self.method = method
        self.message = message
        super().__init__(message)

    def _text(self) -> str:
        """The message with this class's details; subclasses add theirs."""
        return self.message

    def __str__(self) -> str:
        where = _where(self.server, self.method)
        text = self._text()
        return f"{where}: {text}" if where else text

    def __reduce__(self) -> tuple[Any, ...]:
        # The constructors take keyword-only fields, which default exception pickling cannot call:
        # rebuild without them, from the arguments and every attribute (OSError's `filename` too).
        state = dict(self.__dict__)
        if isinstance(self, OSError) and self.filename is not None:
            state["filename"] = self.filename
        return (_rebuild, (type(self), self.args, state))


def _rebuild(cls: type[MCPClientError], args: tuple[Any, ...], state: dict[str, Any]) -> MCPClientError:
    error = cls.__new__(cls, *args)
    BaseException.__init__(error, *args)
    for key, value in state.items():
        setattr(error, key, value)
    return error


class NotConnectedError(MCPClientError, RuntimeError):
    """The client is not connected; use `with client:` / `async with client:` or `connect()`."""

    def __init__(self, server: str | None = None, method: str | None = None) -> None:
        super().__init__(
            "client is not connected; use `with client:` (SyncClient), `async with client:` (Client) "
            "or call connect() first",
            server=server,
            method=method,
        )


class ClientClosedError(MCPClientError, RuntimeError):
    """The client was closed and cannot serve this request."""


class ConnectionFailedError(MCPClientError, builtins.ConnectionError):
    """Connecting to the server failed (spawn, HTTP, initialize)."""


class ServerStartupError(ConnectionFailedError):
    """A stdio server could not be started or exited during start-up."""

    def __init__(
        self,
        message: str,
        *,
        server: str | None = None,
        command: Sequence[str] = (),
        exit_code: int | None = None,
        stderr_tail: Sequence[str] = (),
    ) -> None:
        self.command = list(command)
        self.exit_code = exit_code
        self.stderr_tail = list(stderr_tail)
        super().__init__(message, server=server, method="initialize")

    def _text(self) -> str:
        details = [super()._text()]
        if self.command:
            details.append(f"command: {' '.join(self.command)}")
        if self.exit_code is not None:
            details.append(f"exit code: {self.exit_code}")
        if self.stderr_tail:
            # the lines that say what failed; all of them are in `stderr_tail`
            details.append("stderr:\n  " + "\n  ".join(self.stderr_summary))
        return "\n".join(details)

    @property
    def stderr_summary(self) -> list[str]:
        """The lines of `stderr_tail` that say what failed: error-looking lines and the last few."""
        from ._stderr import key_lines

        return key_lines(self.stderr_tail)


class ServerNotFoundError(ServerStartupError, FileNotFoundError):
    """The server's executable or script does not exist. Also a `FileNotFoundError`; `filename` names it."""

    def __init__(self, message: str, *, filename: str, server: str | None = None, command: Sequence[str] = ()) -> None:
        super().__init__(message, server=server, command=command)
        self.filename = filename  # OSError's; MCPClientError.__str__ (earlier in the MRO) still formats


class ConnectionLostError(MCPClientError, builtins.ConnectionError):
    """The connection to the server was lost during a call; the next call reconnects."""


class ProtocolError(MCPClientError):
    """The server answered with a JSON-RPC error. `code` and `data` are the server's."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        data: Any = None,
        server: str | None = None,
        method: str | None = None,
    ) -> None:
        self.code = code
        self.data = data
        super().__init__(message, server=server, method=method)

    def _text(self) -> str:
        return self.message if self.code is None else f"{self.message} (code {self.code})"


class ToolError(ProtocolError):
    """A tool call returned an error result. The message is the tool's own error text."""

    def __init__(self, message: str, *, tool: str, result: Any = None, server: str | None = None) -> None:
        self.tool = tool
        self.result = result
        super().__init__(message, server=server, method=f"tools/call {tool!r}")


class TimeoutError(MCPClientError, builtins.TimeoutError):
    """A request or the connection timed out. The server was sent `notifications/cancelled`."""

    def __init__(
        self, message: str, *, timeout: float | None = None, server: str | None = None, method: str | None = None
    ) -> None:
        self.timeout = timeout
        super().__init__(message, server=server, method=method)


class ConfigError(MCPClientError, ValueError):
    """An MCPConfig is invalid. `field` is the dotted path of the bad field, `file` the config file, when known."""

    def __init__(
        self, message: str, *, server: str | None = None, field: str | None = None, file: str | None = None
    ) -> None:
        self.field = field
        self.file = file
        super().__init__(message, server=server)

    def _text(self) -> str:
        return ": ".join(part for part in (self.file, self.field, self.message) if part)


class TasksNotSupportedError(MCPClientError, NotImplementedError):
    """The server (or the negotiated protocol) does not support this task operation.

    2025-11-25 servers advertise the `tasks` capability (`list`, `cancel`,
    `requests.tools.call`); 2026-07-28 removed tasks from the core protocol.
    """


class TaskCancelledError(MCPClientError):
    """`result()` of a task that was cancelled. `task` is its last known status."""

    def __init__(self, message: str, *, task: Any, server: str | None = None, method: str = "tasks/result") -> None:
        self.task = task
        super().__init__(message, server=server, method=method)


class SkillVerificationError(MCPClientError):
    """A skill file read from the server does not match the entry it was listed with (size,
    ``sha256`` digest, frontmatter, or not listed at all); its content is not used. `uri` names it."""

    def __init__(self, message: str, *, server: str | None = None, uri: str | None = None) -> None:
        self.uri = uri
        super().__init__(message, server=server, method=f"resources/read {uri!r}" if uri else "resources/read")


# --- hostile servers and bad input (issue 14) ---------------------------------------------------


class MalformedMessageError(ProtocolError):
    """The server's reply to this request could not be read; `reason` says why. Other requests go on."""

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        code: int | None = None,
        server: str | None = None,
        method: str | None = None,
    ) -> None:
        self.reason = reason
        super().__init__(message, code=code, server=server, method=method)


class MessageTooLargeError(MalformedMessageError):
    """The reply is longer than `max_message_size`: `size` bytes (at least) against `limit`."""

    def __init__(
        self, message: str, *, size: int, limit: int, code: int | None = None, server: str | None = None,
        method: str | None = None,
    ) -> None:  # fmt: skip
        self.size = size
        self.limit = limit
        super().__init__(message, reason="too large", code=code, server=server, method=method)


class HTTPStatusError(ProtocolError):
    """The server answered a request with a non-2xx HTTP status; `status_code` and `body` (its start)."""

    def __init__(
        self, message: str, *, status_code: int, body: str = "", server: str | None = None, method: str | None = None
    ) -> None:
        self.status_code = status_code
        self.body = body
        super().__init__(message, server=server, method=method)


class ArgumentError(MCPClientError):
    """Arguments were refused before anything was sent; `tool` names the tool or prompt, `path` the value."""

    def __init__(
        self,
        message: str,
        *,
        tool: object = None,
        path: str = "arguments",
        server: str | None = None,
        method: str | None = None,
    ) -> None:
        self.tool = tool
        self.path = path
        super().__init__(message, server=server, method=method)


class ArgumentTypeError(ArgumentError, builtins.TypeError):
    """An argument of a type JSON cannot carry (an object, bytes, a non-string key), or not a mapping at all."""


class ArgumentValueError(ArgumentError, builtins.ValueError):
    """An argument value JSON cannot carry faithfully (NaN, infinity)."""
