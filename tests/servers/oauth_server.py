"""A real OAuth-protected MCP server for the auth tests: resource server + authorization server.

Built only from the SDK's server side: an in-memory ``OAuthAuthorizationServerProvider``,
``AuthSettings`` and ``MCPServer(auth=..., auth_server_provider=...)``, served over Streamable
HTTP at ``/mcp`` by uvicorn on 127.0.0.1. The authorization endpoint auto-approves: it redirects
straight back to the client's ``redirect_uri`` with ``code`` and ``state``, so a test's "browser"
is a plain HTTP GET that follows redirects.

Usage::

    python oauth_server.py [--port 0] [--token-ttl 3600] [--static-token TOKEN] [--port-file PATH]

With ``--port 0`` (default) an ephemeral port is bound first; the script then prints
``PORT <n>`` on stdout (one line, flushed) and writes it to ``--port-file`` before serving.
Readiness: ``GET /_test/stats`` answers 200.

``--static-token TOKEN`` runs a resource server only, accepting exactly that bearer token
(no authorization server), for the bearer-string test.

Unauthenticated test-only endpoints (never return tokens):
- ``GET /_test/stats``: counts of registrations, authorizations and token grants by type;
- ``POST /_test/expire_access_tokens``: make every issued access token expired now;
- ``POST /_test/forget_clients``: drop all registrations and tokens (an AS that lost its state).

Tools: ``echo(text)`` and ``whoami()`` (client id and scopes of the caller's token).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
import time
from collections import Counter
from typing import Any

import anyio
import uvicorn
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

SCOPE = "user"


class InMemoryAuthProvider(OAuthAuthorizationServerProvider[AuthorizationCode, RefreshToken, AccessToken]):
    """An authorization server that approves every request, with rotating refresh tokens."""

    def __init__(self, token_ttl: int, refresh_ttl: int | None = None) -> None:
        self.token_ttl = token_ttl
        self.refresh_ttl = refresh_ttl
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.stats: Counter[str] = Counter()

    # -- clients -------------------------------------------------------------------------
    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        self.stats["registrations"] += 1
        self.clients[client_info.client_id] = client_info

    # -- authorization code --------------------------------------------------------------
    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        """Auto-approve: issue a code and send the user agent straight back to the client."""
        self.stats["authorizations"] += 1
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthorizationCode(
            code=code,
            scopes=params.scopes or [SCOPE],
            expires_at=time.time() + 300,
            client_id=client.client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
            subject="test-user",
        )
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        return self.codes.get(authorization_code)

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        if self.codes.pop(authorization_code.code, None) is None:
            raise TokenError(error="invalid_grant", error_description="authorization code already used")
        self.stats["grant:authorization_code"] += 1
        return self._issue(client.client_id, authorization_code.scopes, authorization_code.resource)

    # -- refresh -------------------------------------------------------------------------
    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        return self.refresh_tokens.get(refresh_token)

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        if self.refresh_tokens.pop(refresh_token.token, None) is None:  # rotation: single use
            raise TokenError(error="invalid_grant", error_description="refresh token already used")
        self.stats["grant:refresh_token"] += 1
        return self._issue(client.client_id, scopes or refresh_token.scopes, refresh_token.resource)

    # -- access tokens -------------------------------------------------------------------
    async def load_access_token(self, token: str) -> AccessToken | None:
        access = self.access_tokens.get(token)
        if access is None or (access.expires_at is not None and access.expires_at < time.time()):
            return None
        return access

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        self.access_tokens.pop(token.token, None)
        self.refresh_tokens.pop(token.token, None)

    def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        now = int(time.time())
        self.access_tokens[access] = AccessToken(
            token=access,
            client_id=client_id,
            scopes=scopes,
            expires_at=now + self.token_ttl,
            resource=resource,
            subject="test-user",
        )
        self.refresh_tokens[refresh] = RefreshToken(
            token=refresh,
            client_id=client_id,
            scopes=scopes,
            expires_at=now + self.refresh_ttl if self.refresh_ttl else None,
            resource=resource,
            subject="test-user",
        )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=self.token_ttl,
            scope=" ".join(scopes),
            refresh_token=refresh,
        )

    # -- test controls -------------------------------------------------------------------
    def expire_access_tokens(self) -> None:
        past = int(time.time()) - 10
        for key, access in list(self.access_tokens.items()):
            self.access_tokens[key] = access.model_copy(update={"expires_at": past})

    def forget_clients(self) -> None:
        self.clients.clear()
        self.codes.clear()
        self.access_tokens.clear()
        self.refresh_tokens.clear()


class StaticTokenVerifier:
    """Accepts exactly one bearer token."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def verify_token(self, token: str) -> AccessToken | None:
        if secrets.compare_digest(token.encode(), self._token.encode()):
            return AccessToken(token=token, client_id="static-client", scopes=[SCOPE])
        return None


def build_server(
    base_url: str, token_ttl: int, static_token: str | None
) -> tuple[MCPServer, InMemoryAuthProvider | None]:
    resource_url = f"{base_url}/mcp"
    provider: InMemoryAuthProvider | None = None
    if static_token is not None:
        server = MCPServer(
            "static-bearer-server",
            token_verifier=StaticTokenVerifier(static_token),
            auth=AuthSettings(
                issuer_url=base_url,
                resource_server_url=resource_url,
                required_scopes=[SCOPE],
                validate_token_resource=False,
            ),
        )
    else:
        provider = InMemoryAuthProvider(token_ttl=token_ttl)
        server = MCPServer(
            "oauth-server",
            auth_server_provider=provider,
            auth=AuthSettings(
                issuer_url=base_url,
                resource_server_url=resource_url,
                required_scopes=[SCOPE],
                validate_token_resource=True,
                client_registration_options=ClientRegistrationOptions(
                    enabled=True, valid_scopes=[SCOPE], default_scopes=[SCOPE]
                ),
            ),
        )

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @server.tool()
    def whoami() -> dict[str, Any]:
        """Who the server thinks the caller is (never the token itself)."""
        access = get_access_token()
        if access is None:
            return {"client_id": None, "scopes": []}
        return {"client_id": access.client_id, "scopes": access.scopes}

    @server.custom_route("/_test/stats", methods=["GET"])
    async def stats(request: Request) -> Response:
        return JSONResponse(dict(provider.stats) if provider is not None else {})

    @server.custom_route("/_test/expire_access_tokens", methods=["POST"])
    async def expire(request: Request) -> Response:
        if provider is not None:
            provider.expire_access_tokens()
        return JSONResponse({"ok": True})

    @server.custom_route("/_test/forget_clients", methods=["POST"])
    async def forget(request: Request) -> Response:
        if provider is not None:
            provider.forget_clients()
        return JSONResponse({"ok": True})

    return server, provider


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token-ttl", type=int, default=3600, help="access-token lifetime in seconds")
    parser.add_argument("--static-token", default=None, help="accept only this bearer token (no OAuth)")
    parser.add_argument("--port-file", default=None, help="also write the port to this file (atomically)")
    args = parser.parse_args(argv)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"

    server, _ = build_server(base_url, args.token_ttl, args.static_token)
    app = server.streamable_http_app(host="127.0.0.1")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    print(f"PORT {port}", flush=True)
    if args.port_file:
        temporary = f"{args.port_file}.tmp"
        with open(temporary, "w") as f:
            f.write(str(port))
        os.replace(temporary, args.port_file)
    anyio.run(uvicorn.Server(config).serve, [sock])
    sys.exit(0)


if __name__ == "__main__":
    main()
