"""USPTO notice of appeal, appeal brief, missing parts, priority claim and broadening reissue,
worked by hand from 37 CFR and 35 USC.

Month periods follow MPEP 710.01(a) (a period ending in a month without the trigger's day ends
on its last day); a period ending on a Saturday, Sunday or federal holiday in the District of
Columbia moves to the next business day (35 USC 21(b), 37 CFR 1.7). Extensions bought under
37 CFR 1.136(a) are counted from the last calendar day of the original period.
"""

from __future__ import annotations

import datetime as dt

import pytest

from patent_sync.deadlines import (
    ExtensionNotAllowedError,
    InvalidParameterError,
    NoTimeLimitError,
    TimeBarredError,
    compute,
)

D = dt.date


# --- notice of appeal (37 CFR 41.31(a)(1)) -----------------------------------------------------


@pytest.mark.parametrize(
    ("mailed", "params", "due", "final"),
    [
        # Final rejection mailed Fri 15 Mar 2024, 3-month period: Sat 15 Jun → Mon 17 Jun 2024;
        # statutory limit 6 months: Sun 15 Sep → Mon 16 Sep 2024 (35 USC 133).
        ("2024-03-15", {}, D(2024, 6, 17), D(2024, 9, 16)),
        # Two months' extension: 5 months from the mailing = Thu 15 Aug 2024.
        ("2024-03-15", {"extension_months": 2}, D(2024, 8, 15), D(2024, 9, 16)),
        # Mailed Thu 30 Nov 2023: Thu 29 Feb 2024 (MPEP 710.01(a)'s own example, leap year);
        # 6 months = Thu 30 May 2024.
        ("2023-11-30", {}, D(2024, 2, 29), D(2024, 5, 30)),
        # Mailed 4 Apr 2024: Thu 4 Jul 2024, Independence Day → Fri 5 Jul; limit Fri 4 Oct 2024.
        ("2024-04-04", {}, D(2024, 7, 5), D(2024, 10, 4)),
    ],
)
def test_notice_of_appeal_shares_the_reply_period(
    mailed: str, params: dict, due: dt.date, final: dt.date
) -> None:
    result = compute("us.notice_of_appeal", mailed, **params)
    assert (result.due_date, result.final_date) == (due, final)
    assert result.extendable is True
    assert "41.31(a)(1)" in result.citation


def test_notice_of_appeal_extension_cannot_pass_six_months() -> None:
    with pytest.raises(ExtensionNotAllowedError, match=r"6-month limit \(35 USC 133\)"):
        compute("us.notice_of_appeal", "2024-03-15", extension_months=4)
    with pytest.raises(InvalidParameterError, match="35 USC 133 allows at most 6 months"):
        compute("us.notice_of_appeal", "2024-03-15", period_months=7)


# --- appeal brief (37 CFR 41.37) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "extension", "due", "final"),
    [
        # Notice filed Mon 20 May 2024: +2 months = Sat 20 Jul → Mon 22 Jul 2024; +7 months
        # (five of extension, 37 CFR 1.136(a)) = Fri 20 Dec 2024.
        ("2024-05-20", 0, D(2024, 7, 22), D(2024, 12, 20)),
        ("2024-05-20", 5, D(2024, 12, 20), D(2024, 12, 20)),
        # Filed Sun 31 Dec 2023 (electronic filing): +2 = Thu 29 Feb 2024; +7 = Wed 31 Jul 2024.
        ("2023-12-31", 0, D(2024, 2, 29), D(2024, 7, 31)),
        # Filed 27 Mar 2024: Mon 27 May 2024 is Memorial Day → Tue 28 May; +7 = Sun 27 Oct →
        # Mon 28 Oct 2024.
        ("2024-03-27", 0, D(2024, 5, 28), D(2024, 10, 28)),
        # Filed 20 Nov 2024: Mon 20 Jan 2025 is both Martin Luther King Day and Inauguration
        # Day → Tue 21 Jan 2025; +7 = Fri 20 Jun 2025.
        ("2024-11-20", 0, D(2025, 1, 21), D(2025, 6, 20)),
    ],
)
def test_appeal_brief_two_months_extendable_to_seven(
    filed: str, extension: int, due: dt.date, final: dt.date
) -> None:
    result = compute("us.appeal_brief", filed, extension_months=extension)
    assert (result.due_date, result.final_date) == (due, final)
    assert any("35 USC 133's six months do not cap it" in line for line in result.explanation)


