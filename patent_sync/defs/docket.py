"""The deadline engine in Dagster: prosecution events → docket entries, kept current daily.

``prosecution_events`` reads every event file of the watched matters and records the new events
in the docket store; ``docket_entries`` evaluates each matter's docket as of the run date and
syncs it into the store, every created, closed, superseded or recomputed entry audited with its
reason. Both are unpartitioned: the events of one matter come from several offices on no common
weekday, and a deadline depends on the whole history, not on one week of it.

The assets are thin wrappers over ``patent_sync.docket.service`` (the same path as
``patent-sync docket --sync``); what a person must look at is reported as named checks.
"""

# No ``from __future__ import annotations``: Dagster inspects the parameter annotations.

import collections
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import dagster as dg
from pydantic import Field

from patent_sync.audit import audit_checkpoint_metadata
from patent_sync.docket.engine import discriminator
from patent_sync.docket.repository import stored_entries
from patent_sync.docket.service import (
    DocketBuild,
    docket_for_batch,
    is_past_final,
    missing_events,
    next_due,
    overdue_entries,
    record_batch,
    sync_build,
)
from patent_sync.events import EventBatch, EventParseError, load_event_files, taxonomy
from patent_sync.model import DocketEntry, Event
from patent_sync.resources import DocketStoreResource, EventFilesResource

GROUP = "docket"
EVENTS_ACCOUNTED_FOR = "events_accounted_for"
NO_UNHANDLED_EVENTS = "no_unhandled_events"
NO_OPEN_DEADLINE_IN_THE_PAST = "no_open_deadline_in_the_past"
CALENDAR_WARNINGS = "calendar_warnings"
NEXT_DUE_ROWS = 10
# 07:00 Eastern: after the offices' previous business day, before the docketing staff's day.
DAILY_CRON = "0 7 * * *"
DAILY_TIMEZONE = "America/New_York"


class DocketRunConfig(dg.Config):
    """Run configuration of ``docket_entries``."""

    as_of: str | None = Field(
        default=None,
        description=(
            "The date the docket is evaluated as of (YYYY-MM-DD): which entries are overdue, "
            "how far ahead EP renewal years are listed. Default: the run date."
        ),
    )


@dg.asset(
    group_name=GROUP,
    kinds={"json", "xml", "python"},
    check_specs=[
        dg.AssetCheckSpec(
            EVENTS_ACCOUNTED_FOR,
            asset="prosecution_events",
            blocking=True,
            description="Events parsed = events newly recorded + events already in the store",
        )
    ],
)
def prosecution_events(
    context: dg.AssetExecutionContext,
    event_files: EventFilesResource,
    docket_store: DocketStoreResource,
) -> dg.MaterializeResult:
    """Every prosecution event of the watched matters, recorded once in the docket store.

    Reads each event file in the events directory (PATENT_SYNC_EVENTS_DIR: USPTO ODP transaction
    histories, EP Register and INPADOC legal-event responses), normalizes the offices' codes to
    the canonical event taxonomy, and inserts the events the store does not hold yet (identity:
    matter, source, code, date, description, occurrence; an exact repeat on one day is kept as a
    second occurrence). New events are written to the audit log per matter. A file that cannot
    be read fails the run, naming the file: a docket computed without it could be wrong.
    """
    listing = event_files.list_files()
    batch = _load(listing.files)
    with docket_store.open() as (store, audit):
        recording = record_batch(store, audit, batch.events)
        checkpoint = audit_checkpoint_metadata(audit)
    unknown = _unknown_codes(batch)
    matters = {e.application_key for e in batch.events} | set(batch.facts)
    if not listing.files:
        context.log.warning(f"no event files in {listing.directory}")
    return dg.MaterializeResult(
        metadata={
            **checkpoint,
            "events_dir": str(listing.directory),
            "files": dg.MetadataValue.int(len(listing.files)),
            "file_names": dg.MetadataValue.json([p.name for p in listing.files]),
            "ignored_files": dg.MetadataValue.json([p.name for p in listing.ignored]),
            "formats": dg.MetadataValue.json(dict(collections.Counter(batch.formats))),
            "matters": dg.MetadataValue.int(len(matters)),
            "events": dg.MetadataValue.int(len(batch.events)),
            "new_events": dg.MetadataValue.int(recording.new),
            "already_present": dg.MetadataValue.int(recording.already_present),
            "undated": dg.MetadataValue.int(len(batch.undated)),
            "undated_items": dg.MetadataValue.json(list(batch.undated)),
            "unknown_codes": dg.MetadataValue.int(len(unknown)),
            "unknown_code_list": dg.MetadataValue.json(unknown),
            "warnings": dg.MetadataValue.int(len(batch.warnings)),
            "warning_list": dg.MetadataValue.json(list(batch.warnings)),
            "dagster/row_count": dg.MetadataValue.int(len(batch.events)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=EVENTS_ACCOUNTED_FOR,
                passed=recording.balanced,
                severity=dg.AssetCheckSeverity.ERROR,
                description=(
                    "Events parsed = events newly recorded + events already in the store, and "
                    "every parsed event is in the store afterwards"
                ),
                metadata={
                    "parsed": recording.parsed,
                    "new": recording.new,
                    "already_present": recording.already_present,
                    "in_store_after": recording.present_after,
                },
            )
        ],
    )


