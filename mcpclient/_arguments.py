"""Tool and prompt arguments, checked and converted before anything is sent.

JSON carries str, int, float, bool, None, lists and objects with string keys. Values that
have one obvious JSON form are converted; values JSON cannot carry faithfully are refused
with an `ArgumentError` (also `TypeError`/`ValueError`) naming the tool and the argument
path, e.g. `arguments['items'][2]`, before the request is written:

| value | sent as |
|---|---|
| `datetime`, `date`, `time` | ISO 8601 string (`isoformat()`) |
| `tuple`, `list`, `set`, `frozenset` | array (a set in its iteration order) |
| `Enum` member | its `value` (converted in turn) |
| `Decimal`, `UUID`, `pathlib` path | string (`str()`) |
| dataclass instance, pydantic model | object of its fields (a model by alias), converted in turn |
| any other `Mapping` | object; keys must be strings |
| NaN, ±infinity | refused: `ArgumentValueError` |
| `bytes`, `bytearray`, `memoryview`, other objects | refused: `ArgumentTypeError` |

Plain trees (dict/list/str/int/float/bool/None, the common case) take a fast path that only
checks them. Prompt arguments are strings on the wire: other values are sent as their JSON text.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any, cast

from .errors import ArgumentError, ArgumentTypeError, ArgumentValueError

__all__ = ["MAX_DEPTH", "prompt_arguments", "request_meta", "tool_arguments"]

MAX_DEPTH = 256
"""Deepest nesting sent (many JSON parsers, the Python SDK's among them, refuse much deeper input)."""

_SCALARS = (str, int, bool, type(None))


def tool_arguments(name: object, arguments: object, *, server: str | None = None) -> dict[str, Any] | None:
    """`arguments` for `tools/call name`, as JSON-ready values; raises `ArgumentError`."""
    _check_name(name, "tools/call", "tool", server)
    if arguments is None:
        return None
    if type(arguments) is dict and _plain_dict(arguments, 0):
        return dict(arguments)
    return _Converter(f"tools/call {name!r}", name, server).top(arguments)


def prompt_arguments(name: object, arguments: object, *, server: str | None = None) -> dict[str, str] | None:
    """`arguments` for `prompts/get name`: strings as they are, anything else as its JSON text."""
    _check_name(name, "prompts/get", "prompt", server)
    if arguments is None:
        return None
    values = _Converter(f"prompts/get {name!r}", name, server).top(arguments)
    originals: Mapping[Any, Any] = arguments  # type: ignore[assignment]  # a Mapping: top() checked it
    # As FastMCP: a str argument is sent as it is, any other value as its JSON text.
    return {
        key: value if isinstance(original, str) else json.dumps(value, ensure_ascii=False, allow_nan=False)
        for (key, value), original in zip(values.items(), originals.values(), strict=True)
    }


def request_meta(method: str, meta: object, *, server: str | None = None) -> dict[str, Any] | None:
    """A request's `_meta` checked and converted like arguments (path `meta[...]`)."""
    if meta is None:
        return None
    if type(meta) is dict and _plain_dict(meta, 0):
        return dict(meta)
    return _Converter(method, None, server).top(meta, "meta")


def _check_name(name: object, method: str, what: str, server: str | None) -> None:
    if not isinstance(name, str):
        raise ArgumentTypeError(
            f"the {what} name must be a string, not {type(name).__name__} ({name!r}); nothing was sent",
            tool=name,
            path="name",
            server=server,
            method=method,
        )


def _plain_dict(value: dict[Any, Any], depth: int) -> bool:
    if depth >= MAX_DEPTH:
        return False
    return all(type(key) is str and _plain(item, depth + 1) for key, item in value.items())


def _plain(value: object, depth: int) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return math.isfinite(cast(float, value))
    if kind is dict:
        return _plain_dict(value, depth)  # type: ignore[arg-type]
    if kind is list:
        return depth < MAX_DEPTH and all(_plain(item, depth + 1) for item in value)  # type: ignore[attr-defined]
    return False


class _Converter:
    """The slow path: converts a tree, or raises naming the first value that cannot be sent."""

    def __init__(self, method: str, name: object, server: str | None) -> None:
        self.method = method
        self.name = name
        self.server = server
        self.active: set[int] = set()  # containers on the current path (a cycle would never end)

    def top(self, arguments: object, path: str = "arguments") -> dict[str, Any]:
        if not isinstance(arguments, Mapping):
            raise self._error(
                ArgumentTypeError,
                path,
                f"must be a mapping (a dict of names to values), not {type(arguments).__name__}",
            )
        result = self.convert(arguments, path, 0)
        assert isinstance(result, dict)
        return result

    def _error(self, cls: type[ArgumentError], path: str, problem: str) -> ArgumentError:
        message = f"{path} {problem}; nothing was sent"
        return cls(message, tool=self.name, path=path, server=self.server, method=self.method)

    def convert(self, value: Any, path: str, depth: int) -> Any:
        if isinstance(value, enum.Enum):  # before int/str: IntEnum and StrEnum members are both
            return self.convert(value.value, path, depth)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, str):
            return str(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self._error(ArgumentValueError, path, f"is {value!r}, which JSON cannot represent")
            return float(value)
        if isinstance(value, datetime.date | datetime.time):  # datetime is a date
            return value.isoformat()
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise self._error(ArgumentValueError, path, f"is Decimal({str(value)!r}), which JSON cannot represent")
            return str(value)
        if isinstance(value, uuid.UUID | PurePath):
            return str(value)
        if isinstance(value, bytes | bytearray | memoryview):
            raise self._error(
                ArgumentTypeError, path, "is bytes, which JSON cannot carry (decode it to str, or base64-encode it)"
            )
        if depth >= MAX_DEPTH:
            raise self._error(ArgumentValueError, path, f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, Mapping | list | tuple | set | frozenset) or _is_record(value):
            if id(value) in self.active:
                raise self._error(ArgumentValueError, path, "contains itself (a circular reference)")
            self.active.add(id(value))
            try:
                return self._container(value, path, depth)
            finally:
                self.active.discard(id(value))
        raise self._error(
            ArgumentTypeError,
            path,
            f"is a {type(value).__module__}.{type(value).__qualname__}, which JSON cannot carry "
            "(use str, int, float, bool, None, list or dict)",
        )

    def _container(self, value: Any, path: str, depth: int) -> Any:
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if isinstance(key, enum.Enum):
                    key = key.value
                if not isinstance(key, str):
                    raise self._error(
                        ArgumentTypeError, f"{path}[{key!r}]", f"has a {type(key).__name__} key; JSON keys are strings"
                    )
                out[str(key)] = self.convert(item, f"{path}[{key!r}]", depth + 1)
            return out
        if isinstance(value, list | tuple | set | frozenset):
            return [self.convert(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        if dataclasses.is_dataclass(value):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        else:  # a pydantic model
            fields = value.model_dump(mode="python", by_alias=True)
        return {key: self.convert(item, f"{path}[{key!r}]", depth + 1) for key, item in fields.items()}


def _is_record(value: object) -> bool:
    """A dataclass instance or a pydantic model instance."""
    if dataclasses.is_dataclass(value):
        return not isinstance(value, type)
    model_dump = getattr(value, "model_dump", None)
    return callable(model_dump) and not isinstance(value, type) and hasattr(type(value), "model_fields")
