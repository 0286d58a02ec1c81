"""The `mcpclient` command line, run for real: `python -m mcpclient ...` in a subprocess (a fork
of a preloaded interpreter, tests/zygote.py; `MCPCLIENT_TESTS_NO_ZYGOTE=1` for fresh ones).

Against the everything server over stdio (`everything_script`) and Streamable HTTP
(`http_url`): every subcommand, JSON and human output, `key=value` typing, exit codes
0/1/2/3, no traceback for user errors, `--server` with a config file and with the
Claude Desktop / Cursor / VS Code configurations `discover` finds (HOME, APPDATA,
XDG_CONFIG_HOME and the working directory point into a temporary directory).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from helpers import pid_alive
from servers.everything import PROMPT_NAMES, RESOURCE_URIS, TOOL_NAMES

from mcpclient.cli import UsageError, parse_tool_arguments

REPO = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO / ".cache" / "npm" / "node_modules"
_RUN_TIMEOUT = 50.0


_preloaded: list[str] = []  # `cli_command` (conftest.py): `python -m mcpclient` in a preloaded interpreter


@pytest.fixture(autouse=True)
def _cli_in_a_preloaded_interpreter(cli_command: list[str]) -> None:
    # A test that checks a fresh interpreter's start-up passes `python=`.
    if not _preloaded:
        _preloaded.extend(cli_command)


def run_cli(
    *args: Any, env: Mapping[str, str] | None = None, cwd: Path | None = None, python: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m mcpclient ARGS` and return it (stdout, stderr, returncode)."""
    command = python or _preloaded or [sys.executable, "-m", "mcpclient"]
    return subprocess.run(
        [*command, *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=_RUN_TIMEOUT,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def fails(result: subprocess.CompletedProcess[str], code: int) -> str:
    """Assert the exit code and a clean one-line error; return stderr."""
    assert result.returncode == code, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("mcpclient") or result.stderr.startswith("usage:"), result.stderr
    return result.stderr


@pytest.fixture
def script(everything_script: Path) -> str:
    return str(everything_script)


@pytest.fixture
def free_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mcp"  # nothing listens there once the socket is closed


# --------------------------------------------------------------------------------- listings


def test_tools_json(script: str) -> None:
    data = json.loads(ok(run_cli("tools", script, "--json")))
    tools = {t["name"]: t for t in data["tools"]}
    assert set(tools) >= TOOL_NAMES
    assert tools["add"]["inputSchema"]["properties"]["a"]["type"] == "integer"


def test_tools_human(script: str) -> None:
    out = ok(run_cli("tools", script))
    assert "Tool" in out and "Description" in out
    add = next(line for line in out.splitlines() if line.startswith("add "))
    assert "a: integer, b: integer" in add and "Add two integers." in add
    assert "message?: string" in out  # optional parameters are marked


@pytest.mark.timeout(150)
def test_tools_human_without_rich(script: str) -> None:
    # `sys.modules["rich"] = None` makes `import rich` fail: the plain-text fallback.
    python = [
        sys.executable,
        "-c",
        "import sys; sys.modules['rich'] = None; from mcpclient.cli import main; sys.exit(main())",
    ]
    out = ok(run_cli("tools", script, python=python))
    lines = out.splitlines()
    assert lines[0].split() == ["Tool", "Parameters", "Description"] and set(lines[1]) <= {"-", " "}
    assert any(line.startswith("add ") and "a: integer, b: integer" in line for line in lines)


@pytest.mark.timeout(150)
def test_resources(script: str) -> None:
    data = json.loads(ok(run_cli("resources", script, "--json")))
    assert {r["uri"] for r in data["resources"]} == RESOURCE_URIS
    assert [t["uriTemplate"] for t in data["resourceTemplates"]] == ["users://{user_id}/profile"]
    out = ok(run_cli("resources", script))
    assert "data://greeting" in out and "application/octet-stream" in out and "users://{user_id}/profile" in out


@pytest.mark.timeout(150)
def test_prompts(script: str) -> None:
    data = json.loads(ok(run_cli("prompts", script, "--json")))
    assert {p["name"] for p in data["prompts"]} == PROMPT_NAMES
    out = ok(run_cli("prompts", script))
    assert "greet" in out and "text, max_words?, style?" in out


# --------------------------------------------------------------------------------- operations


def test_call_key_value(script: str) -> None:
    assert ok(run_cli("call", script, "add", "a=2", "b=40")) == "42\n"


def early_pid(stderr: str) -> int:
    """The pid of the server the CLI started before importing the client (from its --debug log)."""
    match = re.search(r"started server process (\d+) early", stderr)
    assert match, stderr
    return int(match.group(1))


@pytest.mark.timeout(150)
def test_server_started_before_the_client_is_imported(script: str) -> None:
    # The CLI starts a stdio server first and the transport adopts it: both start-ups overlap.
    result = run_cli("call", script, "getpid", "--debug")
    pid = int(ok(result).strip())
    assert pid == early_pid(result.stderr)
    assert f"adopted server process {pid} (started early)" in result.stderr
    assert not pid_alive(pid)  # the CLI ended (and reaped) it before exiting
    # Without it (the plain transport path) the result is the same.
    plain = run_cli("call", script, "getpid", "--debug", env={"MCPCLIENT_NO_EARLY_SPAWN": "1"})
    assert int(ok(plain).strip()) > 0 and "started server process" not in plain.stderr


@pytest.mark.timeout(150)
def test_early_server_ended_on_errors(script: str, tmp_path: Path) -> None:
    # An error after connecting: the adopted server is closed as usual.
    result = run_cli("call", script, "nope", "--debug")
    assert result.returncode == 2 and not pid_alive(early_pid(result.stderr))
    # An invalid config entry is found only after the server was started: it is discarded.
    entry = {"command": sys.executable, "args": [script], "keep_alive": "sometimes"}
    config = write_json(tmp_path / "mcp.json", {"mcpServers": {"bad": entry}})
    result = run_cli("tools", config, "--debug")
    assert result.returncode == 2 and "keep_alive" in result.stderr
    assert "adopted" not in result.stderr and not pid_alive(early_pid(result.stderr))


def test_call_json_object_and_json_output(script: str) -> None:
    data = json.loads(ok(run_cli("call", script, "get_user", '{"user_id": 7}', "--json")))
    assert data["isError"] is False
    assert data["structuredContent"]["address"]["city"] == "Springfield"
    assert data["content"][0]["type"] == "text"


@pytest.mark.timeout(150)
def test_call_values_typed_from_schema(script: str) -> None:
    # echo's `text` is a string: kept as written. echo_json's `value` has no type: JSON when it parses.
    assert ok(run_cli("call", script, "echo", "text=007")) == "007\n"
    data = json.loads(ok(run_cli("call", script, "echo_json", 'value={"a": [1, true, null]}', "--json")))
    assert data["structuredContent"] == {"result": {"a": [1, True, None]}}


def test_source_first_form(script: str) -> None:
    assert ok(run_cli(script, "call", "add", "a=1", "b=2")) == "3\n"


@pytest.mark.timeout(150)
def test_read_text_and_blob(script: str) -> None:
    assert json.loads(ok(run_cli("read", script, "data://config")))["retries"] == 3
    data = json.loads(ok(run_cli("read", script, "data://blob", "--json")))
    [blob] = data["contents"]
    assert blob["uri"] == "data://blob" and blob["mimeType"] == "application/octet-stream"
    # Human output of a single blob to a pipe: the raw bytes.
    raw = subprocess.run(
        [sys.executable, "-m", "mcpclient", "read", script, "data://blob"], capture_output=True, timeout=_RUN_TIMEOUT
    )
    assert raw.returncode == 0 and raw.stdout == bytes(range(256))


@pytest.mark.timeout(150)
def test_prompt(script: str) -> None:
    out = ok(run_cli("prompt", script, "greet", "name=Ada"))
    assert "[user]" in out and "Hello, Ada!" in out
    data = json.loads(ok(run_cli("prompt", script, "summarize", '{"text": "abc", "max_words": 5}', "--json")))
    assert data["messages"][0]["role"] == "user"


@pytest.mark.timeout(150)
def test_ping(script: str) -> None:
    assert ok(run_cli("ping", script)).startswith("ok: everything 1.0.0 (protocol ")
    data = json.loads(ok(run_cli("ping", script, "--json")))
    assert data["ok"] is True and data["server"]["name"] == "everything" and data["ms"] >= 0


@pytest.mark.timeout(150)
def test_server_stderr_stays_out_of_the_way(script: str) -> None:
    result = run_cli("call", script, "write_stderr", "text=noise from the server")
    assert ok(result) == "noise from the server\n"
    assert "noise from the server" not in result.stderr
    verbose = run_cli("call", script, "write_stderr", "text=noise from the server", "-v")
    assert "noise from the server" in ok(verbose) and "noise from the server" in verbose.stderr


# --------------------------------------------------------------------------------- HTTP


def test_http_listing_with_headers_and_bearer(http_url: str) -> None:
    data = json.loads(
        ok(run_cli("tools", http_url, "--json", "--header", "X-Trace=1", "-H", "X-Other: 2", "--bearer", "t0k"))
    )
    assert {t["name"] for t in data["tools"]} >= TOOL_NAMES


@pytest.mark.timeout(150)
def test_http_call_and_read(http_url: str) -> None:
    assert ok(run_cli("call", http_url, "add", "a=5", "b=6", "--timeout", "20")) == "11\n"
    assert ok(run_cli("read", http_url, "data://greeting")).strip()


# --------------------------------------------------------------------------------- exit codes


@pytest.mark.timeout(150)
def test_tool_error_exits_1(script: str) -> None:
    result = run_cli("call", script, "fail_exact", "message=it broke")
    stderr = fails(result, 1)
    assert stderr.strip() == "mcpclient: tool 'fail_exact' failed: it broke"
    assert result.stdout == ""
    data = json.loads(run_cli("call", script, "fail", "message=boom", "--json").stdout)
    assert data["isError"] is True and "boom" in data["content"][0]["text"]


def test_protocol_error_exits_1(script: str) -> None:
    stderr = fails(run_cli("read", script, "data://nope"), 1)
    assert "data://nope" in stderr and len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["call", "{script}", "nope"], "unknown tool 'nope'"),
        (["call", "{script}", "add", "a=x", "b=1"], "argument 'a': expected integer, got 'x'"),
        (["call", "{script}", "add", "{{not json"], "not a valid JSON object"),
        (["call", "{script}", "add", "a"], "expected key=value"),
    ],
)
def test_bad_arguments_exit_2(script: str, args: list[str], message: str) -> None:
    stderr = fails(run_cli(*(a.format(script=script) for a in args)), 2)
    assert message in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "usage:"),
        (["frobnicate", "x.py"], "unknown command 'frobnicate'"),
        (["tools"], "missing SOURCE"),
        (["tools", "no/such/server.py"], "no such server script: no/such/server.py"),
        (["tools", "server.txt"], "cannot tell how to run 'server.txt'"),
        (["tools", "ftp://example.com/mcp"], "unsupported URL scheme 'ftp'"),
        (["tools", "x.py", "--bogus"], "unrecognized arguments: --bogus"),
        (["tools", "http://127.0.0.1:9/mcp", "--env", "A=1"], "--env and --python apply to stdio servers"),
        (["tools", "--header", "nonsense", "http://127.0.0.1:9/mcp"], "--header expects KEY=VALUE"),
        (["tools", "missing.json"], "no such config file: missing.json"),
        (["tools", "--timeout", "-1", "x.py"], "must be positive"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    stderr = fails(run_cli(*args, cwd=tmp_path), 2)
    assert message in stderr


def test_missing_command_exits_2(tmp_path: Path) -> None:
    stderr = fails(run_cli("ping", "--command", "no-such-mcp-server-binary --x", cwd=tmp_path), 2)
    assert "executable not found: 'no-such-mcp-server-binary'" in stderr


def test_connection_refused_exits_3(free_port_url: str) -> None:
    stderr = fails(run_cli("tools", free_port_url), 3)
    assert "could not connect" in stderr and len(stderr.strip().splitlines()) == 1


def test_server_startup_failure_exits_3(startup_fail_script: Path) -> None:
    stderr = fails(run_cli("tools", startup_fail_script), 3)
    # One line: what happened, the exit code and the server's last stderr line.
    assert len(stderr.strip().splitlines()) == 1
    assert "exited during start-up" in stderr and "exit code 3" in stderr and "boom: bad config" in stderr


def test_timeout_exits_3(script: str) -> None:
    stderr = fails(run_cli("call", script, "sleep", "seconds=30", "--timeout", "1"), 3)
    assert "timed out" in stderr


def test_debug_shows_traceback(free_port_url: str) -> None:
    result = run_cli("tools", free_port_url, "--debug")
    assert result.returncode == 3
    assert "Traceback" in result.stderr and "ConnectionFailedError" in result.stderr


# --------------------------------------------------------------------------------- configs


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def everything_entry(script: str, **env: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": sys.executable, "args": [script]}
    if env:
        entry["env"] = env
    return entry


@pytest.mark.timeout(150)
def test_server_from_config_file(script: str, http_url: str, tmp_path: Path) -> None:
    config = write_json(
        tmp_path / "mcp.json",
        {"mcpServers": {"local": everything_entry(script, GREETING="hi"), "remote": {"url": http_url}}},
    )
    assert ok(run_cli("call", config, "--server", "local", "getenv", "name=GREETING")) == "hi\n"
    # --env adds to the entry's environment; the option may come before the config path.
    assert ok(run_cli("call", "--server", "local", "-e", "EXTRA=x", config, "getenv", "name=EXTRA")) == "x\n"
    assert ok(run_cli("call", config, "--server", "remote", "add", "a=1", "b=1")) == "2\n"
    stderr = fails(run_cli("tools", config, "--server", "nope"), 2)
    assert "no server 'nope'" in stderr and "local, remote" in stderr


@pytest.mark.timeout(150)
def test_whole_config_file_prefixes_names(script: str, tmp_path: Path) -> None:
    config = write_json(
        tmp_path / "mcp.json", {"mcpServers": {"one": everything_entry(script), "two": everything_entry(script)}}
    )
    names = {t["name"] for t in json.loads(ok(run_cli("tools", config, "--json")))["tools"]}
    assert {"one_add", "two_add"} <= names


def test_invalid_config_exits_2(tmp_path: Path) -> None:
    config = write_json(tmp_path / "mcp.json", {"mcpServers": {"bad": {"command": "x", "args": "not-a-list"}}})
    stderr = fails(run_cli("tools", config), 2)
    assert "bad" in stderr and "args" in stderr


@pytest.fixture
def fake_home(tmp_path: Path) -> dict[str, Any]:
    """HOME, APPDATA and XDG_CONFIG_HOME in tmp_path, with a project directory to run in."""
    home = tmp_path / "home"
    project = tmp_path / "project" / "sub"
    project.mkdir(parents=True)
    home.mkdir()
    env = {"HOME": str(home), "APPDATA": str(tmp_path / "appdata"), "XDG_CONFIG_HOME": str(home / ".config")}
    return {"home": home, "project": project, "root": tmp_path, "env": env}


@pytest.mark.timeout(150)
def test_discover(fake_home: dict[str, Any], script: str, http_url: str) -> None:
    home, root = fake_home["home"], fake_home["root"]
    write_json(
        home / ".config" / "Claude" / "claude_desktop_config.json",
        {"mcpServers": {"claude-linux": everything_entry(script, TOKEN="s3cret")}},
    )
    write_json(
        root / "appdata" / "Claude" / "claude_desktop_config.json",
        {"mcpServers": {"claude-windows": {"command": "npx", "args": ["-y", "pkg"]}}},
    )
    write_json(
        home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json",
        {"mcpServers": {"claude-mac": {"url": "https://example.com/sse"}}},
    )
    write_json(home / ".cursor" / "mcp.json", {"mcpServers": {"cursor-user": {"url": http_url}}})
    write_json(root / "project" / ".cursor" / "mcp.json", {"mcpServers": {"cursor-project": everything_entry(script)}})
    (root / "project" / ".vscode").mkdir()
    (root / "project" / ".vscode" / "mcp.json").write_text(
        textwrap.dedent(
            """\
            {
              // VS Code writes comments and trailing commas
              "servers": {
                "vscode-workspace": {"type": "stdio", "command": "${workspaceFolder}/run.sh", "args": ["--x"]},
                "vscode-sse": {"type": "sse", "url": "https://example.com/events"},
              },
            }
            """
        )
    )
    write_json(
        home / ".config" / "Code" / "User" / "settings.json",
        {"editor.tabSize": 2, "mcp": {"servers": {"vscode-user": {"command": "uvx", "args": ["mcp-server-time"]}}}},
    )
    (home / ".config" / "Code" / "User" / "mcp.json").write_text("{broken")

    result = run_cli("discover", "--json", env=fake_home["env"], cwd=fake_home["project"])
    servers = json.loads(ok(result))["servers"]
    found = {s["name"]: s for s in servers}
    # Project configurations first, then the user's.
    assert [s["name"] for s in servers] == [
        "cursor-project",
        "vscode-workspace",
        "vscode-sse",
        "claude-mac",
        "claude-windows",
        "claude-linux",
        "cursor-user",
        "vscode-user",
    ]
    assert found["cursor-project"]["client"] == "Cursor (project)"
    assert found["vscode-workspace"]["command"] == f"{root / 'project'}/run.sh"  # ${workspaceFolder}
    assert found["vscode-sse"]["transport"] == "sse" and found["claude-mac"]["transport"] == "sse"
    assert found["cursor-user"]["transport"] == "http" and found["cursor-user"]["url"] == http_url
    assert found["claude-linux"]["env_keys"] == ["TOKEN"] and "s3cret" not in result.stdout
    assert found["vscode-user"]["client"] == "VS Code" and found["vscode-user"]["args"] == ["mcp-server-time"]
    assert "warning: skipped" in result.stderr and "Code/User/mcp.json" in result.stderr  # unreadable, not fatal

    human = ok(run_cli("discover", env=fake_home["env"], cwd=fake_home["project"]))
    assert "cursor-project" in human and "Claude Desktop" in human and "uvx mcp-server-time" in human


@pytest.mark.timeout(150)
def test_discover_nothing_configured(fake_home: dict[str, Any]) -> None:
    out = ok(run_cli("discover", env=fake_home["env"], cwd=fake_home["project"]))
    assert "No MCP servers configured" in out
    assert json.loads(ok(run_cli("discover", "--json", env=fake_home["env"], cwd=fake_home["project"]))) == {
        "servers": []
    }


@pytest.mark.timeout(150)
def test_server_name_looked_up_in_discovered_configs(fake_home: dict[str, Any], script: str, http_url: str) -> None:
    home = fake_home["home"]
    write_json(
        home / ".config" / "Claude" / "claude_desktop_config.json",
        {"mcpServers": {"every": everything_entry(script, WHO="claude")}},
    )
    write_json(
        home / ".cursor" / "mcp.json",
        {"mcpServers": {"every": everything_entry(script, WHO="cursor"), "web": {"url": http_url}}},
    )
    run = {"env": fake_home["env"], "cwd": fake_home["project"]}
    # Claude Desktop's comes first; `client:name` picks another client's server of that name.
    assert ok(run_cli("call", "--server", "every", "getenv", "name=WHO", **run)) == "claude\n"
    assert ok(run_cli("call", "--server", "cursor:every", "getenv", "name=WHO", **run)) == "cursor\n"
    # A bare name as SOURCE works too, and --bearer / --header apply to a discovered URL server.
    assert ok(run_cli("call", "web", "add", "a=2", "b=2", "--bearer", "t", **run)) == "4\n"
    stderr = fails(run_cli("tools", "--server", "missing", **run), 2)
    assert "no server named 'missing'" in stderr and "every, web" in stderr


# --------------------------------------------------------------------------------- other servers


@pytest.mark.timeout(150)
def test_fastmcp_server_script(tmp_path: Path) -> None:
    pytest.importorskip("fastmcp")
    server = tmp_path / "fm_server.py"
    server.write_text(
        textwrap.dedent(
            """\
            from fastmcp import FastMCP

            mcp = FastMCP("fm")

            @mcp.tool
            def scale(values: list[float], factor: float = 2.0, round_up: bool = False) -> list[float]:
                \"\"\"Multiply each value.\"\"\"
                return [v * factor for v in values]

            if __name__ == "__main__":
                mcp.run(show_banner=False)
            """
        )
    )
    data = json.loads(ok(run_cli("call", server, "scale", "values=1,2.5", "factor=3", "round_up=yes", "--json")))
    assert data["structuredContent"] == {"result": [3.0, 7.5]}


@pytest.mark.timeout(900)  # may install the pinned npm packages on a cold cache
def test_node_server_strict_typing() -> None:
    from interop import _install

    try:
        _install.ensure_npm_packages()
    except Exception as exc:  # registry unreachable or no npm: nothing to test against
        pytest.skip(f"npm packages unavailable: {exc}")
    # The TypeScript SDK validates strictly with zod: a boolean or number sent as a string is rejected.
    script = NODE_MODULES / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
    env_option = ["--env", f"NODE_PATH={NODE_MODULES}"]
    data = json.loads(
        ok(
            run_cli(
                "call",
                script,
                "get-annotated-message",
                "messageType=success",
                "includeImage=true",
                "--json",
                *env_option,
            )
        )
    )
    assert "image" in {block["type"] for block in data["content"]}
    data = json.loads(ok(run_cli("call", script, "get-resource-links", "count=2", "--json", *env_option)))
    assert [block["type"] for block in data["content"]].count("resource_link") == 2


# --------------------------------------------------------------------------------- entry points


def test_console_script_and_version() -> None:
    executable = Path(sys.executable).parent / ("mcpclient.exe" if os.name == "nt" else "mcpclient")
    assert executable.exists()
    result = run_cli("--version", python=[str(executable)])
    assert ok(result).startswith("mcpclient ")
    assert "call" in ok(run_cli("--help"))
    assert "--bearer" in ok(run_cli("call", "--help"))


# --------------------------------------------------------------------------------- argument typing (in-process)


SCHEMA = {
    "type": "object",
    "properties": {
        "s": {"type": "string"},
        "i": {"type": "integer"},
        "n": {"type": "number"},
        "b": {"type": "boolean"},
        "arr": {"type": "array", "items": {"type": "integer"}},
        "obj": {"type": "object"},
        "opt": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "ref": {"$ref": "#/$defs/Level"},
        "any": {},
    },
    "$defs": {"Level": {"enum": ["low", "high"]}},
}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("s=007", {"s": "007"}),
        ("s=true", {"s": "true"}),
        ("s=", {"s": ""}),
        ("s=a=b", {"s": "a=b"}),
        ("i=-3", {"i": -3}),
        ("n=2", {"n": 2}),
        ("n=2.5", {"n": 2.5}),
        ("b=true", {"b": True}),
        ("b=No", {"b": False}),
        ("arr=[1, 2]", {"arr": [1, 2]}),
        ("arr=1,2,3", {"arr": [1, 2, 3]}),
        ('obj={"k": [1]}', {"obj": {"k": [1]}}),
        ("opt=null", {"opt": None}),
        ("opt=4", {"opt": 4}),
        ("either=4", {"either": 4}),
        ("either=four", {"either": "four"}),
        ("ref=high", {"ref": "high"}),
        ("any=12", {"any": 12}),
        ('any="12"', {"any": "12"}),
        ("any=plain text", {"any": "plain text"}),
        ("unknown=[1]", {"unknown": [1]}),
    ],
)
def test_parse_tool_arguments(item: str, expected: dict[str, Any]) -> None:
    assert parse_tool_arguments([item], SCHEMA) == expected


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["i=1.5"], "argument 'i': expected integer, got '1.5'"),
        (["b=maybe"], "argument 'b': expected boolean"),
        (["obj=[1]"], "argument 'obj': expected object"),
        (["arr=1,x"], "argument 'arr': expected integer, got 'x'"),
        (["i=1", "i=2"], "given twice"),
        (["novalue"], "expected key=value"),
        (['{"a": '], "not a valid JSON object"),
    ],
)
def test_parse_tool_arguments_errors(items: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_tool_arguments(items, SCHEMA)


def test_parse_tool_arguments_json_object_is_taken_as_is() -> None:
    assert parse_tool_arguments(['{"i": "1", "x": [true]}'], SCHEMA) == {"i": "1", "x": [True]}
