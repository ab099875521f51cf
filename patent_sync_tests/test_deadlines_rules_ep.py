"""EPO rules: Rules 126(2)/131/134 worked examples, Rule 71(3), opposition, renewal fees."""

from __future__ import annotations

import datetime as dt

from patent_sync.deadlines import compute

D = dt.date


def test_period_ending_on_corpus_christi_2024_moves_to_the_next_day() -> None:
    # The 30 May 2024 closure (Guidelines E-II 2.4 example; Munich office closed).
    result = compute("ep.communication_reply", "2024-01-30", period_months=4)
    assert result.due_date == D(2024, 5, 31)
    assert any("Corpus Christi" in line for line in result.explanation)
    assert result.warnings == ()


def test_new_rule_126_2_notified_on_the_date_it_bears() -> None:
    # Dated 1 Dec 2023, 4 months → 1 Apr 2024, Easter Monday → Tuesday 2 Apr (Rule 134(1)).
    result = compute("ep.communication_reply", "2023-12-01", period_months=4)
    assert result.due_date == D(2024, 4, 2)
    assert result.extendable is True


def test_new_rule_126_2_late_receipt_adds_the_days_beyond_seven_before_rule_134() -> None:
    # Received 13 Dec: 12 days, 5 beyond seven → 1 Apr + 5 = Sat 6 Apr → Monday 8 Apr.
    late = compute(
        "ep.communication_reply", "2023-12-01", period_months=4, received_date="2023-12-13"
    )
    assert late.due_date == D(2024, 4, 8)
    assert late.params["received_date"] == "2023-12-13"
    on_time = compute(
        "ep.communication_reply", "2023-12-01", period_months=4, received_date="2023-12-08"
    )
    assert on_time.due_date == D(2024, 4, 2)  # 7 days: no effect


def test_old_ten_day_rule_for_documents_dated_before_1_november_2023() -> None:
    # T 2056/08: dated 21 Jul 2008 + 10 days = 31 Jul, + 2 months = 30 Sep 2008 (not 1 Oct).
    result = compute("ep.communication_reply", "2008-07-21", period_months=2)
    assert result.due_date == D(2008, 9, 30)
    assert "EPO closure days for 2008 are not in the shipped calendar" in result.warnings[0]
    # Last day of the old regime vs the first day of the new one.
    assert compute("ep.communication_reply", "2023-10-31", period_months=4).due_date == D(
        2024, 3, 11
    )  # deemed notified 10 Nov 2023, + 4 months = Sun 10 Mar 2024 → Mon 11 Mar
    assert compute("ep.communication_reply", "2023-11-01", period_months=4).due_date == D(
        2024, 3, 1
    )


def test_old_rule_document_arriving_after_the_tenth_day_is_notified_on_arrival() -> None:
    result = compute(
        "ep.communication_reply", "2023-06-01", period_months=2, received_date="2023-06-20"
    )
    assert result.due_date == D(2023, 8, 21)  # 20 Aug 2023 is a Sunday


def test_extension_granted_under_rule_132_counts_from_notification() -> None:
    result = compute("ep.communication_reply", "2024-03-04", period_months=4, extension_months=2)
    assert result.due_date == D(2024, 9, 4)


def test_christmas_closures_at_the_epo() -> None:
    first = compute("ep.communication_reply", "2024-08-24", period_months=4)
    assert first.due_date == D(2025, 1, 2)
    second = compute("ep.communication_reply", "2025-08-29", period_months=4)
    assert second.due_date == D(2026, 1, 2)


def test_uncertain_closure_day_gives_the_earlier_date_and_a_warning() -> None:
    result = compute("ep.communication_reply", "2025-01-05", period_months=4)
    assert result.due_date == D(2025, 5, 5)  # Liberation Day 2025: uncertain, treated as open
    assert any("2025-05-06" in warning for warning in result.warnings)
    assert any(line.startswith("WARNING:") and "treated as open" in line for line in
               result.explanation)  # fmt: skip


def test_r71_3_four_months_not_extendable() -> None:
    result = compute("ep.r71_3", "2024-01-05")
    assert result.due_date == D(2024, 5, 6)  # 5 May 2024 is a Sunday
    assert result.extendable is False and result.final_date is None


def test_examination_request_and_opposition_have_no_notification_fiction() -> None:
    exam = compute("ep.examination_request", "2023-10-18")  # a Bulletin date before Nov 2023
    assert exam.due_date == D(2024, 4, 18)
    opposition = compute("ep.opposition", "2024-02-28")
    assert opposition.due_date == D(2024, 11, 28)
    assert opposition.extendable is False
    assert "Art. 99(1)" in opposition.citation
    # A 9-month period ending on 31 Dec 2025 runs into the year-end closure.
    assert compute("ep.opposition", "2025-03-31").due_date == D(2026, 1, 2)


def test_renewal_fee_guidelines_a_x_5_2_4_example_a() -> None:
    third = compute("ep.renewal_fee", "2016-11-15", year=3)
    assert third.due_date == D(2018, 11, 30)
    assert third.final_date == D(2019, 5, 31)
    fourth = compute("ep.renewal_fee", "2016-11-15", year=4)
    # Due 30 Nov 2019, a Saturday: still payable on the next working day (Rule 134(1)).
    assert fourth.due_date == D(2019, 12, 2)
    assert any("2019-11-30" in line for line in fourth.explanation)


def test_renewal_fee_grace_period_runs_month_end_to_month_end_j_4_91() -> None:
    # Due 28 Feb 2023 → the grace period ends 31 Aug 2023, not 28 Aug.
    result = compute("ep.renewal_fee", "2021-02-10", year=3)
    assert result.due_date == D(2023, 2, 28)
    assert result.final_date == D(2023, 8, 31)
    # Due date on a closure (31 Dec 2024): grace still counted from 31 Dec → 30 Jun 2025.
    closed = compute("ep.renewal_fee", "2022-12-05", year=3)
    assert closed.due_date == D(2025, 1, 2)
    assert closed.final_date == D(2025, 6, 30)


def test_euro_pct_third_year_fee_deferred_to_the_31_month_limit() -> None:
    # Guidelines A-X 5.2.4 example B: 31 months (15 Feb 2019) ends before the Rule 51(1)
    # date (31 Jul 2019), so there is no deferral.
    example_b = compute(
        "ep.renewal_fee", "2017-07-14", year=3, euro_pct=True, priority_date="2016-07-15"
    )
    assert example_b.due_date == D(2019, 7, 31)
    # No priority claimed: the 3rd-year fee (31 Mar 2024) would fall due before 31 months
    # (10 Oct 2024), so it falls due then; the grace period runs 6 months from that date.
    deferred = compute(
        "ep.renewal_fee", "2022-03-10", year="3", euro_pct="true", priority_date="2022-03-10"
    )
    assert deferred.due_date == D(2024, 10, 10)
    assert deferred.final_date == D(2025, 4, 10)
    assert any("Rule 159(1)(g)" in line for line in deferred.explanation)
