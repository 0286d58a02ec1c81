"""One-time imports the SDK does lazily, done in a worker thread instead of on the event loop.

The SDK imports `jsonschema` the first time a tool result is checked against an output schema.
That import runs on the loop thread, where it blocks every other request of every client on
that loop (4-5 s were measured in a venv where Jupyter pulled in a slow `jsonschema` plugin).
We import it in a worker thread while a connection is being set up (the server is starting
meanwhile), so the loop never waits for it.
"""

from __future__ import annotations

import importlib
import sys

import anyio.to_thread

__all__ = ["warm_up"]

#: What the SDK's `ClientSession` imports lazily (mcp/client/session.py).
_LAZY_MODULES = ("jsonschema", "jsonschema.exceptions", "jsonschema.validators")


def _import_all() -> None:
    for name in _LAZY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # the SDK reports it when (if ever) it needs the module
            return


async def warm_up() -> None:
    """Import the SDK's lazy dependencies off the event loop (once per process; then free)."""
    if all(name in sys.modules for name in _LAZY_MODULES):
        return
    await anyio.to_thread.run_sync(_import_all)