def test_appeal_brief_at_most_five_months_of_extension() -> None:
    with pytest.raises(ExtensionNotAllowedError, match="at most 5 month"):
        compute("us.appeal_brief", "2024-05-20", extension_months=6)
    with pytest.raises(InvalidParameterError, match="cannot be negative"):
        compute("us.appeal_brief", "2024-05-20", extension_months=-1)


# --- missing parts (37 CFR 1.53(f)) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("mailed", "extension", "due", "final"),
    [
        # US 17/248,024: INCD mailed Fri 29 Jan 2021 → Mon 29 Mar 2021 (the fees were paid on
        # 26 Mar and the Office found the application complete on 30 Mar); +7 months = Sun 29
        # Aug → Mon 30 Aug 2021.
        ("2021-01-29", 0, D(2021, 3, 29), D(2021, 8, 30)),
        ("2021-01-29", 1, D(2021, 4, 29), D(2021, 8, 30)),
        # Mailed 29 Dec 2023: Thu 29 Feb 2024; +7 = Mon 29 Jul 2024.
        ("2023-12-29", 0, D(2024, 2, 29), D(2024, 7, 29)),
        # Mailed 19 Apr 2024: Wed 19 Jun 2024, Juneteenth → Thu 20 Jun; +7 = Tue 19 Nov 2024.
        ("2024-04-19", 0, D(2024, 6, 20), D(2024, 11, 19)),
    ],
)
def test_missing_parts_two_months_extendable_to_seven(
    mailed: str, extension: int, due: dt.date, final: dt.date
) -> None:
    result = compute("us.missing_parts", mailed, extension_months=extension)
    assert (result.due_date, result.final_date) == (due, final)


def test_missing_parts_extension_limit() -> None:
    with pytest.raises(ExtensionNotAllowedError, match="7-month limit"):
        compute("us.missing_parts", "2021-01-29", extension_months=6)


# --- priority claim (37 CFR 1.55(d)(1), 1.78) --------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "params", "due", "which"),
    [
        # Filed Fri 15 Mar 2024, foreign priority 20 Mar 2023: 4 months = Mon 15 Jul 2024,
        # 16 months = Sat 20 Jul 2024; the later → Mon 22 Jul 2024.
        ("2024-03-15", {"priority_date": "2023-03-20"}, D(2024, 7, 22), "16 months"),
        # Priority 1 Sep 2023: 16 months = Wed 1 Jan 2025, New Year's Day → Thu 2 Jan 2025.
        ("2024-03-15", {"priority_date": "2023-09-01"}, D(2025, 1, 2), "16 months"),
        # Continuation filed 15 Mar 2024 of a 2020 parent: 16 months long past, 4 months from
        # filing = Mon 15 Jul 2024 wins.
        (
            "2024-03-15",
            {"priority_date": "2020-01-10", "basis": "domestic"},
            D(2024, 7, 15),
            "4 months from filing",
        ),
        # Filed Tue 31 Oct 2023 (domestic benefit of a 2019 parent): 4 months = Thu 29 Feb 2024.
        (
            "2023-10-31",
            {"priority_date": "2019-05-01", "basis": "domestic"},
            D(2024, 2, 29),
            "4 months from filing",
        ),
    ],
)
def test_priority_claim_the_later_of_four_and_sixteen_months(
    filed: str, params: dict, due: dt.date, which: str
) -> None:
    result = compute("us.priority_claim", filed, **params)
    assert result.due_date == due
    assert result.extendable is False
    assert any(f"({which}" in line for line in result.explanation)


