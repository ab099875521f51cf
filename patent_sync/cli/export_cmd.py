"""``patent-sync export ics``: the open docket as an RFC 5545 calendar.

With event FILEs the docket is built from them (as ``patent-sync docket`` does); without, the
open entries are read from the docket store (``--store``, default ``PATENT_SYNC_STORE_URL``).
``--matter`` restricts the calendar to one matter. One all-day event per open entry on its due
date, with a UID that stays the same across exports, the citation, the final date and the
working in its description, and optional reminders (``--alarm-days 30 --alarm-days 7``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from patent_sync.cli.docket_cmd import load_batch
from patent_sync.cli.errors import CliError
from patent_sync.docket.engine import OPEN, evaluate_docket
from patent_sync.docket.ics import calendar_bytes
from patent_sync.model import DocketEntry


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the docket (ics: an RFC 5545 calendar)",
        description="Export the docket.",
    )
    formats = parser.add_subparsers(dest="format", metavar="FORMAT")
    ics = formats.add_parser(
        "ics",
        help="an RFC 5545 calendar of the open entries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ics.add_argument("files", nargs="*", type=Path, metavar="FILE", help="event files (optional)")
    ics.add_argument("--store", default=None, help="store URL (default: PATENT_SYNC_STORE_URL)")
    ics.add_argument("--matter", default=None, help="only this matter, e.g. US-17248024")
    ics.add_argument("--out", type=Path, default=None, help="write here (default: stdout)")
    ics.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None, help="horizon date (default: today)"
    )
    ics.add_argument(
        "--alarm-days",
        type=int,
        action="append",
        default=[],
        help="add a reminder this many days before the due date (repeatable)",
    )
    ics.set_defaults(func=run_ics)
    parser.set_defaults(func=_need_format)


def _need_format(args: argparse.Namespace) -> int:
    raise CliError("say what to export: patent-sync export ics [...]", exit_code=2)


def run_ics(args: argparse.Namespace) -> int:
    if any(days < 0 for days in args.alarm_days):
        raise CliError("--alarm-days must be zero or more")
    entries = _entries_from_files(args) if args.files else _entries_from_store(args)
    if args.matter:
        entries = [e for e in entries if e.matter == args.matter]
    data = calendar_bytes(entries, alarm_days=tuple(args.alarm_days))
    count = sum(1 for e in entries if e.status == OPEN)
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(data)
        except OSError as exc:
            raise CliError(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    print(f"{count} open entr{'y' if count == 1 else 'ies'} exported", file=sys.stderr)
    return 0


def _entries_from_files(args: argparse.Namespace) -> list[DocketEntry]:
    batch = load_batch(args.files)
    result = evaluate_docket(
        batch.events, matter_facts=batch.facts, as_of=args.as_of or dt.date.today()
    )
    for item in result.unhandled_events:
        ev = item.event
        print(f"unhandled: {ev.application_key} {ev.source_code}: {item.reason}", file=sys.stderr)
    return [e for e in result.entries if e.status == OPEN]


def _entries_from_store(args: argparse.Namespace) -> list[DocketEntry]:
    from patent_sync.docket.repository import open_entries
    from patent_sync.settings import Settings
    from patent_sync.store import StoreError, open_store

    url = args.store or Settings.from_env().store_url
    try:
        store = open_store(url, must_exist=True)
        with store:
            if not store.table_exists("docket_entries"):
                raise CliError(
                    f"{store.url_for_display}: no docket yet (run patent-sync docket --sync)"
                )
            return open_entries(store, args.matter)
    except StoreError as exc:
        raise CliError(f"docket store: {exc}") from None
