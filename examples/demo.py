"""The mcpclient demo: talk to the bundled example server from a plain script.

    python examples/demo.py

Starts examples/server.py over stdio, lists its tools, calls two, reads a resource and
renders a prompt, printing each result. No asyncio anywhere: `SyncClient` blocks.
"""

from pathlib import Path
from textwrap import indent

from mcp.types import TextContent, TextResourceContents

from mcpclient import SyncClient

SERVER = Path(__file__).with_name("server.py")


def main() -> None:
    with SyncClient(SERVER) as client:
        info = client.initialize_result
        assert info is not None
        print(f"Connected to {info.server_info.name!r} (protocol {client.protocol_version})")

        print("\nTools:")
        for tool in client.list_tools():
            print(f"  {tool.name:<11} {tool.description}")

        total = client.call_tool("add", {"a": 2, "b": 3})
        print(f"\nadd(2, 3) = {total.data}")

        weather = client.call_tool("weather", {"city": "Paris"}).data
        print(f"weather('Paris') = {weather.temperature_c} °C, {weather.conditions}")

        print("\nResource notes://today:")
        for contents in client.read_resource("notes://today"):
            if isinstance(contents, TextResourceContents):
                print(indent(contents.text.strip(), "  "))

        prompt = client.get_prompt("review_code", {"code": "def inc(x): return x + 2"})
        print("\nPrompt review_code:")
        for message in prompt.messages:
            if isinstance(message.content, TextContent):
                print(indent(f"[{message.role}] {message.content.text}", "  "))


if __name__ == "__main__":
    main()
