# ruff: noqa: RUF001, RUF003 - the tables use × and – on purpose
"""Cold start: a fresh process from its start to the first tool result, per client.

Each round runs, in a fresh interpreter per approach, the few lines a user writes to get one
result from a stdio `MCPServer` script, and records (1) the time from starting the
interpreter to the moment the script holds the result (the script stamps it with
`time.monotonic()`, a system-wide clock) and (2) the whole process until it exited (the
server ended included). CPU is the user+system time of the script and everything it
started (the server included). A notebook's first cell is measured on a fresh kernel per
round (full run only): from sending the cell to its reply.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from . import approaches as ap
from .harness import Approach, Result, Skip, interleave

STAMP = "FIRST-RESULT-AT"

#: The scripts: `{server}` is the server script, `{python}` this interpreter.
SCRIPTS: dict[str, str] = {
    "SyncClient": """
        import sys, time
        from mcpclient import SyncClient

        with SyncClient({server!r}) as client:
            result = client.call_tool("echo", {{"text": "hello"}})
            print("{stamp}", time.monotonic(), result.data)
    """,
    "mcpclient.Client in asyncio.run": """
        import asyncio, sys, time
        from mcpclient import Client

        async def main():
            async with Client({server!r}) as client:
                result = await client.call_tool("echo", {{"text": "hello"}})
                print("{stamp}", time.monotonic(), result.data)

        asyncio.run(main())
    """,
    "raw ClientSession": """
        import asyncio, sys, time
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        async def main():
            params = StdioServerParameters(command={python!r}, args=[{server!r}])
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                result = await session.call_tool("echo", {{"text": "hello"}})
                print("{stamp}", time.monotonic(), result.content[0].text)

        asyncio.run(main())
    """,
    "mcp.Client (auto)": """
        import asyncio, sys, time
        import mcp

        async def main():
            params = mcp.StdioServerParameters(command={python!r}, args=[{server!r}])
            async with mcp.Client(params) as client:
                result = await client.call_tool("echo", {{"text": "hello"}})
                print("{stamp}", time.monotonic(), result.content[0].text)

        asyncio.run(main())
    """,
    "fastmcp Client": """
        import asyncio, sys, time
        from fastmcp import Client
        from fastmcp.client.transports import PythonStdioTransport

        async def main():
            async with Client(PythonStdioTransport({server!r}, python_cmd={python!r})) as client:
                result = await client.call_tool("echo", {{"text": "hello"}})
                print("{stamp}", time.monotonic(), result.data)

        asyncio.run(main())
    """,
}

#: The first cell of a notebook (a fresh kernel each round); top-level await for the async clients.
CELLS: dict[str, str] = {
    "SyncClient": """
        from mcpclient import SyncClient
        client = SyncClient({server!r})
        print(client.call_tool("echo", {{"text": "hello"}}).data)
    """,
    "raw ClientSession": """
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client
        params = StdioServerParameters(command={python!r}, args=[{server!r}])
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            print((await session.call_tool("echo", {{"text": "hello"}})).content[0].text)
    """,
    "fastmcp Client": """
        from fastmcp import Client
        from fastmcp.client.transports import PythonStdioTransport
        async with Client(PythonStdioTransport({server!r}, python_cmd={python!r})) as client:
            print((await client.call_tool("echo", {{"text": "hello"}})).data)
    """,
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ScriptApproach(Approach):
    """One fresh interpreter running a script per operation; records first-result and whole-process times."""

    def __init__(self, name: str, path: Path, env: dict[str, str], note: str = "") -> None:
        self.name, self.path, self.env, self.note = name, path, env, note
        self.first: list[float] = []  # ms to the first result, per run
        self.whole: list[float] = []  # ms to process exit
        self.cpu: list[float] = []  # ms CPU of the script and its server

    def run(self, n: int) -> float:
        total = 0.0
        for _ in range(n):
            c0 = _children_cpu()
            t0 = time.monotonic()
            out = subprocess.run(
                [sys.executable, str(self.path)], capture_output=True, text=True, env=self.env, timeout=120
            )
            t1 = time.monotonic()
            if out.returncode or STAMP not in out.stdout:
                raise RuntimeError(f"{self.name} failed ({out.returncode}): {out.stderr[-1500:]}")
            stamp = float(out.stdout.split(STAMP, 1)[1].split()[0])
            self.first.append((stamp - t0) * 1e3)
            self.whole.append((t1 - t0) * 1e3)
            self.cpu.append((_children_cpu() - c0) * 1e3)
            total += t1 - t0
        return total


class CellApproach(Approach):
    """The first cell of a notebook on a fresh ipykernel per operation (kernel start not counted)."""

    def __init__(self, name: str, code: str, env: dict[str, str]) -> None:
        self.name, self.code, self.env = name, code, env
        self.samples: list[float] = []

    def run(self, n: int) -> float:
        from jupyter_client.manager import KernelManager

        total = 0.0
        for _ in range(n):
            km = KernelManager(kernel_name="python3")
            km.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
            km.start_kernel(env=self.env)
            kc = km.client()
            try:
                kc.start_channels()
                kc.wait_for_ready(timeout=120)
                failed: list[str] = []

                def hook(msg: dict[str, Any], failed: list[str] = failed) -> None:
                    if msg["msg_type"] == "error":
                        failed.append("\n".join(msg["content"].get("traceback", []))[-1500:])

                t0 = time.monotonic()
                kc.execute_interactive(self.code, timeout=120, output_hook=hook, allow_stdin=False)
                elapsed = time.monotonic() - t0
                if failed:
                    raise RuntimeError(f"{self.name} cell failed: {failed[0]}")
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
            self.samples.append(elapsed * 1e3)
            total += elapsed
        return total


def _write(workdir: Path, name: str, template: str, server: Path) -> Path:
    path = workdir / (name.replace(" ", "_").replace(".", "_").replace("(", "").replace(")", "") + ".py")
    path.write_text(textwrap.dedent(template).format(server=str(server), python=sys.executable, stamp=STAMP))
    return path


def case_cold_start(cfg: Any) -> list[Any]:
    """Process start → first tool result, stdio → MCPServer script, a fresh interpreter per round and client."""
    from .cases import ROOT, Table, installed_env

    server = ap.MCP_SERVER
    workdir = Path(tempfile.mkdtemp(prefix="mcpclient-bench-cold-"))
    env = installed_env()
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    names = list(SCRIPTS)
    if ap.fastmcp_available():
        names.remove("fastmcp Client")
    if cfg.quick:
        names.remove("mcp.Client (auto)")
    rows = [ScriptApproach(name, _write(workdir, name, SCRIPTS[name], server), env) for name in names]
    rounds = cfg.slow_rounds
    print(f"  cold-start: {len(rows)} scripts × {rounds} rounds, fresh interpreter each", file=sys.stderr, flush=True)
    interleave(rows, rounds=rounds, measure=lambda a: a.run(1), warmup=lambda a: a.run(1))  # warm-up fills .pyc
    first = {r.name: Result(r.name, r.first[1:], cpu=r.cpu[1:]) for r in rows}
    whole = {r.name: Result(r.name, r.whole[1:]) for r in rows}
    t = Table(
        "cold-start",
        f"cold start: process start → first tool result, stdio → MCPServer script — ms ({rounds} rounds)",
        "ms",
        first,
    )
    t.notes.append(
        "client CPU here is the CPU of the whole script and the server it started (user+system), not just the client."
    )
    t.check("cold start: SyncClient script ≤ 0.6× the raw ClientSession script", "raw ClientSession", 0.6)
    if "fastmcp Client" in first:
        t.check("cold start: SyncClient script ≤ 0.5× the fastmcp Client script", "fastmcp Client", 0.5)
    client = "mcpclient.Client in asyncio.run"
    t.check("cold start: Client script ≤ 0.6× the raw ClientSession script", "raw ClientSession", 0.6, base_row=client)
    if "fastmcp Client" in first:
        t.check("cold start: Client script ≤ 0.5× the fastmcp Client script", "fastmcp Client", 0.5, base_row=client)
    t2 = Table(
        "cold-start-exit",
        f"cold start: the whole process (server ended, interpreter exited) — ms ({rounds} rounds)",
        "ms",
        whole,
    )
    tables = [t, t2]
    if not cfg.quick:
        tables.append(_notebook_table(cfg, server, env))
    return tables


def _notebook_table(cfg: Any, server: Path, env: dict[str, str]) -> Any:
    from .cases import Table

    try:
        import ipykernel  # noqa: F401
        import jupyter_client  # noqa: F401
    except ImportError as exc:
        raise Skip(f"notebook rows need ipykernel and jupyter_client ({exc})") from None
    names = [n for n in CELLS if not (n == "fastmcp Client" and ap.fastmcp_available())]
    cells = [
        CellApproach(n, textwrap.dedent(CELLS[n]).format(server=str(server), python=sys.executable), env)
        for n in names
    ]
    rounds = max(2, cfg.slow_rounds // 2)
    print(f"  cold-start (notebook): {len(cells)} cells × {rounds} rounds, fresh kernel each", file=sys.stderr)
    interleave(cells, rounds=rounds, measure=lambda a: a.run(1), warmup=lambda a: a.run(1))
    results = {c.name: Result(c.name, c.samples[1:]) for c in cells}
    t = Table(
        "cold-start-notebook",
        f"a notebook's first cell on a fresh kernel: send → reply — ms ({rounds} rounds)",
        "ms",
        results,
    )
    t.notes.append("The kernel's own start-up is not counted; the cell imports the client and starts the server.")
    return t
