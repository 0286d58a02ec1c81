"""A prompt exit after an uncaught Ctrl-C.

Once the atexit handlers have closed the clients (a few hundred ms: see `transports.stdio`),
most of the rest of an interrupted script's exit is the interpreter's final garbage
collections over every object the SDK, pydantic and httpx created: 0.1-0.2 s on an idle
machine, over 1 s on a loaded one (measured). A user who pressed Ctrl-C wants out, so then
(and only then) we freeze the heap: the final collections skip it. Nothing is lost that
Python promises: `__del__` of objects alive at exit is not guaranteed to run, and
`weakref.finalize` and atexit callbacks still run.
"""

from __future__ import annotations

import atexit
import gc
import sys

__all__ = ["skip_final_collection"]


def skip_final_collection() -> None:
    """Let the interpreter's final garbage collections skip the objects alive now."""
    gc.freeze()


def _after_uncaught_ctrl_c() -> None:
    # The interpreter sets `sys.last_value` when it prints an uncaught exception, before atexit runs.
    if isinstance(getattr(sys, "last_value", None), KeyboardInterrupt):
        skip_final_collection()


atexit.register(_after_uncaught_ctrl_c)
