"""A stdio JSON-lines MCP server that attacks its client on purpose (tests/faults/test_hostile.py).

Stdlib only (starts in ~50 ms). Legacy MCP: initialize, ping, tools/list, tools/call, prompts/get;
every tools/call runs in its own thread, so replies may come out of order. Tools:

    echo(text, delay=0)   the text back, after `delay` seconds
    deep(depth)           a reply with the right id whose result is nested `depth` levels deep
    bad_utf8()            a reply with the right id and invalid UTF-8 in a text field
    bad_json()            a reply with the right id that is cut short (invalid JSON)
    not_validating()      a reply with the right id whose result does not validate
    huge(size)            a reply line of about `size` bytes (written in 1 MiB pieces)
    huge_log(size)        a log notification of about `size` bytes, then a normal reply
    huge_noid(size)       a line of `size` bytes that is not JSON-RPC and names no request
    stall_mid()           writes the first half of its reply and never the rest (keeps serving)
    flood()               writes log notifications without end and never answers
    stop_reading()        answers, then never reads stdin again
    close_stdout()        answers, then closes its stdout and keeps running
    show_env(name)        the value of an environment variable

`--chaos SEED`: `echo` misbehaves at random (seeded): the process dies, stalls past any timeout,
writes garbage before its reply, answers with a malformed reply (right id), or answers late
(out of order). A reply that does come is always the right one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from typing import Any

out = sys.stdout.buffer
lock = threading.Lock()


def write(raw: bytes) -> None:
    with lock:
        out.write(raw)
        out.flush()


def send(message: dict[str, Any]) -> None:
    write(json.dumps(message).encode() + b"\n")


def text_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False}


def reply(rid: Any, result: dict[str, Any]) -> None:
    send({"jsonrpc": "2.0", "id": rid, "result": result})


def envelope(rid: Any) -> bytes:
    return b'{"jsonrpc": "2.0", "id": ' + json.dumps(rid).encode()


TOOLS = [
    {"name": name, "inputSchema": {"type": "object"}}
    for name in [
        "echo",
        "deep",
        "bad_utf8",
        "bad_json",
        "not_validating",
        "huge",
        "huge_log",
        "huge_noid",
        "stall_mid",
        "flood",
        "stop_reading",
        "close_stdout",
        "show_env",
    ]
]


def write_big(prefix: bytes, size: int, suffix: bytes) -> None:
    piece = b"x" * (1 << 20)
    with lock:
        out.write(prefix)
        left = size
        while left > 0:
            out.write(piece[: min(left, len(piece))])
            left -= len(piece)
        out.write(suffix)
        out.flush()


def call_tool(rid: Any, name: str, args: dict[str, Any], state: dict[str, Any]) -> None:
    if name == "echo":
        chaos: random.Random | None = state.get("chaos")
        if chaos is not None:
            chaotic_echo(rid, args, chaos, state)
            return
        time.sleep(float(args.get("delay", 0)))
        reply(rid, text_result(str(args.get("text", ""))))
    elif name == "deep":
        depth = int(args.get("depth", 3000))
        write(envelope(rid) + b', "result": {"content": [], "x": ' + b"[" * depth + b"]" * depth + b"}}\n")
    elif name == "bad_utf8":
        write(envelope(rid) + b', "result": {"content": [{"type": "text", "text": "caf\xc3\x28 \xff"}]}}\n')
    elif name == "bad_json":
        write(envelope(rid) + b', "result": {"content": [{"type": "text", "text": "cut short\n')
    elif name == "not_validating":
        reply(rid, {"content": "not a list", "isError": "maybe"})
    elif name == "huge":
        size = int(args["size"])
        write_big(envelope(rid) + b', "result": {"content": [{"type": "text", "text": "', size, b'"}]}}\n')
    elif name == "huge_log":
        size = int(args["size"])
        prefix = b'{"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "'
        write_big(prefix, size, b'"}}\n')
        reply(rid, text_result("after the huge log"))
    elif name == "huge_noid":
        write_big(b"", int(args["size"]), b"\n")
    elif name == "stall_mid":
        raw = json.dumps({"jsonrpc": "2.0", "id": rid, "result": text_result("never finished")}).encode()
        write(raw[: len(raw) // 2])
    elif name == "flood":
        line = json.dumps(
            {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "debug", "data": "x" * 200}}
        ).encode()
        block = (line + b"\n") * 200
        while True:
            write(block)
    elif name == "stop_reading":
        reply(rid, text_result("I stop reading now"))
        state["stop_reading"].set()
    elif name == "close_stdout":
        reply(rid, text_result("closing stdout"))
        with lock:
            out.flush()
            os.close(1)
        state["stop_reading"].set()  # and keep running (until killed)
    elif name == "show_env":
        reply(rid, text_result(os.environ.get(str(args.get("name")), "")))
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": f"Unknown tool: {name}"}})


def chaotic_echo(rid: Any, args: dict[str, Any], chaos: random.Random, state: dict[str, Any]) -> None:
    with state["chaos_lock"]:
        roll = chaos.random()
        delay = chaos.uniform(0, 0.3)
    text = str(args.get("text", ""))
    if roll < 0.005:
        os._exit(9)  # dies mid-call, with other calls in flight
    elif roll < 0.05:
        return  # stalls: never answers this one
    elif roll < 0.15:
        write(b"garbage \xff\xfe {not json\n")
        reply(rid, text_result(text))
    elif roll < 0.25:
        kind = ["utf8", "json", "deep", "invalid"][int(roll * 1000) % 4]
        if kind == "utf8":
            write(envelope(rid) + b', "result": {"content": [{"type": "text", "text": "\xff"}]}}\n')
        elif kind == "json":
            write(envelope(rid) + b', "result": {\n')
        elif kind == "deep":
            write(envelope(rid) + b', "result": {"content": [], "x": ' + b"[" * 3000 + b"]" * 3000 + b"}}\n")
        else:
            reply(rid, {"content": "not a list"})
    else:
        time.sleep(delay)  # late answers overtake each other
        reply(rid, text_result(text))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chaos", type=int, default=None)
    options = parser.parse_args()
    state: dict[str, Any] = {"stop_reading": threading.Event(), "chaos_lock": threading.Lock()}
    if options.chaos is not None:
        state["chaos"] = random.Random(f"{options.chaos}-{os.getpid()}")
    print(f"hostile_stdio: ready (pid {os.getpid()})", file=sys.stderr, flush=True)

    for line in sys.stdin.buffer:
        if state["stop_reading"].is_set():
            break
        if not line.strip():
            continue
        request = json.loads(line)
        method, rid = request.get("method"), request.get("id")
        if rid is None:
            continue  # a notification
        params = request.get("params") or {}
        if method == "initialize":
            reply(
                rid,
                {
                    "protocolVersion": params.get("protocolVersion", "2025-06-18"),
                    "capabilities": {"tools": {}, "prompts": {}, "logging": {}},
                    "serverInfo": {"name": "hostile-stdio", "version": "0"},
                },
            )
        elif method in ("ping", "logging/setLevel"):
            reply(rid, {})
        elif method == "tools/list":
            reply(rid, {"tools": TOOLS})
        elif method == "prompts/get":
            arguments = params.get("arguments") or {}
            text = json.dumps(arguments, sort_keys=True)
            reply(rid, {"messages": [{"role": "user", "content": {"type": "text", "text": text}}]})
        elif method == "tools/call":
            name, arguments = params.get("name", ""), params.get("arguments") or {}
            threading.Thread(target=call_tool, args=(rid, name, arguments, state), daemon=True).start()
            if name in ("stop_reading", "close_stdout"):
                state["stop_reading"].wait(5)
        else:
            send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}})
    if state["stop_reading"].is_set():
        threading.Event().wait()  # stopped reading on purpose: stay alive until killed
    os._exit(0)  # stdin closed: the client is done (threads may still be stalling)


if __name__ == "__main__":
    main()
