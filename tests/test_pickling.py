"""SPEC §10: a SyncClient pickles as its configuration; results and every error round-trip.

The engines themselves (process pools, joblib, Dask, Ray) are in test_distributed.py; here a
plain `python` subprocess stands for "another process".
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import distributed_work
import pytest
from helpers import wait_for_exit
from mcp import types

import mcpclient
import mcpclient.errors
from mcpclient import CallToolResult, StreamableHttpTransport, SyncClient
from mcpclient.sync import pickling
from mcpclient.transports.stdio import PythonStdioTransport

TESTS_DIR = Path(__file__).resolve().parent
TASKS_SCRIPT = TESTS_DIR / "servers" / "tasks_server.py"


def _in_fresh_process(payload: bytes, code: str) -> str:
    """Run `code` in a new interpreter with `obj` = the unpickled payload; its stdout."""
    program = f"import pickle, sys\nobj = pickle.loads(sys.stdin.buffer.read())\n{code}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", program], input=payload, capture_output=True, timeout=60, env=env, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


# ------------------------------------------------------------------------------ SyncClient


def test_client_pickles_as_configuration_not_session(everything_script: Path) -> None:
    client = SyncClient(everything_script, name="ev", timeout=12, log_level="debug")
    try:
        before = pickle.dumps(client)
        server_pid = client.call_tool("getpid").data
        after = pickle.dumps(client)
        assert before == after  # the open session, loop thread and server add nothing
        for secret in (b"_thread", b"LoopThread", b"Popen", b"Process"):
            assert secret not in after
        # In the same process, every copy is the client itself: one connection.
        assert pickle.loads(after) is client
        assert client.call_tool("getpid").data == server_pid

        # Another process gets a client with the same options that connects on first use.
        out = _in_fresh_process(
            after,
            "print(obj.is_connected(), obj.name, obj.async_client.timeout)\n"
            "print(obj.call_tool('getpid').data)\n"
            "print(pickle.loads(pickle.dumps(obj)) is obj)\n",
        )
        first, pid, same = out.splitlines()
        assert first == "False ev 12"
        assert int(pid) != server_pid
        assert same == "True"
        wait_for_exit([int(pid)])  # the other process closed its server at exit
    finally:
        client.close()


def test_copies_in_one_process_share_one_client(everything_script: Path) -> None:
    client = SyncClient(everything_script)
    data = pickle.dumps(client)
    del client  # the original is gone: the first copy becomes this process's client for the identity
    first = pickle.loads(data)
    assert pickle.loads(data) is first
    assert first._blueprint.identity in pickling.registered()
    first.close()


def test_new_client_has_its_own_identity(everything_script: Path) -> None:
    client = SyncClient(everything_script)
    clone = client.new()
    assert clone._blueprint.identity != client._blueprint.identity
    assert pickle.loads(pickle.dumps(clone)) is clone


def test_unpicklable_handler_names_the_option(everything_script: Path) -> None:
    client = SyncClient(everything_script, log_handler=lambda message: None)
    with pytest.raises(TypeError, match=r"SyncClient\(log_handler=\.\.\.\) cannot be pickled"):
        pickle.dumps(client)
    client.set_sampling_callback(distributed_work.record_log)  # picklable; log_handler still is not
    with pytest.raises(TypeError, match="log_handler"):
        pickle.dumps(client)

    def local_roots() -> list[str]:
        return []

    ok = SyncClient(everything_script, log_handler=distributed_work.record_log)
    pickle.dumps(ok)
    ok.set_roots(local_roots)
    with pytest.raises(TypeError, match=r"SyncClient\(roots=\.\.\.\) cannot be pickled"):
        pickle.dumps(ok)


def test_picklable_handler_travels(everything_script: Path) -> None:
    client = SyncClient(everything_script, log_handler=distributed_work.record_log, log_level="debug")
    out = _in_fresh_process(
        pickle.dumps(client),
        "import distributed_work\nprint(distributed_work.log_through(obj, 'shipped')[1])\n",
    )
    assert "shipped" in out


def test_in_process_server_cannot_be_pickled(everything_server: Any) -> None:
    client = SyncClient(everything_server)
    with pytest.raises(TypeError, match="in-process server cannot be pickled"):
        pickle.dumps(client)
    with pytest.raises(TypeError, match=r"InMemoryTransport\('everything'\) cannot be pickled"):
        pickle.dumps(client.transport)


def test_stdio_transport_pickles_without_process(everything_script: Path) -> None:
    transport = PythonStdioTransport(everything_script, env={"X": "1"}, keep_alive=False)
    with SyncClient(transport) as client:
        pid = client.call_tool("getpid").data
        assert transport.pid == pid
        copy = pickle.loads(pickle.dumps(transport))
        assert copy.pid is None and copy.command_line == transport.command_line and copy.env == {"X": "1"}
        out = _in_fresh_process(pickle.dumps(client), "print(obj.call_tool('getpid').data)")
        assert int(out) != pid
    assert transport.fresh().pid is None


def test_http_transport_ships_url_headers_and_token(http_url: str) -> None:
    transport = StreamableHttpTransport(http_url, headers={"X-Team": "a"}, auth="secret-token")
    assert transport._resolved_auth is not None
    copy = pickle.loads(pickle.dumps(transport))
    assert (copy.url, copy.headers, copy.auth) == (http_url, {"X-Team": "a"}, "secret-token")
    assert copy._resolved_auth is None  # rebuilt on first use in the receiving process
    assert copy._auth() is not None

    client = SyncClient(http_url, headers={"X-Team": "a"})
    out = _in_fresh_process(pickle.dumps(client), "print(obj.call_tool('echo', {'text': 'over http'}).text)")
    assert out == "over http"


def test_config_dict_source_pickles(everything_script: Path) -> None:
    config = {"mcpServers": {"ev": {"command": sys.executable, "args": [str(everything_script)]}}}
    client = SyncClient(config)
    out = _in_fresh_process(pickle.dumps(client), "print(obj.call_tool('echo', {'text': 'via config'}).text)")
    assert out == "via config"


# --------------------------------------------------------------------------------- results


def test_call_tool_result_with_data_round_trips(everything_script: Path) -> None:
    with SyncClient(everything_script, keep_alive=False) as client:
        user = client.call_tool("get_user", {"user_id": 7})
        assert dataclasses.is_dataclass(user.data)
        again = pickle.loads(pickle.dumps(user))
        assert again == user and type(again.data) is type(user.data)
        assert again.data.address.city == user.data.address.city

        # In a process that never saw the schema, the dataclass is rebuilt from it.
        out = _in_fresh_process(
            pickle.dumps(user),
            "import dataclasses\n"
            "d = obj.data\n"
            "print(type(d).__name__, type(d.address).__name__, dataclasses.is_dataclass(d), d.address.city, d.tags)",
        )
        assert out == f"User Address True {user.data.address.city} {user.data.tags}"

        blocks = client.call_tool_mcp("echo", {"text": "raw"})
        assert pickle.loads(pickle.dumps(blocks)) == blocks
        for uri in ("data://greeting", "data://blob"):  # text and blob contents
            contents = client.read_resource(uri)
            assert pickle.loads(pickle.dumps(contents)) == contents


def test_listings_round_trip(everything_script: Path) -> None:
    with SyncClient(everything_script, keep_alive=False) as client:
        for listing in (
            client.list_tools(),
            client.list_resources(),
            client.list_resource_templates(),
            client.list_prompts(),
            client.get_prompt("greet", {"name": "x"}),
        ):
            again = pickle.loads(pickle.dumps(listing))
            assert type(again) is type(listing) and again == listing


def test_task_results_round_trip() -> None:
    with SyncClient(TASKS_SCRIPT, mode="legacy", keep_alive=False) as client:
        task = client.call_tool("add", {"a": 2, "b": 3}, task=True)
        result = task.result(timeout=10)
        assert isinstance(result, CallToolResult) and result.data == 5
        assert pickle.loads(pickle.dumps(result)) == result
        status = client.get_task_status(task.task_id)
        assert pickle.loads(pickle.dumps(status)) == status
        raw = client.get_task_result(task.task_id)
        assert isinstance(raw, types.CallToolResult) and pickle.loads(pickle.dumps(raw)) == raw


# ---------------------------------------------------------------------------------- errors

# A value for every constructor parameter any error class takes; a new parameter fails the test below
# until it is added here, so a new error class cannot skip the round trip.
_ARGUMENTS: dict[str, Any] = {
    "message": "it broke",
    "server": "srv",
    "method": "tools/call",
    "code": -32000,
    "data": {"detail": [1, 2]},
    "tool": "add",
    "result": CallToolResult(content=[types.TextContent(type="text", text="bad")], is_error=True),
    "command": ["python", "server.py"],
    "exit_code": 3,
    "stderr_tail": ["Traceback", "boom"],
    "filename": "/nowhere/server.py",
    "timeout": 1.5,
    "field": "mcpServers.a.command",
    "file": "/etc/mcp.json",
    "path": "arguments.when",
    "status_code": 502,
    "body": "<html>Bad Gateway</html>",
    "reason": "not JSON",
    "size": 2_000_000,
    "limit": 1_000_000,
    "uri": "skill://review/SKILL.md",
    "task": {"taskId": "t1", "status": "cancelled"},
}


def _build(cls: type[BaseException]) -> BaseException:
    kwargs = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        assert name in _ARGUMENTS, f"add a sample value for {cls.__name__}({name}=...) to _ARGUMENTS"
        kwargs[name] = _ARGUMENTS[name]
    positional = [p for p in inspect.signature(cls.__init__).parameters.values() if p.kind is p.POSITIONAL_ONLY]
    assert not positional
    return cls(**kwargs)


@pytest.mark.parametrize("name", mcpclient.errors.__all__)
def test_every_error_round_trips(name: str) -> None:
    cls = getattr(mcpclient.errors, name)
    assert issubclass(cls, mcpclient.errors.MCPClientError)
    error = _build(cls)
    error.add_note("a note")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls
    assert str(again) == str(error) and again.args == error.args
    assert vars(again) == vars(error)
    if isinstance(error, OSError):
        assert (again.filename, again.errno) == (error.filename, error.errno)
    with pytest.raises(cls):
        raise again


def test_raised_errors_round_trip(everything_script: Path, startup_fail_script: Path) -> None:
    with SyncClient(everything_script, keep_alive=False) as client, pytest.raises(mcpclient.ToolError) as tool_error:
        client.call_tool("fail", {"message": "nope"})
    again = pickle.loads(pickle.dumps(tool_error.value))
    assert str(again) == str(tool_error.value) and again.result == tool_error.value.result

    with pytest.raises(mcpclient.ServerStartupError) as startup:
        SyncClient(startup_fail_script).call_tool("echo", {"text": "x"})
    again = pickle.loads(pickle.dumps(startup.value))
    assert again.exit_code == startup.value.exit_code == 3 and again.stderr_tail == startup.value.stderr_tail