@dg.asset(
    deps=[prosecution_events],
    group_name=GROUP,
    kinds={"python", "sqlite", "postgres"},
    check_specs=[
        dg.AssetCheckSpec(
            NO_UNHANDLED_EVENTS,
            asset="docket_entries",
            description="Every event that should create or close an entry was acted on",
        ),
        dg.AssetCheckSpec(
            NO_OPEN_DEADLINE_IN_THE_PAST,
            asset="docket_entries",
            description="No open docket entry is past its due date",
        ),
        dg.AssetCheckSpec(
            CALENDAR_WARNINGS,
            asset="docket_entries",
            description=(
                "No open deadline depends on an uncertain calendar or an assumption "
                "(incomplete closure data, assumed period, late-dated source)"
            ),
        ),
    ],
)
def docket_entries(
    context: dg.AssetExecutionContext,
    config: DocketRunConfig,
    event_files: EventFilesResource,
    docket_store: DocketStoreResource,
) -> dg.MaterializeResult:
    """The docket: one entry per deadline of each matter, kept current in the docket store.

    Each matter's events are replayed through the rules engine as of the run date: an Office
    action mailed opens a reply entry, a notice of allowance the issue fee, a grant the three
    maintenance fees, a Rule 71(3) communication, a mention of grant, an EP filing the renewal
    fees; replies and payments close them, a notice of allowance supersedes an open reply, an
    abandonment or lapse closes everything downstream. Every entry carries its rule's citation,
    due date and final date (holiday-aware), and the reason for its status. The stored docket
    is synced to the result: each entry created, closed, superseded, reopened or recomputed is
    written to the audit log with its reason; running again with the same events changes
    nothing. Matters whose files are absent are left untouched.
    """
    as_of = _as_of(config)
    listing = event_files.list_files()
    build = docket_for_batch(_load(listing.files), listing.files, as_of)
    with docket_store.open() as (store, audit):
        unrecorded = missing_events(store, build.batch.events)
        if unrecorded:
            # Every entry must trace back to an event in the store (and its audit entry).
            raise dg.Failure(
                description=(
                    f"{len(unrecorded)} event(s) in the event files are not in the docket store "
                    "(the files changed since prosecution_events ran): materialize "
                    "prosecution_events and docket_entries together"
                ),
                metadata={"first_missing": dg.MetadataValue.json(_event_lines(unrecorded[:10]))},
            )
        sync = sync_build(store, audit, build)
        entries = stored_entries(store)
        checkpoint = audit_checkpoint_metadata(audit)
    open_entries = [e for e in entries if e.status == "open"]
    by_status = collections.Counter(e.status for e in entries)
    overdue = overdue_entries(entries, as_of)
    upcoming = next_due(entries, as_of, NEXT_DUE_ROWS)
    context.log.info(
        f"docket as of {as_of}: {len(open_entries)} open entries, {sync.changes} change(s)"
    )
    return dg.MaterializeResult(
        metadata={
            **checkpoint,
            "as_of": as_of.isoformat(),
            "open_entries": dg.MetadataValue.int(len(open_entries)),
            "matters_with_open_entries": dg.MetadataValue.int(
                len({e.matter for e in open_entries})
            ),
            "entries_by_status": dg.MetadataValue.json(dict(sorted(by_status.items()))),
            "changes": dg.MetadataValue.int(sync.changes),
            "changes_by_action": dg.MetadataValue.json(sync.changes_by_action()),
            "matters_synced": dg.MetadataValue.int(len(build.matters)),
            f"next_{NEXT_DUE_ROWS}_due": dg.MetadataValue.md(_entries_table(upcoming, as_of)),
            "dagster/row_count": dg.MetadataValue.int(len(entries)),
        },
        check_results=[
            _unhandled_check(build),
            _overdue_check(overdue, as_of),
            _warnings_check(build),
        ],
    )


docket_job = dg.define_asset_job(
    "docket_job",
    selection=dg.AssetSelection.groups(GROUP),
    description="Record new prosecution events and bring the docket entries up to date.",
)


