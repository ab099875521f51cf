"""Calendar arithmetic shared by every rule: months, years and days, with no office calendar.

Month periods end on the day of the target month with the same number as the trigger day; when
the target month has no such day (the 29th-31st), the period ends on that month's last day.
This is the same rule in all three systems: MPEP 710.01(a) (an action dated November 30 with a
3-month period is due February 28, or 29 in a leap year; one dated February 28 is due May 28,
not May 31), EPC Rule 131(4) and PCT Rule 80.2. Year periods are 12-month periods (a trigger on
29 February ends on 28 February in a common year: EPC Rule 131(3), PCT Rule 80.1).
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """The number of days in ``month`` of ``year`` (Gregorian leap years)."""
    if month == 2 and calendar.isleap(year):
        return 29
    return _DAYS_IN_MONTH[month]


@lru_cache(maxsize=65536)
def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` plus ``months`` calendar months: same day number, else the month's last day."""
    year, month0 = divmod(start.year * 12 + (start.month - 1) + months, 12)
    month = month0 + 1
    day = start.day
    if day > 28:
        day = min(day, days_in_month(year, month))
    return dt.date(year, month, day)


def last_day_of_month(day: dt.date) -> dt.date:
    """The last day of the month containing ``day``."""
    return day.replace(day=days_in_month(day.year, day.month))


def add_days(start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days`` calendar days."""
    return start + dt.timedelta(days=days)


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st`` ..."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


_DESCRIBED: dict[dt.date, str] = {}


def describe(day: dt.date) -> str:
    """``2024-06-15 (Saturday)``: how the explanation prints a date (memoised: hot path)."""
    text = _DESCRIBED.get(day)
    if text is None:
        text = f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]})"
        if len(_DESCRIBED) < 1_000_000:  # dates in use are a few tens of thousands
            _DESCRIBED[day] = text
    return text
