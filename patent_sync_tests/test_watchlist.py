"""The watchlist: matter numbers as people write them, the CSV a paralegal keeps, the store
(SQLite and PostgreSQL), the audit trail of every change, and ``patent-sync watch``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patent_sync.audit import AuditLog
from patent_sync.cli.main import main
from patent_sync.store import DocketStore
from patent_sync.watchlist import (
    WatchlistError,
    add_matter,
    get_matter,
    matter_key,
    parse_watchlist_csv,
    record_sync,
    remove_matter,
    sync_marker,
    update_matter,
    watched,
    watched_matters,
)
from patent_sync_tests.conftest import STRONG_AUDIT_KEY


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("EP-19123456", "EP-19123456"),
        ("EP 19 123 456.7", "EP-19123456"),  # the EPO's check digit is not part of the number
        ("ep19123456", "EP-19123456"),
        ("17/248,024", "US-17248024"),
        ("US 17/248024", "US-17248024"),
        ("US-17248024", "US-17248024"),
        ("US\u00a017/248,024", "US-17248024"),  # a no-break space pasted from a web page
        ("PCT/EP2010/012345", "WO-2010EP012345"),
        ("WO-2010EP12345", "WO-2010EP12345"),
        ("JP-2020123456", "JP-2020123456"),
    ],
)
def test_matter_numbers_as_people_write_them(written: str, key: str) -> None:
    assert matter_key(written) == key


@pytest.mark.parametrize("written", ["", "foo", "1724802", "EP-12", "US-1724802", "EP1912.3456"])
def test_unreadable_numbers_are_refused_with_the_forms_that_work(written: str) -> None:
    with pytest.raises(WatchlistError, match=r"EP-19123456 .*US-17248024"):
        matter_key(written)


def test_references_with_control_characters_are_refused() -> None:
    with pytest.raises(WatchlistError, match="control characters"):
        watched("EP-19123456", reference="A\x1b[31mB")


def test_csv_with_bom_semicolons_any_column_order_and_blank_lines() -> None:
    sheet = parse_watchlist_csv(
        "\ufeffTitle;Our Ref;Matter\nWidget;ACME-1;EP 19 123 456.7\n\n;;17/248,024\n;;\n"
    )
    assert [(m.matter, m.reference, m.title) for m in sheet.matters] == [
        ("EP-19123456", "ACME-1", "Widget"),
        ("US-17248024", "", ""),
    ]
    assert sheet.problems == ()


def test_csv_rows_that_cannot_be_read_are_named_by_line() -> None:
    sheet = parse_watchlist_csv("matter,reference\nEP-19123456,a\nnot a number,b\nEP19123456,c\n")
    assert [m.matter for m in sheet.matters] == ["EP-19123456"]
    assert [(p.line, p.message.split(" ")[0]) for p in sheet.problems] == [
        (3, "'not"),
        (4, "EP-19123456"),
    ]
    assert "listed twice" in sheet.problems[1].message


def test_csv_without_a_matter_column_says_which_columns_it_found() -> None:
    with pytest.raises(WatchlistError, match=r"no matter column.*'case'"):
        parse_watchlist_csv("case,client\nEP-19123456,x\n")


def test_store_add_update_remove_are_audited_and_idempotent(store: DocketStore) -> None:
    store.migrate()
    audit = AuditLog(store, STRONG_AUDIT_KEY, checkpoints=None)
    matter = watched("EP 19 123 456.7", "ACME-1", "Widget")
    assert add_matter(store, audit, matter) is True
    assert add_matter(store, audit, matter) is False  # already watched: nothing written
    assert update_matter(store, audit, watched("EP-19123456", "ACME-2", "Widget")) is True
    assert update_matter(store, audit, watched("EP-19123456", "ACME-2", "Widget")) is False
    add_matter(store, audit, watched("17/248,024"))
    assert [m.matter for m in watched_matters(store)] == ["EP-19123456", "US-17248024"]
    assert [m.matter for m in watched_matters(store, "us")] == ["US-17248024"]
    stored = get_matter(store, "EP-19123456")
    assert stored is not None and stored.reference == "ACME-2" and stored.office == "EP"

    record_sync(store, "EP-19123456", "epo.ops.register", marker="2024-05-01", payload_sha256="a")
    record_sync(store, "EP-19123456", "epo.ops.register", marker="2024-06-01", payload_sha256="b")
    marker = sync_marker(store, "EP-19123456", "epo.ops.register")
    assert marker is not None and (marker.marker, marker.payload_sha256) == ("2024-06-01", "b")
    assert sync_marker(store, "EP-19123456", "epo.ops.inpadoc") is None

    assert remove_matter(store, audit, "EP-19123456") is True
    assert remove_matter(store, audit, "EP-19123456") is False
    # Watching it again must fetch its whole history: the markers went with it.
    assert sync_marker(store, "EP-19123456", "epo.ops.register") is None

    actions = [e.action for e in audit.entries()]
    assert actions == [
        "watchlist.added",
        "watchlist.updated",
        "watchlist.added",
        "watchlist.removed",
    ]
    assert audit.verify().ok


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_watch_commands_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATENT_SYNC_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PATENT_SYNC_STORE_URL", raising=False)
    monkeypatch.delenv("PATENT_SYNC_AUDIT_KEY", raising=False)

    code, _, err = _cli(capsys, "watch", "list")
    assert code == 2 and "no docket store" in err  # nothing created by a read

    assert _cli(capsys, "watch", "add", "EP 19 123 456.7", "--reference", "ACME-1")[0] == 0
    code, out, _ = _cli(capsys, "watch", "add", "EP-19123456")
    assert code == 0 and "already watched" in out
    code, _, err = _cli(capsys, "watch", "add", "19123456")
    assert code == 2 and "not an application number" in err and "Traceback" not in err

    sheet = tmp_path / "matters.csv"
    sheet.write_text('matter,reference,title\n"17/248,024",ACME-2,Gadget\nnonsense,,\n')
    code, _, err = _cli(capsys, "watch", "import", str(sheet))
    assert code == 1 and f"{sheet}:3:" in err and "nothing was imported" in err
    sheet.write_text('matter,reference,title\n"17/248,024",ACME-2,Gadget\nEP-19123456,ACME-1b,\n')
    code, out, _ = _cli(capsys, "watch", "import", str(sheet))
    assert code == 0 and "1 added, 1 updated, 0 unchanged" in out

    code, out, _ = _cli(capsys, "watch", "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["matter"], r["reference"]) for r in rows] == [
        ("EP-19123456", "ACME-1b"),
        ("US-17248024", "ACME-2"),
    ]
    code, out, _ = _cli(capsys, "watch", "list", "--office", "EP")
    assert code == 0 and "EP-19123456" in out and "US-17248024" not in out

    assert _cli(capsys, "watch", "remove", "17/248,024")[0] == 0
    code, _, err = _cli(capsys, "watch", "remove", "US-17248024")
    assert code == 1 and "not on the watchlist" in err
    code, _, err = _cli(capsys, "watch", "import", str(tmp_path / "absent.csv"))
    assert code == 2 and "cannot read" in err
    code, _, err = _cli(capsys, "audit", "verify")
    assert code == 0, err
