# ruff: noqa: RUF001, RUF002, RUF003 - the tables use × and – on purpose
"""Measurement plumbing: approaches, interleaved rounds, statistics and tables.

Every figure is taken in rounds that interleave the approaches being compared (the order
rotates each round), after a warm-up, and is reported as the median over rounds with its
spread. Ratios are computed *per round* (between measurements taken seconds apart) and then
summarised by their median, which cancels most of the drift of a noisy shared machine.

An approach is either blocking (timed on the calling thread) or async: async approaches run
on their own event loop in a helper thread, and are timed *inside* that loop, so the hop
that starts a round is not charged to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Approach",
    "AsyncApproach",
    "Result",
    "Skip",
    "SyncApproach",
    "interleave",
    "ratio_stats",
]


class Skip(Exception):
    """An approach (or case) that cannot run here; the message says why."""


# ------------------------------------------------------------------ approaches


class Approach:
    """Something that can run `n` operations and say how long they took (seconds).

    After `run`, `last_cpu` holds the CPU seconds this process spent meanwhile (all threads).
    """

    name: str
    note: str = ""
    last_cpu: float = float("nan")

    def open(self) -> None: ...

    def run(self, n: int) -> float:  # sequential operations
        raise NotImplementedError

    def run_concurrent(self, workers: int, per_worker: int) -> float:  # wall seconds for workers × per_worker ops
        raise Skip("no concurrent mode")

    def close(self) -> None: ...


class SyncApproach(Approach):
    """A blocking client: `setup()` returns (call, close); timed on the calling thread."""

    def __init__(
        self, name: str, setup: Callable[[], tuple[Callable[[], Any], Callable[[], None]]], note: str = ""
    ) -> None:
        self.name, self.note, self._setup = name, note, setup
        self._call: Callable[[], Any] | None = None
        self._close: Callable[[], None] | None = None

    def open(self) -> None:
        self._call, self._close = self._setup()

    def run(self, n: int) -> float:
        call = self._call
        assert call is not None
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            call()
        elapsed = time.perf_counter() - t0
        self.last_cpu = time.process_time() - c0
        return elapsed

    def run_concurrent(self, workers: int, per_worker: int) -> float:
        call = self._call
        assert call is not None
        go = threading.Event()
        errors: list[BaseException] = []

        def work() -> None:
            go.wait()
            try:
                for _ in range(per_worker):
                    call()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        time.sleep(0.005)  # let them all park on the event
        c0, t0 = time.process_time(), time.perf_counter()
        go.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        self.last_cpu = time.process_time() - c0
        if errors:
            raise errors[0]
        return elapsed

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = self._call = None


class AsyncApproach(Approach):
    """An async client on its own event loop thread.

    `setup(stack)` is a coroutine that enters what it needs on the `AsyncExitStack` and returns
    the `call` coroutine function; it runs in one long-lived owner task (anyio requires a
    context to be exited by the task that entered it).
    """

    def __init__(
        self,
        name: str,
        setup: Callable[[contextlib.AsyncExitStack], Awaitable[Callable[[], Awaitable[Any]]]],
        note: str = "",
    ) -> None:
        self.name, self.note, self._setup = name, note, setup
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._commands: asyncio.Queue[Any] | None = None
        self._opened = threading.Event()
        self._open_error: BaseException | None = None

    def open(self) -> None:
        self._thread = threading.Thread(target=self._main, name=f"bench-{self.name}", daemon=True)
        self._thread.start()
        self._opened.wait()
        if self._open_error is not None:
            raise self._open_error

    def _main(self) -> None:
        asyncio.run(self._owner())

    async def _owner(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._commands = asyncio.Queue()
        try:
            async with contextlib.AsyncExitStack() as stack:
                call = await self._setup(stack)
                self._opened.set()
                while True:
                    command, reply = await self._commands.get()
                    if command is None:
                        break
                    try:
                        reply.set_result(await command(call))
                    except BaseException as exc:
                        reply.set_exception(exc)
        except BaseException as exc:
            if not self._opened.is_set():
                self._open_error = exc
            else:
                raise
        finally:
            self._opened.set()

    def _submit(self, command: Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]) -> Any:
        import concurrent.futures

        assert self._loop is not None and self._commands is not None
        reply: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(self._commands.put_nowait, (command, reply))
        return reply.result()

    def run(self, n: int) -> float:
        async def command(call: Callable[[], Awaitable[Any]]) -> float:
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                await call()
            elapsed = time.perf_counter() - t0
            self.last_cpu = time.process_time() - c0
            return elapsed

        return self._submit(command)  # type: ignore[no-any-return]

    def run_concurrent(self, workers: int, per_worker: int) -> float:
        async def command(call: Callable[[], Awaitable[Any]]) -> float:
            async def work() -> None:
                for _ in range(per_worker):
                    await call()

            c0, t0 = time.process_time(), time.perf_counter()
            await asyncio.gather(*(work() for _ in range(workers)))
            elapsed = time.perf_counter() - t0
            self.last_cpu = time.process_time() - c0
            return elapsed

        return self._submit(command)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._commands.put_nowait, (None, None))  # type: ignore[union-attr]
            self._thread.join(15)


# ------------------------------------------------------------------ statistics


@dataclass
class Result:
    """Per-round samples of one approach in one case (a unit per operation: µs, calls/s, ms...)."""

    name: str
    samples: list[float] = field(default_factory=list)
    note: str = ""
    skipped: str = ""
    cpu: list[float] = field(default_factory=list)  # CPU per operation, same unit, when measured

    @property
    def cpu_result(self) -> Result:
        return Result(self.name, self.cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def spread(self) -> str:
        """The samples' range as ±% around the median (half the min–max width)."""
        if len(self.samples) < 2:
            return ""
        lo, hi = min(self.samples), max(self.samples)
        return f"±{(hi - lo) / 2 / self.median * 100:.0f}%"


