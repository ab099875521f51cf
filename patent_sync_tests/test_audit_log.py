"""The hash-chained, signed audit log on both backends: appends, verification, tampering."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from patent_sync.audit import GENESIS_HASH, AuditLog, AuditSecretError
from patent_sync.audit.log import _entry_hash
from patent_sync.store import DocketStore, open_store
from patent_sync.store.testing import postgres_schema_url
from patent_sync_tests.conftest import require_postgres

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@pytest.fixture(autouse=True)
def checkpoint_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's checkpoints go to its own file, never to the project's var/."""
    path = tmp_path / "audit.checkpoints"
    monkeypatch.setenv("PATENT_SYNC_AUDIT_CHECKPOINTS", str(path))
    return path


@pytest.fixture
def audit(store: DocketStore) -> AuditLog:
    return AuditLog(store, KEY, actor="tester@host")


def append_five(audit: AuditLog) -> None:
    for n in range(1, 6):
        audit.append(f"load.step{n}", f"us_grants/2024-05-0{n}", {"load_id": n, "files": [n]})


def allow_tampering(store: DocketStore) -> None:
    """Drop the append-only triggers, as someone with database access could."""
    with store.transaction() as cur:
        if store.backend == "sqlite":
            cur.execute("DROP TRIGGER audit_log_no_update")
            cur.execute("DROP TRIGGER audit_log_no_delete")
        else:
            cur.execute("DROP TRIGGER audit_log_append_only ON audit_log")


def tamper(store: DocketStore, sql: str, params: tuple[object, ...] = ()) -> None:
    allow_tampering(store)
    with store.transaction() as cur:
        cur.execute(sql, params)


def test_appended_entries_chain_and_verify(audit: AuditLog, store: DocketStore) -> None:
    assert audit.verify().ok and audit.verify().entries_checked == 0
    first = audit.append("raw.fetched", "us_grants/2024-05-07", {"sha256": "ab" * 32, "size": 9})
    second = audit.append("load.completed", "us_grants/2024-05-07", {"load_id": 1, "created": 3})

    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert first.actor == "tester@host" and first.recorded_at.endswith("+00:00")
    assert audit.head() == (2, second.entry_hash)
    report = audit.verify()
    assert (report.ok, report.entries_checked, report.first_bad_seq) == (True, 2, None)
    assert list(audit.entries()) == [first, second]
    assert [e.seq for e in audit.entries(since_seq=1)] == [2]


def test_the_database_refuses_updates_and_deletes(audit: AuditLog, store: DocketStore) -> None:
    audit.append("raw.fetched", "x", {"n": 1})
    for sql in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), store.transaction() as cur:
            cur.execute(sql)
    assert audit.verify().ok


def test_altered_details_are_named(audit: AuditLog, store: DocketStore) -> None:
    append_five(audit)
    tamper(store, "UPDATE audit_log SET details = ? WHERE seq = 3", ('{"files":[3],"load_id":33}',))
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.entries_checked) == (False, 3, 2)
    assert "content was altered" in report.reason
    assert report.entry is not None and report.entry.action == "load.step3"


def test_unparseable_details_count_as_altered(audit: AuditLog, store: DocketStore) -> None:
    append_five(audit)
    tamper(store, "UPDATE audit_log SET details = ? WHERE seq = 2", ("not json",))
    report = audit.verify()
    assert (report.first_bad_seq, "altered" in report.reason) == (2, True)


def test_a_deleted_entry_is_named(audit: AuditLog, store: DocketStore) -> None:
    append_five(audit)
    tamper(store, "DELETE FROM audit_log WHERE seq = 3")
    report = audit.verify()
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert "entry #3 is missing" in report.reason and "deleted" in report.reason
    assert report.entry is not None and report.entry.seq == 4


def test_a_deleted_tail_is_noticed(audit: AuditLog, store: DocketStore) -> None:
    append_five(audit)
    tamper(store, "DELETE FROM audit_log WHERE seq >= 4")
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.entries_checked) == (False, 4, 3)
    assert "entries #4..#5 are missing at the end" in report.reason


def test_reordered_entries_are_named(audit: AuditLog, store: DocketStore) -> None:
    append_five(audit)
    allow_tampering(store)
    with store.transaction() as cur:
        cur.execute("UPDATE audit_log SET seq = -2 WHERE seq = 2")
        cur.execute("UPDATE audit_log SET seq = 2 WHERE seq = 3")
        cur.execute("UPDATE audit_log SET seq = 3 WHERE seq = -2")
    report = audit.verify()
    assert (report.ok, report.first_bad_seq) == (False, 2)
    assert "removed or the entries were reordered" in report.reason


