"""Child process for the memory case: `python -m benchmarks._memory sync|raw CALLS`.

Makes CALLS sequential `call_tool("echo")` calls against the minimal stdio server and prints
JSON: RSS and the number of live gc-tracked objects after every 1,000 calls (from call 1,000
on, after warm-up), and the peak RSS.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys

from .approaches import FAST_SERVER

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _peak_rss_kb() -> int:
    """VmHWM: this process's peak RSS (ru_maxrss would include the parent's, inherited across fork+exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _sample(samples: dict[str, list[int]]) -> None:
    gc.collect()
    samples["rss"].append(_rss())
    samples["objects"].append(len(gc.get_objects()))


def run_sync(calls: int) -> dict[str, list[int]]:
    from mcpclient import SyncClient

    samples: dict[str, list[int]] = {"rss": [], "objects": []}
    with SyncClient(str(FAST_SERVER)) as client:
        for i in range(1, calls + 1):
            client.call_tool("echo", {"text": "hello"})
            if i % 1000 == 0:
                _sample(samples)
    return samples


def run_raw(calls: int) -> dict[str, list[int]]:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main() -> dict[str, list[int]]:
        samples: dict[str, list[int]] = {"rss": [], "objects": []}
        params = StdioServerParameters(command=sys.executable, args=[str(FAST_SERVER)])
        async with stdio_client(params) as (r, w), ClientSession(r, w) as session:
            await session.initialize()
            for i in range(1, calls + 1):
                await session.call_tool("echo", {"text": "hello"})
                if i % 1000 == 0:
                    _sample(samples)
        return samples

    return asyncio.run(main())


def main() -> None:
    kind, calls = sys.argv[1], int(sys.argv[2])
    samples = (run_sync if kind == "sync" else run_raw)(calls)
    samples["peak_rss_kb"] = _peak_rss_kb()  # type: ignore[assignment]
    sys.stdout.write(json.dumps(samples))


if __name__ == "__main__":
    main()
