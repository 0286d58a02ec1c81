"""Every ```python block of README.md and docs/**/*.md runs (SPEC §8: docs that match behaviour).

Each block runs as a script in a process of its own with the repository root as working
directory (so `examples/server.py` and `tests/servers/...` resolve), with a timeout; top-level
`await` is allowed (notebook-style async cells). The process is a fork of an interpreter that
already imported mcpclient and the SDK (the `zygote` fixture, tests/zygote.py): the block runs
as `__main__` from its first line exactly as `python sample.py` would run it, only without
~1.3 s of CPU per block spent on imports. Markers, in an HTML comment on the line before the block:

    <!-- not-run: REASON -->   a fragment, or needs what a test cannot provide (keep these few)
    <!-- continues -->         runs after the page's previous blocks (notebook cells, a walkthrough)
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Pages whose samples another test runs in the setting they need (not skipped: run there).
RUN_ELSEWHERE = {
    REPO / "docs" / "agents.md": "tests/test_agents_examples.py runs them against a fake model API",
}
PAGES = [REPO / "README.md", *sorted(p for p in (REPO / "docs").rglob("*.md") if p not in RUN_ELSEWHERE)]
_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_MARKER = re.compile(r"<!--\s*(not-run|continues)\s*:?\s*(.*?)-->\s*$")
_TIMEOUT = 180  # Dask and Ray samples start clusters: ~30 s idle, ~90 s on a loaded 2-CPU machine

# Runs the block; `await` at top level is allowed (as in a notebook cell).
_RUNNER = """
import ast, asyncio, inspect, sys
path = sys.argv[1]
code = compile(open(path, encoding="utf-8").read(), path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
namespace = {"__name__": "__main__"}
if code.co_flags & inspect.CO_COROUTINE:
    asyncio.run(eval(code, namespace))
else:
    exec(code, namespace)
"""


def _awaits(code: str) -> bool:
    # Only a block with top-level `await` needs the runner; the others run as the script itself, so
    # that `__main__` is the sample (process pools pickle its functions by `__main__.name`).
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return bool(compile(code, "<sample>", "exec", flags=flags, dont_inherit=True).co_flags & inspect.CO_COROUTINE)


@dataclass
class Sample:
    page: Path
    line: int
    code: str
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def collect() -> list[Sample]:
    samples: list[Sample] = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        previous: list[str] = []
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            marker = _MARKER.search(before)
            code = match.group(1)
            if marker and marker.group(1) == "not-run":
                samples.append(Sample(page, line, code, marker.group(2).strip() or "marked not-run"))
                continue
            if marker and marker.group(1) == "continues":
                code = "\n".join([*previous, code])
            previous = [code]
            samples.append(Sample(page, line, code, None))
    return samples


SAMPLES = collect()


def test_samples_were_found() -> None:
    assert len([s for s in SAMPLES if s.skip is None]) >= 20
    assert len([s for s in SAMPLES if s.skip is not None]) <= len(SAMPLES) // 3  # fragments stay few


@pytest.mark.timeout(_TIMEOUT + 30)
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.id for s in SAMPLES])
def test_docs_sample_runs(sample: Sample, tmp_path: Path, zygote: Callable[..., list[str]]) -> None:
    if sample.skip is not None:
        pytest.skip(sample.skip)
    script = tmp_path / "sample.py"
    script.write_text(sample.code, encoding="utf-8")
    command = zygote(script)
    if _awaits(sample.code):
        runner = tmp_path / "run_sample.py"
        runner.write_text(_RUNNER, encoding="utf-8")
        command = zygote(runner, str(script))
    try:
        result = subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{sample.id} did not finish within {_TIMEOUT}s:\n{exc.stderr}", pytrace=False)
    assert result.returncode == 0, f"{sample.id} failed:\n{sample.code}\n--- stderr:\n{result.stderr[-3000:]}"
