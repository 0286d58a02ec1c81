"""Resource subscriptions and change events on both protocol generations.

Legacy (`mode="legacy"`): `resources/subscribe` + `notifications/resources/updated`.
Auto (negotiates 2026-07-28 with the everything server): the client's `subscriptions/listen`
stream. Same user-facing API and the same handlers either way. Servers: the in-memory
`everything_server` and `everything_script` over stdio.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import async_wait_for, wait_for
from mcp import types

import mcpclient
from mcpclient import Client, PythonStdioTransport, ResourceUpdated, SyncClient, ToolsListChanged

COUNTER = "data://counter"


@pytest.fixture(params=["legacy", "auto"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["memory", "stdio"])
def source(request: pytest.FixtureRequest, everything_server: Any, everything_script: Path) -> Any:
    # keep_alive=False: the server process ends with each client's context (no process outlives a test).
    return everything_server if request.param == "memory" else PythonStdioTransport(everything_script, keep_alive=False)


class Recorder(mcpclient.MessageHandler):
    """Collects what the `on_*` methods receive (from any thread)."""

    def __init__(self) -> None:
        self.updated: list[str] = []
        self.tool_list_changed = 0
        self.threads: set[str] = set()

    def on_resource_updated(self, message: types.ResourceUpdatedNotification) -> None:
        self.threads.add(threading.current_thread().name)
        self.updated.append(str(message.params.uri))

    def on_tool_list_changed(self, message: types.ToolListChangedNotification) -> None:
        self.threads.add(threading.current_thread().name)
        self.tool_list_changed += 1


# ------------------------------------------------------------------------------------ async


@pytest.mark.anyio
async def test_subscribed_update_reaches_events_and_handlers(source: Any, mode: str) -> None:
    recorder = Recorder()
    raw: list[Any] = []

    async with Client(source, mode=mode, message_handler=recorder) as client:
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        await client.subscribe_resource(COUNTER)
        async with client.events() as events:
            assert await client.call_tool("bump_counter") is not None
            assert await events.get(timeout=10) == ResourceUpdated(uri=COUNTER)
        await async_wait_for(lambda: recorder.updated == [COUNTER], timeout=10)

    async def plain(message: Any) -> None:
        raw.append(message)

    async with Client(source, mode=mode, message_handler=plain) as client:
        await client.subscribe_resource(COUNTER)
        await client.call_tool("bump_counter")
        await async_wait_for(lambda: any(isinstance(m, types.ResourceUpdatedNotification) for m in raw), timeout=10)


@pytest.mark.anyio
async def test_unsubscribe_stops_updates(everything_server: Any, mode: str) -> None:
    async with Client(everything_server, mode=mode) as client:
        await client.subscribe_resource(COUNTER)
        async with client.events() as events:
            await client.call_tool("bump_counter")
            assert await events.get(timeout=10) == ResourceUpdated(uri=COUNTER)
            await client.unsubscribe_resource(COUNTER)
            await client.call_tool("bump_counter")
            # A later event proves the stream still flows; nothing about the counter comes before it.
            await client.call_tool("add_tool_dynamically", {"name": "after_unsubscribe"})
            assert await events.get(timeout=10) == ToolsListChanged()
            with pytest.raises(mcpclient.TimeoutError):
                await events.get(timeout=0.2)


@pytest.mark.anyio
async def test_tool_list_changed_then_call_new_tool(source: Any, mode: str) -> None:
    recorder = Recorder()
    async with Client(source, mode=mode, message_handler=recorder) as client:
        assert "fresh_tool" not in {tool.name for tool in await client.list_tools()}
        async with client.events(resource_updates=False) as events:
            assert await client.call_tool("add_tool_dynamically", {"name": "fresh_tool"}) is not None
            assert await events.get(timeout=10) == ToolsListChanged()
        await async_wait_for(lambda: recorder.tool_list_changed >= 1, timeout=10)
        result = await client.call_tool("fresh_tool")
        assert result.text == "fresh_tool"
        assert "fresh_tool" in {tool.name for tool in await client.list_tools()}


@pytest.mark.anyio
async def test_events_filter_and_close(everything_server: Any, mode: str) -> None:
    async with Client(everything_server, mode=mode) as client:
        await client.subscribe_resource(COUNTER)
        async with client.events(list_changes=False) as updates, client.events(resource_updates=False) as changes:
            await client.call_tool("add_tool_dynamically", {"name": "filtered"})
            await client.call_tool("bump_counter")
            assert await updates.get(timeout=10) == ResourceUpdated(uri=COUNTER)
            assert await changes.get(timeout=10) == ToolsListChanged()
        collected = [event async for event in updates]  # closed: iteration ends at once
        assert collected == []


@pytest.mark.anyio
async def test_modern_listen_stream_follows_subscriptions(everything_server: Any) -> None:
    async with Client(everything_server) as client:
        assert client.protocol_version == "2026-07-28"
        await client.subscribe_resource(COUNTER)
        hub = client._session.hub
        assert hub.listener is not None and hub.listener.uris == {COUNTER}
        await client.subscribe_resource("data://greeting")
        assert hub.listener.uris == {COUNTER, "data://greeting"}
        await client.unsubscribe_resource(COUNTER)
        await client.unsubscribe_resource("data://greeting")
        assert hub.listener is None  # nothing to deliver to: no stream held open


@pytest.mark.anyio
async def test_subscribe_requires_connection(everything_server: Any) -> None:
    client = Client(everything_server)
    with pytest.raises(mcpclient.NotConnectedError):
        await client.subscribe_resource(COUNTER)
    with pytest.raises(mcpclient.NotConnectedError):
        async with client.events():
            pass


@pytest.mark.anyio
async def test_subscriptions_survive_reconnect(everything_script: Path, mode: str) -> None:
    transport = PythonStdioTransport(everything_script, keep_alive=False)
    async with Client(transport, mode=mode) as client, client.events() as events:
        await client.subscribe_resource(COUNTER)
        pid = (await client.call_tool("getpid")).data
        with pytest.raises(mcpclient.ConnectionLostError):
            await client.call_tool("crash")
        # The next call reconnects to a fresh server; the subscription is restored before it runs.
        assert (await client.call_tool("getpid")).data != pid
        await client.call_tool("bump_counter")
        assert await events.get(timeout=10) == ResourceUpdated(uri=COUNTER)
    with pytest.raises(mcpclient.ClientClosedError):
        await events.get(timeout=1)


# ---------------------------------------------------------------------------------- blocking


def test_sync_blocking_iterator_and_handler(source: Any, mode: str) -> None:
    recorder = Recorder()
    with SyncClient(source, mode=mode, message_handler=recorder) as client:
        client.subscribe_resource(COUNTER)
        received: list[Any] = []
        with client.events(timeout=10) as events:
            client.call_tool("bump_counter")
            for event in events:
                received.append(event)
                break
        assert received == [ResourceUpdated(uri=COUNTER)]
        wait_for(lambda: recorder.updated == [COUNTER], timeout=10)
        assert not any(name.startswith("mcpclient-loop") for name in recorder.threads)

        client.unsubscribe_resource(COUNTER)
        events = client.events(timeout=10)
        client.call_tool("bump_counter")
        client.call_tool("add_tool_dynamically", {"name": "sync_tool"})
        assert next(events) == ToolsListChanged()  # no counter update before it
        events.close()
        assert list(events) == []
        assert client.call_tool("sync_tool").text == "sync_tool"
        wait_for(lambda: recorder.tool_list_changed >= 1, timeout=10)
        assert recorder.updated == [COUNTER]


def test_sync_iterator_idle_timeout_ends_iteration(everything_server: Any, mode: str) -> None:
    with SyncClient(everything_server, mode=mode) as client:
        started = time.monotonic()
        assert list(client.events(timeout=0.2)) == []
        assert time.monotonic() - started >= 0.2
        with client.events() as events, pytest.raises(mcpclient.TimeoutError):
            events.get(timeout=0.1)


def test_sync_break_closes_stream(everything_server: Any) -> None:
    with SyncClient(everything_server) as client:
        client.subscribe_resource(COUNTER)
        hub = client.async_client._session.hub
        with client.events(timeout=10) as stream:
            client.call_tool("bump_counter")
            for event in stream:
                assert event == ResourceUpdated(uri=COUNTER)
                break
        assert stream._sink.closed  # leaving `with` closed it
        forgotten = client.events(timeout=10)
        sink = forgotten._sink
        del forgotten  # garbage collection closes it too (without a blocking call)
        assert sink.closed
        client.unsubscribe_resource(COUNTER)
        assert hub.listener is None  # nothing left to deliver to: the listen stream stopped
