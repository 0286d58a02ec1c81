"""Stdio transports: run a server as a subprocess and talk over its stdin/stdout.

We spawn and plumb the process ourselves instead of using the SDK's `stdio_client`
because we need the process handle (pid, exit code for start-up errors) and must
capture stderr through a pipe: `sys.stderr` may have no file descriptor (Jupyter).

Shutdown follows the MCP spec and the SDK: close stdin, wait up to
`PROCESS_TERMINATION_TIMEOUT`, then SIGTERM and after `FORCE_KILL_TIMEOUT` SIGKILL the whole
process group (launchers such as npx/uvx leave grandchildren). It runs shielded, every wait
bounded, and is short on purpose: `close()` and Ctrl-C end the server tree within ~1 s
(a server that needs longer to clean up should do it on SIGTERM quickly, or on stdin EOF).
A server whose client process dies without shutting down is ended by the reaper (`_reaper`).

The messages themselves (JSON lines, `max_message_size`, unreadable lines) are `_framing.py`'s.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import anyio
import anyio.lowlevel
import anyio.to_thread
from anyio.abc import AsyncResource, ByteReceiveStream, Process
from anyio.streams.file import FileReadStream

from .._environment import passed_environment
from .._reaper import reaper
from .._redact import env_secrets, redacting
from .._stderr import key_lines
from ..errors import MCPClientError, ServerNotFoundError, ServerStartupError
from .base import DEFAULT_MAX_MESSAGE_SIZE, ClientTransport

if TYPE_CHECKING:
    # The mcp SDK and the framing (which needs it) are imported when a server is started, not
    # here: building a script's transport must not wait for the SDK (see `mcpclient._early`).
    from mcp.client._transport import TransportStreams
    from mcp.os.win32.utilities import FallbackProcess

    from ._framing import MessageReader

    _ServerProcess = Process | FallbackProcess

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
PROCESS_TERMINATION_TIMEOUT = 0.3
#: Time between SIGTERM and SIGKILL of the process group.
FORCE_KILL_TIMEOUT = 0.3
#: Time for the event loop to observe a kill; only an unkillable process runs this out.
_KILL_REAP_TIMEOUT = 2.0
#: After a failure with the server's stdout at EOF, how long to wait for it to exit by itself.
_EARLY_EXIT_WAIT = 0.5
#: How long to let the stderr reader catch the last lines once the process is gone.
_STDERR_DRAIN_TIMEOUT = 0.5
_EXIT_POLL_INTERVAL = 0.01
_STDERR_TAIL_LINES = 50
_STDERR_LINE_MAX = 2000
_STDERR_BUFFER_MAX = 1 << 20  # a longer stderr line is cut (only its start is logged and kept)
#: How long to wait for a server whose stdout closed to exit before saying it is still running.
_STDOUT_EOF_EXIT_WAIT = 0.8


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

    The server gets only the SDK's minimal safe environment (`PATH`, `HOME`, ...), the
    TLS-trust and proxy variables package runners need (`mcpclient._environment`), and
    `env`. Its stderr is forwarded line by line to the logger `mcpclient.server.<name>`
    at `stderr_log_level` (INFO: it is the server's own diagnostics, and DEBUG would hide
    a crashing server's traceback), and the last lines are kept in `stderr_tail`.
    `max_message_size` (bytes, default 64 MiB, None: no limit) caps one message from the server.
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
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        if isinstance(args, str):
            raise TypeError(f"args must be a sequence of strings, not a string: {args!r}")
        if max_message_size is not None and max_message_size <= 0:
            raise ValueError(f"max_message_size must be a positive number of bytes or None, not {max_message_size!r}")
        #: Longest message (one stdout line, in bytes) accepted from the server; None: no limit.
        self.max_message_size = max_message_size
        self._reader: MessageReader | None = None
        self.command = command
        self.args = [str(a) for a in args]
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.keep_alive = keep_alive
        self.name = name or _server_name(command, self.args)
        self._reset_state()

    def _reset_state(self) -> None:
        super()._reset_state()
        self.__dict__.pop("_spawn", None)  # a process adopted by `_prespawn` belongs to the original
        self._reader = None
        self._process: _ServerProcess | None = None
        self._stderr_tail: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)
        self._stdout_eof = False
        self._early_exit_code: int | None = None
        self._stopped_running = False

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
        if self._reader is not None and self._reader.fatal:
            return self._reader.fatal
        if self._stdout_eof:
            await _wait_for_exit(process, _STDOUT_EOF_EXIT_WAIT)
        code = process.returncode
        if self._stdout_eof and (code is None or self._stopped_running):
            return f"server closed its stdout but kept running (pid {process.pid}); it is stopped"
        if code is None:
            return None
        try:
            how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        except ValueError:
            how = f"exited with status {code}"
        detail = f"the server process {how}"
        if tail := key_lines(self.stderr_tail):
            detail += "; stderr:\n  " + "\n  ".join(tail)
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
        from mcp.client.stdio import get_default_environment

        if reaper.needs_start():
            await anyio.to_thread.run_sync(reaper.ensure_started)
        # The SDK's minimal safe set, the TLS-trust and proxy variables package runners need, and `env`.
        env = get_default_environment() | passed_environment() | (self.env or {})
        cwd = os.fspath(self.cwd) if self.cwd is not None else None
        try:
            if sys.platform == "win32":  # pragma: no cover
                from mcp.os.win32.utilities import create_windows_process, get_windows_executable_command

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
        _ = self._logger  # exists before `redacting` covers the loggers: stderr may echo a secret
        with redacting(env_secrets(self.env)):
            async with self._connect() as streams:
                yield streams

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[TransportStreams]:
        from mcp.os.win32.utilities import close_process_job

        from ._framing import READ_SIZE, LineBuffer, MessageReader, MessageWriter, Oversized

        self._stderr_tail = deque(maxlen=_STDERR_TAIL_LINES)
        self._stdout_eof = False
        self._early_exit_code = None
        self._stopped_running = False
        self._process = process = await self._spawn()
        # No awaits until the task group is entered, or a cancellation here would leak the process.
        if sys.platform != "win32":
            _live_groups[process.pid] = os.getpid()
            reaper.register(process.pid)  # ends the group if this process dies without shutting down
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
        reader = MessageReader(stdout, log, on_stdout_eof, on_stdout_error, self.max_message_size)
        self._reader = reader
        writer = MessageWriter(stdin, on_stdin_broken)

        async def stderr_reader() -> None:
            if stderr is None:  # pragma: no cover - always piped
                stderr_done.set()
                return
            lines = LineBuffer(_STDERR_BUFFER_MAX)

            def emit(line: bytearray | Oversized) -> None:
                raw = line.head if isinstance(line, Oversized) else line
                text = raw.decode(errors="replace").rstrip("\r")
                self._stderr_tail.append(text[:_STDERR_LINE_MAX])
                log.log(self.stderr_log_level, "%s", text)

            try:
                while True:
                    try:
                        chunk = await stderr.receive(READ_SIZE)
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
            # Still running after its grace: the exit status that follows is our signal's, not the server's.
            self._stopped_running = process.returncode is None
            await _terminate_tree(process)
            if not await _wait_for_exit(process, _KILL_REAP_TIMEOUT):
                logger.warning("server process %d is still alive after SIGKILL; abandoning it", process.pid)
            _live_groups.pop(process.pid, None)
            reaper.unregister(process.pid)
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


#: Package runners: the server is named after the package they run, not after the runner.
_LAUNCHERS = frozenset({"npx", "uvx", "bunx", "pnpx", "pipx"})
#: Options of those runners that take a value (`--from pkg`, `--python 3.12`, ...).
_LAUNCHER_VALUE_OPTIONS = frozenset({"--from", "--with", "--python", "-p", "--package", "--index", "--index-url",
                                     "--registry", "--cache", "--spec", "-c", "--call", "--userconfig"})  # fmt: skip


def _server_name(command: str, args: Sequence[str]) -> str:
    """A readable server name: the package a runner (`npx -y @scope/pkg@1`) runs, else the executable's name."""
    executable = Path(command).name
    stem = executable.lower().removesuffix(".cmd").removesuffix(".exe")
    if stem in _LAUNCHERS:
        skip = False
        for arg in args:
            if skip:
                skip = False
            elif arg == "--":
                continue
            elif arg.startswith("-"):
                skip = arg in _LAUNCHER_VALUE_OPTIONS
            else:
                return package_name(arg)
    return executable or command


