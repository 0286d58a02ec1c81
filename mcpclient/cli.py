"""The `mcpclient` command: talk to any MCP server from a shell.

    mcpclient tools server.py                     list tools (a table; --json for scripts)
    mcpclient call server.py add a=1 b=2          call a tool; values typed from its input schema
    mcpclient call server.py add '{"a": 1, "b": 2}'
    mcpclient resources https://host/mcp --bearer TOKEN
    mcpclient read server.py data://greeting
    mcpclient prompts mcp.json --server weather
    mcpclient prompt server.py greet name=Ada
    mcpclient ping --server github                a server configured in Claude Desktop, Cursor or VS Code
    mcpclient discover                            list those servers

A source is a `.py` / `.js` server script (run directly: `python server.py`, `node server.js`),
an http(s) URL (Streamable HTTP; SSE when the path has an `/sse` segment), an `mcp.json`
file (all its servers, or one with `--server NAME`), `--command "CMD ARGS"`, or the name of
a discovered server. `mcpclient SOURCE COMMAND ...` works too.

Exit codes: 0 ok, 1 the tool (or server) reported an error, 2 usage or configuration error,
3 could not connect (or the connection was lost / timed out), 130 interrupted.

Start-up is kept short: only argparse and the standard library are imported until a server
is contacted; the client (and the mcp SDK) is imported then, rich only for human output. A
stdio server is started *before* that import (`_EarlyServer`) and handed to its transport,
so the two start-ups overlap.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._jsonschema import resolve_ref

if TYPE_CHECKING:
    from .sync import SyncClient

__all__ = ["main", "parse_tool_arguments"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3
EXIT_INTERRUPTED = 130

_PROG = "mcpclient"
_SERVER_COMMANDS = ("tools", "call", "resources", "read", "prompts", "prompt", "ping")
_COMMANDS = (*_SERVER_COMMANDS, "discover")
# Options that take a value: their value is never mistaken for the command name.
_VALUE_OPTIONS = frozenset(
    {"--server", "--header", "-H", "--bearer", "--env", "-e", "--command", "--timeout", "--python"}
)

_DESCRIPTIONS = {
    "tools": "List the server's tools.",
    "call": "Call a tool. Arguments: one JSON object, or key=value pairs typed by the tool's input schema.",
    "resources": "List the server's resources and resource templates.",
    "read": "Read a resource and print its contents.",
    "prompts": "List the server's prompts.",
    "prompt": "Get a prompt rendered with key=value arguments (or one JSON object).",
    "ping": "Check that the server answers.",
    "discover": "List the servers configured in Claude Desktop, Cursor and VS Code.",
}
_USAGE_TAIL = {
    "tools": "[SOURCE]",
    "call": "[SOURCE] TOOL [KEY=VALUE ... | JSON]",
    "resources": "[SOURCE]",
    "read": "[SOURCE] URI",
    "prompts": "[SOURCE]",
    "prompt": "[SOURCE] PROMPT [KEY=VALUE ... | JSON]",
    "ping": "[SOURCE]",
    "discover": "",
}


class UsageError(Exception):
    """A mistake in the command line or the configuration: exit code 2."""


# --------------------------------------------------------------------------------- parsing


def _top_parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<10} {text}" for name, text in _DESCRIPTIONS.items())
    parser = argparse.ArgumentParser(
        prog=_PROG,
        usage=f"{_PROG} COMMAND [SOURCE] [ARGS...] [OPTIONS]",
        description="Talk to MCP servers: list and call tools, read resources, get prompts.",
        epilog=f"commands:\n{commands}\n\n{_SOURCES_HELP}\n\nRun '{_PROG} COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{_PROG} {_version()}")
    return parser


_SOURCES_HELP = """\
SOURCE is a server script (server.py, server.js), an http(s) URL, an mcp.json file
(with --server NAME for one of its servers), or the name of a server configured in
Claude Desktop, Cursor or VS Code (see 'mcpclient discover'); or a command line as the
last words (tools, resources, prompts, ping: 'mcpclient tools npx -y @pkg/server'), or
--command "CMD ARGS".

