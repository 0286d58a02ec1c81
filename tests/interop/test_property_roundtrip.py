"""Property: any JSON value sent as a tool argument comes back equal from an echo tool.

Against the Python SDK (tests/servers/everything.py, `echo_json`) over stdio and Streamable
HTTP, and the TypeScript SDK (tests/servers/node_echo.js, `echo_json`) over stdio; through
`SyncClient` (hypothesis drives the calls) and `Client` (examples drawn up front, then awaited).
JavaScript numbers are doubles, so for Node integers stay within ±(2**53 - 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpclient import Client, SyncClient

pytestmark = pytest.mark.interop

NODE_ECHO = Path(__file__).resolve().parents[1] / "servers" / "node_echo.js"
PYTHON = "Python SDK (tests/servers/everything.py)"
NODE = "node_echo.js (TypeScript SDK 1.x)"
FEATURE = "property: random JSON arguments round-trip"
EXAMPLES = 60
JS_SAFE = 2**53 - 1
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def json_values(max_int: int | None = None) -> st.SearchStrategy[Any]:
    integers = st.integers() if max_int is None else st.integers(-max_int, max_int)
    scalars = st.none() | st.booleans() | integers | st.floats(allow_nan=False, allow_infinity=False) | st.text()
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
        max_leaves=25,
    )


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: numbers by value (JavaScript has no 1.0 vs 1), bools not numbers."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        # JavaScript prints a large double without exponent ("-71178856874653500"), which Python
        # then reads as an exact int: compare such numbers as the doubles they are.
        return isinstance(a, int | float) and isinstance(b, int | float) and float(a) == float(b)
    return type(a) is type(b) and a == b


def draw(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """`count` values from `strategy` (for async code, which `@given` cannot wrap here)."""
    drawn: list[Any] = []

    @settings(SETTINGS, max_examples=count)
    @given(value=strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


@pytest.fixture(params=["stdio", "streamable-http"])
def python_source(request: pytest.FixtureRequest, everything_script: Path, record_property: Any) -> str:
    record_property("compat.transport", request.param)
    return str(everything_script) if request.param == "stdio" else str(request.getfixturevalue("http_url"))


@pytest.fixture
def sync_python(python_source: str) -> Iterator[SyncClient]:
    with SyncClient(python_source, timeout=30) as client:
        yield client
    client.close()


@pytest.mark.compat(server=PYTHON, feature=FEATURE, client="sync")
@pytest.mark.timeout(120)
def test_roundtrip_python_sdk_sync(sync_python: SyncClient) -> None:
    @SETTINGS
    @given(value=json_values())
    def roundtrip(value: Any) -> None:
        result = sync_python.call_tool("echo_json", {"value": value})
        assert same_json(result.structured_content, {"result": value})
        assert same_json(result.data, value)  # the SDK's {"result": ...} wrapper is unwrapped

    roundtrip()


@pytest.mark.compat(server=PYTHON, feature=FEATURE, client="async")
@pytest.mark.timeout(120)
@pytest.mark.anyio
async def test_roundtrip_python_sdk_async(python_source: str) -> None:
    values = draw(json_values(), EXAMPLES)
    async with Client(python_source, timeout=30) as client:
        for value in values:
            result = await client.call_tool("echo_json", {"value": value})
            assert same_json(result.data, value), value
    await client.close()


@pytest.mark.compat(server=NODE, feature=FEATURE, transport="stdio", client="sync")
@pytest.mark.timeout(120)
def test_roundtrip_typescript_sdk_sync(node_env: dict[str, str]) -> None:
    with SyncClient(str(NODE_ECHO), env=node_env, timeout=30) as client:

        @SETTINGS
        @given(value=json_values(JS_SAFE))
        def roundtrip(value: Any) -> None:
            result = client.call_tool("echo_json", {"value": value})
            assert same_json(result.structured_content, {"value": value}), result.structured_content
            assert same_json(result.data.value, value)

        roundtrip()
    client.close()


@pytest.mark.compat(server=NODE, feature=FEATURE, transport="stdio", client="async")
@pytest.mark.timeout(120)
@pytest.mark.anyio
async def test_roundtrip_typescript_sdk_async(node_env: dict[str, str]) -> None:
    values = draw(json_values(JS_SAFE), EXAMPLES)
    async with Client(str(NODE_ECHO), env=node_env, timeout=30) as client:
        for value in values:
            result = await client.call_tool("echo_json", {"value": value})
            assert same_json(result.structured_content, {"value": value}), value
    await client.close()
