"""Install third-party MCP servers into the repository's `.cache/` (git-ignored), once.

- npm packages go to `.cache/npm` (`npm install --prefix`), found by path or NODE_PATH;
- PyPI packages go to a dedicated venv `.cache/pypi/venv` (the servers' own dependencies
  never touch the test venv), which also provides `uv`/`uvx`; uvx's cache is `.cache/uv`.

Installs are idempotent (a stamp file records what was installed; it is written last, so an
interrupted install is redone) and safe across concurrent pytest processes (an exclusive
`flock` per cache). When the package registry cannot be reached the caller gets
`RegistryUnreachable`, which the fixtures turn into `pytest.skip("... registry unreachable: ...")`;
any other install failure is an error.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("MCPCLIENT_INTEROP_CACHE", REPO / ".cache")).resolve()
NPM_DIR = CACHE / "npm"
NODE_MODULES = NPM_DIR / "node_modules"
PYPI_VENV = CACHE / "pypi" / "venv"
UV_CACHE = CACHE / "uv"

#: Pinned, so the compatibility table says exactly what was tested. Bump deliberately.
NPM_PACKAGES: Mapping[str, str] = {
    "@modelcontextprotocol/server-everything": "2026.8.31",
    "@modelcontextprotocol/server-memory": "2026.8.31",
    "@modelcontextprotocol/sdk": "1.32.2",
    "zod": "4.6.7",
}
PYPI_PACKAGES: Mapping[str, str] = {
    "mcp-server-time": "2026.10.19",
    "uv": "0.13.9",
}

#: Output of npm/pip/uv that means "the registry could not be reached" (not "the package is broken").
_NETWORK_ERRORS = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network request|"
    r"request to https?://\S+ failed|getaddrinfo|Temporary failure in name resolution|Name or service not known|"
    r"Failed to establish a new connection|NewConnectionError|Network is unreachable|Connection refused|"
    r"ConnectTimeoutError|ReadTimeoutError|Max retries exceeded|No route to host|"
    r"error sending request for url|failed to fetch|dns error|tcp connect error",
    re.IGNORECASE,
)

_INSTALL_TIMEOUT = 600.0  # seconds for one package-manager command


class RegistryUnreachable(RuntimeError):
    """The package registry could not be reached: the interop tests skip instead of failing."""


class InstallFailed(RuntimeError):
    """A package manager failed for a reason other than the network."""


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_installer(
    cmd: list[str], *, registry: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> str:
    """Run a package manager; classify a failure as `RegistryUnreachable` or `InstallFailed`."""
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_INSTALL_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise InstallFailed(f"{cmd[0]} is not installed: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise RegistryUnreachable(
            f"{registry} registry: `{' '.join(cmd[:3])} ...` timed out after {exc.timeout:.0f}s"
        ) from exc
    output = (proc.stdout or "") + "\n" + (proc.stderr or "")
    if proc.returncode != 0:
        match = _NETWORK_ERRORS.search(output)
        if match:
            raise RegistryUnreachable(f"{registry} registry unreachable ({match.group(0)}): {_tail(output, 5)}")
        raise InstallFailed(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n{_tail(output)}")
    return output


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """An exclusive inter-process lock on `.cache/<name>.lock` (blocks until free)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_stamp(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_stamp(path: Path, value: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=1, sort_keys=True))
    tmp.replace(path)


# ------------------------------------------------------------------------------------- npm

_NPM_STAMP = NPM_DIR / ".mcpclient-installed.json"


def npm_is_installed() -> bool:
    return _read_stamp(_NPM_STAMP) == dict(NPM_PACKAGES) and all(
        (NODE_MODULES / name / "package.json").is_file() for name in NPM_PACKAGES
    )


