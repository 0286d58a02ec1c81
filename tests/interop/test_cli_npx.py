"""The CLI with a command line as its source, as MCP Inspector takes it: `mcpclient tools npx -y @pkg/server`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from . import _install

pytestmark = pytest.mark.interop


@pytest.mark.timeout(120)
def test_cli_tools_of_an_npx_command(npm_modules: Path) -> None:
    # Run from the cache folder: npx finds the installed package and never reaches the registry.
    command = [sys.executable, "-m", "mcpclient", "tools", "npx", "-y", "@modelcontextprotocol/server-everything"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=_install.NPM_DIR)
    assert result.returncode == 0, result.stderr
    assert "get-env" in result.stdout, result.stdout
    # An error names the server by its package, not by the launcher.
    result = subprocess.run([*command[:4], "--timeout", "0.05", *command[4:]], capture_output=True, text=True,
                            timeout=120, cwd=_install.NPM_DIR)  # fmt: skip
    assert result.returncode == 3
    assert "server 'server-everything'" in result.stderr, result.stderr