def test_a_forged_entry_with_a_recomputed_hash_fails_the_signature(
    audit: AuditLog, store: DocketStore
) -> None:
    append_five(audit)
    victim = next(e for e in audit.entries() if e.seq == 4)
    forged_details = {**victim.details, "load_id": 44}
    forged_hash = _entry_hash(
        victim.prev_hash,
        victim.seq,
        victim.recorded_at,
        victim.actor,
        victim.action,
        victim.subject,
        forged_details,
    )
    tamper(
        store,
        "UPDATE audit_log SET details = ?, entry_hash = ? WHERE seq = 4",
        ('{"files":[4],"load_id":44}', forged_hash),
    )
    report = audit.verify()
    assert (report.first_bad_seq, "signature mismatch" in report.reason) == (4, True)


def test_the_wrong_key_fails_at_the_first_entry(audit: AuditLog, store: DocketStore) -> None:
    append_five(audit)
    report = AuditLog(store, OTHER_KEY).verify()
    assert (report.ok, report.first_bad_seq, report.entries_checked) == (False, 1, 0)
    assert "different key" in report.reason


@pytest.mark.parametrize(
    "details",
    [
        {"api_key": "abc"},
        {"request": {"headers": {"Authorization": "x"}}},
        {"X-Api-Key": "abc"},
        {"db_password": "x"},
        {"accessToken": "x"},
        {"clients": [{"client_secret": "x"}]},
        {"header": "Bearer eyJhbGciOi"},
    ],
)
def test_secrets_are_refused_and_nothing_is_written(
    audit: AuditLog, store: DocketStore, details: dict[str, object]
) -> None:
    with pytest.raises(AuditSecretError, match="must not hold secrets") as caught:
        audit.append("fetch.started", "uspto", details)
    assert "eyJhbGciOi" not in str(caught.value) and "abc" not in str(caught.value)
    assert list(audit.entries()) == []


def test_an_entry_commits_and_rolls_back_with_its_transaction(
    audit: AuditLog, store: DocketStore
) -> None:
    with pytest.raises(RuntimeError), store.transaction() as cur:
        load_id = store.begin_load("us_grants", "ipg.zip", None, "f" * 64)
        audit.append("load.started", "us_grants", {"load_id": load_id}, cursor=cur)
        raise RuntimeError("load failed before commit")
    assert list(audit.entries()) == [] and store.latest_load_id() is None

    with store.transaction() as cur:
        load_id = store.begin_load("us_grants", "ipg.zip", None, "f" * 64)
        entry = audit.append("load.started", "us_grants", {"load_id": load_id}, cursor=cur)
    assert [e.entry_hash for e in audit.entries()] == [entry.entry_hash]
    assert audit.verify().ok


def test_key_and_arguments_are_checked(store: DocketStore) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        AuditLog(store, b"short")
    audit = AuditLog(store, KEY)
    with pytest.raises(ValueError, match="action and a subject"):
        audit.append("", "x", {})
    with pytest.raises(TypeError, match="mapping"):
        audit.append("a", "x", ["not", "a", "dict"])  # type: ignore[arg-type]
    assert KEY.hex() not in repr(audit)


def _append_in_child(url: str, worker: int, count: int) -> None:
    with open_store(url) as store:
        audit = AuditLog(store, KEY, actor=f"worker{worker}")
        for n in range(count):
            audit.append("test.append", f"worker{worker}", {"n": n})


def test_two_processes_appending_keep_one_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    with open_store(url) as store:
        store.migrate()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_in_child, args=(url, w, 40)) for w in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    with open_store(url) as store:
        audit = AuditLog(store, KEY)
        report = audit.verify()
        entries = list(audit.entries())
    assert (report.ok, report.entries_checked) == (True, 80)
    assert [e.seq for e in entries] == list(range(1, 81))
    for worker in ("worker1", "worker2"):
        assert [e.details["n"] for e in entries if e.actor == worker] == list(range(40))


@pytest.mark.postgres
def test_concurrent_connections_keep_one_chain_on_postgres() -> None:
    errors: list[BaseException] = []
    with postgres_schema_url(require_postgres()) as url:
        with open_store(url) as store:
            store.migrate()

        def append_many(worker: int) -> None:
            try:
                _append_in_child(url, worker, 25)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=append_many, args=(w,)) for w in (1, 2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        with open_store(url) as store:
            report = AuditLog(store, KEY).verify()
    assert (report.ok, report.entries_checked) == (True, 75)