def test_priority_claim_after_the_priority_year_needs_restoration() -> None:
    # Priority Fri 24 Mar 2023: the year ends Sun 24 Mar 2024 → Mon 25 Mar 2024 (35 USC 21(b)).
    # Restoration (37 CFR 1.55(c)) is possible for a filing within two months after it: Sat 25
    # May → Mon 27 May Memorial Day → Tue 28 May 2024. Filed 10 May 2024: within, so the claim
    # is due the later of 4 months (Tue 10 Sep 2024) and 16 months (Wed 24 Jul 2024).
    result = compute("us.priority_claim", "2024-05-10", priority_date="2023-03-24")
    assert result.due_date == D(2024, 9, 10)
    assert any("37 CFR 1.55(c)" in line for line in result.explanation)
    with pytest.raises(TimeBarredError, match=r"ended 2024-05-28"):
        compute("us.priority_claim", "2024-06-03", priority_date="2023-03-24")


def test_priority_claim_in_a_design_application() -> None:
    # No 4/16-month period for a design application (MPEP 214.01): refused with what applies.
    with pytest.raises(NoTimeLimitError, match="while the application is pending"):
        compute(
            "us.priority_claim", "2024-05-10", priority_date="2024-01-10", application_type="design"
        )
    with pytest.raises(NoTimeLimitError, match="35 USC 172"):
        compute(
            "us.priority_claim",
            "2024-05-10",
            priority_date="2023-01-10",
            application_type="design",
            basis="domestic",
        )
    # Designs have six months (35 USC 172): priority Wed 10 Jan 2024 → Wed 10 Jul 2024, plus
    # two months of restoration → Tue 10 Sep 2024; filed 20 Sep 2024 is too late.
    with pytest.raises(TimeBarredError, match="6-month priority period"):
        compute(
            "us.priority_claim", "2024-09-20", priority_date="2024-01-10", application_type="design"
        )


def test_priority_claim_refuses_a_later_earlier_application() -> None:
    with pytest.raises(InvalidParameterError, match="is after the filing date"):
        compute("us.priority_claim", "2024-03-15", priority_date="2024-03-16")
    with pytest.raises(InvalidParameterError, match="must be one of foreign, domestic"):
        compute("us.priority_claim", "2024-03-15", priority_date="2023-03-20", basis="paris")


# --- broadening reissue (35 USC 251(d)) --------------------------------------------------------


@pytest.mark.parametrize(
    ("granted", "due"),
    [
        # Granted Tue 12 Mar 2024: two years = Thu 12 Mar 2026.
        ("2024-03-12", D(2026, 3, 12)),
        # Granted Tue 29 Feb 2028 (leap day): 2030 has no 29 Feb → Thu 28 Feb 2030.
        ("2028-02-29", D(2030, 2, 28)),
        # Granted 4 Jul 2023: Fri 4 Jul 2025, Independence Day → Mon 7 Jul 2025.
        ("2023-07-04", D(2025, 7, 7)),
        # Granted 20 Jan 2023: Mon 20 Jan 2025, MLK Day and Inauguration Day → Tue 21 Jan 2025.
        ("2023-01-20", D(2025, 1, 21)),
    ],
)
def test_reissue_broadening_two_years_from_grant(granted: str, due: dt.date) -> None:
    result = compute("us.reissue_broadening", granted)
    assert result.due_date == due
    assert result.extendable is False and result.final_date is None
    assert any("statutory bar" in line for line in result.explanation)


def test_reissue_broadening_takes_no_extension() -> None:
    with pytest.raises(InvalidParameterError, match="this rule takes no parameters"):
        compute("us.reissue_broadening", "2024-03-12", extension_months=1)
