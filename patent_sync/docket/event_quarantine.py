"""Prosecution events set aside for a person instead of recorded: the event quarantine.

An event whose code no taxonomy table knows (``taxonomy.OTHER``) triggers nothing, so a docket
built without a look at it could miss a deadline. It is not recorded as an event: it goes to
``event_quarantine`` as ``unknown_code``, naming the office's field and value (``eventCode`` =
``ZZQX``), for whichever source it came from. The identity is the event's own (application,
source, code, date, description, occurrence), so the same history quarantines nothing twice;
every parsed event ends up either recorded or here. ``patent-sync quarantine list`` lists them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from patent_sync.docket.repository import AuditSink, insert_new_events
from patent_sync.events import event_key, taxonomy
from patent_sync.model import Event, QuarantineCategory
from patent_sync.store.base import DocketStore
from patent_sync.store.timestamps import utc_now_iso

STATUS_OPEN = "open"

_COLUMNS = (
    "application_key, source, source_code, event_date, description, occurrence, jurisdiction, "
    "category, field, value, detail, payload_sha256"
)
EventKey = tuple[str, str, str, str, str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class QuarantinedEvent:
    """One quarantined event as stored."""

    id: int
    application_key: str
    source: str
    source_code: str
    event_date: dt.date
    description: str
    occurrence: int
    category: str
    field: str
    value: str
    detail: str
    status: str
    quarantined_at: str


def needs_quarantine(event: Event) -> bool:
    """True for an event no taxonomy table knows: it must be looked at, not recorded."""
    return event.event == taxonomy.OTHER


def split_for_recording(events: Iterable[Event]) -> tuple[list[Event], list[Event]]:
    """(events to record, events to quarantine), each in the given order."""
    recorded: list[Event] = []
    quarantined: list[Event] = []
    for event in events:
        (quarantined if needs_quarantine(event) else recorded).append(event)
    return recorded, quarantined


def unknown_code_detail(event: Event) -> str:
    """What a reviewer reads: which field held which value, and what the office called it."""
    field = taxonomy.code_field(event.source)
    said = f" ({event.description})" if event.description else ""
    return (
        f"{event.application_key} {event.event_date}: {field} {event.source_code!r}{said} "
        f"is not in the {event.source} code table; docket it by hand if it sets a deadline, "
        "then add it to patent_sync/events/taxonomy.py"
    )


def quarantine_events(
    store: DocketStore,
    audit: AuditSink | None,
    events: Sequence[Event],
    category: QuarantineCategory = QuarantineCategory.UNKNOWN_CODE,
) -> int:
    """Quarantine the events not yet quarantined; return how many rows were new.

    One ``events.quarantined`` audit entry per matter that gained rows, in the same transaction.
    """
    now = utc_now_iso()

    def row(event: Event) -> tuple[object, ...]:
        return (
            event.application_key,
            event.source,
            event.source_code,
            event.event_date.isoformat(),
            event.description,
            event.occurrence,
            event.jurisdiction,
            str(category),
            taxonomy.code_field(event.source),
            event.source_code,
            unknown_code_detail(event),
            event.payload_sha256,
            STATUS_OPEN,
            now,
        )

    return insert_new_events(
        store,
        audit,
        events,
        insert=(
            f"INSERT INTO event_quarantine ({_COLUMNS}, status, quarantined_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        row=row,
        audit_action="events.quarantined",
        audit_details=lambda new: {
            "category": str(category),
            "quarantined_events": len(new),
            "codes": sorted({f"{e.source} {e.source_code}" for e in new}),
        },
    )


def quarantined_keys(store: DocketStore, matters: Iterable[str]) -> set[EventKey]:
    """The identities (``events.event_key``) of the quarantined events of ``matters``."""
    keys: set[EventKey] = set()
    for matter in sorted(set(matters)):
        rows = store.query(
            "SELECT application_key, source, source_code, event_date, description, occurrence "
            "FROM event_quarantine WHERE application_key = ?",
            (matter,),
        )
        keys.update((r[0], r[1], r[2], r[3], r[4], int(r[5])) for r in rows)
    return keys


def is_quarantined(keys: set[EventKey], event: Event) -> bool:
    return event_key(event) in keys


def list_quarantined_events(
    store: DocketStore, *, status: str | None = STATUS_OPEN, category: str | None = None
) -> list[QuarantinedEvent]:
    """The quarantined events, oldest first (all statuses when ``status`` is None)."""
    clauses, params = [], []
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    if category is not None:
        clauses.append("category = ?")
        params.append(category)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = store.query(
        "SELECT id, application_key, source, source_code, event_date, description, occurrence, "
        f"category, field, value, detail, status, quarantined_at FROM event_quarantine{where} "
        "ORDER BY id",
        tuple(params),
    )
    return [
        QuarantinedEvent(
            id=int(r[0]),
            application_key=r[1],
            source=r[2],
            source_code=r[3],
            event_date=dt.date.fromisoformat(r[4]),
            description=r[5],
            occurrence=int(r[6]),
            category=r[7],
            field=r[8],
            value=r[9],
            detail=r[10],
            status=r[11],
            quarantined_at=r[12],
        )
        for r in rows
    ]


def summary(item: QuarantinedEvent) -> dict[str, object]:
    """The row as one JSON-ready object (``quarantine list --json``)."""
    return {
        "kind": "event",
        "id": item.id,
        "status": item.status,
        "category": item.category,
        "matter": item.application_key,
        "source": item.source,
        "field": item.field,
        "value": item.value,
        "event_date": item.event_date.isoformat(),
        "description": item.description,
        "occurrence": item.occurrence,
        "detail": item.detail,
        "quarantined_at": item.quarantined_at,
    }


__all__ = [
    "QuarantinedEvent",
    "is_quarantined",
    "list_quarantined_events",
    "needs_quarantine",
    "quarantine_events",
    "quarantined_keys",
    "split_for_recording",
    "summary",
    "unknown_code_detail",
]
