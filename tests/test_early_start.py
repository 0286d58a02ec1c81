"""A script source's server is started before the engine is imported, and adopted by the transport.

Real server processes throughout: the early process must be the one the session talks to,
and a process no connection adopted must end (close, garbage collection, the adoption
window, interpreter exit) without a zombie. Both faces: `SyncClient` (which starts it before
importing the engine) and the async `Client` (whose module does not import the mcp SDK: the
SDK is imported on a helper thread while the server boots, and connecting waits for it off
the event loop).
"""

from __future__ import annotations

import gc
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from helpers import children_pids, pid_alive, wait_for_exit

from mcpclient import Client, SyncClient
from mcpclient._early import EarlyServer, early_command, engine_imported, offered_to

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="early start is POSIX only")


def _early_of(client: SyncClient) -> EarlyServer:
    finalizer = client._early_discard
    assert finalizer is not None, "no server was started early"
    early = finalizer.peek()[1].__self__  # type: ignore[index]
    assert isinstance(early, EarlyServer)
    return early


def _offered(client: Client) -> EarlyServer:
    early = offered_to(client.transport)
    assert early is not None, "no server was started early"
    return early


def test_the_session_runs_on_the_process_started_early(everything_script: Path, no_new_children: None) -> None:
    before = children_pids()
    client = SyncClient(str(everything_script))
    early = _early_of(client)
    assert pid_alive(early.popen.pid) and early.state == "waiting"
    window = early._timer
    # Its Client took the server SyncClient started before importing it: one process, not two.
    assert offered_to(client.transport) is early
    assert children_pids() - before == {early.popen.pid}
    with client:
        assert client.call_tool("getpid").data == early.popen.pid
        assert early.state == "adopted"
        assert client.transport.pid == early.popen.pid
        assert _window_ended(window)  # adopted: the adoption window's timer thread is gone
    client.close()
    wait_for_exit({early.popen.pid}, timeout=5.0)


def _window_ended(window: threading.Thread | None) -> bool:
    assert window is not None
    window.join(5.0)  # a cancelled timer's thread ends at once (else ADOPT_WINDOW seconds later)
    return not window.is_alive()


def test_reconnection_and_new_spawn_their_own_process(everything_script: Path, no_new_children: None) -> None:
    client = SyncClient(str(everything_script), keep_alive=False)
    early = _early_of(client)
    clone = client.new()
    try:
        with client:
            first = client.call_tool("getpid").data
        with client:
            second = client.call_tool("getpid").data
        with clone:
            third = clone.call_tool("getpid").data
    finally:
        client.close()
        clone.close()
    assert first == early.popen.pid
    assert second != first and third not in (first, second)


def test_an_unused_early_process_ends_on_close(everything_script: Path, no_new_children: None) -> None:
    client = SyncClient(str(everything_script))
    early = _early_of(client)
    window = early._timer
    client.close()
    assert early.state == "discarded"
    assert early.popen.returncode is not None  # reaped, not a zombie
    assert _window_ended(window)
    # The client stays usable: its first connection spawns a server as usual.
    with client:
        assert client.call_tool("getpid").data != early.popen.pid
    client.close()


def test_an_unused_early_process_ends_when_the_client_is_collected(
    everything_script: Path, no_new_children: None
) -> None:
    client = SyncClient(str(everything_script))
    early = _early_of(client)
    del client
    gc.collect()
    assert early.state == "discarded" and early.popen.returncode is not None


def test_an_early_process_nobody_adopts_ends_after_the_window(
    everything_script: Path, monkeypatch: pytest.MonkeyPatch, no_new_children: None
) -> None:
    import mcpclient._early as early_module

    monkeypatch.setattr(early_module, "ADOPT_WINDOW", 0.2)
    client = SyncClient(str(everything_script))
    early = _early_of(client)
    wait_for_exit({early.popen.pid}, timeout=10.0)
    assert early.state == "discarded"
    with client:  # the transport spawns its own
        assert client.call_tool("getpid").data != early.popen.pid
    client.close()


def test_an_early_process_is_ended_at_interpreter_exit(everything_script: Path, tmp_path: Path) -> None:
    script = tmp_path / "leave.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from mcpclient import SyncClient
            client = SyncClient({str(everything_script)!r})
            print(client._early_discard.peek()[1].__self__.popen.pid, flush=True)
            """
        )
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True)
    pid = int(out.stdout.split()[0])
    wait_for_exit({pid}, timeout=5.0)


def test_a_forked_child_neither_adopts_nor_ends_the_parents_process(
    everything_script: Path, monkeypatch: pytest.MonkeyPatch, no_new_children: None
) -> None:
    import mcpclient._early as early_module

    monkeypatch.setattr(early_module, "ADOPT_WINDOW", 600.0)  # a loaded machine must not end it meanwhile
    client = SyncClient(str(everything_script))
    early = _early_of(client)
    read, write = os.pipe()
    early._lock.acquire()  # as the reaper-guard thread may hold it at the fork: the child must not inherit it held
    pid = os.fork()
    if pid != 0:
        early._lock.release()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            with client:
                child_server = client.call_tool("getpid").data
            client.close()
            os.write(write, f"{child_server}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    status = _wait_child(pid, timeout=40.0)
    child_server = int(os.read(read, 100) or b"0")
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0
    assert child_server not in (0, early.popen.pid)
    assert pid_alive(early.popen.pid) and early.state == "waiting"
    with client:
        assert client.call_tool("getpid").data == early.popen.pid
    client.close()


def _wait_child(pid: int, timeout: float) -> int:
    """A forked child's wait status; a child hung past `timeout` is killed (not left behind) and fails the test."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail(f"the forked child hung for {timeout} s")
    return os.waitpid(pid, 0)[1]


