"""The new rules through ``patent-sync deadline``: listed, computed, and refused in one line."""

from __future__ import annotations

import json

import pytest

from patent_sync.cli.main import main

NEW_RULES = (
    "ep.further_processing",
    "ep.re_establishment",
    "ep.appeal",
    "ep.unitary_effect",
    "ep.r161_162",
    "ep.designation_fee",
    "ep.r70a_response",
    "us.notice_of_appeal",
    "us.appeal_brief",
    "us.missing_parts",
    "us.priority_claim",
    "pct.art19_amendment",
    "pct.publication",
    "us.reissue_broadening",
)


def test_list_shows_every_new_rule_with_its_citation_and_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["deadline", "--list"]) == 0
    out = capsys.readouterr().out
    for rule in NEW_RULES:
        assert f"\n{rule}  " in f"\n{out}", rule
    assert "--param act=notice|grounds  (required)" in out
    assert "--param variant=direct|euro_pct  (required)" in out
    assert (
        "35 USC 251(d)" in out
        and "Rules 6(1), 20(2)(g), 22 UPR" in out
        and "Rule 135(1), (2)" in out
    )
    assert main(["deadline", "--list", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(NEW_RULES) <= set(rows)
    assert rows["ep.appeal"]["params"][0]["choices"] == ["notice", "grounds"]
    assert rows["us.reissue_broadening"]["extendable"] is False


@pytest.mark.parametrize(
    ("argv", "due", "final"),
    [
        # Communication dated 18 Feb 2025: + 2 months = Good Friday 18 Apr → Tue 22 Apr 2025.
        (["ep.further_processing", "2025-02-18", "--param", "missed_rule=Rule 71(3)"],
         "2025-04-22", "-"),
        (["ep.appeal", "2024-03-28", "--param", "act=grounds"], "2024-07-29", "-"),
        (["us.appeal_brief", "2024-05-20"], "2024-07-22", "2024-12-20"),
        (["pct.publication", "2024-01-13"], "2025-07-13", "-"),
        (["us.reissue_broadening", "2028-02-29"], "2030-02-28", "-"),
    ],
)  # fmt: skip
def test_new_rules_compute_from_the_command_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], due: str, final: str
) -> None:
    assert main(["deadline", *argv]) == 0
    out = capsys.readouterr().out
    assert f"due:        {due}\n" in out
    assert f"final:      {final}\n" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["ep.further_processing", "2024-05-02", "--param", "missed_rule=Rule 51(2)"],
         "further processing is ruled out for the period under Rule 51(2)"),
        (["ep.unitary_effect", "2023-05-31"], "on or after 2023-06-01"),
        (["ep.re_establishment", "2025-03-04", "--param", "missed_time_limit_expiry=2024-03-01"],
         "within one year of the expiry"),
        (["us.priority_claim", "2024-05-10", "--param", "priority_date=2024-01-10",
          "--param", "application_type=design"], "has no time limit"),
        (["us.appeal_brief", "2024-05-20", "--param", "extension_months=6"], "at most 5 month"),
    ],
)  # fmt: skip
def test_forbidden_requests_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    assert main(["deadline", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and words in captured.err
    assert "Traceback" not in captured.err
