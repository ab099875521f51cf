"""Recognising credentials before they reach the append-only audit log.

The audit log can never be edited, so a credential written into it stays there for good. Two
rule sets apply:

* **Every string in audit details** (structured values such as file names, hashes, counts):
  HTTP authorization headers and ``Bearer``/``Basic`` credentials, ``password=``/``token=``/
  ``secret=``/``api_key=``/``key=`` pairs, JSON Web Tokens, PEM private keys and AWS access key
  ids. Hashes are legitimate here (``sha256``, ``content_hash``), so long hex is allowed.
* **Free text a person typed** (the reviewer's name, the reason for a decision): the rules
  above plus long hex (32+ digits) and long base64-like strings (40+ characters of mixed case
  and digits with high character entropy): an API key or token pasted by mistake looks exactly
  like that. A reviewer who needs to name a hash quotes a prefix.

Messages say which field and which kind of credential, never the text itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

# Fragments of a details key that mark it as a credential (matched without "_" and "-").
SECRET_KEY_FRAGMENTS: tuple[str, ...] = (
    "apikey",
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "authorization",
    "credential",
    "privatekey",
    "cookie",
)

# Details keys whose string values are typed by a person and get the free-text rules.
FREE_TEXT_KEYS: frozenset[str] = frozenset({"reviewer", "reason", "note", "comment"})

MIN_HEX_SECRET = 32
MIN_BASE64_SECRET = 40
# Random base64 of 40+ characters scores about 4.7 bits per character; paths and prose lower.
_MIN_BASE64_ENTROPY = 4.4

# A whole value that is a header credential: "Bearer <anything>", "Basic <base64>".
_VALUE_AT_START = re.compile(
    r"^\s*(?:bearer\s+\S|basic\s+[A-Za-z0-9+/]{8,}={0,2}\s*$)", re.IGNORECASE
)
_AUTH_HEADER = re.compile(r"\b(?:proxy-)?authorization\s*[:=]\s*\S", re.IGNORECASE)
# A credential after an auth scheme: at least one digit or symbol, so "basic information" passes.
_AUTH_SCHEME = re.compile(
    r"\b(?:bearer|basic|digest)\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}",
    re.IGNORECASE,
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# name=value / name: value. "key" and "token" alone only with "=" and not inside a longer word
# ("doc_key=", "the key: ..."), the unmistakable names with ":" too. REDACTED is not a secret.
_PAIR = re.compile(
    r"(?:"
    r"[A-Za-z0-9_-]*(?:api[_-]?key|password|passwd|passphrase|secret|access[_-]?token"
    r"|auth[_-]?token|refresh[_-]?token|private[_-]?key)\s*[:=]"
    r"|(?<![A-Za-z0-9_-])(?:key|token|pwd|pass)\s*="
    r")\s*[\"']?(?!REDACTED\b)[^\s\"'&,;]{3,}",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_HEX_RUN = re.compile(rf"(?<![0-9A-Fa-f])[0-9A-Fa-f]{{{MIN_HEX_SECRET},}}(?![0-9A-Fa-f])")
_BASE64_RUN = re.compile(
    rf"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{{{MIN_BASE64_SECRET},}}={{0,2}}(?![A-Za-z0-9+/_=-])"
)


class AuditSecretError(ValueError):
    """Audit details that look like they carry a credential (they are never written)."""


def find_credential(text: str, *, free_text: bool = True) -> str | None:
    """What kind of credential ``text`` seems to hold, or None. Never returns the text."""
    if _VALUE_AT_START.match(text) or _AUTH_SCHEME.search(text):
        return "an HTTP credential (Bearer/Basic)"
    if _AUTH_HEADER.search(text):
        return "an Authorization header"
    if _JWT.search(text):
        return "a JSON Web Token"
    if _PAIR.search(text):
        return "a password, token, secret or key assignment (name=value)"
    if _PRIVATE_KEY.search(text):
        return "a private key"
    if _AWS_ACCESS_KEY.search(text):
        return "an AWS access key id"
    if not free_text:
        return None
    for match in _HEX_RUN.finditer(text):
        run = match.group()
        if any(c.isdigit() for c in run) and any(c.isalpha() for c in run):
            return (
                f"a {len(run)}-digit hex string, which may be a key or token "
                "(to name a hash, quote its first 12 characters)"
            )
    for match in _BASE64_RUN.finditer(text):
        run = match.group().rstrip("=")
        if _looks_random(run):
            return f"a {len(run)}-character random-looking string, which may be a key or token"
    return None


def reject_secret_text(text: str, label: str) -> None:
    """Raise ``AuditSecretError`` if free text ``text`` (named ``label``) holds a credential."""
    why = find_credential(text, free_text=True)
    if why is not None:
        raise AuditSecretError(
            f"audit details must not hold secrets: the {label} looks like it holds {why}; "
            "remove it (nothing was written)"
        )


def reject_secrets(details: Mapping[str, Any], _path: str = "", _free_text: bool = False) -> None:
    """Raise ``AuditSecretError`` if any key (at any depth) or value looks like a credential.

    String values under ``FREE_TEXT_KEYS`` (at any depth below them) get the free-text rules
    as well.
    """
    for key, value in details.items():
        path = f"{_path}.{key}" if _path else str(key)
        normalized = str(key).lower().replace("_", "").replace("-", "")
        if any(fragment in normalized for fragment in SECRET_KEY_FRAGMENTS):
            raise AuditSecretError(
                f"audit details must not hold secrets: {path!r} is named like a credential "
                "(api key, password, secret, token, authorization); record a reference instead"
            )
        free_text = _free_text or str(key).lower() in FREE_TEXT_KEYS
        _reject_secret_value(value, path, free_text=free_text)


def _reject_secret_value(value: Any, path: str, *, free_text: bool) -> None:
    if isinstance(value, Mapping):
        reject_secrets(value, path, free_text)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_secret_value(item, f"{path}[{index}]", free_text=free_text)
    elif isinstance(value, str):
        why = find_credential(value, free_text=free_text)
        if why is not None:
            raise AuditSecretError(
                f"audit details must not hold secrets: {path!r} looks like it holds {why}; "
                "record a reference instead"
            )


def _looks_random(run: str) -> bool:
    """Mixed case and digits with high per-character entropy: a token, not a word or a path."""
    if not (
        any(c.isdigit() for c in run)
        and any(c.islower() for c in run)
        and any(c.isupper() for c in run)
    ):
        return False
    return shannon_entropy(run) >= _MIN_BASE64_ENTROPY


def shannon_entropy(data: str | bytes) -> float:
    """Bits per symbol of ``data``'s own symbol frequencies (0.0 for empty input)."""
    if not data:
        return 0.0
    counts = Counter(data)
    total = len(data)
    return -sum(n / total * math.log2(n / total) for n in counts.values())
