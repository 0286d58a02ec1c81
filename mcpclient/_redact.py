"""Secrets stay out of logs: a logging filter on our loggers and those of the libraries under us.

While a transport is connected it registers its secrets (`redacting(...)`): bearer tokens,
secret-looking header values, the userinfo password of its URL, and the env values given to a
stdio server and the query values of its URL (every value of a secret-looking name such as
`API_KEY` or `token`, and any value of 8 characters or more). A filter on the loggers of mcpclient, the mcp SDK, httpx2/
httpcore2 (and httpx/httpcore) replaces them with `***` in every record's message, arguments and
traceback text, and masks credential query parameters (`?api_key=`, `?token=`, ...) and
`Bearer ...` values in anything they log. The filter is installed on those loggers at the first
connection and stays (it runs only for records at an enabled level); secrets are registered only
while their transport is connected.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit

__all__ = ["MASK", "env_secrets", "redact", "redacting", "url_secrets"]

MASK = "***"
#: Loggers (and their descendants) whose records are filtered.
LOGGER_PREFIXES = ("mcpclient", "mcp", "httpx2", "httpcore2", "httpx", "httpcore")

SECRET_NAME = re.compile(r"auth|cookie|token|key|secret|pass|session|credential|signature|sig\b", re.IGNORECASE)
_CREDENTIAL_PARAM = re.compile(
    r"([?&;][\w.\-]*(?:key|token|secret|passw|pwd|auth|signature|sig|credential|code)[\w.\-]*=)([^&#\s'\"<>]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(\bBearer\s+)[\w\-.~+/=]+", re.IGNORECASE)
_MIN_PLAIN_ENV = 8  # a shorter env value is a secret only under a secret-looking name

_lock = threading.Lock()
_secrets: Counter[str] = Counter()
_pattern: re.Pattern[str] | None = None


def env_secrets(env: Mapping[str, str] | None) -> list[str]:
    """The values of a stdio server's `env` that are treated as secrets."""
    return [
        value
        for name, value in (env or {}).items()
        if value and (len(value) >= _MIN_PLAIN_ENV or (SECRET_NAME.search(name) and len(value) >= 3))
    ]


def url_secrets(url: str) -> list[str]:
    """Credentials in a URL: the userinfo password, and query values as `env_secrets` picks env values."""
    parts = urlsplit(url)
    found = env_secrets(dict(parse_qsl(parts.query, keep_blank_values=False)))
    if parts.password:
        found.append(parts.password)
    return found


def redact(text: str) -> str:
    """`text` with registered secrets, credential query values and bearer tokens masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "=" in text:
        text = _CREDENTIAL_PARAM.sub(rf"\g<1>{MASK}", text)
    if "earer" in text:
        text = _BEARER.sub(rf"\g<1>{MASK}", text)
    return text


class _RedactingFilter(logging.Filter):
    """Rewrites a record whose text carries a secret; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's business, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
            if record.exc_text != text:
                record.exc_info = None  # the exception itself carries the secret: keep only its masked text
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = _RedactingFilter()


def _loggers() -> Iterator[logging.Logger]:
    for prefix in LOGGER_PREFIXES:
        yield logging.getLogger(prefix)
    for name, item in list(logging.root.manager.loggerDict.items()):
        if isinstance(item, logging.Logger) and name.startswith(tuple(f"{p}." for p in LOGGER_PREFIXES)):
            yield item


def _rebuild() -> None:
    global _pattern
    values = sorted((s for s in _secrets if s), key=len, reverse=True)  # longest first: no partial masks
    _pattern = re.compile("|".join(map(re.escape, values))) if values else None


@contextmanager
def redacting(secrets: Iterable[str]) -> Iterator[None]:
    """Mask `secrets` in every record of the filtered loggers while the context is open.

    Loggers created while it is open (e.g. `mcpclient.server.<name>`) are covered when the next
    context opens; create them before entering (the transports do).
    """
    values = [s for s in secrets if s]
    with _lock:
        _secrets.update(values)
        _rebuild()
        for logger in _loggers():
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
    try:
        yield
    finally:
        with _lock:
            _secrets.subtract(values)
            for value in [v for v, n in _secrets.items() if n <= 0]:
                del _secrets[value]
            _rebuild()
