"""Quarantine review: list, show, release (corrected or not) and reject, on both backends.

The quarantine rows come from the real pipeline over the project's sample weekly file
``data/uspto/ipg261117.zip``, which holds one parse error (binary garbage), one duplicate
document (conflict) and one grant without a title (schema violation).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from patent_sync.audit import AuditLog, read_entries
from patent_sync.cli.main import main
from patent_sync.feeds.uspto import US_GRANTS
from patent_sync.model import Document, QuarantineCategory
from patent_sync.pipeline.delivery import run_delivery
from patent_sync.pipeline.sources import LocalSource
from patent_sync.quarantine import (
    RELEASE_FEED,
    AlreadyReviewedError,
    CorrectionError,
    CorrectionRequiredError,
    QuarantineNotFoundError,
    ReviewInputError,
    StaleReleaseError,
    StillInvalidError,
    check_review_input,
    get_item,
    list_items,
    reject,
    release,
)
from patent_sync.quarantine import review as review_module
from patent_sync.store import DocketStore, open_store
from patent_sync.validation.documents import DeliveryValidator
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

KEY = STRONG_AUDIT_KEY
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "uspto"
DELIVERY_DATE = dt.date(2026, 11, 17)


@dataclasses.dataclass
class Loaded:
    store: DocketStore
    audit: AuditLog
    load_id: int
    ids: dict[str, int]  # quarantine id per category


@pytest.fixture
def loaded(store: DocketStore, tmp_path: Path) -> Loaded:
    """The sample grants delivery run through acquire → normalize → validate → load."""
    audit = AuditLog(store, KEY, actor="test")
    report = run_delivery(
        US_GRANTS,
        DELIVERY_DATE,
        source=LocalSource(DATA_DIR),
        store=store,
        audit=audit,
        home=tmp_path,
    ).loaded
    ids = {str(item.record.category): item.id for item in store.list_quarantine()}
    assert set(ids) == {"parse_error", "conflict", "schema_violation"}
    return Loaded(store, audit, report.load_id, ids)


def snapshot(store: DocketStore) -> dict[str, Any]:
    """Everything a refused action must leave untouched."""
    return {
        "digest": store.digest(),
        "loads": [(load.load_id, load.status) for load in store.list_loads()],
        "quarantine": [(q.id, q.status) for q in store.list_quarantine(status=None)],
        "audit": [e.entry_hash for e in read_entries(store)],
        "reviews": store.query("SELECT COUNT(*) FROM quarantine_reviews")[0][0],
    }


def titled_correction(loaded: Loaded, title: str = "Battery enclosure with manifold") -> dict:
    payload = get_item(loaded.store, loaded.ids["schema_violation"]).record.payload
    assert payload is not None and payload["title"] is None
    return {**payload, "title": title}


# -- reading ------------------------------------------------------------------------------


def test_list_filters_by_status_category_and_load(loaded: Loaded) -> None:
    items = list_items(loaded.store)
    assert [i.id for i in items] == sorted(loaded.ids.values())
    assert all(i.status == "open" and i.load_id == loaded.load_id for i in items)
    only = list_items(loaded.store, category="schema_violation")
    assert [i.record.doc_key for i in only] == ["US-12896014-B2"]
    assert list_items(loaded.store, load_id=loaded.load_id + 1) == []
    assert list_items(loaded.store, status="released") == []
    with pytest.raises(ReviewInputError, match="unknown category 'nonsense'"):
        list_items(loaded.store, category="nonsense")
    with pytest.raises(ReviewInputError, match="unknown status"):
        list_items(loaded.store, status="closed")


def test_show_has_payload_raw_excerpt_and_no_reviews_yet(loaded: Loaded) -> None:
    violation = get_item(loaded.store, loaded.ids["schema_violation"])
    assert violation.record.failed_checks == ("title_present",)
    assert violation.record.payload is not None
    assert violation.record.payload["doc_key"] == "US-12896014-B2"
    assert violation.reviews == () and violation.released_load_id is None
    parse_error = get_item(loaded.store, loaded.ids["parse_error"])
    assert parse_error.record.payload is None
    assert parse_error.record.raw_excerpt
    with pytest.raises(QuarantineNotFoundError, match="no quarantined record with id 999"):
        get_item(loaded.store, 999)


# -- release ------------------------------------------------------------------------------


def test_corrected_release_lands_in_the_docket_with_its_own_load_and_audit_entry(
    loaded: Loaded,
) -> None:
    store, qid = loaded.store, loaded.ids["schema_violation"]
    assert store.get_document("US-12896014-B2") is None  # quarantined, so never loaded
    result = release(
        store,
        loaded.audit,
        qid,
        reviewer="  J. Doe ",
        reason="title taken from the published PDF",
        corrected=titled_correction(loaded),
    )
    assert result.outcome == "created" and result.corrected
    assert [c.field for c in result.changes] == ["title"]
    assert result.load_id > loaded.load_id

    stored = store.get_document("US-12896014-B2")
    assert stored is not None
    assert stored.record["title"] == "Battery enclosure with manifold"
    assert stored.created_load_id == stored.modified_load_id == result.load_id
    assert stored.content_hash == result.content_hash == stored.document().content_hash()
    original = get_item(store, qid).record
    assert stored.payload_sha256 == original.payload_sha256  # provenance kept

    load = store.get_load(result.load_id)
    assert (load.feed, load.delivery, load.status) == (
        RELEASE_FEED,
        f"quarantine:{qid}",
        "completed",
    )
    assert load.counts == {"created": 1, "modified": 0, "unchanged": 0, "released": 1}

    item = get_item(store, qid)
    assert item.status == "released" and item.released_load_id == result.load_id
    (review,) = item.reviews
    assert (review.action, review.reviewer, review.load_id) == ("released", "J. Doe", load.load_id)
    assert review.corrected and review.corrected_payload == stored.record
    assert review.changes == [
        {"field": "title", "from": None, "to": "Battery enclosure with manifold"}
    ]

    entry = list(read_entries(store))[-1]
    assert (entry.action, entry.subject, entry.seq) == (
        "quarantine.released",
        f"quarantine/{qid}",
        review.audit_seq,
    )
    details = entry.details
    assert details["reviewer"] == "J. Doe"
    assert details["reason"] == "title taken from the published PDF"
    assert details["quarantine_id"] == qid and details["doc_key"] == "US-12896014-B2"
    assert details["content_hash"] == stored.content_hash and details["corrected"] is True
    assert details["load_id"] == result.load_id
    assert details["quarantined_load_id"] == loaded.load_id
    assert details["changes"] == [
        {"field": "title", "from": "null", "to": '"Battery enclosure with manifold"'}
    ]
    assert loaded.audit.verify().ok
    assert [i.id for i in list_items(store)] == sorted(
        v for k, v in loaded.ids.items() if k != "schema_violation"
    )


def test_release_of_a_still_invalid_record_is_refused_and_changes_nothing(loaded: Loaded) -> None:
    before = snapshot(loaded.store)
    with pytest.raises(StillInvalidError, match="still fails validation: title_present") as err:
        release(
            loaded.store, loaded.audit, loaded.ids["schema_violation"], reviewer="a", reason="b"
        )
    assert err.value.failed_checks == ("title_present",)
    blank = titled_correction(loaded, title="   ")
    with pytest.raises(StillInvalidError):
        release(
            loaded.store,
            loaded.audit,
            loaded.ids["schema_violation"],
            reviewer="a",
            reason="b",
            corrected=blank,
        )
    assert snapshot(loaded.store) == before


def test_a_parse_error_is_released_only_with_a_correction(loaded: Loaded) -> None:
    store, qid = loaded.store, loaded.ids["parse_error"]
    with pytest.raises(CorrectionRequiredError, match="--corrected FILE"):
        release(store, loaded.audit, qid, reviewer="a", reason="b")

    # The reviewer rebuilt the document from the paper copy; provenance is filled in.
    written = titled_correction(loaded, title="Sensor housing")
    written.update(doc_key="US-12896021-B2", doc_number="12896021")
    for provenance in ("payload_sha256", "source_file"):
        del written[provenance]
    mismatched = {**written, "payload_sha256": "f" * 64}
    before = snapshot(store)
    with pytest.raises(CorrectionError, match="provenance cannot be corrected"):
        release(store, loaded.audit, qid, reviewer="a", reason="b", corrected=mismatched)
    with pytest.raises(CorrectionError, match="unknown field"):
        release(store, loaded.audit, qid, reviewer="a", reason="b", corrected={**written, "x": 1})
    assert snapshot(store) == before

    result = release(store, loaded.audit, qid, reviewer="a", reason="b", corrected=written)
    stored = store.get_document("US-12896021-B2")
    quarantined = get_item(store, qid).record
    assert stored is not None and stored.modified_load_id == result.load_id
    assert stored.payload_sha256 == quarantined.payload_sha256
    assert stored.record["source_file"] == quarantined.source_file
    assert "doc_key" in {c.field for c in result.changes}
    assert loaded.audit.verify().ok


def test_two_reviewers_racing_release_it_once(
    loaded: Loaded, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    qid = loaded.ids["conflict"]
    barrier = threading.Barrier(2)
    read_item = review_module.get_item

    def read_then_wait(store: DocketStore, quarantine_id: int) -> Any:
        item = read_item(store, quarantine_id)
        barrier.wait(timeout=10)  # both reviewers have seen the row open before either writes
        return item

    monkeypatch.setattr(review_module, "get_item", read_then_wait)

    def attempt() -> str:
        with open_store(store_url) as own:
            try:
                release(own, AuditLog(own, KEY), qid, reviewer="a", reason="race")
            except AlreadyReviewedError:
                return "refused"
            return "released"

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(f.result(timeout=60) for f in [pool.submit(attempt) for _ in "ab"])
    assert outcomes == ["refused", "released"]
    assert len(read_item(loaded.store, qid).reviews) == 1
    assert len(loaded.store.list_loads(feed=RELEASE_FEED)) == 1
    assert loaded.audit.verify().ok


def test_a_correction_must_be_the_same_document(loaded: Loaded) -> None:
    other = {**titled_correction(loaded), "doc_key": "US-12896015-B2", "doc_number": "12896015"}
    with pytest.raises(CorrectionError, match="must be the same document"):
        release(
            loaded.store,
            loaded.audit,
            loaded.ids["schema_violation"],
            reviewer="a",
            reason="b",
            corrected=other,
        )


def test_releasing_a_conflict_twin_replaces_the_loaded_version_once(loaded: Loaded) -> None:
    store, qid = loaded.store, loaded.ids["conflict"]
    twin_key = get_item(store, qid).record.doc_key
    assert twin_key is not None
    loaded_version = store.get_document(twin_key)
    assert loaded_version is not None
    result = release(store, loaded.audit, qid, reviewer="a", reason="the later twin is right")
    assert result.previous_content_hash == loaded_version.content_hash
    now = store.get_document(twin_key)
    assert now is not None and now.content_hash == result.content_hash
    # The sample's twin adds an assignee, so releasing it writes a new version.
    assert result.outcome == "modified" and now.record["assignees"]
    assert now.modified_load_id == result.load_id and now.created_load_id == loaded.load_id
    assert [v.load_id for v in store.document_versions(twin_key)] == [
        loaded.load_id,
        result.load_id,
    ]
    assert loaded.audit.verify().ok

    before = snapshot(store)
    with pytest.raises(AlreadyReviewedError, match=f"quarantine #{qid} is already released"):
        release(store, loaded.audit, qid, reviewer="a", reason="again")
    with pytest.raises(AlreadyReviewedError):
        reject(store, loaded.audit, qid, reviewer="a", reason="changed my mind")
    assert snapshot(store) == before


def test_a_release_never_overwrites_a_newer_version(loaded: Loaded) -> None:
    store, qid = loaded.store, loaded.ids["conflict"]
    twin_key = get_item(store, qid).record.doc_key
    current = store.get_document(twin_key or "")
    assert current is not None
    newer = dataclasses.replace(current.document(), title="Amended title from a later delivery")
    later = store.begin_load("us_grants", "ipg261124.zip", "2026-11-24", "0" * 64)
    store.upsert_documents(later, [newer])
    store.finish_load(later, {"modified": 1})
    before = snapshot(store)
    with pytest.raises(StaleReleaseError, match=f"written by load {later}"):
        release(store, loaded.audit, qid, reviewer="a", reason="b")
    assert snapshot(store) == before


def test_a_document_in_the_wrong_delivery_can_be_released_as_published(loaded: Loaded) -> None:
    # Filed by a delivery dated a week later: the publication date does not match.
    store = loaded.store
    doc = Document.from_json_dict(titled_correction(loaded, title="Late grant"))
    check = DeliveryValidator(
        US_GRANTS.validation, delivery_date=DELIVERY_DATE + dt.timedelta(days=7)
    )
    (record,) = check.validate([doc], [0]).quarantined
    assert record.category == QuarantineCategory.REFERENCE_INTEGRITY
    assert record.failed_checks == ("publication_date_matches_delivery",)
    later = store.begin_load("us_grants", "ipg261124.zip", "2026-11-24", "1" * 64)
    store.add_quarantine(later, [record])
    store.finish_load(later, {"quarantined": 1})
    (item,) = list_items(store, category="reference_integrity")
    result = release(store, loaded.audit, item.id, reviewer="a", reason="genuine, misfiled")
    stored = store.get_document(doc.doc_key)
    assert stored is not None and stored.record["publication_date"] == "2026-11-17"
    assert result.outcome == "created" and not result.corrected


# -- reject -------------------------------------------------------------------------------


def test_reject_keeps_the_row_and_audits_it(loaded: Loaded) -> None:
    store, qid = loaded.store, loaded.ids["parse_error"]
    result = reject(store, loaded.audit, qid, reviewer="J. Doe", reason="unreadable segment")
    item = get_item(store, qid)
    assert item.status == "rejected" and item.released_load_id is None
    assert [i.id for i in list_items(store, status="rejected")] == [qid]
    (review,) = item.reviews
    assert (review.action, review.reason, review.audit_seq) == (
        "rejected",
        "unreadable segment",
        result.audit_seq,
    )
    entry = list(read_entries(store))[-1]
    assert entry.action == "quarantine.rejected"
    assert entry.details["quarantine_id"] == qid
    assert entry.details["category"] == "parse_error"
    assert loaded.audit.verify().ok
    before = snapshot(store)
    with pytest.raises(AlreadyReviewedError, match="already rejected"):
        reject(store, loaded.audit, qid, reviewer="J. Doe", reason="twice")
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("reviewer", "reason", "message"),
    [
        ("", "fine", "reviewer is required"),
        ("J. Doe", "   ", "reason is required"),
        ("J.\nDoe", "fine", "one line"),
        ("J. Doe", "Bearer abc.def.ghi", "must not hold secrets"),
        ("J. Doe", "used key s3cr3t-v4lue-1234 to fetch", "PATENT_SYNC_TEST_API_KEY"),
    ],
)
def test_reviewer_and_reason_are_required_and_secret_free(
    loaded: Loaded, monkeypatch: pytest.MonkeyPatch, reviewer: str, reason: str, message: str
) -> None:
    monkeypatch.setenv("PATENT_SYNC_TEST_API_KEY", "s3cr3t-v4lue-1234")
    before = snapshot(loaded.store)
    with pytest.raises(ReviewInputError, match=message) as err:
        reject(loaded.store, loaded.audit, loaded.ids["conflict"], reviewer=reviewer, reason=reason)
    assert "s3cr3t-v4lue-1234" not in str(err.value)
    assert snapshot(loaded.store) == before


def test_review_input_is_stripped() -> None:
    assert check_review_input(" a ", "\tb\n", env={}) == ("a", "b")


# -- command line -------------------------------------------------------------------------


@pytest.fixture
def cli_env(loaded: Loaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Loaded:
    monkeypatch.setenv("PATENT_SYNC_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    monkeypatch.delenv("PATENT_SYNC_STORE_URL", raising=False)
    return loaded


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_and_show(
    cli_env: Loaded, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "quarantine", "list", "--store", store_url)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("ID\tLOAD\tSTATUS\tCATEGORY")
    violation = next(line.split("\t") for line in lines[1:] if "schema_violation" in line)
    assert violation[:6] == [
        str(cli_env.ids["schema_violation"]),
        str(cli_env.load_id),
        "open",
        "schema_violation",
        "US-12896014-B2",
        "title_present",
    ]
    assert "3 quarantined record(s)" in err

    code, out, _ = run(
        capsys, "quarantine", "list", "--store", store_url, "--category", "conflict", "--json"
    )
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and row["id"] == cli_env.ids["conflict"]
    assert row["failed_checks"] == ["duplicate_doc_key_in_delivery"]

    qid = str(cli_env.ids["parse_error"])
    code, out, _ = run(capsys, "quarantine", "show", qid, "--store", store_url)
    assert code == 0 and "category:        parse_error" in out and "raw excerpt:" in out
    assert "\x00" not in out and "\x1b" not in out  # binary input is escaped for the terminal
    code, out, err = run(capsys, "quarantine", "show", qid, "--store", store_url, "--payload")
    assert code == 1 and out == "" and err.count("\n") == 1 and "no canonical payload" in err

    qid = str(cli_env.ids["schema_violation"])
    code, out, _ = run(capsys, "quarantine", "show", qid, "--store", store_url, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["payload"]["doc_key"] == "US-12896014-B2"
    assert shown["reviews"] == []


def test_cli_release_reject_and_refusals(
    cli_env: Loaded, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    violation = str(cli_env.ids["schema_violation"])
    decision = ("--store", store_url, "--reviewer", "J. Doe", "--reason", "title from the PDF")
    code, out, err = run(capsys, "quarantine", "release", violation, *decision)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "still fails validation: title_present" in err

    code, payload, _ = run(
        capsys, "quarantine", "show", violation, "--store", store_url, "--payload"
    )
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps({**json.loads(payload), "title": "Battery enclosure"}))
    code, out, err = run(
        capsys, "quarantine", "release", violation, *decision, "--corrected", str(fixed)
    )
    assert code == 0 and err == ""
    assert f"released quarantine #{violation} US-12896014-B2" in out and "corrected (title)" in out
    stored = cli_env.store.get_document("US-12896014-B2")
    assert stored is not None and stored.record["title"] == "Battery enclosure"

    code, out, err = run(capsys, "quarantine", "release", violation, *decision)
    assert (code, out) == (1, "")
    assert err == (
        f"patent-sync quarantine: error: quarantine #{violation} is already released; "
        "a review decision is final\n"
    )

    parse_error = str(cli_env.ids["parse_error"])
    code, _, err = run(capsys, "quarantine", "release", parse_error, *decision)
    assert code == 1 and "--corrected FILE" in err
    code, out, _ = run(capsys, "quarantine", "reject", parse_error, *decision)
    assert code == 0 and out.startswith(f"rejected quarantine #{parse_error}")
    code, _, err = run(capsys, "quarantine", "reject", "999", *decision)
    assert code == 1 and "no quarantined record with id 999" in err
    code, _, err = run(
        capsys, "quarantine", "release", parse_error, *decision, "--corrected", str(tmp_path)
    )
    assert code == 1 and "corrected document" in err

    code, out, _ = run(capsys, "quarantine", "list", "--store", store_url, "--status", "all")
    statuses = {line.split("\t")[0]: line.split("\t")[2] for line in out.splitlines()[1:]}
    assert statuses[violation] == "released" and statuses[parse_error] == "rejected"
    code, out, _ = run(capsys, "audit", "verify", "--store", store_url)
    assert code == 0 and "audit log OK" in out


def test_cli_without_key_or_store_exits_2(
    cli_env: Loaded,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(cli_env.store)
    qid = str(cli_env.ids["conflict"])
    monkeypatch.delenv("PATENT_SYNC_AUDIT_KEY")
    decision = ("--reviewer", "a", "--reason", "b")
    code, _, err = run(capsys, "quarantine", "reject", qid, "--store", store_url, *decision)
    assert code == 2 and "no audit key" in err
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    missing = f"sqlite:///{tmp_path / 'nowhere.sqlite'}"
    code, _, err = run(capsys, "quarantine", "reject", qid, "--store", missing, *decision)
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "quarantine", "list", "--store", missing)
    assert code == 2
    assert snapshot(cli_env.store) == before
