"""``patent-sync export ics | html``: the open docket as a calendar or as a page to read.

With event FILEs the docket is built from them (as ``patent-sync docket`` does); without, the
open entries are read from the docket store (``--store``, default ``PATENT_SYNC_STORE_URL``).
``--matter`` restricts the export to one matter, and says so when that matter has no open
entry. An open entry already past its due date on the ``--as-of`` day (default today) is
marked OVERDUE.

* ``ics``: an RFC 5545 calendar, one all-day event per open entry on its due date, with a UID
  that stays the same across exports, the citation, the final date and the working in its
  description, and optional reminders (``--alarm-days 30 --alarm-days 7``).
* ``html``: one self-contained page (no network needed to open it) with the open entries by
  due date, each with its citation, working and source events, and a month view.

Exit status: 0 written (an empty export included); 2 when a file, the store or the output
cannot be used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from patent_sync.cli.context import add_store_option, open_existing_store
from patent_sync.cli.docket_cmd import build_docket, iso_date
from patent_sync.cli.errors import EXIT_UNAVAILABLE, CliError
from patent_sync.docket.engine import OPEN
from patent_sync.docket.ics import calendar_bytes
from patent_sync.docket.repository import load_events, open_entries, stored_entries
from patent_sync.events.common import one_line
from patent_sync.model import DocketEntry, Event


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the open docket (ics: a calendar; html: a page with a month view)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    formats = parser.add_subparsers(dest="format", metavar="FORMAT")
    ics = formats.add_parser(
        "ics",
        help="an RFC 5545 calendar of the open entries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(ics)
    ics.add_argument(
        "--alarm-days",
        type=int,
        action="append",
        default=[],
        help="add a reminder this many days before the due date (repeatable)",
    )
    ics.set_defaults(func=run_ics)
    page = formats.add_parser(
        "html",
        help="a self-contained page: open entries by due date, overdue marked, month view",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(page)
    page.add_argument("--title", default="Patent docket", help="the page's heading")
    page.set_defaults(func=run_html)
    parser.set_defaults(func=_need_format)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", type=Path, metavar="FILE", help="event files (optional)"
    )
    add_store_option(parser)
    parser.add_argument("--matter", default=None, help="only this matter, e.g. US-17248024")
    parser.add_argument("--out", type=Path, default=None, help="write here (default: stdout)")
    parser.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="the day the docket is read on: renewal horizon and overdue (default: today)",
    )


def _need_format(args: argparse.Namespace) -> int:
    raise CliError(
        "say what to export: patent-sync export ics|html [...]", exit_code=EXIT_UNAVAILABLE
    )


def run_ics(args: argparse.Namespace) -> int:
    if any(days < 0 for days in args.alarm_days):
        raise CliError("--alarm-days must be zero or more", exit_code=EXIT_UNAVAILABLE)
    as_of = args.as_of or dt.date.today()
    entries, _ = _open_docket(args, as_of, with_events=False)
    try:
        data = calendar_bytes(entries, alarm_days=tuple(args.alarm_days), as_of=as_of)
    except Exception as exc:  # e.g. icalendar's assertion on a line break in a value
        # The event parsers refuse control characters in what reaches a calendar; this is
        # the last line of defence, for entries read back from a store written before that.
        raise CliError(
            f"cannot write the calendar: {type(exc).__name__}: {one_line(str(exc))[:300]}",
            exit_code=2,
        ) from None
    _write(args.out, data)
    _report(entries, as_of)
    return 0


def run_html(args: argparse.Namespace) -> int:
    from patent_sync.docket.html_export import docket_html

    as_of = args.as_of or dt.date.today()
    entries, events = _open_docket(args, as_of, with_events=True)
    page = docket_html(entries, as_of=as_of, events=events, title=args.title)
    _write(args.out, page.encode("utf-8"))
    _report(entries, as_of)
    return 0


def _write(out: Path | None, data: bytes) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise CliError(
            f"{out}: cannot write: {exc.strerror or exc}", exit_code=EXIT_UNAVAILABLE
        ) from None


def _report(entries: list[DocketEntry], as_of: dt.date) -> None:
    from patent_sync.docket.service import overdue_entries

    count = len(entries)  # only open entries are exported
    late = len(overdue_entries(entries, as_of))
    note = f" ({late} overdue as of {as_of})" if late else ""
    print(f"{count} open entr{'y' if count == 1 else 'ies'} exported{note}", file=sys.stderr)


def _open_docket(
    args: argparse.Namespace, as_of: dt.date, *, with_events: bool
) -> tuple[list[DocketEntry], list[Event]]:
    """The open entries to export (of ``--matter`` only, if given) and, if asked, the events
    of their matters. Says so on stderr when ``--matter`` has no open entry."""
    if args.files:
        build = build_docket(args.files, as_of)
        for item in build.result.unhandled_events:
            ev = item.event
            print(
                f"unhandled: {ev.application_key} {ev.source_code}: {item.reason}",
                file=sys.stderr,
            )
        every = [e for e in build.result.entries if args.matter in (None, e.matter)]
        events = list(build.batch.events) if with_events else []
    else:
        with open_existing_store(
            args.store,
            required_table="docket_entries",
            what="docket (run patent-sync docket --sync)",
        ) as store:
            if args.matter is None:
                every = open_entries(store)
            else:
                every = stored_entries(store, args.matter)
            matters = sorted({e.matter for e in every if e.status == OPEN}) if with_events else []
            events = [event for matter in matters for event in load_events(store, matter)]
    entries = [e for e in every if e.status == OPEN]
    if args.matter is not None and not entries:
        settled = len(every)
        why = (
            f"its {settled} entr{'y is' if settled == 1 else 'ies are'} closed or superseded"
            if settled
            else "the docket has no entry for it (check the matter number, e.g. US-17248024)"
        )
        print(f"matter {args.matter}: no open entry: {why}", file=sys.stderr)
    if with_events:
        wanted = {e.matter for e in entries}
        events = [e for e in events if e.application_key in wanted]
    return entries, events