def package_name(spec: str) -> str:
    """`@scope/server-x@1.2` → `server-x`; `mcp-server-time==1.0` → `mcp-server-time`."""
    name = spec.rsplit("/", 1)[-1]
    for separator in ("@", "==", ">=", "<=", "~=", "[", " "):
        name = name.split(separator, 1)[0] or name
    return name or spec


def _stderr_stream(process: _ServerProcess) -> ByteReceiveStream | None:
    from mcp.os.win32.utilities import FallbackProcess

    if isinstance(process, FallbackProcess):  # pragma: no cover - Windows selector loops only
        return FileReadStream(process.popen.stderr) if process.popen.stderr is not None else None
    return process.stderr


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
        from mcp.os.win32.utilities import terminate_windows_process_tree

        if process.returncode is None:
            await terminate_windows_process_tree(process)
    else:
        from mcp.os.posix.utilities import terminate_posix_process_tree

        assert isinstance(process, Process)
        await terminate_posix_process_tree(process, FORCE_KILL_TIMEOUT)


def _close_subprocess_transport(process: _ServerProcess) -> None:
    """Close asyncio's subprocess transport now rather than warning at GC (as the SDK does)."""
    transport = getattr(getattr(process, "_process", None), "_transport", None)
    close = getattr(transport, "close", None)
    if callable(close):
        with suppress(PermissionError):
            close()


