"""EPO appeal, unitary effect, Rules 161/162, designation fee and Rule 70a reply, by hand.

Decisions and communications are notified documents (Rule 126(2): from 1 Nov 2023 notified
on the date they bear, before that on the tenth day after); Bulletin mentions and the ISR
publication are publications and count from their date. Month ends follow Rule 131(4); every
period end is extended under Rule 134(1) over the closing days of the shipped table (2024-2026)
or, in other years, over the closing days that recur by law every year.
"""

from __future__ import annotations

import datetime as dt

import pytest

from patent_sync.deadlines import (
    InvalidParameterError,
    NoTimeLimitError,
    RemedyNotAvailableError,
    compute,
)

D = dt.date


# --- appeal (Art. 108) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dated", "notice", "grounds"),
    [
        # Decision dated Thu 28 Mar 2024: notice +2 months = Tue 28 May 2024; grounds +4 months
        # = Sun 28 Jul 2024 → Mon 29 Jul 2024.
        ("2024-03-28", D(2024, 5, 28), D(2024, 7, 29)),
        # Dated 19 Feb 2025: notice = Sat 19 Apr 2025 → Sun → Mon 21 Apr Easter Monday → Tue 22
        # Apr; grounds = Thu 19 Jun 2025, Corpus Christi (Munich) → Fri 20 Jun 2025.
        ("2025-02-19", D(2025, 4, 22), D(2025, 6, 20)),
        # Dated 29 Dec 2023: notice = Thu 29 Feb 2024 (leap day); grounds = Mon 29 Apr 2024.
        ("2023-12-29", D(2024, 2, 29), D(2024, 4, 29)),
        # Dated 31 Oct 2024: notice = Tue 31 Dec 2024, year-end closure → Thu 2 Jan 2025;
        # grounds: February 2025 has no 31st → Fri 28 Feb 2025 (Rule 131(4)).
        ("2024-10-31", D(2025, 1, 2), D(2025, 2, 28)),
        # Dated 31 Aug 2023, before 1 Nov 2023: deemed notified Sun 10 Sep 2023 (Rule 134 does
        # not touch the ten days); notice = Fri 10 Nov 2023; grounds = Wed 10 Jan 2024.
        ("2023-08-31", D(2023, 11, 10), D(2024, 1, 10)),
    ],
)
def test_appeal_notice_two_months_grounds_four(
    dated: str, notice: dt.date, grounds: dt.date
) -> None:
    assert compute("ep.appeal", dated, act="notice").due_date == notice
    by_grounds = compute("ep.appeal", dated, act="grounds")
    assert by_grounds.due_date == grounds
    # The grounds' working also shows when the notice and fee are due.
    assert any(notice.isoformat() in line for line in by_grounds.explanation)
    assert by_grounds.extendable is False


def test_appeal_needs_the_act() -> None:
    with pytest.raises(InvalidParameterError, match="parameter 'act' is required"):
        compute("ep.appeal", "2024-03-28")
    with pytest.raises(InvalidParameterError, match="must be one of notice, grounds"):
        compute("ep.appeal", "2024-03-28", act="reply")
    # Any case is accepted and echoed as the canonical value.
    assert compute("ep.appeal", "2024-03-28", act="NOTICE").params["act"] == "notice"


# --- unitary effect (Rule 6(1) UPR) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("mention", "due"),
    [
        # Mention Wed 29 May 2024: +1 month = Sat 29 Jun → Mon 1 Jul 2024.
        ("2024-05-29", D(2024, 7, 1)),
        # Mention Wed 31 Jan 2024: +1 month = Thu 29 Feb 2024 (leap year, Rule 131(4)).
        ("2024-01-31", D(2024, 2, 29)),
        # Mention Wed 29 Jan 2025: February 2025 has no 29th → Fri 28 Feb 2025.
        ("2025-01-29", D(2025, 2, 28)),
        # Mention 29 Apr 2025: +1 month = Thu 29 May 2025, Ascension Day → Fri 30 May.
        ("2025-04-29", D(2025, 5, 30)),
        # Mention 7 May 2025: Sat 7 Jun, Sun 8 Jun, Mon 9 Jun Whit Monday → Tue 10 Jun 2025.
        ("2025-05-07", D(2025, 6, 10)),
    ],
)
def test_unitary_effect_one_month_from_the_mention(mention: str, due: dt.date) -> None:
    result = compute("ep.unitary_effect", mention)
    assert result.due_date == due
    assert result.extendable is False and result.final_date is None


def test_unitary_effect_working_names_the_re_establishment_window() -> None:
    # Due Mon 1 Jul 2024; Rule 22(2) UPR: two months from the expiry = Sun 1 Sep → Mon 2 Sep.
    result = compute("ep.unitary_effect", "2024-05-29")
    assert any("Rule 22 UPR" in line and "2024-09-02" in line for line in result.explanation)
    assert any("no further processing" in line for line in result.explanation)


def test_unitary_effect_before_the_upc_agreement_is_refused() -> None:
    with pytest.raises(RemedyNotAvailableError, match="on or after 2023-06-01"):
        compute("ep.unitary_effect", "2023-05-31")
    # 1 June 2023 itself: +1 month = Sat 1 Jul → Mon 3 Jul 2023 (certain closures only, and
    # 2023 precedes the shipped tables, so the result says so).
    first = compute("ep.unitary_effect", "2023-06-01")
    assert first.due_date == D(2023, 7, 3)
    assert first.warnings and "2023" in first.warnings[0]


