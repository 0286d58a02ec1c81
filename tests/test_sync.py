"""SyncClient: the blocking face, used the way scripts, notebooks and web apps use it.

No asyncio in these tests except where a test checks behaviour inside a running loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import children_pids, pid_alive, wait_for
from mcp import types

import mcpclient
from mcpclient import LogMessage, SyncClient, ToolError

REPO = Path(__file__).resolve().parent.parent
request_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_var", default="unset")


@pytest.fixture(params=["stdio", "http"])
def source(request: pytest.FixtureRequest, everything_script: Path) -> Any:
    if request.param == "stdio":
        return everything_script
    return request.getfixturevalue("http_url")


@pytest.fixture
def sync_client(source: Any) -> Iterator[SyncClient]:
    client = SyncClient(source)
    try:
        yield client
    finally:
        client.close()


def test_every_operation_blocking(sync_client: SyncClient, tmp_path: Path) -> None:
    with sync_client as client:
        assert client.ping() is True
        assert client.initialize_result is not None
        assert client.initialize_result.server_info.name == "everything"
        assert {"echo", "add"} <= {t.name for t in client.list_tools()}
        assert client.list_tools_mcp().tools
        assert client.call_tool("add", {"a": 20, "b": 22}).data == 42
        user = client.call_tool("get_user", {"user_id": 1}).data
        assert dataclasses.is_dataclass(user) and user.id == 1
        assert isinstance(client.call_tool_mcp("echo", {"text": "x"}), types.CallToolResult)
        with pytest.raises(ToolError, match="nope"):
            client.call_tool("fail", {"message": "nope"})
        assert any(str(r.uri) == "data://greeting" for r in client.list_resources())
        assert client.list_resources_mcp().resources
        assert client.read_resource("data://greeting")[0].text == "hello world"  # type: ignore[union-attr]
        assert client.read_resource_mcp("data://greeting").contents
        assert client.list_resource_templates()
        assert client.list_resource_templates_mcp().resource_templates
        assert client.list_prompts() and client.list_prompts_mcp().prompts
        prompt = client.get_prompt("summarize", {"text": "t", "max_words": 3})
        assert "3" in prompt.messages[0].content.text  # type: ignore[union-attr]
        assert client.get_prompt_mcp("greet", {"name": "Bo"}).messages
        ref = types.PromptReference(type="ref/prompt", name="greet")
        assert "Alice" in client.complete(ref, {"name": "name", "value": "A"}).values
        assert client.complete_mcp(ref, {"name": "name", "value": "B"}).completion.values == ["Bob"]
        client.set_logging_level("debug")
        client.send_roots_list_changed()


def test_lazy_connect_and_close(source: Any) -> None:
    client = SyncClient(source)
    assert not client.is_connected()
    assert client.call_tool("echo", {"text": "lazy"}).text == "lazy"
    assert client.is_connected()
    client.close()
    client.close()  # idempotent
    assert not client.is_connected()
    assert client.call_tool("echo", {"text": "again"}).text == "again"  # usable after close
    client.close()


def test_handlers_run_in_caller_thread_with_its_context(everything_script: Path) -> None:
    seen: list[tuple[str, int, str]] = []

    def on_log(message: LogMessage) -> None:
        seen.append(("log", threading.get_ident(), request_var.get()))

    def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(("progress", threading.get_ident(), request_var.get()))

    with SyncClient(everything_script, log_handler=on_log, log_level="debug") as client:
        client.set_logging_level("debug")

        def caller(tag: str) -> None:
            request_var.set(tag)
            client.call_tool("log", {"message": "m", "level": "info"})
            client.call_tool("progress", {"steps": 2}, progress_handler=on_progress)

        results: dict[str, int] = {}
        threads = []
        for tag in ("a", "b"):
            t = threading.Thread(target=lambda tag=tag: (caller(tag), results.__setitem__(tag, threading.get_ident())))
            threads.append(t)
            t.start()
        for t in threads:
            t.join(30)
        loop_thread = client._portal().thread.ident
    progress = [s for s in seen if s[0] == "progress"]
    assert len(progress) == 4
    for _, ident, tag in progress:
        assert results[tag] == ident  # the caller's own thread, its own contextvars
    logs = [s for s in seen if s[0] == "log"]
    assert len(logs) == 2
    for _, ident, tag in logs:
        assert ident != loop_thread
        assert tag in ("a", "b") and results[tag] == ident


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_sampling_handler_calls_back_into_client(everything_script: Path, mode: str) -> None:
    holder: dict[str, SyncClient] = {}
    caller_thread = threading.get_ident()
    handler_threads: list[int] = []

    def sampling(messages: Any, params: Any, ctx: Any) -> str:
        handler_threads.append(threading.get_ident())
        # Re-entrant: a tool call on the same SyncClient from inside the handler.
        return holder["c"].call_tool("echo", {"text": "from handler"}).text

    with SyncClient(everything_script, sampling_handler=sampling, mode=mode, keep_alive=False) as client:
        holder["c"] = client
        assert client.call_tool("sample", {"prompt": "q"}).text == "from handler"
    assert handler_threads == [caller_thread]


def test_elicitation_and_roots_in_caller_thread(everything_script: Path, tmp_path: Path) -> None:
    threads: list[int] = []

    def elicit(message: str, response_type: Any, params: Any, ctx: Any) -> dict[str, str]:
        threads.append(threading.get_ident())
        return {"name": "Lin"}

    def roots(ctx: Any) -> list[Path]:
        threads.append(threading.get_ident())
        return [tmp_path]

    with SyncClient(everything_script, elicitation_handler=elicit, roots=roots, keep_alive=False) as client:
        assert client.call_tool("elicit_name").text == "hello Lin"
        assert client.call_tool("roots").data == [tmp_path.resolve().as_uri()]
    assert threads == [threading.get_ident()] * 2


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_many_threads_pipelined_on_one_session(everything_script: Path) -> None:
    errors: list[BaseException] = []
    with SyncClient(everything_script, keep_alive=False) as client:
        pid = client.call_tool("getpid").data

        def worker(n: int) -> None:
            try:
                for i in range(50):
                    payload = f"t{n}-{i}"
                    got = client.call_tool("echo", {"text": payload}).text
                    if got != payload:
                        raise AssertionError(f"{payload} got {got}")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(150)
        assert client.call_tool("getpid").data == pid
    assert not errors, errors[:3]
    servers = [p for p in children_pids() if p == pid]
    assert servers == [] or not pid_alive(pid)


def test_timeout_notifies_server_and_client_survives(everything_script: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="mcpclient.server")
    with SyncClient(everything_script, keep_alive=False) as client:
        start = time.monotonic()
        with pytest.raises(mcpclient.TimeoutError):
            client.call_tool("sleep", {"seconds": 30}, timeout=0.5)
        assert time.monotonic() - start < 5
        assert client.call_tool("echo", {"text": "ok"}).text == "ok"
        transport = client.transport
        wait_for(lambda: any("cancelled sleep" in line for line in transport.stderr_tail), timeout=10)


def test_blocking_call_from_async_handler_raises(everything_script: Path) -> None:
    holder: dict[str, SyncClient] = {}
    errors: list[BaseException] = []

    async def sampling(messages: Any, params: Any, ctx: Any) -> str:
        try:
            holder["c"].list_tools()
        except RuntimeError as exc:
            errors.append(exc)
        return "done"

    with SyncClient(everything_script, sampling_handler=sampling, keep_alive=False) as client:
        holder["c"] = client
        assert client.call_tool("sample", {"prompt": "q"}).text == "done"
    assert errors and "event-loop thread" in str(errors[0])


def test_works_inside_running_event_loop(everything_script: Path) -> None:
    async def cell() -> str:
        # A notebook cell or an async framework calling sync code: the thread runs a loop already.
        with SyncClient(everything_script, keep_alive=False) as client:
            return client.call_tool("echo", {"text": "in loop"}).text

    assert asyncio.run(cell()) == "in loop"


def _run_script(code: str, timeout: float = 30, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        **kwargs,
    )


def test_script_without_close_exits_cleanly(everything_script: Path) -> None:
    code = f"""
        import os
        from mcpclient import SyncClient
        client = SyncClient({str(everything_script)!r})
        print(client.call_tool("getpid").data, flush=True)
    """
    start = time.monotonic()
    proc = _run_script(code)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    server_pid = int(proc.stdout.split()[0])
    wait_for(lambda: not pid_alive(server_pid), timeout=5)
    # Interpreter start + imports + server start take ~2 s here; the shutdown itself must be quick.
    assert elapsed < 15


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery to a child is POSIX-specific")
def test_ctrl_c_cancels_request_and_client_stays_usable(everything_script: Path) -> None:
    code = f"""
        import sys, time
        from mcpclient import SyncClient
        client = SyncClient({str(everything_script)!r})
        client.call_tool("echo", {{"text": "warm"}})
        print("ready", flush=True)
        start = time.monotonic()
        try:
            client.call_tool("sleep", {{"seconds": 30}})
        except KeyboardInterrupt:
            print("interrupted after", round(time.monotonic() - start, 3), flush=True)
        print("next:", client.call_tool("echo", {{"text": "alive"}}).text, flush=True)
        time.sleep(0.3)
        print("stderr:", " | ".join(client.transport.stderr_tail), flush=True)
        client.close()
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)  # let the sleep call reach the server: this is the scenario under test, not a wait for state
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    line = next(x for x in out.splitlines() if x.startswith("interrupted"))
    assert time.monotonic() - sent < 10
    interrupted_after = float(line.split()[-1])
    assert 0.4 < interrupted_after < 1.5  # 0.5 s in, then ≤ 0.5 s to react
    assert "next: alive" in out
    assert "cancelled sleep" in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_child_gets_fresh_connection(everything_script: Path) -> None:
    code = f"""
        import os, sys
        from mcpclient import SyncClient
        client = SyncClient({str(everything_script)!r})
        parent_pid = client.call_tool("getpid").data
        r, w = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(r)
            try:
                child_server = client.call_tool("getpid").data
                os.write(w, str(child_server).encode())
            finally:
                client.close()
                os._exit(0)
        os.close(w)
        data = os.read(r, 100).decode()
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        child_server = int(data)
        assert child_server != parent_pid, (child_server, parent_pid)
        assert client.call_tool("getpid").data == parent_pid
        print("ok", parent_pid, child_server)
        client.close()
    """
    proc = _run_script(code, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")
    _, parent_server, child_server = proc.stdout.split()
    wait_for(lambda: not pid_alive(int(parent_server)) and not pid_alive(int(child_server)), timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_connect_close_cycles_leak_nothing(everything_server_factory: Callable[[], Any] | None = None) -> None:
    from servers.everything import build_server

    def fds() -> int:
        return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0

    server = build_server()
    client = SyncClient(server)
    client.call_tool("echo", {"text": "warm"})
    client.close()
    threads_before, fds_before, children_before = threading.active_count(), fds(), children_pids()
    for _ in range(200):
        with client:
            client.call_tool("echo", {"text": "x"})
        client.close()
    # A thread that is still ending on a loaded machine is not a leak; one that stays is.
    wait_for(
        lambda: threading.active_count() <= threads_before,
        10,
        message=lambda: f"threads left: {[t.name for t in threading.enumerate()]} (before: {threads_before})",
    )
    assert fds() <= fds_before + 2
    assert children_pids() <= children_before


def test_stdio_cycles_leave_no_processes(everything_script: Path) -> None:
    before = children_pids()
    client = SyncClient(everything_script, keep_alive=False)
    for _ in range(3):
        with client:
            client.call_tool("echo", {"text": "x"})
    client.close()
    wait_for(lambda: {p for p in children_pids() - before if pid_alive(p)} == set(), timeout=10)


def test_messages_without_waiting_caller_go_to_one_handler_thread_in_order(everything_script: Path) -> None:
    seen: list[tuple[str, str]] = []
    done = threading.Event()

    def on_log(message: LogMessage) -> None:
        seen.append((str(message.data), threading.current_thread().name))
        if len(seen) == 20:
            done.set()

    with SyncClient(everything_script, log_handler=on_log, mode="legacy", keep_alive=False) as client:
        loop_thread = client._portal().thread.name
        assert client.call_tool("log_later", {"count": 20, "delay": 0.2}).text == "scheduled"
        assert done.wait(10), seen
    assert [data for data, _ in seen] == [f"later {i}" for i in range(20)]
    threads = {name for _, name in seen}
    assert len(threads) == 1
    (thread,) = threads
    assert thread != loop_thread and thread != threading.current_thread().name
    assert thread.startswith("mcpclient-handlers")


def test_garbage_collected_client_closes_its_server(everything_script: Path) -> None:
    import gc

    client = SyncClient(everything_script)
    pid = client.call_tool("getpid").data
    with pytest.warns(ResourceWarning, match="unclosed"):
        del client
        gc.collect()
    wait_for(lambda: not pid_alive(pid), timeout=10)
