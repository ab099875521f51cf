"""``patent-sync docket`` and ``patent-sync export ics`` through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest

from patent_sync.cli.main import main
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

ODP = "uspto_odp/patent-dev/get_patent_transactions/response.json"
OPS = "epo_ops/patent-dev"
FIELDS = [
    "matter",
    "rule",
    "trigger_event",
    "trigger_date",
    "due_date",
    "final_date",
    "extendable",
    "citation",
    "status",
    "status_reason",
    "explanation",
    "params",
    "overdue",
    "days_overdue",
    "past_final_date",
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_docket_prints_json_lines(samples_dir: Path, capsys) -> None:
    code, out, err = run(["docket", str(samples_dir / ODP), "--as-of", "2025-09-01"], capsys)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    # issue fee, three maintenance fees, missing parts (INCD, closed), reissue window (lapsed)
    assert [list(line) for line in lines] == [FIELDS] * 6
    fee = next(line for line in lines if line["params"].get("stage") == "3.5")
    assert fee["matter"] == "US-17248024"
    assert (fee["trigger_date"], fee["due_date"], fee["final_date"]) == (
        "2023-05-09",
        "2026-11-09",
        "2027-05-10",
    )
    assert fee["status"] == "open" and fee["extendable"] is False
    assert "61 events from 1 file(s); 6 entries (3 open)" in err


def test_docket_mixes_register_and_legal_files(samples_dir: Path, capsys) -> None:
    files = [
        str(samples_dir / OPS / n / "response.xml")
        for n in ("get_register_procedural_steps", "get_register_biblio", "get_legal")
    ]
    code, out, _ = run(["docket", *files, "--as-of", "2025-09-01"], capsys)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert {line["matter"] for line in lines} == {"EP-10167109"}
    r71 = next(line for line in lines if line["rule"] == "ep.r71_3")
    assert r71["trigger_date"] == "2019-06-27" and r71["status"] == "closed"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello", "not an event file"),
        ('{"a": 1}', "not a USPTO ODP transactions response"),
        ("<root/>", "neither an EP Register response nor INPADOC"),
    ],
)
def test_a_bad_file_is_one_line_and_non_zero(tmp_path: Path, capsys, content, message) -> None:
    bad = tmp_path / "bad.dat"
    bad.write_text(content)
    code, out, err = run(["docket", str(bad)], capsys)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and message in err and "bad.dat" in err
    assert "Traceback" not in err


def test_missing_file(tmp_path: Path, capsys) -> None:
    code, _, err = run(["docket", str(tmp_path / "nope.json")], capsys)
    assert code == 2 and err.strip().endswith("no such file")  # as in every command


def test_export_ics_from_files(samples_dir: Path, tmp_path: Path, capsys) -> None:
    out_file = tmp_path / "docket.ics"
    argv = ["export", "ics", str(samples_dir / ODP), "--out", str(out_file), "--alarm-days", "14"]
    code, _, err = run(argv, capsys)
    assert code == 0 and "3 open entries exported" in err
    calendar = icalendar.Calendar.from_ical(out_file.read_bytes())
    vevents = list(calendar.walk("VEVENT"))
    assert len(vevents) == 3
    assert sorted(v.decoded("DTSTART").isoformat() for v in vevents)[0] == "2026-11-09"
    assert all(len(list(v.walk("VALARM"))) == 1 for v in vevents)


def test_sync_then_export_from_the_store(
    samples_dir: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", STRONG_AUDIT_KEY.hex())
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    argv = ["docket", str(samples_dir / ODP), "--as-of", "2025-09-01", "--sync", "--store", url]
    code, _, err = run(argv, capsys)
    assert code == 0 and "61 new event(s), 6 docket change(s)" in err
    code, _, err = run(argv, capsys)
    assert code == 0 and "0 new event(s), 0 docket change(s)" in err

    out_file = tmp_path / "one.ics"
    argv = ["export", "ics", "--store", url, "--matter", "US-17248024", "--out", str(out_file)]
    code, _, err = run(argv, capsys)
    assert code == 0
    vevents = list(icalendar.Calendar.from_ical(out_file.read_bytes()).walk("VEVENT"))
    assert len(vevents) == 3
    argv = ["export", "ics", "--store", url, "--matter", "EP-1", "--out", str(out_file)]
    assert run(argv, capsys)[0] == 0
    assert list(icalendar.Calendar.from_ical(out_file.read_bytes()).walk("VEVENT")) == []


def test_export_from_a_store_that_does_not_exist(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'absent.sqlite'}"
    code, out, err = run(["export", "ics", "--store", url], capsys)
    assert code != 0 and out == "" and err.count("\n") == 1
