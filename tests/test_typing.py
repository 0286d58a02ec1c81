"""SyncClient mirrors Client: same methods, same parameters, same return types.

Return types are checked statically: `tests/typing/usage.py` asserts with `assert_type`
that each blocking method returns exactly what the awaited coroutine returns, and mypy
must accept it. Parameter names are checked here at run time with `inspect.signature`.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mcpclient import Client, SyncClient

ROOT = Path(__file__).resolve().parent.parent
USAGE = ROOT / "tests" / "typing" / "usage.py"

# Parameters only the blocking twin has, and why.
SYNC_ONLY_PARAMETERS = {
    # A blocking iterator needs a bound on each wait; async code wraps its loop in anyio.fail_after.
    "events": {"timeout"},
}


def _public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {name: fn for name, fn in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.timeout(300)
def test_typed_usage_passes_mypy_strict() -> None:
    # The usage file is judged against the library's real annotations. mcpclient is followed with
    # the options of the package-wide `mypy --strict` run of .ci/run (setup.cfg), so mypy reuses
    # the cache (.mypy_cache) that run left and checks only the usage file: ~1 s instead of
    # ~15 s of re-analysing mcpclient and its dependencies. (An error inside mcpclient fails here
    # too; .ci/run reports it first.)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(USAGE.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, f"mypy --strict {USAGE.name} failed:\n{proc.stdout}{proc.stderr}"


def test_every_client_method_has_a_blocking_twin() -> None:
    async_methods = _public_methods(Client)
    sync_methods = _public_methods(SyncClient)
    missing = sorted(set(async_methods) - set(sync_methods))
    assert not missing, f"SyncClient lacks these Client methods: {missing}"

    mismatched = {}
    for name, async_fn in async_methods.items():
        sync_fn = sync_methods[name]
        async_params = [(p.name, p.kind.name) for p in inspect.signature(async_fn).parameters.values()]
        extra = SYNC_ONLY_PARAMETERS.get(name, set())
        sync_params = [
            (p.name, p.kind.name) for p in inspect.signature(sync_fn).parameters.values() if p.name not in extra
        ]
        if async_params != sync_params:
            mismatched[name] = (async_params, sync_params)
    assert not mismatched, f"parameters differ (Client vs SyncClient): {mismatched}"


def test_blocking_twins_are_not_coroutines() -> None:
    for name, fn in _public_methods(SyncClient).items():
        assert not inspect.iscoroutinefunction(fn), f"SyncClient.{name} must block, not return a coroutine"


def test_usage_file_covers_every_operation() -> None:
    # A new Client method must also get its assert_type line in tests/typing/usage.py.
    text = USAGE.read_text()
    uncovered = [name for name in _public_methods(Client) if f"client.{name}(" not in text]
    assert not uncovered, f"add these methods to {USAGE.relative_to(ROOT)}: {uncovered}"
