"""The docket store contract, run unchanged on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from patent_sync.model import Document, Party, QuarantineCategory, QuarantineRecord
from patent_sync.store import (
    DocketStore,
    LoadStateError,
    UnknownLoadError,
    migrations,
    open_store,
)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def make_doc(number: int, **changes: Any) -> Document:
    doc = Document(
        doc_key=f"US-{number}-B2",
        country="US",
        doc_number=str(number),
        kind="B2",
        publication_date=dt.date(2024, 5, 7),
        application_number=f"17{number:06d}",
        filing_date=dt.date(2021, 3, 1),
        title=f"Widget number {number}",
        title_lang="en",
        source="uspto.ptgrxml",
        payload_sha256=hashlib.sha256(f"doc{number}".encode()).hexdigest(),
        applicants=(Party("Acme Corp", "organization", country="US"),),
        cpc=("G06F 16/00",),
        source_file="ipg240507.zip",
    )
    return dataclasses.replace(doc, **changes)


_WEEKS = itertools.count()


def started_load(store: DocketStore, delivery: str = "ipg240507.zip") -> int:
    # A partition of its own: the store allows one running load per feed and partition.
    partition = (dt.date(2024, 5, 7) + dt.timedelta(weeks=next(_WEEKS))).isoformat()
    return store.begin_load("us_grants", delivery, partition, "f" * 64)


def quarantine_record(position: int, **changes: Any) -> QuarantineRecord:
    record = QuarantineRecord(
        category=QuarantineCategory.SCHEMA_VIOLATION,
        failed_checks=("publication_date_not_null",),
        source="uspto.ptgrxml",
        source_file="ipg240507.zip",
        position=position,
        payload_sha256=hashlib.sha256(f"q{position}".encode()).hexdigest(),
        doc_key=f"US-{position}-B2",
        detail="publication date missing",
        payload={"doc_key": f"US-{position}-B2", "title": "Widget"},
        raw_excerpt="<us-patent-grant>…",
    )
    return dataclasses.replace(record, **changes)


def table_state(store: DocketStore) -> dict[str, Any]:
    """Everything an upsert could touch, including a per-row write marker where one exists."""
    marker = "xmin::text" if store.backend == "postgresql" else "rowid"
    return {
        "documents": store.query(f"SELECT {marker}, * FROM documents ORDER BY doc_key"),
        "versions": store.query("SELECT * FROM document_versions ORDER BY doc_key, version"),
    }


# -- migrations ------------------------------------------------------------------------------


def test_migrations_apply_once_and_are_recorded(store_url: str) -> None:
    known = [m.id for m in migrations.discover()]
    assert known[0] == "0001_core" and known == sorted(known)
    with open_store(store_url) as store:
        assert store.applied_migrations() == []
        assert store.pending_migrations() == known
        assert store.migrate() == known
        assert store.migrate() == []
        assert store.applied_migrations() == known
        assert store.pending_migrations() == []
        for table in ("loads", "documents", "document_versions", "quarantine", "audit_log"):
            assert store.table_exists(table), table
    with open_store(store_url) as reopened:  # a second process finds nothing to do
        assert reopened.migrate() == []


# -- loads -----------------------------------------------------------------------------------


def test_load_ids_increase_and_record_their_lifecycle(store: DocketStore) -> None:
    assert store.latest_load_id() is None
    first = started_load(store)
    second = store.begin_load("us_applications", "ipa240509.zip", "2024-05-09", "e" * 64)
    assert second > first
    assert store.latest_load_id() == second

    store.finish_load(first, {"created": 3, "quarantined": 1})
    store.fail_load(second, "ParseError: truncated file")
    done, failed = store.get_load(first), store.get_load(second)
    assert (done.status, done.counts) == ("completed", {"created": 3, "quarantined": 1})
    assert done.finished_at is not None and done.finished_at >= done.started_at
    assert done.started_at.endswith("+00:00")
    assert (failed.status, failed.error) == ("failed", "ParseError: truncated file")
    assert store.latest_load_id(completed_only=True) == first
    assert [load.load_id for load in store.list_loads()] == [first, second]
    assert [load.load_id for load in store.list_loads("us_applications")] == [second]

    third = started_load(store)
    assert third > second  # a failed load's id is never reused


def test_find_completed_load_matches_feed_delivery_and_bytes(store: DocketStore) -> None:
    load_id = started_load(store)
    assert store.find_completed_load("us_grants", "ipg240507.zip", "f" * 64) is None  # running
    store.finish_load(load_id, {"created": 1})
    found = store.find_completed_load("us_grants", "ipg240507.zip", "f" * 64)
    assert found is not None and found.load_id == load_id
    assert store.find_completed_load("us_grants", "ipg240507.zip", "0" * 64) is None
    assert store.find_completed_load("us_applications", "ipg240507.zip", "f" * 64) is None


def test_load_state_errors_are_specific(store: DocketStore) -> None:
    load_id = started_load(store)
    store.finish_load(load_id, {})
    with pytest.raises(LoadStateError, match="completed, not running"):
        store.fail_load(load_id, "late failure")
    with pytest.raises(LoadStateError, match="begin a new load"):
        store.upsert_documents(load_id, [make_doc(1)])
    with pytest.raises(UnknownLoadError, match="no load with id 999"):
        store.get_load(999)
    with pytest.raises(UnknownLoadError):
        store.finish_load(999, {})


# -- documents -------------------------------------------------------------------------------


def test_upsert_counts_created_modified_unchanged(store: DocketStore) -> None:
    first = started_load(store)
    counts = store.upsert_documents(first, [make_doc(n) for n in range(1, 6)])
    assert (counts.created, counts.modified, counts.unchanged) == (5, 0, 0)

    second = started_load(store)
    batch = [make_doc(n) for n in range(1, 4)]  # unchanged
    batch += [make_doc(4, title="Improved widget")]  # modified
    batch += [make_doc(6)]  # new
    counts = store.upsert_documents(second, batch)
    assert (counts.created, counts.modified, counts.unchanged) == (1, 1, 3)

    stored = store.get_document("US-4-B2")
    assert stored is not None
    assert (stored.created_load_id, stored.modified_load_id, stored.version) == (first, second, 2)
    assert stored.record["title"] == "Improved widget"
    assert stored.document() == make_doc(4, title="Improved widget")
    new = store.get_document("US-6-B2")
    assert new is not None and new.created_load_id == new.modified_load_id == second
    assert store.count_documents() == 6
    assert store.count_documents(load_id=second) == 2
    assert store.get_document("US-404-B2") is None


def test_unchanged_reupsert_writes_nothing(store: DocketStore) -> None:
    docs = [make_doc(n) for n in range(1, 20)]
    store.upsert_documents(started_load(store), docs)
    before = table_state(store)

    later = started_load(store)
    # Same content from a different delivery file: still the same document.
    redelivered = [dataclasses.replace(d, source_file="ipg240514.zip") for d in docs]
    counts = store.upsert_documents(later, redelivered)

    assert (counts.created, counts.modified, counts.unchanged) == (0, 0, len(docs))
    assert table_state(store) == before
    assert store.count_documents(load_id=later) == 0


def test_every_version_is_kept(store: DocketStore) -> None:
    loads = [started_load(store) for _ in range(3)]
    for load_id, title in zip(loads, ["v1", "v2", "v3"], strict=True):
        store.upsert_documents(load_id, [make_doc(7, title=title)])
    versions = store.document_versions("US-7-B2")
    assert [(v.version, v.load_id, v.record["title"]) for v in versions] == [
        (1, loads[0], "v1"),
        (2, loads[1], "v2"),
        (3, loads[2], "v3"),
    ]
    assert [v.is_current for v in versions] == [False, False, True]
    assert len({v.content_hash for v in versions}) == 3
    assert store.document_versions("US-404-B2") == []


def test_same_key_twice_in_one_batch_counts_both(store: DocketStore) -> None:
    load_id = started_load(store)
    counts = store.upsert_documents(
        load_id, [make_doc(1), make_doc(1, title="corrected"), make_doc(1, title="corrected")]
    )
    assert (counts.created, counts.modified, counts.unchanged) == (1, 1, 1)
    assert [v.record["title"] for v in store.document_versions("US-1-B2")] == [
        "Widget number 1",
        "corrected",
    ]


def test_delete_and_undelete(store: DocketStore) -> None:
    first = started_load(store)
    store.upsert_documents(first, [make_doc(1), make_doc(2)])
    second = started_load(store)
    assert store.delete_documents(second, ["US-1-B2", "US-404-B2"]) == 1
    assert store.delete_documents(second, ["US-1-B2"]) == 0  # already deleted

    deleted = store.get_document("US-1-B2")
    assert deleted is not None and deleted.deleted and deleted.deleted_load_id == second
    assert deleted.modified_load_id == first
    assert store.count_documents() == 1
    assert store.count_documents(include_deleted=True) == 2
    assert store.count_documents(load_id=second, include_deleted=True) == 1

    third = started_load(store)
    counts = store.upsert_documents(third, [make_doc(1)])  # reappears unchanged
    assert (counts.created, counts.modified, counts.unchanged) == (0, 1, 0)
    back = store.get_document("US-1-B2")
    assert back is not None and not back.deleted and back.modified_load_id == third
    assert store.count_documents() == 2


def test_documents_since_streams_every_change_after_a_load(store: DocketStore) -> None:
    first = started_load(store)
    store.upsert_documents(first, [make_doc(n) for n in range(1, 5)])
    second = started_load(store)
    store.upsert_documents(second, [make_doc(2, title="changed"), make_doc(9)])
    store.delete_documents(second, ["US-3-B2"])

    since_first = list(store.documents_since(first))
    assert [d.doc_key for d in since_first] == ["US-2-B2", "US-3-B2", "US-9-B2"]
    assert [d.deleted for d in since_first] == [False, True, False]
    assert [d.doc_key for d in store.documents_since(0)] == [f"US-{n}-B2" for n in (1, 2, 3, 4, 9)]
    assert list(store.documents_since(second)) == []


def test_documents_since_pages_through_large_results(store: DocketStore) -> None:
    load_id = started_load(store)
    store.upsert_documents(load_id, [make_doc(n) for n in range(2500)])  # > one 2,000-row page
    keys = [d.doc_key for d in store.documents_since(0)]
    assert len(keys) == len(set(keys)) == 2500
    assert keys == sorted(keys)


def test_failed_batch_rolls_back_entirely(store: DocketStore) -> None:
    load_id = started_load(store)
    store.upsert_documents(load_id, [make_doc(1)])
    broken = make_doc(2, country=None)  # violates NOT NULL after doc 3 would have been written
    with pytest.raises(Exception, match=r"(?i)not.null|null value"):
        store.upsert_documents(load_id, [make_doc(3), broken])
    assert store.get_document("US-3-B2") is None
    assert store.count_documents() == 1


def test_digest_ignores_arrival_order_and_batching(tmp_path: Path, store: DocketStore) -> None:
    docs = [make_doc(n) for n in range(40)]
    changed = make_doc(5, title="amended")
    store.upsert_documents(started_load(store), docs)
    store.upsert_documents(started_load(store), [changed])
    deleting = started_load(store)
    store.delete_documents(deleting, ["US-7-B2"])

    shuffled = docs[:]
    random.Random(4).shuffle(shuffled)
    with open_store(f"sqlite:///{tmp_path / 'replay.sqlite'}") as replay:
        replay.migrate()
        for start in range(0, 40, 7):  # other batches, other order, other load ids
            replay.upsert_documents(started_load(replay), shuffled[start : start + 7])
        replay_load = started_load(replay)
        replay.upsert_documents(replay_load, [changed])
        replay.delete_documents(replay_load, ["US-7-B2"])
        assert replay.digest() == store.digest()

        replay.upsert_documents(started_load(replay), [make_doc(5, title="different")])
        assert replay.digest() != store.digest()


# -- quarantine ------------------------------------------------------------------------------


def test_quarantine_rows_counts_and_no_duplicates_on_rerun(store: DocketStore) -> None:
    load_id = started_load(store)
    records = [
        quarantine_record(0),
        quarantine_record(3, category=QuarantineCategory.PARSE_ERROR, payload=None, doc_key=None),
        quarantine_record(5),
        # Same record position failing two ways: two categories, two rows.
        quarantine_record(5, category=QuarantineCategory.UNKNOWN_CODE),
    ]
    assert store.add_quarantine(load_id, records) == 4
    assert store.add_quarantine(load_id, records) == 0  # a re-run files nothing twice
    assert store.quarantine_counts(load_id) == {
        "parse_error": 1,
        "schema_violation": 2,
        "unknown_code": 1,
    }

    other = started_load(store)
    assert store.add_quarantine(other, records[:1]) == 1  # another load files its own
    assert store.quarantine_counts()["schema_violation"] == 3
    assert store.quarantine_counts(other) == {"schema_violation": 1}

    rows = store.list_quarantine(load_id=load_id)
    assert [row.record for row in rows] == records
    assert {row.status for row in rows} == {"open"}
    assert all(row.created_at.endswith("+00:00") for row in rows)
    parse_errors = store.list_quarantine(category="parse_error")
    assert [row.record.position for row in parse_errors] == [3]
    assert store.list_quarantine(status="released") == []
    assert len(store.list_quarantine(status=None)) == 5


def test_quarantined_binary_garbage_is_stored_visibly(store: DocketStore) -> None:
    garbage = quarantine_record(0, raw_excerpt="PK\x03\x04\x00\x00junk", detail="bad\x00byte")
    assert store.add_quarantine(started_load(store), [garbage]) == 1
    (row,) = store.list_quarantine()
    assert row.record.raw_excerpt == "PK\x03\x04\u2400\u2400junk"
    assert row.record.detail == "bad\u2400byte"


def test_quarantine_needs_a_known_load(store: DocketStore) -> None:
    with pytest.raises(UnknownLoadError):
        store.add_quarantine(12345, [quarantine_record(0)])


# -- raw manifest ----------------------------------------------------------------------------


def test_raw_manifest_records_each_sighting_once(store: DocketStore) -> None:
    sha = hashlib.sha256(b"weekly file").hexdigest()
    fetched = dt.datetime(2024, 5, 7, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert store.record_raw_payload(sha, 11, "uspto.ptgrxml", "https://example/a.zip", fetched)
    assert not store.record_raw_payload(sha, 11, "uspto.ptgrxml", "https://example/a.zip", fetched)
    assert not store.record_raw_payload(sha, 11, "uspto.ptgrxml", "mirror/a.zip", fetched)

    sightings = store.raw_sightings(sha)
    assert [s.origin for s in sightings] == ["https://example/a.zip", "mirror/a.zip"]
    assert sightings[0].fetched_at == "2024-05-07T10:00:00.000000+00:00"  # stored in UTC

    with pytest.raises(ValueError, match="no time zone"):
        store.record_raw_payload(sha, 11, "x", "y", dt.datetime(2024, 5, 7))


# -- generic access --------------------------------------------------------------------------


def test_transaction_cursor_takes_question_marks_and_rolls_back(store: DocketStore) -> None:
    with store.transaction() as cur:
        cur.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        cur.executemany(
            "INSERT INTO notes (id, body) VALUES (?, ?)", [(1, "why?"), (2, "100% sure")]
        )
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as cur:
        cur.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (3, "lost"))
        raise RuntimeError("boom")
    with store.transaction() as cur:
        rows = cur.execute(
            "SELECT body FROM notes WHERE body LIKE '%?' OR id = ? ORDER BY id", (2,)
        ).fetchall()
    assert rows == [("why?",), ("100% sure",)]
    assert store.query("SELECT COUNT(*) FROM notes")[0][0] == 2


def test_nested_transactions_commit_together(store: DocketStore) -> None:
    load_id = started_load(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_documents(load_id, [make_doc(1)])
        store.add_quarantine(load_id, [quarantine_record(2)])
        raise RuntimeError("the audit entry could not be written")
    assert store.count_documents() == 0
    assert store.quarantine_counts() == {}


def test_one_running_load_per_partition(store: DocketStore) -> None:
    """The backstop under the load lease: the database refuses a second running load."""
    store.begin_load("docdb_amend", "docdb_xml_202647_Amend_001.zip", "2026-11-17", "a" * 64)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        store.begin_load("docdb_amend", "docdb_xml_202647_Amend_001.zip", "2026-11-17", "b" * 64)
