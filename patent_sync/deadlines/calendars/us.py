"""USPTO calendar: 35 USC 21(b) and 37 CFR 1.7.

An act due on a Saturday, Sunday or "Federal holiday within the District of Columbia" may be
done on the next business day. The closed weekdays are:

* the 5 USC 6103(a) holidays with their in-lieu days (a Saturday holiday is observed on the
  Friday, a Sunday one on the Monday) and the whole-day executive-order closures, from
  ``holidays.US(categories=holidays.GOVERNMENT)``; half-day closings are left out, since the
  Office is open that day;
* Inauguration Day (5 USC 6103(c)): January 20 every fourth year (1965, ..., 2025, 2029, ...),
  a holiday for federal employees in the District of Columbia area, where the USPTO is. When it
  falls on a Sunday the 21st is the holiday; when it falls on a Saturday there is no in-lieu day
  (so 2029 has none). The package does not include it;
* the closures listed in ``us_closures.toml`` (executive orders, kept as data so a package
  change cannot drop them).

Not closures, although other calendars list them: DC Emancipation Day (April 16, a District
holiday, not a federal one), Good Friday, the day after Thanksgiving.

Executive-order closures are announced at short notice. An unannounced closure can only make
a deadline later, so the date computed without it is the safe one; but for years after the
data's ``known_through`` year, the days such orders have closed the Office on in recent years
(Christmas Eve, the day after Christmas) are uncertain closures: treated as open, with a warning
naming the later date that applies if an order closes the Office. Other days carry no warning,
which keeps warnings rare enough to be read.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources

import holidays

from patent_sync.deadlines.calendars.base import Closure, OfficeCalendar

_DATA_FILE = "us_closures.toml"

# Days executive orders have closed the federal government on in recent years.
_HABITUAL_ORDER_CLOSURES = ((12, 24, "Christmas Eve"), (12, 26, "Day after Christmas"))
_FIRST_INAUGURATION_HOLIDAY = 1965  # 5 USC 6103(c): "each fourth year after 1965"


def inauguration_holiday(year: int) -> dt.date | None:
    """The Inauguration Day holiday in ``year`` under 5 USC 6103(c), or None.

    January 20 of every fourth year from 1965; the 21st when the 20th is a Sunday; none when the
    20th is a Saturday (the statute gives no in-lieu day for it).
    """
    if year < _FIRST_INAUGURATION_HOLIDAY or (year - 1789) % 4 != 0:
        return None
    day = dt.date(year, 1, 20)
    if day.weekday() == 5:
        return None
    if day.weekday() == 6:
        return dt.date(year, 1, 21)
    return day


@cache
def _override_data() -> tuple[int, dict[dt.date, Closure]]:
    raw = tomllib.loads(
        resources.files("patent_sync.deadlines.calendars").joinpath(_DATA_FILE).read_text("utf-8")
    )
    closures = {
        row["date"]: Closure(row["date"], row["reason"], row["source"])
        for row in raw.get("closures", [])
    }
    return int(raw["known_through"]), closures


class UsptoCalendar(OfficeCalendar):
    """The USPTO's closed weekdays (see the module docstring for what counts)."""

    office = "USPTO"
    open_day_phrase = "business day"

    def __init__(self) -> None:
        super().__init__()
        self.known_through, self._overrides = _override_data()
        self._years: dict[int, dict[dt.date, Closure]] = {}

    def closures_for_year(self, year: int) -> dict[dt.date, Closure]:
        """Every weekday closure in ``year``, keyed by date."""
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> dict[dt.date, Closure]:
        table: dict[dt.date, Closure] = {}
        for day, name in holidays.US(categories=holidays.GOVERNMENT, years=year).items():
            # A half-day closing leaves the Office open for part of the day: not a holiday.
            if day.year != year or day.weekday() >= 5 or "half-day" in name:
                continue
            source = "executive order" if _is_executive_order_name(name) else "5 USC 6103(a)"
            table[day] = Closure(day, name, source)
        inauguration = inauguration_holiday(year)
        if inauguration is not None:
            existing = table.get(inauguration)
            reason = "Inauguration Day" + (f"; {existing.reason}" if existing else "")
            table[inauguration] = Closure(inauguration, reason, "5 USC 6103(c)")
        for day, closure in self._overrides.items():
            if day.year == year and day.weekday() < 5:
                table[day] = closure
        if year > self.known_through:
            for month, day_of_month, name in _HABITUAL_ORDER_CLOSURES:
                day = dt.date(year, month, day_of_month)
                if day.weekday() < 5 and day not in table:
                    table[day] = Closure(
                        day,
                        f"{name}: closed by executive order in recent years "
                        "(2019, 2020, 2024, 2025); not yet announced for this year",
                        "OPM closure announcements",
                        uncertain=True,
                    )
        return table

    def closure(self, day: dt.date) -> Closure | None:
        """The closure on ``day``, or None."""
        return self.closures_for_year(day.year).get(day)

    def year_warning(self, year: int) -> str | None:
        """None: statutory holidays are known for every year, and an unannounced executive-order
        closure can only make a deadline later (the habitual ones are uncertain closures)."""
        return None


def _is_executive_order_name(name: str) -> bool:
    return any(word in name for word in ("Mourning", "Christmas Eve", "Day After Christmas"))
