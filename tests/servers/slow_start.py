"""A stdio "server" that never answers: for initialize-timeout and hung-server tests.

It drains stdin on a thread (so the client's writes never block) but never replies, and keeps
sleeping after stdin closes, so only SIGTERM/SIGKILL ends it. With `--ignore-sigterm` it also
ignores SIGTERM, so only a kill ends it (tests the terminate -> kill escalation).
"""

import signal
import sys
import threading
import time


def _drain() -> None:
    for _line in sys.stdin.buffer:
        pass


if __name__ == "__main__":
    if "--ignore-sigterm" in sys.argv[1:] and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_drain, daemon=True).start()
    print("slow_start: reading stdin, never answering", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)
