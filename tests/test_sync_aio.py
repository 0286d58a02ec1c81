"""`SyncClient.aio`: awaiting a SyncClient's calls from another event loop without blocking it.

Each test runs inside a running asyncio loop (as an ASGI app or a LangChain `ainvoke` would),
against the everything server over stdio, and shares the SyncClient with blocking callers.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import async_wait_for

import mcpclient
from mcpclient import SyncClient

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]  # server start-ups are slow on a loaded machine


@pytest.fixture(scope="module")
def client(everything_script: Path) -> Iterator[SyncClient]:
    shared = SyncClient(everything_script)
    try:
        yield shared
    finally:
        shared.close()


async def test_caller_loop_keeps_running_during_a_slow_call(client: SyncClient) -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    await client.aio.ping()  # connected beforehand: the measured wait is the tool's own
    ticking = asyncio.create_task(ticker())
    start = time.monotonic()
    result = await client.aio.call_tool("sleep", {"seconds": 0.5})
    elapsed = time.monotonic() - start
    stop.set()
    await ticking
    assert result.text == "slept 0.5"
    assert elapsed >= 0.5
    # A blocked loop would not have ticked at all during the call; at 10 ms a tick, expect dozens.
    assert ticks >= 10, ticks


async def test_every_operation(client: SyncClient) -> None:
    aio = client.aio
    assert await aio.ping() is True
    assert "add" in {tool.name for tool in await aio.list_tools()}
    assert (await aio.call_tool("add", {"a": 2, "b": 40})).data == 42
    raw = await aio.call_tool_mcp("fail", {"message": "nope"})
    assert raw.is_error
    assert "data://greeting" in {str(r.uri) for r in await aio.list_resources()}
    assert "users://{user_id}/profile" in {t.uri_template for t in await aio.list_resource_templates()}
    contents = await aio.read_resource("data://greeting")
    assert contents[0].text == "hello world"  # type: ignore[union-attr]
    assert {"greet", "summarize"} <= {p.name for p in await aio.list_prompts()}
    prompt = await aio.get_prompt("greet", {"name": "Ada"})
    assert "Hello, Ada!" in prompt.messages[0].content.text  # type: ignore[union-attr]


async def test_errors_arrive_as_the_original_typed_exceptions(client: SyncClient) -> None:
    with pytest.raises(mcpclient.ToolError) as info:
        await client.aio.call_tool("fail_exact", {"message": "broken on purpose"})
    assert info.value.message == "broken on purpose"
    with pytest.raises(mcpclient.TimeoutError):
        await client.aio.call_tool("sleep", {"seconds": 5}, timeout=0.3)
    assert (await client.aio.call_tool("echo", {"text": "still fine"})).text == "still fine"


async def test_concurrent_awaits_and_blocking_threads_share_one_session(client: SyncClient) -> None:
    pid = client.call_tool("getpid").data
    blocking_results: dict[int, Any] = {}

    def blocking_caller(i: int) -> None:
        blocking_results[i] = client.call_tool("add", {"a": i, "b": 1000}).data

    threads = [threading.Thread(target=blocking_caller, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    results = await asyncio.gather(*(client.aio.call_tool("add", {"a": i, "b": 1}) for i in range(20)))
    pids = await asyncio.gather(*(client.aio.call_tool("getpid") for _ in range(3)))
    for thread in threads:
        await asyncio.to_thread(thread.join)
    assert [r.data for r in results] == [i + 1 for i in range(20)]
    assert blocking_results == {i: i + 1000 for i in range(4)}
    assert {r.data for r in pids} == {pid}  # one server process, one session


async def test_cancelling_the_awaiting_task_cancels_the_request(everything_script: Path) -> None:
    client = SyncClient(everything_script, keep_alive=False)
    try:
        await client.aio.ping()
        call = asyncio.create_task(client.aio.call_tool("sleep", {"seconds": 30}))
        await asyncio.sleep(0.3)  # let the request reach the server
        start = time.monotonic()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert time.monotonic() - start < 2  # not the 30 s of the tool
        transport = client.transport
        # The server saw `notifications/cancelled` and stopped the tool.
        await async_wait_for(lambda: any("cancelled sleep" in line for line in transport.stderr_tail), timeout=10)
        assert (await client.aio.call_tool("echo", {"text": "after"})).text == "after"
    finally:
        await asyncio.to_thread(client.close)


async def test_progress_handler_runs_on_the_callers_loop(client: SyncClient) -> None:
    seen: list[tuple[float, float | None, str | None, bool]] = []
    loop_thread = threading.current_thread()

    def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message, threading.current_thread() is loop_thread))

    result = await client.aio.call_tool("progress", {"steps": 3}, progress_handler=on_progress)
    assert result.text == "done 3 steps"
    await async_wait_for(lambda: len(seen) == 3)
    assert seen == [(i, 3, f"step {i}", True) for i in (1, 2, 3)]


async def test_closed_client_reopens_on_the_next_await(everything_script: Path) -> None:
    client = SyncClient(everything_script)
    try:
        assert (await client.aio.call_tool("echo", {"text": "one"})).text == "one"
        await asyncio.to_thread(client.close)
        assert (await client.aio.call_tool("echo", {"text": "two"})).text == "two"
    finally:
        await asyncio.to_thread(client.close)
