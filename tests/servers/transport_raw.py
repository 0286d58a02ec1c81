"""A hand-written stdio JSON-RPC server that misbehaves on stdout (for the transport tests).

Before each tools/call response it writes a non-JSON line and a JSON line that is not
JSON-RPC, on the same stdout the protocol uses.
"""

import json
import sys


def send(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    request = json.loads(line)
    method, rid = request.get("method"), request.get("id")
    if rid is None:
        continue  # a notification
    if method == "initialize":
        result: dict[str, object] = {
            "protocolVersion": request["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "raw", "version": "0"},
        }
    elif method == "tools/call":
        sys.stdout.write("garbage: this is not JSON\n")
        sys.stdout.write('{"not": "json-rpc"}\n\n')
        text = request["params"]["arguments"]["text"]
        result = {"content": [{"type": "text", "text": text}], "isError": False}
    elif method == "tools/list":
        schema = {"type": "object", "properties": {"text": {"type": "string"}}}
        result = {"tools": [{"name": "echo", "inputSchema": schema}]}
    elif method == "ping":
        result = {}
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"no {method}"}})
        continue
    send({"jsonrpc": "2.0", "id": rid, "result": result})
