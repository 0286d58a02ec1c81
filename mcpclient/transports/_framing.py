"""JSON lines on a pipe: the stdio transport's message streams, hardened against hostile servers.

Reading (`MessageReader`): stdout is split into lines in linear time with bounded memory: a line
longer than `max_message_size` is not buffered; its first bytes are kept to learn the request id,
the rest is discarded up to the newline. A line that cannot become a message (invalid JSON or
UTF-8, nesting too deep, not JSON-RPC, too large) fails only the request it answers, at once, with
a JSON-RPC error for that id (see `_local.py`); the id is found by a cheap scan of the envelope
when the line does not parse. A line that names no request is logged and skipped; an oversized
one that cannot be tied to a request ends the connection (nothing else could end its caller's wait).

Writing (`MessageWriter`): a request waits while the server is not reading (backpressure, under
the caller's deadline); every other message (notably the courtesy `notifications/cancelled` the
SDK sends when a caller gives up) is buffered without waiting, so it never extends a caller's wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.lowlevel
import mcp_types
from anyio.abc import ByteReceiveStream, ByteSendStream
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from ._local import local_error
from .base import DEFAULT_MAX_MESSAGE_SIZE

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "LineBuffer", "MessageReader", "MessageWriter", "Oversized", "parse_line"]

logger = logging.getLogger("mcpclient.transports.stdio")

READ_SIZE = 1 << 18
_HEAD = 64 * 1024  # bytes of an unreadable line scanned for its envelope (id, method)
_TAIL = 1024
_EXCERPT = 200
_YIELD_EVERY = 16  # messages handed over from one read before letting the event loop run others
#: Non-request messages are written without waiting until this much is queued for a server that is
#: not reading; past it a courtesy cancel is dropped and other messages wait like requests.
_MAX_UNWAITED = 16 * 1024 * 1024


@dataclass(frozen=True)
class Oversized:
    """A line longer than the limit: its first bytes and its size so far (the rest is discarded)."""

    head: bytes
    size: int


class LineBuffer:
    """Splits a byte stream on b"\\n" in linear time, holding at most `limit` bytes of one line."""

    def __init__(self, limit: int | None = None) -> None:
        self._buf = bytearray()
        self._scan = 0  # no newline before this offset
        self._limit = limit
        self._skipping = False  # discarding the rest of an oversized line

    def feed(self, chunk: bytes) -> list[bytearray | Oversized]:
        lines: list[bytearray | Oversized] = []
        if self._skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                return lines
            self._skipping = False
            chunk = chunk[nl + 1 :]
        buf = self._buf
        buf += chunk
        limit = self._limit
        start = 0
        while (nl := buf.find(b"\n", self._scan)) >= 0:
            if limit is not None and nl - start > limit:
                lines.append(Oversized(bytes(buf[start : min(nl, start + _HEAD)]), nl - start))
            elif start == 0 and len(buf) - nl < _HEAD and nl > _HEAD:
                # A big line at the start of the buffer: hand the buffer itself over instead of copying.
                line, rest = buf, buf[nl + 1 :]
                del line[nl:]
                lines.append(line)
                self._buf = buf = rest
                self._scan = 0
                continue
            else:
                lines.append(buf[start:nl])
            start = self._scan = nl + 1
        if start:
            del buf[:start]
        self._scan = len(buf)
        if limit is not None and len(buf) > limit:
            # Fail it now (its caller need not wait for the end) and keep none of the rest.
            lines.append(Oversized(bytes(buf[:_HEAD]), len(buf)))
            self._buf, self._scan, self._skipping = bytearray(), 0, True
        return lines

    def rest(self) -> bytearray:
        rest, self._buf, self._scan = self._buf, bytearray(), 0
        return rest


# ---------------------------------------------------------------------------------- the envelope

_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]', re.DOTALL)
_COLON = re.compile(rb"\s*:\s*")
_ID_VALUE = re.compile(rb'\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,256}")')
_TAIL_ID = re.compile(rb'"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,256}")\s*}\s*$')


@dataclass
class Envelope:
    """What a cheap scan finds at the top level of an unparsable message."""

    id: int | str | None = None
    has_method: bool = False


def _id_value(raw: bytes) -> int | str | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def scan_envelope(data: bytes | bytearray, *, complete: bool = True) -> Envelope:
    """The top-level `id` and whether there is a `method`, from the first bytes (and the end) of `data`.

    Tracks nesting over string and bracket tokens only, so a nested `"id"` (in a result) is not
    mistaken for the message's; `complete=False` says `data` is only the head of the message.
    """
    envelope = Envelope()
    end = min(len(data), _HEAD)
    depth = 0
    for match in _TOKEN.finditer(data, 0, end):
        first = match.group()[0]
        if first == 0x22:  # a string: a key when at depth 1 and followed by a colon
            if depth == 1 and _COLON.match(data, match.end()):
                key = match.group()
                if key == b'"id"' and envelope.id is None:
                    value = _ID_VALUE.match(data, match.end())
                    envelope.id = _id_value(value.group(1)) if value else None
                elif key == b'"method"':
                    envelope.has_method = True
        elif first in b"{[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return envelope
    if envelope.id is None and complete and len(data) > end:
        # Large results usually come before nothing but the closing brace; some servers put "id" last.
        tail = _TAIL_ID.search(data, max(0, len(data) - _TAIL))
        if tail:
            envelope.id = _id_value(tail.group(1))
    return envelope


# -------------------------------------------------------------------------------------- parsing


def _describe(exc: ValueError, line: bytes | bytearray) -> tuple[int, str, str]:
    """(JSON-RPC code, short reason, what was wrong) for a line that did not parse."""
    errors = exc.errors(include_url=False, include_input=False) if isinstance(exc, ValidationError) else []
    if errors and errors[0]["type"] == "json_invalid":
        detail = str(errors[0]["msg"]).removeprefix("Invalid JSON: ")
        if "recursion limit" in detail:
            return mcp_types.PARSE_ERROR, "too deep", f"nesting too deep to parse ({detail})"
        if "unicode" in detail:
            try:
                bytes(line).decode()
            except UnicodeDecodeError as bad:
                return mcp_types.PARSE_ERROR, "invalid UTF-8", f"invalid UTF-8 at byte {bad.start}"
        return mcp_types.PARSE_ERROR, "invalid JSON", f"invalid JSON ({detail})"
    if errors:
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"][1:]) or "message"
        count = f"{len(errors)} validation errors" if len(errors) > 1 else "1 validation error"
        detail = f"not a valid JSON-RPC message ({count}; {where}: {first['msg']})"
        return mcp_types.INVALID_REQUEST, "invalid JSON-RPC", detail
    return mcp_types.PARSE_ERROR, "invalid JSON", str(exc) or type(exc).__name__


def parse_line(
    line: bytearray | Oversized, limit: int | None, log: logging.Logger | logging.LoggerAdapter[logging.Logger]
) -> SessionMessage | Exception | None:
    """One stdout line as a message; an error reply for the request it answers; or None (skip it).

    An `Exception` is handed to the session (which skips it); `None` was logged here already.
    """
    if isinstance(line, Oversized):
        envelope = scan_envelope(line.head, complete=False)
        what = f"a message of at least {line.size:,} bytes, over max_message_size ({limit or 0:,} bytes)"
        if envelope.id is not None and not envelope.has_method:
            log.warning("server sent %s as the reply to request %r; failing that request", what, envelope.id)
            return local_error(
                envelope.id,
                mcp_types.INVALID_REQUEST,
                f"server sent {what}",
                kind="too_large",
                size=line.size,
                limit=limit,
            )
        if envelope.has_method:
            log.warning("skipping %s from the server (a request or notification)", what)
            return None
        raise MessageFramingError(f"server sent {what}, which names no request")
    try:
        return SessionMessage(mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError as exc:  # pydantic's ValidationError (invalid JSON too) is a ValueError
        error: Exception = exc
    except RecursionError as exc:  # pragma: no cover - pydantic bounds its own recursion
        error = exc
    code, reason, detail = _describe(error, line) if isinstance(error, ValueError) else (
        mcp_types.PARSE_ERROR, "too deep", "nesting too deep to parse"
    )  # fmt: skip
    envelope = scan_envelope(line)
    if envelope.id is not None and not envelope.has_method:
        log.warning(
            "server sent an unreadable reply to request %r (%s): %r", envelope.id, detail, bytes(line[:_EXCERPT])
        )
        return local_error(
            envelope.id, code, f"server sent an invalid reply: {detail}", kind="malformed", reason=reason
        )
    log.warning("ignoring a line on stdout that is not JSON-RPC (%s): %r", detail, bytes(line[:_EXCERPT]))
    return error


class MessageFramingError(Exception):
    """The stream cannot go on: an oversized message that names no request."""


# ---------------------------------------------------------------------------------- the streams


class MessageReader:
    """The session's read stream: messages parsed from the server's stdout by the task that receives them.

    There is no pump task and no memory stream in between (as in the SDK's `stdio_client`):
    `receive()` reads stdout and parses what arrived, so a message costs no task switch and
    no anyio checkpoints on its way to the session. Any way stdout ends (EOF, our own close,
    a broken pipe, an oversized message naming no request: see `fatal`) ends the stream,
    which ends the session.
    """

    def __init__(
        self,
        stdout: ByteReceiveStream,
        log: logging.Logger | logging.LoggerAdapter[logging.Logger],
        on_eof: Callable[[], None],
        on_error: Callable[[BaseException], None],
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self._stdout = stdout
        self._log = log
        self._on_eof = on_eof
        self._on_error = on_error
        self._limit = max_message_size
        self._lines = LineBuffer(max_message_size)
        self._pending: deque[SessionMessage | Exception] = deque()
        self._closed = False
        self._ended = False
        self._unyielded = 0
        #: Why the stream was ended by us (not by the server), for the connection-lost error.
        self.fatal: str | None = None

    async def receive(self) -> SessionMessage | Exception:
        pending = self._pending
        if pending:
            self._unyielded += 1
            if self._unyielded >= _YIELD_EVERY:
                # A flooding server must not starve the loop: timeouts and other tasks get their turn.
                self._unyielded = 0
                await anyio.lowlevel.checkpoint()
        while not pending:
            self._unyielded = 0
            if self._closed:
                raise anyio.ClosedResourceError
            if self._ended or self.fatal is not None:
                raise anyio.EndOfStream
            try:
                chunk = await self._stdout.receive(READ_SIZE)
            except anyio.EndOfStream:
                self._ended = True
                self._on_eof()
                raise
            except anyio.ClosedResourceError:
                self._ended = True  # our shutdown (or a failed write) closed stdout under the read
                raise anyio.EndOfStream from None
            except (anyio.BrokenResourceError, OSError) as exc:
                self._ended = True
                self._on_error(exc)
                raise anyio.EndOfStream from None
            for line in self._lines.feed(chunk):
                if isinstance(line, bytearray) and (not line or line.isspace()):
                    continue
                try:
                    item = parse_line(line, self._limit, self._log)
                except MessageFramingError as exc:
                    self._log.error("%s; closing the connection", exc)
                    self.fatal = str(exc)
                    break
                if item is not None:
                    pending.append(item)
        return pending.popleft()

    def __aiter__(self) -> MessageReader:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def drain(self) -> None:
        """Discard the rest of stdout (shutdown), so a server flushing output cannot block on a full pipe."""
        self._closed = True
        if not self._ended:
            with suppress(RuntimeError):  # a session still blocked in receive() owns the read
                await drain(self._stdout)

    def close(self) -> None:
        self._closed = True

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> MessageReader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closed = True


async def drain(stream: ByteReceiveStream) -> None:
    """Discard the rest of a stream, so a server flushing output cannot block on a full pipe."""
    with (
        anyio.CancelScope(shield=True),
        suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError),
    ):
        while True:
            await stream.receive(READ_SIZE)


class MessageWriter:
    """The session's write stream: the sending task serialises its message and writes it to stdin.

    Written straight into the pipe's asyncio transport (which buffers), so a message costs no
    task switch. Only requests wait for a server that is not reading; see the module docstring.
    A failed write (the server closed stdin) raises `BrokenResourceError` and ends the session.
    """

    def __init__(self, stdin: ByteSendStream, on_broken: Callable[[], Awaitable[None]]) -> None:
        self._stdin = stdin
        # anyio's stdin wrapper adds a checkpoint (an event-loop round) after every write; use the
        # asyncio StreamWriter beneath it when there is one (not on Windows selector loops).
        raw = getattr(stdin, "_stream", None)
        self._raw: asyncio.StreamWriter | None = raw if isinstance(raw, asyncio.StreamWriter) else None
        self._on_broken = on_broken
        self._closed = False
        self._broken = False

    async def send(self, item: SessionMessage, /) -> None:
        if self._closed:
            raise anyio.ClosedResourceError
        if self._broken:
            raise anyio.BrokenResourceError
        message: Any = item.message
        data = message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"
        is_request = isinstance(message, mcp_types.JSONRPCRequest)
        try:
            raw = self._raw
            if raw is None:
                await self._stdin.send(data)
                return
            queued = raw.transport.get_write_buffer_size()
            if (
                not is_request
                and queued > _MAX_UNWAITED
                and getattr(message, "method", "") == "notifications/cancelled"
            ):
                logger.debug("not sending notifications/cancelled: the server is not reading its stdin")
                return
            raw.write(data)
            if is_request or queued > _MAX_UNWAITED:
                await raw.drain()
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError, RuntimeError) as exc:
            self._broken = True
            await self._on_broken()
            raise anyio.BrokenResourceError from exc

    def close(self) -> None:
        self._closed = True

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> MessageWriter:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closed = True
