"""Functions the distributed tests ship to worker processes (importable by name in every worker).

Each answer carries the worker's pid and the `CallToolResult` (whose `.data` is an `EchoPid`
dataclass made at run time, so the answer itself exercises result pickling on the way back).
"""

from __future__ import annotations

import os
from typing import Any

from mcpclient import CallToolResult, SyncClient

logged: list[str] = []


def echo(client: SyncClient, i: int) -> tuple[int, CallToolResult]:
    """Call `echo_pid` once; (this worker's pid, the result)."""
    return os.getpid(), client.call_tool("echo_pid", {"text": f"item {i}"})


def echo_with(i: int, client: SyncClient) -> tuple[int, CallToolResult]:
    """`echo` with the client as a keyword (Dask's `client.map(fn, items, client=...)`)."""
    return echo(client, i)


def record_log(message: Any) -> None:
    """A picklable log handler: keeps the server's log messages in this process."""
    logged.append(str(message.data))


def log_through(client: SyncClient, text: str) -> tuple[int, list[str]]:
    """Make the server log `text`; (this worker's pid, what the client's log handler received here)."""
    client.call_tool("log", {"message": text, "level": "warning"})
    return os.getpid(), list(logged)


class Holder:
    """A Ray actor's state: a SyncClient shipped once, used by every method call."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client

    def echo(self, i: int) -> tuple[int, CallToolResult]:
        return echo(self.client, i)
