"""Persist prosecution events and docket entries in the docket store, auditing every change.

* ``record_events`` inserts events idempotently (identity: application, source, code, date,
  description, occurrence) and writes one ``events.recorded`` audit entry per matter that gained
  events. The same events again insert nothing and audit nothing.
* ``sync_docket`` compares a freshly computed docket for one matter with what is stored and
  writes each difference, with one audit entry per changed entry:
  ``docket.entry_created``, ``docket.entry_closed``, ``docket.entry_superseded``,
  ``docket.entry_reopened``, ``docket.entry_recomputed`` (due or final date moved),
  ``docket.entry_updated`` (citation, explanation or trigger description changed) and
  ``docket.entry_withdrawn`` (an open entry the events no longer produce is closed, never
  deleted). The same docket again changes nothing and audits nothing.

Every write of a call happens in one store transaction together with its audit entries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from patent_sync.docket.engine import CLOSED, OPEN, SUPERSEDED, entry_key
from patent_sync.model import DocketEntry, Event, canonical_json
from patent_sync.store.timestamps import utc_now_iso

WITHDRAWN_REASON = "withdrawn: the events on file no longer produce this entry"

_ENTRY_COLUMNS = (
    "entry_key, matter, rule, trigger_event, trigger_date, due_date, final_date, extendable, "
    "citation, status, status_reason, explanation, params"
)
_EVENT_COLUMNS = (
    "application_key, jurisdiction, source_code, event, event_date, description, source, "
    "occurrence, payload_sha256, attributes"
)

# An event already in the table (same identity as ``events.event_key``) is left as it is.
_SKIP_STORED_EVENT = (
    "ON CONFLICT (application_key, source, source_code, event_date, description, occurrence) "
    "DO NOTHING"
)


class AuditSink(Protocol):
    """What the repository needs of ``patent_sync.audit.AuditLog``."""

    def append(
        self, action: str, subject: str, details: dict[str, Any], cursor: Any = None
    ) -> Any: ...


@dataclasses.dataclass(frozen=True, slots=True)
class EntryChange:
    """One change ``sync_docket`` wrote (and audited)."""

    action: str  # "created" | "closed" | "superseded" | "reopened" | "recomputed" | ...
    entry_key: str
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class SyncReport:
    """What ``sync_docket`` did for one matter."""

    matter: str
    changes: tuple[EntryChange, ...]

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


# --- events ------------------------------------------------------------------------------------


def record_events(store: Any, audit: AuditSink | None, events: Iterable[Event]) -> int:
    """Insert the events not yet stored; return how many were new.

    One ``events.recorded`` audit entry per matter that gained events (with the count and the
    sources); nothing is audited when nothing is new.
    """
    now = utc_now_iso()

    def row(event: Event) -> tuple[object, ...]:
        return (
            event.application_key,
            event.jurisdiction,
            event.source_code,
            event.event,
            event.event_date.isoformat(),
            event.description,
            event.source,
            event.occurrence,
            event.payload_sha256,
            canonical_json(dict(event.attributes)),
            now,
        )

    return insert_new_events(
        store,
        audit,
        events,
        insert=(
            f"INSERT INTO prosecution_events ({_EVENT_COLUMNS}, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        row=row,
        audit_action="events.recorded",
        audit_details=lambda new: {
            "new_events": len(new),
            "sources": sorted({e.source for e in new}),
        },
    )


def insert_new_events(
    store: Any,
    audit: AuditSink | None,
    events: Iterable[Event],
    *,
    insert: str,
    row: Callable[[Event], tuple[object, ...]],
    audit_action: str,
    audit_details: Callable[[list[Event]], dict[str, Any]],
) -> int:
    """Run ``insert`` (``INSERT INTO <table> (...) VALUES (...)``, a table keyed by the events'
    identity) with ``row(event)`` for each event, skipping an event already there, in one
    transaction; return how many rows were new.

    One ``audit_action`` entry per matter that gained rows, in the same transaction: the matter,
    ``audit_details`` of its new events, and their payload digests. Nothing is audited when
    nothing is new, so the same events again change nothing.
    """
    new_by_matter: dict[str, list[Event]] = {}
    with store.transaction() as cursor:
        for event in events:
            cursor.execute(f"{insert} {_SKIP_STORED_EVENT}", row(event))
            if cursor.rowcount == 1:
                new_by_matter.setdefault(event.application_key, []).append(event)
        if audit is not None:
            for matter in sorted(new_by_matter):
                new = new_by_matter[matter]
                audit.append(
                    audit_action,
                    f"matter:{matter}",
                    {
                        "matter": matter,
                        **audit_details(new),
                        "payload_sha256": sorted(
                            {e.payload_sha256 for e in new if e.payload_sha256}
                        ),
                    },
                    cursor=cursor,
                )
    return sum(len(v) for v in new_by_matter.values())


def load_events(store: Any, matter: str | None = None) -> list[Event]:
    """The stored events (of one matter, or all), in a stable order."""
    sql = f"SELECT {_EVENT_COLUMNS} FROM prosecution_events"
    params: tuple[Any, ...] = ()
    if matter is not None:
        sql += " WHERE application_key = ?"
        params = (matter,)
    sql += " ORDER BY application_key, event_date, source, source_code, description, occurrence"
    with store.transaction() as cursor:
        rows = cursor.execute(sql, params).fetchall()
    return [
        Event(
            application_key=r[0],
            jurisdiction=r[1],
            source_code=r[2],
            event=r[3],
            event_date=dt.date.fromisoformat(r[4]),
            description=r[5],
            source=r[6],
            occurrence=int(r[7]),
            payload_sha256=r[8],
            attributes=tuple(sorted(json.loads(r[9]).items())),
        )
        for r in rows
    ]


# --- docket entries ----------------------------------------------------------------------------


def sync_docket(
    store: Any, audit: AuditSink, matter: str, entries: Sequence[DocketEntry]
) -> SyncReport:
    """Make the stored docket of ``matter`` equal ``entries``, auditing every change."""
    wrong = sorted({e.matter for e in entries if e.matter != matter})
    if wrong:
        raise ValueError(f"sync_docket({matter!r}) was given entries of other matters: {wrong}")
    wanted = {entry_key(e): e for e in entries}
    if len(wanted) != len(entries):
        raise ValueError(f"sync_docket({matter!r}): two entries share one identity")
    changes: list[EntryChange] = []
    now = utc_now_iso()
    with store.transaction() as cursor:
        sql, params = _entries_query(matter=matter)
        stored = {
            entry_key(e): e for e in map(_entry_from_row, cursor.execute(sql, params).fetchall())
        }
        for key in sorted(wanted):
            new = wanted[key]
            old = stored.get(key)
            if old is None:
                _insert(cursor, key, new, now)
                changes.append(_audit(audit, cursor, "created", key, new, None))
                continue
            action = _classify_change(old, new)
            if action is None:
                continue
            _update(cursor, key, new, now)
            changes.append(_audit(audit, cursor, action, key, new, old))
        for key in sorted(set(stored) - set(wanted)):
            old = stored[key]
            if old.status != OPEN:
                continue  # already settled; the row stays as history
            gone = dataclasses.replace(old, status=CLOSED, status_reason=WITHDRAWN_REASON)
            _update(cursor, key, gone, now)
            changes.append(_audit(audit, cursor, "withdrawn", key, gone, old))
    return SyncReport(matter=matter, changes=tuple(changes))


def open_entries(store: Any, matter: str | None = None) -> list[DocketEntry]:
    """The open entries (of one matter, or all), ordered by due date then matter and rule."""
    # A plain read: store.query takes no write lock (transaction() would, on SQLite).
    entries = _read_entries(store, matter=matter, status=OPEN)
    return sorted(entries, key=lambda e: (e.due_date, e.matter, e.rule, entry_key(e)))


def stored_entries(store: Any, matter: str | None = None) -> list[DocketEntry]:
    """Every stored entry (of one matter, or all), whatever its status."""
    entries = _read_entries(store, matter=matter)
    return sorted(entries, key=lambda e: (e.matter, e.due_date, e.rule, entry_key(e)))


def _classify_change(old: DocketEntry, new: DocketEntry) -> str | None:
    if old.status != new.status:
        if new.status == OPEN:
            return "reopened"
        return "superseded" if new.status == SUPERSEDED else "closed"
    if (old.due_date, old.final_date) != (new.due_date, new.final_date):
        return "recomputed"
    if _row(old)[1:] != _row(new)[1:]:
        return "updated"
    return None


def _audit(
    audit: AuditSink,
    cursor: Any,
    action: str,
    key: str,
    new: DocketEntry,
    old: DocketEntry | None,
) -> EntryChange:
    reason = new.status_reason
    if action == "recomputed" and old is not None:
        reason = (
            f"due date {old.due_date} -> {new.due_date}, final date {old.final_date} -> "
            f"{new.final_date} (recomputed from the same trigger)"
        )
    elif action == "updated":
        reason = "citation, explanation or trigger description changed"
    details: dict[str, Any] = {
        "matter": new.matter,
        "rule": new.rule,
        "trigger_event": new.trigger_event,
        "trigger_date": new.trigger_date.isoformat(),
        "due_date": new.due_date.isoformat(),
        "final_date": new.final_date.isoformat() if new.final_date else None,
        "extendable": new.extendable,
        "citation": new.citation,
        "status": new.status,
        "reason": reason,
    }
    if old is not None:
        details["previous"] = {
            "status": old.status,
            "status_reason": old.status_reason,
            "due_date": old.due_date.isoformat(),
            "final_date": old.final_date.isoformat() if old.final_date else None,
        }
    audit.append(f"docket.entry_{action}", f"docket:{key}", details, cursor=cursor)
    return EntryChange(action=action, entry_key=key, reason=reason)


def _row(entry: DocketEntry) -> tuple[Any, ...]:
    return (
        entry.matter,
        entry.rule,
        entry.trigger_event,
        entry.trigger_date.isoformat(),
        entry.due_date.isoformat(),
        entry.final_date.isoformat() if entry.final_date else None,
        1 if entry.extendable else 0,
        entry.citation,
        entry.status,
        entry.status_reason,
        canonical_json(list(entry.explanation)),
        canonical_json(dict(entry.params)),
    )


def _insert(cursor: Any, key: str, entry: DocketEntry, now: str) -> None:
    cursor.execute(
        f"INSERT INTO docket_entries ({_ENTRY_COLUMNS}, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, *_row(entry), now, now),
    )


def _update(cursor: Any, key: str, entry: DocketEntry, now: str) -> None:
    columns = [c.strip() for c in _ENTRY_COLUMNS.split(",")][1:]
    cursor.execute(
        "UPDATE docket_entries SET "
        + ", ".join(f"{c} = ?" for c in columns)
        + ", updated_at = ? WHERE entry_key = ?",
        (*_row(entry), now, key),
    )


def _read_entries(
    store: Any, *, matter: str | None = None, status: str | None = None
) -> list[DocketEntry]:
    sql, params = _entries_query(matter=matter, status=status)
    return [_entry_from_row(row) for row in store.query(sql, params)]


def _entries_query(
    *, matter: str | None = None, status: str | None = None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if matter is not None:
        clauses.append("matter = ?")
        params.append(matter)
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    sql = f"SELECT {_ENTRY_COLUMNS} FROM docket_entries"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY entry_key"
    return sql, params


def _entry_from_row(row: Sequence[Any]) -> DocketEntry:
    params: Mapping[str, Any] = json.loads(row[12])
    return DocketEntry(
        matter=row[1],
        rule=row[2],
        trigger_event=row[3],
        trigger_date=dt.date.fromisoformat(row[4]),
        due_date=dt.date.fromisoformat(row[5]),
        final_date=dt.date.fromisoformat(row[6]) if row[6] else None,
        extendable=bool(row[7]),
        citation=row[8],
        status=row[9],
        status_reason=row[10],
        explanation=tuple(json.loads(row[11])),
        params=tuple(sorted((str(k), str(v)) for k, v in params.items())),
    )
