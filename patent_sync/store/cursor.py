"""One cursor API over sqlite3 and psycopg2: ``?`` placeholders on both backends.

Repositories (the document store here, docket entries elsewhere) write their SQL once with
``?`` placeholders; this wrapper rewrites them to psycopg2's ``%s`` when the store is
PostgreSQL. Statements executed *without* parameters are passed through untouched, so DDL
with ``%`` or ``$$`` bodies needs no escaping.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Params = Sequence[Any]

POSTGRESQL = "postgresql"


class DbCursor:
    """A thin cursor wrapper used inside ``DocketStore.transaction()``.

    ``dialect`` is ``"sqlite"`` or ``"postgresql"`` so that callers can branch on the few
    statements that differ; ``lock(name)`` takes a transaction-scoped exclusive lock that
    serializes writers across processes (a no-op on SQLite, whose ``BEGIN IMMEDIATE``
    already holds the database write lock).
    """

    def __init__(
        self,
        raw: Any,
        dialect: str,
        *,
        lock: Callable[[Any, str], None],
        executemany: Callable[[Any, str, Iterable[Params]], None] | None = None,
    ) -> None:
        self._raw = raw
        self.dialect = dialect
        self._lock = lock
        self._executemany = executemany

    @property
    def raw(self) -> Any:
        """The driver's own cursor, for what only one backend offers (PostgreSQL's COPY)."""
        return self._raw

    @property
    def rowcount(self) -> int:
        return int(self._raw.rowcount)

    def execute(self, sql: str, params: Params | None = None) -> DbCursor:
        """Run one statement; ``?`` placeholders bind ``params`` on either backend."""
        if params is None:
            self._raw.execute(sql)
        else:
            self._raw.execute(self._convert(sql), tuple(params))
        return self

    def executemany(self, sql: str, seq_of_params: Iterable[Params]) -> DbCursor:
        """Run one statement for every parameter tuple (batched on PostgreSQL)."""
        rows = [tuple(p) for p in seq_of_params]
        if not rows:
            return self
        if self._executemany is not None:
            self._executemany(self._raw, self._convert(sql), rows)
        else:
            self._raw.executemany(self._convert(sql), rows)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._raw.fetchone()
        return None if row is None else tuple(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._raw.fetchall()]

    def lock(self, name: str) -> None:
        """Hold an exclusive lock called ``name`` until this transaction ends."""
        self._lock(self._raw, name)

    def _convert(self, sql: str) -> str:
        if self.dialect == POSTGRESQL:
            return to_pyformat(sql)
        return sql


@functools.lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """Rewrite ``?`` placeholders to ``%s`` and escape literal ``%`` for psycopg2.

    Question marks inside single-quoted literals, double-quoted identifiers and comments are
    left alone, so ``WHERE note = 'why?'`` keeps its text.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == ch:  # doubled quote escape
                end = sql.find(ch, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
            continue
        if ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
        i += 1
    return "".join(out)
