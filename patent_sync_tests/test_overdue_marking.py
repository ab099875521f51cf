"""An open entry past its due date is marked overdue wherever the docket is read: the JSON of
``patent-sync docket --open --as-of``, the ICS calendar, the HTML page (``test_html_export``),
not only in the demo's summary."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest

from patent_sync.cli.main import main
from patent_sync.docket.ics import OVERDUE_CATEGORY, build_calendar
from patent_sync.docket.overdue import overdue
from patent_sync.model import DocketEntry
from patent_sync.settings import PROJECT_ROOT

EVENTS = PROJECT_ROOT / "data" / "events"
AS_OF = dt.date(2026, 11, 30)  # one sample maintenance fee fell due on 2026-11-16
FILES = [str(p) for p in sorted(EVENTS.glob("*.json"))]


def _entry(due: dt.date, final: dt.date | None, status: str = "open") -> DocketEntry:
    return DocketEntry(
        matter="US-17512338",
        rule="us.maintenance_fee",
        trigger_event="patent_granted: PGM/ Recordation of Patent Grant Mailed",
        trigger_date=dt.date(2023, 5, 16),
        due_date=due,
        final_date=final,
        extendable=False,
        citation="35 USC 41(b)",
        status=status,
        status_reason="no closing event on file",
        params=(("stage", "3.5"),),
    )


def test_overdue_is_counted_from_the_due_date_and_knows_the_final_date() -> None:
    entry = _entry(dt.date(2026, 11, 16), dt.date(2027, 5, 17))
    assert overdue(entry, dt.date(2026, 11, 16)) is None  # due today is not late
    late = overdue(entry, AS_OF)
    assert late is not None and (late.days, late.past_final_date) == (14, False)
    assert late.note().startswith("OVERDUE (14 days as of 2026-11-30); still reachable")
    lost = overdue(entry, dt.date(2027, 5, 18))
    assert lost is not None and lost.past_final_date
    assert "PAST THE FINAL DATE 2027-05-17" in lost.note()
    assert overdue(_entry(dt.date(2026, 11, 16), None, status="closed"), AS_OF) is None


def test_the_calendar_marks_overdue_events() -> None:
    late = _entry(dt.date(2026, 11, 16), dt.date(2027, 5, 17))
    later = _entry(dt.date(2030, 2, 19), dt.date(2030, 8, 16))
    calendar = build_calendar([late, later], as_of=AS_OF)
    events = {e.decoded("DTSTART"): e for e in calendar.walk("VEVENT")}
    marked = events[dt.date(2026, 11, 16)]
    assert str(marked["SUMMARY"]).startswith("OVERDUE: US-17512338")
    assert str(marked["DESCRIPTION"]).startswith("OVERDUE (14 days as of 2026-11-30)")
    assert OVERDUE_CATEGORY in marked["CATEGORIES"].cats
    assert int(marked["PRIORITY"]) == 1
    plain = events[dt.date(2030, 2, 19)]
    assert not str(plain["SUMMARY"]).startswith("OVERDUE")
    assert OVERDUE_CATEGORY not in plain["CATEGORIES"].cats
    assert "PRIORITY" not in plain
    # Without a day to read it on, nothing is marked (the library's old behaviour).
    unmarked = build_calendar([late])
    assert not any(str(e["SUMMARY"]).startswith("OVERDUE") for e in unmarked.walk("VEVENT"))


def test_export_ics_marks_overdue_as_of_the_given_day(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "docket.ics"
    argv = ["export", "ics", *FILES, "--out", str(out), "--as-of", AS_OF.isoformat()]
    assert main(argv) == 0
    assert f"(1 overdue as of {AS_OF})" in capsys.readouterr().err
    events = list(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
    marked = [e for e in events if str(e["SUMMARY"]).startswith("OVERDUE: ")]
    assert [(str(e["X-PATENT-SYNC-MATTER"]), e.decoded("DTSTART")) for e in marked] == [
        ("US-17512338", dt.date(2026, 11, 16))
    ]
    assert main([*argv[:-1], "2026-11-16"]) == 0
    events = list(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
    assert not any(str(e["SUMMARY"]).startswith("OVERDUE") for e in events)


def test_docket_json_marks_overdue_entries(capsys: pytest.CaptureFixture) -> None:
    files = FILES
    assert main(["docket", *files, "--open", "--as-of", AS_OF.isoformat()]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    late = [line for line in lines if line["overdue"]]
    assert [(x["matter"], x["due_date"], x["days_overdue"]) for x in late] == [
        ("US-17512338", "2026-11-16", 14)
    ]
    assert late[0]["past_final_date"] is False
    on_time = [line for line in lines if not line["overdue"]]
    assert on_time and all(x["days_overdue"] is None for x in on_time)
    assert all(x["due_date"] >= AS_OF.isoformat() for x in on_time)
    # The day it fell due it is not overdue yet.
    assert main(["docket", *files, "--open", "--as-of", "2026-11-16"]) == 0
    assert not any(json.loads(x)["overdue"] for x in capsys.readouterr().out.splitlines())
