"""Signed checkpoints kept outside the database: a shortened, emptied, rewound or replaced
audit log is reported, on both backends, through the library and through ``audit verify``.

Every tampering here is what the owner of the SQLite file or of the PostgreSQL tables can do:
drop the guarding triggers, then delete, rewrite and set the head back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from patent_sync.audit import (
    GENESIS_HASH,
    AuditIntegrityError,
    AuditLog,
    CheckpointFile,
    audit_checkpoint_metadata,
    verify_checkpoint_metadata,
)
from patent_sync.cli.main import main
from patent_sync.store import DocketStore, open_store

KEY = hashlib.sha256(b"checkpoint tests: key").digest()
OTHER_KEY = hashlib.sha256(b"checkpoint tests: other key").digest()
_COLUMNS = "seq, recorded_at, actor, action, subject, details, prev_hash, entry_hash, signature"


@pytest.fixture
def checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The checkpoint file the library and the CLI use by default in these tests."""
    path = tmp_path / "elsewhere" / "audit.checkpoints"
    monkeypatch.setenv("PATENT_SYNC_AUDIT_CHECKPOINTS", str(path))
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    monkeypatch.setenv("PATENT_SYNC_HOME", str(tmp_path / "var"))
    monkeypatch.delenv("PATENT_SYNC_STORE_URL", raising=False)
    return path


@pytest.fixture
def audit(store: DocketStore, checkpoints: Path) -> AuditLog:
    return AuditLog(store, KEY, actor="tester@host")


def append(audit: AuditLog, first: int, last: int) -> None:
    for n in range(first, last + 1):
        audit.append(f"load.step{n}", f"us_grants/{n}", {"n": n})


def drop_guards(store: DocketStore) -> None:
    """Drop every trigger that guards the audit tables, as their owner can."""
    with store.transaction() as cur:
        if store.backend == "sqlite":
            for name in (
                "audit_log_no_update",
                "audit_log_no_delete",
                "audit_head_forward_only",
                "audit_head_no_delete",
            ):
                cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for name in ("audit_log_append_only", "audit_log_no_truncate"):
                cur.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
            for name in ("audit_head_forward_only", "audit_head_no_truncate"):
                cur.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_head")


