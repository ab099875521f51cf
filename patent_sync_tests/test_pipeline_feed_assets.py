"""The US feed assets materialized in process for a partition, on SQLite and on PostgreSQL.

What a docketing team relies on: every record of a weekly file is either in the docket or in
quarantine with the right category; the reconciliation checks say so; loading the same file
again changes nothing (no new load, no new versions) and the audit log records the no-op; a
corrected re-delivery modifies only what changed and keeps the prior version.
"""

from __future__ import annotations

import collections
import io
import json
import re
import zipfile
from pathlib import Path

import dagster as dg

from patent_sync.audit import AuditLog
from patent_sync.defs.feeds import build_feed_definitions
from patent_sync.feeds import FeedSpec
from patent_sync.feeds.uspto import US_APPLICATIONS, US_GRANTS
from patent_sync.resources import (
    DocketStoreResource,
    FeedSourcesResource,
    LocalStorageResource,
)
from patent_sync.samplegen.demo import DEMO_WEEKS
from patent_sync.settings import PROJECT_ROOT
from patent_sync.store import open_store
from patent_sync.store.base import DocketStore
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

DATA = PROJECT_ROOT / "data" / "uspto"
AUDIT_KEY = STRONG_AUDIT_KEY.hex()

# The category each injected defect must end up in (data/README.md documents the same).
DEFECT_CATEGORY = {
    "truncated": "parse_error",
    "not_xml": "parse_error",
    "bad_date": "parse_error",
    "missing_title": "schema_violation",
    "bad_country": "unknown_code",
    "wrong_week": "reference_integrity",
    "duplicate_key": "conflict",
}
FEEDS = {"grants": US_GRANTS, "applications": US_APPLICATIONS}


def _resources(store_url: str, home: Path, feed_dir: Path = DATA) -> dict[str, object]:
    return {
        "feed_sources": FeedSourcesResource.local(str(feed_dir)),
        "docket_store": DocketStoreResource(url=store_url, audit_key=AUDIT_KEY),
        "storage": LocalStorageResource(home=str(home)),
    }


def _materialize(
    feed: FeedSpec,
    partition_key: str,
    *,
    store_url: str,
    home: Path,
    feed_dir: Path = DATA,
    instance: dg.DagsterInstance,
) -> dg.ExecuteInProcessResult:
    definitions = build_feed_definitions(feed)
    assets = list(definitions.assets or [])
    return dg.materialize(
        assets,
        partition_key=partition_key,
        instance=instance,
        resources=_resources(store_url, home, feed_dir),
    )


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def _store(url: str) -> DocketStore:
    store = open_store(url)
    store.migrate()
    return store


def test_a_grant_week_lands_in_docket_and_quarantine(store_url: str, tmp_path: Path) -> None:
    recipe = next(w for w in DEMO_WEEKS if w.publication_date.isoformat() == "2026-11-17")
    with dg.instance_for_test() as instance:
        result = _materialize(
            US_GRANTS,
            "2026-11-17",
            store_url=store_url,
            home=tmp_path,
            instance=instance,
        )
    assert result.success
    checks = _checks(result)
    assert checks["records_accounted_for"] is True
    assert checks["valid_plus_quarantined_equals_input"] is True
    assert checks["docket_reconciles_with_validated"] is True
    # 3 of 25 records quarantined: above the 2% warning threshold, as it should say.
    assert checks["quarantine_rate_below_threshold"] is False

    store = _store(store_url)
    try:
        expected = collections.Counter(DEFECT_CATEGORY[d] for d in recipe.defects.values())
        assert store.quarantine_counts() == dict(expected)
        assert store.count_documents() == recipe.count - len(recipe.defects)
        quarantined = {q.record.position: str(q.record.category) for q in store.list_quarantine()}
        assert quarantined == {p: DEFECT_CATEGORY[d] for p, d in recipe.defects.items()}
        load = store.get_load(store.latest_load_id())
        assert load.status == "completed"
        assert load.partition_key == "2026-11-17"
        assert load.counts["created"] == recipe.count - len(recipe.defects)
        assert AuditLog(store, bytes.fromhex(AUDIT_KEY)).verify().ok
    finally:
        store.close()


def test_the_same_partition_twice_changes_nothing_and_the_audit_says_so(
    store_url: str, tmp_path: Path
) -> None:
    with dg.instance_for_test() as instance:
        first = _materialize(
            US_GRANTS,
            "2026-11-10",
            store_url=store_url,
            home=tmp_path,
            instance=instance,
        )
        store = _store(store_url)
        try:
            load_id = store.latest_load_id()
            digest = store.digest()
            documents = store.count_documents()
            quarantine = store.quarantine_counts()
            some_key = next(iter(store.documents_since(0))).doc_key
        finally:
            store.close()

        second = _materialize(
            US_GRANTS,
            "2026-11-10",
            store_url=store_url,
            home=tmp_path,
            instance=instance,
        )
    assert first.success and second.success
    assert _checks(second)["docket_reconciles_with_validated"] is True
    store = _store(store_url)
    try:
        assert store.latest_load_id() == load_id
        assert store.digest() == digest
        assert store.count_documents() == documents
        assert store.quarantine_counts() == quarantine
        assert len(store.document_versions(some_key)) == 1
        audit = AuditLog(store, bytes.fromhex(AUDIT_KEY))
        actions = [e.action for e in audit.entries()]
        assert actions.count("load.completed") == 1
        assert actions.count("load.skipped_identical") == 1
        assert "raw.fetched_identical" in actions
        assert audit.verify().ok
    finally:
        store.close()


