"""A user handler that raises: the server gets an error reply (where the protocol has one),
the failing call reports it, and the session carries on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from interop.clients import close_client, make_client

from mcpclient import ProtocolError

pytestmark = pytest.mark.anyio

Observe = Callable[[BaseException], None]


class Boom(RuntimeError):
    pass


def boom(*args: Any) -> Any:
    raise Boom("handler exploded ✗")


async def expect_alive(c: Any) -> None:
    assert await c.ping()
    assert (await c.call_tool("echo", {"text": "still alive"})).content[0].text == "still alive"


@pytest.fixture(params=["stdio", "streamable-http"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def source(transport: str, everything_script: Path, request: pytest.FixtureRequest) -> str:
    """The everything server (Python SDK) over `transport`."""
    return str(everything_script) if transport == "stdio" else str(request.getfixturevalue("http_url"))


@pytest.mark.parametrize("mode", ["legacy", "auto"])
@pytest.mark.fault(
    case="sampling / elicitation / roots handler raises (Python SDK server)",
    transport="stdio / streamable-http",
    error="ProtocolError",
)
async def test_server_request_handler_raises(
    client: str, source: str, mode: str, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, source, timeout=20, mode=mode, sampling_handler=boom, elicitation_handler=boom, roots=boom)
    async with c:
        assert (c.protocol_version == "2026-07-28") == (mode == "auto")
        for handler, tool, args in (
            ("sampling", "sample", {"prompt": "hi"}),
            ("elicitation", "elicit_name", {}),
            ("roots", "roots", {}),
        ):
            with anyio.fail_after(20), pytest.raises(ProtocolError) as excinfo:
                await c.call_tool(tool, args)
            # Legacy: the server received our JSON-RPC error reply and failed tools/call with it.
            # 2026-07-28: the client answers the server's input_required round itself, so the same
            # error is raised locally. Either way it names the handler and the exception.
            assert f"{handler} handler failed: Boom: handler exploded ✗" in str(excinfo.value)
            assert excinfo.value.code == -32603
            await expect_alive(c)
        observe_error(excinfo.value)
    await close_client(c)


@pytest.mark.parametrize("handler", ["log_handler", "progress_handler", "message_handler"])
@pytest.mark.fault(case="log / progress / message handler raises", transport="stdio", error="none (logged)")
async def test_notification_handler_raises(
    client: str, everything_script: Path, handler: str, caplog: pytest.LogCaptureFixture, no_new_children: None
) -> None:
    c = make_client(client, str(everything_script), timeout=20, **{handler: boom})
    async with c:
        await c.set_logging_level("debug")
        assert (await c.call_tool("progress", {"steps": 3})).content  # progress notifications
        assert (await c.call_tool("log", {"message": "hello", "level": "warning"})).content
        assert (await c.call_tool("add_tool_dynamically", {"name": "dyn_x"})).content  # list_changed
        await expect_alive(c)
    await close_client(c)
