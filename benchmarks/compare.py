# ruff: noqa: RUF001, RUF003 - the tables use × and – on purpose
"""Two saved runs side by side: `python -m benchmarks --compare A.json B.json`.

For every table and row present in either run: the median of A, the median of B and B÷A
(below 1 is faster in B for times, slower for rates — the column says which is better), then
the targets of both runs. Runs taken on different days or under different load move as a
whole: read the rows against each other (e.g. SyncClient's change against the raw session's).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from .harness import fmt_num


def _median(row: dict[str, Any] | None) -> float:
    samples = (row or {}).get("samples") or []
    return statistics.median(samples) if samples else float("nan")


def compare(a_path: Path, b_path: Path, *, markdown: bool = False) -> str:
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    lines = [f"A = {a_path}", f"B = {b_path}"]
    for key in [k for k in a if not k.startswith("_")] + [k for k in b if k not in a and not k.startswith("_")]:
        ta, tb = a.get(key, {}), b.get(key, {})
        unit = ta.get("unit") or tb.get("unit") or ""
        lower = ta.get("lower_is_better", tb.get("lower_is_better", unit != "calls/s"))
        rows_a, rows_b = ta.get("rows", {}), tb.get("rows", {})
        names = list(rows_a) + [n for n in rows_b if n not in rows_a]
        header = ["approach", f"A ({unit})", f"B ({unit})", "B ÷ A", "better in"]
        body = []
        for name in names:
            ma, mb = _median(rows_a.get(name)), _median(rows_b.get(name))
            ratio = mb / ma if ma == ma and mb == mb and ma else float("nan")
            better = "" if ratio != ratio or abs(ratio - 1) < 0.02 else ("B" if (ratio < 1) == lower else "A")
            body.append([name, fmt_num(ma, unit), fmt_num(mb, unit), "–" if ratio != ratio else f"{ratio:.2f}", better])
        title = tb.get("title") or ta.get("title") or key
        lines.append("")
        if markdown:
            lines += [f"#### {title}", "", "| " + " | ".join(header) + " |", "|---|--:|--:|--:|:-:|"]
            lines += ["| " + " | ".join(r) + " |" for r in body]
        else:
            widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
            lines.append(f"== {title}")
            lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
            for r in body:
                lines.append(
                    "  ".join(
                        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
                    )
                )
    checks = {}
    for run, label in ((a, "A"), (b, "B")):
        for key, table in run.items():
            if key.startswith("_"):
                continue
            for c in table.get("checks", []):
                checks.setdefault(c["what"], {})[label] = c
    if checks:
        lines += ["", "== Targets (A → B)"]
        for what, by_run in checks.items():
            cells = [
                f"{by_run[r]['value']:.2f} ({'met' if by_run[r]['ok'] else 'missed'})" if r in by_run else "–"
                for r in ("A", "B")
            ]
            lines.append(f"  {what}: {cells[0]} → {cells[1]}")
    return "\n".join(lines)
