"""The lines of a server's stderr that say what failed, for one-line error messages.

A failing `uvx` ends with `hint: Consider enabling use of system TLS certificates ...`, a
failing Python server with the last line of a traceback: the last line alone often hides the
cause (`error: invalid peer certificate: UnknownIssuer`). We keep the lines that look like an
error (and the indented lines right after them, e.g. `Caused by: ...`), plus the last few.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["key_lines"]

_ERROR = re.compile(r"error|traceback|exception|fatal|panic|denied|not found|cannot|could not", re.IGNORECASE)
_LAST = 3
_LIMIT = 12
_CONTINUATION = 3


def key_lines(lines: Sequence[str], *, last: int = _LAST, limit: int = _LIMIT) -> list[str]:
    """The error-looking lines of `lines` (with their indented continuations) and the last `last` lines.

    In their original order, without blank lines, at most `limit` lines (the latest kept).
    """
    kept: set[int] = set()
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    for i in nonblank:
        if _ERROR.search(lines[i]):
            kept.add(i)
            if lines[i].startswith("Traceback"):
                continue  # its indented lines are frames; the exception is the last line
            indent = None  # continuations share one indentation (`Caused by:` lines), deeper than the error's
            for j in range(i + 1, min(i + 1 + _CONTINUATION, len(lines))):
                line = lines[j]
                depth = _depth(line)
                if not line.strip() or depth <= _depth(lines[i]) or depth != (indent := indent or depth):
                    break
                kept.add(j)
    kept.update(nonblank[-last:] if last else [])
    return [lines[i] for i in sorted(kept)][-limit:]


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip())
