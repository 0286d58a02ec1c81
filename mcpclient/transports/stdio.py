"""Stdio transports: run a server as a subprocess and talk over its stdin/stdout.

We spawn and plumb the process ourselves instead of using the SDK's `stdio_client`
because we need the process handle (pid, exit code for start-up errors) and must
capture stderr through a pipe: `sys.stderr` may have no file descriptor (Jupyter).

Shutdown follows the MCP spec and the SDK: close stdin, wait up to
`PROCESS_TERMINATION_TIMEOUT`, then SIGTERM and later SIGKILL the whole process group
(launchers such as npx/uvx leave grandchildren). It runs shielded, every wait bounded.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, cast

import anyio
import anyio.lowlevel
import anyio.to_thread
import mcp_types
from anyio.abc import AsyncResource, ByteReceiveStream, ByteSendStream, Process
from anyio.streams.file import FileReadStream
from mcp.client._transport import TransportStreams
from mcp.client.stdio import get_default_environment
from mcp.os.posix.utilities import terminate_posix_process_tree
from mcp.os.win32.utilities import (
    FallbackProcess,
    close_process_job,
    create_windows_process,
    get_windows_executable_command,
    terminate_windows_process_tree,
)
from mcp.shared.message import SessionMessage

from ..errors import MCPClientError, ServerNotFoundError, ServerStartupError
from .base import ClientTransport

__all__ = [
    "NodeStdioTransport",
    "NpxStdioTransport",
    "PythonStdioTransport",
    "ServerNotFoundError",
    "StdioTransport",
    "UvxStdioTransport",
]

logger = logging.getLogger(__name__)

#: Grace period for the server to exit by itself after its stdin closes.
PROCESS_TERMINATION_TIMEOUT = 2.0
#: Time between SIGTERM and SIGKILL of the process group.
FORCE_KILL_TIMEOUT = 2.0
#: Time for the event loop to observe a kill; only an unkillable process runs this out.
_KILL_REAP_TIMEOUT = 2.0
#: After a failure with the server's stdout at EOF, how long to wait for it to exit by itself.
_EARLY_EXIT_WAIT = 0.5
#: How long to let the stderr reader catch the last lines once the process is gone.
_STDERR_DRAIN_TIMEOUT = 0.5
_EXIT_POLL_INTERVAL = 0.01
_READ_SIZE = 1 << 18
#: The stdout reader lets other tasks run after this many messages in a row.
_YIELD_EVERY = 16
_STDERR_TAIL_LINES = 50
_STDERR_LINE_MAX = 2000

_ServerProcess = Process | FallbackProcess


class _LineBuffer:
    """Splits a byte stream on b"\\n" in linear time, however long the lines are."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._scan = 0  # no newline before this offset

    def feed(self, chunk: bytes) -> list[bytearray]:
        buf = self._buf
        buf += chunk
        lines: list[bytearray] = []
        start = 0
        while (nl := buf.find(b"\n", self._scan)) >= 0:
            lines.append(buf[start:nl])
            start = self._scan = nl + 1
        if start:
            del buf[:start]
        self._scan = len(buf)
        return lines

    def rest(self) -> bytearray:
        rest, self._buf, self._scan = self._buf, bytearray(), 0
        return rest


def _parse_line(line: bytearray) -> SessionMessage | Exception:
    """One stdout line as a message, or the parse error as a value for the session."""
    try:
        return SessionMessage(mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError as exc:
        return _invalid_reply(line, exc) or exc


def _invalid_reply(line: bytearray, exc: ValueError) -> SessionMessage | None:
    """An invalid reply that names a request id, as a JSON-RPC error for that request.

    Dropping it (like other junk) would leave the request waiting for an answer that already came.
    """
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or "method" in data or not ("result" in data or "error" in data):
        return None
    request_id = data.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, int | str):
        return None
    logger.warning("server sent an invalid reply to request %r: %r", request_id, bytes(line[:200]))
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    error = mcp_types.ErrorData(code=mcp_types.INVALID_REQUEST, message=f"server sent an invalid reply: {detail}")
    return SessionMessage(mcp_types.JSONRPCError(jsonrpc="2.0", id=request_id, error=error))


