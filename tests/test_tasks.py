"""Task-augmented requests (MCP 2025-11-25) through Client and SyncClient.

The server is tests/servers/tasks_server.py (in-memory and over stdio), negotiated with
`mode="legacy"`: 2026-07-28 moved tasks out of the core protocol into the
`io.modelcontextprotocol/tasks` extension (tests/test_tasks_extension.py), which this server
does not offer; on such a session the client reports `TasksNotSupportedError`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers import async_wait_for, wait_for
from mcp import types

import mcpclient
from mcpclient import Client, PythonStdioTransport, SyncClient

TASKS_SCRIPT = Path(__file__).resolve().parent / "servers" / "tasks_server.py"


@pytest.fixture
def tasks_server() -> Any:
    from servers.tasks_server import build_server

    return build_server()


@pytest.fixture(params=["memory", "stdio"])
def tasks_source(request: pytest.FixtureRequest, tasks_server: Any) -> Any:
    # keep_alive=False: the server process ends with the client's context (no process outlives a test).
    return tasks_server if request.param == "memory" else PythonStdioTransport(TASKS_SCRIPT, keep_alive=False)


# ------------------------------------------------------------------------------------ async


@pytest.mark.anyio
async def test_tool_task_start_poll_result(tasks_source: Any) -> None:
    async with Client(tasks_source, mode="legacy") as client:
        task = await client.call_tool("gated", {"gate": "g1"}, task=True)
        assert isinstance(task, mcpclient.ToolTask)
        assert task.task_id and task.last_status.status == "working" and not task.is_done
        assert (await task.status()).status == "working"
        assert (await client.get_task_status(task.task_id)).status == "working"

        changes: list[str] = []
        task.on_status_change(lambda status: changes.append(status.status))
        await client.call_tool("open_gate", {"gate": "g1"})
        result = await task.result(timeout=10)
        assert isinstance(result, mcpclient.CallToolResult)
        assert result.data == "passed g1" and result.text == "passed g1"
        assert task.is_done and task.last_status.status == "completed"
        await async_wait_for(lambda: changes == ["completed"])
        assert (await task.status()).status == "completed"
        assert await task.result() is not None  # cached; no second tasks/result needed


@pytest.mark.anyio
async def test_structured_result_and_await(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:
        task = await client.call_tool("add", {"a": 2, "b": 3}, task=True, ttl=5000)
        assert task.last_status.ttl == 5000
        assert (await task).data == 5
        raw = await client.get_task_result(task.task_id)
        assert isinstance(raw, types.CallToolResult)
        assert raw.structured_content == {"result": 5}
        assert raw.meta is not None and raw.meta["io.modelcontextprotocol/related-task"] == {"taskId": task.task_id}


@pytest.mark.anyio
async def test_task_id_hint_and_plain_call_unchanged(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:
        task = await client.call_tool("echo", {"text": "hi"}, task=True, task_id="my-task")
        assert task.task_id == "my-task"  # this server honours the hint; spec servers pick their own
        assert (await task.result()).data == "hi"
        plain = await client.call_tool("echo", {"text": "plain"})
        assert isinstance(plain, mcpclient.CallToolResult) and plain.data == "plain"


@pytest.mark.anyio
async def test_failed_tool_task(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:
        task = await client.call_tool("fail", {"message": "boom"}, task=True)
        assert (await task.wait(timeout=10)).status == "failed"
        with pytest.raises(mcpclient.ToolError, match="boom"):
            await task.result()
        quiet = await client.call_tool("fail", {"message": "soft"}, task=True, raise_on_error=False)
        result = await quiet.result()
        assert result.is_error and "soft" in result.text


@pytest.mark.anyio
async def test_cancel_task(tasks_source: Any) -> None:
    async with Client(tasks_source, mode="legacy") as client:
        task = await client.call_tool("gated", {"gate": "never"}, task=True)
        cancelled = await task.cancel()
        assert cancelled.status == "cancelled" and task.is_done
        with pytest.raises(mcpclient.TaskCancelledError, match="cancelled"):
            await task.result()
        # Cancelling a terminal task is the server's error.
        with pytest.raises(mcpclient.ProtocolError, match="terminal"):
            await client.cancel_task(task.task_id)
        other = await client.call_tool("gated", {"gate": "never"}, task=True)
        assert (await client.cancel_task(other.task_id)).status == "cancelled"
        assert (await other.wait(timeout=10)).status == "cancelled"


@pytest.mark.anyio
async def test_list_tasks_pages(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:  # the server pages 2 tasks at a time
        ids = [(await client.call_tool("add", {"a": i, "b": i}, task=True)).task_id for i in range(5)]
        everything = await client.list_tasks(limit=None)
        assert [t.task_id for t in everything.tasks] == ids and everything.next_cursor is None

        first = await client.list_tasks(limit=1)
        assert [t.task_id for t in first.tasks] == ids[:2] and first.next_cursor
        rest = await client.list_tasks(first.next_cursor, limit=3)
        assert [t.task_id for t in rest.tasks] == ids[2:]
        default = await client.list_tasks()
        assert len(default.tasks) == 5


@pytest.mark.anyio
async def test_result_timeout_then_result(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:
        task = await client.call_tool("gated", {"gate": "slow"}, task=True)
        with pytest.raises(mcpclient.TimeoutError):
            await task.result(timeout=0.2)
        with pytest.raises(TimeoutError):  # also the builtin
            await task.wait(timeout=0.1)
        await client.call_tool("open_gate", {"gate": "slow"})
        assert (await task.result(timeout=10)).data == "passed slow"


@pytest.mark.anyio
async def test_status_updates_async_iterator(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:
        task = await client.call_tool("gated", {"gate": "it"}, task=True)
        seen: list[str] = []
        async with anyio.create_task_group() as tg:

            async def collect() -> None:
                async for status in task.status_updates():
                    seen.append(status.status)

            tg.start_soon(collect)
            await async_wait_for(lambda: seen == ["working"])
            await client.call_tool("open_gate", {"gate": "it"})
        assert seen == ["working", "completed"]


@pytest.mark.anyio
async def test_resource_and_prompt_tasks(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:
        resource = await client.read_resource("gated://r", task=True)
        prompt = await client.get_prompt("gated_prompt", {"gate": "r"}, task=True)
        assert isinstance(resource, mcpclient.ResourceTask) and isinstance(prompt, mcpclient.PromptTask)
        await client.call_tool("open_gate", {"gate": "r"})
        contents = await resource.result(timeout=10)
        assert [c.text for c in contents if isinstance(c, types.TextResourceContents)] == ["resource behind r"]
        rendered = await prompt.result(timeout=10)
        assert isinstance(rendered, types.GetPromptResult)
        content = rendered.messages[0].content
        assert isinstance(content, types.TextContent) and content.text == "prompt behind r"
        assert isinstance(await client.get_task_result(resource.task_id), types.ReadResourceResult)
        assert isinstance(await client.get_task_result(prompt.task_id), types.GetPromptResult)


@pytest.mark.anyio
async def test_unknown_task_is_a_protocol_error(tasks_server: Any) -> None:
    async with Client(tasks_server, mode="legacy") as client:
        with pytest.raises(mcpclient.ProtocolError, match="not found"):
            await client.get_task_status("no-such-task")


@pytest.mark.anyio
async def test_modern_session_without_the_tasks_extension(tasks_server: Any) -> None:
    async with Client(tasks_server) as client:  # auto: negotiates 2026-07-28
        assert client.protocol_version == "2026-07-28"
        with pytest.raises(mcpclient.TasksNotSupportedError, match="2026-07-28") as info:
            await client.call_tool("add", {"a": 1, "b": 2}, task=True)
        assert isinstance(info.value, NotImplementedError) and isinstance(info.value, mcpclient.MCPClientError)
        with pytest.raises(mcpclient.TasksNotSupportedError):
            await client.list_tasks()
        assert (await client.call_tool("add", {"a": 1, "b": 2})).data == 3  # the session is fine


@pytest.mark.anyio
async def test_server_without_tasks_capability(everything_server: Any) -> None:
    async with Client(everything_server, mode="legacy") as client:
        with pytest.raises(mcpclient.TasksNotSupportedError, match="'tasks' capability"):
            await client.call_tool("echo", {"text": "x"}, task=True)


# ---------------------------------------------------------------------------------- blocking


def test_sync_tool_task_over_stdio() -> None:
    with SyncClient(TASKS_SCRIPT, mode="legacy", keep_alive=False) as client:
        task = client.call_tool("gated", {"gate": "s1"}, task=True)
        assert isinstance(task, mcpclient.SyncToolTask)
        assert task.status().status == "working" and task.name == "gated"

        threads: list[str] = []
        task.on_status_change(lambda status: threads.append(threading.current_thread().name))
        updates = task.status_updates(timeout=10)
        assert next(updates).status == "working"
        client.call_tool("open_gate", {"gate": "s1"})
        assert [status.status for status in updates] == ["completed"]
        assert task.result(timeout=10).data == "passed s1"
        wait_for(lambda: len(threads) == 1)
        assert not threads[0].startswith("mcpclient-loop")  # plain callbacks never run on the loop thread

        assert client.get_task_status(task.task_id).status == "completed"
        raw = client.get_task_result(task.task_id)
        assert isinstance(raw, types.CallToolResult) and raw.structured_content == {"result": "passed s1"}
        assert task.task_id in [t.task_id for t in client.list_tasks().tasks]


def test_sync_result_blocks_until_done(tasks_server: Any) -> None:
    with SyncClient(tasks_server, mode="legacy") as client:
        task = client.call_tool("gated", {"gate": "b"}, task=True)
        opener = threading.Thread(target=client.call_tool, args=("open_gate", {"gate": "b"}))
        opener.start()
        try:
            assert task.result(timeout=10).data == "passed b"
        finally:
            opener.join(10)
        assert task.is_done


def test_sync_cancel_and_other_kinds(tasks_server: Any) -> None:
    with SyncClient(tasks_server, mode="legacy") as client:
        task = client.call_tool("gated", {"gate": "never"}, task=True)
        assert task.cancel().status == "cancelled"
        with pytest.raises(mcpclient.TaskCancelledError):
            task.result()
        assert list(task.status_updates(timeout=1)) == [task.last_status]  # already terminal: one item

        other = client.call_tool("gated", {"gate": "never"}, task=True)
        assert client.cancel_task(other.task_id).status == "cancelled"

        resource = client.read_resource("data://report", task=True)
        assert isinstance(resource, mcpclient.SyncResourceTask)
        assert [c.text for c in resource.result() if isinstance(c, types.TextResourceContents)] == ["quarterly report"]
        prompt = client.get_prompt("summary", {"topic": "tests"}, task=True)
        assert isinstance(prompt, mcpclient.SyncPromptTask)
        content = prompt.result().messages[0].content
        assert isinstance(content, types.TextContent) and content.text == "Please summarize tests."


def test_sync_status_updates_idle_timeout(tasks_server: Any) -> None:
    with SyncClient(tasks_server, mode="legacy") as client:
        task = client.call_tool("gated", {"gate": "idle"}, task=True)
        with task.status_updates(timeout=0.2) as updates:
            assert [status.status for status in updates] == ["working"]  # then 0.2 s without a change: ends
        task.cancel()


def test_sync_modern_session_has_no_tasks(tasks_server: Any) -> None:
    with SyncClient(tasks_server) as client:
        with pytest.raises(mcpclient.TasksNotSupportedError):
            client.call_tool("add", {"a": 1, "b": 2}, task=True)
        with pytest.raises(mcpclient.TasksNotSupportedError):
            client.get_task_status("task-1")
