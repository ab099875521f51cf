"""EPO calendar: EPC Rule 134(1) (and PCT Rule 80.5 where the EPO is the office concerned).

A period expiring on a day on which at least one EPO filing office (Munich, The Hague, Berlin)
is closed, or on which mail is not delivered there, runs to the first day on which all of them
are open. The closing days come from ``epo_closures.toml``, a hand-maintained table per year
with the source and status of every row (see that file's header).

Decisions:

* An **uncertain** row is treated as **open**: treating it as closed would move the deadline
  later, the direction that loses rights if the guess is wrong. The roll-forward warns and
  names the later date that applies if the day was in fact closed.
* A year with no table gets the closing days that recur by law every year
  (``epo_recurring``: New Year's Day, Easter, 1 May, Ascension, Whit Monday, 3 October,
  Christmas and the Munich and Berlin statutory holidays) as certain closures, and the days
  that vary (the year-end bridging days, The Hague's King's Day and Liberation Day) as
  uncertain ones, with a warning only where a period lands on one. Rows of the shipped file
  for such a year (a one-off holiday) are added; a certain closure wins over an uncertain one.
* Years from the first table on that have none (the years ahead) need no general warning: the
  EPO's own closing days for them are not yet published, and an unannounced one can only make
  a deadline later. Years **before** the first table keep the warning "EPO closure days for
  YYYY are not in the shipped calendar; ..." because the EPO's own closing days of that year
  (published in the Official Journal) were not applied.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from types import MappingProxyType

from patent_sync.deadlines.calendars.base import Closure, OfficeCalendar
from patent_sync.deadlines.calendars.epo_recurring import recurring_closures

_DATA_FILE = "epo_closures.toml"
_STATUSES = frozenset({"confirmed", "inferred", "secondary", "uncertain"})


class CalendarDataError(RuntimeError):
    """The shipped closure table is malformed (a packaging or editing mistake)."""


@cache
def load_epo_closures() -> tuple[frozenset[int], MappingProxyType[dt.date, Closure]]:
    """The years that have a table, and every closure row expanded to single weekdays."""
    raw = tomllib.loads(
        resources.files("patent_sync.deadlines.calendars").joinpath(_DATA_FILE).read_text("utf-8")
    )
    years = frozenset(
        int(year) for year, meta in raw.get("years", {}).items() if meta.get("table", False)
    )
    closures: dict[dt.date, Closure] = {}
    for row in raw.get("closures", []):
        status = row.get("status")
        if status not in _STATUSES:
            raise CalendarDataError(f"{_DATA_FILE}: row {row!r} has an unknown status {status!r}")
        first: dt.date = row["date"]
        last: dt.date = row.get("until", first)
        if last < first:
            raise CalendarDataError(f"{_DATA_FILE}: row {row!r} ends before it starts")
        day = first
        while day <= last:
            if day.weekday() < 5:
                if day in closures:
                    raise CalendarDataError(f"{_DATA_FILE}: {day} is listed twice")
                closures[day] = Closure(
                    day, row["reason"], row["source"], uncertain=status == "uncertain"
                )
            day += dt.timedelta(days=1)
    return years, MappingProxyType(closures)


class EpoCalendar(OfficeCalendar):
    """The EPO's closing days under Rule 134(1), from the shipped table."""

    office = "EPO"
    open_day_phrase = "day on which all EPO filing offices are open"

    def __init__(self) -> None:
        super().__init__()
        self.years_with_table, self._closures = load_epo_closures()
        self._first_table_year = min(self.years_with_table, default=0)
        self._untabled: dict[int, dict[dt.date, Closure]] = {}

    def closure(self, day: dt.date) -> Closure | None:
        """The closing day (certain or uncertain) on ``day``, or None."""
        if day.year in self.years_with_table:
            return self._closures.get(day)
        year = self._untabled.get(day.year)
        if year is None:
            year = self._year_without_table(day.year)
            self._untabled[day.year] = year
        return year.get(day)

    def _year_without_table(self, year: int) -> dict[dt.date, Closure]:
        table = dict(recurring_closures(year))
        for day, row in self._closures.items():
            if day.year != year:
                continue
            existing = table.get(day)
            if existing is None or (existing.uncertain and not row.uncertain):
                table[day] = row
        return table

    def year_warning(self, year: int) -> str | None:
        """Warns for a year before the first shipped table (see the module docstring)."""
        if year in self.years_with_table or year > self._first_table_year:
            return None
        return (
            f"EPO closure days for {year} are not in the shipped calendar; only the closing "
            f"days that recur by law every year were applied, not the EPO's own closing days "
            f"of that year - check the Official Journal"
        )
