"""Shared by the agent adapter tests: the agent tools server and the fake model API."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

TESTS = Path(__file__).resolve().parent
AGENT_TOOLS = TESTS / "servers" / "agent_tools.py"
FIXTURES = TESTS / "fixtures"
EXAMPLES = TESTS.parent / "examples"


def fake_llm_module() -> ModuleType:
    """examples/fake_llm.py, imported once."""
    module = sys.modules.get("fake_llm")
    if module is None:
        spec = importlib.util.spec_from_file_location("fake_llm", EXAMPLES / "fake_llm.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["fake_llm"] = module
        spec.loader.exec_module(module)
    return module


def running_fake_llm() -> Iterator[Any]:
    """The fake OpenAI/Anthropic API on 127.0.0.1 (examples/fake_llm.py), for a fixture: `yield from` it."""
    fake = fake_llm_module().FakeLLM()
    try:
        yield fake
    finally:
        fake.stop()