def test_only_plain_script_sources_start_early(everything_script: Path, tmp_path: Path) -> None:
    script = str(everything_script)
    command, env, cwd = early_command(script, {"args": ["-v"], "env": {"A": "1"}})  # type: ignore[misc]
    assert command == [sys.executable, script, "-v"] and env == {"A": "1"} and cwd is None
    assert early_command(script, {"timeout": 3}) is None  # an option the early start does not mirror
    assert early_command("http://example.com/mcp", {}) is None
    assert early_command(str(tmp_path / "missing.py"), {}) is None
    assert early_command({"mcpServers": {}}, {}) is None


# ---------------------------------------------------------------- the async Client


@pytest.mark.anyio
async def test_a_clients_server_starts_at_construction_and_is_adopted(
    everything_script: Path, no_new_children: None
) -> None:
    before = children_pids()
    client = Client(str(everything_script))
    early = _offered(client)
    assert early.state == "waiting" and pid_alive(early.popen.pid)
    assert children_pids() - before == {early.popen.pid}  # started by the constructor, before any connection
    async with client:
        assert engine_imported()
        assert early.state == "adopted"
        assert client.transport.pid == early.popen.pid  # type: ignore[attr-defined]
        assert (await client.call_tool("getpid")).data == early.popen.pid
        async with client.new() as clone:  # a clone spawns its own
            assert (await clone.call_tool("getpid")).data != early.popen.pid
    await client.close()
    wait_for_exit({early.popen.pid}, timeout=5.0)


@pytest.mark.anyio
async def test_a_clients_unused_early_process_ends_on_close(everything_script: Path, no_new_children: None) -> None:
    client = Client(str(everything_script))
    early = _offered(client)
    await client.close()
    assert early.state == "discarded" and early.popen.returncode is not None  # reaped, not a zombie
    async with client:  # still usable: the transport spawns its own
        assert (await client.call_tool("getpid")).data != early.popen.pid
    await client.close()


def test_a_clients_unused_early_process_ends_when_it_is_collected(
    everything_script: Path, no_new_children: None
) -> None:
    client = Client(str(everything_script))
    early = _offered(client)
    del client
    gc.collect()
    assert early.state == "discarded" and early.popen.returncode is not None


@pytest.mark.anyio
async def test_a_server_started_in_another_environment_is_not_adopted(
    everything_script: Path, no_new_children: None
) -> None:
    client = Client(str(everything_script))
    early = _offered(client)
    client.transport.env = {"MCPCLIENT_TEST_CHANGED": "1"}  # type: ignore[attr-defined]  # after the early start
    async with client:
        assert (await client.call_tool("getpid")).data != early.popen.pid
    await client.close()
    assert early.state == "discarded" and early.popen.returncode is not None


def test_no_early_start_when_turned_off(
    everything_script: Path, monkeypatch: pytest.MonkeyPatch, no_new_children: None
) -> None:
    monkeypatch.setenv("MCPCLIENT_NO_EARLY_SPAWN", "1")
    before = children_pids()
    client = Client(str(everything_script))
    sync = SyncClient(str(everything_script))
    assert offered_to(client.transport) is None and sync._early_discard is None
    assert children_pids() - before == set()
    sync.close()


def test_an_asyncio_script_imports_the_sdk_off_its_event_loop(everything_script: Path, tmp_path: Path) -> None:
    """`from mcpclient import Client`, `Client(script)`, `async with`, a call: the main thread imports no SDK module."""
    script = tmp_path / "first_result.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, sys, threading
            from mcpclient import Client
            from mcpclient._early import offered_to

            assert "mcp" not in sys.modules, "from mcpclient import Client imported the SDK"
            main, on_main = threading.get_ident(), []
            sys.addaudithook(lambda event, args: event == "import" and threading.get_ident() == main
                             and on_main.append(args[0]))

            async def run():
                client = Client({str(everything_script)!r})
                early = offered_to(client.transport)
                async with client:
                    pid = (await client.call_tool("getpid")).data
                print(pid == early.popen.pid, early.state, flush=True)
                sdk = ("mcp", "mcp_types", "pydantic", "jsonschema")
                print(sorted({{m for m in on_main if m.split(".")[0] in sdk}}))

            asyncio.run(run())
            """
        )
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    adopted, imported_on_main = out.stdout.splitlines()
    assert adopted == "True adopted"
    assert imported_on_main == "[]"  # the SDK (and jsonschema) were imported on other threads
