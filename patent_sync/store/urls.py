"""Store URLs: which backend a URL names, and how to show it without its password."""

from __future__ import annotations

import dataclasses
import re
import urllib.parse

from patent_sync.store.errors import StoreUrlError

SQLITE_PREFIX = "sqlite:///"
MEMORY = ":memory:"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_DSN_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class StoreUrl:
    """A parsed store URL: ``backend`` and what the driver connects to."""

    backend: str  # "sqlite" | "postgresql"
    target: str  # a file path or ":memory:" for SQLite; the URL or DSN for libpq


def parse_store_url(url: str) -> StoreUrl:
    """Recognize ``sqlite:///path``, ``sqlite:///:memory:``, PostgreSQL URLs and libpq DSNs."""
    text = url.strip()
    if text.startswith(SQLITE_PREFIX):
        path = text[len(SQLITE_PREFIX) :]
        if not path:
            raise StoreUrlError("sqlite URL has no path: use sqlite:///path/to/docket.sqlite")
        return StoreUrl("sqlite", path)
    if text.startswith("sqlite:"):
        raise StoreUrlError(
            f"cannot read SQLite URL {text!r}: use sqlite:///relative/path, "
            "sqlite:////absolute/path or sqlite:///:memory:"
        )
    if text.startswith(_POSTGRES_SCHEMES):
        return StoreUrl("postgresql", text)
    if "://" not in text and "=" in text:  # a libpq key=value DSN
        return StoreUrl("postgresql", text)
    raise StoreUrlError(
        f"unsupported store URL {redact(text)!r}: expected sqlite:///path or postgresql://..."
    )


def redact(url: str) -> str:
    """The URL or DSN with any password replaced by ``***``."""
    if "://" in url:
        parts = urllib.parse.urlsplit(url)
        netloc, query = parts.netloc, parts.query
        userinfo, at, host = netloc.rpartition("@")
        if at and ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if any(k.lower() == "password" for k, _ in pairs):
            query = urllib.parse.urlencode(
                [(k, "***" if k.lower() == "password" else v) for k, v in pairs], safe="*"
            )
        if (netloc, query) == (parts.netloc, parts.query):
            return url  # nothing secret: keep the text exactly as given
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return _DSN_PASSWORD.sub(r"\1***", url)
