# ruff: noqa: RUF001, RUF003 - the tables use × and – on purpose
"""Notifications: one call during which the server sends N log messages, per client.

The minimal server writes the messages in batches, so the client is what limits the rate.
Every handler counts the messages and stamps the first one; a round fails if a client
delivers fewer than N. Reported: messages/s over the whole call, and the time from sending
the call to the first message reaching the handler (for SyncClient: the caller's thread).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from . import approaches as ap
from .harness import Approach, AsyncApproach, Result, SyncApproach, interleave


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self.first: float | None = None

    def hit(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        self.count += 1


def _timed(call: Callable[[], Any], counter: _Counter, n: int, first: list[float]) -> Callable[[], Any]:
    def run() -> Any:
        counter.count, counter.first = 0, None
        t0 = time.perf_counter()
        call()
        if counter.count != n:
            raise RuntimeError(f"{counter.count} of {n} log messages delivered")
        assert counter.first is not None
        first.append((counter.first - t0) * 1e3)

    return run


def _timed_async(
    call: Callable[[], Awaitable[Any]], counter: _Counter, n: int, first: list[float]
) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        counter.count, counter.first = 0, None
        t0 = time.perf_counter()
        await call()
        if counter.count != n:
            raise RuntimeError(f"{counter.count} of {n} log messages delivered")
        assert counter.first is not None
        first.append((counter.first - t0) * 1e3)

    return run


def _approaches(target: ap.Target, n: int, firsts: dict[str, list[float]]) -> list[Approach]:
    args = {"n": n}

    def sync_setup() -> tuple[Callable[[], Any], Callable[[], None]]:
        from mcpclient import SyncClient

        counter = _Counter()
        client = SyncClient(str(target.script), log_handler=lambda message: counter.hit())
        client.connect()
        return _timed(lambda: client.call_tool("logs", args), counter, n, firsts["SyncClient"]), client.close

    async def async_setup(stack: contextlib.AsyncExitStack) -> Callable[[], Awaitable[Any]]:
        from mcpclient import Client

        counter = _Counter()

        async def handler(message: Any) -> None:
            counter.hit()

        client = await stack.enter_async_context(Client(str(target.script), log_handler=handler))
        return _timed_async(lambda: client.call_tool("logs", args), counter, n, firsts["mcpclient.Client (async)"])

    async def raw_setup(stack: contextlib.AsyncExitStack) -> Callable[[], Awaitable[Any]]:
        from mcp import ClientSession
        from mcp.client.stdio import stdio_client

        counter = _Counter()

        async def logging_callback(params: Any) -> None:
            counter.hit()

        read, write = await stack.enter_async_context(stdio_client(target.stdio_params()))
        session = await stack.enter_async_context(ClientSession(read, write, logging_callback=logging_callback))
        await session.initialize()
        return _timed_async(lambda: session.call_tool("logs", args), counter, n, firsts["raw ClientSession"])

    async def fastmcp_setup(stack: contextlib.AsyncExitStack) -> Callable[[], Awaitable[Any]]:
        reason = ap.fastmcp_available()
        if reason:
            from .harness import Skip

            raise Skip(reason)
        from fastmcp import Client
        from fastmcp.client.transports import PythonStdioTransport

        counter = _Counter()

        async def log_handler(message: Any) -> None:
            counter.hit()

        assert target.script is not None
        transport = PythonStdioTransport(str(target.script), python_cmd=sys.executable)
        client = await stack.enter_async_context(Client(transport, log_handler=log_handler))
        return _timed_async(lambda: client.call_tool("logs", args), counter, n, firsts["fastmcp Client"])

    return [
        SyncApproach("SyncClient", sync_setup, note="plain-function handler, run in the calling thread"),
        AsyncApproach("mcpclient.Client (async)", async_setup),
        AsyncApproach("raw ClientSession", raw_setup),
        AsyncApproach("fastmcp Client", fastmcp_setup),
    ]


def case_notifications(cfg: Any) -> list[Any]:
    from .cases import Table

    n = cfg.n(100_000, 20_000)
    target = ap.Target("stdio", ap.FAST_SERVER)
    names = ["SyncClient", "mcpclient.Client (async)", "raw ClientSession", "fastmcp Client"]
    firsts: dict[str, list[float]] = {name: [] for name in names}
    rows = _approaches(target, n, firsts)
    rounds = cfg.slow_rounds
    print(f"  notifications: {len(rows)} approaches × {rounds} rounds × {n:,} messages", file=sys.stderr, flush=True)

    results = interleave(rows, rounds=rounds, measure=lambda a: n / a.run(1), warmup=lambda a: a.run(1))
    for name in results:
        firsts[name][:] = firsts[name][1:]  # drop the warm-up
    rate = Table(
        "notifications",
        f"one call during which the server sends {n:,} log messages, stdio → minimal server — messages/s "
        f"({rounds} rounds)",
        "calls/s",
        results,
        ratio_label="SyncClient ÷ row",
        lower_is_better=False,
    )
    rate.notes.append("‘calls/s’ here is log messages per second delivered to the handler during the call.")
    rate.check(
        "notifications: SyncClient (handler in the caller's thread) ≥ 1.0× raw ClientSession throughput",
        "raw ClientSession",
        1.0,
        higher_is_better=True,
    )
    latency = Table(
        "notifications-first",
        f"the same call: from sending it to the first message in the handler — ms ({rounds} rounds)",
        "ms",
        {name: Result(name, firsts[name]) for name in names if firsts[name]},
    )
    return [rate, latency]
