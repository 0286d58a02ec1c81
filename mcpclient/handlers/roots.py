"""Roots: the filesystem locations the client exposes to the server."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from .context import HandlerContext

__all__ = ["RootsHandler", "RootsList", "to_roots_result"]

RootsList: TypeAlias = "Sequence[str | os.PathLike[str]]"
RootsHandler: TypeAlias = Callable[["HandlerContext"], "RootsList | Awaitable[RootsList]"]


def _to_uri(root: Any) -> str:
    if isinstance(root, os.PathLike) or (isinstance(root, str) and "://" not in root):
        return Path(root).expanduser().resolve().as_uri()
    return str(root)


def to_roots_result(roots: Any) -> Any:
    """Paths and URIs (or ready `Root` objects) as an SDK `ListRootsResult`."""
    from mcp import types

    if isinstance(roots, types.ListRootsResult | types.ErrorData):
        return roots
    items = []
    for root in roots:
        if isinstance(root, types.Root):
            items.append(root)
        else:
            uri = _to_uri(root)
            items.append(types.Root(uri=uri, name=Path(uri.removeprefix("file://")).name or None))
    return types.ListRootsResult(roots=items)
