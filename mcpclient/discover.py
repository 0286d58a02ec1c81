"""Find the MCP servers configured in Claude Desktop, Cursor and VS Code.

Only the standard library is imported, so `mcpclient discover` starts instantly. Where each
client keeps its servers (every location is checked on every platform; missing files are skipped):

=====================  ==============================================================  ==============
client                 file                                                            key
=====================  ==============================================================  ==============
Cursor (project)       ``.cursor/mcp.json`` in the current directory or a parent       ``mcpServers``
VS Code (workspace)    ``.vscode/mcp.json`` in the current directory or a parent       ``servers``
Claude Desktop         ``~/Library/Application Support/Claude/claude_desktop_config.json``,
                       ``%APPDATA%/Claude/...``, ``$XDG_CONFIG_HOME/Claude/...``       ``mcpServers``
Cursor                 ``~/.cursor/mcp.json``                                          ``mcpServers``
VS Code                ``Code/User/mcp.json`` (``servers``) and ``Code/User/settings.json``
                       (``mcp.servers``) under the same three user directories
=====================  ==============================================================  ==============

The order is the lookup order of `find_server`: a project's own configuration wins over the
user's. VS Code's and Cursor's ``${workspaceFolder}``, ``${userHome}`` and ``${env:NAME}``
variables are substituted; other variables (``${input:...}``) are left as written.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._jsonc import strip_jsonc as _strip_jsonc

__all__ = ["DiscoveredServer", "config_locations", "discover_servers", "find_server", "read_jsonc"]

_VARIABLE = re.compile(r"\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}")


@dataclasses.dataclass(frozen=True)
class ConfigLocation:
    """A file where a client may keep servers. `key` is the dotted path of the servers object."""

    client: str
    path: Path
    key: str
    workspace: Path | None = None  # the folder `${workspaceFolder}` names (project configs)


@dataclasses.dataclass(frozen=True)
class DiscoveredServer:
    """One configured server: its `name`, the `client` that configures it, the file, the raw entry."""

    name: str
    client: str
    path: Path
    entry: Mapping[str, Any]

    @property
    def transport(self) -> str:
        """`"stdio"`, `"http"` or `"sse"`."""
        url = self.entry.get("url")
        if not isinstance(url, str):
            return "stdio"
        declared = str(self.entry.get("transport") or self.entry.get("type") or "").lower()
        if declared == "sse" or (not declared and "sse" in urlsplit(url).path.split("/")):
            return "sse"
        return "http"

    @property
    def target(self) -> str:
        """The URL, or the command line (environment values are never shown)."""
        url = self.entry.get("url")
        if isinstance(url, str):
            parts = urlsplit(url)
            # Drop credentials and query strings: they may hold secrets.
            return parts._replace(netloc=parts.netloc.rpartition("@")[2], query="").geturl()
        args = self.entry.get("args") or []
        words = [str(self.entry.get("command", "")), *(str(a) for a in args if isinstance(args, list))]
        return " ".join(_quote(w) for w in words)

    def to_config(self) -> dict[str, Any]:
        """An `mcpServers` document with only this server (what `MCPConfig.from_dict` takes)."""
        return {"mcpServers": {self.name: dict(self.entry)}}

    def summary(self) -> dict[str, Any]:
        """JSON-ready description without secrets (no env values, no headers)."""
        info: dict[str, Any] = {"name": self.name, "client": self.client, "transport": self.transport}
        if self.transport == "stdio":
            info["command"] = self.entry.get("command")
            info["args"] = list(self.entry.get("args") or [])
            env = self.entry.get("env")
            if isinstance(env, Mapping) and env:
                info["env_keys"] = sorted(env)
        else:
            info["url"] = self.target
        info["config"] = str(self.path)
        return info


def _quote(word: str) -> str:
    return word if word and not re.search(r"[\s'\"]", word) else json.dumps(word)


def _user_dirs() -> list[Path]:
    """Per-user application-data directories: macOS, Windows, then XDG (Linux)."""
    home = Path.home()
    dirs = [home / "Library" / "Application Support"]
    appdata = os.environ.get("APPDATA")
    if appdata:
        dirs.append(Path(appdata))
    dirs.append(Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config"))
    return dirs


def _nearest(start: Path, relative: str) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    return None


def config_locations(cwd: str | os.PathLike[str] | None = None) -> list[ConfigLocation]:
    """Every place a supported client may keep servers, in lookup order (files may not exist)."""
    start = Path(cwd) if cwd is not None else Path.cwd()
    found: list[ConfigLocation] = []
    for client, relative, key in (
        ("Cursor (project)", ".cursor/mcp.json", "mcpServers"),
        ("VS Code (workspace)", ".vscode/mcp.json", "servers"),
    ):
        path = _nearest(start, relative)
        if path is not None:
            found.append(ConfigLocation(client, path, key, workspace=path.parent.parent))
    user_dirs = _user_dirs()
    found += [
        ConfigLocation("Claude Desktop", d / "Claude" / "claude_desktop_config.json", "mcpServers") for d in user_dirs
    ]
    found.append(ConfigLocation("Cursor", Path.home() / ".cursor" / "mcp.json", "mcpServers"))
    for d in user_dirs:
        found.append(ConfigLocation("VS Code", d / "Code" / "User" / "mcp.json", "servers"))
        found.append(ConfigLocation("VS Code", d / "Code" / "User" / "settings.json", "mcp.servers"))
    unique: dict[Path, ConfigLocation] = {}
    for location in found:
        unique.setdefault(_resolved(location.path), location)
    return list(unique.values())


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def read_jsonc(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file that may hold comments and trailing commas (as VS Code writes them)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(_strip_jsonc(text))


def _servers_at(data: Any, key: str) -> Any:
    if not isinstance(data, Mapping):
        return None
    if key in data:  # VS Code settings may spell nested keys flat: "mcp.servers"
        return data[key]
    head, _, rest = key.partition(".")
    return _servers_at(data.get(head), rest) if rest else None


def _substitute(value: Any, location: ConfigLocation) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            if match.group(1) == "userHome":
                return str(Path.home())
            if match.group(1) == "workspaceFolder":
                return str(location.workspace) if location.workspace is not None else match.group(0)
            return os.environ.get(match.group(2), "")

        return _VARIABLE.sub(replace, value)
    if isinstance(value, list):
        return [_substitute(v, location) for v in value]
    if isinstance(value, Mapping):
        return {k: _substitute(v, location) for k, v in value.items()}
    return value


def _servers_in(location: ConfigLocation, errors: list[str] | None) -> Iterator[DiscoveredServer]:
    try:
        data = read_jsonc(location.path)
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        if errors is not None:
            errors.append(f"{location.path}: {exc}")
        return
    servers = _servers_at(data, location.key)
    if not isinstance(servers, Mapping):
        return
    substitute = location.client.startswith(("Cursor", "VS Code"))
    for name, entry in servers.items():
        if isinstance(entry, Mapping):
            entry = _substitute(entry, location) if substitute else dict(entry)
            yield DiscoveredServer(str(name), location.client, location.path, entry)


def discover_servers(
    cwd: str | os.PathLike[str] | None = None, *, errors: list[str] | None = None
) -> list[DiscoveredServer]:
    """Every server configured for Claude Desktop, Cursor and VS Code, in lookup order.

    Files that cannot be read or parsed are skipped; pass a list as `errors` to learn which and why.
    """
    return [server for location in config_locations(cwd) for server in _servers_in(location, errors)]


def find_server(
    name: str, cwd: str | os.PathLike[str] | None = None, *, servers: list[DiscoveredServer] | None = None
) -> DiscoveredServer | None:
    """The first discovered server called `name`; `client:name` (e.g. `cursor:github`) picks a client."""
    servers = discover_servers(cwd) if servers is None else servers
    for server in servers:
        if server.name == name:
            return server
    client, sep, short = name.partition(":")
    if sep:
        wanted = client.strip().lower().replace(" ", "")
        for server in servers:
            label = server.client.lower().replace(" ", "")
            if server.name == short and label.startswith(wanted):
                return server
    return None
