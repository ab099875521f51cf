"""``patent-sync audit verify | show``: check and read the tamper-evident audit log.

The store is ``--store URL``, else ``PATENT_SYNC_STORE_URL``, else the embedded
``var/docket.sqlite``; the HMAC key is ``PATENT_SYNC_AUDIT_KEY``, else the local key file
(``var/audit.key``) the demo creates. Exit codes: 0 chain intact, 1 chain broken, 2 the store
or the key could not be found or read.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from patent_sync.cli.errors import CliError
from patent_sync.settings import ENV_AUDIT_KEY, Settings

if TYPE_CHECKING:
    from patent_sync.store.base import DocketStore

EXIT_BROKEN = 1
EXIT_UNAVAILABLE = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="verify or show the hash-chained, signed audit log",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = actions.add_parser(
        "verify", help="recompute the chain and name the first broken entry"
    )
    _add_store_option(verify)
    verify.set_defaults(func=run_verify)

    show = actions.add_parser("show", help="print audit entries (newest last)")
    _add_store_option(show)
    show.add_argument(
        "--since", type=int, default=0, metavar="N", help="only entries after sequence N"
    )
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    show.set_defaults(func=run_show)


def _add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="docket store URL (default: $PATENT_SYNC_STORE_URL or sqlite:///var/docket.sqlite)",
    )


def run_verify(args: argparse.Namespace) -> int:
    from patent_sync.audit import AuditLog

    key = _audit_key()
    with _open_store(args.store) as store:
        report = AuditLog(store, key).verify()
    if report.ok:
        print(f"audit log OK: {report.entries_checked} entries verified")
        return 0
    entry = report.entry
    if entry is not None and entry.seq == report.first_bad_seq:
        where = f"entry #{entry.seq} (action {entry.action}, recorded {entry.recorded_at})"
    else:
        where = f"entry #{report.first_bad_seq}"
    print(f"audit log BROKEN at {where}: {report.reason}")
    print(f"  {report.entries_checked} entries before it verified")
    return EXIT_BROKEN


def run_show(args: argparse.Namespace) -> int:
    from patent_sync.audit import read_entries

    with _open_store(args.store) as store:
        for entry in read_entries(store, since_seq=args.since):
            if args.json:
                record = {
                    "seq": entry.seq,
                    "recorded_at": entry.recorded_at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "details": entry.details,
                    "entry_hash": entry.entry_hash,
                }
                print(json.dumps(record, sort_keys=True, ensure_ascii=False))
            else:
                details = json.dumps(entry.details, sort_keys=True, ensure_ascii=False)
                print(f"#{entry.seq} {entry.recorded_at} {entry.action} {entry.subject} {details}")
    return 0


def _audit_key() -> bytes:
    from patent_sync.audit.keys import AuditKeyError, parse_audit_key, read_local_key

    settings = Settings.from_env()
    try:
        if os.environ.get(ENV_AUDIT_KEY):
            return parse_audit_key(os.environ[ENV_AUDIT_KEY])
        if settings.audit_key_path.exists():
            return read_local_key(settings.audit_key_path)
    except AuditKeyError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    raise CliError(
        f"no audit key: set {ENV_AUDIT_KEY} or create {settings.audit_key_path} "
        "(patent-sync demo creates one)",
        exit_code=EXIT_UNAVAILABLE,
    )


@contextmanager
def _open_store(url: str | None) -> Iterator[DocketStore]:
    """The existing store, closed afterwards; any database failure becomes one line, exit 2."""
    import sqlite3

    import psycopg2

    from patent_sync.store import StoreError, open_store

    url = url or Settings.from_env().store_url
    try:
        store = open_store(url, must_exist=True)
    except StoreError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    try:
        if not store.table_exists("audit_log"):
            raise CliError(
                f"the docket store {store.url_for_display} has no audit log yet "
                "(it was never migrated or loaded)",
                exit_code=EXIT_UNAVAILABLE,
            )
        yield store
    except (sqlite3.Error, psycopg2.Error) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CliError(
            f"cannot read the docket store {store.url_for_display}: {first_line}",
            exit_code=EXIT_UNAVAILABLE,
        ) from None
    finally:
        store.close()
