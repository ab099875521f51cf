"""PCT Article 19 amendments (Rule 46.1) and the projected international publication (Art.
21(2)(a)), worked by hand. Amendments go to the International Bureau, whose closed days are not
shipped: weekends only, with a warning (PCT Rule 80.5)."""

from __future__ import annotations

import datetime as dt

import pytest

from patent_sync.deadlines import InvalidParameterError, compute

D = dt.date


@pytest.mark.parametrize(
    ("transmitted", "priority", "due", "which"),
    [
        # ISR transmitted Wed 15 May 2024, priority 10 Jan 2023: 2 months = Mon 15 Jul 2024,
        # 16 months = 10 May 2024 → the later, 15 Jul 2024.
        ("2024-05-15", "2023-01-10", D(2024, 7, 15), "2 months from transmittal"),
        # Transmitted 1 Aug 2023 → Sun 1 Oct 2023; priority 31 Jul 2022 → 16 months: November
        # has no 31st → Thu 30 Nov 2023 (PCT Rule 80.2), the later.
        ("2023-08-01", "2022-07-31", D(2023, 11, 30), "16 months from priority"),
        # Transmitted 17 Jun 2024 → Sat 17 Aug 2024 (later than 16 months, 13 Aug) → Mon 19 Aug.
        ("2024-06-17", "2023-04-13", D(2024, 8, 19), "2 months from transmittal"),
    ],
)
def test_article_19_the_later_of_two_and_sixteen_months(
    transmitted: str, priority: str, due: dt.date, which: str
) -> None:
    result = compute("pct.art19_amendment", transmitted, priority_date=priority)
    assert result.due_date == due
    assert any(which in line for line in result.explanation)
    assert result.warnings and "WIPO (International Bureau)" in result.warnings[0]


def test_article_19_needs_a_priority_date_before_the_transmittal() -> None:
    with pytest.raises(InvalidParameterError, match="parameter 'priority_date' is required"):
        compute("pct.art19_amendment", "2024-05-15")
    with pytest.raises(InvalidParameterError, match="is after the transmittal date"):
        compute("pct.art19_amendment", "2024-05-15", priority_date="2024-06-01")


@pytest.mark.parametrize(
    ("priority", "projected"),
    [
        ("2024-02-29", D(2025, 8, 29)),  # 18 months from a leap day: Fri 29 Aug 2025
        ("2024-01-13", D(2025, 7, 13)),  # a Sunday, and it stays a Sunday: not rolled
        ("2023-08-31", D(2025, 2, 28)),  # February 2025 has no 31st
    ],
)
def test_publication_is_projected_not_rolled(priority: str, projected: dt.date) -> None:
    result = compute("pct.publication", priority)
    assert result.due_date == projected
    assert result.final_date is None and result.warnings == ()
    # No roll-forward line at all (a roll writes "no roll-forward" or "→ next weekday").
    assert not any("roll-forward" in line or "next weekday" in line for line in result.explanation)
    assert any("not a time limit" in line for line in result.explanation)


def test_publication_takes_no_parameters() -> None:
    with pytest.raises(InvalidParameterError, match="unknown parameter 'office'"):
        compute("pct.publication", "2024-02-29", office="IB")