exit codes: 0 ok, 1 tool/server error, 2 usage or config error, 3 connection error"""


def _version() -> str:
    from . import __version__

    return __version__


def _command_parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{_PROG} {command}",
        usage=f"{_PROG} {command} {_USAGE_TAIL[command]} [OPTIONS]".replace("  ", " "),
        description=_DESCRIPTIONS[command],
        epilog=_SOURCES_HELP if command != "discover" else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if command != "discover":
        parser.add_argument("items", nargs="*", metavar="ARG", help=argparse.SUPPRESS)
        source = parser.add_argument_group("server")
        source.add_argument("--server", metavar="NAME", help="a server of the mcp.json SOURCE, or a discovered server")
        source.add_argument("--command", metavar="CMD", help='run a stdio server command, e.g. "npx -y @pkg/server"')
        source.add_argument(
            "--header", "-H", action="append", default=[], metavar="K=V", help="HTTP header (repeatable)"
        )
        source.add_argument("--bearer", metavar="TOKEN", help="HTTP bearer token (Authorization: Bearer TOKEN)")
        source.add_argument(
            "--env", "-e", action="append", default=[], metavar="K=V", help="environment variable for a stdio server"
        )
        source.add_argument("--python", metavar="CMD", help="interpreter for a .py server (default: this one)")
        source.add_argument(
            "--timeout", type=_seconds, metavar="SECONDS", help="limit for connecting and for each request"
        )
    parser.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show server stderr and log messages")
    parser.add_argument("--debug", action="store_true", help="show debug logs and tracebacks")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _split_command(argv: list[str]) -> tuple[str | None, list[str]]:
    """The command name and the other arguments (`mcpclient SOURCE COMMAND ...` is accepted too)."""
    skip = False
    for index, token in enumerate(argv):
        if skip:
            skip = False
            continue
        if token in _VALUE_OPTIONS:
            skip = True
            continue
        if token == "--":
            break
        if token in _COMMANDS:
            return token, argv[:index] + argv[index + 1 :]
        if not token.startswith("-") and index > 0:
            break  # only the first positional may precede the command
    return None, argv


# Commands without positional arguments after SOURCE: there, SOURCE may be a whole command line.
_SOURCE_ONLY_COMMANDS = frozenset({"tools", "resources", "prompts", "ping"})


def _command_source(command: str, argv: list[str]) -> tuple[list[str], list[str] | None]:
    """Split off a server command given as the source (`mcpclient tools npx -y @pkg/server`).

    As with MCP Inspector: when the first positional word is not a script, URL or mcp.json and
    more words follow, it and everything after it are the server's command line (so our own
    options go before it). Only for commands that take nothing after SOURCE.
    """
    if command not in _SOURCE_ONLY_COMMANDS:
        return argv, None
    skip = False
    for index, token in enumerate(argv):
        if skip:
            skip = False
        elif token == "--":
            words = argv[index + 1 :]
            return (argv[:index], words) if words else (argv[:index], None)
        elif token.startswith("-"):
            skip = token in _VALUE_OPTIONS
        else:
            suffix = os.path.splitext(token)[1].lower()
            if index + 1 < len(argv) and "://" not in token and suffix not in (".py", ".js", ".json"):
                return argv[:index], argv[index:]
            return argv, None
    return argv, None


def _pairs(items: Sequence[str], option: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if option == "--header" and not sep:
            key, sep, value = item.partition(":")
        if not sep or not key.strip():
            raise UsageError(f"{option} expects KEY=VALUE, got {item!r}")
        result[key.strip()] = value.strip() if option == "--header" else value
    return result


# --------------------------------------------------------------------------------- sources


class _Target:
    """What to connect to, described without importing the client.

    `kind` is "script" (a .py/.js path), "command" (argv of a stdio server), "url", "entry"
    (one server of a config: `value` is its name, `entry` its raw dict) or "config" (a whole
    `mcpServers` dict). `launch` is the stdio command line, extra environment and working
    directory when the server can be started before the client is imported (see `_EarlyServer`).
    """

    def __init__(
        self,
        kind: str,
        value: Any,
        *,
        options: dict[str, Any] | None = None,
        entry: dict[str, Any] | None = None,
        launch: tuple[list[str], dict[str, str], str | None] | None = None,
    ) -> None:
        self.kind = kind
        self.value = value
        self.options = options or {}
        self.entry = entry
        self.launch = launch


def _resolve_target(args: argparse.Namespace, items: list[str]) -> _Target:
    """Pick the source from the options and the leading positional argument (consumed from `items`)."""
    headers = _pairs(args.header, "--header")
    env = _pairs(args.env, "--env")
    words = getattr(args, "command_words", None)
    if words is not None and (args.command is not None or args.server is not None):
        raise UsageError(f"give the server as a command ({' '.join(words)}), --command or --server, not several")
    if args.command is not None or words is not None:
        if args.server is not None:
            raise UsageError("use either --command or --server, not both")
        return _command_target(args.command, env, headers, args, words=words)
    if args.server is not None:
        if items and items[0].lower().endswith(".json"):
            return _config_target(items.pop(0), args.server, headers, env, args)
        return _discovered_target(args.server, headers, env, args)
    if not items:
        raise UsageError("missing SOURCE: a server script, URL, mcp.json, --server NAME or --command CMD")
    return _source_target(items.pop(0), headers, env, args)


def _no_http_options(headers: Mapping[str, str], args: argparse.Namespace, what: str) -> None:
    if headers or args.bearer:
        raise UsageError(f"--header and --bearer apply to http(s) servers, not to {what}")


def _no_stdio_options(env: Mapping[str, str], args: argparse.Namespace, what: str) -> None:
    if env or args.python:
        raise UsageError(f"--env and --python apply to stdio servers, not to {what}")


def _command_target(
    command: str | None,
    env: dict[str, str],
    headers: dict[str, str],
    args: argparse.Namespace,
    words: list[str] | None = None,
) -> _Target:
    import shlex

    _no_http_options(headers, args, "--command")
    if args.python:
        raise UsageError("--python applies to .py server scripts, not to --command")
    if words is None:
        try:
            words = shlex.split(command or "", posix=os.name != "nt")
        except ValueError as exc:
            raise UsageError(f"--command: {exc}") from None
    if not words:
        raise UsageError("--command is empty")
    return _Target("command", words, options={"env": env}, launch=(words, env, None))


def _source_target(source: str, headers: dict[str, str], env: dict[str, str], args: argparse.Namespace) -> _Target:
    if "://" in source:
        scheme = source.split("://", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise UsageError(f"unsupported URL scheme {scheme!r}: use an http(s) URL")
        _no_stdio_options(env, args, "a URL")
        options: dict[str, Any] = {}
        if headers:
            options["headers"] = headers
        if args.bearer:
            options["auth"] = args.bearer
        return _Target("url", source, options=options)
    suffix = os.path.splitext(source)[1].lower()
    if suffix == ".json":
        return _config_target(source, None, headers, env, args)
    if suffix in (".py", ".js"):
        if not os.path.isfile(source):
            raise UsageError(f"no such server script: {source}")
        _no_http_options(headers, args, "a server script")
        if args.python and suffix != ".py":
            raise UsageError("--python applies to .py server scripts")
        interpreter = (args.python or sys.executable) if suffix == ".py" else "node"
        return _Target("script", source, options={"env": env}, launch=([interpreter, source], env, None))
    if os.path.exists(source) or os.sep in source or "/" in source or suffix:
        raise UsageError(
            f"cannot tell how to run {source!r}: expected a .py or .js server script, an http(s) URL, "
            "an mcp.json file, --command CMD, or the name of a configured server"
        )
    return _discovered_target(source, headers, env, args)


def _load_config(path: str) -> dict[str, Any]:
    from .discover import read_jsonc

    try:
        data = read_jsonc(path)
    except FileNotFoundError:
        raise UsageError(f"no such config file: {path}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read config {path}: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: an MCP config must be a JSON object")
    return data


def _config_servers(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    servers = data.get("mcpServers", data.get("servers"))
    if not isinstance(servers, dict) or not servers:
        raise UsageError(f"{path}: no servers (expected an 'mcpServers' object)")
    return servers


def _config_target(
    path: str, name: str | None, headers: dict[str, str], env: dict[str, str], args: argparse.Namespace
) -> _Target:
    servers = _config_servers(_load_config(path), path)
    if name is None:
        if len(servers) > 1:
            if headers or env or args.bearer or args.python:
                raise UsageError(f"{path} has several servers: choose one with --server ({', '.join(servers)})")
            return _Target("config", {"mcpServers": servers})
        name = next(iter(servers))
    if name not in servers:
        raise UsageError(f"no server {name!r} in {path} (it has: {', '.join(servers)})")
    return _entry_target(name, servers[name], headers, env, args, where=path)


def _discovered_target(name: str, headers: dict[str, str], env: dict[str, str], args: argparse.Namespace) -> _Target:
    from .discover import discover_servers, find_server

    servers = discover_servers()
    found = find_server(name, servers=servers)
    if found is None:
        known = ", ".join(dict.fromkeys(s.name for s in servers)) or "none"
        raise UsageError(
            f"no server named {name!r} in the Claude Desktop, Cursor or VS Code configuration (configured: {known}); "
            f'give a script, URL or mcp.json as SOURCE, or run a command with --command "{name} ARGS"'
        )
    return _entry_target(found.name, dict(found.entry), headers, env, args, where=f"{found.client} ({found.path})")


def _entry_target(
    name: str, entry: Any, headers: dict[str, str], env: dict[str, str], args: argparse.Namespace, where: str
) -> _Target:
    if not isinstance(entry, dict):
        raise UsageError(f"server {name!r} in {where} is not an object")
    entry = dict(entry)
    if "url" in entry:
        _no_stdio_options(env, args, f"server {name!r} (it has a url)")
        if headers:
            entry["headers"] = {**(entry.get("headers") or {}), **headers}
        if args.bearer:
            entry["auth"] = args.bearer
        return _Target("entry", name, entry=entry)
    _no_http_options(headers, args, f"server {name!r} (a stdio server)")
    if args.python:
        raise UsageError("--python applies to .py server scripts, not to configured servers")
    if env:
        entry["env"] = {**(entry.get("env") or {}), **env}
    return _Target("entry", name, entry=entry, launch=_entry_launch(entry))


def _entry_launch(entry: Mapping[str, Any]) -> tuple[list[str], dict[str, str], str | None] | None:
    """The command line of a stdio entry, when it is plain enough to start before validation."""
    command, args, env, cwd = entry.get("command"), entry.get("args", []), entry.get("env") or {}, entry.get("cwd")
    if not isinstance(command, str):
        return None
    plain = (
        isinstance(args, list)
        and all(isinstance(a, str) for a in args)
        and isinstance(env, dict)
        and all(isinstance(v, str) for v in env.values())
        and (cwd is None or isinstance(cwd, str))
    )
    return ([command, *args], dict(env), cwd) if plain else None


def _client_source(target: _Target) -> tuple[Any, dict[str, Any], float | None]:
    """The `SyncClient` source, its options and a default request timeout (imports the client)."""
    if target.kind == "url":
        return target.value, target.options, None
    env = target.options.get("env") or None
    if target.kind == "command":
        from .transports.stdio import StdioTransport

        return StdioTransport(target.value[0], target.value[1:], env=env), {}, None
    if target.kind == "script":
        from .transports.stdio import NodeStdioTransport, PythonStdioTransport

        if target.value.lower().endswith(".js"):
            return NodeStdioTransport(target.value, env=env), {}, None
        python = target.launch[0][0] if target.launch else None
        return PythonStdioTransport(target.value, env=env, python_cmd=python), {}, None
    from .config import MCPConfig  # a ConfigError below names the server and the field

    if target.kind == "entry":
        entry = MCPConfig.from_dict({"mcpServers": {target.value: target.entry}}).mcpServers[target.value]
        return entry.to_transport(target.value), {}, entry.timeout
    return MCPConfig.from_dict(target.value), {}, None


def _connect(target: _Target, args: argparse.Namespace, early: _EarlyServer | None) -> SyncClient:
    from .sync import SyncClient

    source, options, default_timeout = _client_source(target)
    if early is not None:
        early.offer_to(source)
    timeout = args.timeout or default_timeout
    return SyncClient(source, timeout=timeout, init_timeout=args.timeout or 60.0, **options)


def _fspath(path: Any) -> str | None:
    return None if path is None else os.fspath(path)


class _EarlyServer:
    """A stdio server started before the client is imported, so that both start-ups overlap.

    The transport adopts it for its first connection when it was started exactly as the
    transport would start it (`mcpclient._prespawn`); otherwise, and on any error before
    that, `discard()` ends it the way the transport would (stdin closed, then the group
    terminated). POSIX only; `MCPCLIENT_NO_EARLY_SPAWN=1` turns it off.
    """

    def __init__(self, command: list[str], extra_env: Mapping[str, str], cwd: str | None) -> None:
        from ._early import spawn_like_transport

        self.command = command
        self.cwd = cwd
        self.adopted = False
        self.env, self.popen = spawn_like_transport(command, extra_env, cwd)

    @classmethod
    def start(cls, target: _Target) -> _EarlyServer | None:
        if target.launch is None or sys.platform == "win32" or os.environ.get("MCPCLIENT_NO_EARLY_SPAWN", "0") != "0":
            return None
        try:
            early = cls(*target.launch)
        except (OSError, ValueError, subprocess.SubprocessError):
            return None  # the transport will spawn it again and report the error properly
        logging.getLogger("mcpclient.cli").debug("started server process %d early", early.popen.pid)
        return early

    def offer_to(self, transport: Any) -> None:
        """Let `transport` adopt the process if it would start the very same one."""
        from ._early import same_environment
        from ._prespawn import adopt_on_first_spawn

        same = (
            getattr(transport, "command_line", None) == self.command
            and same_environment(transport, self.env)
            and _fspath(getattr(transport, "cwd", None)) == self.cwd
        )
        if same:
            adopt_on_first_spawn(transport, self.popen, self._adopted)

    def _adopted(self) -> None:  # called on the loop thread once the transport took the process
        self.adopted = True
        logging.getLogger("mcpclient.cli").debug(
            "the transport adopted server process %d (started early)", self.popen.pid
        )

    def discard(self) -> None:
        """End the process unless a transport adopted and ended it: stdin closed, then the group terminated."""
        popen = self.popen
        if popen.poll() is not None:
            return
        if not self.adopted:
            for pipe in (popen.stdin, popen.stdout, popen.stderr):
                if pipe is not None:
                    pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(0 if self.adopted else 0.3)  # a server exits by itself at the end of stdin
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(popen.pid, sig)  # the whole group: launchers leave grandchildren
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(0.3 if sig == signal.SIGTERM else 2.0)
                return


# --------------------------------------------------------------------------------- arguments


def parse_tool_arguments(items: Sequence[str], schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Tool arguments from one JSON object or `key=value` pairs typed by the tool's input `schema`.

    Values of `string` properties are kept as written; `integer`, `number`, `boolean`, `null`,
    `array` and `object` values are parsed (arrays also as `a,b,c`). A property without a
    type takes the JSON value when the text is JSON (`n=3` → 3, `s="3"` → "3"), else the text.
    """
    if len(items) == 1 and items[0].lstrip().startswith("{"):
        try:
            value = json.loads(items[0])
        except ValueError as exc:
            raise UsageError(f"arguments are not a valid JSON object: {exc}") from None
        if not isinstance(value, dict):
            raise UsageError("arguments must be one JSON object or key=value pairs")
        return value
    root: Mapping[str, Any] = schema if isinstance(schema, Mapping) else {}
    properties = root.get("properties") if isinstance(root.get("properties"), Mapping) else {}
    assert isinstance(properties, Mapping)
    arguments: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value (or one JSON object), got {item!r}")
        if key in arguments:
            raise UsageError(f"argument {key!r} given twice")
        arguments[key] = _coerce(raw, properties.get(key), root, key)
    return arguments


