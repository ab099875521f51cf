"""The EPO closing days that recur by law every year, applied in years without a shipped table.

The recurring rules are checked against the EPO's own lists (the President's notices of the
closing days for 1997, 1999, 2015 and 2020, the "Office holidays" page for 2023) and against
the shipped 2024-2026 tables: every statutory day the rules call certain is in each list, and
every other weekday of each list is one the rules flag as uncertain.
"""

from __future__ import annotations

import datetime as dt

import pytest

from patent_sync.deadlines import compute
from patent_sync.deadlines.calendars import EpoCalendar, get_calendar
from patent_sync.deadlines.calendars.epo_recurring import easter_sunday, recurring_closures

D = dt.date


@pytest.fixture(scope="module")
def epo() -> EpoCalendar:
    calendar = get_calendar("EPO")
    assert isinstance(calendar, EpoCalendar)
    return calendar


def _days(year: int, text: str) -> set[dt.date]:
    return {D(year, int(m), int(d)) for m, d in (item.split("-") for item in text.split())}


def test_the_issue_example_new_years_day_2027() -> None:
    # Priority Sat 1 Jun 2024 + 31 months = Fri 1 Jan 2027 (EPC Rule 159(1)). New Year's Day
    # closes every filing office every year: Sat 2, Sun 3 → Mon 4 Jan 2027, with no warning.
    result = compute("pct.national_phase", "2024-06-01", office="EPO")
    assert result.due_date == D(2027, 1, 4)
    assert result.warnings == ()
    assert any("New Year's Day" in line for line in result.explanation)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1943, D(1943, 4, 25)),  # the latest possible Easter
        (1999, D(1999, 4, 4)),
        (2000, D(2000, 4, 23)),
        (2008, D(2008, 3, 23)),
        (2019, D(2019, 4, 21)),
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2027, D(2027, 3, 28)),
        (2028, D(2028, 4, 16)),
        (2029, D(2029, 4, 1)),
        (2038, D(2038, 4, 25)),
        (2285, D(2285, 3, 22)),  # the earliest possible Easter
    ],
)
def test_easter_sunday(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter


# Worked by hand for the years ahead of the tables (weekday closures only):
#   2027: Easter 28 Mar → Good Friday 26 Mar, Easter Monday 29 Mar, Ascension 6 May, Whit Monday
#         17 May, Corpus Christi 27 May; New Year Fri 1 Jan, Epiphany Wed 6 Jan, Women's Day
#         Mon 8 Mar, All Saints Mon 1 Nov (1 May Sat, 15 Aug Sun, 3 Oct Sun, 25/26 Dec weekend).
#   2028: Easter 16 Apr → 14 Apr, 17 Apr, 25 May, 5 Jun, 15 Jun; 6 Jan Thu, 8 Mar Wed, 1 May
#         Mon, 15 Aug Tue, 3 Oct Tue, 1 Nov Wed, 25 Dec Mon, 26 Dec Tue (1 Jan Sat).
#   2029: Easter 1 Apr → 30 Mar, 2 Apr, 10 May, 21 May, 31 May; 1 Jan Mon, 8 Mar Thu, 1 May
#         Tue, 15 Aug Wed, 3 Oct Wed, 1 Nov Thu, 25 Dec Tue, 26 Dec Wed (6 Jan Sat).
CERTAIN_AHEAD = {
    2027: "01-01 01-06 03-08 03-26 03-29 05-06 05-17 05-27 11-01",
    2028: "01-06 03-08 04-14 04-17 05-01 05-25 06-05 06-15 08-15 10-03 11-01 12-25 12-26",
    2029: "01-01 03-08 03-30 04-02 05-01 05-10 05-21 05-31 08-15 10-03 11-01 12-25 12-26",
}


@pytest.mark.parametrize("year", sorted(CERTAIN_AHEAD))
def test_certain_closures_in_the_years_ahead(epo: EpoCalendar, year: int) -> None:
    expected = _days(year, CERTAIN_AHEAD[year])
    found = set()
    day = D(year, 1, 1)
    while day.year == year:
        closure = epo.closure(day)
        if closure is not None and not closure.uncertain:
            found.add(day)
        day += dt.timedelta(days=1)
    assert found == expected


# The EPO's own lists (weekday closing days at any filing office). Certain = statutory at a
# filing-office site; the rest must all be days the rules treat as uncertain.
OJ_LISTS = {
    # OJ EPO 1996 (notice of 2 Oct 1996): 1997.
    1997: (
        "01-01 01-06 03-28 03-31 05-01 05-08 05-19 05-29 08-15 10-03 12-25 12-26",
        "04-30 05-05 12-24 12-31",
    ),
    # OJ EPO 1998, 554: 1999 (1 May, 15 Aug, 3 Oct and Christmas fell on weekends).
    1999: ("01-01 01-06 04-02 04-05 05-13 05-24 06-03 11-01", "04-30 05-05 12-24 12-31"),
    # OJ EPO 2014, A108: 2015.
    2015: (
        "01-01 01-06 04-03 04-06 05-01 05-14 05-25 06-04 12-25",
        "01-02 04-27 05-05 12-24 12-28 12-29 12-30 12-31",
    ),
    # OJ EPO 2019, A97: 2020.
    2020: (
        "01-01 01-06 04-10 04-13 05-01 05-21 06-01 06-11 12-25",
        "04-27 05-05 12-24 12-28 12-29 12-30 12-31",
    ),
    # EPO "Office holidays" 2023 (Munich, The Hague, Berlin; 1 Jan was a Sunday).
    2023: (
        "01-06 03-08 04-07 04-10 05-01 05-18 05-29 06-08 08-15 10-03 11-01 12-25 12-26",
        "04-27 05-05 12-27 12-28 12-29",
    ),
}


@pytest.mark.parametrize("year", sorted(OJ_LISTS))
def test_recurring_rules_reproduce_the_epo_lists(year: int) -> None:
    certain_text, variable_text = OJ_LISTS[year]
    rules = recurring_closures(year)
    certain = {day for day, closure in rules.items() if not closure.uncertain}
    uncertain = {day for day, closure in rules.items() if closure.uncertain}
    assert certain == _days(year, certain_text)
    assert _days(year, variable_text) <= uncertain


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_certain_recurring_day_is_closed_in_the_shipped_tables(
    epo: EpoCalendar, year: int
) -> None:
    for day, closure in recurring_closures(year).items():
        if closure.uncertain:
            continue
        shipped = epo.closure(day)
        assert shipped is not None and not shipped.uncertain, (day, closure.reason)


def test_variable_days_ahead_warn_with_the_later_date(epo: EpoCalendar) -> None:
    # Mon 27 Dec 2027: a bridging day in every year seen, not announced for 2027. Treated as
    # open; if the EPO closes 27-31 Dec, then Sat 1, Sun 2 Jan → Mon 3 Jan 2028.
    roll = epo.roll_forward(D(2027, 12, 27))
    assert roll.date == D(2027, 12, 27)
    assert roll.if_uncertain_closed == D(2028, 1, 3)
    (warning,) = roll.warnings
    assert "2028-01-03" in warning and "treated as open" in warning
    # King's Day, The Hague, Tue 27 Apr 2027.
    kings = epo.roll_forward(D(2027, 4, 27))
    assert kings.date == D(2027, 4, 27) and kings.if_uncertain_closed == D(2027, 4, 28)
    # An ordinary day ahead of the tables carries no warning at all.
    assert epo.roll_forward(D(2027, 6, 15)).warnings == ()


def test_certain_chain_ahead_of_the_tables(epo: EpoCalendar) -> None:
    # Fri 26 Mar 2027 Good Friday, weekend, Mon 29 Mar Easter Monday → Tue 30 Mar 2027.
    roll = epo.roll_forward(D(2027, 3, 26))
    assert roll.date == D(2027, 3, 30) and roll.warnings == ()
    # Thu 25 May 2028 Ascension → Fri 26 May 2028.
    assert epo.roll_forward(D(2028, 5, 25)).date == D(2028, 5, 26)


def test_years_before_the_tables_apply_the_statutory_days_and_say_what_is_missing(
    epo: EpoCalendar,
) -> None:
    # Good Friday 3 Apr 2015 → Easter Monday 6 Apr → Tue 7 Apr 2015.
    roll = epo.roll_forward(D(2015, 4, 3))
    assert roll.date == D(2015, 4, 7)
    assert roll.warnings == (
        "EPO closure days for 2015 are not in the shipped calendar; only the closing days that "
        "recur by law every year were applied, not the EPO's own closing days of that year - "
        "check the Official Journal",
    )


def test_holidays_only_from_the_year_their_law_began(epo: EpoCalendar) -> None:
    # Day of German Unity from 1990; Berlin's International Women's Day from 2019.
    assert epo.closure(D(1989, 10, 3)) is None
    assert epo.closure(D(1990, 10, 3)) is not None
    assert epo.closure(D(2018, 3, 8)) is None
    assert epo.closure(D(2019, 3, 8)) is not None


def test_one_off_holidays_in_years_without_a_table(epo: EpoCalendar) -> None:
    # Reformation Day, Tue 31 Oct 2017: a public holiday in every German Land that year only.
    reformation = epo.closure(D(2017, 10, 31))
    assert reformation is not None and not reformation.uncertain
    assert epo.closure(D(2018, 10, 31)) is None
    # Berlin's 8 May 2020 (75th anniversary) is listed but not confirmed: uncertain.
    berlin = epo.closure(D(2020, 5, 8))
    assert berlin is not None and berlin.uncertain
