"""Jupyter niceties: results and listings render as HTML and markdown; tqdm progress bars.

Nothing to call in the common case. In a notebook cell the last expression renders itself:

- `client.call_tool(...)` (a `CallToolResult`): its content blocks (text, images inline as
  `data:` URIs, audio, embedded resources, resource links) and its structured content;
- `client.list_tools()`, `list_resources()`, `list_resource_templates()`, `list_prompts()`,
  `read_resource(uri)`: tables (they return the `ToolList`, `ResourceList`, ... subclasses of
  `list` from `mcpclient.results`, so they are still plain lists of the SDK's types; their
  `_repr_html_` imports this module when a notebook first asks).

`show(x)` displays anything else the same way (a `GetPromptResult`, one `Tool`, a raw
`mcp.types` result, a list of content blocks); `to_html(x)` / `to_markdown(x)` return the
strings. Progress bars (needs `tqdm`)::

    client.call_tool("train", {...}, progress_handler=mcpclient.notebook.tqdm_progress("training"))

Only the standard library is imported here. This module only renders: nothing below it imports it
at module level.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from ._jsonschema import resolve_ref

__all__ = [
    "TqdmProgress",
    "call_tool_result_html",
    "call_tool_result_markdown",
    "content_html",
    "content_markdown",
    "prompt_arguments",
    "show",
    "to_html",
    "to_markdown",
    "tool_parameters",
    "tqdm_progress",
]

_MIME = re.compile(r"^[\w.+-]+/[\w.+-]+$")
_BLOCK_TYPES = frozenset({"text", "image", "audio", "resource", "resource_link"})
_PRE = '<pre style="white-space: pre-wrap; max-height: 32em; overflow: auto; margin: 0.2em 0">'
_TABLE = '<table style="text-align: left">'


def _esc(value: object) -> str:
    return html.escape(str(value))


# --------------------------------------------------------------------------- dispatch


def _kind(item: Any) -> str:
    """What an object is, by its fields (works for the SDK's models and for look-alikes)."""
    if hasattr(item, "input_schema"):
        return "tool"
    if hasattr(item, "uri_template"):
        return "template"
    if hasattr(item, "messages"):
        return "prompt_result"
    if hasattr(item, "role") and hasattr(item, "content"):
        return "message"
    if hasattr(item, "is_error") and hasattr(item, "content"):
        return "call_result"
    if getattr(item, "type", None) in _BLOCK_TYPES:
        return "block"
    if hasattr(item, "uri") and (hasattr(item, "text") or hasattr(item, "blob")):
        return "contents"
    if hasattr(item, "arguments") and hasattr(item, "name"):
        return "prompt"
    if hasattr(item, "uri") and hasattr(item, "name"):
        return "resource"
    for field in ("tools", "resources", "resource_templates", "prompts", "contents"):
        if isinstance(getattr(item, field, None), list):
            return "page"
    return "other"


def _page_items(page: Any) -> list[Any]:
    for field in ("tools", "resources", "resource_templates", "prompts", "contents"):
        value = getattr(page, field, None)
        if isinstance(value, list):
            return value
    return []


def to_html(obj: Any) -> str:
    """HTML for a result, a listing, a prompt, resource contents or content blocks."""
    if isinstance(obj, list | tuple):
        items = list(obj)
        if not items:
            return "<em>(none)</em>"
        kind = _kind(items[0])
        if kind in _TABLES:
            headers, row = _TABLES[kind]
            return _table_html(headers, [row(item) for item in items])
        if kind == "contents":
            return "".join(_contents_html(item) for item in items)
        if kind == "block":
            return content_html(items)
        if kind == "message":
            return "".join(_message_html(item) for item in items)
        return "".join(f"<div>{to_html(item)}</div>" for item in items)
    kind = _kind(obj)
    if kind == "call_result":
        return call_tool_result_html(obj)
    if kind == "prompt_result":
        description = getattr(obj, "description", None)
        head = f"<p><em>{_esc(description)}</em></p>" if description else ""
        return head + "".join(_message_html(m) for m in obj.messages)
    if kind == "page":
        return to_html(_page_items(obj))
    if kind in ("block", "contents", "message") or kind in _TABLES:
        return to_html([obj])
    return f"{_PRE}{_esc(_json_text(obj))}</pre>"


def to_markdown(obj: Any) -> str:
    """Markdown for the same objects as `to_html`."""
    if isinstance(obj, list | tuple):
        items = list(obj)
        if not items:
            return "*(none)*"
        kind = _kind(items[0])
        if kind in _TABLES:
            headers, row = _TABLES[kind]
            return _table_markdown(headers, [row(item) for item in items])
        if kind == "contents":
            return "\n\n".join(_contents_markdown(item) for item in items)
        if kind == "block":
            return content_markdown(items)
        if kind == "message":
            return "\n\n".join(_message_markdown(item) for item in items)
        return "\n\n".join(to_markdown(item) for item in items)
    kind = _kind(obj)
    if kind == "call_result":
        return call_tool_result_markdown(obj)
    if kind == "prompt_result":
        description = getattr(obj, "description", None)
        parts = [f"*{description}*"] if description else []
        return "\n\n".join(parts + [_message_markdown(m) for m in obj.messages])
    if kind == "page":
        return to_markdown(_page_items(obj))
    if kind in ("block", "contents", "message") or kind in _TABLES:
        return to_markdown([obj])
    return _fence(_json_text(obj), "json")


def show(obj: Any) -> None:
    """Display `obj` rendered (HTML and markdown) in Jupyter; print its markdown elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        bundle = {"text/html": to_html(obj), "text/markdown": to_markdown(obj), "text/plain": repr(obj)}
        display(bundle, raw=True)  # type: ignore[no-untyped-call]
    else:
        print(to_markdown(obj))


# --------------------------------------------------------------------------- tool results


def call_tool_result_html(result: Any) -> str:
    """HTML for a `CallToolResult` (ours or the SDK's): content blocks, then structured content."""
    parts: list[str] = []
    if getattr(result, "is_error", False):
        parts.append('<div style="color: #b00020; font-weight: bold">Tool error</div>')
    parts.append(content_html(getattr(result, "content", None) or []))
    structured = getattr(result, "structured_content", None)
    if structured is not None and not _text_is_structured(result, structured):
        parts.append(
            f"<details><summary>structured content</summary>{_PRE}{_esc(_json_text(structured))}</pre></details>"
        )
    return f'<div class="mcpclient-result">{"".join(parts)}</div>'


def call_tool_result_markdown(result: Any) -> str:
    """Markdown for a `CallToolResult` (ours or the SDK's)."""
    parts: list[str] = []
    if getattr(result, "is_error", False):
        parts.append("**Tool error**")
    content = content_markdown(getattr(result, "content", None) or [])
    if content:
        parts.append(content)
    structured = getattr(result, "structured_content", None)
    if structured is not None and not _text_is_structured(result, structured):
        parts.append("Structured content:\n\n" + _fence(_json_text(structured), "json"))
    return "\n\n".join(parts) or "*(no content)*"


def _text_is_structured(result: Any, structured: Any) -> bool:
    """True when the text content already says what the structured content says (no need to show both)."""
    texts = [b.text for b in getattr(result, "content", None) or [] if getattr(b, "type", None) == "text"]
    if len(texts) != 1:
        return False
    try:
        value = json.loads(texts[0])
    except ValueError:
        value = texts[0]
    if isinstance(structured, dict) and list(structured) == ["result"]:
        return bool(value == structured["result"] or texts[0] == str(structured["result"]))
    return bool(value == structured)


def content_html(blocks: Iterable[Any]) -> str:
    """HTML for content blocks: text in <pre>, images/audio inline as data: URIs, resources, links."""
    return "".join(_block_html(block) for block in blocks)


def content_markdown(blocks: Iterable[Any]) -> str:
    """Markdown for content blocks."""
    return "\n\n".join(part for part in (_block_markdown(block) for block in blocks) if part)


def _data_uri(mime: str | None, data: str) -> str:
    mime = mime if mime and _MIME.match(mime) else "application/octet-stream"
    return f"data:{mime};base64,{data}"


def _media_html(mime: str | None, data: str, label: str) -> str:
    uri = _esc(_data_uri(mime, data))
    if mime and mime.startswith("image/"):
        return f'<img src="{uri}" alt="{_esc(label)}" style="max-width: 100%">'
    if mime and mime.startswith("audio/"):
        return f'<audio controls src="{uri}"></audio>'
    return f"<em>{_esc(label)}: {_blob_size(data)} bytes ({_esc(mime or 'binary')})</em>"


def _block_html(block: Any) -> str:
    kind = getattr(block, "type", None)
    if kind == "text":
        return f"{_PRE}{_esc(block.text)}</pre>"
    if kind in ("image", "audio"):
        return f"<div>{_media_html(block.mime_type, block.data, kind)}</div>"
    if kind == "resource":
        return _contents_html(block.resource)
    if kind == "resource_link":
        uri = str(block.uri)
        link = (
            f'<a href="{_esc(uri)}">{_esc(uri)}</a>'
            if uri.startswith(("http://", "https://"))
            else f"<code>{_esc(uri)}</code>"
        )
        description = f" — {_esc(block.description)}" if getattr(block, "description", None) else ""
        return f"<div>🔗 <b>{_esc(block.name)}</b> {link}{description}</div>"
    return f"{_PRE}{_esc(_json_text(block))}</pre>"


def _block_markdown(block: Any) -> str:
    kind = getattr(block, "type", None)
    if kind == "text":
        text: str = block.text
        return _fence(text, "json") if _looks_like_json(text) else text
    if kind == "image":
        return f"![image]({_data_uri(block.mime_type, block.data)})"
    if kind == "audio":
        return f"*audio: {_blob_size(block.data)} bytes ({block.mime_type})*"
    if kind == "resource":
        return _contents_markdown(block.resource)
    if kind == "resource_link":
        description = f" — {block.description}" if getattr(block, "description", None) else ""
        return f"🔗 **{block.name}** <{block.uri}>{description}"
    return _fence(_json_text(block), "json")


# --------------------------------------------------------------------------- resources, prompts


def _contents_html(contents: Any) -> str:
    uri, mime = str(getattr(contents, "uri", "")), getattr(contents, "mime_type", None)
    head = f"<code>{_esc(uri)}</code>" + (f" <small>({_esc(mime)})</small>" if mime else "")
    text = getattr(contents, "text", None)
    if text is not None:
        body = f"{_PRE}{_esc(_pretty(text, mime))}</pre>"
    else:
        body = _media_html(mime, getattr(contents, "blob", ""), "blob")
    return f'<div class="mcpclient-resource"><div>{head}</div>{body}</div>'


def _contents_markdown(contents: Any) -> str:
    uri, mime = str(getattr(contents, "uri", "")), getattr(contents, "mime_type", None)
    head = f"`{uri}`" + (f" ({mime})" if mime else "")
    text = getattr(contents, "text", None)
    if text is not None:
        if mime in ("text/markdown", "text/x-markdown"):
            return f"{head}\n\n{text}"
        language = "json" if mime == "application/json" or _looks_like_json(text) else ""
        return f"{head}\n\n{_fence(_pretty(text, mime), language)}"
    blob = getattr(contents, "blob", "")
    if mime and mime.startswith("image/"):
        return f"{head}\n\n![{uri}]({_data_uri(mime, blob)})"
    return f"{head}: *{_blob_size(blob)} bytes*"


def _message_html(message: Any) -> str:
    role = getattr(message, "role", "")
    return f"<div><b>{_esc(role)}</b>{_block_html(message.content)}</div>"


def _message_markdown(message: Any) -> str:
    return f"**{getattr(message, 'role', '')}**\n\n{_block_markdown(message.content)}"


# --------------------------------------------------------------------------- tables


def tool_parameters(schema: Mapping[str, Any] | None) -> str:
    """A one-line signature of a tool's input schema: `a: integer, b?: string = "x"` (`?`: optional)."""
    if not isinstance(schema, Mapping):
        return ""
    required = set(schema.get("required") or ())
    parts = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = resolve_ref(prop, schema)
        text = f"{name}{'' if name in required else '?'}: {_type_name(prop, schema)}"
        if "default" in prop and name not in required:
            text += f" = {json.dumps(prop['default'])}"
        parts.append(text)
    return ", ".join(parts)


def _type_name(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int = 0) -> str:
    if depth > 4:
        return "…"
    if "enum" in schema and isinstance(schema["enum"], list):
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array":
        items = resolve_ref(schema.get("items"), root)
        return f"array[{_type_name(items, root, depth + 1)}]" if items else "array"
    if kind == "object" and schema.get("title") and depth:
        return str(schema["title"])
    if isinstance(kind, str):
        return kind
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list):
            names = [_type_name(resolve_ref(o, root), root, depth + 1) for o in options]
            return " | ".join(dict.fromkeys(names))
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        return _type_name(resolve_ref(all_of[0], root), root, depth + 1)
    return str(schema.get("title") or "any")


def prompt_arguments(prompt: Any) -> str:
    """A prompt's arguments: `name, style?` (`?`: optional)."""
    return ", ".join(f"{a.name}{'' if a.required else '?'}" for a in getattr(prompt, "arguments", None) or [])


def _tool_row(tool: Any) -> list[str]:
    return [tool.name, tool_parameters(tool.input_schema), tool.description or ""]


def _resource_row(resource: Any) -> list[str]:
    return [str(resource.uri), resource.name, resource.mime_type or "", resource.description or ""]


def _template_row(template: Any) -> list[str]:
    return [template.uri_template, template.name, template.mime_type or "", template.description or ""]


def _prompt_row(prompt: Any) -> list[str]:
    return [prompt.name, prompt_arguments(prompt), prompt.description or ""]


_TABLES: dict[str, tuple[list[str], Any]] = {
    "tool": (["Tool", "Parameters", "Description"], _tool_row),
    "resource": (["URI", "Name", "MIME type", "Description"], _resource_row),
    "template": (["URI template", "Name", "MIME type", "Description"], _template_row),
    "prompt": (["Prompt", "Arguments", "Description"], _prompt_row),
}


def _table_html(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + f"<td><code>{_esc(row[0])}</code></td>"
        + "".join(f'<td style="text-align: left">{_esc(cell).replace(chr(10), "<br>")}</td>' for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return f"{_TABLE}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _table_markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        first, *rest = row
        lines.append("| " + " | ".join([f"`{cell(first)}`", *(cell(c) for c in rest)]) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- helpers


def _json_text(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _looks_like_json(text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def _pretty(text: str, mime: str | None) -> str:
    if mime == "application/json" or _looks_like_json(text):
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return text


def _fence(text: str, language: str = "") -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{language}\n{text}\n{fence}"


def _blob_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data) * 3 // 4


# --------------------------------------------------------------------------- progress


class TqdmProgress:
    """A progress handler drawing a `tqdm.auto` bar (a widget in Jupyter, text in a terminal).

    A bar starts at the first report and closes when progress reaches the total; a report
    lower than the previous one starts a new bar. Use one per call, or as a context manager
    to close a bar the server left unfinished. Extra keywords go to `tqdm`.
    """

    def __init__(self, desc: str | None = None, **tqdm_options: Any) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError("progress bars need tqdm: pip install tqdm (or mcpclient[notebook])") from None
        self._tqdm = tqdm
        self._options = {"desc": desc, **tqdm_options}
        self._bar: Any = None
        self._last = 0.0

    def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        bar = self._bar
        if bar is None or progress < self._last:
            self.close()
            bar = self._bar = self._tqdm(total=total, **self._options)
        self._last = progress
        if total is not None and bar.total != total:
            bar.total = total
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.update(progress - bar.n)
        if total is not None and progress >= total:
            self.close()

    def close(self) -> None:
        """Close the current bar, if any."""
        bar, self._bar = self._bar, None
        self._last = 0.0
        if bar is not None:
            bar.close()

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def tqdm_progress(desc: str | None = None, **tqdm_options: Any) -> TqdmProgress:
    """A progress handler showing a `tqdm.auto` bar: `call_tool(..., progress_handler=tqdm_progress())`."""
    return TqdmProgress(desc, **tqdm_options)
