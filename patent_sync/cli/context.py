"""What several sub-commands share: which store to open, and which key signs the audit log.

The store is ``--store URL``, else ``PATENT_SYNC_STORE_URL``, else the embedded
``var/docket.sqlite``; the HMAC key is ``PATENT_SYNC_AUDIT_KEY``, else the local key file
(``var/audit.key``) the demo creates. Neither is ever created here: a command that reads or
reviews an existing docket must not quietly start a new, empty one.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from patent_sync.cli.errors import EXIT_UNAVAILABLE, CliError
from patent_sync.settings import ENV_AUDIT_KEY, Settings

if TYPE_CHECKING:
    from patent_sync.store.base import DocketStore

__all__ = ["EXIT_UNAVAILABLE", "add_store_option", "open_existing_store", "resolve_audit_key"]


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store URL`` with the documented default."""
    parser.add_argument(
        "--store",
        metavar="URL",
        help="docket store URL (default: $PATENT_SYNC_STORE_URL or sqlite:///var/docket.sqlite)",
    )


def resolve_audit_key() -> bytes:
    """The audit key from the environment or the local key file; ``CliError`` (exit 2) if none.

    The error names where the key was looked for, never the key.
    """
    from patent_sync.audit.keys import AuditKeyError
    from patent_sync.audit.keys import resolve_audit_key as resolve

    settings = Settings.from_env()
    try:
        key = resolve(settings.audit_key_path, create=False)
    except AuditKeyError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    if key is not None:
        return key
    raise CliError(
        f"no audit key: set {ENV_AUDIT_KEY} or create {settings.audit_key_path} "
        "(patent-sync demo creates one)",
        exit_code=EXIT_UNAVAILABLE,
    )


@contextmanager
def open_existing_store(
    url: str | None, *, required_table: str = "audit_log", what: str = "audit log"
) -> Iterator[DocketStore]:
    """The existing store, closed afterwards; any database failure becomes one line, exit 2.

    ``required_table`` must exist (else: "the docket store ... has no <what> yet").
    """
    import sqlite3

    import psycopg2

    from patent_sync.store import StoreError, open_store

    url = url or Settings.from_env().store_url
    try:
        store = open_store(url, must_exist=True)
    except StoreError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    try:
        if not store.table_exists(required_table):
            raise CliError(
                f"the docket store {store.url_for_display} has no {what} yet "
                "(it was never migrated or loaded)",
                exit_code=EXIT_UNAVAILABLE,
            )
        yield store
    except (sqlite3.Error, psycopg2.Error) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CliError(
            f"cannot use the docket store {store.url_for_display}: {first_line}",
            exit_code=EXIT_UNAVAILABLE,
        ) from None
    finally:
        store.close()
