"""Office calendars: the traps in calendars.md, Inauguration Day, EPO closures and warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from patent_sync.deadlines.calendars import (
    EpoCalendar,
    UsptoCalendar,
    get_calendar,
    inauguration_holiday,
    normalize_office,
)

D = dt.date

# calendars.md: USPTO weekday closures 2024-2027.
USPTO_CLOSURES = {
    2024: "01-01 01-15 02-19 05-27 06-19 07-04 09-02 10-14 11-11 11-28 12-24 12-25",
    2025: "01-01 01-09 01-20 02-17 05-26 06-19 07-04 09-01 10-13 11-11 11-27 12-24 12-25 12-26",
    2026: "01-01 01-19 02-16 05-25 06-19 07-03 09-07 10-12 11-11 11-26 12-25",
    2027: "01-01 01-18 02-15 05-31 06-18 07-05 09-06 10-11 11-11 11-25 12-24 12-31",
}


@pytest.fixture(scope="module")
def uspto() -> UsptoCalendar:
    return UsptoCalendar()


@pytest.fixture(scope="module")
def epo() -> EpoCalendar:
    return EpoCalendar()


@pytest.mark.parametrize("year", sorted(USPTO_CLOSURES))
def test_uspto_weekday_closures_match_the_notes_exactly(uspto: UsptoCalendar, year: int) -> None:
    expected = {D.fromisoformat(f"{year}-{md}") for md in USPTO_CLOSURES[year].split()}
    certain = {day for day, c in uspto.closures_for_year(year).items() if not c.uncertain}
    assert certain == expected


@pytest.mark.parametrize(
    "day",
    [
        D(2024, 4, 16),  # DC Emancipation Day: a District holiday, not a federal one
        D(2025, 4, 16),
        D(2024, 3, 29),  # Good Friday
        D(2025, 4, 18),
        D(2024, 11, 29),  # the day after Thanksgiving
        D(2025, 11, 28),
        D(2024, 12, 27),
        D(2025, 12, 31),
        D(2029, 1, 19),  # Inauguration Day 2029 is a Saturday: no in-lieu day
        D(2029, 1, 22),
    ],
)
def test_uspto_is_open_on_the_trap_days(uspto: UsptoCalendar, day: dt.date) -> None:
    assert uspto.is_open(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2024, 12, 24),  # EO 14129
        D(2025, 1, 9),  # EO 14133, Carter day of mourning
        D(2025, 12, 24),
        D(2025, 12, 26),
        D(2026, 7, 3),  # observed for Saturday July 4
        D(2027, 12, 31),  # observed for Saturday 1 Jan 2028
        D(2021, 1, 20),  # Inauguration Day, absent from the holidays package
        D(2033, 1, 20),
    ],
)
def test_uspto_is_closed_on(uspto: UsptoCalendar, day: dt.date) -> None:
    assert not uspto.is_open(day)


def test_inauguration_day_rules() -> None:
    assert inauguration_holiday(2025) == D(2025, 1, 20)
    assert inauguration_holiday(2029) is None  # Saturday: 5 USC 6103(c) gives no other day
    assert inauguration_holiday(2013) == D(2013, 1, 21)  # Sunday → Monday the 21st
    assert inauguration_holiday(2026) is None
    assert inauguration_holiday(1961) is None  # before the 1965 statute


def test_half_day_closings_are_not_holidays(uspto: UsptoCalendar) -> None:
    assert uspto.is_open(D(2015, 12, 24))  # "Christmas Eve (half-day closing)" in the package


def test_saturday_before_monday_holiday_rolls_to_tuesday(uspto: UsptoCalendar) -> None:
    rolled = uspto.roll_forward(D(2024, 8, 31))
    assert rolled.date == D(2024, 9, 3)
    assert [reason for _, reason in rolled.closed][-1].startswith("Labor Day")


def test_us_years_after_the_data_flag_only_the_habitual_order_closures(
    uspto: UsptoCalendar,
) -> None:
    # An unannounced closure can only make a deadline later: ordinary days carry no warning.
    assert uspto.roll_forward(D(2026, 6, 3)).warnings == ()
    # Christmas Eve 2025 was closed by executive order: a certain closure, no warning.
    known = uspto.roll_forward(D(2025, 12, 24))
    assert known.warnings == ()
    assert known.date == D(2025, 12, 29)
    # Christmas Eve 2026 is not announced: treated as open (the earlier, safe date), with the
    # date that applies if an order closes the Office (Dec 25 holiday, then the weekend).
    roll = uspto.roll_forward(D(2026, 12, 24))
    assert roll.date == D(2026, 12, 24)
    (warning,) = roll.warnings
    assert "Christmas Eve" in warning and "2026-12-28" in warning


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 12, 24), D(2025, 1, 2)),  # 2024/25 year-end closure
        (D(2024, 12, 31), D(2025, 1, 2)),
        (D(2025, 12, 24), D(2026, 1, 2)),  # 2025/26 year-end closure
        (D(2025, 12, 29), D(2026, 1, 2)),
        (D(2024, 5, 30), D(2024, 5, 31)),  # Corpus Christi, Munich
        (D(2024, 3, 8), D(2024, 3, 11)),  # Berlin: no mail delivered (then a weekend)
        (D(2024, 3, 29), D(2024, 4, 2)),  # Good Friday, weekend, Easter Monday
        (D(2026, 6, 4), D(2026, 6, 5)),
    ],
)
def test_epo_rolls_to_the_first_day_all_filing_offices_are_open(
    epo: EpoCalendar, day: dt.date, expected: dt.date
) -> None:
    rolled = epo.roll_forward(day)
    assert rolled.date == expected
    assert rolled.warnings == ()


def test_epo_uncertain_day_is_treated_as_open_with_a_warning(epo: EpoCalendar) -> None:
    rolled = epo.roll_forward(D(2025, 5, 5))  # Liberation Day, The Hague: uncertain
    assert rolled.date == D(2025, 5, 5)
    assert rolled.if_uncertain_closed == D(2025, 5, 6)
    (warning,) = rolled.warnings
    assert "treated as open" in warning and "2025-05-06" in warning


def test_epo_rolling_onto_an_uncertain_day_warns(epo: EpoCalendar) -> None:
    rolled = epo.roll_forward(D(2026, 4, 25))  # Saturday, then Sunday, then King's Day
    assert rolled.date == D(2026, 4, 27)
    assert "2026-04-28" in rolled.warnings[0]


def test_epo_year_without_a_table_applies_the_closures_that_recur_by_law(
    epo: EpoCalendar,
) -> None:
    for year in (2023, 2028):
        # 1 May (German statutory holiday, Munich and Berlin) is a Monday in both years and
        # closes the EPO every year: the period runs to Tuesday 2 May with or without a table.
        rolled = epo.roll_forward(D(year, 5, 1))
        assert rolled.date == D(year, 5, 2)
        assert "Labour Day" in rolled.closed[0][1]
    # Before the first shipped table the EPO's own closing days of that year are unknown: said.
    assert (
        "EPO closure days for 2023 are not in the shipped calendar; only the closing days that "
        "recur by law every year were applied, not the EPO's own closing days of that year - "
        "check the Official Journal"
    ) in epo.roll_forward(D(2023, 5, 1)).warnings
    # Ahead of the tables nothing is unknown but what can only make the deadline later.
    assert epo.roll_forward(D(2028, 5, 1)).warnings == ()


def test_weekend_closures_do_not_extend(epo: EpoCalendar) -> None:
    # 27 Apr 2024 (King's Day) is a Saturday: the period still ends on the Monday.
    assert epo.roll_forward(D(2024, 4, 27)).date == D(2024, 4, 29)


def test_ib_calendar_always_warns() -> None:
    ib = get_calendar("IB")
    rolled = ib.roll_forward(D(2025, 12, 25))
    assert rolled.date == D(2025, 12, 25)
    assert "WIPO" in rolled.warnings[0]


def test_office_aliases() -> None:
    assert normalize_office("us") == "USPTO"
    assert normalize_office("EP") == "EPO"
    assert normalize_office("wipo") == "IB"
    assert normalize_office("JPO") is None