class _MessageReader:
    """The session's read stream: messages parsed from the server's stdout by the task that receives them.

    There is no pump task and no memory stream in between (as in the SDK's `stdio_client`):
    `receive()` reads stdout and parses what arrived, so a message costs no task switch and
    no anyio checkpoints on its way to the session. A line that is not JSON-RPC is logged
    and handed on as the parse error (the session reports and skips it). Any way stdout ends
    (EOF, our own close, a broken pipe) ends the stream, which ends the session.
    """

    def __init__(
        self,
        stdout: ByteReceiveStream,
        log: logging.Logger | logging.LoggerAdapter[logging.Logger],
        on_eof: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._stdout = stdout
        self._log = log
        self._on_eof = on_eof
        self._on_error = on_error
        self._lines = _LineBuffer()
        # Lines are parsed one at a time as the session takes them: a 256 KiB read can hold thousands
        # of messages, and parsing them all first would delay the first one by as many parses.
        self._pending: deque[bytearray] = deque()
        self._count = 0
        self._closed = False
        self._ended = False

    async def receive(self) -> SessionMessage | Exception:
        pending = self._pending
        while not pending:
            if self._closed:
                raise anyio.ClosedResourceError
            if self._ended:
                raise anyio.EndOfStream
            try:
                chunk = await self._stdout.receive(_READ_SIZE)
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
            pending.extend(line for line in self._lines.feed(chunk) if line and not line.isspace())
        self._count += 1
        if not self._count % _YIELD_EVERY:
            # A read of buffered data does not suspend: without this, a burst of notifications would
            # be parsed (and their handler tasks queued) to the end before the first handler runs.
            await anyio.lowlevel.checkpoint()
        line = pending.popleft()
        item = _parse_line(line)
        if isinstance(item, Exception):
            self._log.warning("ignoring a line on stdout that is not JSON-RPC: %r", bytes(line[:200]))
        return item

    def __aiter__(self) -> _MessageReader:
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
                await _drain(self._stdout)

    def close(self) -> None:
        self._closed = True

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> _MessageReader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closed = True


class _MessageWriter:
    """The session's write stream: the sending task serialises its message and writes it to stdin.

    Written straight into the pipe's asyncio transport (which buffers; we wait only when the
    server is not keeping up), so a request costs no task switch. A failed write (the server
    stopped reading) raises `BrokenResourceError` to the sender and ends the session.
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
        data = item.message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"
        try:
            if self._raw is not None:
                self._raw.write(data)
                await self._raw.drain()
            else:
                await self._stdin.send(data)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError, RuntimeError) as exc:
            self._broken = True
            await self._on_broken()
            raise anyio.BrokenResourceError from exc

    def close(self) -> None:
        self._closed = True

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> _MessageWriter:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closed = True


# pgid -> pid of the process that spawned it; ended at interpreter exit if still alive.
_live_groups: dict[int, int] = {}


def _kill_leftover_groups() -> None:
    """atexit safety net: no server process group outlives the interpreter."""
    me = os.getpid()
    groups = [pgid for pgid, owner in list(_live_groups.items()) if owner == me and _signal_group(pgid, signal.SIGTERM)]
    deadline = time.monotonic() + 0.5
    while groups and time.monotonic() < deadline:
        time.sleep(0.02)
        groups = [pgid for pgid in groups if _group_alive(pgid)]
    for pgid in groups:
        _signal_group(pgid, signal.SIGKILL)


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


if sys.platform != "win32":
    atexit.register(_kill_leftover_groups)
    # A forked child must not kill its parent's servers at exit.
    os.register_at_fork(after_in_child=_live_groups.clear)


class StdioTransport(ClientTransport):
    """Run `command args...` as a subprocess and speak MCP over its stdin/stdout.

    The server gets only the SDK's minimal safe environment (`PATH`, `HOME`, ...) plus
    `env`. Its stderr is forwarded line by line to the logger `mcpclient.server.<name>`
    at `stderr_log_level` (INFO: it is the server's own diagnostics, and DEBUG would hide
    a crashing server's traceback), and the last lines are kept in `stderr_tail`.
    """

    #: Level at which server stderr lines are logged.
    stderr_log_level: int = logging.INFO

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        keep_alive: bool = True,
        name: str | None = None,
    ) -> None:
        if isinstance(args, str):
            raise TypeError(f"args must be a sequence of strings, not a string: {args!r}")
        self.command = command
        self.args = [str(a) for a in args]
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.keep_alive = keep_alive
        self.name = name or Path(command).name or command
        self._reset_state()

    def _reset_state(self) -> None:
        super()._reset_state()
        self.__dict__.pop("_spawn", None)  # a process adopted by `_prespawn` belongs to the original
        self._process: _ServerProcess | None = None
        self._stderr_tail: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)
        self._stdout_eof = False
        self._early_exit_code: int | None = None

    @property
    def command_line(self) -> list[str]:
        """The full command line that starts the server."""
        return [self.command, *self.args]

    @property
    def pid(self) -> int | None:
        """Process id of the current (or last) server process."""
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        """Exit code of the current (or last) server process; None while it runs."""
        return self._process.returncode if self._process is not None else None

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the current (or last) server process wrote to stderr."""
        return list(self._stderr_tail)

    @property
    def _logger(self) -> logging.Logger:
        return logging.getLogger(f"mcpclient.server.{self.name}")

    def _repr_fields(self) -> list[str]:
        fields = [f"command={self.command!r}", f"args={self.args!r}"]
        return fields + self._common_repr_fields()

    def _common_repr_fields(self) -> list[str]:
        fields = []
        if self.env:
            fields.append(f"env_keys={sorted(self.env)!r}")  # values may be secrets
        if self.cwd is not None:
            fields.append(f"cwd={os.fspath(self.cwd)!r}")
        if not self.keep_alive:
            fields.append("keep_alive=False")
        return fields

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_fields())})"

    def _error(self, message: str, *, exit_code: int | None = None) -> ServerStartupError:
        return ServerStartupError(
            message, server=self.name, command=self.command_line, exit_code=exit_code, stderr_tail=self.stderr_tail
        )

    async def lost_connection_detail(self) -> str | None:
        """How the server process ended (exit code or signal) and its last stderr lines.

        A server whose stdout closed is exiting: wait (the caller bounds it) for its exit status.
        """
        process = self._process
        if process is None:
            return None
        if self._stdout_eof:
            await _wait_for_exit(process, PROCESS_TERMINATION_TIMEOUT)
        code = process.returncode
        if code is None:
            return None
        try:
            how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        except ValueError:
            how = f"exited with status {code}"
        detail = f"the server process {how}"
        if tail := self.stderr_tail[-5:]:
            detail += "; stderr (last lines):\n  " + "\n  ".join(tail)
        return detail

    def startup_error(self, cause: BaseException) -> MCPClientError | None:
        """A `ServerStartupError` (command, exit code, stderr tail) if the server died during start-up.

        Exact once the `connect()` context has exited (the process is reaped and stderr
        read to the end); best effort while it is still open.
        """
        if isinstance(cause, ServerStartupError):
            return cause
        if self._process is None:
            return None
        code = self._early_exit_code
        if code is None and self._stdout_eof:
            code = self._process.returncode
            if code is None:
                return self._error("server closed its stdout during start-up")
        if code is None:
            return None
        return self._error("server exited during start-up", exit_code=code)

    async def _spawn(self) -> _ServerProcess:
        env = get_default_environment() | (self.env or {})
        cwd = os.fspath(self.cwd) if self.cwd is not None else None
        try:
            if sys.platform == "win32":  # pragma: no cover
                command = await anyio.to_thread.run_sync(get_windows_executable_command, self.command)
                # The SDK types errlog as TextIO, but it is handed to Popen as is.
                pipe = cast(Any, subprocess.PIPE)
                return await create_windows_process(command, self.args, env, pipe, cwd)
            return await anyio.open_process(
                self.command_line,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=cwd,
                # Own process group, so shutdown can signal the whole tree.
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            if cwd is not None and not os.path.isdir(cwd):
                raise self._error(f"working directory does not exist: {cwd}") from exc
            raise ServerNotFoundError(
                f"executable not found: {self.command!r} (not a file, and not on the server's PATH)",
                filename=self.command,
                server=self.name,
                command=self.command_line,
            ) from exc
        except OSError as exc:
            raise self._error(f"could not start the server: {exc}") from exc

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[TransportStreams]:
        """Spawn the server; yield its `(read, write)` message streams; stop it on exit."""
        self._stderr_tail = deque(maxlen=_STDERR_TAIL_LINES)
        self._stdout_eof = False
        self._early_exit_code = None
        self._process = process = await self._spawn()
        # No awaits until the task group is entered, or a cancellation here would leak the process.
        if sys.platform != "win32":
            _live_groups[process.pid] = os.getpid()
        assert process.stdin is not None and process.stdout is not None
        stdin, stdout = process.stdin, process.stdout
        stderr = _stderr_stream(process)
        log = self._logger

        stderr_done = anyio.Event()
        shutting_down = False

        def on_stdout_eof() -> None:
            # Only an EOF before shutdown says the server quit by itself.
            self._stdout_eof = not shutting_down

        def on_stdout_error(exc: BaseException) -> None:
            if not shutting_down:
                logger.error("reading the stdout of server %r failed", self.name, exc_info=exc)

        async def on_stdin_broken() -> None:
            # The server stopped reading: end the session (a pending receive sees the end) instead
            # of letting requests wait for answers that cannot come.
            await _close_pipe(stdout)

        # The session reads and writes the pipes itself, through these two streams (no pump tasks).
        reader = _MessageReader(stdout, log, on_stdout_eof, on_stdout_error)
        writer = _MessageWriter(stdin, on_stdin_broken)

        async def stderr_reader() -> None:
            if stderr is None:  # pragma: no cover - always piped
                stderr_done.set()
                return
            lines = _LineBuffer()

            def emit(raw: bytearray) -> None:
                text = raw.decode(errors="replace").rstrip("\r")
                self._stderr_tail.append(text[:_STDERR_LINE_MAX])
                log.log(self.stderr_log_level, "%s", text)

            try:
                while True:
                    try:
                        chunk = await stderr.receive(_READ_SIZE)
                    except anyio.EndOfStream:
                        break
                    for line in lines.feed(chunk):
                        emit(line)
                if rest := lines.rest():
                    emit(rest)
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, ConnectionError, OSError):
                pass
            finally:
                stderr_done.set()

        async def shutdown(failed: bool) -> None:
            writer.close()
            # Keep reading stdout to the end: a server stuck writing stdout cannot read stdin.
            tg.start_soon(reader.drain)
            if failed and self._stdout_eof:
                # A server that closed stdout is dying: let it, so the exit code is its own.
                await _wait_for_exit(process, _EARLY_EXIT_WAIT)
            self._early_exit_code = process.returncode
            await _close_pipe(stdin)
            await _wait_for_exit(process, PROCESS_TERMINATION_TIMEOUT)
            await _terminate_tree(process)
            if not await _wait_for_exit(process, _KILL_REAP_TIMEOUT):
                logger.warning("server process %d is still alive after SIGKILL; abandoning it", process.pid)
            _live_groups.pop(process.pid, None)
            close_process_job(process)
            with anyio.move_on_after(_STDERR_DRAIN_TIMEOUT):
                await stderr_done.wait()
            await _close_pipe(stdout)
            if stderr is not None:
                await _close_pipe(stderr)
            _close_subprocess_transport(process)
            reader.close()
            await anyio.lowlevel.checkpoint()

        # An error from the body is re-raised after the task group, which would wrap it in another group.
        error: Exception | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(stderr_reader)
            try:
                yield reader, writer
            except Exception as exc:
                error = exc
            finally:
                shutting_down = True
                # Must finish under cancellation too, or the process would leak; every wait is bounded.
                with anyio.CancelScope(shield=True):
                    await shutdown(failed=error is not None)
                tg.cancel_scope.cancel()
        if error is not None:
            raise error


