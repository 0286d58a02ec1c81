"""Fixtures for the interoperability tests: third-party servers, installed on first use.

Installs
    npm_modules       `.cache/npm/node_modules` with the pinned npm packages (`_install.NPM_PACKAGES`)
    pypi_venv         `.cache/pypi/venv` with `mcp-server-time` and `uv` (`_install.PYPI_PACKAGES`)
    uvx_env           environment for `UvxStdioTransport` (uvx on PATH, cache in `.cache/uv`, warmed)
    node_env          `{"NODE_PATH": ...}` for our own `.js` servers (NodeStdioTransport passes a
                      minimal environment, so NODE_PATH must be given through `env=`)

    A registry that cannot be reached skips the test ("npm registry unreachable: ..."); any other
    install failure fails it. The first test that installs gets a long timeout (see
    `pytest_collection_modifyitems`); later ones find the cache warm.

Servers
    everything_js         Path of `@modelcontextprotocol/server-everything`'s `dist/index.js`
    everything_js_sse     URL of a session-shared SSE instance (`.../sse`)
    everything_js_http    URL of a session-shared Streamable HTTP instance (`.../mcp`)

Clients
    `make_client(kind, source, **options)` builds a `Client` ("async") or a `SyncClient` ("sync")
    wrapped in `AsyncFacade`, so one async test body covers both faces. The facade runs every
    blocking call in a worker thread (a plain thread, as in a script), never on the test's loop.

    Modules that test many features share one connection per transport x face: they define a
    module-scoped `shared` fixture (a `Shared(client, Hooks())`, every handler routed through
    `Hooks`, so every capability is declared); tests take `c` (the client) and `hooks` (set the
    handlers the test needs; reset around each test).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_for

from . import _install
from .clients import CLIENT_KINDS, Hooks, Shared, close_leftover_clients
from .compat import register

_START_TIMEOUT = 30.0
_INSTALL_TEST_TIMEOUT = 900  # seconds: the first test that installs packages

_NPM_FIXTURES = {
    "npm_modules",
    "node_env",
    "everything_js",
    "everything_js_sse",
    "everything_js_http",
}
_PYPI_FIXTURES = {"pypi_venv", "uvx_env", "time_server_command"}


def pytest_configure(config: pytest.Config) -> None:
    register(config)


@pytest.fixture(autouse=True)
def _close_leftover_clients() -> Iterator[None]:
    """Clients a failed test left open are closed (a kept-alive server must not outlive its test)."""
    yield
    close_leftover_clients()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give tests that may have to install packages a long timeout while the cache is cold."""
    npm_cold = not _install.npm_is_installed()
    pypi_cold = not _install.pypi_is_installed()
    if not (npm_cold or pypi_cold):
        return
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if (npm_cold and names & _NPM_FIXTURES) or (pypi_cold and names & _PYPI_FIXTURES):
            item.add_marker(pytest.mark.timeout(_INSTALL_TEST_TIMEOUT))


def _install_or_skip(fn: Callable[[], Any], what: str) -> Any:
    try:
        return fn()
    except _install.RegistryUnreachable as exc:
        pytest.skip(f"{what} registry unreachable: {exc}")
    except _install.InstallFailed as exc:
        if "is not on PATH" in str(exc) or "is not installed" in str(exc):
            pytest.skip(str(exc))
        pytest.fail(f"installing {what} packages failed: {exc}", pytrace=False)


# ------------------------------------------------------------------------------------ installs


@pytest.fixture(scope="session")
def npm_modules() -> Path:
    """`.cache/npm/node_modules` with the pinned npm packages."""
    return _install_or_skip(_install.ensure_npm_packages, "npm")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def node_env(npm_modules: Path) -> dict[str, str]:
    """`env=` for NodeStdioTransport so our `.js` servers find the SDK in the cache."""
    return {"NODE_PATH": str(npm_modules)}


@pytest.fixture(scope="session")
def pypi_venv() -> Path:
    """`.cache/pypi/venv` with mcp-server-time and uv."""
    return _install_or_skip(_install.ensure_pypi_packages, "PyPI")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def time_server_command(pypi_venv: Path) -> list[str]:
    """Command line of the installed `mcp-server-time` (fixed timezone for stable answers)."""
    return [str(_install.venv_bin("mcp-server-time")), "--local-timezone", "UTC"]


@pytest.fixture(scope="session")
def uvx_env(pypi_venv: Path) -> dict[str, str]:
    """`env=` for UvxStdioTransport: uvx on PATH, its cache in .cache/uv, already warmed."""
    version = _install.PYPI_PACKAGES["mcp-server-time"]
    _install_or_skip(functools.partial(_install.ensure_uvx_tool, "mcp-server-time", version), "PyPI")
    return _install.uv_env()


# ------------------------------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def everything_js(npm_modules: Path) -> Path:
    path = _install.everything_js()
    assert path.is_file(), f"server-everything entry point missing: {path}"
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class NodeServer:
    """`server-everything` over HTTP in its own process group (it reads its port from $PORT)."""

    def __init__(self, script: Path, kind: str, log_path: Path) -> None:
        self.script = script
        self.kind = kind  # "sse" | "streamableHttp"
        self.log_path = log_path
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{'sse' if self.kind == 'sse' else 'mcp'}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> NodeServer:
        for _attempt in range(3):  # the free port may be taken between probe and bind: retry
            self.port = _free_port()
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    ["node", str(self.script), self.kind],
                    env={**os.environ, "PORT": str(self.port)},
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            proc = self.proc

            def ready(proc: subprocess.Popen[bytes] = proc) -> bool:
                return proc.poll() is not None or _accepts(self.port)

            wait_for(
                ready, _START_TIMEOUT, message=lambda: f"{self.kind} server did not start:\n{self.log_text()[-2000:]}"
            )
            if proc.poll() is None:
                return self
        raise RuntimeError(f"server-everything {self.kind} did not start:\n{self.log_text()[-2000:]}")

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(3)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group
        proc.wait()


@pytest.fixture(scope="session")
def everything_js_sse(everything_js: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = NodeServer(everything_js, "sse", tmp_path_factory.mktemp("js-sse") / "server.log").start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def everything_js_http(everything_js: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = NodeServer(everything_js, "streamableHttp", tmp_path_factory.mktemp("js-http") / "server.log").start()
    try:
        yield server.url
    finally:
        server.stop()


# ------------------------------------------------------------------------------------- clients


@pytest.fixture(params=CLIENT_KINDS)
def client(request: pytest.FixtureRequest) -> str:
    """The client face under test: "async" (`Client`) or "sync" (`SyncClient`)."""
    return str(request.param)


@pytest.fixture
def hooks(shared: Shared) -> Iterator[Hooks]:
    """The shared client's handlers, reset before and after the test (needs a module's `shared`)."""
    shared.hooks.reset()
    yield shared.hooks
    shared.hooks.reset()


@pytest.fixture
def c(shared: Shared, hooks: Hooks) -> Any:
    """The module's shared, connected client (`Client`, or `SyncClient` behind `AsyncFacade`)."""
    return shared.client
