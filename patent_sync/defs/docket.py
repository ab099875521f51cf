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
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import dagster as dg
from pydantic import Field

from patent_sync.audit import audit_checkpoint_metadata
from patent_sync.docket.document_facts import with_document_facts
from patent_sync.docket.engine import discriminator
from patent_sync.docket.html_export import docket_html as render_docket_html
from patent_sync.docket.repository import load_events, stored_entries
from patent_sync.docket.service import (
    DocketBuild,
    docket_for_batch,
    is_past_final,
    next_due,
    overdue_entries,
    record_batch,
    sync_build,
    unaccounted_events,
)
from patent_sync.events import EventBatch, EventParseError, load_event_files, taxonomy
from patent_sync.model import DocketEntry, Event
from patent_sync.resources import DocketStoreResource, EventFilesResource, LocalStorageResource
from patent_sync.watchlist import watched_matters

GROUP = "docket"
EVENTS_ACCOUNTED_FOR = "events_accounted_for"
NO_UNHANDLED_EVENTS = "no_unhandled_events"
NO_OPEN_DEADLINE_IN_THE_PAST = "no_open_deadline_in_the_past"
CALENDAR_WARNINGS = "calendar_warnings"
DOCKET_HTML = dg.AssetKey("docket_html")
# Under PATENT_SYNC_HOME: the page a paralegal opens (``patent-sync export html`` writes the same).
HTML_EXPORT = Path("exports") / "docket.html"
AS_OF_TAG = "patent_sync/as_of"
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
    # The watchlist syncs write the event files this asset reads.
    deps=[dg.AssetKey("us_watchlist_sync"), dg.AssetKey("ep_watchlist_sync")],
    check_specs=[
        dg.AssetCheckSpec(
            EVENTS_ACCOUNTED_FOR,
            asset="prosecution_events",
            blocking=True,
            description=(
                "Events parsed = events newly recorded + events already in the store + events "
                "quarantined (unknown code)"
            ),
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
    second occurrence). An event whose code is in no code table goes to the event quarantine as
    ``unknown_code`` (``patent-sync quarantine list``) instead. New and quarantined events are
    written to the audit log per matter. A file that cannot be read fails the run, naming the
    file: a docket computed without it could be wrong.
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
            "quarantined_events": dg.MetadataValue.int(recording.quarantined),
            "newly_quarantined": dg.MetadataValue.int(recording.newly_quarantined),
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
                    "Events parsed = events newly recorded + events already in the store + "
                    "events quarantined, and every parsed event is in the store afterwards"
                ),
                metadata={
                    "parsed": recording.parsed,
                    "new": recording.new,
                    "already_present": recording.already_present,
                    "quarantined": recording.quarantined,
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
    nothing. Matters whose files are absent are left untouched. A WO matter (watched, or in the
    files) also takes its priority and international filing dates from its WO publications
    loaded by the feeds, and its PCT national-phase entries count from that priority date.
    """
    as_of = _as_of(config)
    listing = event_files.list_files()
    batch = _load(listing.files)
    with docket_store.open() as (store, audit):
        # Facts the loaded publications give (a WO matter's priority date), for the matters of
        # the files and every watched matter.
        watched = [m.matter for m in watched_matters(store)]
        batch = with_document_facts(store, batch, watched)
        build = docket_for_batch(batch, listing.files, as_of)
        unrecorded = unaccounted_events(store, build.batch.events)
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
            "entries_by_status": _count_table("status", "entries", by_status),
            "changes": dg.MetadataValue.int(sync.changes),
            "changes_by_action": _count_table("change", "entries", sync.changes_by_action()),
            # The page to read the docket in (materialized right after this asset).
            "html_export": dg.MetadataValue.asset(DOCKET_HTML),
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


@dg.asset(
    key=DOCKET_HTML,
    deps=[docket_entries],
    group_name=GROUP,
    kinds={"html"},
)
def docket_html(
    context: dg.AssetExecutionContext,
    config: DocketRunConfig,
    docket_store: DocketStoreResource,
    storage: LocalStorageResource,
) -> dg.MaterializeResult:
    """The open docket as one self-contained page: $PATENT_SYNC_HOME/exports/docket.html.

    What a paralegal opens instead of reading JSON: the open entries by due date, overdue ones
    marked (and whether their final date has passed too), each with its citation, its working
    and the source events it was computed from, and a month view. The file needs no server and
    no network to open (``patent-sync export html`` writes the same page on demand). The as-of
    day is the run's (the daily schedule's tick), else today.
    """
    as_of = _as_of(config, context.run.tags.get(AS_OF_TAG))
    with docket_store.open() as (store, _audit):
        entries = [e for e in stored_entries(store) if e.status == "open"]
        events = [ev for m in sorted({e.matter for e in entries}) for ev in load_events(store, m)]
    path = storage.layout.home / HTML_EXPORT
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(render_docket_html(entries, as_of=as_of, events=events), encoding="utf-8")
    partial.replace(path)  # a reader never sees half a page
    overdue = overdue_entries(entries, as_of)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "open_in_browser": dg.MetadataValue.url(path.resolve().as_uri()),
            "as_of": as_of.isoformat(),
            "open_entries": dg.MetadataValue.int(len(entries)),
            "overdue": dg.MetadataValue.int(len(overdue)),
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        }
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
    return daily_docket_run(context, "docket")


def daily_docket_run(context: dg.ScheduleEvaluationContext, run_key_prefix: str) -> dg.RunRequest:
    """A daily schedule's run, keyed ``<run_key_prefix>-<day>``, with the docket as of its tick's
    day (every daily job ends with the docket assets)."""
    day = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(
        run_key=f"{run_key_prefix}-{day}",
        run_config={"ops": {"docket_entries": {"config": {"as_of": day}}}},
        tags={AS_OF_TAG: day},  # docket_html reads the page's day from it
    )


# --- helpers -----------------------------------------------------------------------------------


def _as_of(config: DocketRunConfig, fallback: str | None = None) -> dt.date:
    text = config.as_of or fallback
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise dg.Failure(description=f"as_of {text!r} is not a date (YYYY-MM-DD)") from None


def _count_table(what: str, unit: str, counts: Mapping[str, int]) -> dg.MetadataValue:
    """``{"open": 8, "closed": 7}`` as a Markdown table a person reads in the UI."""
    if not counts:
        return dg.MetadataValue.md(f"No {unit}.")
    rows = [f"| {what} | {unit} |", "|---|---:|"]
    rows += [f"| {key} | {value} |" for key, value in sorted(counts.items())]
    return dg.MetadataValue.md("\n".join(rows))


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
    rows = ["| warning | times | about |", "|---|---:|---|"]
    rows += [
        f"| {_cell(message)} | {len(subjects)} | "
        f"{'<br>'.join(_cell(s) for s in sorted({s for s in subjects if s})) or '-'} |"
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
            "distinct": dg.MetadataValue.md("\n".join(rows) if total else "none"),
        },
    )


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")
