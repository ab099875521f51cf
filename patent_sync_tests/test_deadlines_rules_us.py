"""US rules against the MPEP's worked examples and the calendar traps."""

from __future__ import annotations

import datetime as dt

from patent_sync.deadlines import compute

D = dt.date


def test_oa_reply_saturday_rolls_to_monday_and_final_is_six_months() -> None:
    result = compute("us.oa_reply", "2024-03-15")
    assert result.due_date == D(2024, 6, 17)  # 2024-06-15 is a Saturday
    assert result.final_date == D(2024, 9, 16)  # 2024-09-15 is a Sunday
    assert result.extendable is True
    assert "35 USC 133" in result.citation
    text = "\n".join(result.explanation)
    assert "2024-06-15 (Saturday)" in text and "35 USC 21(b)" in text


def test_mpep_710_01a_november_30_and_february_28() -> None:
    assert compute("us.oa_reply", "2022-11-30").due_date == D(2023, 2, 28)
    assert compute("us.oa_reply", "2023-11-30").due_date == D(2024, 2, 29)
    # Feb 28 + 3 months is May 28 (not May 31); 2023-05-28 is a Sunday before Memorial Day.
    result = compute("us.oa_reply", "2023-02-28")
    assert result.due_date == D(2023, 5, 30)
    assert any("→ 2023-05-28 (Sunday)" in line for line in result.explanation)


def test_extension_runs_from_the_original_period_end_not_the_rolled_date() -> None:
    # MPEP 710.01(a): Jan 31 + 3 months = Apr 30; a 1-month extension runs to May 31, whatever
    # day Apr 30 is. In 2022 Apr 30 is a Saturday: the unextended reply is due Monday May 2,
    # but the extended one is due May 31, not June 2.
    plain = compute("us.oa_reply", "2022-01-31")
    extended = compute("us.oa_reply", "2022-01-31", extension_months=1)
    assert plain.due_date == D(2022, 5, 2)
    assert extended.due_date == D(2022, 5, 31)
    assert extended.final_date == plain.final_date == D(2022, 8, 1)  # Jul 31 2022 is a Sunday


def test_extension_up_to_the_statutory_limit() -> None:
    result = compute("us.oa_reply", "2024-01-10", extension_months=3)
    assert result.due_date == result.final_date == D(2024, 7, 10)
    short = compute("us.oa_reply", "2024-01-10", period_months=2, extension_months=4)
    assert short.due_date == D(2024, 7, 10)


def test_period_ending_saturday_before_monday_holiday_rolls_to_tuesday() -> None:
    result = compute("us.oa_reply", "2024-05-31")  # + 3 months = Sat 2024-08-31, Labor Day
    assert result.due_date == D(2024, 9, 3)
    assert any("Labor Day" in line for line in result.explanation)


def test_calendar_traps_in_us_deadlines() -> None:
    # Christmas Eve 2024 (EO) then Christmas: due Thursday 26th.
    assert compute("us.issue_fee", "2024-09-24").due_date == D(2024, 12, 26)
    # Carter day of mourning, 2025-01-09.
    assert compute("us.issue_fee", "2024-10-09").due_date == D(2025, 1, 10)
    # 2025-12-24, 25, 26 closed → Monday 29th.
    assert compute("us.issue_fee", "2025-09-24").due_date == D(2025, 12, 29)
    # Not closures: DC Emancipation Day, Good Friday, the day after Thanksgiving.
    assert compute("us.issue_fee", "2025-01-16").due_date == D(2025, 4, 16)
    assert compute("us.issue_fee", "2023-12-29").due_date == D(2024, 3, 29)
    assert compute("us.issue_fee", "2024-08-29").due_date == D(2024, 11, 29)
    # Observed days: 2026-07-03 (for Sat Jul 4) and 2027-12-31 (for Sat 1 Jan 2028).
    assert compute("us.issue_fee", "2026-04-03").due_date == D(2026, 7, 6)
    assert compute("us.oa_reply", "2027-10-31", period_months=2).due_date == D(2028, 1, 3)


def test_issue_fee_is_absolute() -> None:
    result = compute("us.issue_fee", "2024-02-01")
    assert result.due_date == D(2024, 5, 1)
    assert result.final_date is None
    assert result.extendable is False
    assert "37 CFR 1.311" in result.citation


def test_maintenance_fee_window_and_grace_period() -> None:
    # Granted Tue 2021-08-31: window closes 3.5 years later on Feb 28 (no 31st), grace ends
    # 4 years later on Sun 2025-08-31 → Mon Sep 1 is Labor Day → Tue Sep 2 (MPEP 2506).
    result = compute("us.maintenance_fee", "2021-08-31", stage="3.5")
    assert result.due_date == D(2025, 2, 28)
    assert result.final_date == D(2025, 9, 2)
    assert result.extendable is False
    assert any("2024-08-31" in line for line in result.explanation)  # window opens
    later = compute("us.maintenance_fee", "2021-08-31", stage=7.5)
    assert (later.due_date, later.final_date) == (D(2029, 2, 28), D(2029, 8, 31))
    last = compute("us.maintenance_fee", "2021-08-31", stage="11.5")
    assert (last.due_date, last.final_date) == (D(2033, 2, 28), D(2033, 8, 31))
    assert last.params["stage"] == "11.5"


def test_provisional_conversion_rolls_under_37_cfr_1_7b() -> None:
    result = compute("us.provisional_conversion", "2024-02-29")
    assert result.due_date == D(2025, 2, 28)
    assert result.final_date is None
    weekend = compute("us.provisional_conversion", "2024-01-20")  # 2025-01-20: MLK/Inauguration
    assert weekend.due_date == D(2025, 1, 21)


def test_an_unannounced_christmas_eve_closure_is_flagged_not_guessed() -> None:
    assert compute("us.issue_fee", "2026-03-02").warnings == ()
    result = compute("us.issue_fee", "2026-09-24")  # +3 months: Thursday 2026-12-24
    assert result.due_date == dt.date(2026, 12, 24)
    assert result.warnings and "2026-12-28" in result.warnings[0]
    assert any(line.startswith("WARNING:") for line in result.explanation)
