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

from patent_sync.cli.context import add_store_option, open_existing_store
from patent_sync.cli.docket_cmd import build_docket, iso_date
from patent_sync.cli.errors import CliError
from patent_sync.docket.engine import OPEN
from patent_sync.docket.ics import calendar_bytes
from patent_sync.docket.repository import open_entries
from patent_sync.events.common import one_line
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
    add_store_option(ics)
    ics.add_argument("--matter", default=None, help="only this matter, e.g. US-17248024")
    ics.add_argument("--out", type=Path, default=None, help="write here (default: stdout)")
    ics.add_argument("--as-of", type=iso_date, default=None, help="horizon date (default: today)")
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
    if args.files:
        entries = _entries_from_files(args)
    else:
        with open_existing_store(
            args.store,
            required_table="docket_entries",
            what="docket (run patent-sync docket --sync)",
        ) as store:
            entries = open_entries(store, args.matter)
    try:
        data = calendar_bytes(entries, alarm_days=tuple(args.alarm_days))
    except Exception as exc:  # e.g. icalendar's assertion on a line break in a value
        # The event parsers refuse control characters in what reaches a calendar; this is
        # the last line of defence, for entries read back from a store written before that.
        raise CliError(
            f"cannot write the calendar: {type(exc).__name__}: {one_line(str(exc))[:300]}",
            exit_code=2,
        ) from None
    count = len(entries)  # only open entries are exported
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
    build = build_docket(args.files, args.as_of or dt.date.today())
    for item in build.result.unhandled_events:
        ev = item.event
        print(f"unhandled: {ev.application_key} {ev.source_code}: {item.reason}", file=sys.stderr)
    return [
        e
        for e in build.result.entries
        if e.status == OPEN and (args.matter is None or e.matter == args.matter)
    ]