def test_a_corrected_redelivery_modifies_only_what_changed(tmp_path: Path) -> None:
    """A new file for the same week with one title corrected: one modified, prior version kept."""
    corrected_dir = tmp_path / "corrected"
    corrected_dir.mkdir()
    original = DATA / "ipg261117.zip"
    with zipfile.ZipFile(original) as zin:
        (member,) = zin.namelist()
        xml = zin.read(member)
    titles = list(re.finditer(rb"(<invention-title[^>]*>)(.*?)(</invention-title>)", xml))
    first = titles[0]
    patched = xml[: first.start(2)] + b"Corrected title of the first grant" + xml[first.end(2) :]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        zout.writestr(member, patched)
    (corrected_dir / original.name).write_bytes(buffer.getvalue())

    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    with dg.instance_for_test() as instance:
        assert _materialize(
            US_GRANTS,
            "2026-11-17",
            store_url=url,
            home=tmp_path,
            instance=instance,
        ).success
        result = _materialize(
            US_GRANTS,
            "2026-11-17",
            store_url=url,
            home=tmp_path,
            feed_dir=corrected_dir,
            instance=instance,
        )
    assert result.success
    store = _store(url)
    try:
        load = store.get_load(store.latest_load_id())
        assert load.load_id == 2
        assert load.counts["modified"] == 1
        assert load.counts["created"] == 0
        changed = [d for d in store.documents_since(1) if d.modified_load_id == 2]
        assert len(changed) == 1
        assert changed[0].record["title"] == "Corrected title of the first grant"
        versions = store.document_versions(changed[0].doc_key)
        assert [v.load_id for v in versions] == [1, 2]
    finally:
        store.close()


def test_every_demo_week_accounts_for_every_record(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    records_in = 0
    with dg.instance_for_test() as instance:
        for week in DEMO_WEEKS:
            result = _materialize(
                FEEDS[week.feed],
                week.publication_date.isoformat(),
                store_url=url,
                home=tmp_path,
                instance=instance,
            )
            assert result.success
            records_in += week.count
    store = _store(url)
    try:
        quarantined = sum(store.quarantine_counts().values())
        assert store.count_documents() + quarantined == records_in
        assert set(store.quarantine_counts()) == set(DEFECT_CATEGORY.values())
    finally:
        store.close()


def test_a_record_count_mismatch_stops_the_load(tmp_path: Path) -> None:
    """If the raw file holds more records than the parser accounted for, nothing is loaded."""
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    definitions = build_feed_definitions(US_GRANTS)
    assets = list(definitions.assets or [])
    resources = _resources(url, tmp_path)
    with dg.instance_for_test() as instance:
        raw_only = dg.materialize(
            assets,
            selection=["us_grants_raw"],
            partition_key="2026-11-17",
            instance=instance,
            resources=resources,
        )
        assert raw_only.success
        # Simulate a splitter that loses a record: the independent count says one more.
        manifest_path = tmp_path / "lake" / "us_grants" / "raw" / "2026-11-17.json"
        manifest = json.loads(manifest_path.read_text())
        manifest["records_in_files"] += 1
        manifest_path.write_text(json.dumps(manifest))
        rest = dg.materialize(
            assets,
            selection=[
                "us_grants_normalized",
                "us_grants_validated",
                "us_grants_quarantine",
                "us_grants_docket",
            ],
            partition_key="2026-11-17",
            instance=instance,
            resources=resources,
            raise_on_error=False,
        )
    assert not rest.success
    assert _checks(rest) == {"records_accounted_for": False}
    store = _store(url)
    try:
        assert store.count_documents() == 0
        assert store.latest_load_id() is None
    finally:
        store.close()


def test_a_week_with_no_delivery_fails_at_once_with_its_reason(tmp_path: Path) -> None:
    """Only network trouble is retried; a delivery that is not there is not waited for."""
    import time

    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    start = time.monotonic()
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            list(build_feed_definitions(US_GRANTS).assets or []),
            partition_key="2026-11-24",
            instance=instance,
            resources=_resources(url, tmp_path),
            raise_on_error=False,
        )
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert not result.success and time.monotonic() - start < 30
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)
    (failure,) = failures
    assert "no delivery for 2026-11-24" in str(failure.event_specific_data)
