"""The agent examples and every Python sample of docs/agents.md run, offline.

The examples start the fake model of examples/fake_llm.py themselves when no API key is set;
the docs samples are run as they are, with the SDKs pointed at that fake model through
OPENAI_BASE_URL / ANTHROPIC_BASE_URL.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from agents_support import running_fake_llm

# The examples and samples import these in their own interpreters; here only their presence is
# checked (find_spec: importing them would cost every xdist worker ~3 s of CPU at collection).
_MISSING = [name for name in ("openai", "anthropic", "langgraph", "langchain_openai") if find_spec(name) is None]
if _MISSING:
    pytest.skip(f"not installed: {', '.join(_MISSING)}", allow_module_level=True)

pytestmark = pytest.mark.timeout(300)  # fresh interpreters importing the SDKs; slow on a loaded CI machine

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "agents.md"


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[Any]:
    yield from running_fake_llm()


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> str:
    proc = subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert proc.returncode == 0, f"exit code {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


def offline_env() -> dict[str, str]:
    drop = {"OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_MODEL"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_openai_example(no_new_children: None) -> None:
    out = run(["examples/agents_openai.py"], offline_env())
    assert "using the fake model" in out
    assert re.search(r"chat completions: Answer: 5; \{ \"city\": \"Paris\", .*\}", out), out
    assert re.search(r"responses: Answer: 5; \{ \"city\": \"Paris\", .*\}", out), out
    assert "sampling: sampled: Summarize in one line:" in out


def test_anthropic_example(no_new_children: None) -> None:
    out = run(["examples/agents_anthropic.py"], offline_env())
    assert re.search(r"messages: Answer: 5; \{ \"city\": \"Paris\", .*\}", out), out
    assert "sampling: sampled: Summarize in one line:" in out


def test_langchain_example(no_new_children: None) -> None:
    out = run(["examples/agents_langchain.py"], offline_env())
    assert "sync: Answer: 5\n" in out
    # Four threads at once through one client, each with its own answer (in submission order).
    assert [line for line in out.splitlines() if line.startswith("thread:")] == [
        f"thread: Answer: {i + 100}" for i in range(4)
    ]
    assert re.search(r"async: Answer: \{ \"city\": \"Oslo\", .*\}", out), out
    assert "prompt: ['human']" in out
    assert "resource: # Notes for monday" in out


def doc_samples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def test_docs_have_a_loop_for_each_sdk() -> None:
    samples = doc_samples()
    assert any("chat_tools(mcp)" in s and "while True" in s for s in samples)
    assert any("response_tools(mcp)" in s and "while True" in s for s in samples)
    assert any("run_tool_uses" in s and "while True" in s for s in samples)
    assert any("load_tools(mcp)" in s and "while True" in s for s in samples)
    loops = [s for s in samples if "while True" in s]
    assert all(len(s.strip().splitlines()) <= 18 for s in loops), [len(s.splitlines()) for s in loops]


_DRIVER = """
import runpy, sys
for path in sys.argv[1:]:
    print(f"=== {path}", flush=True)
    runpy.run_path(path, run_name="__main__")
"""


def test_docs_samples_run(fake_llm: Any, tmp_path: Path) -> None:
    # One interpreter runs them all in turn (importing the SDKs once keeps this test fast).
    samples = doc_samples()
    paths = []
    for index, sample in enumerate(samples):
        path = tmp_path / f"sample_{index}.py"
        path.write_text(sample)
        paths.append(str(path))
    env = offline_env() | {
        "OPENAI_BASE_URL": f"{fake_llm.url}/v1",
        "OPENAI_API_KEY": "fake-key",
        "ANTHROPIC_BASE_URL": fake_llm.url,
        "ANTHROPIC_API_KEY": "fake-key",
    }
    out = run(["-c", _DRIVER, *paths], env, timeout=180)
    outputs = re.split(r"^=== .*\n", out, flags=re.MULTILINE)[1:]
    assert len(outputs) == len(samples), out
    for sample, printed in zip(samples, outputs, strict=True):
        assert printed.strip(), f"this sample printed nothing:\n{sample}"
        if "What is 2 + 3?" in sample:
            assert printed.splitlines()[0] == "Answer: 5", (sample, printed)
        if "summarize" in sample:
            assert printed.startswith("sampled: Summarize in one line:"), printed
        if "mcp.aio" in sample:
            assert printed.strip() == "[1, 2, 3]"
        if "load_prompt" in sample:
            assert printed.strip() == "Please review this code. Point out bugs first, then style: | notes://today"
        if "What is the weather in Paris?" in sample:
            assert re.search(r"Answer: \{ \"city\": \"Paris\"", printed), printed
