"""The ICS export, parsed back with icalendar."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import icalendar
import pytest

from patent_sync.docket.engine import build_docket
from patent_sync.docket.ics import build_calendar, calendar_bytes, entry_uid
from patent_sync.events import load_event_files

STAMP = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def entries(samples_dir: Path):
    names = ("get_register_biblio",)
    ep = [samples_dir / "epo_ops/patent-dev" / n / "response.xml" for n in names]
    us = [samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json"]
    batch = load_event_files(us + ep)
    return build_docket(batch.events, matter_facts=batch.facts, as_of=dt.date(2025, 9, 1))


def events_of(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_all_day_event_per_open_entry(entries) -> None:
    open_entries = [e for e in entries if e.status == "open"]
    assert open_entries and len(open_entries) < len(entries)
    vevents = events_of(calendar_bytes(entries, dtstamp=STAMP))
    assert len(vevents) == len(open_entries)
    by_uid = {str(v["UID"]): v for v in vevents}
    for entry in open_entries:
        vevent = by_uid[entry_uid(entry)]
        start = vevent.decoded("DTSTART")
        assert type(start) is dt.date and start == entry.due_date
        assert vevent.decoded("DTEND") == entry.due_date + dt.timedelta(days=1)
        assert entry.matter in str(vevent["SUMMARY"]) and entry.rule in str(vevent["SUMMARY"])
        text = str(vevent["DESCRIPTION"])
        assert f"Citation: {entry.citation}" in text
        final = entry.final_date.isoformat() if entry.final_date else "none"
        assert f"Final date: {final}" in text
        assert ("extendable" if entry.extendable else "absolute") in text


def test_maintenance_fee_event_content(entries) -> None:
    vevents = events_of(calendar_bytes(entries, dtstamp=STAMP))
    fee = next(v for v in vevents if "stage 3.5" in str(v["SUMMARY"]))
    assert str(fee["SUMMARY"]) == "US-17248024: us.maintenance_fee (stage 3.5) due"
    assert fee.decoded("DTSTART") == dt.date(2026, 11, 9)
    assert "Final date: 2027-05-10" in str(fee["DESCRIPTION"])
    assert "absolute (not extendable)" in str(fee["DESCRIPTION"])


def test_uid_is_stable_across_runs_and_due_date_moves(entries) -> None:
    first = {str(v["UID"]) for v in events_of(calendar_bytes(entries))}
    second = {str(v["UID"]) for v in events_of(calendar_bytes(list(reversed(entries))))}
    assert first == second and len(first) == len(events_of(calendar_bytes(entries)))
    moved = dataclasses.replace(entries[0], due_date=entries[0].due_date + dt.timedelta(days=3))
    assert entry_uid(moved) == entry_uid(entries[0])
    assert calendar_bytes(entries, dtstamp=STAMP) == calendar_bytes(entries, dtstamp=STAMP)


def test_alarms_ahead_of_the_due_date(entries) -> None:
    calendar = build_calendar(entries, alarm_days=(30, 7), dtstamp=STAMP)
    vevent = next(iter(calendar.walk("VEVENT")))
    triggers = sorted(a.decoded("TRIGGER") for a in vevent.walk("VALARM"))
    assert triggers == [dt.timedelta(days=-30), dt.timedelta(days=-7)]
    with pytest.raises(ValueError, match="alarm days"):
        build_calendar(entries, alarm_days=(-1,))


def test_calendar_header() -> None:
    calendar = icalendar.Calendar.from_ical(calendar_bytes([], dtstamp=STAMP))
    assert str(calendar["VERSION"]) == "2.0"
    assert "patent_sync" in str(calendar["PRODID"])
