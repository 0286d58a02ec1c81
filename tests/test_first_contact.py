"""What a new user hits first (issue 15): start-up errors, the server's environment, the CLI, ..."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mcpclient import SyncClient
from mcpclient.errors import ServerStartupError
from mcpclient.transports import PythonStdioTransport

TESTS = Path(__file__).resolve().parent
SERVERS = TESTS / "servers"
ECHO = SERVERS / "transport_echo.py"
NOISY = SERVERS / "startup_noisy.py"


# ------------------------------------------------------------------------ start-up errors


@pytest.mark.timeout(60)
def test_startup_error_shows_the_lines_that_say_what_failed() -> None:
    client = SyncClient(PythonStdioTransport(NOISY))
    with pytest.raises(ServerStartupError) as info:
        client.connect()
    client.close()
    error = info.value
    assert error.exit_code == 2
    assert len(error.stderr_tail) == 28  # the full tail stays on the exception
    text = str(error)
    assert "error: Request failed after 3 retries" in text
    assert "Caused by: invalid peer certificate: UnknownIssuer" in text
    assert "hint: Consider enabling" in text  # the last lines too
    assert "Resolving dependency 0" not in text and "Cleaning up 0" not in text  # not the noise


@pytest.mark.timeout(60)
def test_cli_startup_error_shows_the_cause() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mcpclient", "tools", str(NOISY)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "invalid peer certificate: UnknownIssuer" in result.stderr, result.stderr
    assert "exit code 2" in result.stderr
    assert "Cleaning up 3" not in result.stderr


# ----------------------------------------------------------------------------- environment


@pytest.mark.timeout(60)
def test_stdio_server_gets_tls_and_proxy_variables_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    passed = {
        "SSL_CERT_FILE": "/etc/corp/ca.pem",
        "SSL_CERT_DIR": "/etc/corp/certs",
        "REQUESTS_CA_BUNDLE": "/etc/corp/ca.pem",
        "CURL_CA_BUNDLE": "/etc/corp/ca.pem",
        "NODE_EXTRA_CA_CERTS": "/etc/corp/ca.pem",
        "HTTPS_PROXY": "http://proxy.corp:3128",
        "HTTP_PROXY": "http://proxy.corp:3128",
        "NO_PROXY": "localhost,.corp",
        "no_proxy": "localhost,.corp",
        "ALL_PROXY": "socks5://proxy.corp:1080",
    }
    for name, value in passed.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "parent-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "parent-secret")
    with SyncClient(PythonStdioTransport(ECHO, env={"GIVEN": "yes"}, keep_alive=False)) as client:
        for name, value in passed.items():
            assert client.call_tool("getenv", {"name": name}).data == value, name
        assert client.call_tool("getenv", {"name": "GIVEN"}).data == "yes"
        for secret in ("AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY"):
            assert client.call_tool("getenv", {"name": secret}).data is None


# ------------------------------------------------------------------------------------- CLI


@pytest.fixture
def run_cli(cli_command: list[str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli_command, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )

    return run


@pytest.mark.timeout(120)
def test_cli_unknown_argument_key_is_an_error_listing_the_valid_keys(
    tmp_path: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    marker = tmp_path / "ran"
    result = run_cli("call", str(ECHO), "sleep", "secnds=5", f"marker={marker}")
    assert result.returncode == 2, result.stderr
    assert "unknown argument 'secnds'" in result.stderr and "valid: seconds, marker" in result.stderr
    assert not marker.exists()  # the tool never ran
    result = run_cli("call", str(ECHO), "echo", '{"text": "x", "txet": "y"}')
    assert result.returncode == 2 and "unknown argument 'txet'" in result.stderr


@pytest.mark.timeout(120)
def test_cli_takes_a_command_line_as_the_source(run_cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    result = run_cli("tools", "--json", sys.executable, str(ECHO), "--grandchild")
    assert result.returncode == 0, result.stderr
    assert "grandchild_pid" in result.stdout
    result = run_cli("ping", "--", sys.executable, str(ECHO))
    assert result.returncode == 0, result.stderr


def test_launcher_servers_are_named_after_their_package() -> None:
    from mcpclient.transports import NpxStdioTransport, StdioTransport

    assert StdioTransport("npx", ["-y", "@modelcontextprotocol/server-everything"]).name == "server-everything"
    assert StdioTransport("npx", ["@modelcontextprotocol/server-memory@2026.8.31"]).name == "server-memory"
    assert StdioTransport("uvx", ["--from", "mcp-server-time==1.0", "mcp-server-time"]).name == "mcp-server-time"
    assert StdioTransport("/usr/bin/uvx", ["--python", "3.12", "mcp-server-fetch"]).name == "mcp-server-fetch"
    assert NpxStdioTransport("@modelcontextprotocol/server-everything").name == "server-everything"
    assert StdioTransport("/usr/local/bin/my-server", ["--port", "1"]).name == "my-server"


# --------------------------------------------------------------------- fastmcp in memory


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_in_memory_fastmcp_server_delivers_progress_and_logs(mode: str) -> None:
    pytest.importorskip("fastmcp")
    from servers.fastmcp_progress import app

    progress: list[tuple[float, float | None, str | None]] = []
    logs: list[Any] = []
    client = SyncClient(
        app, mode=mode, progress_handler=lambda p, t, m: progress.append((p, t, m)), log_handler=logs.append
    )
    try:
        assert client.call_tool("work").data == "done"
    finally:
        client.close()
    assert progress == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert any("halfway there" in str(getattr(log, "data", log)) for log in logs)


# --------------------------------------------------------------------------- loop stalls


@pytest.mark.timeout(60)
def test_the_sdks_lazy_jsonschema_import_happens_off_the_loop_at_connect() -> None:
    code = f"""
