"""WIPO International Bureau calendar (PCT Rule 80.5 where the IB is the office concerned).

The IB's closed days are published in the PCT Newsletter and Gazette; no machine-readable list
is shipped and the ``holidays`` package has none. Weekends only are applied, with a warning on
every result, so an IB deadline is never silently assumed to be right.
"""

from __future__ import annotations

import datetime as dt

from patent_sync.deadlines.calendars.base import Closure, OfficeCalendar


class IbCalendar(OfficeCalendar):
    """Weekends only, always with a warning."""

    office = "IB"
    open_day_phrase = "day the International Bureau is open (weekends only known)"

    def closure(self, day: dt.date) -> Closure | None:
        """No weekday closures are known."""
        return None

    def year_warning(self, year: int) -> str | None:
        """Every year: the IB's closed days are not shipped."""
        return (
            f"WIPO (International Bureau) closure days for {year} are not in the shipped "
            f"calendar; weekends only were applied - check the PCT Newsletter"
        )
