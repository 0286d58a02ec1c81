"""Every example in examples/ runs, against the bundled example server over stdio.

Scripts run in a fresh interpreter, as a user would run them; the Flask app is imported
and driven by Flask's test client and by a real threaded server; the notebook is
executed by nbclient on an ipykernel of this interpreter; the Django project runs its own
tests (Django's test client) with `manage.py test`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(*args: str, cwd: Path = EXAMPLES, timeout: float = 50) -> str:
    """Run `python <args>` like a user would (no stdin); return stdout, failing with all output."""
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"exit code {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


# ------------------------------------------------------------------------------ scripts


def test_demo(no_new_children: None) -> None:
    # Run from the repository root, exactly as the README tells a newcomer to.
    out = run_example(str(EXAMPLES / "demo.py"), cwd=EXAMPLES.parent)
    assert "Connected to 'example'" in out
    assert "  weather " in out
    assert "add(2, 3) = 5" in out
    assert "weather('Paris') = " in out
    assert "Notes for" in out
    assert "[user] Please review this code" in out


def test_script(no_new_children: None) -> None:
    out = run_example("script.py")
    assert "progress 3/3: counted 3" in out
    assert "server log [info] finished counting to 3" in out
    assert "-> Hello, Ada!" in out
    assert "ToolError: Error executing tool divide: cannot divide by zero" in out
    assert "is_error=True" in out
    assert "TimeoutError after 0.3s" in out
    assert "add(1, 1) = 2" in out
    assert "ServerNotFoundError" in out and "no_such_server.py" in out


def test_multi_server(no_new_children: None) -> None:
    out = run_example("multi_server.py")
    assert "example_add" in out and "clock_now" in out
    assert "example_add(2, 3) = 5" in out
    assert "clock_now(+1h) = " in out and "+01:00" in out
    assert "clock://clock/epoch" in out
    assert json.loads((EXAMPLES / "multi_server.json").read_text())["mcpServers"].keys() == {"example", "clock"}


# ----------------------------------------------------------------------------- notebook


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec running ipykernel in this interpreter (so in this venv), found via JUPYTER_PATH."""
    name = "mcpclient-test"
    spec_dir = tmp_path / "jupyter" / "kernels" / name
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "mcpclient tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # silences jupyter_core's deprecation notice
    return name


@pytest.mark.timeout(180)
def test_notebook(kernel_name: str, no_new_children: None) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    nb = nbformat.read(EXAMPLES / "notebook.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=60, kernel_name=kernel_name, resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()  # raises CellExecutionError (with the cell and traceback) if a cell fails

    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all("asyncio" not in cell.source and "await" not in cell.source for cell in code)
    stdout = "".join(
        output.get("text", "") for cell in code for output in cell.outputs if output.output_type == "stream"
    )
    assert "2 + 3 = 5" in stdout
    assert "3/3 counted 3" in stdout  # printed by a progress handler, in the cell's own output
    assert "Notes for" in stdout
    results = [output for cell in code for output in cell.outputs if output.output_type == "execute_result"]
    assert "weather" in json.dumps(results[0]["data"])  # the tool list...
    assert "text/html" in results[0]["data"]  # ...rendered as a table
    assert any("text/html" in result["data"] and "Paris" in json.dumps(result["data"]) for result in results)
    assert any("Paris" in json.dumps(result["data"]) for result in results)
    assert any("counted to 5" in json.dumps(result["data"]) for result in results)  # the tqdm cell


# -------------------------------------------------------------------------------- Flask


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def flask_app() -> Iterator[Any]:
    pytest.importorskip("flask")
    module = _load(EXAMPLES / "flask_app.py", "example_flask_app")
    app = module.create_app()
    yield app
    with app.app_context():
        module.mcp.close()


def test_flask_app_with_test_client(no_new_children: None, flask_app: Any) -> None:
    http = flask_app.test_client()
    assert "weather" in http.get("/tools").get_json()["tools"]
    assert http.get("/add?a=2&b=40").get_json() == {"sum": 42}
    assert http.get("/divide?a=1&b=4").get_json() == {"quotient": 0.25}
    failed = http.get("/divide?a=1&b=0")
    assert failed.status_code == 400
    assert "cannot divide by zero" in failed.get_json()["error"]
    report = http.get("/weather/Oslo").get_json()
    assert report["city"] == "Oslo" and report["conditions"] in ("sunny", "cloudy", "rainy", "windy")


def test_flask_app_under_threaded_server(no_new_children: None, flask_app: Any) -> None:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, name="werkzeug", daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"

    def get(path: str) -> Any:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return json.load(response)

    try:
        assert get("/add?a=1&b=1") == {"sum": 2}  # connects the shared client
        with flask_app.app_context():
            shared = flask_app.extensions["mcp"].client
            server_pid = shared.transport.pid
        with ThreadPoolExecutor(max_workers=8) as pool:
            sums = list(pool.map(lambda i: get(f"/add?a={i}&b=1000")["sum"], range(48)))
            cities = list(pool.map(lambda c: get(f"/weather/{c}")["city"], ["Oslo", "Lima", "Pune", "Graz"] * 4))
        assert sums == [i + 1000 for i in range(48)]
        assert cities == ["Oslo", "Lima", "Pune", "Graz"] * 4
        with flask_app.app_context():
            # Every request thread used the same client and the same server process.
            assert flask_app.extensions["mcp"].client is shared
            assert shared.transport.pid == server_pid
    finally:
        server.shutdown()
        serving.join(10)
        server.server_close()


# ------------------------------------------------------------------------------- Django


@pytest.mark.timeout(180)
def test_django_project(no_new_children: None) -> None:
    pytest.importorskip("django")
    proc = subprocess.run(
        [sys.executable, "manage.py", "test", "mcpdemo", "-v", "2"],
        cwd=EXAMPLES / "django_app",
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=170,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"manage.py test failed:\n{output}"
    assert "Ran 4 tests" in output and "OK" in output
    assert "test_concurrent_requests_share_one_client" in output
