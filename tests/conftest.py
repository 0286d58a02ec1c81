"""Fixtures every test can use.

Servers
    everything_server     a fresh in-memory `MCPServer` (tests/servers/everything.py), per test
    everything_script     Path of tests/servers/everything.py (run it over stdio)
    startup_fail_script   Path of a stdio server that prints "boom: bad config" and exits 3
    slow_start_script     Path of a stdio server that never answers (pass --ignore-sigterm to
                          make it ignore SIGTERM too)
    http_server / http_url    the everything server over Streamable HTTP in a subprocess, shared
                              by the session; `http_url` is "http://127.0.0.1:PORT/mcp"
    sse_server / sse_url      the same over SSE; `sse_url` is "http://127.0.0.1:PORT/sse"
    start_http_server     factory for a private server (for tests that kill or crash it):
                          `start_http_server("http" | "sse", *extra_args) -> ServerProcess`

    The shared servers are restarted (on the same port when it is free) if a test crashed them,
    so `http_url`/`sse_url` always point at a live server; still, prefer `start_http_server()`
    for tests that call the `crash` tool or kill the server.

Scripts
    zygote                `zygote(script, *args) -> list[str]`: the command line that runs `python script
                          args...` in a fork of an interpreter that already imported mcpclient and the
                          SDK (tests/zygote.py; one per session, started on first use). For tests that
                          run many short client scripts; `MCPCLIENT_TESTS_NO_ZYGOTE=1` gives plain
                          `[sys.executable, script, *args]`.

Processes
    no_leaked_processes   (autouse, session) fails the run if child processes of pytest remain,
                          or zombies, once every fixture has been torn down
    no_new_children       (opt-in, per test) fails the test if it leaves new child processes

Everything runs under pytest-timeout; async tests use `@pytest.mark.anyio` (asyncio backend).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

TESTS_DIR = Path(__file__).resolve().parent
SERVERS_DIR = TESTS_DIR / "servers"
if str(TESTS_DIR) not in sys.path:  # `import helpers` / `from servers.everything import ...`
    sys.path.insert(0, str(TESTS_DIR))

from helpers import (  # noqa: E402
    children_pids,
    describe_pids,
    pid_alive,
    wait_for,
    wait_for_exit,
    zombie_children,
)

ZYGOTE_SCRIPT = TESTS_DIR / "zygote.py"
EVERYTHING_SCRIPT = SERVERS_DIR / "everything.py"
STARTUP_FAIL_SCRIPT = SERVERS_DIR / "startup_fail.py"
SLOW_START_SCRIPT = SERVERS_DIR / "slow_start.py"

ServerKind = Literal["http", "sse"]
_START_TIMEOUT = 30.0  # importing the SDK in a fresh interpreter takes ~1 s; leave room for slow CI
_STOP_GRACE = 3.0


# --------------------------------------------------------------------------------- basics


def pytest_configure(config: pytest.Config) -> None:
    # The everything server uses features 2026-07-28 deprecates (ctx.log, legacy notifications),
    # and the SDK calls its own deprecated helpers internally. Hide only warnings raised from
    # those modules; a deprecated SDK call made by mcpclient or by a test still warns.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore::mcp.shared.exceptions.MCPDeprecationWarning:((tests\.)?servers\.everything|mcp\.)",
    )


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def everything_script() -> Path:
    return EVERYTHING_SCRIPT


@pytest.fixture(scope="session")
def startup_fail_script() -> Path:
    return STARTUP_FAIL_SCRIPT


@pytest.fixture(scope="session")
def slow_start_script() -> Path:
    return SLOW_START_SCRIPT


@pytest.fixture
def everything_server() -> Any:
    """A fresh in-memory everything server (an `MCPServer`)."""
    from servers.everything import build_server

    return build_server()


# ----------------------------------------------------------------------------- HTTP servers


class ServerProcess:
    """The everything server over HTTP in a subprocess of its own (own process group).

    `url` is the MCP endpoint (`.../mcp` or `.../sse`); `stderr_text()` is what the server
    wrote to stderr so far (e.g. "cancelled sleep"); `stop()` ends its process tree.
    """

    def __init__(self, kind: ServerKind, workdir: Path, extra_args: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.extra_args = extra_args
        self._workdir = workdir
        self._stderr_path = workdir / f"{kind}-server.stderr"
        self._port_file = workdir / f"{kind}-server.port"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<ServerProcess {self.kind} {self.url if self.port else 'not started'} pid={self.pid}>"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/{'sse' if self.kind == 'sse' else 'mcp'}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self) -> str:
        try:
            return self._stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self, port: int | None = None) -> ServerProcess:
        """Start (again) on `port` (default: the previous port, else an ephemeral one)."""
        if self.is_running():
            return self
        port = self.port if port is None else port
        self._port_file.unlink(missing_ok=True)
        with self._stderr_path.open("ab") as stderr:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    str(EVERYTHING_SCRIPT),
                    f"--{self.kind}",
                    str(port),
                    "--port-file",
                    str(self._port_file),
                    *self.extra_args,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=self._workdir,
                start_new_session=os.name == "posix",  # own process group: killpg ends its tree
            )
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} everything server exited with {proc.returncode} during start-up; "
                    f"stderr:\n{self.stderr_text()[-2000:]}"
                )
            return self._port_file.exists()

        try:
            wait_for(ready, _START_TIMEOUT, message=lambda: f"{self.kind} server did not start")
        except BaseException:
            self.stop()
            raise
        self.port = int(self._port_file.read_text())
        return self

    def ensure_running(self) -> ServerProcess:
        """Restart the server if a test crashed or killed it (same port when possible)."""
        if self.is_running():
            return self
        self._reap()
        try:
            return self.start()
        except RuntimeError:
            # The old port may be taken meanwhile: fall back to a fresh ephemeral one.
            return self.start(port=0)

    def kill(self) -> None:
        """SIGKILL the whole server process group at once (no graceful shutdown)."""
        self._signal(signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
        self._reap()

    def stop(self) -> None:
        """Terminate the process tree, then kill it after a grace period; always reaps."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(_STOP_GRACE)
        # Kill leftovers of the group even when the leader already exited.
        self._signal(signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
        self._reap()

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            if os.name == "posix":
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _reap(self) -> None:
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


_shared_servers: list[ServerProcess] = []


def _shared_server(kind: ServerKind, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(kind, tmp_path_factory.mktemp(f"{kind}-server")).start(port=0)
    _shared_servers.append(server)
    try:
        yield server
    finally:
        server.stop()
        _shared_servers.remove(server)


@pytest.fixture(scope="session")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The session's shared Streamable HTTP everything server (use `http_url` in tests)."""
    yield from _shared_server("http", tmp_path_factory)


@pytest.fixture(scope="session")
def sse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The session's shared SSE everything server (use `sse_url` in tests)."""
    yield from _shared_server("sse", tmp_path_factory)


@pytest.fixture
def http_url(http_server: ServerProcess) -> str:
    """URL of the shared Streamable HTTP everything server: http://127.0.0.1:PORT/mcp."""
    return http_server.ensure_running().url


@pytest.fixture
def sse_url(sse_server: ServerProcess) -> str:
    """URL of the shared SSE everything server: http://127.0.0.1:PORT/sse."""
    return sse_server.ensure_running().url


@pytest.fixture
def start_http_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Factory for private everything servers, stopped after the test.

    `start_http_server()` -> Streamable HTTP; `start_http_server("sse")` -> SSE; extra
    arguments go to the server (e.g. "--json-response", "--stateless").
    """
    started: list[ServerProcess] = []

    def start(kind: ServerKind = "http", *extra_args: str) -> ServerProcess:
        workdir = tmp_path / f"server-{len(started)}"
        workdir.mkdir()
        server = ServerProcess(kind, workdir, tuple(extra_args))
        started.append(server)
        return server.start(port=0)

    yield start
    for server in started:
        server.stop()


# ---------------------------------------------------------------------------------- scripts

_zygotes: list[subprocess.Popen[bytes]] = []


@pytest.fixture(scope="session")
def zygote() -> Iterator[Callable[..., list[str]]]:
    """`zygote(script, *args)`: a command line running `python script args...` as a fork of a
    preloaded interpreter (see tests/zygote.py); the zygote starts on first use, ends with the session."""
    workdir = Path(tempfile.mkdtemp(prefix="mcz-"))  # short: a socket path has at most 107 bytes
    sock = workdir / "z.sock"

    def command(script: str | os.PathLike[str], *args: str) -> list[str]:
        if os.environ.get("MCPCLIENT_TESTS_NO_ZYGOTE") or not (
            hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")
        ):
            return [sys.executable, os.fspath(script), *args]
        if not _zygotes:
            stderr_path = workdir / "zygote.stderr"
            with stderr_path.open("wb") as stderr:
                proc = subprocess.Popen(
                    [sys.executable, str(ZYGOTE_SCRIPT), "serve", str(sock)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            _zygotes.append(proc)

            def ready() -> bool:
                if proc.poll() is not None:
                    raise RuntimeError(f"tests/zygote.py exited: {stderr_path.read_text()[-2000:]}")
                return Path(f"{sock}.ready").exists()

            wait_for(ready, _START_TIMEOUT, message="tests/zygote.py did not start")
        return [sys.executable, "-I", "-S", str(ZYGOTE_SCRIPT), "run", str(sock), os.fspath(script), *args]

    yield command
    while _zygotes:
        proc = _zygotes.pop()
        proc.terminate()
        try:
            proc.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def cli_command(zygote: Callable[..., list[str]]) -> list[str]:
    """The command line of `python -m mcpclient`, run in a fork of the preloaded interpreter
    (tests/cli_main.py in the zygote): each run its own process with its own servers, minus ~1 s of imports."""
    return zygote(TESTS_DIR / "cli_main.py")


# -------------------------------------------------------------------------------- processes


def _shared_server_pids() -> set[int]:
    return {s.pid for s in _shared_servers if s.pid is not None} | {z.pid for z in _zygotes}


def _check_children(before: set[int], when: str) -> None:
    """Fail if children other than `before` (and the shared servers) run after a 5 s grace,
    or if any new child is a zombie (exited but never waited for)."""
    allowed = before | _shared_server_pids()

    def leftovers() -> set[int]:
        return {pid for pid in children_pids() if pid not in allowed and pid_alive(pid)}

    with contextlib.suppress(AssertionError):
        wait_for_exit(leftovers(), timeout=5.0)
    running = leftovers()
    zombies = zombie_children() - before
    problems = []
    if running:
        problems.append(f"child processes still running {when}:\n{describe_pids(running)}")
    if zombies:
        problems.append(f"zombie child processes (exited, never reaped) {when}:\n{describe_pids(zombies)}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def no_leaked_processes() -> Iterator[None]:
    """After the whole session: no child process of pytest may remain, nor any zombie child."""
    before = children_pids()
    yield
    _check_children(before, "after the test session")


@pytest.fixture
def no_new_children() -> Iterator[None]:
    """Opt-in per test: the test must not leave new child processes (or zombies) behind.

    Children that exist before the test (shared fixture servers, kept-alive sessions of
    module-scoped clients) are ignored; new ones get 5 s to exit after the test.
    """
    before = children_pids()
    yield
    _check_children(before, "after the test")
