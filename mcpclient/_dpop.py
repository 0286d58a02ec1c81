"""DPoP (RFC 9449, MCP SEP-1932): sender-constrained OAuth tokens.

A :class:`DPoPKey` signs one proof JWT per HTTP request (``typ: dpop+jwt``, the public key in
the ``jwk`` header; claims ``jti``, ``htm``, ``htu``, ``iat``, and ``ath`` when an access token
goes with it, ``nonce`` when the server asked for one). :class:`mcpclient.auth.OAuth` uses it
at the token endpoint and on every request to the MCP server; this module knows nothing about
the OAuth flow itself.

``cryptography`` and ``PyJWT`` are imported on first use, never when ``mcpclient`` is imported.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2

__all__ = ["SUPPORTED_ALGORITHMS", "DPoPKey", "access_token_hash", "htu", "nonce_challenge", "origin"]

#: Proof algorithms this client can sign with, in order of preference.
SUPPORTED_ALGORITHMS = ("ES256",)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def htu(url: str | httpx2.URL) -> str:
    """The ``htu`` claim: the request URI without query and fragment (RFC 9449 §4.2)."""
    parts = urlsplit(str(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def origin(url: str | httpx2.URL) -> str:
    """The scheme and authority of ``url``: nonces are kept per server."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}".lower()


def access_token_hash(access_token: str) -> str:
    """The ``ath`` claim: base64url(SHA-256(access token))."""
    return _b64(hashlib.sha256(access_token.encode("ascii")).digest())


def nonce_challenge(response: httpx2.Response) -> str | None:
    """The nonce a ``use_dpop_nonce`` challenge asks for: a 401 from a resource server
    (``WWW-Authenticate: DPoP error="use_dpop_nonce"``) or a 400 from a token endpoint
    (``{"error": "use_dpop_nonce"}``), each with a ``DPoP-Nonce`` header."""
    nonce = response.headers.get("DPoP-Nonce")
    if not nonce:
        return None
    if response.status_code == 401 and "use_dpop_nonce" in response.headers.get("WWW-Authenticate", ""):
        return nonce
    if response.status_code == 400:
        try:
            body = json.loads(response.content)
        except (ValueError, httpx2.ResponseNotRead):
            return None
        if isinstance(body, dict) and body.get("error") == "use_dpop_nonce":
            return nonce
    return None


class DPoPKey:
    """An ES256 (P-256) key pair that signs DPoP proofs.

    Persisted as its private JWK (:meth:`to_jwk` / :meth:`from_jwk`), next to the tokens bound
    to it; ``repr()`` shows only the public key's thumbprint.
    """

    algorithm = "ES256"

    def __init__(self, private_key: Any) -> None:
        self._key = private_key
        numbers = private_key.public_key().public_numbers()
        self.public_jwk: dict[str, str] = {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64(numbers.x.to_bytes(32, "big")),
            "y": _b64(numbers.y.to_bytes(32, "big")),
        }

    @classmethod
    def generate(cls) -> DPoPKey:
        from cryptography.hazmat.primitives.asymmetric import ec

        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> DPoPKey:
        from cryptography.hazmat.primitives.asymmetric import ec

        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" not in jwk:
            raise ValueError("not a P-256 private JWK")
        public = ec.EllipticCurvePublicNumbers(
            int.from_bytes(_unb64(jwk["x"]), "big"), int.from_bytes(_unb64(jwk["y"]), "big"), ec.SECP256R1()
        )
        private = ec.EllipticCurvePrivateNumbers(int.from_bytes(_unb64(jwk["d"]), "big"), public)
        return cls(private.private_key())

    def to_jwk(self) -> dict[str, str]:
        """The private JWK (for the 0600 token cache only)."""
        d = self._key.private_numbers().private_value.to_bytes(32, "big")
        return {**self.public_jwk, "d": _b64(d)}

    @property
    def thumbprint(self) -> str:
        """RFC 7638 SHA-256 thumbprint of the public key (what a bound token's ``cnf.jkt`` holds)."""
        canonical = json.dumps(
            {k: self.public_jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True
        )
        return _b64(hashlib.sha256(canonical.encode()).digest())

    def proof(
        self, method: str, url: str | httpx2.URL, *, access_token: str | None = None, nonce: str | None = None
    ) -> str:
        """A fresh proof JWT for one request."""
        import jwt

        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(24),
            "htm": method.upper(),
            "htu": htu(url),
            "iat": int(time.time()),
        }
        if access_token is not None:
            claims["ath"] = access_token_hash(access_token)
        if nonce is not None:
            claims["nonce"] = nonce
        headers = {"typ": "dpop+jwt", "jwk": self.public_jwk}
        return jwt.encode(claims, self._key, algorithm=self.algorithm, headers=headers)

    def __repr__(self) -> str:
        return f"DPoPKey({self.algorithm}, jkt={self.thumbprint[:12]}...)"
