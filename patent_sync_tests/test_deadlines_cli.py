"""``patent-sync deadline`` through the CLI entry point."""

from __future__ import annotations

import json

import pytest

from patent_sync.cli.main import main


def test_human_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "us.oa_reply", "2024-03-15", "--param", "extension_months=1"]) == 0
    out = capsys.readouterr().out
    assert "due:        2024-07-15" in out
    assert "final:      2024-09-16" in out
    assert "37 CFR 1.136(a)" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["deadline", "ep.renewal_fee", "2016-11-15", "--param", "year=3", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["due_date"] == "2018-11-30"
    assert data["final_date"] == "2019-05-31"
    assert data["params"] == {"year": 3, "euro_pct": False, "priority_date": None}
    # 2018 and 2019 have no shipped EPO table: said, not guessed.
    assert [warning.split(" are ")[0] for warning in data["warnings"]] == [
        "EPO closure days for 2018",
        "EPO closure days for 2019",
    ]
    assert data["explanation"][-1] == "WARNING: " + data["warnings"][-1]


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "--list"]) == 0
    out = capsys.readouterr().out
    assert "us.issue_fee" in out and "37 CFR 1.311" in out
    assert main(["deadline", "--list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["id"] for row in rows} >= {"ep.opposition", "pct.demand"}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["deadline", "no.such_rule", "2024-01-01"], "unknown rule"),
        (["deadline", "us.oa_reply", "2024-13-01"], "YYYY-MM-DD"),
        (["deadline", "us.issue_fee", "2024-01-01", "--param", "extension_months=2"],
         "cannot be extended"),
        (["deadline", "us.oa_reply", "2024-01-01", "--param", "period_months"], "KEY=VALUE"),
        (["deadline", "us.oa_reply", "2024-01-01", "--param", "foo=1"], "unknown parameter"),
        (["deadline", "us.oa_reply"], "TRIGGER_DATE"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert words in lines[0] and "Traceback" not in captured.err
