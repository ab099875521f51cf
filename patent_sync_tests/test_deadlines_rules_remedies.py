"""EPO remedies after a missed period, worked by hand from the EPC and the EPO's closing days.

Further processing: Art. 121, Rule 135(1) (two months from the communication, notified under
Rule 126(2)), Art. 121(4) and Rule 135(2) (the periods it is ruled out for, as in force since
1 November 2022). Re-establishment: Art. 122, Rule 136(1) (two months from the removal of the
cause, at most one year from the expiry; for Art. 87(1) and Art. 112a(4) two months from the
expiry), Art. 122(4) and Rule 136(3) (where it is ruled out). Every period end is extended
under Rule 134(1) to the first day all filing offices are open.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from patent_sync.deadlines import (
    DeadlineError,
    InvalidParameterError,
    NoTimeLimitError,
    RemedyNotAvailableError,
    TimeBarredError,
    compute,
)

D = dt.date


# --- further processing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dated", "due", "working"),
    [
        # Dated Thu 2 May 2024 (new Rule 126(2): notified that day); +2 months = Tue 2 Jul 2024.
        ("2024-05-02", D(2024, 7, 2), "no roll-forward"),
        # Dated 31 Dec 2024; +2 months: February 2025 has no 31st, so Fri 28 Feb (Rule 131(4)).
        ("2024-12-31", D(2025, 2, 28), "so the period ends on its last day"),
        # Dated 29 Dec 2023; +2 months = Thu 29 Feb 2024, a leap day.
        ("2023-12-29", D(2024, 2, 29), "2024-02-29 (Thursday)"),
        # Dated 18 Feb 2025; +2 months = Fri 18 Apr 2025, Good Friday; Sat, Sun, Mon 21 Apr
        # Easter Monday (all 2025 closures of the shipped table) → Tue 22 Apr 2025.
        ("2025-02-18", D(2025, 4, 22), "Good Friday"),
    ],
)
def test_further_processing_two_months_from_the_communication(
    dated: str, due: dt.date, working: str
) -> None:
    result = compute("ep.further_processing", dated)
    assert result.due_date == due
    assert result.final_date is None and result.extendable is False
    assert any(working in line for line in result.explanation)
    assert result.warnings == ()


def test_further_processing_under_the_old_ten_day_rule() -> None:
    # Dated 21 Mar 2023, before 1 Nov 2023: deemed notified ten days later, Fri 31 Mar 2023;
    # +2 months = Wed 31 May 2023 (Whit Monday was 29 May, Corpus Christi 8 June). 2023 has no
    # shipped table and precedes the first one: the result says so.
    result = compute("ep.further_processing", "2023-03-21")
    assert result.due_date == D(2023, 5, 31)
    assert result.warnings[0].startswith("EPO closure days for 2023 are not in the shipped")


def test_further_processing_late_receipt_adds_the_days_beyond_seven() -> None:
    # Dated 2 May 2024, received 14 May: 12 days, 5 beyond seven (Rule 126(2), last sentence).
    # 2 Jul 2024 + 5 days = Sun 7 Jul → Mon 8 Jul 2024.
    result = compute("ep.further_processing", "2024-05-02", received_date="2024-05-14")
    assert result.due_date == D(2024, 7, 8)


def test_missed_rule_is_kept_in_its_canonical_spelling() -> None:
    result = compute("ep.further_processing", "2024-05-02", missed_rule="R. 71 (3) EPC")
    assert result.params["missed_rule"] == "Rule 71(3)"
    assert result.due_date == D(2024, 7, 2)
    assert any("not ruled out" in line for line in result.explanation)


# Every period Art. 121(4) and Rule 135(2) (as amended by CA/D 2/21, in force 1 Nov 2022) rule
# further processing out for.
EXCLUDED = [
    "Art. 87(1)",
    "Art. 108",
    "Art. 112a(4)",
    "Rule 6(1)",
    "Rule 16(1)(a)",
    "Rule 31(2)",
    "Rule 36(2)",
    "Rule 40(3)",
    "Rule 51(2)",
    "Rule 51(3)",
    "Rule 51(4)",
    "Rule 51(5)",
    "Rule 52(2)",
    "Rule 52(3)",
    "Rule 55",
    "Rule 56",
    "Rule 56a(1)",
    "Rule 56a(3)",
    "Rule 56a(4)",
    "Rule 56a(5)",
    "Rule 56a(6)",
    "Rule 56a(7)",
    "Rule 58",
    "Rule 59",
    "Rule 62a",
    "Rule 63",
    "Rule 64",
    "Rule 112(2)",
    "Rule 135(1)",
    "Rule 136(1)",
    "Rule 164(1)",
    "Rule 164(2)",
]


@pytest.mark.parametrize("missed", EXCLUDED)
def test_further_processing_is_refused_for_every_excluded_period(missed: str) -> None:
    with pytest.raises(RemedyNotAvailableError) as caught:
        compute("ep.further_processing", "2024-05-02", missed_rule=missed)
    message = str(caught.value)
    assert message.startswith("ep.further_processing: ")
    assert "\n" not in message
    if missed == "Rule 136(1)":
        assert "no remedy under the EPC" in message
    else:
        assert "ep.re_establishment" in message
    if missed in ("Art. 87(1)", "Art. 112a(4)"):
        assert "within two months of the expiry" in message


@pytest.mark.parametrize(
    "allowed",
    ["Rule 71(3)", "Art. 94(3)", "Rule 70(1)", "Rule 39(1)", "Rule 51(1)", "Rule 56a(2)",
     "Rule 16(1)(b)", "Rule 161(1)", "Rule 159(1)"],
)  # fmt: skip
def test_further_processing_is_open_for_the_periods_not_listed(allowed: str) -> None:
    assert compute("ep.further_processing", "2024-05-02", missed_rule=allowed).due_date == D(
        2024, 7, 2
    )


@pytest.mark.parametrize(
    ("missed", "words"),
    [
        ("Rule 51", "give the paragraph of Rule 51"),  # 51(1) is open to it, 51(2) is not
        ("Rule 16(1)", "give the lettered item of Rule 16(1)"),  # only 16(1)(a) is excluded
        ("Section 5", "must name an EPC provision"),
        ("Rule 999", "the EPC has no Rule 999"),
        ("Art. 0", "the EPC has no Article 0"),
    ],
)
def test_an_unclear_missed_rule_is_asked_again(missed: str, words: str) -> None:
    with pytest.raises(InvalidParameterError, match=re.escape(words)):
        compute("ep.further_processing", "2024-05-02", missed_rule=missed)


# --- re-establishment --------------------------------------------------------------------------


def test_re_establishment_two_months_from_the_removal_of_the_cause() -> None:
    # Missed limit expired Fri 1 Mar 2024; cause removed Mon 10 Jun 2024. Two months: Sat 10 Aug
    # 2024; one year from the expiry: Sat 1 Mar 2025. The earlier, 10 Aug, → Mon 12 Aug 2024.
    result = compute("ep.re_establishment", "2024-06-10", missed_time_limit_expiry="2024-03-01")
    assert result.due_date == D(2024, 8, 12)
    assert any("two months from the removal" in line for line in result.explanation)
    assert result.extendable is False


def test_re_establishment_is_capped_at_one_year_from_the_expiry() -> None:
    # Removed 10 Feb 2025: two months = 10 Apr 2025, but one year from 1 Mar 2024 = Sat 1 Mar
    # 2025 comes first → Sat, Sun → Mon 3 Mar 2025 (open in the 2025 table).
    capped = compute("ep.re_establishment", "2025-02-10", missed_time_limit_expiry="2024-03-01")
    assert capped.due_date == D(2025, 3, 3)
    assert any("the one-year limit" in line for line in capped.explanation)
    # Removed on the last day the one-year limit allows (Mon 3 Mar 2025): due that very day.
    last = compute("ep.re_establishment", "2025-03-03", missed_time_limit_expiry="2024-03-01")
    assert last.due_date == D(2025, 3, 3)


def test_re_establishment_after_the_one_year_limit_is_time_barred() -> None:
    with pytest.raises(TimeBarredError, match=r"by 2025-03-03 \(Rule 136\(1\)\)"):
        compute("ep.re_establishment", "2025-03-04", missed_time_limit_expiry="2024-03-01")


def test_re_establishment_one_year_and_the_leap_day() -> None:
    # Expiry Tue 28 Feb 2023; removed Fri 29 Dec 2023: two months = Thu 29 Feb 2024 (leap day),
    # but one year from 28 Feb 2023 = Wed 28 Feb 2024 (Rule 131(3)) is earlier.
    result = compute("ep.re_establishment", "2023-12-29", missed_time_limit_expiry="2023-02-28")
    assert result.due_date == D(2024, 2, 28)


@pytest.mark.parametrize(
    ("removed", "expiry", "missed", "due"),
    [
        # Priority period ended Thu 2 May 2024: two months from the expiry = Tue 2 Jul 2024,
        # whenever the cause was removed (Rule 136(1), second sentence).
        ("2024-05-20", "2024-05-02", "Art. 87(1)", D(2024, 7, 2)),
        # Ended Thu 31 Oct 2024: + 2 months = Tue 31 Dec 2024, inside the EPO year-end closure
        # (24 Dec 2024 to 1 Jan 2025) → Thu 2 Jan 2025.
        ("2024-11-20", "2024-10-31", "Art. 87(1)", D(2025, 1, 2)),
        # Petition for review (Art. 112a(4)) ended Wed 30 Apr 2025: + 2 months = Mon 30 Jun 2025.
        ("2025-05-02", "2025-04-30", "Art. 112a(4)", D(2025, 6, 30)),
    ],
)
def test_re_establishment_for_the_priority_period_runs_from_its_expiry(
    removed: str, expiry: str, missed: str, due: dt.date
) -> None:
    result = compute(
        "ep.re_establishment", removed, missed_time_limit_expiry=expiry, missed_rule=missed
    )
    assert result.due_date == due
    assert any("whenever the cause was removed" in line for line in result.explanation)


def test_re_establishment_for_the_priority_period_after_its_two_months_is_barred() -> None:
    with pytest.raises(TimeBarredError, match="within two months of its expiry, by 2024-07-02"):
        compute(
            "ep.re_establishment",
            "2024-07-03",
            missed_time_limit_expiry="2024-05-02",
            missed_rule="Art. 87(1)",
        )


def test_re_establishment_in_respect_of_the_further_processing_period() -> None:
    # Further processing was due Tue 2 Jul 2024 and missed; cause removed that day: + 2 months
    # = Mon 2 Sep 2024.
    result = compute(
        "ep.re_establishment",
        "2024-07-02",
        missed_time_limit_expiry="2024-07-02",
        missed_rule="Rule 135(1)",
    )
    assert result.due_date == D(2024, 9, 2)


@pytest.mark.parametrize(
    ("missed", "words"),
    [
        ("Rule 136(1)", "period for requesting re-establishment itself"),  # Art. 122(4)
        ("Art. 122", "period for requesting re-establishment itself"),
        ("Art. 99(1)", "not available to an opponent"),  # G 1/86
        ("Rule 71(3)", "further processing is available (Rule 136(3))"),
        ("Art. 94(3)", "further processing is available (Rule 136(3))"),
        ("Rule 70(1)", "further processing is available (Rule 136(3))"),
        ("Rule 39(1)", "further processing is available (Rule 136(3))"),
    ],
)
def test_re_establishment_is_refused_where_the_epc_rules_it_out(missed: str, words: str) -> None:
    with pytest.raises(RemedyNotAvailableError, match=re.escape(words)):
        compute(
            "ep.re_establishment",
            "2024-07-02",
            missed_time_limit_expiry="2024-07-02",
            missed_rule=missed,
        )


def test_re_establishment_needs_the_expiry_and_a_removal_after_it() -> None:
    with pytest.raises(InvalidParameterError, match="missed_time_limit_expiry"):
        compute("ep.re_establishment", "2024-07-02")
    with pytest.raises(InvalidParameterError, match="removed on or after the day"):
        compute("ep.re_establishment", "2024-06-30", missed_time_limit_expiry="2024-07-02")


def test_what_the_law_forbids_is_a_value_error_with_one_plain_line() -> None:
    for error in (RemedyNotAvailableError, TimeBarredError, NoTimeLimitError):
        assert issubclass(error, DeadlineError) and issubclass(error, ValueError)
    with pytest.raises(ValueError) as caught:
        compute("ep.further_processing", "2024-05-02", missed_rule="Art. 108")
    assert str(caught.value) == (
        "ep.further_processing: further processing is ruled out for the period under Art. 108 "
        "(Art. 121(4) EPC); the remedy is re-establishment of rights (Art. 122): use "
        "ep.re_establishment"
    )
