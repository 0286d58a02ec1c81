"""mcpclient in a plain script: a `with` block, handlers, and the errors worth catching.

    python examples/script.py

Handlers given as plain functions run in the thread that made the call (here, the main
thread), so they can print, prompt with input() or touch thread-local state freely.
"""

import sys
from pathlib import Path
from typing import Any

import mcpclient
from mcpclient import LogMessage, SyncClient

SERVER = Path(__file__).with_name("server.py")


def show_progress(progress: float, total: float | None, message: str | None) -> None:
    out_of = f"/{total:g}" if total is not None else ""
    print(f"  progress {progress:g}{out_of}: {message}")


def show_log(message: LogMessage) -> None:
    print(f"  server log [{message.level}] {message.message}")


def ask_name(message: str, response_type: Any, params: Any, context: Any) -> Any:
    """Answer the server's question (elicitation): return the data, or None to decline."""
    name = input(f"{message} ") if sys.stdin.isatty() else "Ada"
    return {"name": name} if name else None


def main() -> None:
    with SyncClient(
        SERVER,
        timeout=10,  # default per request, in seconds
        log_level="info",  # ask the server for log messages at info and above
        log_handler=show_log,
        elicitation_handler=ask_name,
    ) as client:
        print("Counting with progress:")
        result = client.call_tool("slow_count", {"n": 3}, progress_handler=show_progress)
        print(f"  -> {result.data}")

        print("Elicitation:")
        print(f"  -> {client.call_tool('greet').data}")

        print("A tool error:")
        try:
            client.call_tool("divide", {"a": 1, "b": 0})
        except mcpclient.ToolError as exc:
            print(f"  ToolError: {exc.message}")
        # Or inspect the failed result instead of catching:
        failed = client.call_tool("divide", {"a": 1, "b": 0}, raise_on_error=False)
        print(f"  is_error={failed.is_error}, text={failed.text!r}")

        print("A timeout (the server is told to cancel the request):")
        try:
            client.call_tool("slow_count", {"n": 50}, timeout=0.3)
        except mcpclient.TimeoutError as exc:
            print(f"  TimeoutError after {exc.timeout}s")
        print(f"  the client is still usable: add(1, 1) = {client.call_tool('add', {'a': 1, 'b': 1}).data}")

    print("A server that cannot start:")
    try:
        with SyncClient(SERVER.with_name("no_such_server.py")) as broken:
            broken.ping()
    except mcpclient.ConnectionFailedError as exc:
        print(f"  {type(exc).__name__}: {str(exc).splitlines()[0]}")


if __name__ == "__main__":
    main()
