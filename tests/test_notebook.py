"""Jupyter niceties (`mcpclient.notebook`): HTML/markdown reprs, tqdm progress, and a real notebook.

The reprs are checked on results and listings from the in-memory everything server and on
hand-built results (images, embedded resources, links). The last test executes a notebook
with nbclient on an ipykernel running this interpreter: a SyncClient over stdio calls tools
(one writes to the server's stderr), listings render as HTML, and after kernel shutdown the
server process is gone (the SyncClient's atexit handler closed it).
"""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import pid_alive, wait_for
from mcp import types

from mcpclient import CallToolResult, SyncClient
from mcpclient import notebook as nb
from mcpclient.notebook import (
    to_html,
    to_markdown,
    tool_parameters,
    tqdm_progress,
)
from mcpclient.results import PromptList, ResourceContentsList, ResourceList, ResourceTemplateList, ToolList

# A 1x1 PNG.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360000002000005000157a2e3c60000000049454e44ae426082"
    )
).decode()


@pytest.fixture
def client(everything_server: Any) -> Any:
    with SyncClient(everything_server) as c:
        yield c
    c.close()


# ------------------------------------------------------------------------------ tool results


def rich_result() -> CallToolResult:
    return CallToolResult(
        content=[
            types.TextContent(type="text", text="hello <world> & co"),
            types.ImageContent(type="image", data=PNG, mime_type="image/png"),
            types.EmbeddedResource(
                type="resource",
                resource=types.TextResourceContents(
                    uri="file:///notes.txt", mime_type="text/plain", text="embedded text"
                ),
            ),
            types.EmbeddedResource(
                type="resource",
                resource=types.BlobResourceContents(uri="file:///pic.png", mime_type="image/png", blob=PNG),
            ),
            types.ResourceLink(type="resource_link", uri="https://example.com/doc", name="the doc"),
        ],
        structured_content={"answer": 42},
    )


def test_call_tool_result_html_renders_every_block() -> None:
    html = rich_result()._repr_html_()
    assert "hello &lt;world&gt; &amp; co" in html  # escaped, never raw markup
    assert "<world>" not in html
    assert f'src="data:image/png;base64,{PNG}"' in html  # image and embedded image blob inline
    assert html.count("data:image/png;base64,") == 2
    assert "file:///notes.txt" in html and "embedded text" in html
    assert 'href="https://example.com/doc"' in html and "the doc" in html
    assert "structured content" in html and "&quot;answer&quot;: 42" in html


def test_call_tool_result_markdown() -> None:
    md = rich_result()._repr_markdown_()
    assert "hello <world> & co" in md
    assert f"![image](data:image/png;base64,{PNG})" in md
    assert "`file:///notes.txt` (text/plain)" in md and "embedded text" in md
    assert "<https://example.com/doc>" in md
    assert '"answer": 42' in md


def test_error_result_is_marked() -> None:
    result = CallToolResult(content=[types.TextContent(type="text", text="it broke")], is_error=True)
    assert "Tool error" in result._repr_html_() and "it broke" in result._repr_html_()
    assert result._repr_markdown_().startswith("**Tool error**")


def test_real_results_render(client: SyncClient) -> None:
    result = client.call_tool("add", {"a": 2, "b": 3})
    assert "5" in result._repr_html_()
    # The text already says what the structured content says: shown once.
    assert "structured content" not in result._repr_html_()
    user = client.call_tool("get_user", {"user_id": 1})
    assert "Springfield" in user._repr_html_()
    # The SDK's raw result renders the same way through `to_html`.
    raw = client.call_tool_mcp("echo", {"text": "raw <b>"})
    assert "raw &lt;b&gt;" in to_html(raw)


# ------------------------------------------------------------------------------ listings


def test_listings_are_plain_lists_that_render_as_tables(client: SyncClient) -> None:
    tools = client.list_tools()
    assert isinstance(tools, ToolList) and isinstance(tools, list)
    assert all(isinstance(t, types.Tool) for t in tools)
    assert tools == list(tools) and repr(tools).startswith("[Tool(")
    html = tools._repr_html_()
    assert html.startswith("<table") and "<code>add</code>" in html and "a: integer, b: integer" in html
    md = tools._repr_markdown_()
    assert md.startswith("| Tool | Parameters | Description |") and "| `add` | a: integer, b: integer |" in md

    resources = client.list_resources()
    assert isinstance(resources, ResourceList)
    assert "data://greeting" in resources._repr_html_() and "application/json" in resources._repr_html_()
    templates = client.list_resource_templates()
    assert isinstance(templates, ResourceTemplateList)
    assert "users://{user_id}/profile" in templates._repr_markdown_()
    prompts = client.list_prompts()
    assert isinstance(prompts, PromptList)
    assert "summarize" in prompts._repr_html_() and "max_words?" in prompts._repr_html_()


def test_resource_contents_render(client: SyncClient) -> None:
    text = client.read_resource("data://config")
    assert isinstance(text, ResourceContentsList)
    html = text._repr_html_()
    assert "data://config" in html and "&quot;retries&quot;: 3" in html
    assert "```json" in text._repr_markdown_()
    blob = client.read_resource("data://blob")
    assert "256 bytes" in blob._repr_html_() and "256 bytes" in blob._repr_markdown_()


