"""The Flask extension and the Django helper: one lazily created SyncClient per process,
shared by request threads, fork-safe, closed on demand and at exit."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mcpclient import ConfigError, SyncClient
from mcpclient.contrib import SharedClient, source_from_setting

if TYPE_CHECKING:
    from flask import Flask

SERVER = Path(__file__).resolve().parent.parent / "examples" / "server.py"


def in_forked_child(fn: Callable[[], str]) -> str:
    """Run `fn` in a forked child (as a pre-fork web server would) and return what it returned."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 0
        try:
            # Timers are not inherited: make sure a hung child dies instead of hanging the parent's read.
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(45)
            os.close(read_fd)
            try:
                answer = fn()
            except BaseException as exc:
                answer, code = f"child failed: {exc!r}", 1
            os.write(write_fd, answer.encode())
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        answer = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, answer
    return answer


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


# ----------------------------------------------------------------------------- shared


def test_source_from_setting() -> None:
    entries = {"example": {"command": "python", "args": ["server.py"]}}
    assert source_from_setting(entries) == {"mcpServers": entries}
    assert source_from_setting({"mcpServers": entries}) == {"mcpServers": entries}
    assert source_from_setting("server.py") == "server.py"
    assert source_from_setting(SERVER) is SERVER


def test_shared_client_is_created_once_under_contention() -> None:
    created: list[SyncClient] = []

    def factory() -> SyncClient:
        client = SyncClient(SERVER)  # creating a SyncClient does not connect
        created.append(client)
        return client

    shared = SharedClient(factory)
    assert "not created yet" in repr(shared)
    barrier = threading.Barrier(16)

    def first_use(_: int) -> SyncClient:
        barrier.wait()
        return shared.client

    with ThreadPoolExecutor(max_workers=16) as pool:
        clients = list(pool.map(first_use, range(16)))
    assert len(created) == 1
    assert all(client is created[0] for client in clients)
    shared.close()
    shared.close()  # idempotent
    assert shared.client is not created[0]  # a closed holder builds a new client on next use
    shared.close()


# ------------------------------------------------------------------------------ Flask


@pytest.fixture
def flask_app() -> Any:
    flask = pytest.importorskip("flask")
    app = flask.Flask("contrib_test")
    app.config["MCP_SERVERS"] = str(SERVER)
    return app


@pytest.fixture
def mcp(flask_app: Flask) -> Iterator[Any]:
    from mcpclient.contrib.flask import MCP

    ext = MCP(flask_app, timeout=25)

    @flask_app.get("/add")
    def add() -> dict[str, Any]:
        from flask import request

        a, b = request.args.get("a", 0, type=int), request.args.get("b", 0, type=int)
        return {"sum": ext.client.call_tool("add", {"a": a, "b": b}).data}

    yield ext
    ext.close()


def test_flask_client_is_lazy_and_shared(no_new_children: None, flask_app: Any, mcp: Any) -> None:
    from flask import current_app

    shared = flask_app.extensions["mcp"]
    assert isinstance(shared, SharedClient)
    assert "not created yet" in repr(shared)  # MCP(app) starts nothing

    client = mcp.client  # outside an app context: the app given to MCP()
    with flask_app.app_context():
        assert current_app.extensions["mcp"].client is client
        assert mcp.client is client
    assert client.async_client.timeout == 25

    http = flask_app.test_client()
    with ThreadPoolExecutor(max_workers=8) as pool:
        sums = list(pool.map(lambda i: http.get(f"/add?a={i}&b=1").get_json()["sum"], range(24)))
    assert sums == [i + 1 for i in range(24)]
    assert mcp.client is client


def test_flask_init_app_factory_pattern(no_new_children: None) -> None:
    flask = pytest.importorskip("flask")
    from mcpclient.contrib.flask import MCP

    mcp = MCP()
    apps = [flask.Flask(f"app{i}") for i in range(2)]
    for app in apps:
        app.config.update(MCP_SERVERS=str(SERVER), MCP_CLIENT_OPTIONS={"timeout": 7})
        mcp.init_app(app)

    with pytest.raises(RuntimeError, match="init_app"):
        _ = mcp.client  # no app given to MCP() and no app context
    clients = []
    for app in apps:
        with app.app_context():
            clients.append(mcp.client)
            assert mcp.client.call_tool("add", {"a": 1, "b": 2}).data == 3
            assert mcp.client.async_client.timeout == 7
    assert clients[0] is not clients[1]  # one client per app
    for app in apps:
        with app.app_context():
            mcp.close()


