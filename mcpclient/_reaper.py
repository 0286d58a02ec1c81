"""The reaper: a tiny process per client process that ends our servers when the client process dies.

atexit cannot cover every way a process ends (SIGKILL, the OOM killer, a reloader killing its
child, `os._exit`). So, with the first stdio server, we start one small watcher process
(`python -S -E -c <script>`, ~1 ms of our time, a few MB) whose stdin is a pipe from us. We
write `+pgid` when a server starts and `-pgid` when it has been ended. When the pipe reaches
EOF (however we died: the kernel closes our end) the reaper ends every group still registered:
a moment for servers to exit on their own (their stdin closed too), then SIGTERM, a short
grace, SIGKILL. Then it exits.

Why not `PR_SET_PDEATHSIG`: Linux only, set between fork and exec (a `preexec_fn`, unsafe with
threads and slower to spawn), fires when the spawning *thread* ends (our loop thread may stop
while the server should live on), and reaches only the direct child: launchers such as `npx`
and `uvx` leave the real server as a grandchild, which would survive.

The write end of the pipe is non-inheritable and closed in forked children, so only this
process holds it. POSIX only: on Windows the SDK puts servers in a job object that ends
with the client.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["reaper"]

logger = logging.getLogger(__name__)

# Runs with -S -E: no site, no environment, nothing but os/signal/time (start-up ~10 ms).
_SCRIPT = r"""
import os, signal, time
for s in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT):
    signal.signal(s, signal.SIG_IGN)
groups, buf = set(), b""
while True:
    try:
        chunk = os.read(0, 4096)
    except InterruptedError:
        continue
    except OSError:
        chunk = b""
    if not chunk:
        break
    buf += chunk
    *lines, buf = buf.split(b"\n")
    for line in lines:
        if line[:1] == b"+":
            groups.add(int(line[1:]))
        elif line[:1] == b"-":
            groups.discard(int(line[1:]))
def alive(g):
    try:
        os.killpg(g, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
def wait(seconds):
    global groups
    deadline = time.monotonic() + seconds
    while True:
        groups = {g for g in groups if alive(g)}
        if not groups or time.monotonic() >= deadline:
            return
        time.sleep(0.01)
def send(sig):
    for g in groups:
        try:
            os.killpg(g, sig)
        except OSError:
            pass
wait(%(stdin_grace)r)
send(signal.SIGTERM)
wait(%(term_grace)r)
send(signal.SIGKILL)
"""

#: After the client died: how long servers get to exit by themselves (their stdin closed too).
STDIN_GRACE = 0.1
#: Between SIGTERM and SIGKILL.
TERM_GRACE = 0.4


def _python() -> str | None:
    """An interpreter to run the script; `sys.executable` may be a host binary (uWSGI) or empty."""
    exe = sys.executable
    if exe and Path(exe).name.lower().startswith("python"):
        return exe
    return shutil.which("python3") or shutil.which("python")


class _Reaper:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._fd: int | None = None
        self._groups: set[int] = set()
        self._unavailable = sys.platform == "win32"

    @property
    def pid(self) -> int | None:
        """Process id of this process's reaper, if it runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def needs_start(self) -> bool:
        """Whether `ensure_started()` has work to do (cheap; for the event loop's fast path)."""
        return not self._unavailable and (self._fd is None or self._proc is None or self._proc.poll() is not None)

    def ensure_started(self) -> None:
        """Start the reaper if it does not run (blocking: fork/exec; call it off the event loop)."""
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> bool:
        if self._fd is not None and self._proc is not None and self._proc.poll() is None:
            return True
        if self._unavailable:
            return False
        python = _python()
        if python is None:
            logger.warning("no Python interpreter found to run the server reaper; servers may outlive a killed client")
            self._unavailable = True
            return False
        self._close_fd()
        read_fd, write_fd = os.pipe()  # non-inheritable: no other child of ours keeps the reaper alive
        try:
            script = _SCRIPT % {"stdin_grace": STDIN_GRACE, "term_grace": TERM_GRACE}
            self._proc = subprocess.Popen(
                [python, "-S", "-E", "-c", script],
                stdin=read_fd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                start_new_session=True,  # Ctrl-C at a terminal must not reach it
            )
        except OSError as exc:
            os.close(write_fd)
            logger.warning("could not start the server reaper (%s); servers may outlive a killed client", exc)
            self._unavailable = True
            return False
        finally:
            os.close(read_fd)
        self._fd = write_fd
        # A new reaper (the old one died) takes over the groups still registered.
        return self._write(b"".join(b"+%d\n" % pgid for pgid in self._groups))

    def _write(self, data: bytes) -> bool:
        if not data:
            return True
        if self._fd is None:
            return False
        try:
            os.write(self._fd, data)
        except OSError:
            self._close_fd()
            return False
        return True

    def _close_fd(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def register(self, pgid: int) -> None:
        """Watch process group `pgid` (call right after the spawn; non-blocking once started)."""
        with self._lock:
            self._groups.add(pgid)
            if not self._write(b"+%d\n" % pgid):
                self._ensure_started()

    def unregister(self, pgid: int) -> None:
        """The group has been ended (or adopted elsewhere): stop watching it."""
        with self._lock:
            if pgid in self._groups:
                self._groups.discard(pgid)
                self._write(b"-%d\n" % pgid)

    def _after_fork_in_child(self) -> None:
        # The parent's reaper watches the parent; this process gets its own on its first server.
        self._lock = threading.Lock()
        self._close_fd()
        self._proc = None
        self._groups = set()


reaper = _Reaper()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=reaper._after_fork_in_child)
