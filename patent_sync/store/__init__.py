"""The docket store: SQLite by default, PostgreSQL in production, one interface.

store = open_store("sqlite:///var/docket.sqlite")   # or postgresql://user@host/db
store.migrate()
"""

from __future__ import annotations

from patent_sync.store.base import DocketStore
from patent_sync.store.errors import (
    LoadStateError,
    MigrationError,
    StoreConnectionError,
    StoreError,
    StoreNotFoundError,
    StoreUrlError,
    UnknownLoadError,
)
from patent_sync.store.types import (
    LoadInfo,
    RawSighting,
    StoredDocument,
    StoredQuarantine,
    StoredVersion,
    UpsertCounts,
)
from patent_sync.store.urls import parse_store_url

__all__ = [
    "DocketStore",
    "LoadInfo",
    "LoadStateError",
    "MigrationError",
    "RawSighting",
    "StoreConnectionError",
    "StoreError",
    "StoreNotFoundError",
    "StoreUrlError",
    "StoredDocument",
    "StoredQuarantine",
    "StoredVersion",
    "UnknownLoadError",
    "UpsertCounts",
    "open_store",
]


def open_store(url: str, *, must_exist: bool = False) -> DocketStore:
    """Open the docket store a URL names (not yet migrated: call ``migrate()``).

    ``sqlite:///relative/path.sqlite``, ``sqlite:////absolute/path.sqlite`` and
    ``sqlite:///:memory:`` open SQLite (creating the file and its folder unless
    ``must_exist``); ``postgresql://user@host:port/db?options=-csearch_path%3Dschema`` or a
    libpq ``key=value`` DSN opens PostgreSQL.
    """
    parsed = parse_store_url(url)
    if parsed.backend == "sqlite":
        from patent_sync.store.sqlite import SqliteDocketStore

        return SqliteDocketStore(url, parsed.target, must_exist=must_exist)
    from patent_sync.store.postgres import PostgresDocketStore

    return PostgresDocketStore(url, parsed.target)
