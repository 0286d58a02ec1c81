"""Typed results, and turning a tool's structured output into Python objects.

`CallToolResult.data` follows the tool's output schema: JSON objects become dataclass
instances (built once per schema and cached), arrays become lists, and a primitive that
the server wrapped in an object (`{"result": 5}`) is unwrapped to `5`. Both wrapping
conventions are recognised: FastMCP's `x-fastmcp-wrap-result` marker, and the mcp SDK's
object schema titled `<tool>Output` whose only, required property is `result`.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import keyword
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._jsonschema import resolve_ref as resolve_ref

if TYPE_CHECKING:
    from mcp import types as mcp_types

__all__ = [
    "CallToolResult",
    "PromptList",
    "ResourceContentsList",
    "ResourceList",
    "ResourceTemplateList",
    "ToolList",
    "TextResourceContents",
    "BlobResourceContents",
    "schema_to_type",
    "convert_to_schema",
    "structured_to_data",
]

_JSON_PRIMITIVES: dict[str, type] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "null": type(None),
}


@dataclasses.dataclass
class CallToolResult:
    """The result of a tool call.

    `content` holds the content blocks, `structured_content` the raw structured output,
    `data` that output as Python objects (see module docs), `is_error` whether the tool failed.
    """

    content: list[mcp_types.ContentBlock]
    structured_content: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    data: Any = None
    is_error: bool = False

    @property
    def text(self) -> str:
        """The text of all text content blocks, joined by newlines."""
        return "\n".join(block.text for block in self.content if getattr(block, "type", None) == "text")  # type: ignore[union-attr]

    def _repr_markdown_(self) -> str:
        from .notebook import call_tool_result_markdown

        return call_tool_result_markdown(self)

    def _repr_html_(self) -> str:
        from .notebook import call_tool_result_html

        return call_tool_result_html(self)


# ---------------------------------------------------------------------------
# Listings: plain lists of the SDK's types that render as tables in Jupyter.
# Rendering lives in mcpclient.notebook (above this module), imported when a notebook asks.


class _Rendered:
    """Mixin: render as HTML/markdown in Jupyter (the plain-text repr stays the list's)."""

    def _repr_html_(self) -> str:
        from .notebook import to_html

        return to_html(self)

    def _repr_markdown_(self) -> str:
        from .notebook import to_markdown

        return to_markdown(self)


class ToolList(_Rendered, list["mcp_types.Tool"]):
    """`list[Tool]` returned by `list_tools()`; a table in Jupyter."""


class ResourceList(_Rendered, list["mcp_types.Resource"]):
    """`list[Resource]` returned by `list_resources()`; a table in Jupyter."""


class ResourceTemplateList(_Rendered, list["mcp_types.ResourceTemplate"]):
    """`list[ResourceTemplate]` returned by `list_resource_templates()`; a table in Jupyter."""


class PromptList(_Rendered, list["mcp_types.Prompt"]):
    """`list[Prompt]` returned by `list_prompts()`; a table in Jupyter."""


class ResourceContentsList(_Rendered, list["mcp_types.TextResourceContents | mcp_types.BlobResourceContents"]):
    """The contents returned by `read_resource()`: text shown, images inline, other blobs by size."""


if TYPE_CHECKING:
    from mcp_types import BlobResourceContents, TextResourceContents
else:

    def __getattr__(name: str) -> Any:
        # Re-export lazily so `import mcpclient.results` stays cheap.
        if name in ("TextResourceContents", "BlobResourceContents"):
            import mcp_types

            return getattr(mcp_types, name)
        raise AttributeError(name)


# ---------------------------------------------------------------------------
# JSON schema -> Python types

_type_cache: dict[str, Any] = {}
# The client hands over the same cached schema objects on every call: find their type without
# serialising the schema again. Entries hold the objects, so an id cannot be reused while listed.
_type_by_identity: dict[int, tuple[Mapping[str, Any], Mapping[str, Any], Any]] = {}
_IDENTITY_LIMIT = 1024


def _remember(schema: Mapping[str, Any], root: Mapping[str, Any], cls: Any) -> None:
    if len(_type_by_identity) >= _IDENTITY_LIMIT:
        _type_by_identity.clear()
    _type_by_identity[id(schema)] = (schema, root, cls)


def _identifier(name: str) -> str:
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit():
        ident = f"_{ident}"
    return f"{ident}_" if keyword.iskeyword(ident) else ident


def schema_to_type(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None, name: str = "Model") -> Any:
    """The Python type a JSON schema describes; objects with properties become dataclasses."""
    root = schema if root is None else root
    schema = resolve_ref(schema, root)
    kind = schema.get("type")
    if kind == "object" or (kind is None and "properties" in schema):
        props: Mapping[str, Any] = schema.get("properties") or {}
        if not props:
            return dict
        same = _type_by_identity.get(id(schema))
        if same is not None and same[0] is schema and same[1] is root:
            return same[2]
        key = json.dumps([schema, root.get("$defs"), root.get("definitions")], sort_keys=True, default=str)
        cached = _type_cache.get(key)
        if cached is not None:
            _remember(schema, root, cached)
            return cached
        required = set(schema.get("required") or ())
        fields: list[Any] = []
        optional: list[Any] = []
        for prop, sub in props.items():
            sub_type = schema_to_type(sub, root, name=str(resolve_ref(sub, root).get("title") or prop.title()))
            if prop in required:
                fields.append((_identifier(prop), sub_type))
            else:
                default = resolve_ref(sub, root).get("default")
                spec: Any
                if isinstance(default, list | dict):  # dataclasses reject mutable defaults: copy per instance
                    spec = dataclasses.field(default_factory=functools.partial(copy.deepcopy, default))
                else:
                    spec = dataclasses.field(default=default)
                optional.append((_identifier(prop), sub_type, spec))
        cls_name = _identifier(str(schema.get("title") or name))
        cls = dataclasses.make_dataclass(cls_name, [*fields, *optional])
        cls.__mcp_fields__ = {_identifier(p): p for p in props}  # type: ignore[attr-defined]
        _type_cache[key] = cls
        _remember(schema, root, cls)
        return cls
    if kind == "array":
        return list
    if isinstance(kind, str):
        return _JSON_PRIMITIVES.get(kind, object)
    return object


def _matches(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    schema = resolve_ref(schema, root)
    kind = schema.get("type")
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    for k in kinds:
        if k == "object" and isinstance(value, dict):
            return True
        if k == "array" and isinstance(value, list):
            return True
        if k == "null" and value is None:
            return True
        if k == "string" and isinstance(value, str):
            return True
        if k == "boolean" and isinstance(value, bool):
            return True
        if k == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if k == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            return True
    return False


def convert_to_schema(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> Any:
    """Convert JSON `value` to Python objects following `schema` (objects → dataclass instances)."""
    root = schema if root is None else root
    schema = resolve_ref(schema, root)
    for union_key in ("anyOf", "oneOf"):
        options: Sequence[Mapping[str, Any]] | None = schema.get(union_key)
        if options:
            for option in options:
                if _matches(value, option, root):
                    return convert_to_schema(value, option, root)
            return value
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return convert_to_schema(value, schema["allOf"][0], root)
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            return [convert_to_schema(item, items, root) for item in value]
        return list(value)
    if isinstance(value, dict):
        cls = schema_to_type(schema, root)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            extra = schema.get("additionalProperties")
            if isinstance(extra, Mapping):
                return {k: convert_to_schema(v, extra, root) for k, v in value.items()}
            return value
        props: Mapping[str, Any] = schema.get("properties") or {}
        names: dict[str, str] = cls.__mcp_fields__  # type: ignore[attr-defined]
        kwargs = {}
        for ident, prop in names.items():
            if prop in value:
                kwargs[ident] = convert_to_schema(value[prop], props[prop], root)
        try:
            instance = cls(**kwargs)
        except TypeError:
            # The server broke its own schema (a required field is missing): keep the raw dict.
            return value
        for key, extra_value in value.items():
            if key not in props:
                # Keep what the schema did not declare instead of losing it.
                setattr(instance, _identifier(key), extra_value)
        return instance
    if schema.get("type") == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _is_wrapped(tool_name: str | None, schema: Mapping[str, Any]) -> bool:
    if schema.get("x-fastmcp-wrap-result"):
        return True
    props = schema.get("properties") or {}
    title = str(schema.get("title") or "")
    # The SDK titles the wrapper after the *function*, which may differ from the tool's name.
    return (
        (title == f"{tool_name}Output" or title.endswith("Output"))
        and list(props) == ["result"]
        and list(schema.get("required") or []) == ["result"]
    )


def structured_to_data(
    structured: dict[str, Any] | None, output_schema: Mapping[str, Any] | None, tool_name: str | None = None
) -> Any:
    """`CallToolResult.data` from structured content and the tool's output schema."""
    if structured is None:
        return None
    if not output_schema:
        return structured
    if _is_wrapped(tool_name, output_schema) and "result" in structured:
        result_schema = (output_schema.get("properties") or {}).get("result", {})
        return convert_to_schema(structured["result"], result_schema, output_schema)
    return convert_to_schema(structured, output_schema)
