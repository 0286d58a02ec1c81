"""Guards that keep the architecture so (docs/ARCHITECTURE.md).

- `mcpclient/__init__.py`: its lazy exports (`_EXPORTS`), `__all__` and its `TYPE_CHECKING`
  imports name the same things, from the same modules, and every name resolves.
- `from mcpclient import Client, SyncClient` and building a script's `Client` import no mcp SDK.
- `SyncClient.__init__` takes exactly `Client.__init__`'s options (one documented exception).
- The layer rule itself is checked by `lint-imports` (contracts in setup.cfg), run by .ci/run.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import mcpclient
from mcpclient import Client, SyncClient

PACKAGE = Path(mcpclient.__file__).resolve().parent


def _type_checking_imports() -> dict[str, str]:
    """`{name: relative module}` of the imports under `if TYPE_CHECKING:` in mcpclient/__init__.py."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.level == 1, ast.dump(statement)
                for alias in statement.names:
                    assert alias.name not in names, f"{alias.name} imported twice under TYPE_CHECKING"
                    names[alias.asname or alias.name] = "." + (statement.module or "")
    return names


def test_init_exports_all_and_type_checking_imports_agree() -> None:
    checked = _type_checking_imports()
    lazy: dict[str, str] = mcpclient._EXPORTS  # type: ignore[attr-defined]
    assert sorted(mcpclient.__all__) == mcpclient.__all__, "keep __all__ sorted"
    assert len(set(mcpclient.__all__)) == len(mcpclient.__all__)
    assert set(checked) == set(mcpclient.__all__), set(checked) ^ set(mcpclient.__all__)
    assert set(lazy) == set(mcpclient.__all__), set(lazy) ^ set(mcpclient.__all__)
    for name in mcpclient.__all__:
        assert lazy[name] == checked[name], f"{name}: _EXPORTS says {lazy[name]}, TYPE_CHECKING says {checked[name]}"
        value = getattr(mcpclient, name)
        assert value is getattr(importlib.import_module(checked[name], "mcpclient"), name), name
    assert set(mcpclient.__all__) <= set(dir(mcpclient))


def test_import_mcpclient_imports_no_submodule_and_no_extra() -> None:
    code = (
        "import sys, mcpclient; "
        "print(sorted(m for m in sys.modules if m.startswith('mcpclient.') or m.split('.')[0] in "
        "{'flask', 'django', 'tqdm', 'IPython', 'rich', 'langchain', 'openai', 'anthropic', 'dask', 'ray', 'joblib'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "['mcpclient._version']"


def test_importing_and_building_a_script_client_imports_no_sdk(everything_script: Path) -> None:
    # The server of a script source starts while the SDK is imported (mcpclient/_early.py): that
    # overlap needs both faces importable, and a script's Client buildable, without the mcp SDK
    # (which `Client()` then imports on a helper thread: only this thread's imports are counted).
    code = f"""if True:
        import sys, threading
        sdk = {{"mcp", "mcp_types", "pydantic", "httpx2"}}
        here, imported = threading.get_ident(), []
        sys.addaudithook(lambda event, args: event == "import" and threading.get_ident() == here
                         and args[0].split(".")[0] in sdk and imported.append(args[0]))
        from mcpclient import Client, SyncClient
        print(imported)
        client = Client({str(everything_script)!r})
        print(imported)
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.splitlines() == ["[]", "[]"]


# Options of Client.__init__ that SyncClient does not take, and why (keep docs/reference in step).
SYNC_EXCEPTIONS = {
    "lazy_connect": "SyncClient always connects on first use: it passes lazy_connect=True to its Client",
}


def _options(function: object) -> list[tuple[str, object, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    # Annotations are strings (`from __future__ import annotations`): compared as written.
    return [
        (parameter.name, parameter.kind, parameter.default, parameter.annotation)
        for parameter in signature.parameters.values()
        if parameter.name != "self"
    ]


def test_sync_client_takes_exactly_the_clients_options() -> None:
    client = _options(Client.__init__)
    sync = _options(SyncClient.__init__)
    assert all(isinstance(annotation, str) for *_, annotation in client + sync)
    expected = [option for option in client if option[0] not in SYNC_EXCEPTIONS]
    assert sync == expected
    assert set(SYNC_EXCEPTIONS) <= {name for name, *_ in client}, "an exception names an option Client lacks"
