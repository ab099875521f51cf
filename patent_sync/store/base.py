"""The docket store: one interface over SQLite (the embedded default) and PostgreSQL.

Every query lives here, written once with ``?`` placeholders; the backends in ``sqlite.py`` and
``postgres.py`` only supply the connection, how a write transaction begins, the cross-process
lock and the one predicate that differs ("key in this list"). Same tables, same values, same
semantics on both (DESIGN.md, "Docket store").

Concurrency: every write runs in ``transaction()``. On SQLite that is ``BEGIN IMMEDIATE``, which
takes the database write lock up front; on PostgreSQL, writers that read-then-write (migrations,
document upserts, the audit chain) take a transaction-scoped advisory lock with
``cursor.lock(name)`` so two processes never plan against the same snapshot.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar

from patent_sync.formats.base import Delete
from patent_sync.model import Document, QuarantineRecord, canonical_json
from patent_sync.model.records import DELIVERY_FIELDS
from patent_sync.store import migrations
from patent_sync.store.cursor import DbCursor, Params
from patent_sync.store.errors import (
    LoadBusyError,
    LoadStateError,
    MigrationError,
    StoreError,
    UnknownLoadError,
)
from patent_sync.store.rows import (
    LOAD_COLUMNS,
    QUARANTINE_COLUMNS,
    STORED_DOCUMENT_COLUMNS,
    load_info,
    quarantine_row,
    stored_document,
    stored_quarantine,
    stored_version,
)
from patent_sync.store.timestamps import to_utc_iso, utc_now_iso
from patent_sync.store.types import (
    LOAD_COMPLETED,
    LOAD_FAILED,
    LOAD_RUNNING,
    DeleteCounts,
    LoadInfo,
    RawSighting,
    StoredDocument,
    StoredQuarantine,
    StoredVersion,
    UpsertCounts,
)
from patent_sync.store.upsert_plan import (
    DOCUMENT_COLUMNS,
    VERSION_COLUMNS,
    ExistingDocument,
    IncomingDocument,
    UpsertPlan,
    plan_upsert,
)
from patent_sync.store.urls import redact

__all__ = [
    "DocketStore",
    "LoadInfo",
    "RawSighting",
    "StoredDocument",
    "StoredQuarantine",
    "StoredVersion",
    "UpsertCounts",
]

_PAGE_SIZE = 2000
_LEASE_POLL_SECONDS = 0.2
_MAX_ERROR_CHARS = 4000

_INSERT_DOCUMENT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in DOCUMENT_COLUMNS)})"
)
_UPDATE_DOCUMENT = (
    "UPDATE documents SET "
    + ", ".join(f"{c} = ?" for c in DOCUMENT_COLUMNS[1:])
    + " WHERE doc_key = ?"
)
_INSERT_VERSION = (
    f"INSERT INTO document_versions ({', '.join(VERSION_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in VERSION_COLUMNS)})"
)
# The stored row becomes a version before it is overwritten; its own load is modified_load_id.
_ARCHIVE_CURRENT = (
    f"INSERT INTO document_versions ({', '.join(VERSION_COLUMNS)}) "
    "SELECT doc_key, version, modified_load_id, ?, content_hash, payload_sha256, record, "
    "date_of_last_exchange FROM documents WHERE doc_key = ?"
)
_INSERT_UNMATCHED_DELETE = (
    "INSERT INTO unmatched_deletes (load_id, doc_key, position, source, source_file, "
    "payload_sha256) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (load_id, doc_key, position) DO NOTHING"
)
_INSERT_QUARANTINE = (
    f"INSERT INTO quarantine ({', '.join(QUARANTINE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in QUARANTINE_COLUMNS)}) "
    "ON CONFLICT (load_id, source, position, payload_sha256, category) DO NOTHING"
)


class DocketStore(abc.ABC):
    """Loads, documents (with versions), quarantine, raw manifest and the audit tables.

    Open one with ``patent_sync.store.open_store(url)`` and call ``migrate()`` before use. A
    store object wraps one database connection: use it from one thread at a time.
    """

    backend: ClassVar[str]

    def __init__(self, url: str) -> None:
        self._url = url
        self._active: DbCursor | None = None

    # -- what a backend supplies ---------------------------------------------------------

    @abc.abstractmethod
    def _connection(self) -> Any:
        """The open DB-API connection (autocommit: transactions are begun explicitly)."""

    @abc.abstractmethod
    def _begin_sql(self) -> str:
        """The statement that opens a write transaction."""

    @abc.abstractmethod
    def _lock(self, raw_cursor: Any, name: str) -> None:
        """Take the exclusive, transaction-scoped lock ``name`` (see ``DbCursor.lock``)."""

    @abc.abstractmethod
    def _try_lease(self, name: str) -> Callable[[], None] | None:
        """Take the named lease if no other process holds it; returns how to release it, or
        None when it is held. The lease must die with its process."""

    @abc.abstractmethod
    def _key_in(self, column: str, keys: Sequence[str]) -> tuple[str, Any]:
        """A predicate "column is one of keys" with exactly one ``?`` and its parameter."""

    @abc.abstractmethod
    def table_exists(self, name: str) -> bool:
        """True if the store's schema has a table called ``name``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards. Safe to call twice."""

    def _executemany(self) -> Callable[[Any, str, Iterable[Params]], None] | None:
        """A faster executemany for the driver, or None for the DB-API one."""
        return None

    # -- connection and transactions -----------------------------------------------------

    @property
    def url_for_display(self) -> str:
        """The store URL with any password replaced by ``***`` (safe for logs and metadata)."""
        return redact(self._url)

    def __enter__(self) -> DocketStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url_for_display!r})"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DbCursor]:
        """A write transaction: commits when the block ends, rolls back if it raises.

        The cursor accepts ``?`` placeholders on both backends. Nested calls join the
        outermost transaction (the inner block commits nothing by itself), which is how a load
        and its audit entry commit together.
        """
        if self._active is not None:
            yield self._active
            return
        raw = self._connection().cursor()
        cursor = self._wrap(raw)
        raw.execute(self._begin_sql())
        self._active = cursor
        try:
            yield cursor
            raw.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):  # keep the original error, not the rollback's
                raw.execute("ROLLBACK")
            raise
        finally:
            self._active = None
            raw.close()

    def _wrap(self, raw: Any) -> DbCursor:
        return DbCursor(raw, self.backend, lock=self._lock, executemany=self._executemany())

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Run a read (``?`` placeholders) and return all rows.

        Outside ``transaction()`` each call sees the latest committed state and takes no
        write lock; repositories built on the store use this for their reads.
        """
        raw = self._connection().cursor()
        try:
            return self._wrap(raw).execute(sql, params).fetchall()
        finally:
            raw.close()

    def stream(
        self,
        columns: str,
        table: str,
        where: str,
        params: Params,
        order_by: str,
        page_size: int = _PAGE_SIZE,
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of ``SELECT columns FROM table WHERE where`` by ``order_by``, a page per query.

        Keyset paging (``order_by > last``) holds no server cursor and no lock between pages;
        ``order_by`` must be a unique column and the first of ``columns``.
        """
        last: Any = None
        while True:
            clause, page_params = f"({where})", list(params)
            if last is not None:
                clause += f" AND {order_by} > ?"
                page_params.append(last)
            rows = self.query(
                f"SELECT {columns} FROM {table} WHERE {clause} ORDER BY {order_by} LIMIT ?",
                [*page_params, page_size],
            )
            yield from rows
            if len(rows) < page_size:
                return
            last = rows[-1][0]

    # -- migrations ----------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply pending migrations in order; return the IDs applied now (empty if none).

        Runs under an exclusive lock, so two processes starting at once apply each migration
        exactly once; the second finds nothing to do.
        """
        applied_now: list[str] = []
        # An up-to-date store needs no DDL: the pipeline's least-privilege role, which may not
        # create tables, opens it like this on every step.
        if self.table_exists("schema_migrations") and set(self.applied_migrations()) == {
            m.id for m in migrations.discover()
        }:
            return applied_now
        with self.transaction() as cur:
            cur.lock("schema_migrations")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in cur.execute("SELECT id FROM schema_migrations").fetchall()}
            known = migrations.discover()
            unknown = done - {m.id for m in known}
            if unknown:
                raise MigrationError(
                    f"the store at {self.url_for_display} has migrations this version of "
                    f"patent_sync does not know ({', '.join(sorted(unknown))}); upgrade patent_sync"
                )
            for migration in known:
                if migration.id in done:
                    continue
                try:
                    migration.apply(cur, self.backend)
                except StoreError:
                    raise
                except Exception as exc:
                    raise MigrationError(f"migration {migration.id} failed: {exc}") from exc
                cur.execute(
                    "INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)",
                    (migration.id, utc_now_iso()),
                )
                applied_now.append(migration.id)
        return applied_now

    def applied_migrations(self) -> list[str]:
        """IDs recorded in ``schema_migrations``, in order (empty for a new database)."""
        if not self.table_exists("schema_migrations"):
            return []
        return [row[0] for row in self.query("SELECT id FROM schema_migrations ORDER BY id")]

    def pending_migrations(self) -> list[str]:
        """IDs of the migrations ``migrate()`` would apply now."""
        applied = set(self.applied_migrations())
        return [m.id for m in migrations.discover() if m.id not in applied]

    # -- loads ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def load_lease(
        self, feed: str, partition_key: str | None, *, wait_seconds: float = 3600.0
    ) -> Iterator[None]:
        """Exclusive right to load ``feed``'s ``partition_key``, held by this process.

        A second run of the same partition waits here (up to ``wait_seconds``, then
        ``LoadBusyError``) instead of applying the delivery a second time. The lease is an
        operating-system or database session lock: it is released when the process dies, so a
        load still marked running while nobody holds its lease was interrupted (see
        ``interrupted_loads``).
        """
        name = f"load:{feed}:{partition_key}"
        deadline = time.monotonic() + wait_seconds
        while (release := self._try_lease(name)) is None:
            if time.monotonic() >= deadline:
                raise LoadBusyError(
                    f"{feed} {partition_key}: another run has been applying this delivery for "
                    f"more than {wait_seconds:.0f} s; try again when it has finished"
                )
            time.sleep(_LEASE_POLL_SECONDS)
        try:
            yield
        finally:
            release()

    def interrupted_loads(self, feed: str, partition_key: str | None) -> list[LoadInfo]:
        """Loads of this partition still marked running. Call it holding the partition's
        ``load_lease``: nobody else can be running them, so their process died."""
        rows = self.query(
            f"SELECT {LOAD_COLUMNS} FROM loads WHERE feed = ? AND status = ? "
            "AND COALESCE(partition_key, delivery) = COALESCE(?, delivery) ORDER BY load_id",
            (feed, LOAD_RUNNING, partition_key),
        )
        return [load_info(row) for row in rows]

    def begin_load(
        self, feed: str, delivery: str, partition_key: str | None, payload_sha256: str
    ) -> int:
        """Start a load of one delivery; returns its id (greater than every earlier id)."""
        with self.transaction() as cur:
            row = cur.execute(
                "INSERT INTO loads (feed, delivery, partition_key, payload_sha256, status, "
                "started_at, counts) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING load_id",
                (feed, delivery, partition_key, payload_sha256, LOAD_RUNNING, utc_now_iso(), "{}"),
            ).fetchone()
        assert row is not None
        return int(row[0])

    def finish_load(self, load_id: int, counts: dict[str, int]) -> None:
        """Mark a running load completed with its counts (created, modified, ...)."""
        clean = {str(k): int(v) for k, v in counts.items()}
        self._end_load(load_id, LOAD_COMPLETED, counts=canonical_json(clean), error=None)

    def fail_load(self, load_id: int, error: str) -> None:
        """Mark a running load failed, keeping the error text (truncated to 4,000 chars)."""
        self._end_load(load_id, LOAD_FAILED, counts=None, error=error[:_MAX_ERROR_CHARS])

    def _end_load(
        self, load_id: int, status: str, *, counts: str | None, error: str | None
    ) -> None:
        with self.transaction() as cur:
            cur.execute(
                "UPDATE loads SET status = ?, finished_at = ?, counts = COALESCE(?, counts), "
                "error = ? WHERE load_id = ? AND status = ?",
                (status, utc_now_iso(), counts, error, load_id, LOAD_RUNNING),
            )
            if cur.rowcount != 1:
                current = self._load_status(cur, load_id)
                raise LoadStateError(
                    f"load {load_id} is {current}, not running: cannot mark {status}"
                )

    def _load_status(self, cur: DbCursor, load_id: int) -> str:
        row = cur.execute("SELECT status FROM loads WHERE load_id = ?", (load_id,)).fetchone()
        if row is None:
            raise UnknownLoadError(f"no load with id {load_id}")
        return str(row[0])

    def _require_running(self, cur: DbCursor, load_id: int) -> None:
        status = self._load_status(cur, load_id)
        if status != LOAD_RUNNING:
            raise LoadStateError(f"load {load_id} is {status}: begin a new load to write documents")

    def get_load(self, load_id: int) -> LoadInfo:
        """The load with this id; ``UnknownLoadError`` if there is none."""
        rows = self.query(f"SELECT {LOAD_COLUMNS} FROM loads WHERE load_id = ?", (load_id,))
        if not rows:
            raise UnknownLoadError(f"no load with id {load_id}")
        return load_info(rows[0])

    def find_completed_load(self, feed: str, delivery: str, payload_sha256: str) -> LoadInfo | None:
        """The latest completed load of exactly these bytes of this delivery, if any."""
        rows = self.query(
            f"SELECT {LOAD_COLUMNS} FROM loads WHERE feed = ? AND delivery = ? "
            "AND payload_sha256 = ? AND status = ? ORDER BY load_id DESC LIMIT 1",
            (feed, delivery, payload_sha256, LOAD_COMPLETED),
        )
        return load_info(rows[0]) if rows else None

    def latest_load_id(self, *, completed_only: bool = False) -> int | None:
        """The highest load id issued (or completed), None for an empty store."""
        sql = "SELECT MAX(load_id) FROM loads"
        params: tuple[Any, ...] = ()
        if completed_only:
            sql += " WHERE status = ?"
            params = (LOAD_COMPLETED,)
        value = self.query(sql, params)[0][0]
        return None if value is None else int(value)

    def list_loads(self, feed: str | None = None) -> list[LoadInfo]:
        """Every load (of one feed), oldest first."""
        where, params = ("feed = ?", (feed,)) if feed is not None else ("1 = 1", ())
        rows = self.query(
            f"SELECT {LOAD_COLUMNS} FROM loads WHERE {where} ORDER BY load_id", params
        )
        return [load_info(row) for row in rows]

    # -- documents -----------------------------------------------------------------------

    def upsert_documents(self, load_id: int, docs: Sequence[Document]) -> UpsertCounts:
        """Apply a batch of ``Document``s as part of load ``load_id`` (see ``upsert_incoming``)."""
        return self.upsert_incoming(load_id, [IncomingDocument.from_document(d) for d in docs])

    def upsert_incoming(self, load_id: int, docs: Sequence[IncomingDocument]) -> UpsertCounts:
        """Apply a batch of documents as part of load ``load_id``, in one transaction.

        Keyed by ``doc_key`` and compared by content hash: an unchanged document writes
        nothing; a changed one (or one reappearing after a delete) keeps its previous version
        in ``document_versions`` and takes ``modified_load_id = load_id``; a new one gets
        ``created_load_id = modified_load_id = load_id``. A document older than the stored one
        (by date of last exchange) is written nowhere and returned in ``counts.stale``.
        """
        if not docs:
            return UpsertCounts()
        with self.transaction() as cur:
            cur.lock("documents")
            self._require_running(cur, load_id)
            keys = list(dict.fromkeys(doc.doc_key for doc in docs))
            predicate, param = self._key_in("doc_key", keys)
            existing = {
                row[0]: ExistingDocument(row[1], int(row[2]), int(row[3]), bool(row[4]), row[5])
                for row in cur.execute(
                    "SELECT doc_key, content_hash, version, created_load_id, "
                    "deleted_load_id IS NOT NULL, date_of_last_exchange "
                    f"FROM documents WHERE {predicate}",
                    (param,),
                ).fetchall()
            }
            plan = plan_upsert(load_id, docs, existing)
            self._write_plan(cur, load_id, plan)
        return dataclasses.replace(plan.counts, stale=tuple(plan.stale))

    def _write_plan(self, cur: DbCursor, load_id: int, plan: UpsertPlan) -> None:
        """Issue the writes of an upsert plan (PostgreSQL overrides this with COPY)."""
        cur.executemany(_ARCHIVE_CURRENT, [(load_id, key) for key in plan.archive_current])
        cur.executemany(_INSERT_DOCUMENT, plan.inserts)
        cur.executemany(_INSERT_VERSION, plan.version_rows)  # after inserts: FK to documents
        cur.executemany(_UPDATE_DOCUMENT, [(*row[1:], row[0]) for row in plan.updates])

    def apply_deletes(self, load_id: int, deletes: Sequence[Delete]) -> DeleteCounts:
        """Soft-delete documents (``deleted_load_id = load_id``; every version is kept).

        A delete for a document the docket never held is recorded in ``unmatched_deletes``,
        not raised: the office withdrew something the firm never had. One already deleted
        stays as it is (its first delete stands).
        """
        if not deletes:
            return DeleteCounts()
        keys = list(dict.fromkeys(d.doc_key for d in deletes))
        with self.transaction() as cur:
            cur.lock("documents")
            self._require_running(cur, load_id)
            predicate, param = self._key_in("doc_key", keys)
            held = {
                row[0]: row[1] is not None
                for row in cur.execute(
                    f"SELECT doc_key, deleted_load_id FROM documents WHERE {predicate}", (param,)
                ).fetchall()
            }
            cur.execute(
                "UPDATE documents SET deleted_load_id = ? "
                f"WHERE deleted_load_id IS NULL AND {predicate}",
                (load_id, param),
            )
            deleted = cur.rowcount
            unmatched = [d for d in deletes if d.doc_key not in held]
            cur.executemany(
                _INSERT_UNMATCHED_DELETE,
                [
                    (load_id, d.doc_key, d.position, d.source, d.source_file, d.payload_sha256)
                    for d in unmatched
                ],
            )
        already = sum(1 for key in keys if held.get(key) is True)
        return DeleteCounts(deleted=deleted, already_deleted=already, unmatched=len(unmatched))

    def delete_documents(self, load_id: int, doc_keys: Sequence[str]) -> int:
        """Soft-delete documents by key; returns how many were present (not yet deleted)."""
        deletes = [Delete(key, -1, "manual", None, "") for key in doc_keys]
        return self.apply_deletes(load_id, deletes).deleted

    def unmatched_deletes(self, load_id: int | None = None) -> list[tuple[int, str, int]]:
        """(load_id, doc_key, position) of every delete for a document the docket never held."""
        where, params = ("load_id = ?", (load_id,)) if load_id is not None else ("1 = 1", ())
        rows = self.query(
            f"SELECT load_id, doc_key, position FROM unmatched_deletes WHERE {where} ORDER BY id",
            params,
        )
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    def get_document(self, doc_key: str) -> StoredDocument | None:
        """The current state of one document (deleted ones included), or None."""
        rows = self.query(
            f"SELECT {STORED_DOCUMENT_COLUMNS} FROM documents WHERE doc_key = ?", (doc_key,)
        )
        return stored_document(rows[0]) if rows else None

    def document_versions(self, doc_key: str) -> list[StoredVersion]:
        """Every version of a document, oldest first; the last one is the current row."""
        older = self.query(
            "SELECT doc_key, version, load_id, content_hash, payload_sha256, record "
            "FROM document_versions WHERE doc_key = ? ORDER BY version",
            (doc_key,),
        )
        versions = [stored_version(row, is_current=False) for row in older]
        current = self.query(
            "SELECT doc_key, version, modified_load_id, content_hash, payload_sha256, record "
            "FROM documents WHERE doc_key = ?",
            (doc_key,),
        )
        versions.extend(stored_version(row, is_current=True) for row in current)
        # What each version changed: derived from the records kept, so that loading an
        # amendment costs nothing extra and the history still shows which fields it touched.
        previous: dict[str, Any] = {}
        with_changes = []
        for version in versions:
            changed = tuple(
                sorted(
                    name
                    for name in version.record.keys() | previous.keys()
                    if version.record.get(name) != previous.get(name)
                    and name not in DELIVERY_FIELDS
                )
            )
            with_changes.append(dataclasses.replace(version, changed_fields=changed))
            previous = version.record
        return with_changes

    def documents_since(self, load_id: int) -> Iterator[StoredDocument]:
        """Documents created, modified or deleted by any load after ``load_id``, by doc_key.

        Streamed a page at a time, so a downstream index can pull millions of rows.
        """
        rows = self.stream(
            STORED_DOCUMENT_COLUMNS,
            "documents",
            "modified_load_id > ? OR deleted_load_id > ?",
            (load_id, load_id),
            "doc_key",
        )
        return (stored_document(row) for row in rows)

    def count_documents(self, *, load_id: int | None = None, include_deleted: bool = False) -> int:
        """How many documents the docket holds.

        With ``load_id``: those whose current version that load wrote (and, with
        ``include_deleted``, those it deleted). Deleted documents count only with
        ``include_deleted``.
        """
        conditions: list[str] = []
        params: list[Any] = []
        if load_id is not None:
            if include_deleted:
                conditions.append("(modified_load_id = ? OR deleted_load_id = ?)")
                params += [load_id, load_id]
            else:
                conditions.append("modified_load_id = ?")
                params.append(load_id)
        if not include_deleted:
            conditions.append("deleted_load_id IS NULL")
        where = " AND ".join(conditions) or "1 = 1"
        return int(self.query(f"SELECT COUNT(*) FROM documents WHERE {where}", params)[0][0])

    def document_counts_by_source(self) -> dict[str, int]:
        """Documents the docket holds (not deleted), per source format (``epo.docdb`` ...)."""
        rows = self.query(
            "SELECT source, COUNT(*) FROM documents WHERE deleted_load_id IS NULL "
            "GROUP BY source ORDER BY source"
        )
        return {str(source): int(count) for source, count in rows}

    def digest(self) -> str:
        """SHA-256 over the docket: every document's key, content hash and deleted flag.

        Ordered by doc_key in byte order on both backends, so two stores holding the same
        documents have the same digest however the documents arrived.
        """
        digest = hashlib.sha256()
        rows = self.stream(
            "doc_key, content_hash, deleted_load_id", "documents", "1 = 1", (), "doc_key"
        )
        for doc_key, content_hash, deleted_load_id in rows:
            flag = "0" if deleted_load_id is None else "1"
            digest.update(f"{doc_key}\t{content_hash}\t{flag}\n".encode())
        return digest.hexdigest()

    # -- quarantine ----------------------------------------------------------------------

    def add_quarantine(self, load_id: int, records: Sequence[QuarantineRecord]) -> int:
        """File quarantined records under a load; returns how many rows were new.

        A record already filed for the load (same source, position, payload hash and
        category) is not filed twice, so re-running a load adds nothing.
        """
        if not records:
            return 0
        now = utc_now_iso()
        rows = [quarantine_row(load_id, record, now) for record in records]
        count_sql = "SELECT COUNT(*) FROM quarantine WHERE load_id = ?"
        with self.transaction() as cur:
            self._load_status(cur, load_id)  # raises for an unknown load
            before = int(cur.execute(count_sql, (load_id,)).fetchone()[0])  # type: ignore[index]
            cur.executemany(_INSERT_QUARANTINE, rows)
            after = int(cur.execute(count_sql, (load_id,)).fetchone()[0])  # type: ignore[index]
        return after - before

    def quarantine_counts(self, load_id: int | None = None) -> dict[str, int]:
        """Quarantine rows per category (any status), for one load or all loads."""
        where, params = ("load_id = ?", (load_id,)) if load_id is not None else ("1 = 1", ())
        rows = self.query(
            f"SELECT category, COUNT(*) FROM quarantine WHERE {where} "
            "GROUP BY category ORDER BY category",
            params,
        )
        return {str(category): int(count) for category, count in rows}

    def list_quarantine(
        self,
        *,
        load_id: int | None = None,
        category: str | None = None,
        status: str | None = "open",
    ) -> list[StoredQuarantine]:
        """Quarantine rows, oldest first, filtered by load, category and status (None = any)."""
        conditions, params = [], []
        for column, value in (("load_id", load_id), ("category", category), ("status", status)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(str(value) if column != "load_id" else value)
        where = " AND ".join(conditions) or "1 = 1"
        rows = self.query(
            f"SELECT id, {', '.join(QUARANTINE_COLUMNS)} FROM quarantine WHERE {where} ORDER BY id",
            params,
        )
        return [stored_quarantine(row) for row in rows]

    # -- raw manifest --------------------------------------------------------------------

    def record_raw_payload(
        self, sha256: str, size: int, source: str, origin: str, fetched_at: Any
    ) -> bool:
        """Record a sighting of a raw payload; True if the store had never seen this hash.

        One manifest row per (sha256, origin): seeing the same bytes from the same origin
        again changes nothing. ``fetched_at`` is an aware datetime or an ISO string.
        """
        fetched = to_utc_iso(fetched_at)
        now = utc_now_iso()
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO raw_payloads (sha256, size, first_seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sha256) DO NOTHING",
                (sha256, size, now),
            )
            is_new = cur.rowcount == 1
            if not is_new:
                known = cur.execute(
                    "SELECT size FROM raw_payloads WHERE sha256 = ?", (sha256,)
                ).fetchone()
                if known is not None and int(known[0]) != size:
                    raise StoreError(
                        f"payload {sha256} was recorded with {known[0]} bytes, now {size}: "
                        "the archive or the caller is inconsistent"
                    )
            cur.execute(
                "INSERT INTO raw_manifest (sha256, size, source, origin, fetched_at, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256, origin) DO NOTHING",
                (sha256, size, source, origin, fetched, now),
            )
        return is_new

    def raw_sightings(self, sha256: str) -> list[RawSighting]:
        """The manifest rows for one payload hash, in the order they were recorded."""
        rows = self.query(
            "SELECT sha256, size, source, origin, fetched_at, recorded_at FROM raw_manifest "
            "WHERE sha256 = ? ORDER BY id",
            (sha256,),
        )
        return [RawSighting(r[0], int(r[1]), r[2], r[3], r[4], r[5]) for r in rows]