def _check_keys(arguments: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """A key the tool's schema does not list is a typo: the tool would run with its default silently."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or not properties or schema.get("additionalProperties", False) is not False:
        return
    unknown = [key for key in arguments if key not in properties]
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        raise UsageError(f"unknown argument{'s' if len(unknown) > 1 else ''} {names} (valid: {', '.join(properties)})")


def _schema_types(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int = 0) -> list[str]:
    """The JSON types a schema allows, in order (empty: any)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    found: list[str] = []
    if depth < 8:
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key) or ():
                sub = _schema_types(resolve_ref(option, root), root, depth + 1)
                if not sub:
                    return []  # one option accepts anything
                found += [t for t in sub if t not in found]
    for value in schema.get("enum") or ([schema["const"]] if "const" in schema else []):
        name = _json_type(value)
        if name not in found:
            found.append(name)
    return found


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_MISSING = object()


def _coerce(raw: str, schema: Any, root: Mapping[str, Any], key: str) -> Any:
    prop = resolve_ref(schema, root)
    kinds = _schema_types(prop, root)
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = _MISSING
    if not kinds:
        return raw if parsed is _MISSING else parsed
    for kind in kinds:
        if kind == "string":
            continue
        if parsed is not _MISSING and _json_type(parsed) == kind:
            return parsed
        if kind == "number" and parsed is not _MISSING and _json_type(parsed) == "integer":
            return parsed
        if kind == "boolean" and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        if kind == "array" and parsed is _MISSING:
            items = resolve_ref(prop.get("items"), root)
            return [_coerce(part.strip(), items, root, key) for part in raw.split(",")] if raw.strip() else []
    if "string" in kinds:
        return raw
    expected = " or ".join(dict.fromkeys(kinds))
    raise UsageError(f"argument {key!r}: expected {expected}, got {raw!r}")


