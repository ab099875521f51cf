"""What a deadline cites: the law its period comes from, each provision once.

A docketing clerk reads the working to check a date against the statute. A US deadline that
cites the EPC or the PCT for its month-end step sends them to the wrong book, and a citation
that names a provision twice looks like a copy error. Every rule of the catalogue is asked
for periods that end in a short month (the month-end rule applies) so new rules are held to
the same standard.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from patent_sync.deadlines import DeadlineError, DeadlineResult, compute, list_rules
from patent_sync.deadlines.model import Rule, RuleParam
from patent_sync.deadlines.rules.common import cite

# Month ends whose day numbers many months lack: periods from them hit the month-end rule.
MONTH_END_TRIGGERS = (
    dt.date(2023, 8, 31),
    dt.date(2023, 11, 30),
    dt.date(2023, 12, 31),  # 2-, 4- and 7-month periods from it end short (29 Feb, 30 Apr)
    dt.date(2024, 1, 31),
    dt.date(2024, 2, 29),
)
FOREIGN_TO_US = ("EPC", "PCT", "Paris")


def _values(param: RuleParam, trigger: dt.date) -> list[Any]:
    if param.choices:
        return list(param.choices)
    if param.kind == "date":
        return [trigger - dt.timedelta(days=400)] if param.required else [None]
    if param.kind == "int":
        return [3] if param.required else [None]
    if param.kind == "bool":
        return [None]
    return [None]


def _requests(rule: Rule) -> Iterator[tuple[dt.date, dict[str, Any]]]:
    for trigger in MONTH_END_TRIGGERS:
        options = [[(p.name, v) for v in _values(p, trigger)] for p in rule.params]
        for combination in itertools.product(*options):
            yield trigger, {name: value for name, value in combination if value is not None}


def _results(rule: Rule) -> list[DeadlineResult]:
    results = []
    for trigger, params in _requests(rule):
        try:
            results.append(compute(rule.id, trigger, **params))
        except DeadlineError:
            continue  # a combination the rule refuses (e.g. a year a fee is not due)
    return results


@pytest.mark.parametrize("rule", list_rules(), ids=lambda r: r.id)
def test_no_provision_is_cited_twice(rule: Rule) -> None:
    for result in _results(rule):
        parts = [part.strip() for part in result.citation.split(";")]
        assert len(parts) == len(set(parts)), result.citation
        assert cite(result.citation) == result.citation


@pytest.mark.parametrize(
    "rule", [r for r in list_rules() if r.id.startswith("us.")], ids=lambda r: r.id
)
def test_a_us_deadline_cites_us_authority_only(rule: Rule) -> None:
    results = _results(rule)
    assert results, f"{rule.id}: no request could be computed"
    month_end_seen = False
    for result in results:
        text = "\n".join((result.citation, *result.explanation))
        for foreign in FOREIGN_TO_US:
            assert foreign not in text, f"{rule.id} cites {foreign}: {text}"
        month_end_seen |= "so the period ends on its last day" in text
    assert month_end_seen, f"{rule.id}: no request hit the month-end rule"


def test_month_end_rule_is_cited_from_the_period_s_own_law() -> None:
    us = compute("us.issue_fee", "2023-11-30")
    assert "so the period ends on its last day (MPEP 710.01(a))." in us.explanation[1]
    ep = compute("ep.examination_request", "2023-08-31")
    assert "so the period ends on its last day (EPC Rule 131(4))." in ep.explanation[1]
    pct = compute("pct.demand", "2023-11-30", priority_date="2022-03-31", office="USPTO")
    assert "so the period ends on its last day (PCT Rule 80.2)." in pct.explanation[1]
    # Paris priority follows the office of the later filing.
    at_uspto = compute("paris.priority", "2024-02-29", office="USPTO")
    assert "(MPEP 710.01(a))." in at_uspto.explanation[1]
    at_epo = compute("paris.priority", "2024-02-29", office="EPO")
    assert "(EPC Rule 131(4))." in at_epo.explanation[1]


def test_a_period_that_already_cites_the_month_end_rule_does_not_repeat_it() -> None:
    result = compute("us.oa_reply", "2023-11-30")
    line = result.explanation[1]
    assert line.count("MPEP 710.01(a)") == 1, line
    assert line.endswith("so the period ends on its last day."), line


def test_paris_priority_cites_article_4c3_once() -> None:
    result = compute("paris.priority", "2024-02-29", office="USPTO")
    assert result.citation == "Paris Convention Art. 4C(1), 4C(3); 35 USC 21(b); 37 CFR 1.7"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "EPC Rules 126(2), 127(2), 131, 132, 134(1); EPC Rule 134(1)",
            "EPC Rules 126(2), 127(2), 131, 132, 134(1)",
        ),
        ("35 USC 21(b); 37 CFR 1.7; 35 USC 21(b)", "35 USC 21(b); 37 CFR 1.7"),
        # Commas inside a note are not provisions; a different provision is kept.
        (
            "35 USC 371 (USPTO, 30 months); 35 USC 371(b)",
            "35 USC 371 (USPTO, 30 months); 35 USC 371(b)",
        ),
        ("J 4/91; Rule 51(1), (2); J 4/91", "J 4/91; Rule 51(1), (2)"),
    ],
)
def test_cite_keeps_each_provision_once(given: str, expected: str) -> None:
    assert cite(given) == expected
