"""The everything server over stdio, speaking only the legacy protocol (<= 2025-11-25).

It serves the handshake-only loop (`mcp.server.runner.serve_loop`) and does not answer
`server/discover`, so a client in `mode="auto"` falls back to `initialize`: sampling,
elicitation and roots then arrive as mid-call server requests and resource updates as plain
notifications. tests/test_config.py uses it as an MCPConfig backend (a config entry cannot
choose a protocol mode).
"""

import sys
import warnings
from pathlib import Path

import anyio
from mcp.server.runner import serve_loop
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPDeprecationWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))

from everything import build_server


async def main() -> None:
    lowlevel = build_server()._lowlevel_server
    lowlevel._request_handlers.pop("server/discover", None)
    async with stdio_server() as (read_stream, write_stream), lowlevel.lifespan(lowlevel) as state:
        await serve_loop(
            lowlevel,
            read_stream,
            write_stream,
            lifespan_state=state,
            init_options=lowlevel.create_initialization_options(),
        )


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=MCPDeprecationWarning)
    anyio.run(main)
