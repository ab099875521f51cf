"""The same situation gets the same exit status in every command, with one line on stderr,
and ``--help`` reads as plain text.

A script that runs ``inspect`` and ``docket`` over the same files must be able to tell "the
file is not there" (2) from "the file has problems a person must look at" (1) without knowing
which command it ran. (``docket`` used to say 1 for a missing file where ``inspect`` said 2.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from patent_sync.cli.errors import EXIT_PROBLEM, EXIT_UNAVAILABLE
from patent_sync.cli.main import build_parser, main
from patent_sync.settings import PROJECT_ROOT

EVENT_FILE = PROJECT_ROOT / "data" / "events" / "us-17366480-transactions.json"

# Commands that read a FILE argument, as argv prefixes.
FILE_COMMANDS = [["inspect"], ["docket"], ["export", "ics"], ["export", "html"]]
STORE_COMMANDS = [
    ["export", "ics"],
    ["export", "html"],
    ["quarantine", "list"],
    ["audit", "verify"],
]


def _run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("command", FILE_COMMANDS, ids=" ".join)
def test_a_missing_file_is_2_everywhere(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    missing = tmp_path / "nope.json"
    code, err = _run([*command, str(missing)], capsys)
    assert code == EXIT_UNAVAILABLE
    assert err.count("\n") == 1 and f"{missing}: no such file" in err


@pytest.mark.parametrize("command", FILE_COMMANDS, ids=" ".join)
def test_a_directory_for_a_file_is_2_everywhere(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code, err = _run([*command, str(tmp_path)], capsys)
    assert code == EXIT_UNAVAILABLE
    assert err.count("\n") == 1 and "not a regular file" in err


@pytest.mark.parametrize("command", FILE_COMMANDS, ids=" ".join)
def test_a_file_that_is_not_an_event_history_or_document_is_2(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x00\x01 not anything")
    code, err = _run([*command, str(junk)], capsys)
    assert code == EXIT_UNAVAILABLE
    assert err.count("\n") == 1 and "junk.json" in err


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
def test_a_missing_store_is_2_everywhere(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from patent_sync_tests.conftest import STRONG_AUDIT_KEY

    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", STRONG_AUDIT_KEY.hex())
    url = f"sqlite:///{tmp_path / 'absent.sqlite'}"
    code, err = _run([*command, "--store", url], capsys)
    assert code == EXIT_UNAVAILABLE
    assert err.count("\n") == 1 and "absent.sqlite" in err
    assert not (tmp_path / "absent.sqlite").exists()  # nothing created by looking


@pytest.mark.parametrize(
    "argv",
    [
        ["docket", str(EVENT_FILE), "--as-of", "31/12/2026"],
        ["export", "ics", str(EVENT_FILE), "--alarm-days", "-1"],
        ["export", "html", str(EVENT_FILE), "--as-of", "tomorrow"],
        ["deadline", "us.oa_reply", "not-a-date"],
        ["deadline", "no.such_rule", "2026-01-05"],
        ["inspect"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_an_argument_that_is_not_valid_is_2(argv: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    code, err = _run(argv, capsys)
    assert code == EXIT_UNAVAILABLE
    assert err.strip()


def test_a_problem_found_is_1(capsys: pytest.CaptureFixture) -> None:
    # The sample grants of 2026-11-17 hold quarantined records: inspect ran and found them.
    code, _ = _run(["inspect", str(PROJECT_ROOT / "data" / "uspto" / "ipg261117.zip")], capsys)
    assert code == EXIT_PROBLEM


def test_success_is_0(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _run(["docket", str(EVENT_FILE)], capsys)[0] == 0
    out = tmp_path / "x.ics"
    assert _run(["export", "ics", str(EVENT_FILE), "--out", str(out)], capsys)[0] == 0


def test_export_for_a_matter_with_no_entry_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "x.ics"
    code, err = _run(
        ["export", "ics", str(EVENT_FILE), "--matter", "US-1", "--out", str(out)], capsys
    )
    assert code == 0
    assert "matter US-1: no open entry: the docket has no entry for it" in err
    assert "0 open entries exported" in err
    # A matter whose entries are all settled is told apart from an unknown one.
    code, err = _run(
        ["export", "ics", str(EVENT_FILE), "--matter", "US-17366480", "--out", str(out)], capsys
    )
    assert code == 0
    if "0 open entries" in err:
        assert "closed or superseded" in err


def _parsers(parser: argparse.ArgumentParser, path: str = "patent-sync"):  # type: ignore[no-untyped-def]
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_help_is_plain_text_for_every_command() -> None:
    seen = 0
    for path, parser in _parsers(build_parser()):
        text = parser.format_help()
        for markup in ("``", ":func:`", ":class:`", "\\ "):
            assert markup not in text, f"{path} --help shows {markup!r}"
        seen += 1
    assert seen > 10


def test_inspect_says_what_an_event_file_is_and_which_command_reads_it(
    capsys: pytest.CaptureFixture,
) -> None:
    code, err = _run(["inspect", str(EVENT_FILE)], capsys)
    assert code == 0
    first = err.splitlines()[0]
    assert "a prosecution-event file" in first
    assert f"patent-sync docket {EVENT_FILE}" in first
