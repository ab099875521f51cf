"""Month arithmetic (MPEP 710.01(a), EPC Rule 131(4), PCT Rule 80.2) and leap years."""

from __future__ import annotations

import datetime as dt

import pytest

from patent_sync.deadlines.arithmetic import add_months, describe, last_day_of_month, ordinal

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: February has a 29th
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 8, 31), 3, D(2024, 11, 30)),
        (D(2022, 11, 30), 3, D(2023, 2, 28)),  # MPEP 710.01(a): Nov 30 + 3 → Feb 28
        (D(2023, 11, 30), 3, D(2024, 2, 29)),  # ... or Feb 29 in a leap year
        (D(2023, 2, 28), 3, D(2023, 5, 28)),  # MPEP 710.01(a): Feb 28 + 3 → May 28, not May 31
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # a 29 Feb trigger in a common year
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 3, 15), 0, D(2024, 3, 15)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),  # across a year end
        (D(2022, 7, 31), 30, D(2025, 1, 31)),
    ],
)
def test_add_months_uses_same_day_or_the_last_day_of_the_month(
    start: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(start, months) == expected


def test_helpers() -> None:
    assert last_day_of_month(D(2024, 2, 3)) == D(2024, 2, 29)
    assert last_day_of_month(D(2023, 2, 3)) == D(2023, 2, 28)
    assert describe(D(2024, 6, 15)) == "2024-06-15 (Saturday)"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 19, 21, 22)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "19th", "21st", "22nd",
    ]  # fmt: skip
