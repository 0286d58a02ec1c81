"""JSON Schema helpers shared by the results, the CLI and the notebook renderers (a leaf module)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["resolve_ref"]


def resolve_ref(schema: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """`schema` with local `$ref`s (`#/...`) followed; `{}` for anything unresolvable."""
    for _ in range(32):
        if not isinstance(schema, Mapping):
            return {}
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        if not ref.startswith("#/"):
            return {}
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, Mapping) else {}
        schema = node
    return {}
