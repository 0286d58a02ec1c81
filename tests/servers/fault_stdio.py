"""A hand-written stdio JSON-lines MCP server that misbehaves on purpose (for tests/faults).

It speaks just enough legacy MCP (initialize, ping, tools/list with pagination, tools/call,
resources/read, prompts/get) and answers everything else with "method not found" (so the
SDK's `server/discover` probe falls back to `initialize`). Each tool misbehaves in its own way:

    echo(text)              a well-behaved echo
    garbage(text)           before the reply: non-JSON lines, invalid UTF-8, a lone "{", a JSON
                            array, JSON that is not JSON-RPC, blank lines; the reply itself is
                            written in two halves flushed separately
    half_line_exit()        writes half of the reply, then exits (code 7)
    sigkill()               SIGKILLs itself mid-call (no reply, no flush)
    wrong_id(text)          replies with an id nobody asked for, then with the right one
    wrong_id_only()         replies only with an unknown id
    invalid_result()        a result that does not validate (content is not a list)
    not_jsonrpc_reply()     a reply with the right id that is not valid JSON-RPC ("jsonrpc": "1.0")
    bad_structured()        structured content violating the tool's output schema
    error_reply()           a JSON-RPC error with a custom code and data
    stop_reading()          answers, then never reads stdin again (the pipe fills up)
    log_flood(count)        `count` notifications/message before the reply
    big(size)               a text result of `size` characters
    blob(size, seed)        `size` random bytes as image, audio and embedded blob content
    unicode()               non-ASCII in every text field (also in tools/list and resources)

Start-up faults (command-line flags):

    --banner                print a non-JSON banner on stdout before serving
    --exit-on-initialize N  read `initialize`, then exit with code N without answering
    --initialize-error      answer `initialize` with a JSON-RPC error
    --initialize-invalid    answer `initialize` with a result missing protocolVersion
    --tools N               list N extra tools (`tool_0000`...), 100 per page
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import signal
import sys
import threading
import time
from typing import Any

UNICODE = "Zoë Ångström — ¿Qué tal? 日本語テキスト 🚀🔥 עברית العربية \u200b\u00a0\u0000 end"
PAGE = 100

out = sys.stdout.buffer


def write(raw: bytes) -> None:
    out.write(raw)
    out.flush()


def send(message: dict[str, Any]) -> None:
    write(json.dumps(message, ensure_ascii=False).encode() + b"\n")


def reply(rid: Any, result: dict[str, Any]) -> None:
    send({"jsonrpc": "2.0", "id": rid, "result": result})


def text_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False}


def tool(name: str, properties: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "inputSchema": {"type": "object", "properties": properties or {}}, **extra}


BASE_TOOLS = [
    tool("echo", {"text": {"type": "string"}}),
    tool("garbage", {"text": {"type": "string"}}),
    tool("half_line_exit"),
    tool("sigkill"),
    tool("wrong_id", {"text": {"type": "string"}}),
    tool("wrong_id_only"),
    tool("invalid_result"),
    tool("not_jsonrpc_reply"),
    tool(
        "bad_structured",
        outputSchema={"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
    ),
    tool("error_reply"),
    tool("stop_reading"),
    tool("log_flood", {"count": {"type": "integer"}}),
    tool("big", {"size": {"type": "integer"}}),
    tool("blob", {"size": {"type": "integer"}, "seed": {"type": "integer"}}),
    tool("unicode", description=UNICODE, title=UNICODE),
]


def blob_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def call_tool(rid: Any, name: str, args: dict[str, Any], state: dict[str, Any]) -> None:
    if name == "echo":
        reply(rid, text_result(args.get("text", "")))
    elif name == "garbage":
        write(b"this is not JSON at all\n")
        write(b"\xff\xfe invalid utf-8 \xc3\x28\n")
        write(b"{\n")
        write(b'[{"jsonrpc": "2.0", "method": "notifications/message"}]\n')
        write(b'{"not": "json-rpc"}\n\n   \n')
        write(b'{"jsonrpc": "2.0", "method": "notifications/message", "params": "not an object"}\n')
        raw = json.dumps({"jsonrpc": "2.0", "id": rid, "result": text_result(args.get("text", ""))}).encode()
        half = len(raw) // 2
        write(raw[:half])  # the client must reassemble a line split across reads
        time.sleep(0.05)
        write(raw[half:] + b"\n")
    elif name == "half_line_exit":
        raw = json.dumps({"jsonrpc": "2.0", "id": rid, "result": text_result("never finished")}).encode()
        write(raw[: len(raw) // 2])
        os._exit(7)
    elif name == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif name == "wrong_id":
        send({"jsonrpc": "2.0", "id": 987654321, "result": text_result("for nobody")})
        send({"jsonrpc": "2.0", "id": f"{rid}-unknown", "result": text_result("for nobody either")})
        reply(rid, text_result(args.get("text", "")))
    elif name == "wrong_id_only":
        send({"jsonrpc": "2.0", "id": 987654321, "result": text_result("for nobody")})
    elif name == "invalid_result":
        reply(rid, {"content": "not-a-list", "isError": "maybe"})
    elif name == "not_jsonrpc_reply":
        send({"jsonrpc": "1.0", "id": rid, "result": text_result("wrong protocol")})
    elif name == "bad_structured":
        reply(rid, {"content": [{"type": "text", "text": "{}"}], "structuredContent": {"n": "not an integer"}})
    elif name == "error_reply":
        send(
            {
                "jsonrpc": "2.0",
                "id": rid,
                "error": {"code": 4242, "message": "custom failure ✗", "data": {"why": "because"}},
            }
        )
    elif name == "stop_reading":
        reply(rid, text_result("I stop reading now"))
        state["stop_reading"] = True
    elif name == "log_flood":
        count = int(args.get("count", 1000))
        chunk: list[bytes] = []
        for i in range(count):
            message = {
                "jsonrpc": "2.0",
                "method": "notifications/message",
                "params": {"level": "info", "logger": "flood", "data": f"log line {i} {'x' * 40}"},
            }
            chunk.append(json.dumps(message).encode() + b"\n")
            if len(chunk) == 500:
                write(b"".join(chunk))
                chunk.clear()
        write(b"".join(chunk))
        reply(rid, text_result(f"sent {count} log messages"))
    elif name == "big":
        reply(rid, text_result("x" * int(args["size"])))
    elif name == "blob":
        data = base64.b64encode(blob_bytes(int(args["size"]), int(args.get("seed", 0)))).decode()
        reply(
            rid,
            {
                "content": [
                    {"type": "image", "data": data, "mimeType": "image/png"},
                    {"type": "audio", "data": data, "mimeType": "audio/wav"},
                    {
                        "type": "resource",
                        "resource": {"uri": "blob://data", "mimeType": "application/octet-stream", "blob": data},
                    },
                ],
                "isError": False,
            },
        )
    elif name == "unicode":
        reply(
            rid,
            {
                "content": [
                    {"type": "text", "text": UNICODE},
                    {
                        "type": "resource",
                        "resource": {
                            "uri": "text://ünïcode/ø",
                            "mimeType": "text/plain; charset=utf-8",
                            "text": UNICODE,
                        },
                    },
                ],
                "structuredContent": {UNICODE: UNICODE, "list": [UNICODE]},
                "isError": False,
            },
        )
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": f"Unknown tool: {name}"}})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--banner", action="store_true")
    parser.add_argument("--exit-on-initialize", type=int, default=None)
    parser.add_argument("--initialize-error", action="store_true")
    parser.add_argument("--initialize-invalid", action="store_true")
    parser.add_argument("--tools", type=int, default=0)
    args = parser.parse_args()

    tools = BASE_TOOLS + [tool(f"tool_{i:04d}", description=f"generated tool {i} ✓") for i in range(args.tools)]
    state: dict[str, Any] = {}
    if args.banner:
        write(b"*** fault_stdio starting (a banner on stdout, as some servers print) ***\n")
    print("fault_stdio: ready", file=sys.stderr, flush=True)

    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        request = json.loads(line)
        method, rid = request.get("method"), request.get("id")
        if rid is None:
            continue  # a notification
        params = request.get("params") or {}
        if method == "initialize":
            if args.exit_on_initialize is not None:
                print(f"fault_stdio: exiting on initialize with {args.exit_on_initialize}", file=sys.stderr, flush=True)
                os._exit(args.exit_on_initialize)
            if args.initialize_error:
                send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32603, "message": "initialization refused"}})
                continue
            result: dict[str, Any] = {
                "protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}, "resources": {}, "logging": {}},
                "serverInfo": {"name": "fault-stdio", "version": "0"},
            }
            if args.initialize_invalid:
                del result["protocolVersion"]
            reply(rid, result)
        elif method == "ping" or method == "logging/setLevel":
            reply(rid, {})
        elif method == "tools/list":
            start = int(params.get("cursor") or 0)
            page: dict[str, Any] = {"tools": tools[start : start + PAGE]}
            if start + PAGE < len(tools):
                page["nextCursor"] = str(start + PAGE)
            reply(rid, page)
        elif method == "tools/call":
            call_tool(rid, params.get("name", ""), params.get("arguments") or {}, state)
            if state.get("stop_reading"):
                threading.Event().wait()  # never read stdin again (until killed)
        elif method == "resources/read":
            uri = params.get("uri", "")
            reply(rid, {"contents": [{"uri": uri, "mimeType": "text/plain", "text": f"{UNICODE} @ {uri}"}]})
        else:
            send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}})


if __name__ == "__main__":
    main()
