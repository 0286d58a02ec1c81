# ruff: noqa: RUF001, RUF003 - the tables use × and – on purpose
"""Run the benchmarks: `python -m benchmarks [--quick] [--only CASE,...] [--markdown FILE] [--json FILE]`.

`python -m benchmarks --compare A.json B.json` puts two saved runs side by side.

Prints one table per case (median over interleaved rounds, spread, per-round ratios) and a
summary of the performance targets. `--quick` (< 2 minutes) is meant for CI; the full run
takes several minutes. See docs/performance.md for what the numbers mean.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import traceback
from pathlib import Path

from .cases import CASES, QUICK_CASES, Config, Table
from .harness import Skip, fmt_num


def _ratio_cell(table: Table, name: str) -> str:
    scaling = table.scaling
    if scaling is not None:
        med, lo, hi = scaling[name]
    elif table.ratio_label:
        med, lo, hi = table.ratio(name)
    else:
        return ""
    if med != med:  # nan
        return ""
    return f"{med:.2f} [{lo:.2f}–{hi:.2f}]"


def _cpu_cell(table: Table, name: str) -> str:
    res = table.results[name]
    if not res.cpu or not table.ratio_label:
        return ""
    if table.scaling is not None:  # throughput tables: CPU µs per call, no ratio
        return fmt_num(res.cpu_result.median, "µs")
    base = table.results.get(table.baseline)
    if base is None or not base.cpu:
        return fmt_num(res.cpu_result.median, table.unit)
    med = table.cpu_ratio(name)[0]
    return f"{fmt_num(res.cpu_result.median, table.unit)} ({med:.2f})"


def render(table: Table, markdown: bool = False) -> str:
    cpu_label = "client CPU (µs/call)" if table.scaling is not None else f"client CPU ({table.unit}) (ratio)"
    header = [
        "approach",
        f"median ({table.unit})" if table.unit else "value",
        "spread",
        "best",
        table.ratio_label,
        cpu_label,
        "note",
    ]
    rows = []
    for name, res in table.results.items():
        if res.skipped:
            rows.append([name, "skipped", "", "", "", "", res.skipped])
            continue
        best = (min if table.lower_is_better else max)(res.samples) if len(res.samples) > 1 else float("nan")
        rows.append(
            [
                name,
                fmt_num(res.median, table.unit),
                res.spread,
                fmt_num(best, table.unit),
                _ratio_cell(table, name),
                _cpu_cell(table, name),
                res.note,
            ]
        )
    for col in (6, 5, 3, 2):  # drop empty optional columns
        if all(r[col] in ("", "–") for r in rows):
            header = header[:col] + header[col + 1 :]
            rows = [r[:col] + r[col + 1 :] for r in rows]
    if not table.ratio_label:  # plain measurements: name, median and spread
        keep = [i for i, h in enumerate(header) if i < 2 or h == "spread"]
        header, rows = [header[i] for i in keep], [[r[i] for i in keep] for r in rows]
    lines = []
    if markdown:
        lines.append(f"#### {table.title}\n")
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines += [f"\n_{n}_" for n in table.notes]
    else:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        lines.append(f"\n== {table.title}")
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        lines.append("  ".join("-" * w for w in widths))
        for r in rows:
            lines.append(
                "  ".join(
                    (c.ljust(w) if i in (0, len(r) - 1) else c.rjust(w))
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                )
            )
        lines += [f"  note: {n}" for n in table.notes]
    return "\n".join(lines)


def render_checks(tables: list[Table], markdown: bool = False) -> str:
    lines = ["\n## Targets\n" if markdown else "\n== Targets"]
    if markdown:
        lines += ["| target | measured (median [min–max] over rounds) | met |", "|---|--:|:-:|"]
    for table in tables:
        for c in table.checks:
            value = f"{c.value:.2f}{c.unit} [{c.lo:.2f}–{c.hi:.2f}]" if c.lo != c.hi else f"{c.value:.0f}{c.unit}"
            if c.cpu is not None:
                value += f"; on CPU time {c.cpu[0]:.2f}{c.unit}"
            mark = "yes" if c.ok else "NO"
            lines.append(f"| {c.what} | {value} | {mark} |" if markdown else f"  [{mark:>3}] {c.what}: {value}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="only the cases with targets, fewer rounds and calls (< 2 minutes)"
    )
    parser.add_argument("--only", help=f"comma-separated cases: {', '.join(CASES)}")
    parser.add_argument("--skip", help="comma-separated cases to leave out")
    parser.add_argument(
        "--rounds", type=int, help="rounds of the call cases (default 7 quick, 15 full; slow cases get half)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the iteration counts")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown to this file")
    parser.add_argument("--json", type=Path, help="also write the raw samples as JSON to this file")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A.json", "B.json"),
        help="print two saved runs (--json) side by side with the ratio B÷A per row, and exit",
    )
    args = parser.parse_args(argv)
    if args.compare:
        from .compare import compare

        print(compare(*args.compare, markdown=args.markdown is not None))
        return 0

    default = QUICK_CASES if args.quick else list(CASES)
    names = default if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    skip = {n.strip() for n in (args.skip or "").split(",") if n.strip()}
    unknown = [n for n in [*names, *skip] if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    rounds = args.rounds or (7 if args.quick else 15)
    slow_rounds = max(2, (rounds + 1) // 2) if args.rounds else (3 if args.quick else 7)
    cfg = Config(quick=args.quick, rounds=rounds, slow_rounds=slow_rounds, scale=args.scale)

    started = time.perf_counter()
    print(
        f"mcpclient benchmarks ({'quick' if args.quick else 'full'}; {cfg.rounds} interleaved rounds per call case, "
        f"{cfg.slow_rounds} per slow case) — "
        f"Python {platform.python_version()}, {platform.machine()}, {_cpus()} CPUs",
        flush=True,
    )
    tables: list[Table] = []
    skipped: list[str] = []
    for name in names:
        if name in skip:
            continue
        print(f"-- {name}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            new = CASES[name](cfg)
        except Skip as exc:
            skipped.append(f"{name}: {exc}")
            print(f"\n== {name}: skipped ({exc})", flush=True)
            continue
        except Exception:
            skipped.append(f"{name}: failed")
            print(f"\n== {name}: FAILED", flush=True)
            traceback.print_exc()
            continue
        for table in new:
            print(render(table), flush=True)
        print(f"  ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        tables.extend(new)
    print(render_checks(tables))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")

    if args.markdown:
        parts = [render(t, markdown=True) for t in tables] + [render_checks(tables, markdown=True)]
        parts += [f"\n_skipped: {s}_" for s in skipped]
        args.markdown.write_text("\n\n".join(parts) + "\n")
    if args.json:
        data = {
            t.key: {
                "title": t.title,
                "unit": t.unit,
                "lower_is_better": t.lower_is_better,
                "rows": {n: {"samples": r.samples, "skipped": r.skipped} for n, r in t.results.items()},
                "checks": [
                    {"what": c.what, "value": c.value, "min": c.lo, "max": c.hi, "limit": c.limit, "ok": c.ok}
                    for c in t.checks
                ],
            }
            for t in tables
        }
        args.json.write_text(json.dumps(data, indent=1))
    missed = [c for t in tables for c in t.checks if not c.ok]
    return 1 if args.strict and (missed or skipped) else 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    sys.exit(main())
