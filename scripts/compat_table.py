#!/usr/bin/env python
"""Turn the recorded interop/fault outcomes into docs/compatibility.md.

    python scripts/compat_table.py --run        # run tests/interop + tests/faults, then write the doc
    python scripts/compat_table.py              # write the doc from the last recorded run
    python scripts/compat_table.py --check      # exit 1 if the doc differs from what the records give

The records come from the pytest plugin in tests/interop/compat.py (markers `compat` and
`fault`), written to `$MCPCLIENT_COMPAT_JSON` (default `.cache/compat/results.json`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_JSON = REPO / ".cache" / "compat" / "results.json"
DEFAULT_DOC = REPO / "docs" / "compatibility.md"

MARK = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "not run": "·"}
TRANSPORT_ORDER = [
    "stdio",
    "sse",
    "streamable-http",
    "npx",
    "uvx",
    "MCPConfig (stdio entry)",
    "MCPConfig (stdio entries)",
]
CLIENT_ORDER = ["async", "sync"]


def _order(value: str, order: list[str]) -> tuple[int, str]:
    return (order.index(value) if value in order else len(order), value)


def _cell(records: list[dict[str, Any]], footnotes: dict[str, int]) -> str:
    """One table cell: the worst outcome of the records (several when a test is parametrized further)."""
    if not records:
        return "—"
    outcomes = {r["outcome"] for r in records}
    for outcome in ("failed", "skipped", "not run", "passed"):
        if outcome in outcomes:
            break
    text = MARK[outcome]
    reasons = sorted({r.get("reason", "") for r in records if r["outcome"] == outcome and r.get("reason")})
    for reason in reasons:
        number = footnotes.setdefault(reason, len(footnotes) + 1)
        text += f" [{number}]"
    return text


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _stable(text: str) -> str:
    """A message without what changes from run to run (ephemeral ports, temporary paths)."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    return re.sub(r"/tmp/\S+?/(?=\w+\.py)", "/tmp/.../", text)


