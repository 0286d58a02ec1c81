"""A killed client process leaves no npx server behind (SPEC §9).

`npx -y @modelcontextprotocol/server-everything` is a launcher (`npm exec`) with the real server
(`node .../mcp-server-everything`) below it, and that server does not exit when its stdin
closes: after `kill -9` of the client only the per-process reaper can end the tree.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from helpers import descendant_pids, describe_pids
from test_process_death import PYTHON_SERVERS, assert_tree_gone, start_holder

from . import _install

pytestmark = [pytest.mark.interop, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]


@pytest.mark.timeout(120)
def test_sigkill_of_a_client_of_an_npx_server_ends_the_npx_tree(npm_modules: Path) -> None:
    npx = {
        "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-everything"],
        # npx finds the package installed in the cache folder and never reaches the registry.
        "cwd": str(_install.NPM_DIR),
        "env": {"npm_config_update_notifier": "false"},
    }
    proc, _pids = start_holder([npx, PYTHON_SERVERS[2]])
    tree = descendant_pids(proc.pid)
    assert any("server-everything" in describe_pids([pid]) for pid in tree), describe_pids(tree)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    took = assert_tree_gone(tree, 3.0, time.monotonic())
    print(f"npx server tree gone {took:.2f} s after SIGKILL of the client")