def ensure_npm_packages() -> Path:
    """`.cache/npm/node_modules` with `NPM_PACKAGES` installed (installs them on first use)."""
    if npm_is_installed():
        return NODE_MODULES
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise InstallFailed(f"`{tool}` is not on PATH; install Node.js 18+ to run the npm interop tests")
    with _locked("npm"):
        if npm_is_installed():  # another process finished it while we waited
            return NODE_MODULES
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        # A package.json with exact versions makes `npm install` deterministic and repeatable.
        manifest = {"name": "mcpclient-interop-cache", "private": True, "dependencies": dict(NPM_PACKAGES)}
        _write_stamp(NPM_DIR / "package.json", manifest)
        run_installer(
            [
                "npm", "install", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund", "--no-package-lock",
                "--loglevel=error", "--fetch-retries=1", "--fetch-retry-mintimeout=2000",
                "--fetch-retry-maxtimeout=10000", "--fetch-timeout=60000",
            ],
            registry="npm",
            env={**os.environ, "npm_config_update_notifier": "false"},
        )  # fmt: skip
        _write_stamp(_NPM_STAMP, dict(NPM_PACKAGES))
    return NODE_MODULES


# ------------------------------------------------------------------------------------ PyPI

_PYPI_STAMP = PYPI_VENV / ".mcpclient-installed.json"


def venv_bin(name: str) -> Path:
    return PYPI_VENV / ("Scripts" if sys.platform == "win32" else "bin") / name


def pypi_is_installed() -> bool:
    return _read_stamp(_PYPI_STAMP) == dict(PYPI_PACKAGES) and venv_bin("mcp-server-time").exists()


def ensure_pypi_packages() -> Path:
    """The venv `.cache/pypi/venv` with `PYPI_PACKAGES` installed (created on first use)."""
    if pypi_is_installed():
        return PYPI_VENV
    with _locked("pypi"):
        if pypi_is_installed():
            return PYPI_VENV
        if PYPI_VENV.exists() and _read_stamp(_PYPI_STAMP) is None:
            shutil.rmtree(PYPI_VENV)  # a previous install was interrupted: start clean
        if not venv_bin("python").exists():
            run_installer([sys.executable, "-m", "venv", str(PYPI_VENV)], registry="PyPI")
        specs = [f"{name}=={version}" for name, version in PYPI_PACKAGES.items()]
        run_installer(
            [str(venv_bin("python")), "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
             "--timeout", "60", "--retries", "2", *specs],
            registry="PyPI",
        )  # fmt: skip
        _write_stamp(_PYPI_STAMP, dict(PYPI_PACKAGES))
    return PYPI_VENV


def uv_env() -> dict[str, str]:
    """Environment for `uv`/`uvx` runs: cache inside the repo, no interpreter downloads, our CA bundle."""
    env = {
        "UV_CACHE_DIR": str(UV_CACHE),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_PYTHON": sys.executable,
        "UV_NO_PROGRESS": "1",
        "PATH": os.pathsep.join([str(venv_bin("")), os.environ.get("PATH", "")]),
    }
    # Where TLS goes through a corporate/sandbox CA, uv needs to be told about the bundle.
    for key in ("SSL_CERT_FILE", "SSL_CERT_DIR", "UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


_UVX_STAMP = UV_CACHE / ".mcpclient-warm.json"


def ensure_uvx_tool(tool: str, version: str) -> None:
    """Resolve `uvx tool==version` once, so a test's first `uvx` start needs no download."""
    uvx = venv_bin("uvx")
    stamp = _read_stamp(_UVX_STAMP)
    if isinstance(stamp, dict) and stamp.get(tool) == version:
        return
    with _locked("uv"):
        stamp = _read_stamp(_UVX_STAMP)
        stamp = stamp if isinstance(stamp, dict) else {}
        if stamp.get(tool) == version:
            return
        UV_CACHE.mkdir(parents=True, exist_ok=True)
        run_installer(
            [str(uvx), "--from", f"{tool}=={version}", tool, "--help"],
            registry="PyPI (via uvx)",
            env={**{k: v for k, v in os.environ.items() if not k.startswith("UV_")}, **uv_env()},
        )
        stamp[tool] = version
        _write_stamp(_UVX_STAMP, stamp)


def everything_js() -> Path:
    """Entry point of the installed `@modelcontextprotocol/server-everything`."""
    return NODE_MODULES / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
