"""DPoP proofs (mcpclient._dpop) and their key in the token cache.

The protocol side (token endpoint proofs, the DPoP scheme, server nonces) runs against the
conformance suite's DPoP authorization and resource servers: tests/conformance
(scenarios auth/dpop and auth/dpop-nonce).
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import httpx2
import jwt
import pytest

from mcpclient._dpop import DPoPKey, access_token_hash, htu, nonce_challenge
from mcpclient.auth import FileTokenStorage

pytestmark = pytest.mark.anyio


def _verify(proof: str) -> tuple[dict[str, object], dict[str, object]]:
    header = jwt.get_unverified_header(proof)
    key = jwt.PyJWK(header["jwk"], algorithm="ES256")
    return header, jwt.decode(proof, key.key, algorithms=["ES256"])


def test_proof_is_a_signed_dpop_jwt_with_the_request_claims() -> None:
    key = DPoPKey.generate()
    proof = key.proof("post", "https://mcp.example.com/mcp?x=1#f", access_token="tok", nonce="n1")
    header, claims = _verify(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert "d" not in header["jwk"]  # type: ignore[operator]
    assert claims["htm"] == "POST" and claims["htu"] == "https://mcp.example.com/mcp"
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"tok").digest()).rstrip(b"=").decode()
    assert claims["ath"] == digest == access_token_hash("tok")
    assert claims["nonce"] == "n1" and isinstance(claims["iat"], int)
    second = _verify(key.proof("POST", "https://mcp.example.com/mcp"))[1]
    assert second["jti"] != claims["jti"] and "ath" not in second and "nonce" not in second


def test_key_round_trips_through_its_jwk_and_hides_it_in_repr() -> None:
    key = DPoPKey.generate()
    again = DPoPKey.from_jwk(key.to_jwk())
    assert again.public_jwk == key.public_jwk and again.thumbprint == key.thumbprint
    assert key.to_jwk()["d"] not in repr(key)
    with pytest.raises(ValueError):
        DPoPKey.from_jwk(key.public_jwk)


def test_nonce_challenges_from_resource_and_authorization_servers() -> None:
    request = httpx2.Request("POST", "https://as.example.com/token")
    rs = httpx2.Response(
        401, headers={"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "r1"}, request=request
    )
    as_ = httpx2.Response(400, json={"error": "use_dpop_nonce"}, headers={"DPoP-Nonce": "a1"}, request=request)
    other = httpx2.Response(400, json={"error": "invalid_grant"}, headers={"DPoP-Nonce": "a2"}, request=request)
    assert (nonce_challenge(rs), nonce_challenge(as_), nonce_challenge(other)) == ("r1", "a1", None)
    assert htu("https://h/p?q") == "https://h/p"


async def test_dpop_key_is_kept_with_the_tokens_in_the_0600_cache(tmp_path: Path) -> None:
    storage = FileTokenStorage("https://mcp.example.com/mcp", tmp_path)
    key = DPoPKey.generate()
    await storage.set_dpop({"key": key.to_jwk(), "bound": True})
    assert stat.S_IMODE(storage.path.stat().st_mode) == 0o600
    state = await storage.get_dpop()
    assert state is not None and DPoPKey.from_jwk(state["key"]).thumbprint == key.thumbprint
    assert json.loads(storage.path.read_text())["dpop"]["bound"] is True
    await storage.clear_client_info()
    assert await storage.get_dpop() is None