def _stderr_stream(process: _ServerProcess) -> ByteReceiveStream | None:
    if isinstance(process, FallbackProcess):  # pragma: no cover - Windows selector loops only
        return FileReadStream(process.popen.stderr) if process.popen.stderr is not None else None
    return process.stderr


async def _drain(stream: ByteReceiveStream) -> None:
    """Discard the rest of stdout, so a server flushing output cannot block on a full pipe."""
    with (
        anyio.CancelScope(shield=True),
        suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError),
    ):
        while True:
            await stream.receive(_READ_SIZE)


async def _close_pipe(stream: AsyncResource) -> None:
    with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await stream.aclose()


async def _wait_for_exit(process: _ServerProcess, timeout: float) -> bool:
    """Whether the process exited within `timeout`. Polls: `wait()` also waits for pipe EOF."""
    deadline = anyio.current_time() + timeout
    while process.returncode is None:
        if anyio.current_time() >= deadline:
            return False
        await anyio.sleep(_EXIT_POLL_INTERVAL)
    return True


async def _terminate_tree(process: _ServerProcess) -> None:
    """End the process and every descendant still in its group, even if the leader already exited."""
    if sys.platform == "win32":  # pragma: no cover
        if process.returncode is None:
            await terminate_windows_process_tree(process)
    else:
        assert isinstance(process, Process)
        await terminate_posix_process_tree(process, FORCE_KILL_TIMEOUT)


