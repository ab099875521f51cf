"""Paris priority and PCT rules, rolled over the calendar of the office concerned."""

from __future__ import annotations

import datetime as dt

from patent_sync.deadlines import compute

D = dt.date


def test_national_phase_30_months_uspto_31_months_epo() -> None:
    us = compute("pct.national_phase", "2023-01-31", office="USPTO")
    assert us.due_date == D(2025, 7, 31)
    ep = compute("pct.national_phase", "2023-01-31", office="EP")
    assert ep.due_date == D(2025, 9, 1)  # 31 Aug 2025 is a Sunday
    assert "PCT Rule 80.5" in ep.citation and "Rule 159(1)" in ep.citation
    assert ep.params["office"] == "EPO"


def test_national_phase_uses_the_office_calendar() -> None:
    # 30 months from 24 Jun 2023 = 24 Dec 2025: USPTO closed 24-26 Dec → Monday 29 Dec.
    assert compute("pct.national_phase", "2023-06-24", office="USPTO").due_date == D(2025, 12, 29)
    # 31 months from 24 May 2023 = 24 Dec 2025: EPO closed to 1 Jan → Friday 2 Jan 2026.
    assert compute("pct.national_phase", "2023-05-24", office="EPO").due_date == D(2026, 1, 2)


def test_demand_is_the_later_of_22_months_and_3_months() -> None:
    from_transmittal = compute(
        "pct.demand", "2024-03-01", priority_date="2022-05-31", office="USPTO"
    )
    assert from_transmittal.due_date == D(2024, 6, 3)  # 1 Jun 2024 is a Saturday
    from_priority = compute("pct.demand", "2023-11-20", priority_date="2022-06-30", office="EPO")
    assert from_priority.due_date == D(2024, 4, 30)  # 22 months: 30 Apr 2024 > 20 Feb 2024


def test_paris_priority_rolls_by_the_office_of_the_later_filing() -> None:
    assert compute("paris.priority", "2024-12-24", office="USPTO").due_date == D(2025, 12, 29)
    assert compute("paris.priority", "2024-12-24", office="EPO").due_date == D(2026, 1, 2)
    leap = compute("paris.priority", "2024-02-29", office="USPTO")
    assert leap.due_date == D(2025, 2, 28)
    ib = compute("paris.priority", "2024-06-14", office="WIPO")
    assert ib.due_date == D(2025, 6, 16)  # 14 Jun 2025 is a Saturday
    assert any("WIPO" in warning for warning in ib.warnings)
