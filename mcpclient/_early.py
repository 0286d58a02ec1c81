"""Start a stdio server before the client's engine is imported, so both start-ups overlap.

A script's first result waits for two start-ups: importing the client (the mcp SDK, most of
a second) and the server's (its own interpreter and imports, often as long). `Client` and
`SyncClient` start a script source's server process here, first thing in their constructors;
the stdio transport adopts the process for its first connection (`offer_to`, through
`_prespawn`). `SyncClient` starts it even before it imports `Client` (`start_ahead`), then
imports the engine; `Client`, whose module does not import the SDK, has it imported on a
helper thread (`prepare_engine`) and waits for it off the event loop when it connects. This
module imports nothing heavy.

The process is adopted only if it was started exactly as the transport would start it
(command line, checked when offered; environment and working directory, checked again when the
transport spawns). Until a connection adopts it, it is this module's: it is ended when its
client closes or is collected, at interpreter exit, and `ADOPT_WINDOW` seconds after the client
was built. A forked child neither adopts nor ends it. POSIX only; `MCPCLIENT_NO_EARLY_SPAWN=1`
turns it off.
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
from ._reaper import reaper

__all__ = [
    "ADOPT_WINDOW",
    "ENGINE_MODULES",
    "EarlyServer",
    "early_command",
    "engine_imported",
    "import_engine",
    "offered_to",
    "prepare_engine",
]

_IMPORT_JOIN_TIMEOUT = 10.0  # seconds a fork waits for a background import to finish

#: How long a server started early waits for its client's first connection once the client is
#: built; then it is ended (a client built long before its first use, e.g. at import in a web
#: app, spawns afresh then).
ADOPT_WINDOW = 30.0

# The mcp SDK's `get_default_environment()` on POSIX (checked against it before adoption).
_INHERITED = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
_STDIO_OPTIONS = frozenset({"args", "env", "cwd", "python_cmd", "node_cmd", "keep_alive", "name"})
_live: weakref.WeakSet[EarlyServer] = weakref.WeakSet()
_ahead = threading.local()  # .server: started by a SyncClient for the Client it builds next

#: What a client's first connection imports that building a `Client` did not: the mcp SDK (most of
#: a client's start-up) and the modules of ours that need it.
ENGINE_MODULES = (
    "mcp",
    "mcp.client.stdio",
    "mcp.os.posix.utilities",
    "mcpclient.transports._framing",
    "mcpclient._prespawn",
)
#: What its first call imports lazily: the SDK validates tool results with jsonschema (~0.3 s).
_FIRST_CALL_MODULES = ("jsonschema",)
_engine_imported = False
_engine_preparer = 0  # pid of the process whose helper thread imports the engine
_helper_past_engine: threading.Event | None = None  # set once that helper is done with the engine


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
        self.extra_env = dict(extra_env)
        self.cwd = cwd
        self._lock = threading.Lock()
        self._state = "waiting"  # then "adopted" or "discarded", once
        self._pid = os.getpid()
        self._timer: threading.Timer | None = None
        self.env, self.popen = spawn_like_transport(command, extra_env, cwd)
        _live.add(self)
        # Guarded by the reaper from now, not only once adopted: a client process killed while it
        # imports the engine must not leave the server behind. Off this thread: the reaper's first
        # start is a fork/exec.
        threading.Thread(target=self._guard, name="mcpclient-early-guard", daemon=True).start()

    def _guard(self) -> None:
        with self._lock:
            if self._state == "waiting" and self._pid == os.getpid():
                reaper.register(self.popen.pid)  # an adopting transport registers it again (a no-op)

    @classmethod
    def start(cls, source: Any, options: Mapping[str, Any]) -> EarlyServer | None:
        """Start a script source's server now; None if not a script or the start failed (the transport reports).

        A server this thread started ahead (`start_ahead`) for the same command is taken instead.
        """
        plan = early_command(source, options)
        ahead: EarlyServer | None = getattr(_ahead, "server", None)
        if ahead is not None:
            _ahead.server = None
            if plan is not None and (ahead.command, ahead.extra_env, ahead.cwd) == plan and ahead.state == "waiting":
                return ahead
            ahead.discard()
        if plan is None:
            return None
        try:
            return cls(*plan)
        except (OSError, ValueError, subprocess.SubprocessError):
            return None

    @classmethod
    def start_ahead(cls, source: Any, options: Mapping[str, Any]) -> EarlyServer | None:
        """`start()`, for the next `start()` on this thread to take: a `SyncClient` starts the server
        before it imports `Client`, whose constructor then takes it (`drop_ahead()` if it is not built)."""
        early = cls.start(source, options)
        _ahead.server = early
        return early

    @staticmethod
    def drop_ahead() -> None:
        """End a server started ahead that no `start()` took."""
        ahead: EarlyServer | None = getattr(_ahead, "server", None)
        _ahead.server = None
        if ahead is not None:
            ahead.discard()

    @property
    def state(self) -> str:
        """`"waiting"`, `"adopted"` (a transport owns the process) or `"discarded"` (ended)."""
        return self._state

    def offer_to(self, transport: Any) -> bool:
        """Let `transport` adopt the process at its next spawn if it would start the very same one; else end it.

        The environment is compared when the transport spawns (`same_environment` needs the SDK,
        which a `Client` may not have imported yet).
        """
        same = (
            callable(getattr(type(transport), "_spawn", None))
            and getattr(transport, "command_line", None) == self.command
            and _fspath(getattr(transport, "cwd", None)) == self.cwd
        )
        if not same:
            self.discard()
            return False
        transport._spawn = _Adoption(self, transport)
        self._timer = timer = threading.Timer(ADOPT_WINDOW, self.discard)
        timer.daemon = True
        timer.name = "mcpclient-early-adopt-window"
        timer.start()
        return True

    def _stop_timer(self) -> None:
        # Adopted or ended: the window's thread goes now, not ADOPT_WINDOW seconds later.
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _claim(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._state != "waiting" or self._pid != os.getpid():
                return None
            self._state = "adopted"
            self._stop_timer()
            return self.popen

    def discard(self) -> None:
        """End the process unless a transport adopted it: pipes closed, the group terminated, the process reaped."""
        with self._lock:
            if self._state != "waiting" or self._pid != os.getpid():
                return
            self._state = "discarded"
            self._stop_timer()
        popen = self.popen
        _close_pipes(popen)
        try:
            # Nothing was asked of it yet, so nothing is left to finish: no grace period.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if popen.poll() is not None:
                    return
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(popen.pid, sig)  # the whole group: launchers leave grandchildren
                with contextlib.suppress(subprocess.TimeoutExpired):
                    popen.wait(1.0)
                    return
        finally:
            reaper.unregister(popen.pid)

    def _forget_in_child(self) -> None:
        # The parent owns the process; a forked child only drops its copies of the pipes. The lock
        # may have been held at the fork by a thread the child does not have (the reaper guard).
        self._lock = threading.Lock()
        self._timer = None  # the parent's thread; not in this process
        self._state = "discarded"
        _close_pipes(self.popen)
        self.popen.returncode = 0  # not this process's child: never wait for it


class _Adoption:
    """A transport's `_spawn` while a process started early waits for it: its first spawn adopts the process."""

    def __init__(self, early: EarlyServer, transport: Any) -> None:
        self.early = early
        self.transport = transport

    async def __call__(self) -> Any:
        transport, early = self.transport, self.early
        transport.__dict__.pop("_spawn", None)  # reconnections use the class's own spawn
        if early.state == "waiting" and not same_environment(transport, early.env):
            import anyio.to_thread

            await anyio.to_thread.run_sync(early.discard)
        popen = early._claim()
        if popen is None:  # ended (window over, client closed, another environment): start one as usual
            return await type(transport)._spawn(transport)
        from ._prespawn import _adopt

        return await _adopt(popen)


