"""Flask extension: one `SyncClient` per process, shared by every request thread.

```python
from flask import Flask
from mcpclient.contrib.flask import MCP

app = Flask(__name__)
app.config["MCP_SERVERS"] = "examples/server.py"  # or an mcpServers dict, or a URL
mcp = MCP(app)  # or `mcp = MCP()` and later `mcp.init_app(app)`


@app.get("/add")
def add():
    return {"sum": mcp.client.call_tool("add", {"a": 1, "b": 2}).data}
```

Config keys: `MCP_SERVERS` (required: a source `SyncClient` accepts, or a mapping of
`mcpServers` entries) and `MCP_CLIENT_OPTIONS` (a dict of `SyncClient` keyword options,
e.g. `{"timeout": 30}`). The client is created on first use, not at start-up, so the
app can be imported by a pre-fork server (gunicorn `--preload`, uWSGI) before it forks.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context

from ..errors import ConfigError
from ..sync import SyncClient
from . import SharedClient, source_from_setting

__all__ = ["MCP"]


class MCP:
    """The Flask extension. `mcp.client` is the app's shared `SyncClient`.

    Also reachable as `current_app.extensions["mcp"].client` (a `SharedClient`).
    `client_options` are `SyncClient` keyword options; `MCP_CLIENT_OPTIONS` overrides them.
    """

    def __init__(self, app: Flask | None = None, **client_options: Any) -> None:
        self.app = app
        self.client_options = client_options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register the extension on `app` (the client itself is created on first use)."""
        app.config.setdefault("MCP_SERVERS", None)
        app.config.setdefault("MCP_CLIENT_OPTIONS", {})
        app.extensions["mcp"] = SharedClient(lambda: self._create_client(app))

    def _create_client(self, app: Flask) -> SyncClient:
        servers = app.config.get("MCP_SERVERS")
        if servers is None:
            raise ConfigError("set it to a server source or an mcpServers dict", field="app.config['MCP_SERVERS']")
        options = {**self.client_options, **(app.config.get("MCP_CLIENT_OPTIONS") or {})}
        return SyncClient(source_from_setting(servers), **options)

    def _shared(self) -> SharedClient:
        app: Any = current_app if has_app_context() else self.app
        shared = app.extensions.get("mcp") if app is not None else None
        if not isinstance(shared, SharedClient):
            raise RuntimeError(
                "mcpclient's Flask extension is not set up for this app: call MCP(app) or mcp.init_app(app), "
                "and use mcp.client inside an app or request context when the app was not given to MCP()"
            )
        return shared

    @property
    def client(self) -> SyncClient:
        """The shared `SyncClient` of the current app (created and connected on first use)."""
        return self._shared().client

    def close(self) -> None:
        """Close the shared client (it is also closed at process exit); the next use reconnects."""
        self._shared().close()
