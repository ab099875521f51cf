"""EPO calendar: EPC Rule 134(1) (and PCT Rule 80.5 where the EPO is the office concerned).

A period expiring on a day on which at least one EPO filing office (Munich, The Hague, Berlin)
is closed, or on which mail is not delivered there, runs to the first day on which all of them
are open. The closing days come from ``epo_closures.toml``, a hand-maintained table per year
with the source and status of every row (see that file's header).

Decisions:

* An **uncertain** row is treated as **open**: treating it as closed would move the deadline
  later, the direction that loses rights if the guess is wrong. The roll-forward warns and
  names the later date that applies if the day was in fact closed.
* A year with no table gets **weekends only** and the warning
  "EPO closure days for YYYY are not in the shipped calendar; weekends only were applied -
  check the Official Journal", never a guessed list.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from types import MappingProxyType

from patent_sync.deadlines.calendars.base import Closure, OfficeCalendar

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

    def closure(self, day: dt.date) -> Closure | None:
        """The closing day (certain or uncertain) on ``day``, or None."""
        return self._closures.get(day)

    def year_warning(self, year: int) -> str | None:
        """Warns for a year with no shipped table."""
        if year in self.years_with_table:
            return None
        return (
            f"EPO closure days for {year} are not in the shipped calendar; weekends only were "
            f"applied - check the Official Journal"
        )
