"""Run Python scripts in forks of one interpreter that has already imported mcpclient and the SDK.

Tests that run many short client scripts (the conformance suite's client, ~90 runs; every docs
sample) would otherwise start a fresh interpreter per run and spend ~1.3 s of CPU each importing
mcpclient, the mcp SDK, httpx2 and pydantic. Here one *zygote* process imports all of that once
(`PRELOAD`); each run is a ``fork()`` of it that executes the script as ``__main__`` from the top
(``runpy.run_path``), with the run's own argv, ``sys.path[0]``, environment, working directory
and stdin/stdout/stderr, and ends with a normal interpreter exit (atexit handlers, thread joins).
The script's own code and the process model are those of ``python SCRIPT ARGS``: one OS process
per run, which starts its servers as its own children; only the import work is inherited.

    python zygote.py serve SOCKET                the zygote (the `zygote` fixture of conftest.py starts it)
    python -I -S zygote.py run SOCKET SCRIPT ARGS...
                                                 the command a test runs instead of `python SCRIPT ARGS`:
                                                 hands its argv, environment, cwd and stdio to the zygote,
                                                 waits for the forked run and exits with its status

The launcher imports only the standard library (~20 ms). If it is killed (a test's or the
conformance suite's timeout), the zygote SIGKILLs its run, as the timeout would have killed
``python SCRIPT``. The zygote forks from its only thread, before any client exists (mcpclient
supports fork: its reaper and early-start state are reset in a child). Linux only (pidfd);
`MCPCLIENT_TESTS_NO_ZYGOTE=1` makes the fixture hand out plain ``python SCRIPT`` commands.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import sys
from pathlib import Path
from typing import Any

_MAX_MESSAGE = 1 << 20
_LAUNCHER_LOST = 70  # exit status of a launcher whose zygote went away (EX_SOFTWARE)

#: What a client script imports by its first connection (mcpclient and the SDK import most of it
#: lazily), including the auth stack of the conformance client. Imported once, by the zygote.
PRELOAD = (
    "mcpclient",
    "mcpclient.client",
    "mcpclient._session",
    "mcpclient._dpop",
    "mcpclient.auth",
    "mcpclient.cli",
    "mcpclient.config",
    "mcpclient.errors",
    "mcpclient.skills",
    "mcpclient.tasks",
    "mcpclient.sync.client",
    "mcpclient.sync.loop",
    "mcpclient.transports.http",
    "mcpclient.transports.stdio",
    "mcp.client.auth",
    "mcp.shared.auth",
    "anyio._backends._asyncio",
    "concurrent.futures.thread",
    "cryptography.x509",
    "cryptography.hazmat.primitives.asymmetric.ec",
    "cryptography.hazmat.primitives.asymmetric.rsa",
    "httpcore2",
    "httpx2",
    "jsonschema",
    "jsonschema.validators",
    "jwt",
    "pydantic",
    "truststore",
)


def launch(path: str, argv: list[str]) -> int:
    """Run `argv` (a script and its arguments) in a fork of the zygote at `path`; its exit status."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        conn.connect(path)
        spec = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}
        socket.send_fds(conn, [json.dumps(spec).encode()], [0, 1, 2])
        answer = conn.recv(64)  # the run's exit status, once it exited
    return int(answer) if answer else _LAUNCHER_LOST


def serve(path: str, ready: Path) -> dict[str, Any]:
    """Preload, then fork one child per launcher; returns only in a forked child (its job)."""
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # an optional dependency: a run imports what it needs
            importlib.import_module(name)
    # Move what is loaded now out of the collector's sight: a run's collections then never walk
    # (and copy-on-write) the preloaded heap. ~0.3 s of CPU less per run; the run's own objects
    # are collected as usual.
    gc.collect()
    gc.freeze()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(64)
    ready.write_text(str(os.getpid()))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, ("accept", None))
    running: dict[int, tuple[socket.socket, int]] = {}  # child pid -> (its launcher, its pidfd)
    while True:
        for key, _ in selector.select():
            what, pid = key.data
            if what == "accept":
                conn, _ = listener.accept()
                message, fds, _, _ = socket.recv_fds(conn, _MAX_MESSAGE, 3)
                spec: dict[str, Any] = json.loads(message)
                sys.stdout.flush()
                sys.stderr.flush()
                child = os.fork()
                if child == 0:
                    selector.close()
                    listener.close()
                    for other, pidfd in running.values():
                        other.close()
                        os.close(pidfd)
                    conn.close()
                    spec["fds"] = fds
                    return spec
                for fd in fds:
                    os.close(fd)
                pidfd = os.pidfd_open(child)
                running[child] = (conn, pidfd)
                selector.register(pidfd, selectors.EVENT_READ, ("exited", child))
                selector.register(conn, selectors.EVENT_READ, ("launcher", child))
            elif what == "exited":
                conn, pidfd = running.pop(pid)
                _, status = os.waitpid(pid, 0)
                selector.unregister(pidfd)
                os.close(pidfd)
                with contextlib.suppress(KeyError):
                    selector.unregister(conn)
                with contextlib.suppress(OSError):  # the launcher is gone already
                    conn.send(str(os.waitstatus_to_exitcode(status)).encode())
                conn.close()
            else:
                # A launcher readable before its answer was sent has closed: it was killed (a
                # timeout). Its run goes too; the pidfd reports the exit as usual.
                selector.unregister(running[pid][0])
                os.kill(pid, signal.SIGKILL)


def run_script(spec: dict[str, Any]) -> None:
    """In a forked child: become `python SCRIPT ARGS...` with the launcher's stdio, environment and cwd."""
    import runpy

    for target, fd in enumerate(spec["fds"]):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(spec["cwd"])
    script = os.path.abspath(spec["argv"][0])
    sys.argv = list(spec["argv"])
    sys.path[0] = os.path.dirname(script)  # as for `python SCRIPT`: the script's directory first
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "run":
        sys.exit(launch(sys.argv[2], sys.argv[3:]))
    elif len(sys.argv) == 3 and sys.argv[1] == "serve":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        job = serve(sys.argv[2], Path(sys.argv[2] + ".ready"))
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        run_script(job)
    else:
        sys.exit(f"usage: {sys.argv[0]} serve SOCKET | run SOCKET SCRIPT [ARGS...]")
