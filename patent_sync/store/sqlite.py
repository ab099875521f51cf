"""The embedded docket store: one SQLite file (or ``:memory:`` for tests)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from patent_sync.store.base import DocketStore
from patent_sync.store.errors import StoreConnectionError, StoreNotFoundError
from patent_sync.store.urls import MEMORY

# A load applies a whole delivery in one write transaction (all or nothing); a weekly DOCDB
# amendment into SQLite can take minutes, which other writers wait out.
_BUSY_TIMEOUT_SECONDS = 600.0


class SqliteDocketStore(DocketStore):
    """SQLite in WAL mode: readers never block the single writer, writers queue on the lock.

    Write transactions start with ``BEGIN IMMEDIATE``, which takes the database write lock at
    once; that serializes read-then-write sequences (upserts, audit appends, migrations)
    across processes, so ``cursor.lock(name)`` has nothing left to do here.
    """

    backend = "sqlite"

    def __init__(self, url: str, path: str, *, must_exist: bool = False) -> None:
        super().__init__(url)
        self.path = path
        if path != MEMORY:
            file = Path(path)
            if must_exist and not file.is_file():
                raise StoreNotFoundError(f"no docket store at {file}")
            file.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
            self._conn.execute("PRAGMA foreign_keys = ON")
            if path != MEMORY:
                self._conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as exc:
            raise StoreConnectionError(f"cannot open SQLite store {path}: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreConnectionError(f"the store {self.url_for_display} is closed")
        return self._conn

    def _begin_sql(self) -> str:
        return "BEGIN IMMEDIATE"

    def _lock(self, raw_cursor: Any, name: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already holds the database write lock."""

    def _try_lease(self, name: str) -> Callable[[], None] | None:
        # An flock on a file beside the database: the kernel releases it when the process dies.
        if self.path == MEMORY:
            return lambda: None  # one connection, one process: nothing to share
        directory = Path(f"{self.path}.leases")
        directory.mkdir(parents=True, exist_ok=True)
        handle = open(directory / hashlib.sha256(name.encode()).hexdigest()[:32], "a+b")  # noqa: SIM115
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle.close  # closing the file releases the lock

    def _key_in(self, column: str, keys: Sequence[str]) -> tuple[str, Any]:
        # One JSON parameter instead of thousands of ``?``: no variable limit, one statement.
        return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(list(keys))

    def table_exists(self, name: str) -> bool:
        rows = self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return bool(rows)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
