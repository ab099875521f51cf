"""Keeping credentials out of logs, messages, metadata and the audit log.

Two kinds of secret travel with a request: header values (``X-API-KEY``, ``Authorization``) and
query parameters of pre-signed download URLs (S3 ``X-Amz-Signature``, CloudFront ``Signature``),
which are bearer credentials for as long as they live. Everything the acquisition tier shows to a
person goes through these helpers first.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED = "REDACTED"

SECRET_HEADER_NAMES: frozenset[str] = frozenset(
    {"x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"}
)

# Query parameters that carry a credential or a signature (lower-cased).
SENSITIVE_QUERY_KEYS: frozenset[str] = frozenset(
    {
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "signature",
        "sig",
        "policy",
        "key-pair-id",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "key",
        "client_secret",
    }
)

# Shorter values are not scrubbed from free text: they would match innocent words.
_MIN_SCRUB_LENGTH = 4

# A sensitive query parameter anywhere in free text (a URL inside a log line, the repr of a
# Location header in bytes): the value runs to the next separator, quote or whitespace.
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:"
    + "|".join(re.escape(name) for name in sorted(SENSITIVE_QUERY_KEYS, key=len, reverse=True))
    + r")=)[^&;#\s'\"<>]+"
)
# user:password@ in a URL.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"]+@")
# A secret header and its value as httpcore logs it (``(b'Authorization', b'Bearer x')``) or
# as text (``Authorization: Bearer x``, ``'x-api-key': 'k'``).
_HEADER_SECRET = re.compile(
    r"(?i)(\b(?:"
    + "|".join(re.escape(name) for name in sorted(SECRET_HEADER_NAMES, key=len, reverse=True))
    + r")\b['\"]?\s*[:,=]\s*(?:b?['\"])?)[^'\"\r\n]+"
)

# Third-party loggers that print URLs and headers: httpx logs every request URL at INFO and
# httpcore logs response headers (a redirect's Location with its signature) at DEBUG.
REDACTED_LOGGERS: tuple[str, ...] = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


def redact_url(url: object) -> str:
    """Return ``url`` with user info and credential-like query values replaced by REDACTED."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        # Rebuilt by hand, not with urlencode, so the other parameters keep their exact spelling.
        pieces = []
        for piece in query.split("&"):
            name, sep, _value = piece.partition("=")
            if sep and unquote_plus(name).lower() in SENSITIVE_QUERY_KEYS:
                piece = f"{name}={REDACTED}"
            pieces.append(piece)
        query = "&".join(pieces)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_headers(
    headers: Mapping[str, str], secret_names: Iterable[str] = SECRET_HEADER_NAMES
) -> dict[str, str]:
    """A copy of ``headers`` with the values of secret headers replaced by REDACTED."""
    secret = {name.lower() for name in secret_names}
    return {k: (REDACTED if k.lower() in secret else v) for k, v in headers.items()}


class SecretScrubber:
    """Removes known secret values from free text (error bodies, exception strings)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole.
        unique = {s for s in secrets if s and len(s) >= _MIN_SCRUB_LENGTH}
        self._secrets = sorted(unique, key=len, reverse=True)

    @classmethod
    def from_headers(
        cls, headers: Mapping[str, str], secret_names: Iterable[str] = SECRET_HEADER_NAMES
    ) -> SecretScrubber:
        """Collect the values of the secret headers (and their bearer tokens) in ``headers``."""
        secret = {name.lower() for name in secret_names}
        values: list[str] = []
        for name, value in headers.items():
            if name.lower() in secret:
                values.append(value)
                # "Bearer abc" / "Basic xyz": the credential alone may be echoed back too.
                scheme, _, credential = value.partition(" ")
                if credential and scheme:
                    values.append(credential.strip())
        return cls(values)

    def scrub(self, text: str) -> str:
        """``text`` with every known secret replaced by REDACTED."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def redact_text(text: str) -> str:
    """Free text with credential-like query values, URL user info and secret headers redacted.

    For text that may quote URLs or headers without our knowing the secret values in advance
    (third-party log lines); ``SecretScrubber`` handles values we do know.
    """
    text = _QUERY_SECRET.sub(rf"\g<1>{REDACTED}", text)
    text = _URL_USERINFO.sub(rf"\g<1>{REDACTED}@", text)
    return _HEADER_SECRET.sub(rf"\g<1>{REDACTED}", text)


class RedactingLogFilter(logging.Filter):
    """Rewrites a log record's message with ``redact_text`` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's problem, not ours
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_FILTER = RedactingLogFilter()
_INSTALL_LOCK = threading.Lock()


def install_log_redaction(names: Iterable[str] = REDACTED_LOGGERS) -> None:
    """Put the redacting filter on the named loggers and their existing children; idempotent.

    A logger's filters do not apply to records propagated from its children, so every httpcore
    sub-logger gets its own filter.
    """
    wanted = tuple(names)
    with _INSTALL_LOCK:
        existing = [
            name
            for name in list(logging.root.manager.loggerDict)
            if any(name.startswith(f"{prefix}.") for prefix in wanted)
        ]
        for name in (*wanted, *existing):
            target = logging.getLogger(name)
            if not any(isinstance(f, RedactingLogFilter) for f in target.filters):
                target.addFilter(_FILTER)
