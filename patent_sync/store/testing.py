"""Helpers for tests that need a docket store on either backend.

``postgres_schema_url(dsn)`` creates a uniquely named schema, yields a store URL whose
``search_path`` is that schema, and drops it afterwards, so tests sharing one database never
see each other's tables. Any repository built on the store (docket entries, ...) can use it.
"""

from __future__ import annotations

import contextlib
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

SCHEMA_PREFIX = "patent_sync_test_"


def with_search_path(dsn: str, schema: str) -> str:
    """``dsn`` (a URL or a key=value DSN) with ``search_path`` set to ``schema``."""
    if "://" in dsn:
        parts = urllib.parse.urlsplit(dsn)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        query = [(k, v) for k, v in query if k != "options"]
        query.append(("options", f"-csearch_path={schema}"))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return f"{dsn} options='-csearch_path={schema}'"


@contextlib.contextmanager
def postgres_schema_url(dsn: str) -> Iterator[str]:
    """A store URL on a fresh, empty schema that is dropped when the block ends."""
    import psycopg2
    from psycopg2 import sql

    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:16]}"
    admin = psycopg2.connect(dsn, connect_timeout=10)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        yield with_search_path(dsn, schema)
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        admin.close()


@contextlib.contextmanager
def temporary_store_url(
    backend: str, directory: Path, postgres_dsn: Callable[[], str]
) -> Iterator[str]:
    """A URL for an empty store on ``backend``: a SQLite file in ``directory``, or a fresh
    PostgreSQL schema (``postgres_dsn()`` is only called for PostgreSQL, so it may skip)."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'docket.sqlite'}"
        return
    if backend != "postgresql":
        raise ValueError(f"unknown store backend {backend!r}")
    with postgres_schema_url(postgres_dsn()) as url:
        yield url
