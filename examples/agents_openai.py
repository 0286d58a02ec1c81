"""A blocking agent loop: the OpenAI SDK calls MCP tools through one shared SyncClient.

    python examples/agents_openai.py

With OPENAI_API_KEY set it talks to OpenAI (model: $OPENAI_MODEL, default gpt-4.1-mini); without
it, to the fake model of examples/fake_llm.py on 127.0.0.1, so it runs offline. It shows the Chat
Completions loop, the Responses loop, and MCP sampling answered by the same SDK.
"""

import os
import sys
from pathlib import Path

from openai import OpenAI

from mcpclient import SyncClient
from mcpclient.contrib.openai import chat_tools, response_tools, run_tool_calls, sampling_handler

HERE = Path(__file__).resolve().parent
MODEL = os.environ.get("OPENAI_MODEL", "gpt-4.1-mini")
QUESTION = "What is 2 + 3, and what is the weather in Paris?"


def chat_loop(llm: OpenAI, mcp: SyncClient, question: str) -> str:
    messages: list = [{"role": "user", "content": question}]
    tools = chat_tools(mcp)
    while True:
        reply = llm.chat.completions.create(model=MODEL, messages=messages, tools=tools)
        message = reply.choices[0].message
        messages.append(message)
        if not message.tool_calls:
            return message.content or ""
        messages += run_tool_calls(mcp, message)  # all calls at once; failures become tool output


def responses_loop(llm: OpenAI, mcp: SyncClient, question: str) -> str:
    items: list = [{"role": "user", "content": question}]
    tools = response_tools(mcp)
    while True:
        response = llm.responses.create(model=MODEL, input=items, tools=tools)
        items += response.output
        outputs = run_tool_calls(mcp, response)
        if not outputs:
            return response.output_text
        items += outputs


def main() -> None:
    if not os.environ.get("OPENAI_API_KEY"):
        sys.path.insert(0, str(HERE))
        from fake_llm import FakeLLM

        fake = FakeLLM()
        os.environ.update(OPENAI_BASE_URL=f"{fake.url}/v1", OPENAI_API_KEY="fake-key")
        print(f"(no OPENAI_API_KEY: using the fake model at {fake.url})")
    llm = OpenAI()
    # The server's `summarize` tool asks the client's LLM (MCP sampling): answer it with the same SDK.
    with SyncClient(HERE / "server.py", sampling_handler=sampling_handler(llm, model=MODEL)) as mcp:
        print("chat completions:", chat_loop(llm, mcp, QUESTION))
        print("responses:", responses_loop(llm, mcp, QUESTION))
        print("sampling:", mcp.call_tool("summarize", {"text": "MCP connects models to tools."}).data)


if __name__ == "__main__":
    main()