class _ScriptTransport(StdioTransport):
    """A server script run by an interpreter: `interpreter script args...` (Python and Node)."""

    def _init_script(
        self,
        interpreter: str,
        script_path: str | os.PathLike[str],
        args: Sequence[str],
        env: Mapping[str, str] | None,
        cwd: str | os.PathLike[str] | None,
        keep_alive: bool,
        name: str | None,
        max_message_size: int | None,
    ) -> None:
        self.script_path = os.fspath(script_path)
        name = name or Path(script_path).stem
        script = Path(script_path)
        # A relative script is resolved by the interpreter from the server's working directory.
        if not (script if cwd is None else Path(cwd) / script).is_file():
            raise ServerNotFoundError(
                f"script not found: {self.script_path!r}",
                filename=self.script_path,
                server=name,
                command=[interpreter, self.script_path, *args],
            )
        StdioTransport.__init__(
            self,
            interpreter,
            [self.script_path, *args],
            env=env,
            cwd=cwd,
            keep_alive=keep_alive,
            name=name,
            max_message_size=max_message_size,
        )
        self.script_args = self.args[1:]

    def _script_repr_fields(self, interpreter_field: str | None) -> list[str]:
        fields = [f"script_path={self.script_path!r}"]
        if self.script_args:
            fields.append(f"args={self.script_args!r}")
        if interpreter_field:
            fields.append(interpreter_field)
        return fields + self._common_repr_fields()


class PythonStdioTransport(_ScriptTransport):
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
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.python_cmd = python_cmd
        command = python_cmd or sys.executable
        self._init_script(command, script_path, args, env, cwd, keep_alive, name, max_message_size)

    def _repr_fields(self) -> list[str]:
        return self._script_repr_fields(f"python_cmd={self.python_cmd!r}" if self.python_cmd else None)


class NodeStdioTransport(_ScriptTransport):
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
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.node_cmd = node_cmd
        self._init_script(node_cmd, script_path, args, env, cwd, keep_alive, name, max_message_size)

    def _repr_fields(self) -> list[str]:
        return self._script_repr_fields(f"node_cmd={self.node_cmd!r}" if self.node_cmd != "node" else None)


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
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
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
        super().__init__(
            "uvx",
            uvx_args,
            env=env,
            cwd=cwd,
            keep_alive=keep_alive,
            name=name or tool_name,
            max_message_size=max_message_size,
        )

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
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.package = package
        super().__init__(
            "npx",
            ["-y", package, *args],
            env=env,
            cwd=cwd,
            keep_alive=keep_alive,
            name=name or package_name(package),
            max_message_size=max_message_size,
        )
        self.package_args = self.args[2:]

    def _repr_fields(self) -> list[str]:
        fields = [f"package={self.package!r}"]
        if self.package_args:
            fields.append(f"args={self.package_args!r}")
        return fields + self._common_repr_fields()
