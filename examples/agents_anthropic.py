"""A blocking agent loop: the Anthropic SDK calls MCP tools through one shared SyncClient.

    python examples/agents_anthropic.py

With ANTHROPIC_API_KEY set it talks to Anthropic (model: $ANTHROPIC_MODEL, default
claude-sonnet-4-5); without it, to the fake model of examples/fake_llm.py on 127.0.0.1, so it
runs offline. It shows the Messages tool-use loop and MCP sampling answered by the same SDK.
"""

import os
import sys
from pathlib import Path

from anthropic import Anthropic

from mcpclient import SyncClient
from mcpclient.contrib.anthropic import run_tool_uses, sampling_handler, tools

HERE = Path(__file__).resolve().parent
MODEL = os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4-5")
QUESTION = "What is 2 + 3, and what is the weather in Paris?"


def agent(llm: Anthropic, mcp: SyncClient, question: str) -> str:
    messages: list = [{"role": "user", "content": question}]
    definitions = tools(mcp)
    while True:
        reply = llm.messages.create(model=MODEL, max_tokens=1024, messages=messages, tools=definitions)
        messages.append({"role": "assistant", "content": reply.content})
        if reply.stop_reason != "tool_use":
            return "".join(block.text for block in reply.content if block.type == "text")
        # Every tool_use at once; failures come back as tool_result blocks with is_error set.
        messages.append({"role": "user", "content": run_tool_uses(mcp, reply)})


def main() -> None:
    if not os.environ.get("ANTHROPIC_API_KEY"):
        sys.path.insert(0, str(HERE))
        from fake_llm import FakeLLM

        fake = FakeLLM()
        os.environ.update(ANTHROPIC_BASE_URL=fake.url, ANTHROPIC_API_KEY="fake-key")
        print(f"(no ANTHROPIC_API_KEY: using the fake model at {fake.url})")
    llm = Anthropic()
    with SyncClient(HERE / "server.py", sampling_handler=sampling_handler(llm, model=MODEL)) as mcp:
        print("messages:", agent(llm, mcp, QUESTION))
        print("sampling:", mcp.call_tool("summarize", {"text": "MCP connects models to tools."}).data)


if __name__ == "__main__":
    main()
