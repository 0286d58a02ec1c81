"""A client process for the process-death tests: it holds SyncClients to stdio servers.

    python client_holder.py SPECS_JSON [--call TOOL ARGS_JSON]

SPECS_JSON is a list of `{"command": ..., "args": [...], "env": {...}, "cwd": ...}`. Every
client connects (lazily, by a ping); then one line of JSON goes to stdout:
`{"pids": [server pid, ...]}`. Then, with `--call`, the first client calls TOOL (a busy tool:
the test interrupts it); otherwise the process waits on stdin until it is killed or stdin closes.
"""

from __future__ import annotations

import json
import sys

from mcpclient import SyncClient
from mcpclient.transports import StdioTransport

if __name__ == "__main__":
    specs = json.loads(sys.argv[1])
    clients = []
    for spec in specs:
        transport = StdioTransport(spec["command"], spec.get("args", []), env=spec.get("env"), cwd=spec.get("cwd"))
        client = SyncClient(transport, timeout=120, init_timeout=120)
        client.ping()
        clients.append(client)
    print(json.dumps({"pids": [client.transport.pid for client in clients]}), flush=True)
    if "--call" in sys.argv:
        at = sys.argv.index("--call")
        clients[0].call_tool(sys.argv[at + 1], json.loads(sys.argv[at + 2]))
    else:
        sys.stdin.read()
