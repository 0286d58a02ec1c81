"""A raw-asyncio HTTP "MCP server" that misbehaves on purpose (for tests/faults).

The first path segment picks the behaviour: `http://127.0.0.1:PORT/<behaviour>/mcp` speaks
(just enough) Streamable HTTP with JSON responses, `/<behaviour>/sse` the legacy SSE transport.

    ok                  well-behaved: initialize, ping, tools/list, tools/call echo; the tool
                        `log_flood(count)` (any behaviour) streams `count` log messages, then the result
    status-401 ... 500  every request answered with that status (401 with WWW-Authenticate)
    html                502 Bad Gateway with an HTML error page (a proxy in front of a dead server)
    html-200            200 with an HTML page (the URL points at a website, not an MCP endpoint)
    reset-init          the connection is reset (RST) while answering initialize
    (any behaviour)     tools `fail500` (HTTP 500, plain-text body), `bad_sse` (an SSE event that is
                        not JSON), `big_sse(size)` (one SSE event of about `size` bytes), `big_json(size)`
                        and `big_json_chunked(size)` (a JSON body of about `size` bytes; chunked: no length)
    reset-call          initialize works; tools/call starts an SSE stream, sends half an event, then RST
    stall-read          initialize works; a request body over 64 KiB is never read nor answered
    expire-session      the session expires (404) after the first tools/call
    garbage-json        initialize works; tools/call gets a 200 JSON body that is not JSON
    sse-no-endpoint     (SSE) the event stream never sends the `endpoint` event, only keep-alives
    sse-foreign-endpoint (SSE) the endpoint event points at another origin

Run: `python fault_http.py --port-file F` (binds 127.0.0.1 on an ephemeral port, writes it to F).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import socket
import struct
import sys
from pathlib import Path
from typing import Any

STALL_LIMIT = 64 * 1024
_sessions = itertools.count(1)
_expired: set[str] = set()
_calls: dict[str, int] = {}


class Request:
    def __init__(self, method: str, path: str, headers: dict[str, str], reader: asyncio.StreamReader) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.reader = reader

    @property
    def length(self) -> int:
        return int(self.headers.get("content-length", "0") or 0)

    async def body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).strip() or b"0", 16)
                if size == 0:
                    await self.reader.readline()
                    return b"".join(chunks)
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
        return await self.reader.readexactly(self.length) if self.length else b""


def response(
    status: int, reason: str, body: bytes = b"", content_type: str = "application/json", **headers: str
) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def jsonrpc(rid: Any, result: dict[str, Any]) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}).encode()


def reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0), not a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


TOOLS = [
    {"name": "echo", "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
    {"name": "log_flood", "inputSchema": {"type": "object", "properties": {"count": {"type": "integer"}}}},
]


def result_for(message: dict[str, Any]) -> dict[str, Any] | None:
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        return {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "fault-http", "version": "0"},
        }
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call":
        text = (params.get("arguments") or {}).get("text", "")
        return {"content": [{"type": "text", "text": text}], "isError": False}
    return None


async def handle_mcp(behaviour: str, request: Request, writer: asyncio.StreamWriter) -> bool:
    """One Streamable HTTP exchange; returns whether the connection may be reused."""
    if behaviour.startswith("status-"):
        code = int(behaviour.removeprefix("status-"))
        await request.body()
        reasons = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error"}
        extra = {"WWW_Authenticate": 'Bearer realm="mcp"'} if code == 401 else {}
        body = json.dumps({"error": f"{code} from the fault server"}).encode()
        writer.write(response(code, reasons.get(code, "Error"), body, **extra))
        return True
    if behaviour == "html":
        await request.body()
        page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
        writer.write(response(502, "Bad Gateway", page, "text/html"))
        return True
    if behaviour == "html-200":
        await request.body()
        page = b"<!doctype html><html><body><h1>Welcome to our website</h1></body></html>"
        writer.write(response(200, "OK", page, "text/html; charset=utf-8"))
        return True

    if request.method == "GET":  # no standalone server-to-client stream
        writer.write(response(405, "Method Not Allowed", b"", Allow="POST, DELETE"))
        return True
    if request.method == "DELETE":
        writer.write(response(200, "OK", b""))
        return True
    if behaviour == "stall-read" and request.length > STALL_LIMIT:
        await asyncio.Event().wait()  # never read the body, never answer (until the client gives up)
    message = json.loads(await request.body())
    rid, method = message.get("id"), message.get("method")
    session = request.headers.get("mcp-session-id")
    if session in _expired:
        writer.write(response(404, "Not Found", json.dumps({"error": "session expired"}).encode()))
        return True
    if rid is None:  # a notification
        writer.write(response(202, "Accepted", b""))
        return True
    if method == "initialize":
        if behaviour == "reset-init":
            writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"jsonrpc":')
            await writer.drain()
            reset(writer)
            return False
        session = f"session-{next(_sessions)}"
        writer.write(response(200, "OK", jsonrpc(rid, result_for(message) or {}), Mcp_Session_Id=session))
        return True
    if method == "tools/call":
        if behaviour == "reset-call":
            log = {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "working"}}
            head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
            writer.write(
                head.encode()
                + f"event: message\ndata: {json.dumps(log)}\n\n".encode()
                + b'event: message\ndata: {"jsonrpc": "2.0", "id"'
            )
            await writer.drain()
            reset(writer)
            return False
        if behaviour == "garbage-json":
            writer.write(response(200, "OK", b"this is { not json", "application/json"))
            return True
        if behaviour == "expire-session" and session is not None:
            _calls[session] = _calls.get(session, 0) + 1
            if _calls[session] > 1:
                _expired.add(session)
                writer.write(response(404, "Not Found", json.dumps({"error": "session expired"}).encode()))
                return True
    tool = (message.get("params") or {}).get("name") if method == "tools/call" else None
    if tool == "fail500":  # any behaviour: this one request fails with a plain-text 500
        body = b"database on fire: connection pool exhausted (" + b"x" * 600 + b")"
        writer.write(response(500, "Internal Server Error", body, "text/plain"))
        return True
    if tool in ("big_json", "big_json_chunked"):  # a JSON body of about `size` bytes (chunked: no length)
        size = int(((message.get("params") or {}).get("arguments") or {}).get("size", 0))
        data = jsonrpc(rid, {"content": [], "x": "y" * size})
        if tool == "big_json":
            writer.write(response(200, "OK", data))
            return True
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for start in range(0, len(data), 1 << 16):
            piece = data[start : start + (1 << 16)]
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        return True
    if tool in ("bad_sse", "big_sse"):  # an SSE answer whose event is not JSON / is `size` bytes
        size = int(((message.get("params") or {}).get("arguments") or {}).get("size", 0))
        data = b"{this is not json" if tool == "bad_sse" else jsonrpc(rid, {"content": [], "x": "y" * size})
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        writer.write(
            head + f"Content-Length: {len(data) + 23}\r\n\r\n".encode() + b"event: message\ndata: " + data + b"\n\n"
        )
        return True
    if method == "tools/call" and (message.get("params") or {}).get("name") == "log_flood":
        await stream_log_flood(writer, rid, int(message["params"].get("arguments", {}).get("count", 1000)))
        return True
    result = result_for(message)
    if result is None:
        error = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}}
        writer.write(response(200, "OK", json.dumps(error).encode()))
    else:
        writer.write(response(200, "OK", jsonrpc(rid, result)))
    return True


async def stream_log_flood(writer: asyncio.StreamWriter, rid: Any, count: int) -> None:
    """Answer a tools/call with an SSE stream: `count` log notifications, then the result."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n")
    writer.write(b"Transfer-Encoding: chunked\r\n\r\n")

    def chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    batch: list[bytes] = []
    for i in range(count):
        log = {
            "jsonrpc": "2.0",
            "method": "notifications/message",
            "params": {"level": "info", "logger": "flood", "data": f"log line {i}"},
        }
        batch.append(b"event: message\ndata: " + json.dumps(log).encode() + b"\n\n")
        if len(batch) == 500:
            writer.write(chunk(b"".join(batch)))
            batch.clear()
            await writer.drain()
    result = {"content": [{"type": "text", "text": f"sent {count} log messages"}], "isError": False}
    batch.append(b"event: message\ndata: " + jsonrpc(rid, result) + b"\n\n")
    writer.write(chunk(b"".join(batch)) + b"0\r\n\r\n")
    await writer.drain()


