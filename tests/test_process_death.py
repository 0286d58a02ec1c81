"""No server outlives its client process, however that process ends (SPEC §9).

A client process (tests/servers/client_holder.py, or a Flask app under the `--debug` reloader)
holds SyncClients to stdio servers; the test ends it the hard way (SIGKILL, or SIGINT to the
reloader, which SIGKILLs the app process) and checks that the whole server tree is gone
within 3 s: servers that exit when stdin closes, servers that do not, servers (and their
grandchildren) that ignore SIGTERM. The per-process reaper (mcpclient/_reaper.py)
does it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import descendant_pids, describe_pids, pid_alive, wait_for, wait_for_exit

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")

TESTS = Path(__file__).resolve().parent
SERVERS = TESTS / "servers"
ECHO = SERVERS / "transport_echo.py"
HOLDER = SERVERS / "client_holder.py"
EXAMPLES = TESTS.parent / "examples"

#: Servers a user may hold: an ordinary Python server, one that does not exit when its stdin
#: closes, one that (with its grandchild) ignores SIGTERM and lingers.
PYTHON_SERVERS: list[dict[str, Any]] = [
    {"command": sys.executable, "args": [str(ECHO)]},
    {"command": sys.executable, "args": [str(ECHO), "--linger"]},
    {"command": sys.executable, "args": [str(ECHO), "--ignore-sigterm", "--grandchild", "--linger"]},
]


def start_holder(specs: list[dict[str, Any]], *extra: str) -> tuple[subprocess.Popen[str], list[int]]:
    """Start a client process holding `specs`; return it and its servers' pids once connected."""
    proc = subprocess.Popen(
        [sys.executable, str(HOLDER), json.dumps(specs), *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        pytest.fail(f"the client process exited with {proc.returncode} before connecting")
    return proc, json.loads(line)["pids"]


def assert_tree_gone(tree: set[int], within: float, started: float) -> float:
    """Wait until every pid of `tree` is gone; return how long it took from `started`."""
    try:
        wait_for_exit(tree, within)
    finally:
        leftovers = {pid for pid in tree if pid_alive(pid)}
        for pid in leftovers:  # do not leak them into other tests
            os.kill(pid, signal.SIGKILL)
    return time.monotonic() - started


@pytest.mark.timeout(60)
def test_sigkill_of_the_client_process_ends_every_server() -> None:
    proc, pids = start_holder(PYTHON_SERVERS)
    tree = descendant_pids(proc.pid)
    assert set(pids) <= tree and len(tree) > len(pids), describe_pids(tree)  # servers, grandchild (and reaper)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    started = time.monotonic()
    took = assert_tree_gone(tree, 3.0, started)
    print(f"server tree gone {took:.2f} s after SIGKILL of the client")


@pytest.mark.timeout(60)
def test_sigterm_of_the_client_process_ends_every_server() -> None:
    proc, _pids = start_holder(PYTHON_SERVERS[1:])
    tree = descendant_pids(proc.pid)
    os.kill(proc.pid, signal.SIGTERM)  # default action: the process dies, no atexit runs
    proc.wait()
    assert_tree_gone(tree, 3.0, time.monotonic())


@pytest.mark.timeout(60)
def test_a_closed_client_unregisters_its_server_from_the_reaper() -> None:
    """A server ended by `close()` is forgotten: the reaper never signals a reused process group."""
    from mcpclient import SyncClient
    from mcpclient._reaper import reaper
    from mcpclient.transports import PythonStdioTransport

    client = SyncClient(PythonStdioTransport(ECHO))
    client.ping()
    pid = client.transport.pid
    assert pid in reaper._groups and reaper.pid is not None and pid_alive(reaper.pid)
    client.close()
    assert pid not in reaper._groups


@pytest.mark.timeout(90)
def test_flask_debug_reloader_interrupted_leaves_no_server(tmp_path: Path) -> None:
    """`flask run --debug`, Ctrl-C to the reloader: it SIGKILLs the app process, whose servers must end."""
    pytest.importorskip("flask")
    servers = {"mcpServers": {"echo": PYTHON_SERVERS[2]}}
    # The example app, with a server that ignores SIGTERM and does not exit when stdin closes.
    (tmp_path / "reloader_app.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
        "from flask_app import create_app\n"
        f"app = create_app({servers!r})\n"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FLASK_RUN_PORT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "reloader_app", "run", "--debug", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    tree: set[int] = set()
    try:
        url = None
        output = []
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if match := re.search(r"Running on (http://127\.0\.0\.1:\d+)", line):
                url = match.group(1)
        assert url is not None, "".join(output)
        import urllib.request

        with urllib.request.urlopen(f"{url}/tools", timeout=60) as response:  # starts the server
            assert "echo" in json.loads(response.read())["tools"]
        tree = descendant_pids(proc.pid)
        servers_alive = [pid for pid in tree if "transport_echo" in describe_pids([pid])]
        assert servers_alive, describe_pids(tree)
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        assert_tree_gone(tree, 3.0, time.monotonic())
    finally:
        # On failure, end the app process too: an orphaned Flask child keeps its stat reloader
        # walking site-packages every second (a CPU hog for the rest of the session).
        leftovers = (tree | descendant_pids(proc.pid)) - {proc.pid}
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in leftovers:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------------------ prompt stops


def interrupt_when_busy(command: list[str], marker: Path) -> tuple[float, set[int]]:
    """Run `command` (which calls the busy `sleep` tool); SIGINT it once the call is in progress.

    Returns how long the process took to exit after the signal, and its process tree.
    """
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(marker.exists, 60, message="the call never started")
        tree = descendant_pids(proc.pid)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "KeyboardInterrupt" in stderr or "interrupted" in stderr, stderr[-2000:]
    return took, tree


@pytest.mark.timeout(90)
@pytest.mark.parametrize("server", [0, 2], ids=["plain", "ignores-sigterm"])
def test_uncaught_ctrl_c_during_a_call_exits_within_a_second(server: int, tmp_path: Path) -> None:
    marker = tmp_path / "busy"
    args = json.dumps({"seconds": 60, "marker": str(marker)})
    command = [sys.executable, str(HOLDER), json.dumps([PYTHON_SERVERS[server]]), "--call", "sleep", args]
    took, tree = interrupt_when_busy(command, marker)
    gone = assert_tree_gone(tree, 3.0, time.monotonic()) + took
    print(f"exit {took:.2f} s after SIGINT; server tree gone after {gone:.2f} s")
    assert took <= 1.0
    assert gone <= 1.2


@pytest.mark.timeout(90)
def test_cli_ctrl_c_during_a_call_exits_within_a_second(tmp_path: Path) -> None:
    marker = tmp_path / "busy"
    command = [sys.executable, "-m", "mcpclient", "call", str(ECHO), "sleep", "seconds=60", f"marker={marker}"]
    took, tree = interrupt_when_busy(command, marker)
    assert_tree_gone(tree, 3.0, time.monotonic())
    print(f"CLI exit {took:.2f} s after SIGINT")
    assert took <= 1.0


@pytest.mark.timeout(60)
def test_close_is_prompt_even_when_the_server_and_its_grandchild_ignore_sigterm() -> None:
    from mcpclient import SyncClient
    from mcpclient.transports import PythonStdioTransport

    client = SyncClient(PythonStdioTransport(ECHO, args=["--ignore-sigterm", "--grandchild", "--linger"]))
    client.ping()
    server = client.transport.pid
    grandchild = int(client.call_tool("grandchild_pid").data)
    started = time.monotonic()
    client.close()
    took = time.monotonic() - started
    assert not pid_alive(server) and not pid_alive(grandchild)
    print(f"close() took {took:.2f} s")
    assert took <= 1.0


@pytest.mark.timeout(60)
def test_sigkill_before_the_client_connects_ends_its_early_started_server(tmp_path: Path) -> None:
    """A `SyncClient("server.py")` starts its server in the constructor; a client process killed
    before its first call (while it imports the engine, or idle) must not leave that server behind,
    even one that ignores its closed stdin."""
    lingering = tmp_path / "lingering_server.py"
    lingering.write_text("import sys, time\nsys.stdin.close()\ntime.sleep(600)\n")
    holder = (
        "import sys\nfrom mcpclient import SyncClient\n"
        "client = SyncClient(sys.argv[1])\nprint('built', flush=True)\nsys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(lingering)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "built"
    # The server and the reaper guarding it (registered from a helper thread of the constructor).
    wait_for(lambda: len(descendant_pids(proc.pid)) >= 2, 20, message=lambda: describe_pids(descendant_pids(proc.pid)))
    tree = descendant_pids(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    took = assert_tree_gone(tree, 3.0, time.monotonic())
    print(f"early-started server gone {took:.2f} s after SIGKILL of the client")
