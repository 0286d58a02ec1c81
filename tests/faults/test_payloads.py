"""Big and odd payloads: 20 MB results, 5,000 tools over 51 pages, non-ASCII everywhere,
binary blobs, and a flood of 50,000 log messages during one call (memory measured)."""

from __future__ import annotations

import base64
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers import async_wait_for
from interop.clients import ThreadLog, close_client, make_client
from mcp import types

pytestmark = pytest.mark.anyio

Observe = Callable[[BaseException], None]
UNICODE = "Zoë Ångström — ¿Qué tal? 日本語テキスト 🚀🔥 עברית العربية \u200b\u00a0\u0000 end"
BIG = 20_000_000
FLOOD = 50_000
# Peak-RSS growth allowed during the flood. Calibration: a handler that keeps every message alive
# grows RSS by ~16 MiB for 50,000 messages; streaming them through measures 0-3 MiB.
MEMORY_BOUND = 8 * 1024 * 1024


def case(case: str, transport: str) -> pytest.MarkDecorator:
    return pytest.mark.fault(case=case, transport=transport, error="none (handled)")


@pytest.fixture(params=["stdio", "streamable-http"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -------------------------------------------------------------------------------- memory


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


class PeakRss:
    """Peak resident memory growth of this process over a block (Linux: VmHWM reset via clear_refs)."""

    def __init__(self) -> None:
        try:
            Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to the current RSS
            self.start = _status_kib("VmRSS")
        except OSError as exc:
            pytest.skip(f"cannot measure peak RSS here: {exc}")

    def growth(self) -> int:
        return (_status_kib("VmHWM") - self.start) * 1024


@pytest.fixture
def peak_rss() -> Iterator[Callable[[], PeakRss]]:
    yield PeakRss


# ---------------------------------------------------------------------------------- size


@case("20 MB tool result", "stdio / streamable-http")
@pytest.mark.timeout(120)
async def test_20mb_result(
    client: str, transport: str, fault_stdio_script: Path, http_url: str, no_new_children: None
) -> None:
    source = str(fault_stdio_script) if transport == "stdio" else http_url
    c = make_client(client, source, timeout=60)
    async with c:
        result = await c.call_tool("big", {"size": BIG})
        text = result.content[0].text
        assert len(text) == BIG and text[:3] == "xxx" and text.count("x") == BIG
        assert await c.ping()  # the session is fine after the big message
    await close_client(c)


@case("5,000 tools across 51 pages", "stdio")
async def test_5000_tools_across_pages(client: str, fault_stdio_script: Path, no_new_children: None) -> None:
    c = make_client(client, str(fault_stdio_script), args=["--tools", "5000"], timeout=30)
    async with c:
        first = await c.list_tools_mcp()
        assert len(first.tools) == 100 and first.next_cursor == "100"
        tools = await c.list_tools()
        names = [t.name for t in tools]
        assert len(names) == 5015 and len(set(names)) == 5015
        assert names[-1] == "tool_4999" and tools[-1].description == "generated tool 4999 ✓"
        second = await c.list_tools_mcp(cursor=first.next_cursor)
        assert second.tools[0].name == names[100]
    await close_client(c)


# ------------------------------------------------------------------------------ encoding


@case("non-ASCII (incl. NUL, RTL, emoji) in every field", "stdio")
async def test_unicode_everywhere_stdio(client: str, fault_stdio_script: Path, no_new_children: None) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=30)
    async with c:
        unicode_tool = next(t for t in await c.list_tools() if t.name == "unicode")
        assert unicode_tool.description == UNICODE and unicode_tool.title == UNICODE
        result = await c.call_tool("unicode", {})
        assert result.content[0].text == UNICODE
        assert result.content[1].resource.text == UNICODE
        assert str(result.content[1].resource.uri) == "text://ünïcode/ø"
        assert result.structured_content == {UNICODE: UNICODE, "list": [UNICODE]}
        assert (await c.call_tool("echo", {"text": UNICODE})).content[0].text == UNICODE
        (contents,) = await c.read_resource("text://ünïcode/ø")
        assert contents.text.startswith(UNICODE)
    await close_client(c)


@case("non-ASCII in arguments, results, prompts, logs (everything server)", "streamable-http")
async def test_unicode_everywhere_http(client: str, http_url: str, no_new_children: None) -> None:
    logs = ThreadLog()
    c = make_client(client, http_url, timeout=30, log_handler=logs.add)
    async with c:
        assert (await c.call_tool("echo", {"text": UNICODE})).content[0].text == UNICODE
        value = {UNICODE: [UNICODE, {"ключ": "значение"}], "emoji🔑": "✓"}
        assert (await c.call_tool("echo_json", {"value": value})).data == value
        prompt = await c.get_prompt("greet", {"name": UNICODE})
        assert UNICODE in prompt.messages[0].content.text
        await c.set_logging_level("debug")
        await c.call_tool("log", {"message": UNICODE, "level": "warning"})
        await async_wait_for(lambda: logs.values, 10, message="no log message arrived")
        assert logs.values[0].data == UNICODE
    await close_client(c)


@case("binary blobs (3 MB random bytes as image, audio, embedded blob)", "stdio")
async def test_binary_blobs_stdio(client: str, fault_stdio_script: Path, no_new_children: None) -> None:
    expected = random.Random(7).randbytes(3_000_000)
    c = make_client(client, str(fault_stdio_script), timeout=30)
    async with c:
        result = await c.call_tool("blob", {"size": len(expected), "seed": 7})
    await close_client(c)
    image, audio, embedded = result.content
    assert isinstance(image, types.ImageContent) and isinstance(audio, types.AudioContent)
    assert isinstance(embedded, types.EmbeddedResource) and isinstance(embedded.resource, types.BlobResourceContents)
    for data in (image.data, audio.data, embedded.resource.blob):
        assert hashlib.sha256(base64.b64decode(data)).digest() == hashlib.sha256(expected).digest()


@case("binary resource (all 256 byte values)", "stdio / streamable-http / sse")
@pytest.mark.parametrize("kind", ["stdio", "streamable-http", "sse"])
async def test_binary_resource(
    client: str, kind: str, everything_script: Path, http_url: str, sse_url: str, no_new_children: None
) -> None:
    source = {"stdio": str(everything_script), "streamable-http": http_url, "sse": sse_url}[kind]
    c = make_client(client, source, timeout=30)
    async with c:
        (blob,) = await c.read_resource("data://blob")
    await close_client(c)
    assert isinstance(blob, types.BlobResourceContents)
    assert base64.b64decode(blob.blob) == bytes(range(256))


# ----------------------------------------------------------------------------- log flood


@case(f"log flood: {FLOOD:,} messages during one call", "stdio / streamable-http")
@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_log_flood(
    client: str,
    transport: str,
    fault_stdio_script: Path,
    fault_http_base: str,
    peak_rss: Callable[[], PeakRss],
    record_property: Callable[[str, object], None],
    no_new_children: None,
) -> None:
    source = str(fault_stdio_script) if transport == "stdio" else f"{fault_http_base}/ok/mcp"
    lock = threading.Lock()
    count = 0
    threads: set[str] = set()
    caller: list[str] = []

    def on_log(message: Any) -> None:  # a plain function: on the sync face it runs in a caller's thread
        nonlocal count
        with lock:
            count += 1
            threads.add(threading.current_thread().name)

    c = make_client(client, source, timeout=200, log_handler=on_log)
    async with c:
        await c.list_tools()
        memory = peak_rss()
        started = time.perf_counter()
        if client == "sync":

            def call() -> Any:
                caller.append(threading.current_thread().name)
                return c.sync.call_tool("log_flood", {"count": FLOOD})

            result = await anyio.to_thread.run_sync(call)
        else:
            result = await c.call_tool("log_flood", {"count": FLOOD})
        elapsed = time.perf_counter() - started
        growth = memory.growth()
        # Any stragglers reach the handler soon after the call returns.
        await async_wait_for(lambda: count >= FLOOD, 30, message=lambda: f"{count} of {FLOOD} log messages handled")
        assert await c.ping()
    await close_client(c)
    record_property("compat.measured", f"{elapsed:.1f} s, peak RSS +{growth / 2**20:.1f} MiB")
    assert result.content[0].text == f"sent {FLOOD} log messages"
    assert count == FLOOD
    assert growth < MEMORY_BOUND, f"peak RSS grew by {growth / 2**20:.1f} MiB during the flood"
    assert not any(name.startswith("mcpclient-loop") for name in threads), threads
    if client == "sync":
        # Plain log handlers run in the thread blocked in the call (after it returned: the handler thread).
        assert caller[0] in threads, threads
        assert all(name == caller[0] or name.startswith("mcpclient-handlers") for name in threads), threads
