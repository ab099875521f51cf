"""``patent-sync watch``: the firm's watched matters, which the event sources fetch for.

``add`` and ``import`` create the docket store (and the local audit key) when there is none
yet, since a firm usually lists its matters before the first sync; ``list`` and ``remove``
work on an existing store. Every change is audited.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from patent_sync.cli.context import add_store_option, open_existing_store
from patent_sync.cli.errors import EXIT_PROBLEM, EXIT_UNAVAILABLE, CliError

if TYPE_CHECKING:
    from patent_sync.audit import AuditLog
    from patent_sync.store.base import DocketStore


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="add, remove, list or import the watched matters",
        description=(
            "The watchlist: the matters whose prosecution events the EPO and USPTO sources "
            "fetch. A matter is written as the docket keys it (EP-19123456, US-17248024, "
            "WO-2010EP12345) or as the office prints it (EP 19 123 456.7, 17/248,024, "
            "PCT/EP2010/12345)."
        ),
    )
    actions = parser.add_subparsers(dest="watch_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="watch a matter")
    add.add_argument("matter", help="application number, e.g. EP-19123456 or 17/248,024")
    add.add_argument("--reference", default="", help="the firm's own docket reference")
    add.add_argument("--title", default="", help="a short title for people reading the list")
    add_store_option(add)
    add.set_defaults(func=run_add)

    remove = actions.add_parser("remove", help="stop watching a matter (its docket stays)")
    remove.add_argument("matter")
    add_store_option(remove)
    remove.set_defaults(func=run_remove)

    listing = actions.add_parser("list", help="list the watched matters")
    listing.add_argument("--office", help="only this office's matters (EP, US, WO …)")
    listing.add_argument("--json", action="store_true", help="JSON Lines instead of a table")
    add_store_option(listing)
    listing.set_defaults(func=run_list)

    imported = actions.add_parser(
        "import",
        help="watch every matter in a CSV file",
        description=(
            "Watch every matter listed in a CSV file with a 'matter' column and optional "
            "'reference' and 'title' columns. Matters already watched get the file's reference "
            "and title; rows that cannot be read are listed with their line numbers and "
            "nothing of the file is imported (exit 1), so a sheet is never half applied. A file "
            "that cannot be read at all exits 2."
        ),
    )
    imported.add_argument("file", type=Path)
    add_store_option(imported)
    imported.set_defaults(func=run_import)


def run_add(args: argparse.Namespace) -> int:
    from patent_sync.watchlist import WatchlistError, add_matter, watched

    try:
        matter = watched(args.matter, args.reference, args.title)
    except WatchlistError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    with _open_for_change(args.store) as (store, audit):
        added = add_matter(store, audit, matter)
    print(f"{matter.matter}: {'now watched' if added else 'already watched (unchanged)'}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from patent_sync.watchlist import WatchlistError, matter_key, remove_matter

    try:
        key = matter_key(args.matter)
    except WatchlistError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    with _open_for_change(args.store, create=False) as (store, audit):
        removed = remove_matter(store, audit, key)
    if not removed:
        raise CliError(f"{key} is not on the watchlist", exit_code=EXIT_PROBLEM)
    print(f"{key}: no longer watched (its events and docket entries stay in the store)")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from patent_sync.watchlist import watched_matters

    with open_existing_store(args.store, required_table="watched_matters", what="watchlist") as s:
        matters = watched_matters(s, args.office)
    if args.json:
        for m in matters:
            line = {"matter": m.matter, "reference": m.reference, "title": m.title}
            print(json.dumps({**line, "added_at": m.added_at}, ensure_ascii=False))
        return 0
    if not matters:
        scope = f" for {args.office.upper()}" if args.office else ""
        print(f"no matters are watched{scope} (add one with: patent-sync watch add EP-19123456)")
        return 0
    width = max(len(m.matter) for m in matters)
    ref_width = max([len(m.reference) for m in matters] + [len("reference")])
    print(f"{'matter':<{width}}  {'reference':<{ref_width}}  title")
    for m in matters:
        print(f"{m.matter:<{width}}  {m.reference:<{ref_width}}  {m.title}".rstrip())
    print(f"{len(matters)} matter(s)", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from patent_sync.watchlist import (
        WatchlistError,
        add_matter,
        read_watchlist_csv,
        update_matter,
    )

    try:
        sheet = read_watchlist_csv(args.file)
    except WatchlistError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    if sheet.problems:
        for problem in sheet.problems:
            print(f"{args.file}:{problem.line}: {problem.message}", file=sys.stderr)
        raise CliError(
            f"{len(sheet.problems)} row(s) of {args.file} cannot be read; nothing was imported",
            exit_code=EXIT_PROBLEM,
        )
    added = updated = 0
    with _open_for_change(args.store) as (store, audit):
        for matter in sheet.matters:
            if add_matter(store, audit, matter):
                added += 1
            elif update_matter(store, audit, matter):
                updated += 1
    unchanged = len(sheet.matters) - added - updated
    print(
        f"{args.file}: {len(sheet.matters)} matter(s): {added} added, {updated} updated, "
        f"{unchanged} unchanged"
    )
    return 0


@contextmanager
def _open_for_change(
    url: str | None, *, create: bool = True
) -> Iterator[tuple[DocketStore, AuditLog]]:
    """The store, migrated, with the audit log that records each change to the watchlist."""
    import sqlite3

    import psycopg2

    from patent_sync.audit import AuditKeyError, AuditLog
    from patent_sync.audit.keys import resolve_audit_key
    from patent_sync.settings import Settings
    from patent_sync.store import StoreError, open_store

    settings = Settings.from_env()
    url = url or settings.store_url
    try:
        key = resolve_audit_key(settings.audit_key_path, create=create)
    except (AuditKeyError, OSError) as exc:
        raise CliError(f"audit key: {exc}", exit_code=EXIT_UNAVAILABLE) from None
    if key is None:
        raise CliError(
            f"no audit key: set PATENT_SYNC_AUDIT_KEY or create {settings.audit_key_path}",
            exit_code=EXIT_UNAVAILABLE,
        )
    try:
        store = open_store(url, must_exist=not create)
    except (StoreError, ValueError) as exc:
        raise CliError(f"cannot open the docket store: {exc}", exit_code=EXIT_UNAVAILABLE) from None
    try:
        with store:
            store.migrate()
            yield store, AuditLog(store, key)
    except (StoreError, sqlite3.Error, psycopg2.Error) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CliError(
            f"cannot use the docket store {store.url_for_display}: {first_line}",
            exit_code=EXIT_UNAVAILABLE,
        ) from None
