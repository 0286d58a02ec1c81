"""Run the conformance client in forks of one interpreter that has already imported it.

The suite starts its ``--command`` once per scenario run (90 runs for the two pinned suites), and
a fresh interpreter spends about 1.5 s of CPU importing mcpclient, the mcp SDK, httpx2 and
pydantic before the scenario's first request. Here one *zygote* process imports all of that
once; each run is a ``fork()`` of it that executes ``client.py`` as ``__main__`` from the top,
with the run's own argv, environment, working directory and stdin/stdout/stderr. What goes over
the wire is exactly what a fresh ``python client.py URL`` sends: same code, same process model
(one OS process per run, ended by a normal interpreter exit), only the imports are inherited.

    python zygote.py serve SOCKET            the zygote (tests/conformance/test_conformance.py starts it)
    python -I -S zygote.py run SOCKET URL    the suite's --command: hands its argv, environment,
                                             working directory and stdio to the zygote, waits for
                                             the forked client, exits with its exit status

The launcher imports only the standard library (about 20 ms); if it is killed (the suite's
timeout), the zygote kills its client. The zygote forks from a single thread, before any client
exists (mcpclient supports fork; nothing here holds a lock or a connection).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLIENT = HERE / "client.py"
_MAX_MESSAGE = 1 << 20
_LAUNCHER_LOST = 70  # exit status of a launcher whose zygote went away (EX_SOFTWARE)

#: Imported by a first connection (lazily, in mcpclient and the SDK); preloaded so no fork pays for them.
PRELOAD = (
    "mcpclient.client",
    "mcpclient._session",
    "mcpclient._dpop",
    "mcpclient.config",
    "mcpclient.skills",
    "mcpclient.tasks",
    "mcpclient.sync.client",
    "mcpclient.sync.loop",
    "mcpclient.transports.http",
    "mcpclient.transports.stdio",
    "mcp.client.auth",
    "anyio._backends._asyncio",
    "concurrent.futures.thread",
    "cryptography.x509",
    "cryptography.hazmat.primitives.asymmetric.ec",
    "cryptography.hazmat.primitives.asymmetric.rsa",
    "httpcore2",
    "jsonschema",
    "jsonschema.validators",
    "jwt",
    "truststore",
)


def launch(path: str, argv: list[str]) -> int:
    """The suite's command: run the client in a fork of the zygote at `path`; its exit status."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        conn.connect(path)
        spec = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}
        socket.send_fds(conn, [json.dumps(spec).encode()], [0, 1, 2])
        answer = conn.recv(64)  # the client's exit status, once it exited
    return int(answer) if answer else _LAUNCHER_LOST


def serve(path: str, ready: Path) -> dict[str, Any]:
    """Import the client, then fork one child per launcher; returns only in a child (its job)."""
    import importlib

    sys.path.insert(0, str(HERE))
    importlib.import_module("client")
    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # an optional dependency: a fork imports what it needs
            importlib.import_module(name)
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
                # A launcher readable before its answer was sent has closed: it was killed (the
                # suite's timeout). Its client goes too; the pidfd reports the exit as usual.
                selector.unregister(running[pid][0])
                os.kill(pid, signal.SIGKILL)


def run_client(spec: dict[str, Any]) -> None:
    """In a forked child: become `python client.py ARGV...` with the launcher's stdio and environment."""
    import runpy

    for target, fd in enumerate(spec["fds"]):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(spec["cwd"])
    sys.argv = [str(CLIENT), *spec["argv"]]
    sys.path[0] = str(HERE)
    runpy.run_path(str(CLIENT), run_name="__main__")  # client.py ends with sys.exit(main())


if __name__ == "__main__":
    if sys.argv[1] == "run":
        sys.exit(launch(sys.argv[2], sys.argv[3:]))
    elif sys.argv[1] == "serve":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        job = serve(sys.argv[2], Path(sys.argv[2] + ".ready"))
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        run_client(job)
    else:
        sys.exit(f"usage: {sys.argv[0]} serve SOCKET | run SOCKET ARGS...")
