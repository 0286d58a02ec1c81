"""Elicitation: the server asks the user for structured input."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from mcp import types

    from .context import HandlerContext

__all__ = ["ElicitationHandler", "response_type_for", "to_elicit_result"]

ElicitationHandler: TypeAlias = Callable[
    [str, Any, "types.ElicitRequestParams", "HandlerContext"],
    "Any | Awaitable[Any]",
]
"""`handler(message, response_type, params, context)`.

Return the response (a dict or an instance of `response_type`) to accept, `None` to
decline, or an `mcp.types.ElicitResult` for full control (decline, cancel).
`response_type` is a dataclass built from the requested schema (None for URL elicitation).
"""


def response_type_for(params: Any) -> Any:
    """The dataclass a form elicitation's `requested_schema` describes."""
    from ..results import schema_to_type

    schema = getattr(params, "requested_schema", None)
    if not schema:
        return None
    return schema_to_type(schema, name="ElicitationResponse")


def to_elicit_result(value: Any) -> Any:
    """A handler's return value as an SDK `ElicitResult`."""
    from mcp import types

    if isinstance(value, types.ElicitResult | types.ErrorData):
        return value
    if value is None:
        return types.ElicitResult(action="decline")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Unset optional fields are None, which elicitation content does not allow (servers reject
        # `null`): leave them out. Field names go back to the schema's property names.
        names: dict[str, str] = getattr(type(value), "__mcp_fields__", {})
        value = {names.get(k, k): v for k, v in dataclasses.asdict(value).items() if v is not None}
    elif hasattr(value, "model_dump"):
        value = value.model_dump()
    if not isinstance(value, dict):
        raise TypeError(
            f"elicitation handler must return a dict, a dataclass or ElicitResult, got {type(value).__name__}"
        )
    return types.ElicitResult(action="accept", content=value)
