"""The production docket store: PostgreSQL through psycopg2."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg2
import psycopg2.extras

from patent_sync.store.base import DocketStore
from patent_sync.store.cursor import DbCursor, Params
from patent_sync.store.errors import StoreConnectionError
from patent_sync.store.upsert_plan import DOCUMENT_COLUMNS, VERSION_COLUMNS, UpsertPlan

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

    def _try_lease(self, name: str) -> Callable[[], None] | None:
        # A session-level advisory lock: it outlives transactions and dies with the connection.
        with self._connection().cursor() as cur:
            cur.execute(
                "SELECT pg_try_advisory_lock(lock_id), lock_id FROM (SELECT hashtextextended("
                "COALESCE(current_schema(), '') || ':lease:' || %s, 0) AS lock_id) AS lease",
                (name,),
            )
            held, lock_id = cur.fetchone()
        if not held:
            return None

        def release() -> None:
            if self._conn is not None and not self._conn.closed:
                with self._conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", (lock_id,))

        return release

    def _key_in(self, column: str, keys: Sequence[str]) -> tuple[str, Any]:
        return f"{column} = ANY(?)", list(keys)

    def _executemany(self) -> Any:
        def execute_batch(raw: Any, sql: str, rows: Iterable[Params]) -> None:
            # DB-API executemany is one round trip per row; execute_batch sends pages.
            psycopg2.extras.execute_batch(raw, sql, rows, page_size=_BATCH_PAGE_SIZE)

        return execute_batch

    def _write_plan(self, cur: DbCursor, load_id: int, plan: UpsertPlan) -> None:
        """COPY the batch into a session-local staging table and apply it set-wise.

        A weekly DOCDB amendment is ~365,000 documents: row-by-row statements would spend
        the load in round trips and per-statement planning; COPY streams the rows and one
        INSERT ... SELECT or UPDATE ... FROM applies each kind of change.
        """
        raw = cur.raw
        raw.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stage_documents "
            "(LIKE documents INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        if plan.archive_current:
            raw.execute(
                f"INSERT INTO document_versions ({', '.join(VERSION_COLUMNS)}) "
                "SELECT doc_key, version, modified_load_id, %s, content_hash, payload_sha256, "
                "record, date_of_last_exchange FROM documents WHERE doc_key = ANY(%s)",
                (load_id, plan.archive_current),
            )
        if plan.inserts:  # new keys: straight into the table
            _copy_rows(raw, "documents", DOCUMENT_COLUMNS, plan.inserts)
        if plan.version_rows:
            cur.executemany(
                f"INSERT INTO document_versions ({', '.join(VERSION_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in VERSION_COLUMNS)})",
                plan.version_rows,
            )
        if plan.updates:
            _copy_rows(raw, "stage_documents", DOCUMENT_COLUMNS, plan.updates)
            assignments = ", ".join(f"{c} = s.{c}" for c in DOCUMENT_COLUMNS[1:])
            raw.execute(
                f"UPDATE documents d SET {assignments} FROM stage_documents s "
                "WHERE d.doc_key = s.doc_key"
            )
            raw.execute("TRUNCATE stage_documents")

    def table_exists(self, name: str) -> bool:
        # to_regclass resolves through search_path, exactly as the store's own queries do.
        return self.query("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0] is True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _copy_value(value: Any) -> str:
    """A value in COPY's text format: backslash escapes for what delimits rows and fields.

    Chained ``str.replace`` calls, each a C loop, are many times faster than ``translate``
    with a mapping on multi-kilobyte records.
    """
    if value is None:
        return "\\N"
    if not isinstance(value, str):
        return str(value)
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_rows(raw: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    # UTF-8 bytes, line by line: a text buffer holding one CJK title would store the whole
    # batch at four bytes a character.
    buffer = io.BytesIO()
    for row in rows:
        buffer.write("\t".join(map(_copy_value, row)).encode())
        buffer.write(b"\n")
    buffer.seek(0)
    raw.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