# --- Rules 161/162 (Euro-PCT) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dated", "due"),
    [
        # Dated Fri 12 Jan 2024: +6 months = Fri 12 Jul 2024.
        ("2024-01-12", D(2024, 7, 12)),
        # Dated 31 Aug 2023 (old rule): notified Sun 10 Sep 2023; +6 = Sun 10 Mar 2024 → Mon 11.
        ("2023-08-31", D(2024, 3, 11)),
        # Dated 31 Aug 2024: +6 months, no 31 Feb → Fri 28 Feb 2025.
        ("2024-08-31", D(2025, 2, 28)),
        # Dated 1 Nov 2024: +6 = Thu 1 May 2025, Labour Day → Fri 2 May 2025.
        ("2024-11-01", D(2025, 5, 2)),
        # Dated 1 Jul 2026: +6 = Fri 1 Jan 2027, New Year's Day (certain every year; no 2027
        # table) → Mon 4 Jan 2027, with no warning.
        ("2026-07-01", D(2027, 1, 4)),
    ],
)
def test_rules_161_162_six_months(dated: str, due: dt.date) -> None:
    result = compute("ep.r161_162", dated)
    assert result.due_date == due
    if dated >= "2023-11-01":
        assert result.warnings == ()


def test_rules_161_162_before_the_six_month_period() -> None:
    with pytest.raises(NoTimeLimitError, match=r"ep\.communication_reply"):
        compute("ep.r161_162", "2011-04-29")


# --- designation fee (Rule 39(1); Rule 159(1)(d)) ----------------------------------------------


def test_designation_fee_direct() -> None:
    # Mention Wed 10 Jan 2024: +6 months = Wed 10 Jul 2024.
    assert compute("ep.designation_fee", "2024-01-10").due_date == D(2024, 7, 10)
    # Mention Thu 31 Aug 2023: +6 months = Thu 29 Feb 2024 (leap year; no 31 Feb).
    assert compute("ep.designation_fee", "2023-08-31").due_date == D(2024, 2, 29)


def test_designation_fee_euro_pct_the_31_months_win() -> None:
    # ISR published Thu 14 Mar 2024 → 6 months = Sat 14 Sep 2024. Priority 20 Sep 2022 →
    # 31 months = Sun 20 Apr 2025 (Easter Sunday). The later wins: Sun, Mon 21 Apr Easter
    # Monday → Tue 22 Apr 2025. The working shows both periods.
    result = compute("ep.designation_fee", "2024-03-14", euro_pct=True, priority_date="2022-09-20")
    assert result.due_date == D(2025, 4, 22)
    text = "\n".join(result.explanation)
    assert "2024-09-14" in text and "2025-04-20" in text
    assert "31 months from priority" in text


def test_designation_fee_euro_pct_a_late_isr_wins() -> None:
    # Priority 10 Jan 2022 → 31 months = 10 Aug 2024; ISR published 5 Sep 2024 (late) → 6 months
    # = Wed 5 Mar 2025, later: due then.
    result = compute("ep.designation_fee", "2024-09-05", euro_pct=True, priority_date="2022-01-10")
    assert result.due_date == D(2025, 3, 5)
    assert any("6 months from the ISR" in line for line in result.explanation)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"euro_pct": True}, "priority_date is required for a Euro-PCT"),
        ({"priority_date": "2022-01-10"}, "priority_date only matters for a Euro-PCT"),
        ({"euro_pct": True, "priority_date": "2024-10-01"}, "is after the publication"),
    ],
)
def test_designation_fee_refuses_inconsistent_requests(params: dict, words: str) -> None:
    with pytest.raises(InvalidParameterError, match=words):
        compute("ep.designation_fee", "2024-09-05", **params)


# --- Rule 70a reply ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "params", "due"),
    [
        # Direct: mention Wed 17 Apr 2024 → +6 months = Thu 17 Oct 2024.
        ("2024-04-17", {"variant": "direct"}, D(2024, 10, 17)),
        # Direct: mention 24 Jun 2024 → Tue 24 Dec 2024, year-end closure → Thu 2 Jan 2025.
        ("2024-06-24", {"variant": "direct"}, D(2025, 1, 2)),
        # Euro-PCT: Rules 70(2)/70a(2) communication dated 15 Feb 2024 → +6 months = Thu 15 Aug
        # 2024, Assumption Day (Munich) → Fri 16 Aug 2024.
        ("2024-02-15", {"variant": "euro_pct"}, D(2024, 8, 16)),
        # Received 26 Feb: 11 days, 4 beyond seven → 15 Aug + 4 = Mon 19 Aug 2024.
        ("2024-02-15", {"variant": "euro_pct", "received_date": "2024-02-26"}, D(2024, 8, 19)),
    ],
)
def test_rule_70a_reply(trigger: str, params: dict, due: dt.date) -> None:
    assert compute("ep.r70a_response", trigger, **params).due_date == due


def test_rule_70a_refusals() -> None:
    with pytest.raises(InvalidParameterError, match="parameter 'variant' is required"):
        compute("ep.r70a_response", "2024-04-17")
    with pytest.raises(InvalidParameterError, match="received_date only applies"):
        compute("ep.r70a_response", "2024-04-17", variant="direct", received_date="2024-04-20")
    with pytest.raises(NoTimeLimitError, match=r"ep\.examination_request"):
        compute("ep.r70a_response", "2010-03-31", variant="direct")
