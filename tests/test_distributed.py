"""SPEC §10 on the engines users run: process pools, joblib, Dask distributed, Ray.

Every test ships one SyncClient of a real stdio server (tests/servers/everything.py) to the
workers, calls `echo_pid` from them and checks every answer, that each worker process started
the server exactly once (the tool answers with the server's pid; one server pid per worker pid),
and that no server outlives the pool or cluster. Functions shipped to workers live in
tests/distributed_work.py, so every worker can import them by name.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import distributed_work
import pytest
from helpers import wait_for_exit

from mcpclient import CallToolResult, SyncClient

TESTS_DIR = Path(__file__).resolve().parent
N = 40  # calls per pool test: enough for both workers to take a share

pytestmark = pytest.mark.timeout(300)  # engines start slowly on a loaded 2-CPU machine


def servers_by_worker(answers: Iterable[tuple[int, CallToolResult]], *, expected: int) -> dict[int, set[int]]:
    """Assert every answer; the server pids each worker process saw."""
    seen: dict[int, set[int]] = defaultdict(set)
    count = 0
    for i, (worker, result) in enumerate(answers):
        assert result.data.text == f"item {i}"
        seen[worker].add(result.data.pid)
        count += 1
    assert count == expected
    assert seen and os.getpid() not in seen
    return seen


def check(answers: Iterable[tuple[int, CallToolResult]], *, expected: int) -> set[int]:
    """Assert every answer; each worker started its one server once. Returns the server pids."""
    seen = servers_by_worker(answers, expected=expected)
    assert all(len(servers) == 1 for servers in seen.values()), seen
    servers = set().union(*seen.values())
    assert len(servers) == len(seen)  # every worker its own server
    return servers


def gone(servers: set[int]) -> None:
    """No server process is left: each exits when its worker closes the client (or dies)."""
    wait_for_exit(servers, timeout=20)


@pytest.fixture(scope="module", autouse=True)
def _stop_resource_trackers() -> Iterator[None]:
    # spawn pools and loky start a resource-tracker process that lives as long as this one;
    # stop them so the session's leak check sees only what the tests left.
    yield
    from multiprocessing import resource_tracker

    resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]
    if "joblib" in sys.modules:
        from joblib.externals.loky.backend import resource_tracker as loky_tracker

        loky_tracker._resource_tracker._stop()


@pytest.fixture
def client(everything_script: Path) -> Iterator[SyncClient]:
    sync_client = SyncClient(everything_script)
    yield sync_client
    sync_client.close()


# ------------------------------------------------------------------------- multiprocessing


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_multiprocessing_pool(method: str, client: SyncClient) -> None:
    # Connected before the fork: forked workers must start their own servers, not reuse this session.
    parent_server = client.call_tool("getpid").data
    pool = multiprocessing.get_context(method).Pool(2)
    try:
        answers = pool.map(functools.partial(distributed_work.echo, client), range(N), chunksize=2)
    finally:
        pool.close()
        pool.join()
    servers = check(answers, expected=N)
    assert parent_server not in servers
    assert client.call_tool("getpid").data == parent_server  # the parent's session is untouched
    gone(servers)


def test_process_pool_executor(client: SyncClient) -> None:
    with ProcessPoolExecutor(max_workers=2) as executor:
        answers = list(executor.map(distributed_work.echo, itertools.repeat(client), range(N), chunksize=2))
    gone(check(answers, expected=N))


def test_handler_travels_to_spawned_worker(everything_script: Path) -> None:
    client = SyncClient(everything_script, log_handler=distributed_work.record_log, log_level="debug")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        worker, logged = pool.apply(distributed_work.log_through, (client, "from the worker"))
        pool.close()
        pool.join()
    assert worker != os.getpid() and "from the worker" in logged
    assert distributed_work.logged == []  # the handler ran in the worker, not here


def test_http_from_spawned_workers(http_server: Any, http_url: str) -> None:
    client = SyncClient(http_url)
    pool = multiprocessing.get_context("spawn").Pool(2)
    try:
        answers = pool.map(functools.partial(distributed_work.echo, client), range(N), chunksize=2)
    finally:
        pool.close()
        pool.join()
    seen = servers_by_worker(answers, expected=N)
    assert set().union(*seen.values()) == {http_server.pid}  # one shared HTTP server, every answer right


# -------------------------------------------------------------------------------- joblib


def test_joblib_loky(client: SyncClient) -> None:
    joblib = pytest.importorskip("joblib")
    from joblib.externals.loky import get_reusable_executor

    try:
        answers = joblib.Parallel(n_jobs=2, max_nbytes=None)(
            joblib.delayed(distributed_work.echo)(client, i) for i in range(N)
        )
    finally:
        get_reusable_executor().shutdown(wait=True)
    gone(check(answers, expected=N))


# ---------------------------------------------------------------------------------- Dask


def test_dask_local_cluster_map(client: SyncClient) -> None:
    distributed = pytest.importorskip("distributed")
    items = 200
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as dask,
    ):
        futures = dask.map(distributed_work.echo_with, range(items), client=client)
        answers = dask.gather(futures)
    gone(check(answers, expected=items))


# ----------------------------------------------------------------------------------- Ray


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    # Ray's workers do not inherit sys.path: let them import distributed_work by name.
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS_DIR), saved) if p)
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        yield ray
    finally:
        ray.shutdown()
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="module")
def ray_servers(ray_session: Any) -> Iterator[set[int]]:
    """Server pids the Ray tests saw; all must be gone once the Ray session shuts down."""
    servers: set[int] = set()
    yield servers
    ray_session.shutdown()
    gone(servers)


def test_ray_remote_task(ray_session: Any, ray_servers: set[int], client: SyncClient) -> None:
    echo = ray_session.remote(distributed_work.echo)
    answers = ray_session.get([echo.remote(client, i) for i in range(N)])
    ray_servers |= check(answers, expected=N)


def test_ray_actor_holding_a_client(ray_session: Any, ray_servers: set[int], client: SyncClient) -> None:
    holder = ray_session.remote(distributed_work.Holder).remote(client)
    answers = ray_session.get([holder.echo.remote(i) for i in range(N)])
    servers = check(answers, expected=N)
    assert len(servers) == 1  # one actor process, one server
    ray_servers |= servers
    ray_session.kill(holder)


def test_engines_are_not_imported_by_mcpclient() -> None:
    code = "import sys, mcpclient.sync.pickling; print(sorted({'dask', 'ray', 'joblib'} & set(sys.modules)))"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