@dg.schedule(
    job=docket_job,
    cron_schedule=DAILY_CRON,
    execution_timezone=DAILY_TIMEZONE,
    name="docket_daily_schedule",
)
def docket_daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every morning: the docket as of that day (a re-run of a tick keeps the tick's date)."""
    day = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(
        run_key=f"docket-{day}",
        run_config={"ops": {"docket_entries": {"config": {"as_of": day}}}},
        tags={"patent_sync/as_of": day},
    )


# --- helpers -----------------------------------------------------------------------------------


def _as_of(config: DocketRunConfig) -> dt.date:
    if not config.as_of:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(config.as_of)
    except ValueError:
        raise dg.Failure(description=f"as_of {config.as_of!r} is not a date (YYYY-MM-DD)") from None


def _load(files: Sequence[Path]) -> EventBatch:
    try:
        return load_event_files(files)
    except EventParseError as exc:
        raise dg.Failure(description=f"unreadable event file: {exc}") from None


def _unknown_codes(batch: EventBatch) -> list[str]:
    counts = collections.Counter(
        (e.application_key, e.source, e.source_code, e.description)
        for e in batch.events
        if e.event == taxonomy.OTHER
    )
    return [
        f"{matter} {source} {code!r} {description!r} x{n}"
        for (matter, source, code, description), n in sorted(counts.items())
    ]


def _event_lines(events: Iterable[Event]) -> list[str]:
    return [
        f"{e.application_key} {e.source_code} {e.event_date} {e.description}".strip()
        for e in events
    ]


def _stage(entry: DocketEntry) -> str:
    return discriminator(dict(entry.params)) or "-"


def _entries_table(entries: Sequence[DocketEntry], as_of: dt.date) -> str:
    if not entries:
        return f"No open entry due on or after {as_of}."
    lines = [
        "| due date | final date | matter | rule | stage/year | trigger | extendable |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {e.due_date} | {e.final_date or '-'} | {e.matter} | {e.rule} | {_stage(e)} | "
        f"{e.trigger_date} | {'yes' if e.extendable else 'no'} |"
        for e in entries
    ]
    return "\n".join(lines)


def _unhandled_check(build: DocketBuild) -> dg.AssetCheckResult:
    unhandled = [
        f"{u.event.application_key} {u.event.source_code} {u.event.event_date}: {u.reason}"
        for u in build.result.unhandled_events
    ]
    unknown = list(build.result.unknown_codes)
    return dg.AssetCheckResult(
        check_name=NO_UNHANDLED_EVENTS,
        passed=not unhandled and not unknown,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(unhandled)} event(s) the docket could not act on and {len(unknown)} code(s) "
            "outside the taxonomy: docket these by hand"
            if unhandled or unknown
            else "Every event was acted on and every code is known"
        ),
        metadata={
            "unhandled_events": dg.MetadataValue.json(unhandled),
            "unknown_codes": dg.MetadataValue.json(unknown),
        },
    )


def _overdue_check(overdue: Sequence[DocketEntry], as_of: dt.date) -> dg.AssetCheckResult:
    past_final = [e for e in overdue if is_past_final(e, as_of)]
    if overdue:
        description = (
            f"OVERDUE: {len(overdue)} open entr{'y' if len(overdue) == 1 else 'ies'} past the "
            f"due date as of {as_of}; {len(past_final)} also past the final date (right likely "
            "lost unless revived). Act on or close each one now."
        )
    else:
        description = f"No open entry is past its due date as of {as_of}"
    rows = [
        "| matter | rule | stage/year | due date | days late | final date | state |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {e.matter} | {e.rule} | {_stage(e)} | {e.due_date} | "
        f"{(as_of - e.due_date).days} | {e.final_date or '-'} | "
        f"{_lateness(e, as_of)} |"
        for e in overdue
    ]
    return dg.AssetCheckResult(
        check_name=NO_OPEN_DEADLINE_IN_THE_PAST,
        passed=not overdue,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "as_of": as_of.isoformat(),
            "overdue": dg.MetadataValue.int(len(overdue)),
            "past_final_date": dg.MetadataValue.int(len(past_final)),
            "entries": dg.MetadataValue.md("\n".join(rows) if overdue else "none"),
        },
    )


def _lateness(entry: DocketEntry, as_of: dt.date) -> str:
    if is_past_final(entry, as_of):
        return "PAST FINAL DATE"
    return "late: still reachable until the final date (extension or grace period)"


def _warnings_check(build: DocketBuild) -> dg.AssetCheckResult:
    # The engine prefixes each warning with what it is about ("US-… us.oa_reply 2026-09-15: …");
    # grouping by the message keeps one closure-data caveat from burying the rest.
    grouped: dict[str, list[str]] = collections.defaultdict(list)
    for line in (*build.batch.warnings, *build.result.warnings):
        subject, sep, message = line.partition(": ")
        grouped[message if sep else line].append(subject if sep else "")
    listing = [
        {"warning": message, "about": sorted({s for s in subjects if s})}
        for message, subjects in sorted(grouped.items())
    ]
    total = sum(len(s) for s in grouped.values())
    return dg.AssetCheckResult(
        check_name=CALENDAR_WARNINGS,
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{total} warning(s), {len(grouped)} distinct: verify the dates they name"
            if total
            else "No calendar or source caveat on any open entry"
        ),
        metadata={
            "warnings": dg.MetadataValue.int(total),
            "distinct": dg.MetadataValue.json(listing),
        },
    )