def test_prompt_and_empty_list_render(client: SyncClient) -> None:
    prompt = client.get_prompt("greet", {"name": "Ada"})
    html = to_html(prompt)
    assert "<b>user</b>" in html and "Hello, Ada!" in html
    assert "**user**" in to_markdown(prompt)
    assert to_html(ToolList()) == "<em>(none)</em>"


def test_show_prints_markdown_outside_ipython(capsys: pytest.CaptureFixture[str], client: SyncClient) -> None:
    nb.show(client.list_prompts())
    assert "| `greet` | name |" in capsys.readouterr().out


def test_tool_parameters_signature() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "mode": {"enum": ["a", "b"], "default": "a"},
            "maybe": {"anyOf": [{"type": "number"}, {"type": "null"}]},
            "address": {"$ref": "#/$defs/Address"},
        },
        "required": ["n", "address"],
        "$defs": {"Address": {"type": "object", "title": "Address", "properties": {}}},
    }
    assert tool_parameters(schema) == (
        'n: integer, tags?: array[string], mode?: "a" | "b" = "a", maybe?: number | null, address: object'
    )


# ------------------------------------------------------------------------------ progress


def test_tqdm_progress_bar(client: SyncClient) -> None:
    pytest.importorskip("tqdm")
    out = io.StringIO()
    progress = tqdm_progress("steps", file=out, ascii=True)
    result = client.call_tool("progress", {"steps": 3}, progress_handler=progress)
    assert result.data == "done 3 steps"
    assert progress._bar is None  # closed when progress reached the total
    text = out.getvalue()
    assert "steps" in text and "3/3" in text and "step 3" in text


def test_tqdm_progress_context_closes_unfinished_bar() -> None:
    pytest.importorskip("tqdm")
    out = io.StringIO()
    with tqdm_progress(file=out) as progress:
        progress(1, 4, "one")
        assert progress._bar is not None
    assert progress._bar is None and "1/4" in out.getvalue()


# ------------------------------------------------------------------------------ a real notebook


def _code_cell(source: str) -> Any:
    import nbformat

    return nbformat.v4.new_code_cell(source)


def _outputs_text(cell: Any) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(json.dumps(output.data))
        elif output.output_type == "error":
            parts.append("\n".join(output.traceback))
    return "".join(parts)


@pytest.mark.timeout(180)
def test_notebook_with_a_real_kernel(tmp_path: Path, everything_script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    from jupyter_client.manager import KernelManager

    # A kernelspec of our own, running this interpreter (the default "python3" may be another one).
    prefix = tmp_path / "jupyter-prefix"
    kernelspec.install(kernel_name="mcpclient-test", display_name="mcpclient test", prefix=str(prefix))
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))

    marker = tmp_path / "atexit.txt"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        _code_cell(
            "import atexit, os, sys\n"
            "def report():  # registered before mcpclient's own handler, so it runs after it\n"
            "    try:\n"
            "        os.kill(PID, 0)\n"
            "        alive = True\n"
            "    except ProcessLookupError:\n"
            "        alive = False\n"
            f"    with open({str(marker)!r}, 'w') as f:\n"
            "        f.write(f'connected={client.is_connected()} server_alive={alive}')\n"
            "atexit.register(report)\n"
            "from mcpclient import SyncClient\n"
            f"print('EXECUTABLE', sys.executable == {sys.executable!r})\n"
            f"client = SyncClient({str(everything_script)!r})\n"
            "r = client.call_tool('write_stderr', {'text': 'noise on the server stderr'})\n"
            "print('STDERR TOOL', r.data)"
        ),
        _code_cell(
            "print('ADD', client.call_tool('add', {'a': 2, 'b': 3}).data)\n"
            "PID = client.call_tool('getpid').data\n"
            "print('PID', PID)"
        ),
        _code_cell("client.list_tools()"),
        _code_cell("client.call_tool('echo', {'text': 'hi <there>'})"),
    ]
    km = KernelManager(kernel_name="mcpclient-test", shutdown_wait_time=30)
    executor = nbclient.NotebookClient(
        notebook, km=km, timeout=90, allow_errors=False, resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        executor.execute()  # starts the kernel and runs every cell; the kernel stays up (we own `km`)
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=False)  # a graceful shutdown: the kernel exits and runs its atexit handlers

    first, second, listing, _echo = (_outputs_text(cell) for cell in notebook.cells)
    assert "EXECUTABLE True" in first
    assert "STDERR TOOL noise on the server stderr" in first  # the server's stderr did not break the cell
    assert "ADD 5" in second
    pid = int(second.split("PID", 1)[1].split()[0])

    [listing_output] = notebook.cells[2].outputs
    assert listing_output.output_type == "execute_result"
    assert listing_output.data["text/html"].startswith("<table") and "<code>write_stderr</code>" in listing
    [echo_output] = notebook.cells[3].outputs
    assert "hi &lt;there&gt;" in echo_output.data["text/html"]
    assert "hi <there>" in echo_output.data["text/markdown"]
    assert "error" not in {o.output_type for cell in notebook.cells for o in cell.outputs}

    # The SyncClient the notebook never closed was closed at kernel exit, its server with it.
    assert not km.is_alive()
    assert marker.read_text() == "connected=False server_alive=False"
    wait_for(lambda: not pid_alive(pid), timeout=15, message=f"server process {pid} outlived the kernel")
