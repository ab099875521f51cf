"""``patent-sync audit verify | show`` exit codes and messages."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from patent_sync.audit import AuditLog
from patent_sync.audit.keys import create_local_key
from patent_sync.cli.main import main
from patent_sync.store import open_store

KEY = hashlib.sha256(b"audit cli tests: key").digest()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty PATENT_SYNC_HOME and no key or store URL from the environment."""
    monkeypatch.setenv("PATENT_SYNC_HOME", str(tmp_path / "var"))
    monkeypatch.delenv("PATENT_SYNC_AUDIT_KEY", raising=False)
    monkeypatch.delenv("PATENT_SYNC_STORE_URL", raising=False)
    monkeypatch.delenv("PATENT_SYNC_AUDIT_CHECKPOINTS", raising=False)
    return tmp_path / "var"


def make_log(url: str, key: bytes = KEY, entries: int = 4) -> None:
    with open_store(url) as store:
        store.migrate()
        audit = AuditLog(store, key)
        for n in range(1, entries + 1):
            audit.append(f"load.step{n}", f"us_grants/{n}", {"n": n})


def tamper(url: str, sql: str) -> None:
    with open_store(url) as store, store.transaction() as cur:
        cur.execute("DROP TRIGGER audit_log_no_update")
        cur.execute("DROP TRIGGER audit_log_no_delete")
        cur.execute(sql)


def test_verify_ok_with_the_default_store_and_key_file(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = create_local_key(home / "audit.key")
    make_log(f"sqlite:///{home / 'docket.sqlite'}", key)
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("audit log OK: 4 entries verified; 4 checkpoint(s) from ")
    assert f"{home / 'audit.checkpoints'} match (newest: entry #4, 20" in out
    assert out.count("\n") == 1


def test_verify_uses_the_environment(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    make_log(url, entries=2)
    monkeypatch.setenv("PATENT_SYNC_STORE_URL", url)
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    assert main(["audit", "verify"]) == 0
    assert "2 entries verified" in capsys.readouterr().out


def test_verify_names_an_altered_entry(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    make_log(url)
    tamper(url, "UPDATE audit_log SET subject = 'us_grants/99' WHERE seq = 3")
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    assert main(["audit", "verify", "--store", url]) == 1
    out = capsys.readouterr().out
    assert out.startswith("audit log BROKEN at entry #3 (action load.step3, recorded 20")
    assert "content was altered" in out


def test_verify_names_a_deleted_entry(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    make_log(url)
    tamper(url, "DELETE FROM audit_log WHERE seq = 2")
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    assert main(["audit", "verify", "--store", url]) == 1
    assert capsys.readouterr().out.startswith(
        "audit log BROKEN at entry #2: entry #2 is missing before #3"
    )


def test_verify_with_the_wrong_key_is_broken(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    make_log(url)
    other_key = hashlib.sha256(b"audit cli tests: other key").hexdigest()
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", other_key)
    assert main(["audit", "verify", "--store", url]) == 1
    assert "entry #1 (action load.step1" in capsys.readouterr().out


def test_missing_key_is_a_one_line_error(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    make_log(url)
    assert main(["audit", "verify", "--store", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no audit key: set PATENT_SYNC_AUDIT_KEY" in err


def test_short_key_is_a_one_line_error_without_the_key(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", "tiny-key-value")
    assert main(["audit", "verify", "--store", f"sqlite:///{tmp_path / 'x.sqlite'}"]) == 2
    err = capsys.readouterr().err
    assert "at least 32" in err and "tiny-key-value" not in err


def test_missing_store_is_a_one_line_error_and_creates_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    assert main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no docket store at" in err
    assert not (home / "docket.sqlite").exists()


def test_unmigrated_store_is_a_one_line_error(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.sqlite"
    open_store(f"sqlite:///{path}").close()
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    assert main(["audit", "verify", "--store", f"sqlite:///{path}"]) == 2
    assert "has no audit log yet" in capsys.readouterr().err


def test_show_prints_entries_as_json_lines(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    make_log(url, entries=3)
    assert main(["audit", "show", "--store", url, "--since", "1", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["seq"], e["action"], e["details"]) for e in lines] == [
        (2, "load.step2", {"n": 2}),
        (3, "load.step3", {"n": 3}),
    ]
    assert main(["audit", "show", "--store", url]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("#1 ")
