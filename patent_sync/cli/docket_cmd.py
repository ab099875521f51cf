"""``patent-sync docket FILE [FILE ...]``: the docket for the matters whose events are in FILEs.

Each FILE is detected by content: a USPTO ODP transactions (or application) JSON response, an
EP Register biblio / events / procedural-steps XML response, or an INPADOC legal XML response.
Files may be mixed; EP events keyed by publication number are re-keyed by application number
when a Register biblio is among the files.

stdout: one JSON object per docket entry (JSON Lines) with ``matter, rule, trigger_event,
trigger_date, due_date, final_date, extendable, citation, status, status_reason, explanation,
params, overdue, days_overdue, past_final_date``. An open entry whose due date is before the
``--as-of`` day (default today) has ``overdue: true``, the number of days since its due date,
and whether its final date has passed too. stderr: a summary, then every event that should have
produced or closed an entry but could not (``unhandled:``), codes outside the taxonomy
(``unknown code:``) and warnings.

With ``--sync`` the events and entries are also written to the docket store (``--store``), each
change audited; running it again with the same files changes nothing.

Exit status: 0 done; 2 when a file is missing or is not a readable event history, or the store
or the audit key cannot be used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from patent_sync.cli.errors import EXIT_UNAVAILABLE, CliError
from patent_sync.docket.engine import DocketResult
from patent_sync.docket.overdue import overdue
from patent_sync.docket.service import DocketBuild, docket_for_batch
from patent_sync.events import EventBatch, EventParseError, load_event_files
from patent_sync.events.common import one_line
from patent_sync.model import DocketEntry

ENTRY_FIELDS = (
    "matter",
    "rule",
    "trigger_event",
    "trigger_date",
    "due_date",
    "final_date",
    "extendable",
    "citation",
    "status",
    "status_reason",
    "explanation",
    "params",
    "overdue",
    "days_overdue",
    "past_final_date",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docket",
        help="build the docket from event files (ODP, EP Register, INPADOC); print JSON Lines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="event files")
    parser.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="the day the docket is read on: the renewal-fee horizon, and which open entries "
        "are overdue (default: today)",
    )
    parser.add_argument(
        "--open", action="store_true", help="print only open entries (default: all, with status)"
    )
    parser.add_argument(
        "--sync", action="store_true", help="also record the events and entries in the store"
    )
    parser.add_argument(
        "--store", default=None, help="store URL for --sync (default: PATENT_SYNC_STORE_URL)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    as_of = args.as_of or dt.date.today()
    build = build_docket(args.files, as_of)
    batch, result = build.batch, build.result
    out = sys.stdout
    for entry in result.entries:
        if args.open and entry.status != "open":
            continue
        out.write(json.dumps(entry_line(entry, as_of), ensure_ascii=False) + "\n")
    report(batch, result, len(args.files))
    if args.sync:
        sync_to_store(args.store, build)
    return 0


def load_batch(files: list[Path]) -> EventBatch:
    """Load event files, turning every failure into a one-line ``CliError``.

    A file that is missing, or there but not a readable event history, exits with status 2,
    as ``inspect`` does for a file it cannot read.
    """
    for path in files:
        if not path.exists():
            raise CliError(f"{path}: no such file", exit_code=EXIT_UNAVAILABLE)
        if not path.is_file():
            raise CliError(f"{path}: not a regular file", exit_code=EXIT_UNAVAILABLE)
    try:
        return load_event_files(files)
    except EventParseError as exc:
        raise CliError(one_line(str(exc)), exit_code=EXIT_UNAVAILABLE) from None


def build_docket(files: list[Path], as_of: dt.date) -> DocketBuild:
    """Load ``files`` and evaluate their docket; every failure is a one-line ``CliError``.

    The parsers refuse what they can tell is hostile; anything that still fails while the
    deadlines are computed is reported as one line naming the error rather than a traceback
    (for the person at the terminal a traceback says nothing they can act on).
    """
    batch = load_batch(files)
    try:
        return docket_for_batch(batch, files, as_of)
    except Exception as exc:  # an engine bug must not reach a paralegal as a traceback
        raise CliError(
            f"cannot compute the docket of these files: {type(exc).__name__}: "
            f"{one_line(str(exc))[:300]}",
            exit_code=EXIT_UNAVAILABLE,
        ) from None


def entry_line(entry: DocketEntry, as_of: dt.date) -> dict[str, Any]:
    """The JSON Lines object for one entry read on ``as_of``, fields in the documented order."""
    data = entry.to_json_dict()
    data["params"] = dict(entry.params)
    late = overdue(entry, as_of)
    data["overdue"] = late is not None
    data["days_overdue"] = late.days if late is not None else None
    data["past_final_date"] = late.past_final_date if late is not None else False
    return {name: data[name] for name in ENTRY_FIELDS}


def report(batch: EventBatch, result: DocketResult, file_count: int) -> None:
    """Summary and everything a person must look at, on stderr."""
    err = sys.stderr
    open_count = sum(1 for e in result.entries if e.status == "open")
    print(
        f"{len(batch.events)} events from {file_count} file(s); {len(result.entries)} entries "
        f"({open_count} open); {len(result.unhandled_events)} unhandled; "
        f"{len(result.unknown_codes)} unknown code(s); {len(result.warnings)} warning(s)",
        file=err,
    )
    for item in result.unhandled_events:
        ev = item.event
        print(
            f"unhandled: {ev.application_key} {ev.source_code} {ev.event_date}: {item.reason}",
            file=err,
        )
    for line in result.unknown_codes:
        print(f"unknown code: {line}", file=err)
    for line in batch.warnings + result.warnings:
        print(f"warning: {line}", file=err)


def sync_to_store(url: str | None, build: DocketBuild) -> None:
    """Record events and sync every matter's entries, auditing each change."""
    from patent_sync.audit import AuditKeyError, AuditLog
    from patent_sync.audit.keys import resolve_audit_key
    from patent_sync.docket.document_facts import with_document_facts
    from patent_sync.docket.service import record_batch, sync_build
    from patent_sync.settings import Settings
    from patent_sync.store import StoreError, open_store

    settings = Settings.from_env()
    try:
        store = open_store(url or settings.store_url)
    except (StoreError, ValueError) as exc:
        raise CliError(f"cannot open the docket store: {exc}", EXIT_UNAVAILABLE) from None
    try:
        key = resolve_audit_key(settings.audit_key_path, create=True)
    except (AuditKeyError, OSError) as exc:
        raise CliError(f"audit key: {exc}", EXIT_UNAVAILABLE) from None
    with store:
        store.migrate()
        audit = AuditLog(store, key)
        # As the docket_entries asset does: the facts of the matters' loaded publications (a
        # WO matter's priority date) count, so both paths store the same entries.
        batch = with_document_facts(store, build.batch)
        if batch is not build.batch:
            build = docket_for_batch(batch, build.files, build.as_of)
        recording = record_batch(store, audit, build.batch.events)
        changes = sync_build(store, audit, build).changes
    print(
        f"store {store.url_for_display}: {recording.new} new event(s), {changes} docket change(s)"
        + (
            f", {recording.quarantined} event(s) with an unknown code in the quarantine "
            "(patent-sync quarantine list)"
            if recording.quarantined
            else ""
        ),
        file=sys.stderr,
    )


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
