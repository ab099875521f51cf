"""The EPO closing days that recur every year, for years without a shipped closure table.

Rule 134(1) EPC extends a period that expires on a day on which at least one filing office
(Munich, The Hague, Berlin; the Vienna sub-office and the Brussels bureau are not filing
offices) is not open for the receipt of documents *or on which mail is not delivered there*.
On a statutory public holiday at a filing office's site the post is not delivered, so that day
extends periods whatever the EPO's own staff rules say. The days below are statutory every year
and appear, whenever they fall on a weekday, in every EPO list checked:

* the President's notices of the closing days for 1997 (OJ EPO 1996), 1999 (OJ EPO 1998,
  554), 2015 (OJ EPO 2014, A108) and 2020 (OJ EPO 2019, A97), the EPO "Office holidays" page
  for 2023 and 2024, and the shipped 2024-2026 tables (a test replays those lists against
  these rules).

Certain (applied as closures):

* all sites: New Year's Day, Good Friday, Easter Monday, Ascension Day, Whit Monday, Christmas
  Day, 26 December (German, Dutch statutory holidays);
* Munich and Berlin: 1 May, 3 October (Day of German Unity, from 1990);
* Munich (Bavarian holiday law): Epiphany (6 January), Corpus Christi, Assumption Day
  (15 August: a holiday in municipalities with a mainly Catholic population, Munich among them),
  All Saints' Day (1 November);
* Berlin: International Women's Day (8 March, a Berlin holiday from 2019; EPO notice of
  6 March 2019 that it triggers Rule 134).

Uncertain (treated as open, with a warning naming the later date): the days that depend on the
EPO's own year-end closure or on Dutch practice, which a secondary source has contradicted:
24 December and the weekdays 27-31 December (bridging days and New Year's Eve), 2 January when
it is a Friday (a bridging day in 2015 but not in 2026), King's Day (The Hague, 27 April, or 26
April when the 27th is a Sunday; Queen's Day, 30 April, before 2014) and Liberation Day (The
Hague, 5 May). One-off holidays (a city's anniversary holiday) cannot be foreseen; an
unannounced closure only makes a deadline later, so the date computed without it is never late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from patent_sync.deadlines.calendars.base import Closure

_EVIDENCE = "statutory every year; in every EPO list seen, OJ 1996-2019, 2023-2026"


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def _fixed(month: int, day: int) -> Callable[[int], dt.date | None]:
    return lambda year: dt.date(year, month, day)


def _from_easter(days: int) -> Callable[[int], dt.date | None]:
    return lambda year: easter_sunday(year) + dt.timedelta(days=days)


def _kings_day(year: int) -> dt.date | None:
    if year >= 2014:  # King's Day; moved to the 26th when the 27th is a Sunday
        day = dt.date(year, 4, 27)
        return day - dt.timedelta(days=1) if day.weekday() == 6 else day
    day = dt.date(year, 4, 30)  # Queen's Day, moved to the 29th when the 30th is a Sunday
    return day - dt.timedelta(days=1) if day.weekday() == 6 else day


def _friday_2_january(year: int) -> dt.date | None:
    day = dt.date(year, 1, 2)
    return day if day.weekday() == 4 else None


@dataclass(frozen=True, slots=True)
class RecurringClosure:
    """A closing day that comes back every year from ``since``."""

    name: str
    where: str
    on: Callable[[int], dt.date | None]
    certain: bool
    source: str
    since: int = 1978  # the EPO's first year

    def closure(self, year: int) -> Closure | None:
        """This year's weekday closure, or None (before ``since``, on a weekend, not this year)."""
        if year < self.since:
            return None
        day = self.on(year)
        if day is None or day.weekday() >= 5:
            return None
        reason = f"{self.name} ({self.where})" if self.where else self.name
        return Closure(day, reason, self.source, uncertain=not self.certain)


_ALL_SITES = "all filing offices"

RECURRING: tuple[RecurringClosure, ...] = (
    RecurringClosure("New Year's Day", _ALL_SITES, _fixed(1, 1), True, _EVIDENCE),
    RecurringClosure("Epiphany", "Munich", _fixed(1, 6), True, _EVIDENCE),
    RecurringClosure(
        "International Women's Day",
        "Berlin: public holiday, no mail delivered",
        _fixed(3, 8),
        True,
        "Berlin holiday law from 2019; EPO notice of 6 Mar 2019; EPO list 2023",
        since=2019,
    ),
    RecurringClosure("Good Friday", _ALL_SITES, _from_easter(-2), True, _EVIDENCE),
    RecurringClosure("Easter Monday", _ALL_SITES, _from_easter(1), True, _EVIDENCE),
    RecurringClosure("Labour Day", "Munich, Berlin", _fixed(5, 1), True, _EVIDENCE),
    RecurringClosure("Ascension Day", _ALL_SITES, _from_easter(39), True, _EVIDENCE),
    RecurringClosure("Whit Monday", _ALL_SITES, _from_easter(50), True, _EVIDENCE),
    RecurringClosure("Corpus Christi", "Munich", _from_easter(60), True, _EVIDENCE),
    RecurringClosure("Assumption Day", "Munich", _fixed(8, 15), True, _EVIDENCE),
    RecurringClosure(
        "Day of German Unity", "Munich, Berlin", _fixed(10, 3), True, _EVIDENCE, since=1990
    ),
    RecurringClosure("All Saints' Day", "Munich", _fixed(11, 1), True, _EVIDENCE),
    RecurringClosure("Christmas Day", _ALL_SITES, _fixed(12, 25), True, _EVIDENCE),
    RecurringClosure("26 December", _ALL_SITES, _fixed(12, 26), True, _EVIDENCE),
    # Uncertain: the EPO's own closures and The Hague's days that a 2026 source left out.
    RecurringClosure(
        "King's Day / Queen's Day",
        "The Hague",
        _kings_day,
        False,
        "in the EPO lists 1997-2023 but not in the 2026 list seen; no table for this year",
    ),
    RecurringClosure(
        "Liberation Day",
        "The Hague",
        _fixed(5, 5),
        False,
        "in the EPO lists 1997-2023 but not in the 2026 list seen; no table for this year",
    ),
    RecurringClosure(
        "Christmas Eve, EPO year-end closure",
        "",
        _fixed(12, 24),
        False,
        "EPO year-end closure in every year seen, announced each year; no table for this year",
    ),
    *(
        RecurringClosure(
            "EPO year-end closure (bridging day / New Year's Eve)",
            "",
            _fixed(12, day),
            False,
            "EPO year-end closure in every year seen, announced each year; no table for this year",
        )
        for day in (27, 28, 29, 30, 31)
    ),
    RecurringClosure(
        "Bridging day after New Year's Day",
        "",
        _friday_2_january,
        False,
        "a bridging day in 2015 (OJ EPO 2014, A108), not in 2026; no table for this year",
    ),
)


@cache
def recurring_closures(year: int) -> dict[dt.date, Closure]:
    """Every recurring weekday closure of ``year``; a certain one wins over an uncertain one."""
    table: dict[dt.date, Closure] = {}
    for rule in RECURRING:
        found = rule.closure(year)
        if found is None:
            continue
        existing = table.get(found.day)
        if existing is None or (existing.uncertain and not found.uncertain):
            table[found.day] = found
    return table
