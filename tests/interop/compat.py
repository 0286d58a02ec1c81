"""Record interop/fault outcomes for docs/compatibility.md.

Tests declare what they cover with markers:

    @pytest.mark.compat(server="server-everything (npm)", feature="sampling")
    @pytest.mark.fault(case="server exits before initialize", transport="stdio", error="ServerStartupError")

`transport` and `client` may be omitted from the marker: they are then taken from the test's
parameters of the same name (`transport` or `kind`, `client`), which also win over a marker's
summary such as "stdio / streamable-http". A test may refine its record with
`record_property("compat.<field>", value)` (e.g. `compat.measured`). A fault test calls the `observe_error`
fixture with the exception the user got, so the table shows the real type and message.

At the end of the session the records go to `$MCPCLIENT_COMPAT_JSON` (default
`.cache/compat/results.json`); `scripts/compat_table.py` turns them into markdown.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ._install import CACHE, NPM_PACKAGES, PYPI_PACKAGES

PLUGIN_NAME = "mcpclient-compat-recorder"
DEFAULT_JSON = CACHE / "compat" / "results.json"

MARKERS = (
    "compat(server, feature, transport=None, client=None): an interoperability check recorded in "
    "docs/compatibility.md (transport/client default to the test parameters of that name)",
    "fault(case, error, transport=None, client=None): a fault-injection case recorded in docs/compatibility.md "
    "with the mcpclient error type the user gets",
)


def register(config: pytest.Config) -> None:
    """Register the markers and (once per session) the recorder plugin."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(CompatRecorder(), PLUGIN_NAME)


def _params(item: pytest.Item) -> dict[str, Any]:
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


def _variant(item: pytest.Item, fields: dict[str, Any]) -> str:
    """The test's parameter id without the parts already in `transport` and `client`."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return ""
    parts = [callspec.id]
    for value in (fields.get("transport"), fields.get("client")):  # transport first: "streamable-http"
        if value:
            parts = [piece for part in parts for piece in part.split(value)]
    return "-".join(token for part in parts for token in part.split("-") if token)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _failure_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or str(report.longrepr)
    return message.strip().splitlines()[0][:300] if message.strip() else "failed"


class CompatRecorder:
    """Collects one record per marked test item; writes them all at session end."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def _record_for(self, item: pytest.Item) -> dict[str, Any] | None:
        compat = item.get_closest_marker("compat")
        fault = item.get_closest_marker("fault")
        if compat is None and fault is None:
            return None
        record = self.records.get(item.nodeid)
        if record is None:
            params = _params(item)
            marker = compat or fault
            assert marker is not None
            fields = dict(marker.kwargs)
            # A test parameter named like a field is more precise than the marker's summary.
            for key, names in (("transport", ("transport", "kind")), ("client", ("client",))):
                for name in names:
                    if name in params and isinstance(params[name], str):
                        fields[key] = params[name]
                        break
            fields["variant"] = _variant(item, fields)
            record = {"kind": "compat" if compat is not None else "fault", "nodeid": item.nodeid, **fields}
            record["outcome"] = "not run"
            self.records[item.nodeid] = record
        return record

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        record = self._record_for(item)
        if record is None:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if report.skipped:
                record["outcome"], record["reason"] = "skipped", _skip_reason(report)
            elif report.failed:
                record["outcome"], record["reason"] = "failed", _failure_line(report)
            else:
                record["outcome"] = "passed"
                record.pop("reason", None)
            record["duration"] = round(report.duration, 3)
        elif report.when == "teardown" and report.failed and record.get("outcome") == "passed":
            record["outcome"], record["reason"] = "failed", "teardown: " + _failure_line(report)
        for key, value in item.user_properties:
            if key.startswith("compat."):
                record[key.removeprefix("compat.")] = value

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.records:
            return
        path = Path(os.environ.get("MCPCLIENT_COMPAT_JSON", DEFAULT_JSON))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"environment": environment(), "records": list(self.records.values())}  # in the order they ran
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
        tmp.replace(path)


def _version(cmd: list[str]) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def environment() -> dict[str, Any]:
    """What the run used: interpreter, SDK, Node/npm and the pinned third-party servers."""
    from importlib.metadata import PackageNotFoundError, version

    def dist(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "mcp": dist("mcp"),
        "mcpclient": dist("mcpclient"),
        "node": _version(["node", "--version"]),
        "npm": _version(["npm", "--version"]),
        "npm_packages": dict(NPM_PACKAGES),
        "pypi_packages": dict(PYPI_PACKAGES),
        "argv": sys.argv[1:],
    }
