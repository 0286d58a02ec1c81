# ruff: noqa: RUF001, RUF002, RUF003 - the tables use × and – on purpose
"""The benchmark cases. Each returns a `Table` (rows of per-round samples) and its target checks."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import approaches as ap
from . import distributed as _distributed
from .harness import Approach, AsyncApproach, Result, Skip, SyncApproach, interleave, ratio_stats

ROOT = ap.HERE.parent


@dataclass
class Config:
    quick: bool
    rounds: int  # rounds of the fast cases (call_tool round trips)
    slow_rounds: int  # rounds of the slow ones (threads, payloads, connect, fresh processes)
    scale: float  # multiplies iteration counts

    def n(self, full: int, quick: int) -> int:
        return max(1, int((quick if self.quick else full) * self.scale))


@dataclass
class Check:
    """A target: `value` (median over rounds, with min–max) compared with `limit`."""

    what: str
    value: float
    lo: float
    hi: float
    limit: float
    higher_is_better: bool = False
    unit: str = "×"
    cpu: tuple[float, float, float] | None = None  # the same ratio on client CPU time (less noisy)

    @property
    def ok(self) -> bool:
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit


@dataclass
class Table:
    key: str
    title: str
    unit: str
    results: dict[str, Result]
    baseline: str = "SyncClient"  # ratios are `baseline ÷ row`
    notes: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    ratio_label: str = "SyncClient ÷ row"
    lower_is_better: bool = True
    scaling: dict[str, tuple[float, float, float]] | None = None  # thread tables: row ÷ one worker

    def ratio(self, name: str) -> tuple[float, float, float]:
        return ratio_stats(self.results[self.baseline], self.results[name])

    def cpu_ratio(self, name: str) -> tuple[float, float, float]:
        return ratio_stats(self.results[self.baseline].cpu_result, self.results[name].cpu_result)

    def check(
        self,
        what: str,
        row: str,
        limit: float,
        *,
        invert: bool = False,
        higher_is_better: bool = False,
        base_row: str | None = None,
    ) -> None:
        """Add a target on the ratio baseline÷row (or row÷baseline with `invert`; `base_row` for another baseline)."""
        base, other = self.results.get(base_row or self.baseline), self.results.get(row)
        if base is None or other is None or not base.samples or not other.samples:
            return
        med, lo, hi = ratio_stats(other, base) if invert else ratio_stats(base, other)
        check = Check(what, med, lo, hi, limit, higher_is_better)
        if base.cpu and other.cpu:
            check.cpu = (
                ratio_stats(other.cpu_result, base.cpu_result)
                if invert
                else ratio_stats(base.cpu_result, other.cpu_result)
            )
        self.checks.append(check)


Case = Callable[[Config], list[Table]]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _per_call(n: int, unit_scale: float = 1e6) -> Callable[[Approach], tuple[float, float]]:
    """Wall and process-CPU time per operation (in µs by default)."""

    def measure(a: Approach) -> tuple[float, float]:
        wall = a.run(n)
        return wall / n * unit_scale, a.last_cpu / n * unit_scale

    return measure


def _warm(n: int) -> Callable[[Approach], Any]:
    return lambda a: a.run(n)


# ------------------------------------------------------------------ servers


@contextlib.contextmanager
def http_server(extra_tools: int = 0) -> Iterator[str]:
    """The MCPServer benchmark server on Streamable HTTP (uvicorn, 127.0.0.1, ephemeral port)."""
    workdir = Path(tempfile.mkdtemp(prefix="mcpclient-bench-"))
    port_file = workdir / "port"
    args = [sys.executable, str(ap.MCP_SERVER), "--http", "0", "--port-file", str(port_file)]
    if extra_tools:
        args += ["--tools", str(extra_tools)]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"HTTP server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise RuntimeError("HTTP server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{int(port_file.read_text())}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------ call_tool round trips


def _call_approaches(target: ap.Target, op: ap.Op, *, modern_server: bool, quick: bool) -> list[Approach]:
    """The rows of a call_tool table; `quick` keeps the ones the targets and baselines need."""
    rows: list[Approach] = [ap.sync_client(target, op)]
    if modern_server:
        rows.append(ap.sync_client(target, op, mode="legacy", name="SyncClient (mode=legacy)"))
    if not quick:
        rows.append(ap.async_client(target, op))
    rows.append(ap.raw_session(target, op))
    if target.kind == "stdio":
        rows.append(ap.raw_session(target, op, transport="mcpclient"))
    rows.append(ap.sdk_client(target, op))
    if modern_server and not quick:
        rows.append(ap.sdk_client(target, op, mode="legacy"))
    rows.append(ap.fastmcp_client(target, op))
    if not quick:
        rows.append(ap.portal_client(target, op))
    return rows


def _call_table(
    key: str, title: str, target: ap.Target, cfg: Config, n: int, *, modern_server: bool, rounds: int | None = None
) -> Table:
    op = ap.Op()
    rows = _call_approaches(target, op, modern_server=modern_server, quick=cfg.quick)
    rounds = rounds or cfg.rounds
    _log(f"  {key}: {len(rows)} approaches × {rounds} rounds × {n} calls")
    results = interleave(rows, rounds=rounds, measure=_per_call(n), warmup=_warm(min(n, 200)), log=_log)
    table = Table(key, f"{title} — µs per call_tool(echo) ({rounds} rounds × {n} calls)", "µs", results)
    if "fastmcp Client" in results and results["fastmcp Client"].skipped:
        table.notes.append(f"fastmcp row skipped: {results['fastmcp Client'].skipped}")
    return table


def case_call_stdio_fast(cfg: Config) -> list[Table]:
    target = ap.Target("stdio", ap.FAST_SERVER)
    t = _call_table(
        "call-stdio-fast",
        "call_tool over stdio → minimal JSON-lines server",
        target,
        cfg,
        cfg.n(400, 150),
        modern_server=False,
    )
    t.check("stdio, minimal server: SyncClient ≤ 1.10× raw ClientSession (SDK stdio_client)", "raw ClientSession", 1.10)
    t.check(
        "stdio, minimal server: SyncClient ≤ 1.10× raw ClientSession (same stdio transport)",
        "raw ClientSession + mcpclient stdio",
        1.10,
    )
    t.check("stdio, minimal server: SyncClient ≤ 0.85× fastmcp Client", "fastmcp Client", 0.85)
    return [t]


def case_call_stdio_mcp(cfg: Config) -> list[Table]:
    target = ap.Target("stdio", ap.MCP_SERVER)
    t = _call_table(
        "call-stdio-mcp", "call_tool over stdio → MCPServer", target, cfg, cfg.n(150, 40), modern_server=True
    )
    t.check("stdio, MCPServer: SyncClient ≤ 1.10× raw ClientSession (SDK stdio_client)", "raw ClientSession", 1.10)
    t.check(
        "stdio, MCPServer: SyncClient ≤ 1.10× raw ClientSession (same stdio transport)",
        "raw ClientSession + mcpclient stdio",
        1.10,
    )
    t.check(
        "stdio, MCPServer, both on the legacy protocol: SyncClient(mode=legacy) ≤ 1.10× raw ClientSession",
        "raw ClientSession",
        1.10,
        base_row="SyncClient (mode=legacy)",
    )
    t.check(
        "stdio, MCPServer, legacy protocol, same stdio transport: SyncClient(mode=legacy) ≤ 1.10× raw ClientSession",
        "raw ClientSession + mcpclient stdio",
        1.10,
        base_row="SyncClient (mode=legacy)",
    )
    t.check("stdio, MCPServer: SyncClient ≤ 0.85× fastmcp Client", "fastmcp Client", 0.85)
    t.notes.append(
        "SyncClient and mcp.Client default to mode='auto', which speaks 2026-07-28 to this server; "
        "raw ClientSession and fastmcp speak the legacy protocol. The (mode=legacy) rows compare like with like."
    )
    return [t]


def case_call_memory(cfg: Config) -> list[Table]:
    target = ap.Target("memory")
    t = _call_table(
        "call-memory",
        "call_tool in memory → MCPServer (same process)",
        target,
        cfg,
        cfg.n(400, 150),
        modern_server=True,
    )
    t.check("in memory: SyncClient ≤ 0.6× fastmcp Client", "fastmcp Client", 0.6)
    t.notes.append(
        "In memory the server runs in the client's event loop (for SyncClient: on its loop thread). "
        "mode='auto' uses the SDK's direct in-process dispatch; raw ClientSession and fastmcp use memory streams."
    )
    return [t]


def case_call_http(cfg: Config) -> list[Table]:
    with http_server() as url:
        target = ap.Target("http", url=url)
        t = _call_table(
            "call-http",
            "call_tool over Streamable HTTP → MCPServer (uvicorn, 127.0.0.1)",
            target,
            cfg,
            cfg.n(30, 20),
            rounds=cfg.slow_rounds,
            modern_server=True,
        )
    t.check("Streamable HTTP, MCPServer: SyncClient ≤ 1.10× raw ClientSession", "raw ClientSession", 1.10)
    t.check(
        "Streamable HTTP, MCPServer, both on the legacy protocol: SyncClient(mode=legacy) ≤ 1.10× raw ClientSession",
        "raw ClientSession",
        1.10,
        base_row="SyncClient (mode=legacy)",
    )
    return [t]


# ------------------------------------------------------------------ the thread hop alone


def _plain_threads() -> tuple[Callable[[], Any], Callable[[], None]]:
    """The floor of any thread hop: an echo thread, an item there and back through two SimpleQueues."""
    import queue
    import threading

    there: queue.SimpleQueue[Any] = queue.SimpleQueue()
    back: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def echo() -> None:
        while (item := there.get()) is not None:
            back.put(item)

    threading.Thread(target=echo, daemon=True).start()

    def call() -> Any:
        there.put(1)
        return back.get()

    return call, (lambda: there.put(None))


def case_hop(cfg: Config) -> list[Table]:
    """What a blocking call into an event-loop thread costs, with no MCP at all (an async no-op)."""
    import asyncio
    import threading

    def loop_thread() -> tuple[Callable[[], Any], Callable[[], None]]:
        from mcpclient.sync.dispatch import Dispatcher
        from mcpclient.sync.loop import LoopThread

        async def noop() -> None:
            return None

        lt = LoopThread("bench", Dispatcher("bench"))
        return (lambda: lt.call(noop)), lt.stop

    def portal() -> tuple[Callable[[], Any], Callable[[], None]]:
        from anyio.from_thread import start_blocking_portal

        async def noop() -> None:
            return None

        cm = start_blocking_portal()
        p = cm.__enter__()

        def close() -> None:
            cm.__exit__(None, None, None)

        return (lambda: p.call(noop)), close

    def run_coroutine_threadsafe() -> tuple[Callable[[], Any], Callable[[], None]]:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()

        async def noop() -> None:
            return None

        def stop() -> None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()

        return (lambda: asyncio.run_coroutine_threadsafe(noop(), loop).result()), stop

    rows: list[Approach] = [
        SyncApproach("mcpclient LoopThread.call", loop_thread, note="what every SyncClient call pays"),
        SyncApproach("anyio BlockingPortal.call", portal),
        SyncApproach("asyncio.run_coroutine_threadsafe().result()", run_coroutine_threadsafe),
        SyncApproach("two plain threads, SimpleQueue there and back", _plain_threads, note="no event loop"),
    ]
    n = cfg.n(3000, 1000)
    _log(f"  hop: {len(rows)} approaches × {cfg.rounds} rounds × {n}")
    results = interleave(rows, rounds=cfg.rounds, measure=_per_call(n), warmup=_warm(n), log=_log)
    return [
        Table(
            "hop",
            f"the thread hop alone: a blocking call of an async no-op on a loop thread — µs per call "
            f"({cfg.rounds} rounds × {n})",
            "µs",
            results,
            baseline="mcpclient LoopThread.call",
            ratio_label="LoopThread ÷ row",
        )
    ]


# ------------------------------------------------------------------ where a SyncClient call's time goes


def case_anatomy(cfg: Config) -> list[Table]:
    """One SyncClient call taken apart: the hop in each direction, the engine, and the floors."""
    targets = [("stdio", ap.Target("stdio", ap.FAST_SERVER), "stdio → minimal server")]
    if not cfg.quick:
        targets.append(("memory", ap.Target("memory"), "in memory → MCPServer"))
    return [_anatomy_table(key, target, label, cfg, cfg.n(400, 150)) for key, target, label in targets]


_ANATOMY_ROWS = [
    "SyncClient call, total",
    "  caller → loop: submit, wake the loop, start the task",
    "  engine on the loop thread (Client.call_tool)",
    "  loop → caller: hand back, wake the caller, return",
    "engine alone: Client.call_tool back to back on the loop thread",
    "the hop in context: total − engine alone",
    "bare hop: LoopThread.call of an async no-op (same loop)",
    "floor: two plain threads, SimpleQueue there and back",
]


def _anatomy_table(key: str, target: ap.Target, label: str, cfg: Config, n: int) -> Table:
    """Per round, the medians of each part of n SyncClient calls, and of the same engine without a hop.

    The async `Client.call_tool` that the SyncClient runs on its loop thread is wrapped (on this
    one client instance) to stamp when it starts and ends there, which splits each call into the
    caller → loop leg, the engine and the loop → caller leg.
    """
    import statistics

    from mcpclient import SyncClient

    clock = time.perf_counter
    source, options = ap._mcpclient_source(target)
    client = SyncClient(source, **options)
    engine = client.async_client
    call_tool = engine.call_tool
    stamps: dict[str, float] = {}

    async def stamped(*args: Any, **kwargs: Any) -> Any:
        stamps["start"] = clock()
        try:
            return await call_tool(*args, **kwargs)
        finally:
            stamps["end"] = clock()

    async def back_to_back(count: int) -> list[float]:
        out = []
        for _ in range(count):
            t0 = clock()
            await call_tool("echo", {"text": "hello"})
            out.append(clock() - t0)
        return out

    async def noop() -> None:
        return None

    def timed(fn: Callable[[], Any]) -> float:
        samples = []
        for _ in range(n):
            t0 = clock()
            fn()
            samples.append(clock() - t0)
        return statistics.median(samples)

    results = {name: Result(name) for name in _ANATOMY_ROWS}
    ping, stop_ping = _plain_threads()
    try:
        client.connect()
        portal = client._portal()  # the loop thread (internal: this case measures the facade itself)
        engine.call_tool = stamped  # type: ignore[method-assign]
        for _ in range(min(n, 200)):
            client.call_tool("echo", {"text": "hello"})
        portal.call(back_to_back, 50)
        _log(f"  anatomy ({key}): {cfg.rounds} rounds × {n} calls")
        for _ in range(cfg.rounds):
            total, leg_in, eng, leg_out = [], [], [], []
            for _ in range(n):
                t0 = clock()
                client.call_tool("echo", {"text": "hello"})
                t3 = clock()
                total.append(t3 - t0)
                leg_in.append(stamps["start"] - t0)
                eng.append(stamps["end"] - stamps["start"])
                leg_out.append(t3 - stamps["end"])
            alone = statistics.median(portal.call(back_to_back, n))
            medians = [statistics.median(x) for x in (total, leg_in, eng, leg_out)]
            medians += [alone, medians[0] - alone, timed(lambda: portal.call(noop))]
            medians.append(timed(ping))
            for name, value in zip(_ANATOMY_ROWS, medians, strict=True):
                results[name].samples.append(value * 1e6)
    finally:
        engine.call_tool = call_tool  # type: ignore[method-assign]
        stop_ping()
        client.close()
    t = Table(
        f"anatomy-{key}",
        f"where a SyncClient call_tool(echo) goes, {label} — µs, medians per round ({cfg.rounds} rounds × {n})",
        "µs",
        results,
        ratio_label="",
    )
    t.notes.append(
        "The legs are medians of their own, so they need not add up to the total's median. The hop in "
        "context costs more than the bare hop: after each wake-up the woken thread runs on cold caches."
    )
    return t


# ------------------------------------------------------------------ payloads and listings


def _simple_table(
    key: str,
    title: str,
    target: ap.Target,
    op: ap.Op,
    cfg: Config,
    n: int,
    unit: str = "ms",
    *,
    legacy_row: bool = True,
) -> Table:
    rows: list[Approach] = [ap.sync_client(target, op)]
    if legacy_row and not cfg.quick:
        rows.append(ap.sync_client(target, op, mode="legacy", name="SyncClient (mode=legacy)"))
    rows.append(ap.raw_session(target, op))
    if not cfg.quick:
        rows.append(ap.sdk_client(target, op))
    rows.append(ap.fastmcp_client(target, op))
    scale = 1e3 if unit == "ms" else 1e6
    rounds = cfg.slow_rounds
    _log(f"  {key}: {len(rows)} approaches × {rounds} rounds × {n}")
    results = interleave(rows, rounds=rounds, measure=_per_call(n, scale), warmup=_warm(1), log=_log)
    return Table(key, f"{title} ({rounds} rounds × {n})", unit, results)


def case_list_tools(cfg: Config) -> list[Table]:
    target = ap.Target("stdio", ap.MCP_SERVER, args=["--tools", "500"])
    t = _simple_table(
        "list-tools-500",
        "list_tools with 500 tools, stdio → MCPServer — ms per call",
        target,
        ap.Op.list_tools(),
        cfg,
        cfg.n(8, 5),
    )
    return [t]


def case_payloads(cfg: Config) -> list[Table]:
    tables = []
    sizes = [(1 << 20, "1 MB", cfg.n(6, 4))]
    if not cfg.quick:  # the SDK's stdio_client takes seconds per 10 MB line
        sizes.append((10 << 20, "10 MB", cfg.n(1, 1)))
    for size, label, n in sizes:
        target = ap.Target("stdio", ap.MCP_SERVER)
        op = ap.Op(tool="blob", arguments={"size": size})
        tables.append(
            _simple_table(
                f"result-{label.replace(' ', '')}",
                f"a {label} tool result, stdio → MCPServer — ms per call",
                target,
                op,
                cfg,
                n,
            )
        )
    return tables


# ------------------------------------------------------------------ progress


def case_progress(cfg: Config) -> list[Table]:
    n = cfg.n(15, 8)
    rounds = cfg.slow_rounds
    tables = []
    servers = [(ap.FAST_SERVER, "minimal server"), (ap.MCP_SERVER, "MCPServer")]
    for server, label in servers[:1] if cfg.quick else servers:
        target = ap.Target("stdio", server)
        op = ap.Op(tool="progress", arguments={"n": 100}, progress=True)
        rows: list[Approach] = [
            ap.sync_client(target, op, note="plain-function handler, run in the calling thread"),
            ap.async_client(target, op),
            ap.raw_session(target, op),
            ap.sdk_client(target, op),
            ap.fastmcp_client(target, op),
        ]
        _log(f"  progress ({label}): {len(rows)} approaches × {rounds} rounds × {n}")
        results = interleave(rows, rounds=rounds, measure=_per_call(n), warmup=_warm(2), log=_log)
        t = Table(
            f"progress-{'fast' if server == ap.FAST_SERVER else 'mcp'}",
            f"a call with 100 progress notifications, stdio → {label} — µs per call ({rounds} rounds × {n})",
            "µs",
            results,
        )
        tables.append(t)
    return tables


# ------------------------------------------------------------------ threads


def case_threads(cfg: Config) -> list[Table]:
    """One SyncClient shared by N threads vs N tasks on one raw ClientSession (minimal server)."""
    tables = []
    target = ap.Target("stdio", ap.FAST_SERVER)
    counts = (1, 8, 32) if cfg.quick else (1, 2, 4, 8, 16, 32)
    rounds = cfg.slow_rounds
    for tool, args, total in (("sleep", {"ms": 10}, cfg.n(320, 128)), ("noop", {}, cfg.n(1600, 640))):
        op = ap.Op(tool=tool, arguments=args)
        sync = ap.sync_client(target, op)
        raw = ap.raw_session(target, op)
        results: dict[str, Result] = {}
        for a in (sync, raw):
            for k in counts:
                label = "threads" if a is sync else "tasks"
                results[f"{a.name}, {k} {label}"] = Result(f"{a.name}, {k} {label}")
        live: list[Approach] = []
        try:
            for a in (sync, raw):
                a.open()
                a.run_concurrent(8, 20)
                live.append(a)
            _log(
                f"  threads ({tool}): {rounds} rounds × {len(counts)} thread counts × 2 approaches, {total} calls each"
            )
            for r in range(rounds):
                for approach in live if r % 2 == 0 else live[::-1]:
                    for k in counts:
                        per = max(16 if tool == "sleep" else 1, total // k)  # enough calls per thread
                        wall = approach.run_concurrent(k, per)
                        label = "threads" if approach is sync else "tasks"
                        row = results[f"{approach.name}, {k} {label}"]
                        row.samples.append(k * per / wall)
                        row.cpu.append(approach.last_cpu / (k * per) * 1e6)  # client CPU µs per call
        finally:
            for opened in live:
                opened.close()
        t = Table(
            f"threads-{tool}",
            f"one client shared by N threads (SyncClient) or N tasks (raw ClientSession), tool `{tool}`"
            f"{' (10 ms)' if tool == 'sleep' else ''}, stdio → minimal server — calls/s ({rounds} rounds)",
            "calls/s",
            results,
            baseline="SyncClient, 1 threads",
            ratio_label="row ÷ 1 thread (or 1 task)",
            lower_is_better=False,
        )
        # Scaling ratios are row ÷ the same approach with one worker.
        t.scaling = {
            name: ratio_stats(
                res, results[name.rsplit(",", 1)[0] + (", 1 threads" if "threads" in name else ", 1 tasks")]
            )
            for name, res in results.items()
        }
        if tool == "sleep":
            for k, limit in ((8, 7.5), (32, 25.0)):
                med, lo, hi = t.scaling[f"SyncClient, {k} threads"]
                t.checks.append(
                    Check(
                        f"10 ms tool: SyncClient shared by {k} threads ≥ {limit}× one thread", med, lo, hi, limit, True
                    )
                )
        else:
            med, lo, hi = ratio_stats(results["SyncClient, 8 threads"], results["raw ClientSession, 8 tasks"])
            t.checks.append(
                Check(
                    "no-op tool: SyncClient, 8 threads ≥ raw ClientSession, 8 tasks (throughput ratio)",
                    med,
                    lo,
                    hi,
                    1.0,
                    True,
                )
            )
        tables.append(t)
    return tables


# ------------------------------------------------------------------ connect, naive asyncio.run


def case_connect(cfg: Config) -> list[Table]:
    tables = []
    n = cfg.n(2, 1)
    servers = [(ap.FAST_SERVER, "minimal server"), (ap.MCP_SERVER, "MCPServer")]
    for server, label in servers[:1] if cfg.quick else servers:
        target = ap.Target("stdio", server)
        rows: list[Approach] = [
            _connect_sync(target),
            _connect_raw(target),
            _connect_sdk(target),
            _connect_fastmcp(target),
        ]
        _log(f"  connect ({label}): {len(rows)} approaches × {cfg.slow_rounds} rounds × {n}")
        results = interleave(rows, rounds=cfg.slow_rounds, measure=_per_call(n, 1e3), warmup=_warm(1), log=_log)
        tables.append(
            Table(
                f"connect-{'fast' if server == ap.FAST_SERVER else 'mcp'}",
                f"connect + initialize + close, stdio → {label} — ms ({cfg.slow_rounds} rounds × {n})",
                "ms",
                results,
            )
        )
    return tables


def _connect_sync(target: ap.Target) -> SyncApproach:
    def setup() -> tuple[Callable[[], Any], Callable[[], None]]:
        from mcpclient import SyncClient

        def once() -> None:
            client = SyncClient(str(target.script))
            with client:
                pass
            client.close()

        return once, lambda: None

    return SyncApproach("SyncClient", setup, note="new SyncClient, `with client:`, close()")


def _connect_raw(target: ap.Target) -> AsyncApproach:
    async def setup(stack: contextlib.AsyncExitStack) -> Callable[[], Any]:
        from mcp import ClientSession
        from mcp.client.stdio import stdio_client

        async def once() -> None:
            async with stdio_client(target.stdio_params()) as (r, w), ClientSession(r, w) as s:
                await s.initialize()

        return once

    return AsyncApproach("raw ClientSession", setup)


def _connect_sdk(target: ap.Target) -> AsyncApproach:
    async def setup(stack: contextlib.AsyncExitStack) -> Callable[[], Any]:
        import mcp

        async def once() -> None:
            async with mcp.Client(target.stdio_params()):
                pass

        return once

    return AsyncApproach("mcp.Client (auto)", setup)


def _connect_fastmcp(target: ap.Target) -> AsyncApproach:
    async def setup(stack: contextlib.AsyncExitStack) -> Callable[[], Any]:
        reason = ap.fastmcp_available()
        if reason:
            raise Skip(reason)
        from fastmcp import Client
        from fastmcp.client.transports import PythonStdioTransport

        async def once() -> None:
            async with Client(PythonStdioTransport(str(target.script), python_cmd=sys.executable)):
                pass

        return once

    return AsyncApproach("fastmcp Client", setup)


def case_asyncio_run(cfg: Config) -> list[Table]:
    """The naive sync wrapper: `asyncio.run()` of a fresh connect + call per call."""
    target = ap.Target("stdio", ap.MCP_SERVER)
    op = ap.Op()

    def naive_setup() -> tuple[Callable[[], Any], Callable[[], None]]:
        import asyncio

        import mcp

        async def once() -> Any:
            async with mcp.Client(target.stdio_params()) as client:
                return await client.call_tool(op.tool, op.arguments)

        return (lambda: asyncio.run(once())), (lambda: None)

    naive = SyncApproach("asyncio.run(connect + call) per call", naive_setup)
    sync = ap.sync_client(target, op)
    n_naive, n_sync = cfg.n(2, 1), cfg.n(300, 100)
    _log(f"  asyncio.run: {cfg.slow_rounds} rounds × ({n_naive} naive, {n_sync} SyncClient)")
    results = interleave(
        [sync, naive],
        rounds=cfg.slow_rounds,
        measure=lambda a: _per_call(n_naive if a is naive else n_sync)(a),
        warmup=lambda a: a.run(1 if a is naive else 50),
        log=_log,
    )
    t = Table(
        "asyncio-run",
        "call_tool(echo), stdio → MCPServer: SyncClient vs asyncio.run() per call — "
        f"µs per call ({cfg.slow_rounds} rounds)",
        "µs",
        results,
    )
    t.check(
        "SyncClient ≥ 300× faster per call than asyncio.run() per call",
        "asyncio.run(connect + call) per call",
        300,
        invert=True,
        higher_is_better=True,
    )
    return [t]


# ------------------------------------------------------------------ fresh processes: import, CLI, memory


IMPORTS = {
    "import mcpclient": "import mcpclient",
    "from mcpclient import SyncClient": "from mcpclient import SyncClient",
    "from mcpclient import Client": "from mcpclient import Client",
    "import mcp.client.session": "import mcp.client.session",
    "import mcp": "import mcp",
    "from fastmcp import Client": "from fastmcp import Client",
}


_pycache_dir: str | None = None


def installed_env(**extra: str) -> dict[str, str]:
    """The environment for fresh interpreters, with bytecode caching as after `pip install`.

    A source checkout run with PYTHONDONTWRITEBYTECODE=1 (as this project's sandbox is) compiles
    every mcpclient module at every start while the SDK loads the .pyc files pip wrote: that
    measures the compiler, not the import. Bytecode goes to one temporary PYTHONPYCACHEPREFIX
    for every package alike (filled by the warm-up run), never into the source tree.
    """
    global _pycache_dir
    if _pycache_dir is None:
        _pycache_dir = tempfile.mkdtemp(prefix="mcpclient-bench-pycache-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _pycache_dir
    env.update(extra)
    return env


def _time_import(statement: str) -> float:
    code = f"import time, sys\nt = time.perf_counter()\n{statement}\nsys.stdout.write(repr(time.perf_counter() - t))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=installed_env()
    )
    return float(out.stdout) * 1e3


def case_import(cfg: Config) -> list[Table]:
    rows: list[Approach] = []
    for label, statement in IMPORTS.items():
        if "fastmcp" in statement and ap.fastmcp_available():
            continue
        if cfg.quick and label in ("import mcp", "from mcpclient import Client", "from fastmcp import Client"):
            continue

        def setup(statement: str = statement) -> tuple[Callable[[], Any], Callable[[], None]]:
            return (lambda: None), (lambda: None)

        rows.append(SyncApproach(label, setup))
    _log(f"  import: {len(rows)} statements × {cfg.slow_rounds} rounds, fresh interpreter each")
    results = interleave(
        rows,
        rounds=cfg.slow_rounds,
        measure=lambda a: _time_import(IMPORTS[a.name]),
        warmup=lambda a: _time_import(IMPORTS[a.name]),  # also fills the bytecode cache
        log=_log,
    )
    t = Table(
        "import",
        f"import time in a fresh interpreter — ms ({cfg.slow_rounds} rounds)",
        "ms",
        results,
        baseline="import mcpclient",
        ratio_label="row ÷ import mcp.client.session",
    )
    t.ratio = lambda name: ratio_stats(results[name], results["import mcp.client.session"])  # type: ignore[method-assign]
    for row in ("import mcpclient", "from mcpclient import SyncClient"):
        med, lo, hi = ratio_stats(results[row], results["import mcp.client.session"])
        t.checks.append(Check(f"`{row}` ≤ 1.1× `import mcp.client.session`", med, lo, hi, 1.1))
    t.notes.append("`import mcpclient` is lazy: the SDK is imported when a client is first constructed/connected.")
    return [t]


def case_cli(cfg: Config) -> list[Table]:
    if importlib.util.find_spec("mcpclient.cli") is None:
        raise Skip("mcpclient/cli.py does not exist yet")
    server = str(ap.MCP_SERVER)
    bindir = Path(sys.executable).parent
    mcpclient_cmd = (
        [str(bindir / "mcpclient")] if (bindir / "mcpclient").exists() else [sys.executable, "-m", "mcpclient"]
    )
    commands = {"mcpclient tools server.py --json": [*mcpclient_cmd, "tools", server, "--json"]}
    if (bindir / "fastmcp").exists():
        # `fastmcp list server.py` would run an SDK MCPServer script over HTTP on port 8000; `--command`
        # spawns it over stdio, as mcpclient does.
        commands["fastmcp list --command 'python server.py' --json"] = [
            str(bindir / "fastmcp"),
            "list",
            "--command",
            f"{sys.executable} {server}",
            "--json",
        ]

    env = installed_env(PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    rows: list[Approach] = []
    for label, command in commands.items():

        def setup(command: list[str] = command) -> tuple[Callable[[], Any], Callable[[], None]]:
            def once() -> None:
                subprocess.run(command, capture_output=True, check=True, cwd=ROOT, timeout=60, env=env)

            return once, lambda: None

        rows.append(SyncApproach(label, setup))
    _log(f"  cli: {len(rows)} commands × {cfg.slow_rounds} rounds")
    rounds = 2 if cfg.quick else cfg.slow_rounds
    results = interleave(rows, rounds=rounds, measure=lambda a: a.run(1) * 1e3, warmup=_warm(1), log=_log)
    return [
        Table(
            "cli",
            f"CLI: list the tools of a stdio MCPServer script, wall time — ms ({rounds} rounds)",
            "ms",
            results,
            baseline="mcpclient tools server.py --json",
            ratio_label="mcpclient ÷ row",
        )
    ]


def case_memory(cfg: Config) -> list[Table]:
    """RSS and live Python objects over 10,000 sequential calls, in a fresh process per client."""
    calls = 10_000
    results: dict[str, Result] = {}
    notes = []
    checks = []
    for client in ("sync",) if cfg.quick else ("sync", "raw"):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks._memory", client, str(calls)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )
        if out.returncode:
            raise RuntimeError(out.stderr[-2000:])
        data = json.loads(out.stdout)
        label = "SyncClient" if client == "sync" else "raw ClientSession"
        growth_kb = (data["rss"][-1] - data["rss"][0]) / 1024
        objects = data["objects"][-1] - data["objects"][0]
        results[f"{label}: RSS growth 1k→10k calls (KiB)"] = Result("", [growth_kb])
        results[f"{label}: live objects growth 1k→10k calls"] = Result("", [objects])
        results[f"{label}: peak RSS (MiB)"] = Result("", [data["peak_rss_kb"] / 1024])
        notes.append(f"{label} RSS (MiB) every 1,000 calls: " + ", ".join(f"{x / 2**20:.1f}" for x in data["rss"]))
        if client == "sync":
            checks.append(
                Check("no memory growth over 10,000 calls: live Python objects 1k→10k", objects, objects, objects, 100)
            )
            checks.append(
                Check(
                    "no memory growth over 10,000 calls: RSS 1k→10k (KiB)",
                    growth_kb,
                    growth_kb,
                    growth_kb,
                    1024,
                    unit=" KiB",
                )
            )
    for name, res in results.items():
        res.name = name
    t = Table(
        "memory",
        f"memory over {calls:,} sequential call_tool(echo), stdio → minimal server, fresh process each",
        "",
        results,
        baseline="",
        ratio_label="",
    )
    t.notes = notes
    t.checks = checks
    return [t]


# ------------------------------------------------------------------ many servers as one


def case_multi_server(cfg: Config) -> list[Table]:
    """An MCPConfig client over two stdio servers vs a direct client to one of them (minimal servers)."""

    def config(tools: int) -> dict[str, Any]:
        args = [str(ap.FAST_SERVER), *(["--tools", str(tools)] if tools else [])]
        entry = {"command": sys.executable, "args": args}
        return {"mcpServers": {"a": entry, "b": dict(entry)}}

    def sync(name: str, source: Any, op: ap.Op, *, proxy_only: bool = False, **options: Any) -> SyncApproach:
        def setup() -> tuple[Callable[[], Any], Callable[[], None]]:
            from mcpclient import SyncClient

            client = SyncClient(source, **options)
            client.connect()
            if proxy_only:  # the path every call took before calls were routed to the backend directly
                client.async_client._router = lambda: None  # type: ignore[method-assign]
            if op.kind == "list_tools":
                return client.list_tools, client.close
            return (lambda: client.call_tool(op.tool, op.arguments)), client.close

        return SyncApproach(name, setup)

    tables = []
    echo, routed = ap.Op(), ap.Op(tool="a_echo")
    rows: list[Approach] = [
        sync("SyncClient, direct", str(ap.FAST_SERVER), echo),
        sync("SyncClient, MCPConfig with 2 servers", config(0), routed),
        sync("SyncClient, MCPConfig, through the proxy", config(0), routed, proxy_only=True),
    ]
    n = cfg.n(300, 150)
    _log(f"  multi-server: {len(rows)} approaches × {cfg.rounds} rounds × {n} calls")
    results = interleave(rows, rounds=cfg.rounds, measure=_per_call(n), warmup=_warm(min(n, 100)), log=_log)
    t = Table(
        "multi-server",
        f"call_tool(echo): an MCPConfig client (2 stdio servers) vs a direct client — µs per call "
        f"({cfg.rounds} rounds × {n} calls)",
        "µs",
        results,
        baseline="SyncClient, MCPConfig with 2 servers",
        ratio_label="MCPConfig ÷ row",
    )
    t.check("MCPConfig (2 servers): a call ≤ 1.15× a direct call", "SyncClient, direct", 1.15)
    t.notes.append(
        "‘through the proxy’ forces every call through the in-process proxy server (what every call did before "
        "calls were routed to the backend client directly)."
    )
    tables.append(t)

    tools = 200
    rows = [
        sync(
            "SyncClient, direct (1 server)", ap.FAST_SERVER.as_posix(), ap.Op.list_tools(), args=["--tools", str(tools)]
        ),
        sync("SyncClient, MCPConfig with 2 servers", config(tools), ap.Op.list_tools()),
    ]
    n = cfg.n(20, 8)
    _log(f"  multi-server list_tools: {len(rows)} approaches × {cfg.slow_rounds} rounds × {n}")
    results = interleave(rows, rounds=cfg.slow_rounds, measure=_per_call(n, 1e3), warmup=_warm(2), log=_log)
    t = Table(
        "multi-server-list",
        f"list_tools, {tools} tools per server: MCPConfig over 2 servers vs one server — ms "
        f"({cfg.slow_rounds} rounds × {n})",
        "ms",
        results,
        baseline="SyncClient, MCPConfig with 2 servers",
        ratio_label="MCPConfig ÷ row",
    )
    t.notes.append(
        "The config lists both servers concurrently and returns twice the tools; on 2 CPUs the client's own "
        "parsing of both listings is what remains above one server's time."
    )
    tables.append(t)
    return tables


def _cold_start(cfg: Config) -> list[Table]:
    from .coldstart import case_cold_start

    return case_cold_start(cfg)


def _notifications(cfg: Config) -> list[Table]:
    from .notify import case_notifications

    return case_notifications(cfg)


CASES: dict[str, Case] = {
    "hop": case_hop,
    "anatomy": case_anatomy,
    "call-stdio-fast": case_call_stdio_fast,
    "call-stdio-mcp": case_call_stdio_mcp,
    "call-memory": case_call_memory,
    "call-http": case_call_http,
    "threads": case_threads,
    "progress": case_progress,
    "list-tools": case_list_tools,
    "payloads": case_payloads,
    "connect": case_connect,
    "asyncio-run": case_asyncio_run,
    "import": case_import,
    "memory": case_memory,
    "cli": case_cli,
    "cold-start": _cold_start,
    "notifications": _notifications,
    "multi-server": case_multi_server,
    "distributed": _distributed.case_distributed,
}

#: What `--quick` runs: the cases with targets, and the anatomy that explains them (the others only in the full run).
QUICK_CASES = [
    "hop",
    "anatomy",
    "call-stdio-fast",
    "call-stdio-mcp",
    "call-memory",
    "threads",
    "asyncio-run",
    "import",
    "memory",
    "cold-start",
    "multi-server",
]

__all__ = ["CASES", "QUICK_CASES", "Check", "Config", "Table"]
