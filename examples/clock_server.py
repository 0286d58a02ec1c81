"""A second tiny MCP server (stdio), for the multi-server example: what time is it?"""

from datetime import UTC, datetime, timedelta, timezone

from mcp.server.mcpserver import MCPServer

server = MCPServer("clock", instructions="Tells the time.")


@server.tool()
def now(utc_offset_hours: float = 0) -> str:
    """The current time at a UTC offset, as ISO 8601."""
    zone = timezone(timedelta(hours=utc_offset_hours))
    return datetime.now(zone).isoformat(timespec="seconds")


@server.resource("clock://epoch")
def epoch() -> str:
    """Seconds since 1970-01-01 UTC."""
    return str(int(datetime.now(UTC).timestamp()))


if __name__ == "__main__":
    server.run()  # stdio
