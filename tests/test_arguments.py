"""Bad arguments never leave the client (mcpclient/_arguments.py): a typed error that is also the
matching builtin, naming the tool and the argument path, nothing written, and the session goes on."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import time
import uuid
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import anyio
import pydantic
import pytest
from conftest import SERVERS_DIR
from hypothesis import given, settings
from hypothesis import strategies as st
from interop.clients import close_client, make_client

from mcpclient import ArgumentError, ArgumentTypeError, ArgumentValueError, Client, MCPClientError
from mcpclient._arguments import prompt_arguments, tool_arguments

HOSTILE = SERVERS_DIR / "hostile_stdio.py"


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@dataclasses.dataclass
class Point:
    x: int
    when: datetime.date


class Model(pydantic.BaseModel):
    name: str = pydantic.Field(alias="Name")
    tags: set[str]


# ------------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("arguments", "error", "path", "builtin"),
    [
        ({"text": object()}, ArgumentTypeError, "arguments['text']", TypeError),
        ({"n": float("nan")}, ArgumentValueError, "arguments['n']", ValueError),
        ({"n": float("inf")}, ArgumentValueError, "arguments['n']", ValueError),
        ({"items": [1, 2, -math.inf]}, ArgumentValueError, "arguments['items'][2]", ValueError),
        ({"raw": b"\xff\xfe"}, ArgumentTypeError, "arguments['raw']", TypeError),
        ({"m": {1: "x"}}, ArgumentTypeError, "arguments['m'][1]", TypeError),
        ({"d": Decimal("NaN")}, ArgumentValueError, "arguments['d']", ValueError),
        ([1, 2], ArgumentTypeError, "arguments", TypeError),
        ("text", ArgumentTypeError, "arguments", TypeError),
    ],
    ids=["object", "nan", "inf", "nested-inf", "bytes", "int-key", "decimal-nan", "list", "str"],
)
def test_refused(arguments: Any, error: type[ArgumentError], path: str, builtin: type[Exception]) -> None:
    with pytest.raises(error) as excinfo:
        tool_arguments("echo", arguments, server="srv")
    exc = excinfo.value
    assert isinstance(exc, MCPClientError) and isinstance(exc, builtin)
    assert exc.tool == "echo" and exc.path == path
    assert str(exc).startswith(f"server 'srv': tools/call 'echo': {path} ")
    assert "nothing was sent" in str(exc)


def test_refused_names_and_cycles() -> None:
    with pytest.raises(ArgumentTypeError, match="tool name must be a string, not NoneType"):
        tool_arguments(None, {})
    with pytest.raises(ArgumentTypeError, match="prompt name must be a string"):
        prompt_arguments(3, {})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ArgumentValueError, match=r"arguments\['a'\]\[0\] contains itself"):
        tool_arguments("t", {"a": loop})
    deep: Any = "leaf"
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ArgumentValueError, match="nested deeper than 256"):
        tool_arguments("t", {"deep": deep})


def test_documented_conversions() -> None:
    when = datetime.datetime(2026, 12, 3, 17, 30, tzinfo=datetime.UTC)
    converted = tool_arguments(
        "t",
        {
            "when": when,
            "day": when.date(),
            "at": datetime.time(9, 15),
            "pair": (1, "a"),
            "set": frozenset({7}),
            "color": Color.RED,
            "level": Level.HIGH,
            "price": Decimal("1.10"),
            "id": uuid.UUID(int=1),
            "path": PurePosixPath("/tmp/x"),
            "point": Point(1, when.date()),
            "model": Model(Name="n", tags={"a"}),
            Color.RED: "enum key",
        },
    )
    assert converted == {
        "when": "2026-12-03T17:30:00+00:00",
        "day": "2026-12-03",
        "at": "09:15:00",
        "pair": [1, "a"],
        "set": [7],
        "color": "red",
        "level": 3,
        "price": "1.10",
        "id": "00000000-0000-0000-0000-000000000001",
        "path": "/tmp/x",
        "point": {"x": 1, "when": "2026-12-03"},
        "model": {"Name": "n", "tags": ["a"]},
        "red": "enum key",
    }
    assert json.loads(json.dumps(converted, allow_nan=False)) == converted


def test_prompt_arguments_are_strings() -> None:
    assert prompt_arguments("p", {"s": "plain", "n": 3, "when": datetime.date(2026, 1, 2), "c": Color.RED}) == {
        "s": "plain",
        "n": "3",
        "when": '"2026-01-02"',
        "c": '"red"',
    }
    with pytest.raises(ArgumentValueError, match=r"prompts/get 'p': arguments\['x'\]"):
        prompt_arguments("p", {"x": math.nan})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(arguments=st.dictionaries(st.text(max_size=8), JSON, max_size=5))
def test_plain_json_passes_unchanged(arguments: dict[str, Any]) -> None:
    assert tool_arguments("t", arguments) == arguments


POISON = st.sampled_from([math.nan, math.inf, -math.inf, b"bytes", object(), {1: 2}, bytearray(b"x")])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), arguments=st.dictionaries(st.text(max_size=8), JSON, min_size=1, max_size=5))
def test_one_poisoned_value_is_found_and_named(data: st.DataObject, arguments: dict[str, Any]) -> None:
    # Put one value JSON cannot carry somewhere in a valid tree: it is always found, by its path.
    key = data.draw(st.sampled_from(sorted(arguments)))
    poison = data.draw(POISON)
    nest = data.draw(st.integers(0, 3))
    value: Any = poison
    expected = ""
    for level in range(nest):
        value = [value] if level % 2 else {"k": value}
        expected = ("[0]" if level % 2 else "['k']") + expected
    arguments[key] = value
    with pytest.raises(ArgumentError) as excinfo:
        tool_arguments("t", arguments)
    assert excinfo.value.path.startswith(f"arguments[{key!r}]{expected}")
    assert isinstance(excinfo.value, TypeError | ValueError)


def test_fast_path_is_cheap() -> None:
    arguments = {"text": "x" * 100, "items": list(range(50)), "opts": {"a": 1.5, "b": True, "c": None}}
    start = time.perf_counter()
    for _ in range(10_000):
        tool_arguments("echo", arguments)
    per_call = (time.perf_counter() - start) / 10_000
    print(f"tool_arguments fast path: {per_call * 1e6:.1f} µs per call (56 values)")
    assert per_call < 200e-6


# ------------------------------------------------------------------------- through a client


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_nothing_is_sent_and_the_session_stays_healthy(kind: str, no_new_children: None) -> None:
    c = make_client(kind, str(HOSTILE), timeout=20)
    async with c:
        bad: list[tuple[Any, Any, type[Exception]]] = [
            ("echo", {"text": object()}, TypeError),
            (None, {}, TypeError),
            ("echo", [1, 2], TypeError),
            ("echo", {"n": float("nan")}, ValueError),
            ("echo", {"raw": b"\xff"}, TypeError),
        ]
        for name, arguments, builtin in bad:
            with anyio.fail_after(5), pytest.raises(ArgumentError) as excinfo:
                await c.call_tool(name, arguments)
            assert isinstance(excinfo.value, builtin)
            assert "invalid result" not in str(excinfo.value)
            with pytest.raises(ArgumentError):
                await c.call_tool(name, arguments, task=True)
            result = await c.call_tool("echo", {"text": "still fine"})  # a following call works
            assert result.content[0].text == "still fine"
        with pytest.raises(ArgumentValueError, match=r"prompts/get 'p': arguments\['x'\]"):
            await c.get_prompt("p", {"x": float("inf")})
        with pytest.raises(ArgumentTypeError, match=r"tools/call 'echo': meta\['trace'\] is a builtins.object"):
            await c.call_tool("echo", {"text": "x"}, meta={"trace": object()})
        prompt = await c.get_prompt("p", {"day": datetime.date(2026, 1, 2), "s": "plain"})
        assert json.loads(prompt.messages[0].content.text) == {"day": '"2026-01-02"', "s": "plain"}
    await close_client(c)


@pytest.mark.anyio
async def test_converted_arguments_reach_the_server(no_new_children: None) -> None:
    async with Client(str(HOSTILE), timeout=20) as c:
        result = await c.call_tool("echo", {"text": Color.RED})
        assert result.content[0].text == "red"
