"""Stdio servers that crash, hang, lie or babble: each gives a typed error, in time, with no
process left behind, and the client works again in the next context."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from interop.clients import close_client, make_client

from mcpclient import (
    ConnectionFailedError,
    ConnectionLostError,
    ProtocolError,
    ServerStartupError,
    TimeoutError,
)

pytestmark = pytest.mark.anyio

Observe = Callable[[BaseException], None]


def fault(case: str, error: str) -> pytest.MarkDecorator:
    return pytest.mark.fault(case=case, transport="stdio", error=error)


async def expect_usable(c: Any) -> None:
    """The client works again in a new context (it reconnects, with a fresh server if needed)."""
    with anyio.fail_after(30):
        async with c:
            assert await c.ping()
            result = await c.call_tool("echo", {"text": "alive ✓"})
            assert result.content[0].text == "alive ✓"


# ------------------------------------------------------------------------------- start-up


@fault("server exits before initialize (exit 3, error on stderr)", "ServerStartupError")
async def test_exits_before_initialize(
    client: str, startup_fail_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(startup_fail_script), init_timeout=20)
    for _attempt in range(2):  # the same clear error every time, never a poisoned state
        with anyio.fail_after(20), pytest.raises(ServerStartupError) as excinfo:
            async with c:
                pass
        error = excinfo.value
        assert error.exit_code == 3
        assert error.stderr_tail == ["boom: bad config"]
        assert "startup_fail.py" in str(error) and "boom: bad config" in str(error)
        assert not c.is_connected()
    observe_error(error)
    await close_client(c)


@fault("server exits on reading initialize (exit 4)", "ServerStartupError")
async def test_exits_on_initialize(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), args=["--exit-on-initialize", "4"], init_timeout=20)
    with anyio.fail_after(20), pytest.raises(ServerStartupError) as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    assert excinfo.value.exit_code == 4
    assert "fault_stdio: exiting on initialize with 4" in excinfo.value.stderr_tail
    await close_client(c)


@fault("server never answers initialize (init_timeout=1)", "TimeoutError")
@pytest.mark.parametrize("ignore_sigterm", [False, True], ids=["", "ignores-SIGTERM"])
async def test_never_answers_initialize(
    client: str, slow_start_script: Path, ignore_sigterm: bool, observe_error: Observe, no_new_children: None
) -> None:
    args = ["--ignore-sigterm"] if ignore_sigterm else []
    c = make_client(client, str(slow_start_script), args=args, init_timeout=1)
    for _attempt in range(2 if not ignore_sigterm else 1):
        with anyio.fail_after(15), pytest.raises(TimeoutError) as excinfo:
            async with c:
                pass
        assert isinstance(excinfo.value, builtins_timeout())
        assert "init_timeout" in str(excinfo.value) or "initialize" in str(excinfo.value)
    observe_error(excinfo.value)
    assert c.transport.returncode is not None  # the hung server was ended (SIGKILL when it ignores SIGTERM)
    await close_client(c)


def builtins_timeout() -> type[BaseException]:
    import builtins

    return builtins.TimeoutError


@fault("initialize answered with a JSON-RPC error", "ConnectionFailedError")
async def test_initialize_error(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), args=["--initialize-error"], init_timeout=20)
    with anyio.fail_after(20), pytest.raises(ConnectionFailedError, match="initialization refused") as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    await close_client(c)


@fault("initialize result fails validation (no protocolVersion)", "ConnectionFailedError")
async def test_initialize_invalid(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), args=["--initialize-invalid"], init_timeout=20)
    with anyio.fail_after(20), pytest.raises(ConnectionFailedError, match="protocolVersion") as excinfo:
        async with c:
            pass
    observe_error(excinfo.value)
    await close_client(c)


@fault("non-JSON banner on stdout before serving", "none (line ignored)")
async def test_banner_on_stdout(client: str, fault_stdio_script: Path, no_new_children: None) -> None:
    c = make_client(client, str(fault_stdio_script), args=["--banner"], timeout=10)
    await expect_usable(c)
    await close_client(c)


# -------------------------------------------------------------------------------- mid-call


@fault("server killed mid-call (os._exit in the everything server's `crash`)", "ConnectionLostError")
async def test_crash_mid_call(
    client: str, everything_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(everything_script), timeout=20)
    async with c:
        pid = c.transport.pid
        with anyio.fail_after(20), pytest.raises(ConnectionLostError) as excinfo:
            await c.call_tool("crash", {})
        observe_error(excinfo.value)
        assert "tools/call 'crash'" in str(excinfo.value)
        assert "the server process exited with code 3" in str(excinfo.value)  # the cause, not just "closed"
        # The next call in the same context reconnects with a fresh server.
        assert (await c.call_tool("echo", {"text": "back"})).content[0].text == "back"
        assert c.transport.pid != pid
    await expect_usable(c)
    await close_client(c)


@fault("server SIGKILLed mid-call", "ConnectionLostError")
async def test_sigkill_mid_call(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        with anyio.fail_after(20), pytest.raises(ConnectionLostError) as excinfo:
            await c.call_tool("sigkill", {})
        observe_error(excinfo.value)
        assert "the server process was killed by SIGKILL" in str(excinfo.value)
        assert "fault_stdio: ready" in str(excinfo.value)  # the last lines of its stderr
    await expect_usable(c)
    await close_client(c)


@fault("half a reply on stdout, then exit", "ConnectionLostError")
async def test_half_line_then_exit(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        with anyio.fail_after(20), pytest.raises(ConnectionLostError) as excinfo:
            await c.call_tool("half_line_exit", {})
        observe_error(excinfo.value)
        assert "the server process exited with code 7" in str(excinfo.value)
    assert c.transport.returncode == 7
    await expect_usable(c)
    await close_client(c)


@fault("garbage on stdout: non-JSON, invalid UTF-8, half lines, non-JSON-RPC JSON", "none (lines ignored)")
async def test_garbage_on_stdout(client: str, fault_stdio_script: Path, no_new_children: None) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        for i in range(3):  # the junk comes before every reply; the reply is split across two writes
            result = await c.call_tool("garbage", {"text": f"clean {i} ✓"})
            assert result.content[0].text == f"clean {i} ✓"
        assert await c.ping()
    await close_client(c)


@fault("replies with an unknown id, then the right one", "none (stray reply dropped)")
async def test_unknown_id_then_right_one(client: str, fault_stdio_script: Path, no_new_children: None) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        assert (await c.call_tool("wrong_id", {"text": "mine"})).content[0].text == "mine"
    await close_client(c)


@fault("replies only with an unknown id (timeout=1)", "TimeoutError")
async def test_unknown_id_only(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        with anyio.fail_after(10), pytest.raises(TimeoutError) as excinfo:
            await c.call_tool("wrong_id_only", {}, timeout=1)
        observe_error(excinfo.value)
        assert excinfo.value.timeout == 1
        # The session survives a timed-out request.
        assert (await c.call_tool("echo", {"text": "same session"})).content[0].text == "same session"
    await close_client(c)


@fault("result does not validate (content is not a list)", "ProtocolError")
async def test_invalid_result(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        with anyio.fail_after(10), pytest.raises(ProtocolError, match="invalid result") as excinfo:
            await c.call_tool("invalid_result", {})
        observe_error(excinfo.value)
        assert (await c.call_tool("echo", {"text": "ok"})).content[0].text == "ok"
    await close_client(c)


@fault('reply with the right id that is not JSON-RPC ("jsonrpc": "1.0")', "ProtocolError")
async def test_reply_not_jsonrpc(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script))  # no timeout: the reply itself must end the wait
    async with c:
        with anyio.fail_after(10), pytest.raises(ProtocolError, match="invalid reply") as excinfo:
            await c.call_tool("not_jsonrpc_reply", {})
        observe_error(excinfo.value)
        assert (await c.call_tool("echo", {"text": "ok"})).content[0].text == "ok"
    await close_client(c)


@fault("structured content violates the tool's output schema", "ProtocolError")
async def test_structured_content_violates_schema(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        with anyio.fail_after(10), pytest.raises(ProtocolError, match="not of type 'integer'") as excinfo:
            await c.call_tool("bad_structured", {})
        observe_error(excinfo.value)
        assert await c.ping()
    await close_client(c)


@fault("JSON-RPC error reply with a custom code and data", "ProtocolError")
async def test_error_reply(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        with anyio.fail_after(10), pytest.raises(ProtocolError) as excinfo:
            await c.call_tool("error_reply", {})
        observe_error(excinfo.value)
        assert excinfo.value.code == 4242
        assert excinfo.value.data == {"why": "because"}
        assert "custom failure ✗" in str(excinfo.value)
    await close_client(c)


@fault("server stops reading stdin (5 MB request, timeout=2)", "TimeoutError")
async def test_server_stops_reading(
    client: str, fault_stdio_script: Path, observe_error: Observe, no_new_children: None
) -> None:
    c = make_client(client, str(fault_stdio_script), timeout=20)
    async with c:
        await c.list_tools()  # cache the tool list first: the server will not read another request
        await c.call_tool("stop_reading", {})
        with anyio.fail_after(10), pytest.raises(TimeoutError) as excinfo:
            await c.call_tool("echo", {"text": "x" * 5_000_000}, timeout=2)
        observe_error(excinfo.value)
    with anyio.fail_after(15):
        await close_client(c)  # the stuck server is ended (stdin close, then signals)
    await expect_usable(c)
    await close_client(c)
