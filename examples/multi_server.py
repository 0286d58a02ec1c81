"""Two servers behind one client, from an `mcpServers` config (the Claude Desktop / VS Code format).

    python examples/multi_server.py

With several servers, names are prefixed with the server's name: the example server's
`add` tool is `example_add`, the clock's `now` is `clock_now`, and resource URIs get the
server as their first part (`clock://epoch` becomes `clock://clock/epoch`). Calls are routed
back to the server that owns the name.
"""

import json
import sys
from pathlib import Path
from typing import Any

from mcpclient import SyncClient

HERE = Path(__file__).parent
CONFIG = HERE / "multi_server.json"


def load_config() -> dict[str, Any]:
    """The config file, with its servers run by this interpreter from this directory.

    Relative paths in a config are resolved by each server process from its working directory,
    and "python" is whichever comes first on PATH. So `SyncClient("multi_server.json")` works as
    it is when run from this directory with the virtual environment activated; this function
    makes it work from anywhere, with the interpreter running this script.
    """
    config: dict[str, Any] = json.loads(CONFIG.read_text())
    for entry in config["mcpServers"].values():
        if entry.get("command") == "python":
            entry["command"] = sys.executable
        entry.setdefault("cwd", str(HERE))
    return config


def main() -> None:
    with SyncClient(load_config()) as client:
        print("Tools:", ", ".join(sorted(tool.name for tool in client.list_tools())))
        print("example_add(2, 3) =", client.call_tool("example_add", {"a": 2, "b": 3}).data)
        print("clock_now(+1h) =", client.call_tool("clock_now", {"utc_offset_hours": 1}).data)
        print("Resources:", ", ".join(sorted(str(resource.uri) for resource in client.list_resources())))


if __name__ == "__main__":
    main()
