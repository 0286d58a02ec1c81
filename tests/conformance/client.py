"""Conformance client: `SyncClient` with mcpclient's own auth, driven by the official suite.

The suite (`@modelcontextprotocol/conformance client --command "python client.py"`) starts a
scenario server, runs this script with the server URL as the last argument and the scenario
name in ``MCP_CONFORMANCE_SCENARIO`` (optional JSON in ``MCP_CONFORMANCE_CONTEXT``, the spec
version in ``MCP_CONFORMANCE_PROTOCOL_VERSION``), then judges what went over the wire. The
script exits 0 when the scenario ran to its end.

OAuth runs headless: the "browser" fetches the authorization URL (the suite's authorization
server approves at once) and follows its redirect to our local callback listener, exactly as
a person's browser would.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx2
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl

from mcpclient import SyncClient
from mcpclient.auth import JWTBearer, OAuth
from mcpclient.errors import SkillVerificationError

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
logger = logging.getLogger("conformance-client")

PROTOCOL_VERSION = os.environ.get("MCP_CONFORMANCE_PROTOCOL_VERSION")
SCENARIOS: dict[str, Callable[[str], None]] = {}


def scenario(*names: str) -> Callable[[Callable[[str], None]], Callable[[str], None]]:
    def register(fn: Callable[[str], None]) -> Callable[[str], None]:
        for name in names:
            SCENARIOS[name] = fn
        return fn

    return register


def mode() -> str:
    """Handshake-era legs run the initialize lifecycle; the 2026 leg the stateless one."""
    return "legacy" if PROTOCOL_VERSION is not None and PROTOCOL_VERSION < "2026-07-28" else "auto"


def context() -> dict[str, Any]:
    raw = os.environ.get("MCP_CONFORMANCE_CONTEXT")
    return json.loads(raw) if raw else {}


def accept_defaults(message: str, response_type: Any, params: Any, ctx: Any) -> dict[str, Any]:
    """Accept an elicitation with the defaults its schema declares (SEP-1034)."""
    properties = (getattr(params, "requested_schema", None) or {}).get("properties", {})
    return {name: prop["default"] for name, prop in properties.items() if "default" in prop}


def stub_sampling(messages: Any, params: Any, ctx: Any) -> str:
    return ""


def client(url: str, **options: Any) -> SyncClient:
    return SyncClient(url, mode=options.pop("mode", mode()), timeout=30, **options)


# ---------------------------------------------------------------------------------- core


@scenario("initialize", "json-schema-ref-no-deref")
def run_initialize(url: str) -> None:
    with client(url) as c:
        c.list_tools()


@scenario("tools_call", "http-standard-headers")
def run_tools_call(url: str) -> None:
    with client(url) as c:
        c.list_tools()
        c.call_tool("add_numbers", {"a": 5, "b": 3})


@scenario("request-metadata")
def run_request_metadata(url: str) -> None:
    with client(url, sampling_handler=stub_sampling, elicitation_handler=accept_defaults, roots=[]) as c:
        c.list_tools()
        c.call_tool("add_numbers", {"a": 5, "b": 3})


@scenario("sse-retry")
def run_sse_retry(url: str) -> None:
    with client(url) as c:
        c.list_tools()
        c.call_tool("test_reconnection", {})


@scenario("elicitation-sep1034-client-defaults")
def run_elicitation_defaults(url: str) -> None:
    with client(url, elicitation_handler=accept_defaults) as c:
        c.list_tools()
        c.call_tool("test_client_elicitation_defaults", {})


@scenario("json-schema-2020-12-preservation")
def run_schema_preservation(url: str) -> None:
    with client(url) as c:
        focal = next(t for t in c.list_tools() if t.name == "json_schema_2020_12_tool")
        c.call_tool("json_schema_echo", {"schema": focal.input_schema})


def _stub_arguments(schema: dict[str, Any]) -> dict[str, Any]:
    by_type = {"string": "x", "integer": 0, "number": 0, "boolean": False, "object": {}, "array": [], "null": None}
    properties = schema.get("properties", {})
    return {name: by_type.get(properties.get(name, {}).get("type"), "x") for name in schema.get("required", [])}


@scenario("http-invalid-tool-headers")
def run_invalid_tool_headers(url: str) -> None:
    with client(url) as c:
        for tool in c.list_tools():
            try:
                c.call_tool(tool.name, _stub_arguments(tool.input_schema), raise_on_error=False)
            except Exception:
                logger.exception("call_tool(%r) failed", tool.name)


@scenario("http-custom-headers")
def run_custom_headers(url: str) -> None:
    with client(url) as c:
        surfaced = {tool.name for tool in c.list_tools()}
        for call in context().get("toolCalls", []):
            if call["name"] not in surfaced:
                continue
            try:
                c.call_tool(call["name"], call.get("arguments") or {}, raise_on_error=False)
            except Exception:
                logger.exception("call_tool(%r) failed", call["name"])


@scenario("sep-2322-client-request-state")
def run_request_state(url: str) -> None:
    with client(url, elicitation_handler=lambda *a: {"confirmed": True}) as c:
        c.list_tools()
        for name in ("test_mrtr_echo_state", "test_mrtr_unrelated", "test_mrtr_no_state", "test_mrtr_no_result_type"):
            c.call_tool(name, {}, raise_on_error=False)


# ---------------------------------------------------------------------------------- skills


@scenario("sep-2640-client-no-prefetch")
def run_skills_no_prefetch(url: str) -> None:
    with client(url) as c:
        skills = c.list_skills()
        logger.info("skills: %s", [s.name for s in skills])


@scenario("sep-2640-client-verify-digest", "sep-2640-client-verify-size", "sep-2640-client-verify-frontmatter")
def run_skills_verify(url: str) -> None:
    """Load the listed skill and, only if it verifies, read a supporting file of it."""
    with client(url) as c:
        for skill in c.list_skills():
            try:
                loaded = c.load_skill(skill)
            except SkillVerificationError as exc:
                logger.info("refused: %s", exc)
                continue
            for file in skill.files or ():
                if file.uri != skill.uri:
                    c.read_skill_file(loaded, file.uri)


# ---------------------------------------------------------------------------------- auth


class MemoryStorage:
    """The SDK's TokenStorage protocol in memory: every scenario starts with nothing cached."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def headless_browser(authorization_url: str) -> None:
    """What a browser does with an auto-approving authorization server: follow its redirect
    to the loopback callback."""
    with httpx2.Client(timeout=30) as http:
        response = http.get(authorization_url, follow_redirects=False)
        location = response.headers.get("location")
        if response.status_code not in (301, 302, 303, 307, 308) or not location:
            logger.error("authorization endpoint answered %s without a redirect", response.status_code)
            return
        http.get(location, follow_redirects=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_session(url: str, auth: httpx2.Auth) -> None:
    with client(url, auth=auth, elicitation_handler=accept_defaults) as c:
        tools = c.list_tools()
        if tools:
            try:
                c.call_tool(tools[0].name, {}, raise_on_error=False)
            except Exception as exc:
                logger.debug("tool call failed: %s", exc)


def oauth(url: str) -> OAuth:
    storage = MemoryStorage()
    ctx = context()
    if ctx.get("client_id"):  # pre-registered client
        secret = ctx.get("client_secret")
        storage.client_info = OAuthClientInformationFull(
            client_id=ctx["client_id"],
            client_secret=secret,
            redirect_uris=[AnyUrl(f"http://127.0.0.1:{_free_port()}/callback")],
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
        )
    return OAuth(
        url,
        client_name="mcpclient-conformance",
        storage=storage,
        open_browser=headless_browser,
        timeout=30,
        client_metadata_url="https://conformance-test.local/client-metadata.json",
    )


def run_auth_code(url: str) -> None:
    run_session(url, oauth(url))


@scenario("auth/client-credentials-basic")
def run_client_credentials_basic(url: str) -> None:
    from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider

    ctx = context()
    provider = ClientCredentialsOAuthProvider(
        server_url=url,
        storage=MemoryStorage(),
        client_id=ctx["client_id"],
        client_secret=ctx["client_secret"],
        token_endpoint_auth_method="client_secret_basic",
    )
    run_session(url, provider)


@scenario("auth/client-credentials-jwt")
def run_client_credentials_jwt(url: str) -> None:
    from mcp.client.auth.extensions.client_credentials import PrivateKeyJWTOAuthProvider, SignedJWTParameters

    ctx = context()
    params = SignedJWTParameters(
        issuer=ctx["client_id"],
        subject=ctx["client_id"],
        signing_algorithm=ctx.get("signing_algorithm", "ES256"),
        signing_key=ctx["private_key_pem"],
    )
    provider = PrivateKeyJWTOAuthProvider(
        server_url=url,
        storage=MemoryStorage(),
        client_id=ctx["client_id"],
        assertion_provider=params.create_assertion_provider(),
    )
    run_session(url, provider)


@scenario("auth/wif-jwt-bearer")
def run_workload_identity(url: str) -> None:
    ctx = context()
    run_session(url, JWTBearer(url, ctx["valid_jwt"], client_id=ctx["client_id"]))


@scenario("auth/enterprise-managed-authorization", "auth/cross-app-access-complete-flow")
def run_enterprise(url: str) -> None:
    from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider
    from mcp.client.auth.utils import build_protected_resource_metadata_discovery_urls

    ctx = context()
    prm_url = build_protected_resource_metadata_discovery_urls(None, url)[0]
    issuer = httpx2.get(prm_url, timeout=30).raise_for_status().json()["authorization_servers"][0]

    async def fetch_id_jag(audience: str, resource: str) -> str:
        async with httpx2.AsyncClient(timeout=30) as http:
            response = await http.post(
                ctx["idp_token_endpoint"],
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                    "requested_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                    "subject_token": ctx["idp_id_token"],
                    "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
                    "audience": audience,
                    "resource": resource,
                    "client_id": ctx["idp_client_id"],
                },
            )
            return str(response.raise_for_status().json()["access_token"])

    provider = IdentityAssertionOAuthProvider(
        server_url=url,
        storage=MemoryStorage(),
        client_id=ctx["client_id"],
        client_secret=ctx["client_secret"],
        issuer=issuer,
        assertion_provider=fetch_id_jag,
        token_endpoint_auth_method="client_secret_basic",
    )
    run_session(url, provider)


def main() -> int:
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} <server-url>", file=sys.stderr)
        return 2
    url = sys.argv[-1]
    name = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    logger.debug("scenario %r at %s (protocol %s, mode %s)", name, urlsplit(url).netloc, PROTOCOL_VERSION, mode())
    handler = SCENARIOS.get(name)
    if handler is None and name.startswith("auth/"):
        handler = run_auth_code
    if handler is None:
        print(f"unknown scenario {name!r}", file=sys.stderr)
        return 1
    handler(url)
    return 0


def record_exit(status: int) -> None:
    """Leave the exit status where tests/conformance/runner.py finds it: a suite running scenarios
    as a batch keeps their checks but not how the client exited, which decides a run alone."""
    exits = os.environ.get("MCPCLIENT_CONFORMANCE_EXITS")
    if exits:
        name = os.environ.get("MCP_CONFORMANCE_SCENARIO", "").replace("/", "__")
        with open(os.path.join(exits, name), "w") as file:
            file.write(str(status))


if __name__ == "__main__":
    status = 1  # an exception's: the traceback follows
    try:
        status = main()
    finally:
        record_exit(status)
    sys.exit(status)
