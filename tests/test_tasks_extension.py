"""Tasks on 2026-07-28 sessions: the `io.modelcontextprotocol/tasks` extension (SEP-2663).

The server is tests/servers/tasks_ext_server.py (the SDK's server-extension API; in memory,
over stdio and over Streamable HTTP). `inspect(task_id)` tells what the server saw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers import async_wait_for, wait_for

import mcpclient
from mcpclient import Client, PythonStdioTransport, SyncClient

SCRIPT = Path(__file__).resolve().parent / "servers" / "tasks_ext_server.py"
EXTENSION = "io.modelcontextprotocol/tasks"


@pytest.fixture
def ext_server() -> Any:
    from servers.tasks_ext_server import build_server

    return build_server()


async def inspect(client: Client, task_id: str) -> dict[str, Any]:
    return json.loads((await client.call_tool("inspect", {"task_id": task_id})).text)


def inspect_sync(client: SyncClient, task_id: str) -> dict[str, Any]:
    return json.loads(client.call_tool("inspect", {"task_id": task_id}).text)


# ------------------------------------------------------------------ a plain call_tool follows the task


@pytest.mark.anyio
async def test_plain_call_follows_a_task_to_its_result(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        assert client.protocol_version == "2026-07-28"
        assert EXTENSION in (client.initialize_result.capabilities.extensions or {})
        result = await client.call_tool("slow_echo", {"text": "hi"})
        assert result.text == "hi" and result.data == "hi"
        assert (await client.call_tool("structured", {"n": 7})).data == {"square": 49}
        # `gated` *requires* the extension (-32021 otherwise): the client declared it on the request.
        await client.call_tool("open_gate", {"gate": "g"})
        assert (await client.call_tool("gated", {"gate": "g"})).text == "passed g"
        assert (await client.call_tool("add", {"a": 1, "b": 2})).data == 3  # the server's choice: no task


@pytest.mark.anyio
async def test_the_sdk_client_without_the_extension_is_refused(ext_server: Any) -> None:
    """The control for the test above: without the declaration the server answers -32021."""
    import mcp

    async with mcp.Client(ext_server) as raw:
        with pytest.raises(mcp.MCPError) as info:
            await raw.call_tool("gated", {"gate": "g"})
        assert info.value.code == -32021


@pytest.mark.anyio
async def test_task_outcomes_map_to_the_usual_errors(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        with pytest.raises(mcpclient.ProtocolError, match="API rate limit exceeded") as failed:
            await client.call_tool("fail_rpc", {})
        assert failed.value.code == -32603 and failed.value.server == "tasks-ext"
        with pytest.raises(mcpclient.ToolError, match="broken"):
            await client.call_tool("fail", {"message": "broken"})
        soft = await client.call_tool("fail", {"message": "broken"}, raise_on_error=False)
        assert soft.is_error and soft.text.endswith("broken")


@pytest.mark.anyio
async def test_a_timed_out_call_cancels_its_task(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        started = anyio.current_time()
        with pytest.raises(mcpclient.TimeoutError):
            await client.call_tool("never", {}, timeout=0.3)
        assert anyio.current_time() - started < 2
        extension = next(e for e in ext_server._extensions if e.identifier == EXTENSION)
        await async_wait_for(lambda: any(t.cancels for t in extension.tasks.values()))
        (task,) = [t for t in extension.tasks.values() if t.tool == "never"]
        assert task.status == "cancelled"
        assert (await client.call_tool("add", {"a": 2, "b": 2})).data == 4  # the session is fine


@pytest.mark.anyio
async def test_broken_task_messages_fail_only_their_call(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        with pytest.raises(mcpclient.ProtocolError, match="taskId"):
            await client.call_tool("bad_handle", {})
        with pytest.raises(mcpclient.ProtocolError, match="asks for input 'odd' with 'tools/call'"):
            await client.call_tool("bad_input", {}, timeout=10)
        with pytest.raises(mcpclient.ProtocolError, match="taskId"):
            await client.call_tool("bad_handle", {}, task=True)
        assert (await client.call_tool("slow_echo", {"text": "fine"})).text == "fine"


# ------------------------------------------------------------------ task=True: the handle


@pytest.mark.anyio
async def test_task_handle_status_result_and_callbacks(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        task = await client.call_tool("gated", {"gate": "h"}, task=True)
        assert isinstance(task, mcpclient.ToolTask) and not task.executed_directly
        assert task.last_status.status == "working" and task.last_status.poll_interval == 20
        assert task.last_status.ttl == 600_000
        assert (await task.status()).status == "working"
        assert (await client.get_task_status(task.task_id)).status == "working"
        changes: list[str] = []
        task.on_status_change(lambda status: changes.append(status.status))
        await client.call_tool("open_gate", {"gate": "h"})
        result = await task.result(timeout=10)
        assert result.text == "passed h" and result.data == "passed h"
        await async_wait_for(lambda: changes == ["completed"])
        raw = await client.get_task_result(task.task_id)  # by id: tasks/get until terminal
        assert raw.structured_content == {"result": "passed h"}
        assert (await inspect(client, task.task_id))["polls"] >= 2


@pytest.mark.anyio
async def test_a_call_the_server_runs_directly_is_a_finished_task(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        task = await client.call_tool("add", {"a": 2, "b": 3}, task=True)
        assert task.executed_directly and task.is_done and task.last_status.status == "completed"
        assert (await task).data == 5


@pytest.mark.anyio
async def test_cancel_and_failed_tasks(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        task = await client.call_tool("never", {}, task=True)
        assert (await task.cancel()).status == "cancelled"
        with pytest.raises(mcpclient.TaskCancelledError, match="cancelled by the client"):
            await task.result()
        assert (await inspect(client, task.task_id))["cancels"] == 1

        other = await client.call_tool("never", {}, task=True)
        assert (await client.cancel_task(other.task_id)).status == "cancelled"

        failing = await client.call_tool("fail_rpc", {"message": "quota"}, task=True)
        with pytest.raises(mcpclient.ProtocolError, match="quota") as info:
            await failing.result(timeout=10)
        assert info.value.code == -32603
        with pytest.raises(mcpclient.ProtocolError, match="not found"):
            await client.get_task_status("no-such-task")


@pytest.mark.anyio
async def test_what_the_extension_does_not_have(ext_server: Any) -> None:
    async with Client(ext_server) as client:
        with pytest.raises(mcpclient.TasksNotSupportedError, match="no tasks/list"):
            await client.list_tasks()
        with pytest.raises(mcpclient.TasksNotSupportedError, match="only tools/call"):
            await client.read_resource("data://x", task=True)
        with pytest.raises(mcpclient.TasksNotSupportedError, match="only tools/call"):
            await client.get_prompt("p", task=True)


@pytest.mark.anyio
async def test_legacy_sessions_of_the_same_server_have_no_tasks(ext_server: Any) -> None:
    async with Client(ext_server, mode="legacy") as client:
        assert client.protocol_version != "2026-07-28"
        with pytest.raises(mcpclient.TasksNotSupportedError, match="'tasks' capability"):
            await client.call_tool("slow_echo", {"text": "x"}, task=True)
        assert (await client.call_tool("slow_echo", {"text": "x"})).text == "x"


# ------------------------------------------------------------------ input requests


@pytest.mark.anyio
async def test_input_requests_are_answered_once_with_the_handlers(ext_server: Any) -> None:
    asked: list[str] = []
    sampled: list[str] = []

    async def elicit(message: str, response_type: Any, params: Any, context: Any) -> dict[str, str]:
        asked.append(message)
        await anyio.sleep(0.1)  # the server repeats the request on polls meanwhile; asked once all the same
        return {"name": "Ada"}

    def sample(messages: Any, params: Any, context: Any) -> str:
        sampled.append(messages[0].content.text)
        return "Carpe diem"

    async with Client(ext_server, elicitation_handler=elicit, sampling_handler=sample) as client:
        assert (await client.call_tool("ask_name", {})).text == "Hello, Ada!"  # transparent
        task = await client.call_tool("ask_both", {}, task=True)
        assert (await task.result(timeout=10)).text == "Hello, Ada! Motto: Carpe diem"
        assert asked == ["Please enter your name."] * 2 and sampled == ["A motto, please."]
        (update,) = (await inspect(client, task.task_id))["updates"]  # both answers in one tasks/update
        assert update["name"] == {"action": "accept", "content": {"name": "Ada"}}
        assert update["motto"]["content"] == {"type": "text", "text": "Carpe diem"}


@pytest.mark.anyio
async def test_an_input_request_without_a_handler_fails_and_cancels_the_task(ext_server: Any) -> None:
    async with Client(ext_server) as client:  # no elicitation handler
        with pytest.raises(mcpclient.ProtocolError, match=r"[Ee]licitation"):
            await client.call_tool("ask_name", {}, timeout=10)
        extension = next(e for e in ext_server._extensions if e.identifier == EXTENSION)
        await async_wait_for(lambda: any(t.cancels for t in extension.tasks.values()))


# ------------------------------------------------------------------ SyncClient, stdio and HTTP


def test_sync_client_over_stdio_handlers_in_the_callers_thread() -> None:
    threads: list[int] = []

    def elicit(message: str, response_type: Any, params: Any, context: Any) -> dict[str, str]:
        threads.append(threading.get_ident())
        return {"name": "Grace"}

    with SyncClient(PythonStdioTransport(SCRIPT, keep_alive=False), elicitation_handler=elicit) as client:
        assert client.call_tool("ask_name", {}).text == "Hello, Grace!"
        task = client.call_tool("ask_name", {}, task=True)
        assert isinstance(task, mcpclient.SyncToolTask)
        assert task.result(timeout=10).text == "Hello, Grace!"
        assert threads == [threading.get_ident()] * 2  # the caller's thread, never the loop thread

        gated = client.call_tool("gated", {"gate": "s"}, task=True)
        updates = gated.status_updates(timeout=10)
        assert next(updates).status == "working"
        client.call_tool("open_gate", {"gate": "s"})
        assert [status.status for status in updates] == ["completed"]
        assert gated.result().data == "passed s"
        assert client.cancel_task(client.call_tool("never", {}, task=True).task_id).status == "cancelled"


@pytest.fixture
def http_ext_url(tmp_path: Path) -> Iterator[str]:
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--http", "0", "--port-file", str(port_file)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=os.name == "posix",
    )
    try:
        wait_for(lambda: port_file.exists() or proc.poll() is not None, 30, message="tasks server did not start")
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        yield f"http://127.0.0.1:{port_file.read_text()}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stderr:
            proc.stderr.close()


def test_over_http_each_tasks_request_names_its_task(http_ext_url: str) -> None:
    with SyncClient(http_ext_url) as client:
        assert client.protocol_version == "2026-07-28"
        assert client.call_tool("slow_echo", {"text": "routed"}).text == "routed"
        task = client.call_tool("gated", {"gate": "r"}, task=True)
        task.status()
        client.call_tool("open_gate", {"gate": "r"})
        assert task.result(timeout=10).text == "passed r"
        task.cancel()
        seen = inspect_sync(client, task.task_id)
        # Every tasks/get and tasks/cancel carried `Mcp-Name: <taskId>` (load balancers route on it).
        assert len(seen["routed_names"]) >= 3 and set(seen["routed_names"]) == {task.task_id}
