"""Small test utilities: process inspection and polling.

Process helpers read `/proc` on Linux and fall back to `psutil` elsewhere (when installed).
`pid_alive()` treats a zombie as dead; use `pid_state()` / `zombie_children()` to report
zombies as their own failure (a zombie means someone forgot to `wait()` for a child).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio

__all__ = [
    "async_wait_for",
    "children_pids",
    "descendant_pids",
    "pid_alive",
    "pid_state",
    "wait_for",
    "wait_for_exit",
    "zombie_children",
]

T = TypeVar("T")
PidState = Literal["running", "zombie", "gone"]

_PROC = Path("/proc")
_HAVE_PROC = sys.platform.startswith("linux") and (_PROC / "self" / "stat").exists()


# ---------------------------------------------------------------------------------- processes


def _stat_fields(pid: int) -> list[str] | None:
    """`/proc/<pid>/stat` split after the command name (which may contain spaces), or None."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # "pid (comm) state ppid ..." -> ["state", "ppid", ...]
    return raw[raw.rfind(")") + 2 :].split()


def _proc_children(pid: int) -> set[int]:
    children: set[int] = set()
    tasks = _PROC / str(pid) / "task"
    try:
        task_dirs = list(tasks.iterdir())
    except FileNotFoundError:
        return children
    found_file = False
    for task in task_dirs:
        try:
            text = (task / "children").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile (or the kernel lacks CONFIG_PROC_CHILDREN)
        found_file = True
        children.update(int(p) for p in text.split())
    if found_file:
        return children
    # No `children` files: scan every process for its parent id.
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                children.add(int(entry.name))
    return children


def _psutil() -> Any:
    """psutil, needed (and imported) only where there is no Linux /proc."""
    return importlib.import_module("psutil")


def children_pids(pid: int | None = None) -> set[int]:
    """Direct child processes of `pid` (default: this process, without its mcpclient reaper), zombies included."""
    if pid is None or pid == os.getpid():
        return _children_pids(os.getpid()) - {_reaper_pid()}
    return _children_pids(pid)


def _reaper_pid() -> int | None:
    """This process's server reaper: one per client process by design, not a leak."""
    module = sys.modules.get("mcpclient._reaper")
    return module.reaper.pid if module is not None else None


def _children_pids(pid: int) -> set[int]:
    if _HAVE_PROC:
        return _proc_children(pid)
    psutil = _psutil()
    try:
        return {child.pid for child in psutil.Process(pid).children()}
    except psutil.NoSuchProcess:
        return set()


def descendant_pids(pid: int | None = None) -> set[int]:
    """Every process below `pid` (default: this process): children, grandchildren, ..."""
    found: set[int] = set()
    frontier = [os.getpid() if pid is None else pid]
    while frontier:
        for child in children_pids(frontier.pop()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def pid_state(pid: int) -> PidState:
    """The state of `pid`: "running" (any live state), "zombie" (exited, not reaped) or "gone"."""
    if _HAVE_PROC:
        fields = _stat_fields(pid)
        if fields is None:
            return "gone"
        state = fields[0]
        if state == "Z":
            return "zombie"
        return "gone" if state in ("X", "x") else "running"
    try:
        psutil = _psutil()
    except ImportError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "gone"
        except PermissionError:
            return "running"
        return "running"
    try:
        status = psutil.Process(pid).status()
    except psutil.NoSuchProcess:
        return "gone"
    if status == psutil.STATUS_ZOMBIE:
        return "zombie"
    return "gone" if status == psutil.STATUS_DEAD else "running"


def pid_alive(pid: int) -> bool:
    """True while `pid` runs. A zombie is not alive (check zombies with `pid_state`)."""
    return pid_state(pid) == "running"


def zombie_children(pid: int | None = None) -> set[int]:
    """Children of `pid` (default: this process) that exited but were never reaped."""
    return {child for child in children_pids(pid) if pid_state(child) == "zombie"}


def describe_pids(pids: Iterable[int]) -> str:
    """One line per pid: pid, state and command line (for assertion messages)."""
    lines = []
    for pid in sorted(pids):
        cmdline = ""
        if _HAVE_PROC:
            with contextlib.suppress(OSError):
                cmdline = (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        lines.append(f"  pid {pid} [{pid_state(pid)}] {cmdline.strip()}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ polling


def _delays(first: float, cap: float) -> Iterable[float]:
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


def wait_for(
    predicate: Callable[[], T],
    timeout: float = 5.0,
    *,
    interval: float = 0.005,
    max_interval: float = 0.1,
    message: str | Callable[[], str] | None = None,
) -> T:
    """Poll `predicate` until it returns something truthy, and return that.

    Blocking: for sync tests and threads only (in async tests use `async_wait_for`). Waits on an
    Event with exponential backoff from `interval` to `max_interval`. Raises `AssertionError`
    (with `message`, which may be a callable evaluated on failure) after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    for delay in _delays(interval, max_interval):
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        pause.wait(min(delay, remaining))
    detail = message() if callable(message) else message
    raise AssertionError(f"condition not met within {timeout}s" + (f": {detail}" if detail else ""))


async def async_wait_for(
    predicate: Callable[[], object],
    timeout: float = 5.0,
    *,
    interval: float = 0.005,
    max_interval: float = 0.1,
    message: str | Callable[[], str] | None = None,
) -> Any:
    """`wait_for` for async tests: never blocks the event loop; `predicate` may be async."""
    deadline = time.monotonic() + timeout
    for delay in _delays(interval, max_interval):
        value = predicate()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        await anyio.sleep(min(delay, remaining))
    detail = message() if callable(message) else message
    raise AssertionError(f"condition not met within {timeout}s" + (f": {detail}" if detail else ""))


def wait_for_exit(pids: Iterable[int], timeout: float = 5.0) -> None:
    """Wait until none of `pids` is running; a zombie counts as exited (check it separately)."""
    pids = set(pids)
    wait_for(
        lambda: not any(pid_alive(pid) for pid in pids),
        timeout,
        message=lambda: "still running:\n" + describe_pids(p for p in pids if pid_alive(p)),
    )
