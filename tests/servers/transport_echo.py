"""A stdio MCP server for the transport tests.

Options (argv): --stderr TEXT prints TEXT to stderr at start-up; --grandchild spawns a
sleeping child process (see the `grandchild_pid` tool); --ignore-sigterm makes the server and
its grandchild ignore SIGTERM; --linger keeps the server running after its stdin closes (as
npx's server-everything does), so only a signal ends it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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
def sleep(seconds: float, marker: str | None = None) -> str:
    if marker:  # tells a test that the call is in progress
        open(marker, "w").close()
    time.sleep(seconds)  # blocks the server: a busy server
    return "slept"


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
    ignore = "--ignore-sigterm" in args
    if ignore:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "--grandchild" in args:
        code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " if ignore else "import time; "
        grandchildren.append(subprocess.Popen([sys.executable, "-c", code + "time.sleep(60)"]))
    mcp.run("stdio")
    while "--linger" in args:
        time.sleep(3600)
