"""A small MCP server to try mcpclient against (stdio).

Run it through the client rather than directly, for example::

    from mcpclient import SyncClient

    with SyncClient("examples/server.py") as client:
        print(client.call_tool("add", {"a": 2, "b": 3}).data)        # 5
        print(client.call_tool("weather", {"city": "Paris"}).data)   # Weather(city='Paris', ...)

or from a shell: ``mcpclient examples/server.py call weather city=Paris``.

What it offers:

- tools ``add`` (an int result), ``weather`` (a dataclass result), ``divide`` (fails on a zero
  divisor, to show ``ToolError``), ``slow_count`` (progress and log messages), ``greet``
  (asks the client for a name through elicitation) and ``summarize`` (asks the client's LLM
  through sampling);
- the resource ``notes://today`` and the resource template ``notes://{day}``;
- the prompt ``review_code``.
"""

import hashlib
import warnings
from dataclasses import dataclass
from datetime import date
from typing import Annotated

import anyio
from mcp.server.mcpserver import (
    AcceptedElicitation,
    Context,
    Elicit,
    ElicitationResult,
    MCPServer,
    Resolve,
    Sample,
)
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import CreateMessageResult, SamplingMessage, TextContent
from pydantic import BaseModel

# MCP log messages are deprecated as of protocol 2026-07-28 but still delivered to clients
# that opt in (mcpclient's `log_level=`); keep the warning out of the server's stderr.
warnings.filterwarnings("ignore", category=MCPDeprecationWarning)

server = MCPServer("example", instructions="A friendly demo server: arithmetic, fake weather, a counter.")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    # A primitive result is sent as structured content {"result": a + b}.
    return a + b


@server.tool()
def divide(a: float, b: float) -> float:
    """Divide a by b; fails when b is zero."""
    if b == 0:
        raise ToolError("cannot divide by zero")
    return a / b


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
    """Count to n slowly, reporting progress at each step and logging when done."""
    for i in range(1, n + 1):
        await anyio.sleep(0.1)
        await ctx.report_progress(i, n, f"counted {i}")
    await ctx.info(f"finished counting to {n}")
    return f"counted to {n}"


class Name(BaseModel):
    name: str


def _ask_name() -> Elicit[Name]:
    return Elicit("What is your name?", Name)


@server.tool()
def greet(answer: Annotated[ElicitationResult[Name], Resolve(_ask_name)]) -> str:
    """Ask the user's name (elicitation), then greet them."""
    # `Resolve` asks the client mid-call (legacy protocol) or in an input_required round (2026-07-28).
    if isinstance(answer, AcceptedElicitation):
        return f"Hello, {answer.data.name}!"
    return "Hello, stranger!"


def _ask_llm(text: str) -> Sample:
    message = SamplingMessage(role="user", content=TextContent(type="text", text=f"Summarize in one line:\n\n{text}"))
    return Sample([message], max_tokens=100)


@server.tool()
def summarize(text: str, reply: Annotated[CreateMessageResult, Resolve(_ask_llm)]) -> str:
    """Summarize a text with the client's LLM (sampling)."""
    return reply.content.text if isinstance(reply.content, TextContent) else str(reply.content)


@server.resource("notes://today", mime_type="text/markdown")
def todays_notes() -> str:
    """A resource: today's notes."""
    return f"# Notes for {date.today():%A %d %B}\n\n- Try mcpclient\n- Water the plants\n"


@server.resource("notes://{day}", mime_type="text/markdown")
def notes_for(day: str) -> str:
    """A resource template: the notes of any day."""
    return f"# Notes for {day}\n\n- Nothing planned yet\n"


@server.prompt()
def review_code(code: str) -> str:
    """A prompt template asking for a code review."""
    return f"Please review this code. Point out bugs first, then style:\n\n```\n{code}\n```"


if __name__ == "__main__":
    server.run()  # stdio
