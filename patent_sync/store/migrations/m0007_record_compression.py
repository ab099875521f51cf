"""PostgreSQL: compress document records with lz4 instead of pglz, where the server has it.

A weekly DOCDB amendment writes ~365,000 records of a few KB each; pglz compression of the
TOASTed JSON was a large share of the load's server time, and lz4 compresses several times
faster for a similar size. Servers built without lz4 keep pglz; SQLite has nothing to change.
"""

from __future__ import annotations

from typing import Any

ID = "0007_record_compression"

_COLUMNS = (("documents", "record"), ("document_versions", "record"))


def upgrade(cursor: Any, dialect: str) -> None:
    if dialect != "postgresql":
        return
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    if not row or not row[0]:
        return
    for table, column in _COLUMNS:
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")