def tamper(store: DocketStore, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    drop_guards(store)
    with store.transaction() as cur:
        for statement in statements:
            if isinstance(statement, tuple):
                cur.execute(*statement)
            else:
                cur.execute(statement)


def set_head(store: DocketStore, seq: int) -> tuple[str, tuple[Any, ...]]:
    """The statement that points the head at entry ``seq`` (as anyone can recompute it)."""
    rows = store.query("SELECT entry_hash FROM audit_log WHERE seq = ?", (seq,))
    entry_hash = rows[0][0] if rows else GENESIS_HASH
    return "UPDATE audit_head SET seq = ?, entry_hash = ? WHERE id = 1", (seq, entry_hash)


def cli_verify(
    store: DocketStore, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    code = main(["audit", "verify", "--store", store_url_of(store), *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def store_url_of(store: DocketStore) -> str:
    return store._url  # the URL the store was opened with (test-only shortcut)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# -- normal operation ------------------------------------------------------------------------


def test_appends_write_signed_checkpoints_and_verify_compares_them(
    audit: AuditLog, store: DocketStore, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    append(audit, 1, 3)
    written = lines(checkpoints)
    assert [c["seq"] for c in written] == [1, 2, 3]
    assert set(written[0]) == {"seq", "entry_hash", "recorded_at", "store", "signature"}
    assert written[-1]["entry_hash"] == audit.head()[1]
    assert KEY.hex() not in checkpoints.read_text()
    assert checkpoints.stat().st_mode & 0o077 == 0

    report = audit.verify()
    assert (report.ok, report.entries_checked, report.checkpoints_checked) == (True, 3, 3)
    code, out = cli_verify(store, capsys)
    assert code == 0
    assert out.startswith("audit log OK: 3 entries verified; 3 checkpoint(s) from ")
    assert "(newest: entry #3, " in out


def test_a_checkpoint_waits_for_the_outermost_commit(
    audit: AuditLog, store: DocketStore, checkpoints: Path
) -> None:
    append(audit, 1, 1)
    with store.transaction() as outer:
        with store.transaction() as inner:  # joins the outer transaction
            audit.append("docket.entry_created", "docket:1", {"n": 2}, cursor=inner)
        audit.append("docket.entry_created", "docket:2", {"n": 3})  # also joins it
        assert [c["seq"] for c in lines(checkpoints)] == [1]  # nothing committed yet
        assert audit.checkpoint() is None
        outer.execute("SELECT 1")
    assert [c["seq"] for c in lines(checkpoints)] == [1, 3]

    with pytest.raises(RuntimeError), store.transaction() as cur:
        audit.append("load.started", "us_grants/x", {"n": 4}, cursor=cur)
        raise RuntimeError("rolled back")
    store.begin_load("us_grants", "ipg.zip", None, "f" * 64)  # an unrelated commit
    assert [c["seq"] for c in lines(checkpoints)] == [1, 3]
    assert audit.verify().ok


def test_an_appender_that_knows_nothing_of_checkpoints_still_gets_them(
    audit: AuditLog, store: DocketStore, checkpoints: Path
) -> None:
    # quarantine review and the docket append with their own cursor, then commit.
    with store.transaction() as cur:
        load_id = store.begin_load("us_grants", "ipg.zip", None, "f" * 64)
        audit.append("load.started", "us_grants", {"load_id": load_id}, cursor=cur)
    assert [c["seq"] for c in lines(checkpoints)] == [1]


def test_no_checkpoint_file_is_said_in_the_ok_line(
    store: DocketStore, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    append(AuditLog(store, KEY, checkpoints=None), 1, 2)
    assert not checkpoints.exists()
    code, out = cli_verify(store, capsys)
    assert code == 0
    assert out == (
        "audit log OK: 2 entries verified; no checkpoints to compare (no checkpoint file at "
        f"{checkpoints}; set PATENT_SYNC_AUDIT_CHECKPOINTS or pass --checkpoints FILE: without "
        "checkpoints kept outside the database, entries cut off the end of the log cannot be "
        "detected)\n"
    )
    code, out = cli_verify(store, capsys, "--checkpoints", str(checkpoints.with_name("nope")))
    assert code == 2 and "no checkpoint file at" in out


def test_checkpoints_of_other_stores_are_not_compared(
    tmp_path: Path, audit: AuditLog, store: DocketStore, checkpoints: Path
) -> None:
    with open_store(f"sqlite:///{tmp_path / 'other.sqlite'}") as other:
        other.migrate()
        append(AuditLog(other, OTHER_KEY), 1, 7)
    append(audit, 1, 2)
    report = audit.verify()
    assert (report.ok, report.checkpoints_checked, report.checkpoints_other_stores) == (True, 2, 7)


# -- cut-off tail, emptied log, rewound head -------------------------------------------------


def test_a_cut_off_tail_with_a_rewound_head_is_named(
    audit: AuditLog, store: DocketStore, capsys: pytest.CaptureFixture[str]
) -> None:
    append(audit, 1, 5)
    tamper(store, "DELETE FROM audit_log WHERE seq > 2", set_head(store, 2))
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.entries_checked) == (False, 3, 2)
    assert report.reason.startswith("the log ends at entry #2 but the checkpoint of 20")
    assert report.reason.endswith("entries #3..#5 are missing")
    assert "recorded entry #5 (hash " in report.reason

    code, out = cli_verify(store, capsys)
    assert code == 1
    assert out.startswith("audit log BROKEN: the log ends at entry #2 but the checkpoint of ")
    assert "entries #3..#5 are missing" in out


def test_an_emptied_log_is_named(
    audit: AuditLog, store: DocketStore, capsys: pytest.CaptureFixture[str]
) -> None:
    append(audit, 1, 4)
    tamper(store, "DELETE FROM audit_log", set_head(store, 0))
    report = audit.verify()
    assert (report.ok, report.first_bad_seq) == (False, 1)
    assert report.reason.startswith("the log is empty but the checkpoint of ")
    assert report.reason.endswith("entries #1..#4 are missing")
    code, out = cli_verify(store, capsys)
    assert (code, "entries #1..#4 are missing" in out) == (1, True)


def test_a_rewound_head_is_named_and_refuses_the_next_append(
    store: DocketStore, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = AuditLog(store, KEY, checkpoints=None)  # found without any checkpoint
    append(audit, 1, 5)
    tamper(store, set_head(store, 2))
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.entries_checked) == (False, 3, 5)
    assert report.reason == (
        "the audit head records entry #2 but the log holds entries up to #5: the head was set "
        "back (entries #3..#5 are beyond it)"
    )
    with pytest.raises(
        AuditIntegrityError,
        match=r"records entry #2 but the log holds entries up "
        r"to #5 \(the head was set back\): nothing was written",
    ) as caught:
        audit.append("load.started", "us_grants/6", {"n": 6})
    assert "\n" not in str(caught.value)
    assert [e.seq for e in audit.entries()] == [1, 2, 3, 4, 5]
    code, out = cli_verify(store, capsys)
    assert code == 1 and "the head was set back" in out


def test_the_head_cannot_be_set_back_while_its_trigger_stands(
    audit: AuditLog, store: DocketStore
) -> None:
    append(audit, 1, 3)
    for statement in (
        set_head(store, 1),
        ("UPDATE audit_head SET seq = 5 WHERE id = 1", ()),
        ("DELETE FROM audit_head", ()),
    ):
        with pytest.raises(Exception, match="audit_head") as caught, store.transaction() as cur:
            cur.execute(*statement)
        assert "only moves forward" in str(caught.value) or "cannot be deleted" in str(caught.value)
    assert audit.head()[0] == 3 and audit.verify().ok


def test_a_restored_earlier_state_is_named(
    audit: AuditLog, store: DocketStore, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keep a genuinely signed copy at entry #3, go on to #6, put the copy back."""
    append(audit, 1, 3)
    saved_log = store.query(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq")
    saved_head = store.query("SELECT seq, entry_hash FROM audit_head")[0]
    append(audit, 4, 6)
    tamper(
        store,
        "DELETE FROM audit_log",
        *[
            (f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", r)
            for r in saved_log
        ],
        ("UPDATE audit_head SET seq = ?, entry_hash = ? WHERE id = 1", tuple(saved_head)),
    )
    assert AuditLog(store, KEY, checkpoints=None).verify().ok  # the chain alone is fooled
    report = audit.verify()
    assert not report.ok and report.reason.endswith("entries #4..#6 are missing")
    code, out = cli_verify(store, capsys)
    assert code == 1 and "the log ends at entry #3" in out


def test_a_copied_back_sqlite_file_is_named(
    tmp_path: Path, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "docket.sqlite"
    url = f"sqlite:///{path}"
    with open_store(url) as store:
        store.migrate()
        append(AuditLog(store, KEY), 1, 4)
    shutil.copyfile(path, tmp_path / "at-4.sqlite")  # closed: the WAL is folded in
    with open_store(url) as store:
        append(AuditLog(store, KEY), 5, 9)
    shutil.copyfile(tmp_path / "at-4.sqlite", path)
    assert main(["audit", "verify", "--store", url]) == 1
    out = capsys.readouterr().out
    assert "the log ends at entry #4 but the checkpoint of " in out
    assert "entries #5..#9 are missing" in out


def test_dropped_and_recreated_audit_tables_are_named(
    audit: AuditLog, store: DocketStore, capsys: pytest.CaptureFixture[str]
) -> None:
    append(audit, 1, 5)
    with store.transaction() as cur:
        cur.execute("DROP TABLE audit_log")
        cur.execute("DROP TABLE audit_head")
        cur.execute(
            "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, "
            "actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, details TEXT "
            "NOT NULL, prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL, signature TEXT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, "
            "entry_hash TEXT NOT NULL)"
        )
        cur.execute("INSERT INTO audit_head VALUES (1, 0, ?)", (GENESIS_HASH,))
    append(audit, 1, 2)  # a new, genuinely signed log in their place
    report = audit.verify()
    assert not report.ok
    assert report.reason.startswith("entry #1 has hash ")
    assert "the log was replaced or rewritten after that checkpoint" in report.reason
    assert any(p.endswith("entries #3..#5 are missing") for p in report.problems)
    code, out = cli_verify(store, capsys)
    assert code == 1 and "replaced or rewritten" in out


# -- forged and foreign checkpoints ----------------------------------------------------------


def test_a_forged_checkpoint_is_named(
    audit: AuditLog, store: DocketStore, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    append(audit, 1, 3)
    genuine = lines(checkpoints)[-1]
    with checkpoints.open("a") as out:
        out.write(json.dumps({**genuine, "seq": 2}) + "\n")  # moved back: signature breaks
        out.write("this is not a checkpoint\n")
    report = audit.verify()
    assert not report.ok
    assert report.problems[0].startswith(f"line 4 of {checkpoints}: the checkpoint of ")
    assert report.problems[0].endswith("has a wrong signature (forged, or signed with another key)")
    assert report.problems[1].startswith(f"line 5 of {checkpoints}: ")
    code, out = cli_verify(store, capsys)
    assert code == 1 and "wrong signature" in out and "line 5 of" in out


def test_checkpoints_signed_with_another_key_are_named(
    store: DocketStore, tmp_path: Path, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign.checkpoints"
    append(AuditLog(store, OTHER_KEY, checkpoints=foreign), 1, 2)  # same store, other key
    code, out = cli_verify(store, capsys, "--checkpoints", str(foreign))
    assert code == 1
    assert out.startswith("audit log BROKEN at entry #1 (action load.step1")  # entries too
    assert out.count("has a wrong signature (forged, or signed with another key)") == 2


def test_checkpoints_outlive_a_restore_of_the_checkpoint_file_elsewhere(
    audit: AuditLog,
    store: DocketStore,
    checkpoints: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    append(audit, 1, 3)
    shipped = tmp_path / "shipped.checkpoints"
    shutil.copyfile(checkpoints, shipped)
    checkpoints.unlink()  # the local copy is gone (same disk as the database)
    tamper(store, "DELETE FROM audit_log WHERE seq = 3", set_head(store, 2))
    code, out = cli_verify(store, capsys)
    assert code == 0 and "no checkpoints to compare" in out  # weaker, and it says so
    code, out = cli_verify(store, capsys, "--checkpoints", str(shipped))
    assert code == 1 and "entry #3 is missing" in out


# -- tampered rows: a BROKEN line, never a traceback -----------------------------------------


def test_a_deleted_head_row_is_a_broken_line(
    audit: AuditLog, store: DocketStore, capsys: pytest.CaptureFixture[str]
) -> None:
    append(audit, 1, 2)
    tamper(store, "DELETE FROM audit_head")
    report = audit.verify()
    assert (report.ok, report.reason) == (
        False,
        "audit_head holds no head row (it was deleted): the table was altered",
    )
    code, out = cli_verify(store, capsys)
    assert code == 1 and "audit log BROKEN: audit_head holds no head row" in out
    with pytest.raises(AuditIntegrityError, match="no head row"):
        audit.append("load.started", "x", {})


def test_a_non_numeric_sequence_number_is_a_broken_line(
    tmp_path: Path, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"  # SQLite stores text in a BIGINT column
    with open_store(url) as store:
        store.migrate()
        audit = AuditLog(store, KEY)
        append(audit, 1, 3)
        tamper(store, "UPDATE audit_log SET seq = 'two' WHERE seq = 2")
        report = audit.verify()
        assert not report.ok
        assert any(
            p.startswith(
                "an entry has the sequence number 'two', which is not a number (action 'load.step2'"
            )
            for p in report.problems
        )
        with pytest.raises(AuditIntegrityError, match="not a number"):
            audit.append("load.started", "x", {})
    assert main(["audit", "verify", "--store", url]) == 1
    out = capsys.readouterr().out
    assert "sequence number 'two', which is not a number" in out
    assert main(["audit", "show", "--store", url]) == 1
    assert "not a number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("details", "{not json", "its details are not a JSON object"),
        ("details", "[1, 2]", "its details are not a JSON object"),
        ("signature", None, "its signature is NULL, not text"),
        ("entry_hash", None, "its entry_hash is NULL, not text"),
    ],
)
def test_a_malformed_entry_is_a_broken_line(
    tmp_path: Path,
    checkpoints: Path,
    capsys: pytest.CaptureFixture[str],
    store: DocketStore,
    column: str,
    value: str | None,
    expected: str,
) -> None:
    audit = AuditLog(store, KEY)
    append(audit, 1, 3)
    drop_guards(store)
    with store.transaction() as cur:
        if value is None and store.backend == "postgresql":
            cur.execute(f"ALTER TABLE audit_log ALTER COLUMN {column} DROP NOT NULL")
        elif value is None:  # SQLite: rebuild the table without NOT NULL, as its owner can
            cur.execute("ALTER TABLE audit_log RENAME TO audit_log_old")
            cur.execute(f"CREATE TABLE audit_log AS SELECT {_COLUMNS} FROM audit_log_old")
            cur.execute("DROP TABLE audit_log_old")
        cur.execute(f"UPDATE audit_log SET {column} = ? WHERE seq = 2", (value,))
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.entries_checked) == (False, 2, 1)
    assert report.reason == f"the entry is malformed: {expected}" + (
        " (altered after it was written)" if column == "details" else ""
    )
    code, out = cli_verify(store, capsys)
    assert code == 1 and out.startswith("audit log BROKEN at entry #2 (action load.step2")


# -- Dagster asset metadata ------------------------------------------------------------------


def test_checkpoints_as_dagster_metadata(audit: AuditLog, store: DocketStore) -> None:
    import dagster as dg

    append(audit, 1, 2)
    first = audit_checkpoint_metadata(audit)
    assert first["audit_seq"] == 2 and first["audit_entry_hash"] == audit.head()[1]
    assert set(first) == {
        "audit_seq",
        "audit_entry_hash",
        "audit_recorded_at",
        "audit_store",
        "audit_checkpoint_signature",
    }
    assert all(isinstance(v, str | int) for v in first.values())
    append(audit, 3, 4)
    # Read back from event storage, values come as MetadataValue objects.
    second = {
        k: dg.MetadataValue.int(v) if isinstance(v, int) else dg.MetadataValue.text(v)
        for k, v in audit_checkpoint_metadata(audit).items()
    }
    unrelated = {"row_count": dg.MetadataValue.int(12)}  # a materialization without them
    report = verify_checkpoint_metadata(audit, [first, unrelated, second])
    assert (report.ok, report.checkpoints_checked) == (True, 2)

    tamper(store, "DELETE FROM audit_log WHERE seq > 1", set_head(store, 1))
    report = verify_checkpoint_metadata(audit, [first, second])
    assert not report.ok and report.reason.endswith("entries #2..#4 are missing")

    forged = {**first, "audit_seq": 1}
    report = verify_checkpoint_metadata(audit, [forged, {"audit_seq": "x"}])
    assert report.problems[0].startswith("metadata #1: the checkpoint of ")
    assert "wrong signature" in report.problems[0]
    assert report.problems[1].startswith("metadata #2: not a checkpoint")


def test_metadata_inside_an_open_transaction_is_refused(
    audit: AuditLog, store: DocketStore
) -> None:
    from patent_sync.audit import AuditCheckpointError

    append(audit, 1, 1)
    with store.transaction(), pytest.raises(AuditCheckpointError, match="after the transaction"):
        audit_checkpoint_metadata(audit)


def test_a_checkpoint_file_with_a_torn_last_line_keeps_working(
    audit: AuditLog, checkpoints: Path
) -> None:
    append(audit, 1, 1)
    with checkpoints.open("a") as out:
        out.write('{"seq": 2, "entr')  # a crash in the middle of a write
    append(audit, 2, 2)
    file = CheckpointFile(checkpoints)
    records = list(file.read())
    assert [r.checkpoint.seq for r in records if r.checkpoint] == [1, 2]
    assert [r.origin for r in records if r.checkpoint is None] == [f"line 2 of {checkpoints}"]


def test_an_unwritable_checkpoint_file_is_loud_and_the_entry_stays(
    store: DocketStore, tmp_path: Path, checkpoints: Path
) -> None:
    from patent_sync.audit import AuditCheckpointError

    blocked = tmp_path / "a-folder"
    blocked.mkdir()
    audit = AuditLog(store, KEY, checkpoints=blocked)  # a folder cannot take a line
    with pytest.raises(AuditCheckpointError, match="cannot write the audit checkpoint to") as err:
        audit.append("load.started", "us_grants/1", {"n": 1})
    assert "\n" not in str(err.value)
    assert [e.seq for e in audit.entries()] == [1]
