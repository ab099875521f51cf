"""The docket for a set of event files, and storing it: the one path the CLI and Dagster share.

``patent-sync docket FILE ... --sync`` and the ``prosecution_events`` / ``docket_entries`` assets
both go through these functions, so a file gives the same entries whichever way it is run:

* ``list_event_files(directory)`` — the event files of a directory (``*.json``, ``*.xml``);
  anything else is listed as ignored, never skipped silently.
* ``docket_for_batch(batch, files, as_of)`` — evaluate the docket of parsed event files (pure:
  no store).
* ``record_batch(store, audit, events)`` — record the events and account for every one of them
  (parsed = new + already present + quarantined, and all of them are in the store afterwards;
  an event with an unknown code is quarantined as ``unknown_code``, not recorded).
* ``sync_build(store, audit, build)`` — sync every matter's entries, auditing each change.
* ``overdue_entries`` / ``next_due`` — the open entries a person must look at first.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from patent_sync.docket.engine import OPEN, DocketResult, evaluate_docket
from patent_sync.docket.event_quarantine import (
    quarantine_events,
    quarantined_keys,
    split_for_recording,
)
from patent_sync.docket.repository import (
    AuditSink,
    SyncReport,
    load_events,
    record_events,
    sync_docket,
)
from patent_sync.events import EventBatch, event_key
from patent_sync.model import DocketEntry, Event

EVENT_FILE_SUFFIXES = (".json", ".xml")


class EventSourceError(ValueError):
    """The events directory cannot be read (missing, not a directory)."""


@dataclasses.dataclass(frozen=True, slots=True)
class EventDirectory:
    """The files of an events directory: the event files, and what was left out and why."""

    directory: Path
    files: tuple[Path, ...]
    ignored: tuple[Path, ...]  # regular files without an event-file suffix


def list_event_files(directory: str | Path) -> EventDirectory:
    """The event files directly in ``directory``, sorted by name.

    Hidden files (editor and OS litter such as ``.DS_Store``) are not looked at; any other file
    whose suffix is not ``.json`` or ``.xml`` is returned in ``ignored`` so it can be reported.
    """
    directory = Path(directory)
    if not directory.exists():
        raise EventSourceError(f"events directory {directory} does not exist")
    if not directory.is_dir():
        raise EventSourceError(f"events directory {directory} is not a directory")
    files, ignored = [], []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        (files if path.suffix.lower() in EVENT_FILE_SUFFIXES else ignored).append(path)
    return EventDirectory(directory=directory, files=tuple(files), ignored=tuple(ignored))


@dataclasses.dataclass(frozen=True, slots=True)
class DocketBuild:
    """Events parsed from files and the docket evaluated from them as of one date."""

    files: tuple[Path, ...]
    batch: EventBatch
    result: DocketResult
    as_of: dt.date

    @property
    def matters(self) -> tuple[str, ...]:
        """Every matter the files name (by an event or by application facts alone)."""
        return docket_matters(self.batch)


def docket_matters(batch: EventBatch) -> tuple[str, ...]:
    """The matters of a batch: those with events plus those known only by their facts."""
    return tuple(sorted({e.application_key for e in batch.events} | set(batch.facts)))


def docket_for_batch(batch: EventBatch, files: Sequence[Path], as_of: dt.date) -> DocketBuild:
    """Evaluate the docket of an already-loaded batch (``events.load_event_files``).

    ``load_event_files`` raises ``EventParseError`` (one line, naming the file) for a file that
    is not a readable event history: a deadline computed without it could be wrong.
    """
    result = evaluate_docket(batch.events, matter_facts=batch.facts, as_of=as_of)
    return DocketBuild(files=tuple(files), batch=batch, result=result, as_of=as_of)


# --- events in the store -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class EventRecording:
    """Where every parsed event went: recorded (new or there already) or quarantined."""

    parsed: int
    already_present: int
    new: int
    present_after: int  # parsed events found in the store (recorded or quarantined) afterwards
    quarantined: int = 0  # events set aside (unknown code), new or quarantined before
    newly_quarantined: int = 0

    @property
    def balanced(self) -> bool:
        """Parsed = new + already present + quarantined, and every parsed event is in the
        store (as an event or in the event quarantine) now."""
        return (
            self.parsed == self.new + self.already_present + self.quarantined == self.present_after
        )


def missing_events(store: Any, events: Iterable[Event]) -> list[Event]:
    """The events (by identity, ``event_key``) that the store does not hold."""
    events = list(events)
    stored: set[tuple[str, str, str, str, str, int]] = set()
    for matter in sorted({e.application_key for e in events}):
        stored.update(event_key(e) for e in load_events(store, matter))
    return [e for e in events if event_key(e) not in stored]


def unaccounted_events(store: Any, events: Iterable[Event]) -> list[Event]:
    """The events neither recorded nor quarantined in the store."""
    missing = missing_events(store, events)
    if not missing:
        return []
    parked = quarantined_keys(store, {e.application_key for e in missing})
    return [e for e in missing if event_key(e) not in parked]


def record_batch(store: Any, audit: AuditSink | None, events: Sequence[Event]) -> EventRecording:
    """Record ``events`` (``record_events``, audited per matter) and account for each one.

    An event whose code no taxonomy table knows is quarantined as ``unknown_code`` instead
    (``docket.event_quarantine``), so parsed = recorded + quarantined.
    """
    to_record, to_quarantine = split_for_recording(events)
    present_before = len(to_record) - len(missing_events(store, to_record))
    new = record_events(store, audit, to_record)
    newly_quarantined = quarantine_events(store, audit, to_quarantine)
    present_after = len(events) - len(unaccounted_events(store, events))
    return EventRecording(
        parsed=len(events),
        already_present=present_before,
        new=new,
        present_after=present_after,
        quarantined=len(to_quarantine),
        newly_quarantined=newly_quarantined,
    )


# --- docket entries in the store ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class DocketSync:
    """What ``sync_build`` changed, matter by matter."""

    reports: tuple[SyncReport, ...]

    @property
    def changes(self) -> int:
        return sum(len(r.changes) for r in self.reports)

    def changes_by_action(self) -> dict[str, int]:
        counts = collections.Counter(c.action for r in self.reports for c in r.changes)
        return dict(sorted(counts.items()))


def sync_build(store: Any, audit: AuditSink, build: DocketBuild) -> DocketSync:
    """Sync the stored docket of every matter in ``build`` (each change audited with its reason).

    Matters the files do not name are left as they are: a file that is absent this run is no
    evidence that its matter's deadlines went away.
    """
    by_matter: dict[str, list[DocketEntry]] = collections.defaultdict(list)
    for entry in build.result.entries:
        by_matter[entry.matter].append(entry)
    return DocketSync(
        reports=tuple(
            sync_docket(store, audit, matter, by_matter.get(matter, [])) for matter in build.matters
        )
    )


# --- what to look at first --------------------------------------------------------------------


def overdue_entries(entries: Iterable[DocketEntry], as_of: dt.date) -> list[DocketEntry]:
    """Open entries whose due date is before ``as_of``, most urgent (earliest final) first.

    An entry past its due date may still be saved (extension of time, surcharge grace period)
    until its final date; past the final date the right is likely lost unless revived.
    """
    late = [e for e in entries if e.status == OPEN and e.due_date < as_of]
    return sorted(late, key=lambda e: (e.final_date or e.due_date, e.due_date, e.matter, e.rule))


def is_past_final(entry: DocketEntry, as_of: dt.date) -> bool:
    """True when even the last date reachable (extensions, grace period) is before ``as_of``."""
    return (entry.final_date or entry.due_date) < as_of


def next_due(entries: Iterable[DocketEntry], as_of: dt.date, limit: int = 10) -> list[DocketEntry]:
    """The next ``limit`` open entries due on or after ``as_of``, soonest first."""
    upcoming = [e for e in entries if e.status == OPEN and e.due_date >= as_of]
    return sorted(upcoming, key=lambda e: (e.due_date, e.matter, e.rule))[:limit]
