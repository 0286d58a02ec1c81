# ruff: noqa: RUF001, RUF002, RUF003 - the tables use × and – on purpose
"""The `distributed` case: call_tool(echo) spread over 2 worker processes vs 2 threads of one process.

Rows (µs per call, wall time of the whole batch ÷ calls):

* `SyncClient, 2 threads` — one client in this process shared by two threads (the baseline);
* `Pool(2).map, chunksize=…` — a `multiprocessing` spawn pool; the SyncClient travels pickled
  (as its configuration) with every chunk, each worker connects once and keeps the connection;
* `Dask map (2 workers)` — `distributed.LocalCluster(n_workers=2, threads_per_worker=1)`,
  `client.map(fn, items, client=sync_client)`: one Dask task per call;
* the same engines mapping a no-op function (`engine only`): what scheduling and IPC cost
  without any MCP call, so `row − engine only` is what the call itself costs in a worker;
* `pickle round trip` rows: the parent-side cost of shipping a SyncClient and of getting a
  `CallToolResult` back (dumps + loads in this process).

The CPU column is this (driver) process only; the workers' CPU is not counted.
"""

from __future__ import annotations

import functools
import os
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

from . import approaches as ap
from .harness import Approach, Skip, interleave

ARGS = {"text": "hello"}


def echo(client: Any, i: int) -> str:
    """One call in a worker (importable by name: `benchmarks.distributed.echo`)."""
    text: str = client.call_tool("echo", ARGS).text
    return text


def echo_kw(i: int, client: Any) -> str:
    return echo(client, i)


def noop(i: int) -> int:
    return i


class Batch(Approach):
    """`setup()` returns (run_batch(n), close); a sample is one batch of n calls."""

    def __init__(
        self, name: str, setup: Callable[[], tuple[Callable[[int], None], Callable[[], None]]], note: str = ""
    ) -> None:
        self.name, self.note, self._setup = name, note, setup
        self._run: Callable[[int], None] | None = None
        self._close: Callable[[], None] | None = None

    def open(self) -> None:
        self._run, self._close = self._setup()

    def run(self, n: int) -> float:
        assert self._run is not None
        c0, t0 = time.process_time(), time.perf_counter()
        self._run(n)
        elapsed = time.perf_counter() - t0
        self.last_cpu = time.process_time() - c0
        return elapsed

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = self._run = None


def _client() -> Any:
    from mcpclient import SyncClient

    return SyncClient(ap.FAST_SERVER)


def threads() -> Batch:
    def setup() -> tuple[Callable[[int], None], Callable[[], None]]:
        client = _client()
        client.connect()

        def run(n: int) -> None:
            workers = [threading.Thread(target=lambda: [echo(client, i) for i in range(n // 2)]) for _ in range(2)]
            for t in workers:
                t.start()
            for t in workers:
                t.join()

        return run, client.close

    return Batch("SyncClient, 2 threads", setup, note="one process, one connection")


def pool(chunksize: int | None, *, calls: bool = True) -> Batch:
    label = "auto" if chunksize is None else str(chunksize)
    name = f"Pool(2).map, chunksize={label}" + ("" if calls else " — engine only (no-op)")

    def setup() -> tuple[Callable[[int], None], Callable[[], None]]:
        import multiprocessing

        client = _client()
        workers = multiprocessing.get_context("spawn").Pool(2)
        fn: Callable[[int], Any] = functools.partial(echo, client) if calls else noop
        workers.map(fn, range(64), chunksize=1)  # start both workers (and their servers)

        def run(n: int) -> None:
            answers = workers.map(fn, range(n), chunksize=chunksize)
            assert len(answers) == n and (not calls or answers[-1] == "hello")

        def close() -> None:
            workers.close()
            workers.join()

        return run, close

    return Batch(name, setup, note="spawn; the client pickled once per chunk")


def dask(*, calls: bool = True) -> Batch:
    name = "Dask map (2 workers)" + ("" if calls else " — engine only (no-op)")

    def setup() -> tuple[Callable[[int], None], Callable[[], None]]:
        try:
            import distributed
        except ImportError as exc:
            raise Skip("dask[distributed] is not installed") from exc
        cluster = distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
        )
        dask_client = distributed.Client(cluster)
        client = _client()

        def run(n: int) -> None:
            if calls:
                futures = dask_client.map(echo_kw, range(n), client=client, pure=False)
            else:
                futures = dask_client.map(noop, range(n), pure=False)
            answers = dask_client.gather(futures)
            assert len(answers) == n

        run(64)

        def close() -> None:
            dask_client.close()
            cluster.close()

        return run, close

    return Batch(name, setup, note="one task per call")


def pickling(what: str) -> Batch:
    def setup() -> tuple[Callable[[int], None], Callable[[], None]]:
        client = _client()
        obj = client if what == "SyncClient" else client.call_tool("echo", ARGS)

        def run(n: int) -> None:
            for _ in range(n):
                pickle.loads(pickle.dumps(obj))

        return run, client.close

    return Batch(f"pickle round trip: {what}", setup, note="dumps + loads, this process")


def case_distributed(cfg: Any) -> list[Any]:
    """10,000 call_tool(echo) (1,000 in --quick) over 2 processes vs 2 threads in one process."""
    from .cases import Table, _log, _per_call

    n = cfg.n(10_000, 1_000)
    rounds = min(cfg.slow_rounds, 3)
    rows = [
        threads(),
        pool(None),
        pool(1),
        pool(1, calls=False),
        dask(),
        dask(calls=False),
        pickling("SyncClient"),
        pickling("CallToolResult"),
    ]
    _log(f"  distributed: {rounds} rounds × {len(rows)} rows, {n:,} calls each (cpus: {os.cpu_count()})")
    results = interleave(rows, rounds=rounds, measure=_per_call(n), warmup=None, log=_log)
    t = Table(
        "distributed",
        f"{n:,} call_tool(echo) over 2 worker processes vs one SyncClient shared by 2 threads, stdio → minimal "
        f"server — µs per call ({rounds} rounds)",
        "µs",
        results,
        baseline="SyncClient, 2 threads",
    )
    t.notes = [
        "CPU is the driver process only. `row − engine only` ≈ the call itself inside a worker;",
        "`engine only` ≈ the engine's scheduling + IPC per item; pickle rows ≈ what shipping adds per copy.",
    ]
    return [t]
