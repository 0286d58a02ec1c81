"""Fixtures for the fault-injection tests.

    fault_stdio_script   Path of tests/servers/fault_stdio.py (a raw JSON-lines server; see its docstring)
    fault_http_base      base URL of tests/servers/fault_http.py, shared by the session: the first path
                         segment picks the misbehaviour (`{base}/status-401/mcp`, `{base}/sse-no-endpoint/sse`)
    client               "async" or "sync": build clients with `interop.clients.make_client(client, ...)`
    observe_error        `observe_error(exc)` records the error a user got, for docs/compatibility.md

Fault tests are marked `@pytest.mark.fault(case=..., transport=..., error=...)` (recorded by the
plugin in tests/interop/compat.py) and check four things: the right typed error, within its
timeout (no hang), no process left behind (`no_new_children`), and a client that works again
in the next context.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import SERVERS_DIR, ServerProcess
from helpers import wait_for
from interop.clients import CLIENT_KINDS, close_leftover_clients
from interop.compat import register

FAULT_STDIO = SERVERS_DIR / "fault_stdio.py"
FAULT_HTTP = SERVERS_DIR / "fault_http.py"


def pytest_configure(config: pytest.Config) -> None:
    register(config)


@pytest.fixture(autouse=True)
def _close_leftover_clients() -> Iterator[None]:
    """Clients a failed test left open are closed (a kept-alive server must not outlive its test)."""
    yield
    close_leftover_clients()


@pytest.fixture(params=CLIENT_KINDS)
def client(request: pytest.FixtureRequest) -> str:
    """The client face under test: "async" (`Client`) or "sync" (`SyncClient`, driven from a worker thread)."""
    return str(request.param)


@pytest.fixture(scope="session")
def fault_stdio_script() -> Path:
    return FAULT_STDIO


class _FaultHttpServer(ServerProcess):
    """fault_http.py in its own process group (reuses the root conftest's process handling)."""

    def start(self, port: int | None = None) -> _FaultHttpServer:
        self._port_file.unlink(missing_ok=True)
        with self._stderr_path.open("ab") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, str(FAULT_HTTP), "--port-file", str(self._port_file)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=self._workdir,
                start_new_session=True,
            )
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"fault_http.py exited with {proc.returncode}:\n{self.stderr_text()[-2000:]}")
            return self._port_file.exists()

        wait_for(ready, 30, message="fault_http.py did not start")
        self.port = int(self._port_file.read_text())
        return self


@pytest.fixture(scope="session")
def fault_http_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = _FaultHttpServer("http", tmp_path_factory.mktemp("fault-http"))
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture
def observe_error(record_property: Callable[[str, object], None]) -> Callable[[BaseException], None]:
    """Record the exception a user got (type and first line of the message) for the compatibility table."""

    def observe(exc: BaseException) -> None:
        record_property("compat.observed", type(exc).__name__)
        lines = str(exc).strip().splitlines()
        record_property("compat.message", lines[0][:240] if lines else "")

    return observe