# --------------------------------------------------------------------------------- output


def _dump(model: Any) -> Any:
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return model


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def _first_paragraph(text: str | None) -> str:
    return (text or "").strip().split("\n\n", 1)[0].replace("\n", " ")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> None:
    if not rows:
        print(empty)
        return
    try:
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:
        _plain_table(headers, rows)
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for index, header in enumerate(headers):
        table.add_column(header, no_wrap=index == 0, style="bold cyan" if index == 0 else None, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # Text: never parsed as rich markup
    # Piped output is not squeezed into 80 columns; a terminal keeps its own width.
    Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200).print(table)


def _plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    widths[-1] = 0  # the last column is not padded
    for row in [headers, ["-" * len(h) for h in headers], *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _describe_blocks(blocks: Sequence[Any]) -> list[str]:
    """Content blocks as text for a terminal."""
    lines: list[str] = []
    for block in blocks:
        kind = getattr(block, "type", None)
        if kind == "text":
            lines.append(block.text)
        elif kind in ("image", "audio"):
            lines.append(f"[{kind}: {block.mime_type}, {_b64_size(block.data)} bytes]")
        elif kind == "resource":
            resource = block.resource
            text = getattr(resource, "text", None)
            if text is not None:
                lines.append(text)
            else:
                lines.append(
                    f"[resource {resource.uri}: {resource.mime_type or 'binary'}, {_b64_size(resource.blob)} bytes]"
                )
        elif kind == "resource_link":
            lines.append(f"[link: {block.name} <{block.uri}>]")
        else:
            lines.append(json.dumps(_dump(block)))
    return lines


def _b64_size(data: str) -> int:
    import base64
    import binascii

    try:
        return len(base64.b64decode(data))
    except (binascii.Error, ValueError):
        return len(data) * 3 // 4


# --------------------------------------------------------------------------------- commands


def _capability(client: SyncClient, name: str) -> bool:
    result = client.initialize_result
    capabilities = getattr(result, "capabilities", None)
    return capabilities is None or getattr(capabilities, name, None) is not None


def _cmd_tools(client: SyncClient, args: argparse.Namespace, items: list[str]) -> int:
    _no_extra(items)
    from .notebook import tool_parameters

    tools = client.list_tools() if _capability(client, "tools") else []
    if args.json:
        _print_json({"tools": [_dump(t) for t in tools]})
    else:
        rows = [[t.name, tool_parameters(t.input_schema), _first_paragraph(t.description)] for t in tools]
        _table(["Tool", "Parameters", "Description"], rows, "(no tools)")
    return EXIT_OK


def _cmd_call(client: SyncClient, args: argparse.Namespace, items: list[str]) -> int:
    if not items:
        raise UsageError("missing TOOL name")
    name, rest = items[0], items[1:]
    tools = {t.name: t for t in client.list_tools()}
    if name not in tools:
        raise UsageError(f"unknown tool {name!r} (available: {', '.join(tools) or 'none'})")
    arguments = parse_tool_arguments(rest, tools[name].input_schema)
    _check_keys(arguments, tools[name].input_schema or {})
    result = client.call_tool(name, arguments, raise_on_error=False)
    if args.json:
        output: dict[str, Any] = {"content": [_dump(b) for b in result.content]}
        if result.structured_content is not None:
            output["structuredContent"] = result.structured_content
        if result.meta:
            output["_meta"] = result.meta
        output["isError"] = result.is_error
        _print_json(output)
    elif not result.is_error:
        lines = _describe_blocks(result.content)
        if not lines and result.structured_content is not None:
            lines = [json.dumps(result.structured_content, indent=2, ensure_ascii=False)]
        for line in lines:
            print(line)
    if result.is_error:
        _error(f"tool {name!r} failed: {result.text or '(no message)'}")
        return EXIT_ERROR
    return EXIT_OK


def _cmd_resources(client: SyncClient, args: argparse.Namespace, items: list[str]) -> int:
    _no_extra(items)
    supported = _capability(client, "resources")
    resources = client.list_resources() if supported else []
    templates = client.list_resource_templates() if supported else []
    if args.json:
        _print_json({"resources": [_dump(r) for r in resources], "resourceTemplates": [_dump(t) for t in templates]})
        return EXIT_OK
    rows = [[str(r.uri), r.name, r.mime_type or "", _first_paragraph(r.description)] for r in resources]
    _table(["URI", "Name", "MIME type", "Description"], rows, "(no resources)")
    if templates:
        print()
        rows = [[t.uri_template, t.name, t.mime_type or "", _first_paragraph(t.description)] for t in templates]
        _table(["URI template", "Name", "MIME type", "Description"], rows, "")
    return EXIT_OK


def _cmd_read(client: SyncClient, args: argparse.Namespace, items: list[str]) -> int:
    if not items:
        raise UsageError("missing resource URI")
    uri = items.pop(0)
    _no_extra(items)
    contents = client.read_resource(uri)
    if args.json:
        _print_json({"contents": [_dump(c) for c in contents]})
        return EXIT_OK
    for content in contents:
        text = getattr(content, "text", None)
        if text is not None:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        elif len(contents) == 1 and not sys.stdout.isatty():
            import base64

            sys.stdout.flush()
            sys.stdout.buffer.write(base64.b64decode(getattr(content, "blob", "")))  # `> file` saves the bytes
        else:
            size = _b64_size(getattr(content, "blob", ""))
            print(f"[{content.uri}: {content.mime_type or 'binary'}, {size} bytes; redirect stdout to save it]")
    return EXIT_OK


def _cmd_prompts(client: SyncClient, args: argparse.Namespace, items: list[str]) -> int:
    _no_extra(items)
    from .notebook import prompt_arguments

    prompts = client.list_prompts() if _capability(client, "prompts") else []
    if args.json:
        _print_json({"prompts": [_dump(p) for p in prompts]})
    else:
        rows = [[p.name, prompt_arguments(p), _first_paragraph(p.description)] for p in prompts]
        _table(["Prompt", "Arguments", "Description"], rows, "(no prompts)")
    return EXIT_OK


def _cmd_prompt(client: SyncClient, args: argparse.Namespace, items: list[str]) -> int:
    if not items:
        raise UsageError("missing PROMPT name")
    name, rest = items[0], items[1:]
    if len(rest) == 1 and rest[0].lstrip().startswith("{"):
        arguments = parse_tool_arguments(rest)
    else:
        arguments = _pairs(rest, "prompt argument")
    result = client.get_prompt(name, arguments or None)
    if args.json:
        _print_json(_dump(result))
        return EXIT_OK
    if result.description:
        print(f"# {result.description}\n")
    for index, message in enumerate(result.messages):
        if index:
            print()
        print(f"[{message.role}]")
        for line in _describe_blocks([message.content]):
            print(line)
    return EXIT_OK


def _cmd_ping(client: SyncClient, args: argparse.Namespace, items: list[str]) -> int:
    _no_extra(items)
    start = time.perf_counter()
    client.ping()
    elapsed_ms = (time.perf_counter() - start) * 1000
    result = client.initialize_result
    info = getattr(result, "server_info", None)
    if args.json:
        _print_json(
            {
                "ok": True,
                "server": _dump(info) if info is not None else None,
                "protocolVersion": client.protocol_version,
                "ms": round(elapsed_ms, 3),
            }
        )
    else:
        who = f"{info.name} {info.version}".strip() if info is not None else client.name
        print(f"ok: {who} (protocol {client.protocol_version}) answered in {elapsed_ms:.1f} ms")
    return EXIT_OK


def _cmd_discover(args: argparse.Namespace) -> int:
    from .discover import discover_servers

    errors: list[str] = []
    servers = discover_servers(errors=errors)
    for error in errors:
        _error(f"warning: skipped {error}")
    if args.json:
        _print_json({"servers": [s.summary() for s in servers]})
        return EXIT_OK
    rows = [[s.name, s.client, s.transport, s.target] for s in servers]
    _table(
        ["Server", "Client", "Transport", "Command / URL"],
        rows,
        "No MCP servers configured in Claude Desktop, Cursor or VS Code.",
    )
    return EXIT_OK


def _no_extra(items: Sequence[str]) -> None:
    if items:
        raise UsageError(f"unexpected arguments: {' '.join(items)}")


_HANDLERS: dict[str, Callable[[SyncClient, argparse.Namespace, list[str]], int]] = {
    "tools": _cmd_tools,
    "call": _cmd_call,
    "resources": _cmd_resources,
    "read": _cmd_read,
    "prompts": _cmd_prompts,
    "prompt": _cmd_prompt,
    "ping": _cmd_ping,
}


# --------------------------------------------------------------------------------- main


def _error(message: str) -> None:
    sys.stderr.write(f"{_PROG}: {message}\n")
    sys.stderr.flush()


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(name)s: %(message)s", stream=sys.stderr)
    if not args.debug:
        warnings.simplefilter("ignore")  # library deprecation notices are not the user's business


def _exit_code(exc: BaseException) -> int:
    from . import errors

    if isinstance(exc, UsageError | errors.ConfigError | FileNotFoundError):
        return EXIT_USAGE  # FileNotFoundError: a server command or script that does not exist
    if isinstance(exc, errors.ProtocolError):  # includes ToolError
        return EXIT_ERROR
    if isinstance(exc, errors.MCPClientError | ConnectionError | TimeoutError | OSError):
        return EXIT_CONNECTION
    return EXIT_ERROR


def _expected(exc: BaseException) -> bool:
    """Errors a user can cause (bad input, a failing server); anything else may be our bug."""
    from . import errors

    return isinstance(exc, UsageError | errors.MCPClientError | OSError)


def _one_line(exc: BaseException, verbose: bool) -> str:
    from . import errors

    text = str(exc).strip() or type(exc).__name__
    if verbose or isinstance(exc, errors.ToolError | UsageError):
        return text
    first = text.splitlines()[0]
    if isinstance(exc, errors.ServerStartupError):
        details = []
        if exc.exit_code is not None:
            details.append(f"exit code {exc.exit_code}")
        if summary := exc.stderr_summary:  # what failed, not just the last line (often a hint)
            details.append("stderr: " + " | ".join(line.strip() for line in summary))
        if details:
            first += f" ({'; '.join(details)})"
    if not isinstance(exc, errors.MCPClientError | UsageError):
        first = f"{type(exc).__name__}: {first}"
    return first


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `mcpclient` command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = _split_command(argv)
    if command is None:
        parser = _top_parser()
        if not argv:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        if argv[0] in ("-h", "--help", "--version"):
            parser.parse_args(argv[:1])  # prints and exits 0
        parser.print_usage(sys.stderr)
        wanted = next((a for a in argv if not a.startswith("-")), argv[0])
        _error(f"unknown command {wanted!r} (choose from {', '.join(_COMMANDS)})")
        return EXIT_USAGE
    rest, command_words = _command_source(command, rest)
    args = _command_parser(command).parse_intermixed_args(rest)
    args.command_words = command_words
    _configure_logging(args)
    try:
        return _run(command, args)
    except KeyboardInterrupt:
        _error("interrupted")
        from .sync._exit import skip_final_collection

        skip_final_collection()  # the user wants out: ~1 s of final GC on a loaded machine
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            import traceback

            traceback.print_exc()
        message = _one_line(exc, args.verbose or args.debug)
        if not args.debug and not _expected(exc):
            message += " (run with --debug for the traceback)"
        _error(message)
        return _exit_code(exc)


def _run(command: str, args: argparse.Namespace) -> int:
    if command == "discover":
        return _cmd_discover(args)
    items: list[str] = list(args.items)
    target = _resolve_target(args, items)
    early = _EarlyServer.start(target)
    try:
        client = _connect(target, args, early)
        try:
            client.connect()
            return _HANDLERS[command](client, args, items)
        finally:
            client.close()
    finally:
        if early is not None:
            early.discard()


if __name__ == "__main__":  # pragma: no cover - `python -m mcpclient` runs __main__.py
    sys.exit(main())
