"""The watchlist: the firm's matters, and where each event source's last sync got to.

``watched_matters`` holds one row per matter the firm watches, keyed as the docket keys it.
Removing a matter deletes its row (the audit log keeps that it was watched, by whom and when);
``watch_sync_markers`` keeps, per matter and source, the source's change marker and the digest
of the last response, so an unchanged matter costs one cheap request or none.
"""

from __future__ import annotations

from patent_sync.store.migrations import dialect_statements

ID = "0008_watchlist"

_TABLES = """
CREATE TABLE watched_matters (
    matter {key} PRIMARY KEY,
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TABLE watch_sync_markers (
    matter {key} NOT NULL,
    source {key} NOT NULL,
    marker TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (matter, source)
)
"""

SQL: dict[str, list[str]] = dialect_statements(_TABLES)
