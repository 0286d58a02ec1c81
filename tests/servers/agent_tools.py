"""An MCP server with what agent adapters must translate (tests of `mcpclient.contrib` agents).

Run over stdio: ``python tests/servers/agent_tools.py``.

- tools: ``add`` (int, structured), ``echo``, ``weather`` (structured object), ``chart``
  (text + PNG image), ``attachment`` (embedded text and blob resources, a resource link),
  ``fail`` (an error result with exactly the given text), ``slow`` (sleeps), ``rendezvous``
  (answers once N calls are in flight at once: proves concurrency), ``lookup``
  (only required properties: strict-mode compatible), ``ask_model`` (asks the client's LLM through
  sampling with every request field set, returns "<model>|<stop reason>|<text>");
- resources ``docs://readme`` (markdown text) and ``docs://logo`` (PNG blob);
- prompt ``review`` (a user message, an assistant message and an image).
"""

from __future__ import annotations

import base64
import warnings
from typing import Annotated, Literal

import anyio
from mcp.server.mcpserver import MCPServer, Resolve, Sample
from mcp.server.mcpserver.prompts.base import AssistantMessage, Message, UserMessage
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import (
    BlobResourceContents,
    CallToolResult,
    CreateMessageResult,
    EmbeddedResource,
    ImageContent,
    ModelHint,
    ModelPreferences,
    ResourceLink,
    SamplingMessage,
    TextContent,
    TextResourceContents,
)
from pydantic import BaseModel

warnings.filterwarnings("ignore", category=MCPDeprecationWarning)

# A 1x1 transparent PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
PNG_B64 = base64.b64encode(PNG).decode()
SAMPLE_SYSTEM_PROMPT = "You answer in one word."
SAMPLE_STOP = ["END", "\n\n"]

server = MCPServer("agent-tools", instructions="Tools for agent adapter tests.")


class Weather(BaseModel):
    city: str
    temperature_c: float
    conditions: Literal["sunny", "rainy"]


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
def weather(city: str, unit: Literal["c", "f"] = "c") -> Weather:
    """Made-up weather for a city."""
    return Weather(city=city, temperature_c=21.5, conditions="sunny" if len(city) % 2 else "rainy")


@server.tool()
def chart(label: str) -> CallToolResult:
    """A caption and a PNG image."""
    return CallToolResult(
        content=[
            TextContent(type="text", text=f"chart of {label}"),
            ImageContent(type="image", data=PNG_B64, mime_type="image/png"),
        ]
    )


@server.tool()
def attachment() -> CallToolResult:
    """An embedded text resource, an embedded blob and a resource link."""
    return CallToolResult(
        content=[
            EmbeddedResource(
                type="resource",
                resource=TextResourceContents(uri="docs://readme", mime_type="text/markdown", text="# Readme"),
            ),
            EmbeddedResource(
                type="resource",
                resource=BlobResourceContents(uri="docs://logo", mime_type="image/png", blob=PNG_B64),
            ),
            ResourceLink(type="resource_link", uri="docs://readme", name="readme", mime_type="text/markdown"),
        ]
    )


@server.tool()
def fail(message: str) -> CallToolResult:
    """Fail with exactly `message`."""
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer."""
    await anyio.sleep(seconds)
    return f"slept {seconds}"


_groups: dict[str, tuple[int, anyio.Event]] = {}


@server.tool()
async def rendezvous(group: str, size: int, timeout: float = 20) -> str:
    """Wait until `size` calls of `group` have arrived: "met", or "alone" after `timeout` s (calls not concurrent)."""
    count, event = _groups.get(group) or (0, anyio.Event())
    _groups[group] = (count + 1, event)
    if count + 1 >= size:
        event.set()
    with anyio.move_on_after(timeout):
        await event.wait()
        return "met"
    return "alone"


@server.tool()
def lookup(key: str, exact: bool) -> str:
    """Look a key up."""
    return f"{key}:{'exact' if exact else 'fuzzy'}"


def _ask(question: str) -> Sample:
    return Sample(
        [
            SamplingMessage(role="user", content=TextContent(type="text", text=question)),
            SamplingMessage(role="assistant", content=TextContent(type="text", text="Let me look.")),
            SamplingMessage(
                role="user",
                content=[
                    TextContent(type="text", text="Here is the chart."),
                    ImageContent(type="image", data=PNG_B64, mime_type="image/png"),
                ],
            ),
        ],
        max_tokens=64,
        system_prompt=SAMPLE_SYSTEM_PROMPT,
        temperature=0.25,
        stop_sequences=SAMPLE_STOP,
        model_preferences=ModelPreferences(
            hints=[ModelHint(name="small-model")], intelligence_priority=0.2, speed_priority=0.9
        ),
    )


@server.tool()
def ask_model(question: str, reply: Annotated[CreateMessageResult, Resolve(_ask)]) -> str:
    """Ask the client's LLM; returns "<model>|<stop reason>|<text>"."""
    text = reply.content.text if isinstance(reply.content, TextContent) else repr(reply.content)
    return f"{reply.model}|{reply.stop_reason}|{text}"


@server.resource("docs://readme", mime_type="text/markdown")
def readme() -> str:
    """The readme."""
    return "# Readme\n\nHello."


@server.resource("docs://logo", mime_type="image/png")
def logo() -> bytes:
    """The logo."""
    return PNG


@server.prompt()
def review(code: str) -> list[Message]:
    """Ask for a code review."""
    return [
        UserMessage(content=TextContent(type="text", text=f"Review this code:\n{code}")),
        AssistantMessage(content=TextContent(type="text", text="Sure. Any constraints?")),
        UserMessage(content=ImageContent(type="image", data=PNG_B64, mime_type="image/png")),
    ]


if __name__ == "__main__":
    server.run()