def ratio_stats(a: Result, b: Result) -> tuple[float, float, float]:
    """Median, min and max of the per-round ratios a/b (rounds paired by index)."""
    pairs = [x / y for x, y in zip(a.samples, b.samples, strict=False) if y]
    if not pairs:
        return float("nan"), float("nan"), float("nan")
    return statistics.median(pairs), min(pairs), max(pairs)


def interleave(
    approaches: Sequence[Approach],
    *,
    rounds: int,
    measure: Callable[[Approach], float | tuple[float, float]],
    warmup: Callable[[Approach], Any] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Result]:
    """Open every approach, warm it up, then run `rounds` rounds, each measuring every approach once.

    `measure(approach)` returns one sample, or (sample, CPU sample). Approaches that fail to open are reported as
    skipped with the reason. Everything is closed at the end.
    """
    results = {a.name: Result(a.name, note=a.note) for a in approaches}
    live: list[Approach] = []
    try:
        for approach in approaches:
            try:
                approach.open()
                if warmup is not None:
                    warmup(approach)
                live.append(approach)
            except Skip as exc:
                results[approach.name].skipped = str(exc)
            except Exception as exc:  # an alternative that does not work here is a finding, not a crash
                results[approach.name].skipped = f"failed: {type(exc).__name__}: {exc}"[:200]
                log(f"    {approach.name}: {results[approach.name].skipped}")
                with contextlib.suppress(Exception):
                    approach.close()
        for r in range(rounds):
            order = live[r % len(live) :] + live[: r % len(live)] if live else []
            for approach in order:
                gc.collect()
                sample = measure(approach)
                if isinstance(sample, tuple):
                    results[approach.name].samples.append(sample[0])
                    results[approach.name].cpu.append(sample[1])
                else:
                    results[approach.name].samples.append(sample)
    finally:
        for approach in live:
            try:
                approach.close()
            except Exception as exc:
                log(f"    closing {approach.name} failed: {exc!r}")
    return results


def fmt_num(value: float, unit: str) -> str:
    if value != value:  # nan
        return "–"
    if unit in ("calls/s",):
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
