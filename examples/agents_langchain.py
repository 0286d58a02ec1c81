"""LangGraph's ReAct agent using MCP tools through one shared SyncClient, sync and async.

    python examples/agents_langchain.py

Needs `pip install "mcpclient[langchain]" langchain-openai`. With OPENAI_API_KEY set the agent's
model is OpenAI's (model: $OPENAI_MODEL, default gpt-4.1-mini); without it, the fake model of
examples/fake_llm.py on 127.0.0.1, so it runs offline.
"""

import asyncio
import os
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent

from mcpclient import SyncClient
from mcpclient.contrib.langchain import load_prompt, load_resource, load_tools

HERE = Path(__file__).resolve().parent
MODEL = os.environ.get("OPENAI_MODEL", "gpt-4.1-mini")
# LangGraph 1.x points to `langchain.agents.create_agent`; the prebuilt agent is the same loop.
warnings.filterwarnings("ignore", message="create_react_agent has been moved")


def main() -> None:
    if not os.environ.get("OPENAI_API_KEY"):
        sys.path.insert(0, str(HERE))
        from fake_llm import FakeLLM

        fake = FakeLLM()
        os.environ.update(OPENAI_BASE_URL=f"{fake.url}/v1", OPENAI_API_KEY="fake-key")
        print(f"(no OPENAI_API_KEY: using the fake model at {fake.url})")

    mcp = SyncClient(HERE / "server.py")
    agent = create_react_agent(ChatOpenAI(model=MODEL), load_tools(mcp, tool_names=["add", "weather"]))

    def ask(question: str) -> str:
        return agent.invoke({"messages": [("user", question)]})["messages"][-1].content

    print("sync:", ask("What is 2 + 3?"))
    # The same tools from several threads at once: one session, each thread gets its own answer.
    with ThreadPoolExecutor(4) as pool:
        for answer in pool.map(ask, [f"What is {i} + 100?" for i in range(4)]):
            print("thread:", answer)

    async def ask_async() -> str:
        state = await agent.ainvoke({"messages": [("user", "What is the weather in Oslo?")]})
        return state["messages"][-1].content

    print("async:", asyncio.run(ask_async()))  # awaits the tools without blocking the event loop

    print("prompt:", [m.type for m in load_prompt(mcp, "review_code", {"code": "x = 1"})])
    print("resource:", load_resource(mcp, "notes://monday")[0].page_content.splitlines()[0])
    mcp.close()


if __name__ == "__main__":
    main()