def _code(text: str) -> str:
    """Inline code that survives backticks and pipes inside."""
    text = " ".join(_stable(text).split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def compat_section(records: list[dict[str, Any]], footnotes: dict[str, int]) -> list[str]:
    lines: list[str] = []
    by_server: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_server[record.get("server", "?")].append(record)
    for server in sorted(by_server):
        rows = by_server[server]
        columns = sorted(
            {(r.get("transport", "?"), r.get("client", "?")) for r in rows},
            key=lambda tc: (_order(tc[0], TRANSPORT_ORDER), _order(tc[1], CLIENT_ORDER)),
        )
        features: list[str] = []
        for record in rows:  # first-seen order keeps related features together
            if record["feature"] not in features:
                features.append(record["feature"])
        passed = sum(r["outcome"] == "passed" for r in rows)
        lines += [f"### {server}", "", f"{passed} of {len(rows)} checks passed.", ""]
        lines.append("| feature | " + " | ".join(f"{t}<br>{c}" for t, c in columns) + " |")
        lines.append("|---|" + "---|" * len(columns))
        for feature in features:
            cells = []
            for transport, client in columns:
                matching = [
                    r
                    for r in rows
                    if r["feature"] == feature and r.get("transport") == transport and r.get("client") == client
                ]
                cells.append(_cell(matching, footnotes))
            lines.append(f"| {_escape(feature)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def fault_section(records: list[dict[str, Any]], footnotes: dict[str, int]) -> list[str]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    order: list[tuple[str, str, str]] = []
    for record in records:
        key = (record["case"], record.get("transport", "?"), record.get("variant", ""))
        if key not in groups:
            order.append(key)
        groups[key].append(record)
    lines = [
        "| case | transport | async | sync | error the user gets | example message / measurement |",
        "|---|---|---|---|---|---|",
    ]
    for case, transport, variant in order:
        group = groups[(case, transport, variant)]
        label = f"{case} [{variant}]" if variant else case
        by_client = {c: [r for r in group if r.get("client") == c] for c in CLIENT_ORDER}
        observed = sorted({r.get("observed") for r in group if r.get("observed")})
        expected = group[0].get("error", "")
        if observed and expected.startswith("none"):
            error = " / ".join(observed)
        elif observed:
            error = " / ".join(f"`{o}`" for o in observed)
        else:
            error = expected if expected.startswith("none") else f"`{expected}`"
        detail = next((r.get("message") for r in group if r.get("message")), None) or next(
            (r.get("measured") for r in group if r.get("measured")), ""
        )
        measured = sorted({f"{r['client']}: {r['measured']}" for r in group if r.get("measured")})
        detail = "; ".join(measured) if measured else (_code(detail) if detail else "")
        lines.append(
            f"| {_escape(label)} | {_escape(transport)} | {_cell(by_client['async'], footnotes)} | "
            f"{_cell(by_client['sync'], footnotes)} | {error} | {detail} |"
        )
    lines.append("")
    return lines


def summary(records: Iterable[dict[str, Any]]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for record in records:
        counts[record["outcome"]] += 1
    return ", ".join(f"{counts[k]} {k}" for k in ("passed", "failed", "skipped", "not run") if counts[k])


def render(data: dict[str, Any]) -> str:
    env = data.get("environment", {})
    records = data["records"]
    compat = [r for r in records if r["kind"] == "compat"]
    faults = [r for r in records if r["kind"] == "fault"]
    footnotes: dict[str, int] = {}
    npm = ", ".join(f"`{k}@{v}`" for k, v in env.get("npm_packages", {}).items())
    pypi = ", ".join(f"`{k}=={v}`" for k, v in env.get("pypi_packages", {}).items())
    lines = [
        "# Compatibility",
        "",
        "<!-- Generated by `python scripts/compat_table.py --run` (tests/interop, tests/faults); do not edit. -->",
        "",
        "mcpclient is tested against MCP servers it did not write, over every transport they offer, through "
        "both the async `Client` and the blocking `SyncClient`, and against servers that misbehave on purpose. "
        "This page is generated from that test run.",
        "",
        f"- Run: {env.get('date', '?')} on {env.get('platform', '?')}, Python {env.get('python', '?')}, "
        f"mcp SDK {env.get('mcp', '?')}, Node.js {env.get('node', '?')} (npm {env.get('npm', '?')})",
        f"- Third-party servers (pinned in `tests/interop/_install.py`): {npm}; {pypi}",
        f"- Result: {summary(records)}",
        "",
        "✅ passed · ❌ failed · ⏭️ skipped (reason in the notes) · — not applicable. "
        "`async` is `mcpclient.Client`, `sync` is `mcpclient.SyncClient` (called from a plain thread; "
        "plain-function handlers run in the calling thread).",
        "",
        "## Servers, transports, clients and features",
        "",
        *compat_section(compat, footnotes),
        "## Fault cases",
        "",
        "Each case must give the listed typed error (all are `mcpclient.MCPClientError` subclasses, see "
        "`mcpclient/errors.py`) within its timeout, leave no server process behind, and leave a client that "
        'works again in its next context. "none" means the client copes and the call succeeds.',
        "",
        *fault_section(faults, footnotes),
    ]
    if footnotes:
        lines += ["## Notes", ""]
        lines += [f"{number}. {_escape(reason)}" for reason, number in sorted(footnotes.items(), key=lambda kv: kv[1])]
        lines.append("")
    lines += [
        "## Reproducing",
        "",
        "```sh",
        "python scripts/compat_table.py --run   # installs the servers into .cache/ on first use",
        "```",
        "",
        "The npm packages go to `.cache/npm` and the PyPI ones to the venv `.cache/pypi/venv` (once, under a "
        "file lock); without a reachable registry the interop tests skip with the reason.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run tests/interop and tests/faults first")
    parser.add_argument("--json", type=Path, default=Path(os.environ.get("MCPCLIENT_COMPAT_JSON", DEFAULT_JSON)))
    parser.add_argument("--output", type=Path, default=DEFAULT_DOC)
    parser.add_argument("--check", action="store_true", help="fail if --output is not what the records give")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (with --run)")
    args = parser.parse_args(argv)

    if args.run:
        env = {**os.environ, "MCPCLIENT_COMPAT_JSON": str(args.json)}
        args.json.unlink(missing_ok=True)
        command = [sys.executable, "-m", "pytest", "tests/interop", "tests/faults", "-q", "-p", "no:cacheprovider"]
        code = subprocess.run([*command, *args.pytest_args], cwd=REPO, env=env, check=False).returncode
        if code not in (0, 1):  # 1: some tests failed, which the table shows
            return code
    try:
        data = json.loads(args.json.read_text())
    except FileNotFoundError:
        print(f"no records at {args.json}; run with --run first", file=sys.stderr)
        return 2
    text = render(data)
    conformance = REPO / "tests" / "conformance" / "RESULTS.md"  # measured by tests/conformance/runner.py
    if conformance.exists():
        text += "\n" + conformance.read_text()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run: python scripts/compat_table.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    shown = args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output
    print(f"wrote {shown}: {summary(data['records'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
