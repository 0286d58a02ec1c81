"""mcpclient.auth against a real OAuth-protected MCP server (tests/servers/oauth_server.py).

No mocks of HTTP: the server is the SDK's own resource server + authorization server under
uvicorn in a subprocess; the "browser" is an HTTP GET that follows the authorization server's
redirect to our local callback listener. Every test caches tokens under its own tmp_path.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import httpx2
import pytest
from helpers import async_wait_for, wait_for
from mcp import Client as SDKClient
from mcp.client.streamable_http import streamable_http_client

from mcpclient.auth import BearerAuth, FileTokenStorage, OAuth, OAuthCallbackError, OAuthFlowError, resolve_auth

pytestmark = pytest.mark.anyio

SERVER_SCRIPT = Path(__file__).resolve().parent / "servers" / "oauth_server.py"
STATIC_TOKEN = "secret-token-for-bearer-test"


# ------------------------------------------------------------------------------ the server


class OAuthServer:
    """tests/servers/oauth_server.py in a subprocess of its own process group."""

    def __init__(self, workdir: Path, *args: str) -> None:
        self._workdir = workdir
        self._port_file = workdir / "port"
        self._stderr = workdir / "stderr.txt"
        with self._stderr.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, str(SERVER_SCRIPT), "--port-file", str(self._port_file), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=os.name == "posix",
            )
        try:
            wait_for(self._port_known, 30, message=self._stderr_tail)
            self.base_url = f"http://127.0.0.1:{int(self._port_file.read_text())}"
            wait_for(self._answers, 30, message=self._stderr_tail)
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"{self.base_url}/mcp"

    def _stderr_tail(self) -> str:
        return self._stderr.read_text(errors="replace")[-2000:]

    def _port_known(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"oauth server exited with {self.proc.returncode}:\n{self._stderr_tail()}")
        return self._port_file.exists()

    def _answers(self) -> bool:
        try:
            return httpx2.get(f"{self.base_url}/_test/stats", timeout=2).status_code == 200
        except httpx2.TransportError:
            return False

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = httpx2.get(f"{self.base_url}/_test/stats", timeout=5).json()
        return result

    def post(self, path: str) -> None:
        httpx2.post(f"{self.base_url}{path}", timeout=5).raise_for_status()

    def stop(self) -> None:
        if self.proc.poll() is None:
            if os.name == "posix":
                os.killpg(self.proc.pid, signal.SIGTERM)
            else:
                self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def oauth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthServer]:
    server = OAuthServer(tmp_path_factory.mktemp("oauth-server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def bearer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthServer]:
    server = OAuthServer(tmp_path_factory.mktemp("bearer-server"), "--static-token", STATIC_TOKEN)
    try:
        yield server
    finally:
        server.stop()


class Delta:
    """What the server counted since this object was made."""

    def __init__(self, server: OAuthServer) -> None:
        self._server = server
        self._before = server.stats()

    def __call__(self) -> dict[str, int]:
        after = self._server.stats()
        return {k: v - self._before.get(k, 0) for k, v in after.items() if v != self._before.get(k, 0)}


# ----------------------------------------------------------------------------- the browser


class Browser:
    """Stands in for the user's browser: GETs the authorization URL and follows the redirects
    (to our local callback), as a browser with an already-consenting user would."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.pages: list[tuple[int, str]] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        with httpx2.Client(follow_redirects=True, timeout=20) as client:
            response = client.get(url)
        self.pages.append((response.status_code, response.text))


