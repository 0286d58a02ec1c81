"""Start a stdio server before the client's engine is imported, so both start-ups overlap.

A script's first result waits for two start-ups: importing the client (the mcp SDK, most of
a second) and the server's (its own interpreter and imports, often as long). `SyncClient`
starts a script source's server process here, first thing in its constructor, and only then
imports and builds the engine; the stdio transport adopts the process for its first
connection (`offer_to`, through `_prespawn`). This module imports nothing heavy.

The process is adopted only if it was started exactly as the transport would start it
(command line, environment, working directory). Until a connection adopts it, it is this
module's: it is ended when its client closes or is collected, at interpreter exit, and
`ADOPT_WINDOW` seconds after the client was built. A forked child neither adopts nor ends it.
POSIX only; `MCPCLIENT_NO_EARLY_SPAWN=1` turns it off.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Mapping
from typing import Any

from ._environment import passed_environment

__all__ = ["ADOPT_WINDOW", "EarlyServer", "early_command"]

_IMPORT_JOIN_TIMEOUT = 10.0  # seconds a fork waits for a background import to finish

#: How long a server started early waits for its client's first connection once the client is
#: built; then it is ended (a client built long before its first use, e.g. at import in a web
#: app, spawns afresh then).
ADOPT_WINDOW = 30.0

# The mcp SDK's `get_default_environment()` on POSIX (checked against it before adoption).
_INHERITED = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
_STDIO_OPTIONS = frozenset({"args", "env", "cwd", "python_cmd", "node_cmd", "keep_alive", "name"})
_live: weakref.WeakSet[EarlyServer] = weakref.WeakSet()


def early_command(source: Any, options: Mapping[str, Any]) -> tuple[list[str], dict[str, str], str | None] | None:
    """The (command line, extra env, cwd) a `.py`/`.js` script source would be started with, else None.

    Mirrors `PythonStdioTransport`/`NodeStdioTransport`; `EarlyServer.offer_to` checks the
    real transport before adopting, so a mismatch here costs only the early start.
    """
    if sys.platform == "win32" or os.environ.get("MCPCLIENT_NO_EARLY_SPAWN", "0") != "0":
        return None
    if not isinstance(source, str | os.PathLike) or not set(options) <= _STDIO_OPTIONS:
        return None
    path = os.fspath(source)
    if not isinstance(path, str) or "://" in path:
        return None
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".py" and "node_cmd" not in options:
        command = options.get("python_cmd") or sys.executable
    elif suffix == ".js" and "python_cmd" not in options:
        command = options.get("node_cmd") or "node"
    else:
        return None
    cwd = options.get("cwd")
    cwd = os.fspath(cwd) if cwd is not None else None
    if not os.path.isfile(path if cwd is None else os.path.join(cwd, path)):
        return None  # the transport raises ServerNotFoundError
    args = options.get("args") or ()
    env = options.get("env") or {}
    if isinstance(args, str) or not isinstance(env, Mapping):
        return None
    return [str(command), path, *(str(a) for a in args)], {str(k): str(v) for k, v in env.items()}, cwd


def spawn_like_transport(
    command: list[str], extra_env: Mapping[str, str], cwd: str | None
) -> tuple[dict[str, str], subprocess.Popen[bytes]]:
    """Start a stdio server as `StdioTransport` would (same environment, own process group): (env, process)."""
    base = {k: v for k in _INHERITED if (v := os.environ.get(k)) is not None and not v.startswith("()")}
    env = base | passed_environment() | dict(extra_env)
    popen = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,  # its own process group, as the transport's servers
    )
    return env, popen


def same_environment(transport: Any, env: Mapping[str, str]) -> bool:
    """Whether `transport` would give its server exactly `env` (checked before adopting a process)."""
    from mcp.client.stdio import get_default_environment

    return get_default_environment() | passed_environment() | (getattr(transport, "env", None) or {}) == env


class EarlyServer:
    """A stdio server process started before its client's transport exists."""

    def __init__(self, command: list[str], extra_env: Mapping[str, str], cwd: str | None) -> None:
        self.command = command
        self.cwd = cwd
        self._lock = threading.Lock()
        self._state = "waiting"  # then "adopted" or "discarded", once
        self._pid = os.getpid()
        self.env, self.popen = spawn_like_transport(command, extra_env, cwd)
        _live.add(self)

    @classmethod
    def start(cls, source: Any, options: Mapping[str, Any]) -> EarlyServer | None:
        """Start a script source's server now; None if not a script or the start failed (the transport reports)."""
        plan = early_command(source, options)
        if plan is None:
            return None
        try:
            return cls(*plan)
        except (OSError, ValueError, subprocess.SubprocessError):
            return None

    @property
    def state(self) -> str:
        """`"waiting"`, `"adopted"` (a transport owns the process) or `"discarded"` (ended)."""
        return self._state

    def offer_to(self, transport: Any) -> bool:
        """Let `transport` adopt the process at its next spawn if it would start the very same one; else end it."""
        same = (
            callable(getattr(type(transport), "_spawn", None))
            and getattr(transport, "command_line", None) == self.command
            and same_environment(transport, self.env)
            and _fspath(getattr(transport, "cwd", None)) == self.cwd
        )
        if not same:
            self.discard()
            return False

        async def spawn() -> Any:
            transport.__dict__.pop("_spawn", None)  # reconnections use the class's own spawn
            popen = self._claim()
            if popen is None:  # ended meanwhile (window over, client closed): start one as usual
                return await type(transport)._spawn(transport)
            from ._prespawn import _adopt

            return await _adopt(popen)

        transport._spawn = spawn
        timer = threading.Timer(ADOPT_WINDOW, self.discard)
        timer.daemon = True
        timer.start()
        if "jsonschema" not in sys.modules:
            # The SDK imports jsonschema on the first call to a tool with an output schema (~0.3 s),
            # on the loop thread. Importing it now, while the client waits for the server to boot,
            # takes it off the path to the first result.
            _start_import("jsonschema")
        return True

    def _claim(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._state != "waiting" or self._pid != os.getpid():
                return None
            self._state = "adopted"
            return self.popen

    def discard(self) -> None:
        """End the process unless a transport adopted it: pipes closed, the group terminated, the process reaped."""
        with self._lock:
            if self._state != "waiting" or self._pid != os.getpid():
                return
            self._state = "discarded"
        popen = self.popen
        _close_pipes(popen)
        # Nothing was asked of it yet, so nothing is left to finish: no grace period.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if popen.poll() is not None:
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(popen.pid, sig)  # the whole group: launchers leave grandchildren
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(1.0)
                return

    def _forget_in_child(self) -> None:
        # The parent owns the process; a forked child only drops its copies of the pipes.
        self._state = "discarded"
        _close_pipes(self.popen)
        self.popen.returncode = 0  # not this process's child: never wait for it


_importers: list[threading.Thread] = []


def _start_import(module: str) -> None:
    thread = threading.Thread(target=_import_quietly, args=(module,), daemon=True)
    _importers.append(thread)
    thread.start()


def _import_quietly(module: str) -> None:
    with contextlib.suppress(Exception):
        importlib.import_module(module)


def _finish_imports_before_fork() -> None:
    # A child forked while a thread holds an import lock deadlocks on its first import of that
    # module (e.g. a ProcessPoolExecutor started right after building a SyncClient): let it finish.
    while _importers:
        _importers.pop().join(_IMPORT_JOIN_TIMEOUT)


def _close_pipes(popen: subprocess.Popen[bytes]) -> None:
    for pipe in (popen.stdin, popen.stdout, popen.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _fspath(path: Any) -> str | None:
    return None if path is None else os.fspath(path)


def _after_fork_in_child() -> None:
    for early in list(_live):
        if early._state == "waiting":
            early._forget_in_child()


if sys.platform != "win32":
    os.register_at_fork(before=_finish_imports_before_fork, after_in_child=_after_fork_in_child)