def _close_subprocess_transport(process: _ServerProcess) -> None:
    """Close asyncio's subprocess transport now rather than warning at GC (as the SDK does)."""
    transport = getattr(getattr(process, "_process", None), "_transport", None)
    close = getattr(transport, "close", None)
    if callable(close):
        with suppress(PermissionError):
            close()


def _check_script(
    path: str | os.PathLike[str], cwd: str | os.PathLike[str] | None, server: str, command: list[str]
) -> None:
    script = Path(path)
    # A relative script is resolved by the interpreter from the server's working directory.
    if not (script if cwd is None else Path(cwd) / script).is_file():
        raise ServerNotFoundError(
            f"script not found: {os.fspath(path)!r}", filename=os.fspath(path), server=server, command=command
        )


class PythonStdioTransport(StdioTransport):
    """Run a Python server script, by default with the caller's interpreter (`sys.executable`).

    Raises `ServerNotFoundError` (a `ServerStartupError` and a `FileNotFoundError`) at
    construction when the script does not exist.
    """

    def __init__(
        self,
        script_path: str | os.PathLike[str],
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        python_cmd: str | None = None,
        keep_alive: bool = True,
        name: str | None = None,
    ) -> None:
        self.script_path = os.fspath(script_path)
        self.python_cmd = python_cmd
        command = python_cmd or sys.executable
        name = name or Path(script_path).stem
        _check_script(script_path, cwd, name, [command, self.script_path, *args])
        super().__init__(command, [self.script_path, *args], env=env, cwd=cwd, keep_alive=keep_alive, name=name)
        self.script_args = self.args[1:]

    def _repr_fields(self) -> list[str]:
        fields = [f"script_path={self.script_path!r}"]
        if self.script_args:
            fields.append(f"args={self.script_args!r}")
        if self.python_cmd:
            fields.append(f"python_cmd={self.python_cmd!r}")
        return fields + self._common_repr_fields()


