"""The benchmark server on the SDK's `MCPServer` (what most Python MCP servers are built on).

    python benchmarks/servers/mcp_server.py                      # stdio
    python benchmarks/servers/mcp_server.py --http 0 --port-file F   # Streamable HTTP on /mcp
    python benchmarks/servers/mcp_server.py --tools 500          # plus 500 extra tools

`make_server()` is also used in-process (memory transport). Tools: `echo(text)`, `noop()`,
`sleep(ms)`, `progress(n)` (n progress notifications, then "done") and `blob(size)`.
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import anyio
from mcp.server.mcpserver import Context, MCPServer


def make_server(extra_tools: int = 0) -> MCPServer:
    server = MCPServer("bench")

    @server.tool()
    def echo(text: str) -> str:
        return text

    @server.tool()
    def noop() -> None:
        return None

    @server.tool()
    async def sleep(ms: float = 10.0) -> None:
        await anyio.sleep(ms / 1000)

    @server.tool()
    async def progress(ctx: Context, n: int = 100) -> str:
        for i in range(n):
            await ctx.report_progress(i + 1, n)
        return "done"

    @server.tool()
    def blob(size: int) -> str:
        return "x" * size

    for i in range(extra_tools):
        server.add_tool(_numbered(i), name=f"tool_{i:04d}", description=f"Extra tool number {i} for list_tools.")
    return server


def _numbered(i: int):  # type: ignore[no-untyped-def]
    def tool(a: int, b: str = "x", c: float = 1.0) -> str:
        return f"{i}:{a}:{b}:{c}"

    return tool


#: The module-level server that `fastmcp run`/`fastmcp list` look for (the CLI case).
mcp = make_server()


def _serve_http(server: MCPServer, port: int, port_file: Path | None) -> None:
    import uvicorn

    app = server.streamable_http_app()
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP. With proto 0
    # (the default) a response written as headers then body waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1))

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(uv.serve, [sock])
            while not uv.started:
                await anyio.sleep(0.01)
            if port_file is not None:
                tmp = port_file.with_name(port_file.name + ".tmp")
                tmp.write_text(str(sock.getsockname()[1]))
                tmp.replace(port_file)

    anyio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tools", type=int, default=0, help="extra tools to register")
    parser.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP at /mcp")
    parser.add_argument("--port-file", type=Path)
    args = parser.parse_args()
    server = make_server(args.tools)
    if args.http is not None:
        _serve_http(server, args.http, args.port_file)
    else:
        server.run("stdio")


if __name__ == "__main__":
    main()