def test_flask_missing_servers_setting() -> None:
    flask = pytest.importorskip("flask")
    from mcpclient.contrib.flask import MCP

    mcp = MCP(flask.Flask("unconfigured"))
    with pytest.raises(ConfigError, match="MCP_SERVERS"):
        _ = mcp.client


def test_flask_close_then_reuse(no_new_children: None, flask_app: Any, mcp: Any) -> None:
    first = mcp.client
    assert first.call_tool("add", {"a": 1, "b": 1}).data == 2
    mcp.close()
    assert not first.is_connected()
    assert mcp.client is not first
    assert mcp.client.call_tool("add", {"a": 2, "b": 2}).data == 4


@needs_fork
def test_flask_client_after_fork(no_new_children: None, flask_app: Any, mcp: Any) -> None:
    parent_client = mcp.client
    assert parent_client.call_tool("add", {"a": 1, "b": 1}).data == 2  # connected before the fork
    parent_server = parent_client.transport.pid

    def child() -> str:
        try:
            client = mcp.client
            total = client.call_tool("add", {"a": 20, "b": 22}).data
            return f"{total} {client is parent_client} {client.transport.pid != parent_server}"
        finally:
            mcp.close()  # os._exit skips atexit: end the child's own server here

    assert in_forked_child(child) == "42 True True"
    # The parent's session and server were not disturbed by the child.
    assert parent_client.call_tool("add", {"a": 2, "b": 3}).data == 5
    assert parent_client.transport.pid == parent_server


# ----------------------------------------------------------------------------- Django


def add_view(request: Any) -> Any:
    from django.http import JsonResponse

    from mcpclient.contrib.django import get_client

    a, b = int(request.GET["a"]), int(request.GET["b"])
    return JsonResponse({"sum": get_client().call_tool("add", {"a": a, "b": b}).data})


def _urlpatterns() -> list[Any]:
    from django.urls import path

    return [path("add/", add_view)]


@pytest.fixture
def django_settings() -> Iterator[Any]:
    pytest.importorskip("django")
    import django
    from django.conf import settings
    from django.test import override_settings

    if not settings.configured:
        settings.configure(DEBUG=True, ALLOWED_HOSTS=["testserver"], INSTALLED_APPS=[], DATABASES={}, MIDDLEWARE=[])
        django.setup()
    from mcpclient.contrib.django import close_client

    global urlpatterns
    urlpatterns = _urlpatterns()
    with override_settings(ROOT_URLCONF=__name__, MCP_SERVERS=str(SERVER), MCP_CLIENT_OPTIONS={"timeout": 9}):
        yield settings
    close_client()


urlpatterns: list[Any] = []


def test_django_client_shared_across_request_threads(no_new_children: None, django_settings: Any) -> None:
    from django.test import Client

    from mcpclient.contrib.django import get_client

    def request(i: int) -> tuple[int, SyncClient]:
        response = Client().get("/add/", {"a": i, "b": 100})
        assert response.status_code == 200, response.content
        return response.json()["sum"], get_client()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(request, range(24)))
    assert [total for total, _ in results] == [i + 100 for i in range(24)]
    assert {id(client) for _, client in results} == {id(get_client())}
    assert get_client().async_client.timeout == 9


def test_django_settings_change_replaces_client(no_new_children: None, django_settings: Any) -> None:
    from django.test import override_settings

    from mcpclient.contrib.django import get_client

    first = get_client()
    assert first.call_tool("add", {"a": 1, "b": 1}).data == 2
    with override_settings(MCP_CLIENT_OPTIONS={"timeout": 3}):
        assert not first.is_connected()  # closed when the setting changed
        assert get_client() is not first
        assert get_client().async_client.timeout == 3


def test_django_missing_servers_setting(django_settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test import override_settings

    from mcpclient.contrib.django import get_client

    with override_settings(MCP_SERVERS=None), pytest.raises(ImproperlyConfigured, match="MCP_SERVERS"):
        get_client()


@needs_fork
def test_django_client_after_fork(no_new_children: None, django_settings: Any) -> None:
    from mcpclient.contrib.django import close_client, get_client

    parent_client = get_client()
    assert parent_client.call_tool("add", {"a": 1, "b": 1}).data == 2
    parent_server = parent_client.transport.pid

    def child() -> str:
        try:
            return str(get_client().call_tool("add", {"a": 40, "b": 2}).data)
        finally:
            close_client()

    assert in_forked_child(child) == "42"
    assert parent_client.call_tool("add", {"a": 2, "b": 3}).data == 5
    assert parent_client.transport.pid == parent_server