class NoBrowser:
    """A browser that must not be needed."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)


async def whoami(url: str, auth: httpx2.Auth) -> dict[str, Any]:
    async with (
        httpx2.AsyncClient(auth=auth, timeout=30) as http,
        SDKClient(streamable_http_client(url, http_client=http)) as client,
    ):
        result = await client.call_tool("whoami", {})
    assert not result.is_error, result
    text = result.content[0].text  # type: ignore[union-attr]
    data: dict[str, Any] = json.loads(text)
    return data


def cache_file(cache_dir: Path) -> Path:
    files = list(cache_dir.glob("*.json"))
    assert len(files) == 1, files
    return files[0]


def cached(cache_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cache_file(cache_dir).read_text())
    return data


def secrets_in(cache_dir: Path) -> list[str]:
    data = cached(cache_dir)
    values = [data["tokens"]["access_token"], data["tokens"].get("refresh_token")]
    values.append(data.get("client_info", {}).get("client_secret"))
    return [v for v in values if v]


async def authorized(server: OAuthServer, cache_dir: Path) -> Browser:
    """Run the first, full flow into `cache_dir`."""
    browser = Browser()
    await whoami(server.url, OAuth(server.url, cache_dir=cache_dir, open_browser=browser, timeout=20))
    assert len(browser.urls) == 1
    return browser


# ---------------------------------------------------------------------------------- tests


async def test_first_connect_runs_the_whole_flow_and_caches_the_token(
    oauth_server: OAuthServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    delta = Delta(oauth_server)
    browser = Browser()
    cache_dir = tmp_path / "cache"
    oauth = OAuth(oauth_server.url, cache_dir=cache_dir, open_browser=browser, timeout=20)

    me = await whoami(oauth_server.url, oauth)

    assert me["scopes"] == ["user"]
    assert len(browser.urls) == 1
    url = browser.urls[0]
    assert url.startswith(f"{oauth_server.base_url}/authorize?")
    assert "code_challenge_method=S256" in url and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
    await async_wait_for(lambda: browser.pages, 10)  # the browser thread reads the page
    assert browser.pages[0][0] == 200 and "You can close this window" in browser.pages[0][1]
    counts = delta()
    assert counts["registrations"] == 1
    assert counts["grant:authorization_code"] == 1
    assert "grant:refresh_token" not in counts

    # The token cache: one 0600 file in a 0700 directory, holding the token and its expiry.
    path = cache_file(cache_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    data = cached(cache_dir)
    tokens = await FileTokenStorage(oauth_server.url, cache_dir).get_tokens()
    assert tokens is not None and tokens.access_token in path.read_text()
    assert data["client_info"]["client_id"] == me["client_id"]
    assert data["token_expires_at"] > time.time() + 3000
    assert data["oauth_metadata"]["token_endpoint"] == f"{oauth_server.base_url}/token"
    assert not [p for p in cache_dir.iterdir() if p.suffix != ".json"]  # no temporary files left

    # Headless users get the URL on stderr.
    err = capfd.readouterr().err
    assert "if it does not open, visit:" in err and url in err


async def test_a_sign_in_reaches_the_authorization_endpoint_once(oauth_server: OAuthServer, tmp_path: Path) -> None:
    """A fresh registration is not pre-flighted: the authorization server sees each sign-in once
    (it counts authorization attempts, e.g. for a retry limit), and a stale-registration check runs
    only for a registration cached by an earlier run."""
    delta = Delta(oauth_server)
    await whoami(oauth_server.url, OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=Browser(), timeout=20))
    assert delta()["authorizations"] == 1


async def test_second_client_reuses_the_cached_token(oauth_server: OAuthServer, tmp_path: Path) -> None:
    await authorized(oauth_server, tmp_path)
    delta = Delta(oauth_server)
    browser = NoBrowser()

    me = await whoami(oauth_server.url, OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=5))

    assert me["scopes"] == ["user"]
    assert browser.urls == []
    assert delta() == {}  # no registration, no authorization, no token request at all


async def test_expired_cached_token_is_refreshed_in_a_new_process(oauth_server: OAuthServer, tmp_path: Path) -> None:
    await authorized(oauth_server, tmp_path)
    before = cached(tmp_path)
    # What a later process finds after the token's lifetime: the recorded expiry is past (and the
    # server agrees). Edited rather than waited for.
    path = cache_file(tmp_path)
    path.write_text(json.dumps({**before, "token_expires_at": time.time() - 60}))
    oauth_server.post("/_test/expire_access_tokens")
    delta = Delta(oauth_server)
    browser = NoBrowser()

    me = await whoami(oauth_server.url, OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=5))

    assert me["client_id"] == before["client_info"]["client_id"]
    assert browser.urls == []
    assert delta() == {"grant:refresh_token": 1}
    after = cached(tmp_path)
    assert after["tokens"]["access_token"] != before["tokens"]["access_token"]
    assert after["tokens"]["refresh_token"] != before["tokens"]["refresh_token"]  # rotated, saved
    assert after["token_expires_at"] > time.time() + 3000
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_token_the_server_rejects_is_refreshed_not_reauthorized(
    oauth_server: OAuthServer, tmp_path: Path
) -> None:
    """The cache still thinks the token is good, the server says 401: refresh, no browser."""
    await authorized(oauth_server, tmp_path)
    oauth_server.post("/_test/expire_access_tokens")
    delta = Delta(oauth_server)
    browser = NoBrowser()

    await whoami(oauth_server.url, OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=5))

    assert browser.urls == []
    assert delta() == {"grant:refresh_token": 1}


async def test_token_expiring_during_a_session_is_refreshed(oauth_server: OAuthServer, tmp_path: Path) -> None:
    browser = Browser()
    oauth = OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=20)
    async with (
        httpx2.AsyncClient(auth=oauth, timeout=30) as http,
        SDKClient(streamable_http_client(oauth_server.url, http_client=http)) as client,
    ):
        assert (await client.call_tool("echo", {"text": "one"})).content[0].text == "one"  # type: ignore[union-attr]
        oauth_server.post("/_test/expire_access_tokens")
        delta = Delta(oauth_server)
        assert (await client.call_tool("echo", {"text": "two"})).content[0].text == "two"  # type: ignore[union-attr]
        assert delta() == {"grant:refresh_token": 1}
        # The provider's own clock: once the expiry it recorded passes, it refreshes before sending.
        oauth.context.token_expiry_time = time.time() - 1
        delta = Delta(oauth_server)
        assert (await client.call_tool("echo", {"text": "three"})).content[0].text == "three"  # type: ignore[union-attr]
        assert delta() == {"grant:refresh_token": 1}
    assert len(browser.urls) == 1


async def test_stale_registration_is_replaced(oauth_server: OAuthServer, tmp_path: Path) -> None:
    """The authorization server forgot our client: register again instead of stranding the user
    on its "unknown client" page."""
    await authorized(oauth_server, tmp_path)
    old_client = cached(tmp_path)["client_info"]["client_id"]
    oauth_server.post("/_test/forget_clients")
    delta = Delta(oauth_server)
    browser = Browser()

    me = await whoami(oauth_server.url, OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=20))

    assert me["client_id"] != old_client
    assert cached(tmp_path)["client_info"]["client_id"] == me["client_id"]
    assert len(browser.urls) == 1  # one browser visit, at the new registration
    counts = delta()
    assert counts["registrations"] == 1 and counts["grant:authorization_code"] == 1


async def test_busy_callback_port_of_a_cached_registration(oauth_server: OAuthServer, tmp_path: Path) -> None:
    """A later process re-uses the registered callback port; when it is taken, it picks another
    and registers again instead of failing."""
    await authorized(oauth_server, tmp_path)
    data = cached(tmp_path)
    old_port = int(data["client_info"]["redirect_uris"][0].rsplit(":", 1)[1].split("/")[0])
    del data["tokens"], data["token_expires_at"]  # a full flow is needed
    cache_file(tmp_path).write_text(json.dumps(data))
    browser = Browser()
    delta = Delta(oauth_server)
    async with await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=old_port):
        await whoami(oauth_server.url, OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=20))
    assert len(browser.urls) == 1 and f"127.0.0.1%3A{old_port}%2F" not in browser.urls[0]
    assert delta()["registrations"] == 1
    assert str(old_port) not in cached(tmp_path)["client_info"]["redirect_uris"][0]


async def test_fixed_callback_port(oauth_server: OAuthServer, tmp_path: Path) -> None:
    async with await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0) as busy:
        port = busy.extra(anyio.abc.SocketAttribute.local_port)
        oauth = OAuth(oauth_server.url, cache_dir=tmp_path, callback_port=port, open_browser=NoBrowser(), timeout=5)
        async with httpx2.AsyncClient(auth=oauth, timeout=30) as http:
            with pytest.raises(OAuthCallbackError, match=f"Cannot listen for the OAuth callback on 127.0.0.1:{port}"):
                await http.post(oauth_server.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    browser = Browser()  # the port is free now
    oauth = OAuth(oauth_server.url, cache_dir=tmp_path, callback_port=port, open_browser=browser, timeout=20)
    await whoami(oauth_server.url, oauth)
    assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback" in browser.urls[0]
    assert issubclass(OAuthCallbackError, OAuthFlowError)


async def test_secrets_never_reach_repr_or_logs(
    oauth_server: OAuthServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = Browser()
    oauth = OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, scopes=["user"], timeout=20)
    await whoami(oauth_server.url, oauth)
    first = secrets_in(tmp_path)
    oauth_server.post("/_test/expire_access_tokens")  # and a refresh, in a new "process"
    second = OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=NoBrowser(), timeout=5)
    await whoami(oauth_server.url, second)
    secrets = set(first + secrets_in(tmp_path))
    assert len(secrets) >= 4  # two access tokens, two refresh tokens (+ the client secret)

    shown = [
        repr(oauth),
        str(oauth),
        repr(second),
        repr(oauth.token_storage),
        repr(BearerAuth("abc-secret")),
        str(BearerAuth("abc-secret")),
    ]
    assert repr(oauth) == f"OAuth(server_url={oauth_server.url!r}, scopes=['user'])"
    assert repr(BearerAuth("abc-secret")) == "BearerAuth(token='***')"
    assert all("abc-secret" not in text for text in shown)
    assert caplog.records, "expected DEBUG records from the HTTP stack"
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    out = capfd.readouterr()
    for secret in secrets:
        assert all(secret not in text for text in shown)
        assert secret not in logged
        assert secret not in out.out and secret not in out.err


async def test_callback_timeout_is_a_clear_error_and_frees_the_port(
    oauth_server: OAuthServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = NoBrowser()  # the user never comes back
    oauth = OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=0.5)
    async with httpx2.AsyncClient(auth=oauth, timeout=30) as http:
        with pytest.raises(OAuthCallbackError, match=r"No OAuth authorization arrived .* within 0.5 s"):
            await http.post(oauth_server.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert len(browser.urls) == 1
    # The error is raised with its whole story; no ERROR traceback is logged beside it.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    port = int(browser.urls[0].split("127.0.0.1%3A", 1)[1].split("%2F", 1)[0])
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)  # free again
    await listener.aclose()


async def test_callback_ignores_foreign_requests_and_reports_denial(oauth_server: OAuthServer, tmp_path: Path) -> None:
    """Only the redirect carrying our state ends the wait; an `error=` redirect fails the flow."""
    pages: list[tuple[int, str]] = []

    def denying_browser(url: str) -> None:
        redirect = httpx2.URL(url).params["redirect_uri"]
        with httpx2.Client(timeout=10) as client:
            for target in (f"{redirect}?code=x&state=forged", redirect.replace("/callback", "/favicon.ico")):
                response = client.get(target)
                pages.append((response.status_code, response.text))
            state = httpx2.URL(url).params["state"]
            response = client.get(redirect, params={"error": "access_denied", "state": state})
            pages.append((response.status_code, response.text))

    oauth = OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=denying_browser, timeout=20)
    async with httpx2.AsyncClient(auth=oauth, timeout=30) as http:
        with pytest.raises(OAuthCallbackError, match="refused: access_denied"):
            await http.post(oauth_server.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    await async_wait_for(lambda: len(pages) == 3, 10)  # the browser thread reads the last page
    assert [status for status, _ in pages] == [400, 404, 200]
    assert "Authorization failed" in pages[2][1]


async def test_bearer_token_string(bearer_server: OAuthServer) -> None:
    auth = resolve_auth(STATIC_TOKEN, bearer_server.url)
    assert isinstance(auth, BearerAuth)
    assert STATIC_TOKEN not in repr(auth)
    me = await whoami(bearer_server.url, auth)
    assert me == {"client_id": "static-client", "scopes": ["user"]}

    async with httpx2.AsyncClient(auth=BearerAuth("Bearer wrong-token"), timeout=10) as http:
        response = await http.post(bearer_server.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert response.status_code == 401
    assert response.request.headers["Authorization"] == "Bearer wrong-token"  # "Bearer " not doubled


def test_resolve_auth() -> None:
    url = "http://127.0.0.1:9/mcp"
    assert resolve_auth(None, url) is None
    oauth = resolve_auth("oauth", url)
    assert isinstance(oauth, OAuth) and oauth.server_url == url
    assert isinstance(resolve_auth("OAuth", url), OAuth)
    custom = httpx2.BasicAuth("user", "pass")
    assert resolve_auth(custom, url) is custom
    assert isinstance(resolve_auth("tok", url), BearerAuth)
    with pytest.raises(TypeError, match="int") as excinfo:
        resolve_auth(12345, url)  # type: ignore[arg-type]
    assert "12345" not in str(excinfo.value)
    with pytest.raises(ValueError):
        resolve_auth("   ", url)


def test_default_cache_location_and_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    storage = FileTokenStorage("https://example.com/mcp")
    if sys.platform.startswith("linux"):
        assert storage.directory == tmp_path / "xdg" / "mcpclient" / "oauth"
    same = FileTokenStorage("HTTPS://Example.com:443/mcp/", cache_dir=storage.directory)
    other = FileTokenStorage("https://example.com/other/mcp", cache_dir=storage.directory)
    assert same.path == storage.path
    assert other.path != storage.path  # two endpoints on one host never share tokens
    assert "example.com" not in storage.path.name


async def test_scopes_are_added_to_what_the_server_asks_for(tmp_path: Path) -> None:
    oauth = OAuth("http://127.0.0.1:9/mcp", scopes="files:read  offline_access", cache_dir=tmp_path)
    assert oauth.scopes == ["files:read", "offline_access"]
    metadata = oauth.context.client_metadata
    metadata.scope = "user"  # what the SDK's discovery does
    assert metadata.scope == "files:read offline_access user"
    metadata.scope = None
    assert metadata.scope == "files:read offline_access"


def test_flow_from_a_plain_script_with_a_background_loop(oauth_server: OAuthServer, tmp_path: Path) -> None:
    """What a SyncClient does: the flow runs on an event loop in a daemon thread while the
    script's main thread blocks on a future. The callback listener must work there."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            import asyncio, json, sys, threading
            import httpx2
            from mcp import Client
            from mcp.client.streamable_http import streamable_http_client
            from mcpclient.auth import OAuth

            url, cache = sys.argv[1], sys.argv[2]

            def browser(auth_url):
                httpx2.get(auth_url, follow_redirects=True, timeout=20)

            async def whoami():
                oauth = OAuth(url, cache_dir=cache, open_browser=browser, timeout=20)
                async with httpx2.AsyncClient(auth=oauth) as http:
                    async with Client(streamable_http_client(url, http_client=http)) as client:
                        result = await client.call_tool("whoami", {})
                return result.content[0].text

            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, daemon=True).start()
            print(json.dumps(json.loads(asyncio.run_coroutine_threadsafe(whoami(), loop).result(40))))
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), *sys.path])}
    done = subprocess.run(
        [sys.executable, str(script), oauth_server.url, str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=50,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["scopes"] == ["user"]
    assert "if it does not open, visit:" in done.stderr
    secret = cached(tmp_path / "cache")["tokens"]["access_token"]
    assert secret not in done.stdout + done.stderr


def _mcpclient_sync_ready() -> Callable[..., Any] | None:
    try:
        from mcpclient.sync import SyncClient
        from mcpclient.transports import StreamableHttpTransport
    except ImportError:
        return None
    return lambda url, auth: SyncClient(StreamableHttpTransport(url, auth=auth))


def test_oauth_through_mcpclient_syncclient(oauth_server: OAuthServer, tmp_path: Path) -> None:
    make = _mcpclient_sync_ready()
    if make is None:
        pytest.skip("mcpclient.SyncClient / StreamableHttpTransport not available yet")
    browser = Browser()
    oauth = OAuth(oauth_server.url, cache_dir=tmp_path, open_browser=browser, timeout=20)
    client = make(oauth_server.url, oauth)
    try:
        with client:
            result = client.call_tool("echo", {"text": "hi"})
        assert result.content[0].text == "hi"
    finally:
        client.close()
    assert len(browser.urls) == 1
    assert threading.current_thread() is threading.main_thread()


def test_auth_oauth_string_through_the_transport(
    oauth_server: OAuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`auth="oauth"`: default cache location (redirected to tmp_path) and `webbrowser.open`."""
    if not sys.platform.startswith("linux"):
        pytest.skip("redirects the user cache directory through XDG_CACHE_HOME")
    make = _mcpclient_sync_ready()
    if make is None:
        pytest.skip("mcpclient.SyncClient / StreamableHttpTransport not available yet")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    browser = Browser()
    monkeypatch.setattr("webbrowser.open", browser)
    for _ in range(2):  # the second client finds the token in the cache
        client = make(oauth_server.url, "oauth")
        try:
            with client:
                assert client.call_tool("echo", {"text": "hi"}).content[0].text == "hi"
        finally:
            client.close()
    assert len(browser.urls) == 1
    cache_dir = tmp_path / "xdg" / "mcpclient" / "oauth"
    assert stat.S_IMODE(cache_file(cache_dir).stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700


def test_reprs_hide_credentials_in_the_server_url(tmp_path: Path) -> None:
    url = "https://user:hunter2@example.com/mcp?api_key=s3cr3t"
    oauth = OAuth(url, cache_dir=tmp_path)
    for text in (repr(oauth), str(oauth), repr(oauth.token_storage)):
        assert "hunter2" not in text and "s3cr3t" not in text
        assert "https://example.com/mcp?***" in text
