"""What a new user hits first (issue 15): start-up errors, the server's environment, the CLI, ..."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mcpclient import SyncClient
from mcpclient.errors import ServerStartupError
from mcpclient.transports import PythonStdioTransport

TESTS = Path(__file__).resolve().parent
SERVERS = TESTS / "servers"
ECHO = SERVERS / "transport_echo.py"
NOISY = SERVERS / "startup_noisy.py"


# ------------------------------------------------------------------------ start-up errors


@pytest.mark.timeout(60)
def test_startup_error_shows_the_lines_that_say_what_failed() -> None:
    client = SyncClient(PythonStdioTransport(NOISY))
    with pytest.raises(ServerStartupError) as info:
        client.connect()
    client.close()
    error = info.value
    assert error.exit_code == 2
    assert len(error.stderr_tail) == 28  # the full tail stays on the exception
    text = str(error)
    assert "error: Request failed after 3 retries" in text
    assert "Caused by: invalid peer certificate: UnknownIssuer" in text
    assert "hint: Consider enabling" in text  # the last lines too
    assert "Resolving dependency 0" not in text and "Cleaning up 0" not in text  # not the noise


@pytest.mark.timeout(60)
def test_cli_startup_error_shows_the_cause() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mcpclient", "tools", str(NOISY)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "invalid peer certificate: UnknownIssuer" in result.stderr, result.stderr
    assert "exit code 2" in result.stderr
    assert "Cleaning up 3" not in result.stderr


# ----------------------------------------------------------------------------- environment


@pytest.mark.timeout(60)
def test_stdio_server_gets_tls_and_proxy_variables_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    passed = {
        "SSL_CERT_FILE": "/etc/corp/ca.pem",
        "SSL_CERT_DIR": "/etc/corp/certs",
        "REQUESTS_CA_BUNDLE": "/etc/corp/ca.pem",
        "CURL_CA_BUNDLE": "/etc/corp/ca.pem",
        "NODE_EXTRA_CA_CERTS": "/etc/corp/ca.pem",
        "HTTPS_PROXY": "http://proxy.corp:3128",
        "HTTP_PROXY": "http://proxy.corp:3128",
        "NO_PROXY": "localhost,.corp",
        "no_proxy": "localhost,.corp",
        "ALL_PROXY": "socks5://proxy.corp:1080",
    }
    for name, value in passed.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "parent-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "parent-secret")
    with SyncClient(PythonStdioTransport(ECHO, env={"GIVEN": "yes"}, keep_alive=False)) as client:
        for name, value in passed.items():
            assert client.call_tool("getenv", {"name": name}).data == value, name
        assert client.call_tool("getenv", {"name": "GIVEN"}).data == "yes"
        for secret in ("AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY"):
            assert client.call_tool("getenv", {"name": secret}).data is None
