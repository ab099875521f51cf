"""Keeping credentials out of logs, messages, metadata and the audit log.

Two kinds of secret travel with a request: header values (``X-API-KEY``, ``Authorization``) and
query parameters of pre-signed download URLs (S3 ``X-Amz-Signature``, CloudFront ``Signature``),
which are bearer credentials for as long as they live. Everything the acquisition tier shows to a
person goes through these helpers first.
"""

from __future__ import annotations

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
