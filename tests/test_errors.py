"""Errors: `.message` is the bare text (the server's own for a ProtocolError); `str()` formats it."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

import pytest

from mcpclient import Client, MCPConfig
from mcpclient import errors as errors_module
from mcpclient.errors import (
    ArgumentError,
    ArgumentTypeError,
    ArgumentValueError,
    ClientClosedError,
    ConfigError,
    ConnectionFailedError,
    ConnectionLostError,
    HTTPStatusError,
    MalformedMessageError,
    MCPClientError,
    MessageTooLargeError,
    NotConnectedError,
    ProtocolError,
    ServerNotFoundError,
    ServerStartupError,
    SkillVerificationError,
    TaskCancelledError,
    TasksNotSupportedError,
    TimeoutError,
    ToolError,
)


def test_protocol_error_message_is_the_servers_and_str_adds_code_server_method() -> None:
    error = ProtocolError("Unknown resource", code=-32002, data={"uri": "x://y"}, server="s", method="resources/read")
    assert error.message == "Unknown resource"
    assert str(error) == "server 's': resources/read: Unknown resource (code -32002)"
    assert (error.code, error.data, error.server, error.method) == (-32002, {"uri": "x://y"}, "s", "resources/read")


def test_tool_error_goes_through_protocol_error(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = ProtocolError.__init__

    def spy(self: ProtocolError, message: str, **kwargs: Any) -> None:
        calls.append(message)
        original(self, message, **kwargs)

    monkeypatch.setattr(ProtocolError, "__init__", spy)
    error = ToolError("Error executing tool divide: cannot divide by zero", tool="divide", result=None, server="ex")
    assert calls == ["Error executing tool divide: cannot divide by zero"]
    assert error.message == "Error executing tool divide: cannot divide by zero"
    assert (error.code, error.data, error.tool, error.result) == (None, None, "divide", None)
    assert str(error) == "server 'ex': tools/call 'divide': Error executing tool divide: cannot divide by zero"


def test_startup_and_config_details_are_in_str_not_in_message() -> None:
    startup = ServerStartupError("the server exited", server="w", command=["python", "w.py"], exit_code=3,
                                 stderr_tail=["boom"])
    assert startup.message == "the server exited"
    text = str(startup)
    assert text.startswith("server 'w': initialize: the server exited")
    assert "command: python w.py" in text and "exit code: 3" in text and "boom" in text

    missing = ServerNotFoundError("no such script", filename="w.py", server="w", command=["python", "w.py"])
    assert isinstance(missing, FileNotFoundError) and missing.filename == "w.py"
    assert str(missing).startswith("server 'w': initialize: no such script")  # not OSError's "[Errno None]"

    config = ConfigError("Input should be a valid list", server="w", field="mcpServers.w.args", file="c.json")
    assert config.message == "Input should be a valid list"
    assert str(config) == "server 'w': c.json: mcpServers.w.args: Input should be a valid list"


def test_every_error_keeps_its_fields_and_formats_with_server_and_method() -> None:
    samples: list[MCPClientError] = [
        NotConnectedError(server="s", method="ping"),
        ClientClosedError("closed", server="s", method="ping"),
        ConnectionFailedError("refused", server="s", method="initialize"),
        ConnectionLostError("gone", server="s", method="ping"),
        TimeoutError("timed out", timeout=1.5, server="s", method="ping"),
        TasksNotSupportedError("no tasks", server="s", method="tasks/list"),
        TaskCancelledError("cancelled", task=None, server="s"),
        ArgumentError("arguments must be a mapping", tool="t", server="s", method="tools/call 't'"),
        ArgumentTypeError("arguments['x'] is an object", tool="t", path="arguments['x']", server="s", method="m"),
        ArgumentValueError("arguments['x'] is nan", tool="t", path="arguments['x']", server="s", method="m"),
        MalformedMessageError("invalid JSON", reason="invalid JSON", server="s", method="ping"),
        MessageTooLargeError("too large", size=10, limit=5, server="s", method="ping"),
        HTTPStatusError("HTTP 500", status_code=500, body="oops", server="s", method="ping"),
        SkillVerificationError("digest mismatch", server="s", uri="skill://a/SKILL.md"),
    ]
    for error in samples:
        assert str(error).startswith("server 's': "), type(error)
        assert str(error).endswith(error.message), type(error)
        assert error.method is not None and error.method in str(error)
    assert samples[4].timeout == 1.5  # type: ignore[attr-defined]
    # Every class is covered by this file.
    defined = {cls for _, cls in inspect.getmembers(errors_module, inspect.isclass) if issubclass(cls, MCPClientError)}
    covered = {type(e) for e in samples} | {MCPClientError, ProtocolError, ToolError, ServerStartupError,
                                            ServerNotFoundError, ConfigError}
    assert defined <= covered


@pytest.mark.anyio
async def test_a_real_servers_error_message_is_kept_verbatim(everything_server: Any) -> None:
    async with Client(everything_server, name="ex") as client:
        with pytest.raises(ProtocolError) as info:
            await client.read_resource("nowhere://missing")
    error = info.value
    assert error.code is not None
    assert "(code" not in error.message
    assert error.message == "Unknown resource: nowhere://missing"  # the SDK server's text, as sent
    assert str(error) == f"server 'ex': resources/read 'nowhere://missing': {error.message} (code {error.code})"


@pytest.mark.anyio
async def test_the_proxy_relays_a_backends_error_message_once(everything_script: Path) -> None:
    entry = {"command": sys.executable, "args": [str(everything_script)]}
    config = MCPConfig.from_dict({"mcpServers": {"a": entry, "b": entry}})
    async with Client(config, name="both") as client:
        with pytest.raises(ProtocolError) as info:
            await client.read_resource("nowhere://a/missing")
    error = info.value
    assert error.message.startswith("server 'a': ")
    assert "(code" not in error.message
    assert str(error).count(f"(code {error.code})") == 1


@pytest.mark.parametrize("source", ["http://[::1", "https://[fe80::1/mcp"])
def test_a_malformed_url_names_the_source(source: str) -> None:
    with pytest.raises(ValueError, match="malformed URL") as info:
        Client(source)
    assert repr(source) in str(info.value)
    with pytest.raises(ConfigError) as config_info:
        MCPConfig.from_dict({"mcpServers": {"w": {"url": source}}})
    assert config_info.value.server == "w" and config_info.value.field == "mcpServers.w.url"
    assert f"malformed URL {source!r}" in str(config_info.value)


@pytest.mark.parametrize("entry", [{}, {"args": ["x"], "env": {"A": "1"}}])
def test_an_entry_with_neither_command_nor_url_says_so(entry: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as info:
        MCPConfig.from_dict({"mcpServers": {"weather": entry}})
    error = info.value
    assert error.server == "weather"
    assert str(error) == (
        "server 'weather': mcpServers.weather: a server entry needs either 'url' (a remote server) "
        "or 'command' (a stdio server); this one has neither"
    )
    with pytest.raises(ConfigError, match="not both"):  # the other ambiguity keeps its own message
        MCPConfig.from_dict({"mcpServers": {"weather": {"url": "http://h/mcp", "command": "python"}}})
