"""The production docket store: PostgreSQL through psycopg2."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg2
import psycopg2.extras

from patent_sync.store.base import DocketStore
from patent_sync.store.cursor import Params
from patent_sync.store.errors import StoreConnectionError

_CONNECT_TIMEOUT_SECONDS = 10
_BATCH_PAGE_SIZE = 1000


class PostgresDocketStore(DocketStore):
    """PostgreSQL; the schema is whatever ``search_path`` names (``options=-csearch_path=...``).

    The connection runs in autocommit mode and ``transaction()`` issues ``BEGIN`` itself, so
    reads outside a transaction never leave one open. ``cursor.lock(name)`` is a
    transaction-scoped advisory lock keyed by the current schema and ``name``, so stores in
    different schemas of one database do not wait for each other.
    """

    backend = "postgresql"

    def __init__(self, url: str, dsn: str) -> None:
        super().__init__(url)
        try:
            self._conn: Any = psycopg2.connect(dsn, connect_timeout=_CONNECT_TIMEOUT_SECONDS)
        except psycopg2.Error as exc:
            first_line = (str(exc).strip().splitlines() or ["connection failed"])[0]
            raise StoreConnectionError(
                f"cannot connect to PostgreSQL store {self.url_for_display}: {first_line}"
            ) from exc
        self._conn.autocommit = True

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            raise StoreConnectionError(f"the store {self.url_for_display} is closed")
        return self._conn

    def _begin_sql(self) -> str:
        return "BEGIN"

    def _lock(self, raw_cursor: Any, name: str) -> None:
        raw_cursor.execute(
            "SELECT pg_advisory_xact_lock("
            "hashtextextended(COALESCE(current_schema(), '') || ':' || %s, 0))",
            (name,),
        )

    def _key_in(self, column: str, keys: Sequence[str]) -> tuple[str, Any]:
        return f"{column} = ANY(?)", list(keys)

    def _executemany(self) -> Any:
        def execute_batch(raw: Any, sql: str, rows: Iterable[Params]) -> None:
            # DB-API executemany is one round trip per row; execute_batch sends pages.
            psycopg2.extras.execute_batch(raw, sql, rows, page_size=_BATCH_PAGE_SIZE)

        return execute_batch

    def table_exists(self, name: str) -> bool:
        # to_regclass resolves through search_path, exactly as the store's own queries do.
        return self.query("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0] is True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
