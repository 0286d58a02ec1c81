"""Every Python sample of docs/distributed.md runs, as a script from the repository root.

A block right after `<!-- not-run: reason -->` is skipped (it needs a broker, gunicorn, ...);
every other block must exit 0 (the samples assert what they claim) within the time limit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "distributed.md"
_BLOCK = re.compile(r"(?P<marker><!-- not-run: [^>]*-->\n)?```python\n(?P<code>.*?)```", re.DOTALL)


def samples() -> list[tuple[str, str]]:
    text = PAGE.read_text()
    found = []
    for match in _BLOCK.finditer(text):
        heading = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)[-1]
        if match["marker"]:
            continue
        found.append((f"{heading} #{sum(1 for name, _ in found if name.startswith(heading)) + 1}", match["code"]))
    return found


def test_page_has_runnable_and_marked_samples() -> None:
    text = PAGE.read_text()
    assert len(samples()) >= 6
    assert text.count("<!-- not-run:") == 2  # Celery and gunicorn only


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("name", "code"), samples(), ids=[name for name, _ in samples()])
def test_sample_runs(name: str, code: str, tmp_path: Path, no_new_children: None) -> None:
    script = tmp_path / "sample.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=280, check=False
    )
    assert done.returncode == 0, f"{name} failed:\nstdout:\n{done.stdout}\nstderr:\n{done.stderr[-3000:]}"
