"""What a stdio server inherits from the caller's environment, beyond the SDK's minimal set.

A stdio server never gets the caller's whole environment (secrets stay in the parent), but
package runners (`uvx`, `npx`, `pip`) must reach their registry the way the user's own shell
does: through the user's proxy, trusting the user's certificate authorities. So these
variables pass, when set, and nothing else. Light on purpose: the CLI imports it before the SDK.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["PASSED_VARIABLES", "passed_environment"]

#: TLS trust and proxy variables of OpenSSL, Python (requests, pip, httpx), curl, Node.js, npm and uv.
PASSED_VARIABLES: tuple[str, ...] = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "PIP_CERT",
    "UV_NATIVE_TLS",
    "npm_config_cafile",
    "NPM_CONFIG_CAFILE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
)


def passed_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The `PASSED_VARIABLES` set in `environ` (default: `os.environ`)."""
    environ = os.environ if environ is None else environ
    return {name: value for name in PASSED_VARIABLES if (value := environ.get(name)) is not None}
