"""A stdio MCP server for the transport tests.

Options (argv): --stderr TEXT prints TEXT to stderr at start-up; --grandchild spawns a
sleeping child process (see the `grandchild_pid` tool).
"""

from __future__ import annotations

import os
import subprocess
import sys

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("transport-echo")
grandchildren: list[subprocess.Popen[bytes]] = []


@mcp.tool()
def echo(text: str) -> str:
    return text


@mcp.tool()
def getpid() -> int:
    return os.getpid()


@mcp.tool()
def getenv(name: str) -> str | None:
    return os.environ.get(name)


@mcp.tool()
def crash() -> str:
    os._exit(3)


@mcp.tool()
def blob(size: int) -> str:
    return "x" * size


@mcp.tool()
def grandchild_pid() -> int:
    return grandchildren[0].pid


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--stderr" in args:
        print(args[args.index("--stderr") + 1], file=sys.stderr, flush=True)
    if "--grandchild" in args:
        grandchildren.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
    mcp.run("stdio")
