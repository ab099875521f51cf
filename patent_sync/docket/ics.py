"""Docket entries → an RFC 5545 calendar, built with the ``icalendar`` library.

One all-day ``VEVENT`` per open entry on its due date. The ``UID`` is derived from the entry's
identity (matter, rule, trigger date, stage/year: ``engine.entry_key``), so re-exporting the
same docket updates the events a calendar already holds instead of duplicating them; a moved
due date keeps its UID. ``DESCRIPTION`` carries the citation, the final date, whether the period
is extendable or absolute, the status and the full working; optional ``VALARM``\\s remind ahead
of the due date. Exported ``as_of`` a day, an open entry already past its due date is marked
overdue in its summary, its description and its categories, so a calendar shows it as such
and not as one more future date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

import icalendar

from patent_sync.docket.engine import OPEN, entry_key
from patent_sync.docket.overdue import Overdue, overdue
from patent_sync.model import DocketEntry

PRODID = "-//patent_sync//docket export//EN"
UID_DOMAIN = "patent-sync.docket"
OVERDUE_CATEGORY = "OVERDUE"


def entry_uid(entry: DocketEntry) -> str:
    """A UID stable across runs for the same matter, rule and trigger."""
    digest = hashlib.sha256(entry_key(entry).encode()).hexdigest()[:32]
    return f"{digest}@{UID_DOMAIN}"


def summary(entry: DocketEntry, late: Overdue | None = None) -> str:
    """``US-17248024: us.maintenance_fee (stage 3.5) due`` — matter, rule and what is due;
    ``OVERDUE: ...`` in front when ``late``."""
    params = dict(entry.params)
    detail = ""
    if "stage" in params:
        detail = f" (stage {params['stage']})"
    elif "year" in params:
        detail = f" (year {params['year']})"
    prefix = "OVERDUE: " if late is not None else ""
    return f"{prefix}{entry.matter}: {entry.rule}{detail} due"


def description(entry: DocketEntry, late: Overdue | None = None) -> str:
    """The text a docketing clerk needs without opening the system."""
    final = entry.final_date.isoformat() if entry.final_date else "none (the due date is final)"
    kind = "extendable" if entry.extendable else "absolute (not extendable)"
    lines = [late.note(), ""] if late is not None else []
    lines += [
        f"Matter: {entry.matter}",
        f"Rule: {entry.rule}",
        f"Due date: {entry.due_date.isoformat()}",
        f"Final date: {final}",
        f"Period: {kind}",
        f"Citation: {entry.citation}",
        f"Trigger: {entry.trigger_event} on {entry.trigger_date.isoformat()}",
        f"Status: {entry.status} ({entry.status_reason})",
        "",
        "Explanation:",
        *(f"- {line}" for line in entry.explanation),
    ]
    return "\n".join(lines)


def build_calendar(
    entries: Iterable[DocketEntry],
    *,
    alarm_days: Sequence[int] = (),
    dtstamp: dt.datetime | None = None,
    include_settled: bool = False,
    name: str = "Patent docket",
    as_of: dt.date | None = None,
) -> icalendar.Calendar:
    """A calendar with one all-day event per open entry (all entries if ``include_settled``).

    ``alarm_days`` adds one display alarm per number of days before the due date (e.g.
    ``(30, 7)``). ``dtstamp`` defaults to now (UTC); pass a fixed value for byte-stable output.
    With ``as_of``, open entries due before that day are marked overdue.
    """
    stamp = dtstamp or dt.datetime.now(dt.UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    chosen = [e for e in entries if include_settled or e.status == OPEN]
    for entry in sorted(chosen, key=lambda e: (e.due_date, e.matter, e.rule, entry_key(e))):
        late = overdue(entry, as_of) if as_of is not None else None
        calendar.add_component(_event(entry, alarm_days, stamp, late))
    return calendar


def calendar_bytes(entries: Iterable[DocketEntry], **options: object) -> bytes:
    """``build_calendar(...).to_ical()``."""
    return build_calendar(entries, **options).to_ical()  # type: ignore[arg-type]


def _event(
    entry: DocketEntry, alarm_days: Sequence[int], stamp: dt.datetime, late: Overdue | None
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry_uid(entry))
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.due_date)  # a date: an all-day event (VALUE=DATE)
    event.add("dtend", entry.due_date + dt.timedelta(days=1))
    event.add("summary", summary(entry, late))
    event.add("description", description(entry, late))
    event.add("categories", [entry.rule, OVERDUE_CATEGORY] if late else [entry.rule])
    if late is not None:
        event.add("priority", 1)  # RFC 5545: 1 is the highest
        event.add("x-patent-sync-overdue-days", str(late.days))
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("x-patent-sync-matter", entry.matter)
    event.add("x-patent-sync-rule", entry.rule)
    event.add("x-patent-sync-final-date", entry.final_date.isoformat() if entry.final_date else "")
    for days in sorted(set(alarm_days), reverse=True):
        if days < 0:
            raise ValueError(f"alarm days must be zero or more, got {days}")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", dt.timedelta(days=-days))
        alarm.add("description", f"{summary(entry)} in {days} days ({entry.due_date})")
        event.add_component(alarm)
    return event