class NodeStdioTransport(StdioTransport):
    """Run a JavaScript server script with Node.js.

    Raises `ServerNotFoundError` (a `ServerStartupError` and a `FileNotFoundError`) at
    construction when the script does not exist.
    """

    def __init__(
        self,
        script_path: str | os.PathLike[str],
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        node_cmd: str = "node",
        keep_alive: bool = True,
        name: str | None = None,
    ) -> None:
        self.script_path = os.fspath(script_path)
        self.node_cmd = node_cmd
        name = name or Path(script_path).stem
        _check_script(script_path, cwd, name, [node_cmd, self.script_path, *args])
        super().__init__(node_cmd, [self.script_path, *args], env=env, cwd=cwd, keep_alive=keep_alive, name=name)
        self.script_args = self.args[1:]

    def _repr_fields(self) -> list[str]:
        fields = [f"script_path={self.script_path!r}"]
        if self.script_args:
            fields.append(f"args={self.script_args!r}")
        if self.node_cmd != "node":
            fields.append(f"node_cmd={self.node_cmd!r}")
        return fields + self._common_repr_fields()


class UvxStdioTransport(StdioTransport):
    """Run a Python tool from a package with `uvx [--from pkg] [--with p]... [--python v] tool args...`."""

    def __init__(
        self,
        tool_name: str,
        tool_args: Sequence[str] = (),
        from_package: str | None = None,
        with_packages: Sequence[str] = (),
        python_version: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        keep_alive: bool = True,
        name: str | None = None,
    ) -> None:
        if isinstance(with_packages, str):
            raise TypeError(f"with_packages must be a sequence of strings, not a string: {with_packages!r}")
        self.tool_name = tool_name
        self.tool_args = list(tool_args)
        self.from_package = from_package
        self.with_packages = list(with_packages)
        self.python_version = python_version
        uvx_args: list[str] = []
        if from_package:
            uvx_args += ["--from", from_package]
        for package in self.with_packages:
            uvx_args += ["--with", package]
        if python_version:
            uvx_args += ["--python", python_version]
        uvx_args += [tool_name, *self.tool_args]
        super().__init__("uvx", uvx_args, env=env, cwd=cwd, keep_alive=keep_alive, name=name or tool_name)

    def _repr_fields(self) -> list[str]:
        fields = [f"tool_name={self.tool_name!r}"]
        if self.tool_args:
            fields.append(f"tool_args={self.tool_args!r}")
        if self.from_package:
            fields.append(f"from_package={self.from_package!r}")
        if self.with_packages:
            fields.append(f"with_packages={self.with_packages!r}")
        if self.python_version:
            fields.append(f"python_version={self.python_version!r}")
        return fields + self._common_repr_fields()


class NpxStdioTransport(StdioTransport):
    """Run an npm package's server with `npx -y package args...`."""

    def __init__(
        self,
        package: str,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        keep_alive: bool = True,
        name: str | None = None,
    ) -> None:
        self.package = package
        super().__init__("npx", ["-y", package, *args], env=env, cwd=cwd, keep_alive=keep_alive, name=name or package)
        self.package_args = self.args[2:]

    def _repr_fields(self) -> list[str]:
        fields = [f"package={self.package!r}"]
        if self.package_args:
            fields.append(f"args={self.package_args!r}")
        return fields + self._common_repr_fields()