import sys, threading
from mcpclient import SyncClient
assert "jsonschema" not in sys.modules, "imported too early"
importers = []
class Spy:
    def find_spec(self, name, path=None, target=None):
        if name == "jsonschema":
            importers.append(threading.current_thread().name)
        return None
sys.meta_path.insert(0, Spy())
client = SyncClient({str(ECHO)!r})
client.ping()
assert "jsonschema.validators" in sys.modules, "not imported at connect"
assert importers and not any(name.startswith("mcpclient-loop") for name in importers), importers
client.close()
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------------------- notebooks


@pytest.mark.timeout(240)
def test_notebook_tool_error_tables_and_tqdm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a real kernel: a ToolError shows the user's line and the message (no loop-thread frames),
    listing tables are left-aligned with unbroken names, and a tqdm bar leaves text in the saved notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    pytest.importorskip("tqdm")
    from jupyter_client.manager import KernelManager

    prefix = tmp_path / "jupyter-prefix"
    kernelspec.install(kernel_name="mcpclient-test", display_name="mcpclient test", prefix=str(prefix))
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    server = TESTS.parent / "examples" / "server.py"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            f"from mcpclient import SyncClient\nfrom mcpclient.notebook import tqdm_progress\n"
            f"client = SyncClient({str(server)!r})\nclient.list_tools()"
        ),
        nbformat.v4.new_code_cell("client.call_tool('divide', {'a': 1, 'b': 0})  # THE USER'S LINE"),
        nbformat.v4.new_code_cell(
            "client.call_tool('slow_count', {'n': 3}, progress_handler=tqdm_progress('counting')).data"
        ),
        nbformat.v4.new_code_cell("client.close()"),
    ]
    km = KernelManager(kernel_name="mcpclient-test", shutdown_wait_time=30)
    executor = nbclient.NotebookClient(
        notebook, km=km, timeout=120, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        executor.execute()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    listing, failing, progress, _ = notebook.cells
    html = next(o for o in listing.outputs if o.output_type == "execute_result").data["text/html"]
    assert "<th>" not in html and "<td><code>" not in html  # every cell carries its alignment
    assert 'white-space: nowrap"><code>divide</code>' in html
    [error] = [o for o in failing.outputs if o.output_type == "error"]
    assert error.ename == "ToolError" and "cannot divide by zero" in error.evalue
    traceback = "\n".join(error.traceback)
    assert "THE USER'S LINE" in traceback
    assert "mcpclient/client.py" not in traceback and "anyio" not in traceback  # no loop-thread frames
    text = "".join(o.get("text", "") for o in progress.outputs if o.output_type == "stream")
    assert "counting: 100%" in text, progress.outputs  # text in the saved notebook (a widget prints it at close)