async def handle_sse(behaviour: str, request: Request, writer: asyncio.StreamWriter, port: int) -> bool:
    if request.method != "GET":
        await request.body()
        writer.write(response(404, "Not Found", b""))
        return True
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
    if behaviour == "sse-foreign-endpoint":
        writer.write(b"event: endpoint\ndata: http://evil.example.com:9/messages?session_id=1\n\n")
    while True:  # keep-alive comments only; never the endpoint event
        writer.write(b": keep-alive\n\n")
        await writer.drain()
        await asyncio.sleep(0.5)


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int) -> None:
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            method, target, _version = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            parts = [p for p in target.split("?", 1)[0].split("/") if p]
            behaviour = parts[0] if parts else "ok"
            request = Request(method, target, headers, reader)
            if parts[-1:] == ["sse"]:
                keep = await handle_sse(behaviour, request, writer, port)
            else:
                keep = await handle_mcp(behaviour, request, writer)
            if not keep or writer.is_closing():
                return
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        return
    finally:
        if not writer.is_closing():
            writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await asyncio.start_server(lambda r, w: serve_connection(r, w, port), sock=sock)
    tmp = args.port_file.with_name(args.port_file.name + ".tmp")
    tmp.write_text(str(port))
    tmp.replace(args.port_file)
    print(f"fault_http: serving on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
