"""A small MCP server to try mcpclient against (stdio).

Run it through the client rather than directly, for example::

    from mcpclient import SyncClient

    with SyncClient("examples/server.py") as client:
        print(client.call_tool("add", {"a": 2, "b": 3}).data)        # 5
        print(client.call_tool("weather", {"city": "Paris"}).data)   # Weather(city='Paris', ...)

or from a shell: ``mcpclient examples/server.py call weather city=Paris``.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("example", instructions="A friendly demo server: arithmetic, fake weather, a counter.")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    # A primitive result is sent as structured content {"result": a + b}.
    return a + b


@dataclass
class Weather:
    city: str
    temperature_c: float
    conditions: str


@server.tool()
def weather(city: str) -> Weather:
    """Today's weather for a city (made up, but stable for a given city and day)."""
    # A dataclass result becomes structured content, with an output schema for clients.
    seed = hashlib.sha256(f"{city.lower()}{date.today()}".encode()).digest()
    conditions = ["sunny", "cloudy", "rainy", "windy"][seed[0] % 4]
    return Weather(city=city, temperature_c=round(5 + seed[1] / 255 * 25, 1), conditions=conditions)


@server.tool()
async def slow_count(n: int, ctx: Context) -> str:
    """Count to n slowly, reporting progress at each step."""
    for i in range(1, n + 1):
        await anyio.sleep(0.1)
        await ctx.report_progress(i, n, f"counted {i}")
    return f"counted to {n}"


@server.resource("notes://today", mime_type="text/markdown")
def todays_notes() -> str:
    """A resource: today's notes."""
    return f"# Notes for {date.today():%A %d %B}\n\n- Try mcpclient\n- Water the plants\n"


@server.prompt()
def review_code(code: str) -> str:
    """A prompt template asking for a code review."""
    return f"Please review this code. Point out bugs first, then style:\n\n```\n{code}\n```"


if __name__ == "__main__":
    server.run()  # stdio
