"""A Flask app sharing one SyncClient across all request threads.

    python examples/flask_app.py          # then open http://127.0.0.1:5000/tools
    flask --app examples/flask_app run    # or with the flask command

The extension creates the client on first use and keeps its session open for the life of
the process (closed at exit), so requests do not pay for starting the server. Any number
of request threads may call it at once; their requests share one MCP session.
"""

from pathlib import Path
from typing import Any

from flask import Flask, request

import mcpclient
from mcpclient.contrib.flask import MCP

SERVER = Path(__file__).with_name("server.py")

mcp = MCP()


def create_app(servers: Any = SERVER) -> Flask:
    app = Flask(__name__)
    app.config["MCP_SERVERS"] = servers  # a path, a URL, or an mcpServers dict
    app.config["MCP_CLIENT_OPTIONS"] = {"timeout": 30}
    mcp.init_app(app)

    @app.get("/tools")
    def tools() -> dict[str, Any]:
        return {"tools": [tool.name for tool in mcp.client.list_tools()]}

    @app.get("/add")
    def add() -> dict[str, Any]:
        a, b = request.args.get("a", 0, type=int), request.args.get("b", 0, type=int)
        return {"sum": mcp.client.call_tool("add", {"a": a, "b": b}).data}

    @app.get("/divide")
    def divide() -> tuple[dict[str, Any], int]:
        a, b = request.args.get("a", 0.0, type=float), request.args.get("b", 1.0, type=float)
        try:
            return {"quotient": mcp.client.call_tool("divide", {"a": a, "b": b}).data}, 200
        except mcpclient.ToolError as exc:  # the tool failed: its message is for the user
            return {"error": exc.message}, 400

    @app.get("/weather/<city>")
    def weather(city: str) -> dict[str, Any]:
        report = mcp.client.call_tool("weather", {"city": city}).data
        return {"city": report.city, "temperature_c": report.temperature_c, "conditions": report.conditions}

    return app


if __name__ == "__main__":
    create_app().run(threaded=True)