def offered_to(transport: Any) -> EarlyServer | None:
    """The process started early that `transport` would adopt at its next spawn, if any."""
    adoption = vars(transport).get("_spawn") if hasattr(transport, "__dict__") else None
    return adoption.early if isinstance(adoption, _Adoption) else None


def prepare_engine() -> None:
    """Import what a client's first connection and call need, on a helper thread, unless done or under way.

    `Client.__init__` calls it: the SDK is imported while the server boots, and the event loop
    only waits for it (`import_engine` in a worker thread) when the client connects. Then the
    helper imports what the first tool call needs (jsonschema; on the loop thread it would block it).
    """
    global _engine_preparer, _helper_past_engine
    missing = [name for name in (*ENGINE_MODULES, *_FIRST_CALL_MODULES) if name not in sys.modules]
    if not missing or _engine_preparer == os.getpid():
        return
    _engine_preparer = os.getpid()
    _helper_past_engine = past_engine = threading.Event()
    thread = threading.Thread(target=_prepare, args=(past_engine,), daemon=True)
    _importers.append(thread)
    thread.start()


def _prepare(past_engine: threading.Event) -> None:
    try:
        with contextlib.suppress(Exception):  # an error is left for the import where the module is needed
            _import_engine()
    finally:
        past_engine.set()
    _import_quietly(*_FIRST_CALL_MODULES)


def import_engine() -> None:
    """Import the engine now (blocking). While the helper thread imports it, this waits for the
    helper (holding no import lock meanwhile, so a fork from elsewhere finds none held here)."""
    if _helper_past_engine is not None:
        _helper_past_engine.wait()
    _import_engine()


def _import_engine() -> None:
    global _engine_imported
    for name in ENGINE_MODULES:
        importlib.import_module(name)
    _engine_imported = True


def engine_imported() -> bool:
    """Whether `import_engine()` has completed in this process (cheap: a flag)."""
    return _engine_imported


_importers: list[threading.Thread] = []


def _import_quietly(*modules: str) -> None:
    for module in modules:
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
