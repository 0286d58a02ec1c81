"""A minimal, fast, hand-written JSON-lines MCP server over stdio (no SDK, stdlib only).

It answers in a few microseconds, so a benchmark against it measures the *client*.
Legacy protocol only (`server/discover` is answered with "method not found", so
auto-negotiating clients fall back to `initialize`).

    python benchmarks/servers/fast_server.py [--tools N]

Tools: `echo(text)`, `noop()`, `sleep(ms)` (answered by a timer thread, so calls overlap),
`progress(n)` (n `notifications/progress`, then "done"), `logs(n)` (n log messages, then
"done"), `blob(size)`.
"""

from __future__ import annotations

import heapq
import json
import sys
import threading
import time

_out = sys.stdout.buffer
_lock = threading.Lock()
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_OBJ = {"type": "object", "properties": {}}
TOOLS = [
    {
        "name": "echo",
        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    },
    {"name": "noop", "inputSchema": _OBJ},
    {"name": "sleep", "inputSchema": {"type": "object", "properties": {"ms": {"type": "number"}}}},
    {"name": "progress", "inputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    {"name": "logs", "inputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    {
        "name": "blob",
        "inputSchema": {"type": "object", "properties": {"size": {"type": "integer"}}, "required": ["size"]},
    },
]


def send(message: dict) -> None:  # type: ignore[type-arg]
    data = _dumps(message).encode() + b"\n"
    with _lock:
        _out.write(data)
        _out.flush()


_timers: list[tuple[float, int, object]] = []
_timer_cv = threading.Condition()
_seq = 0


def _timer_loop() -> None:
    """One thread answers every `sleep` call when its time is up (cheaper than a thread per call)."""
    while True:
        with _timer_cv:
            while not _timers or _timers[0][0] > time.monotonic():
                _timer_cv.wait(_timers[0][0] - time.monotonic() if _timers else None)
            _, _, rid = heapq.heappop(_timers)
        text_result(rid, "slept")


def later(seconds: float, rid: object) -> None:
    global _seq
    with _timer_cv:
        _seq += 1
        heapq.heappush(_timers, (time.monotonic() + seconds, _seq, rid))
        _timer_cv.notify()


def text_result(rid: object, text: str) -> None:
    send({"jsonrpc": "2.0", "id": rid, "result": {"content": [{"type": "text", "text": text}], "isError": False}})


def call_tool(rid: object, params: dict) -> None:  # type: ignore[type-arg]
    name = params.get("name")
    args = params.get("arguments") or {}
    if name == "echo":
        text_result(rid, args.get("text", ""))
    elif name == "noop":
        send({"jsonrpc": "2.0", "id": rid, "result": {"content": [], "isError": False}})
    elif name == "sleep":
        later(float(args.get("ms", 10.0)) / 1000, rid)
    elif name == "progress":
        token = (params.get("_meta") or {}).get("progressToken")
        n = int(args.get("n", 100))
        if token is not None:
            for i in range(n):
                send(
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/progress",
                        "params": {"progressToken": token, "progress": i + 1, "total": n},
                    }
                )
        text_result(rid, "done")
    elif name == "logs":
        # n `notifications/message` (written in batches, so the server is not what limits the rate).
        n = int(args.get("n", 1000))
        for start in range(0, n, 500):
            batch = b"".join(
                _dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/message",
                        "params": {"level": "info", "logger": "bench", "data": f"message {i}"},
                    }
                ).encode()
                + b"\n"
                for i in range(start, min(n, start + 500))
            )
            with _lock:
                _out.write(batch)
                _out.flush()
        text_result(rid, "done")
    elif name == "blob":
        text_result(rid, "x" * int(args["size"]))
    else:
        send(
            {
                "jsonrpc": "2.0",
                "id": rid,
                "result": {"content": [{"type": "text", "text": f"unknown tool {name}"}], "isError": True},
            }
        )


def main() -> None:
    threading.Thread(target=_timer_loop, daemon=True).start()
    tools = list(TOOLS)
    if "--tools" in sys.argv:
        for i in range(int(sys.argv[sys.argv.index("--tools") + 1])):
            tools.append(
                {
                    "name": f"tool_{i:04d}",
                    "description": f"Extra tool number {i} for list_tools.",
                    "inputSchema": {
                        "type": "object",
                        "properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "number"}},
                        "required": ["a"],
                    },
                }
            )
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        request = json.loads(line)
        method, rid = request.get("method"), request.get("id")
        if rid is None:
            continue  # notifications (initialized, cancelled, ...)
        if method == "tools/call":
            call_tool(rid, request.get("params") or {})
        elif method == "initialize":
            send(
                {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "result": {
                        "protocolVersion": request["params"]["protocolVersion"],
                        "capabilities": {"tools": {}},
                        "serverInfo": {"name": "fast", "version": "1"},
                    },
                }
            )
        elif method == "tools/list":
            send({"jsonrpc": "2.0", "id": rid, "result": {"tools": tools}})
        elif method == "ping":
            send({"jsonrpc": "2.0", "id": rid, "result": {}})
        else:
            send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}})


if __name__ == "__main__":
    main()
