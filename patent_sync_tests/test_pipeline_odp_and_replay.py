"""End-to-end properties of the feeds.

* Through the USPTO Open Data Portal: the raw asset lists the product, follows the redirect to
  a pre-signed URL, downloads and archives the weekly file, and the API key appears nowhere a
  user or an auditor can read: not in Dagster's event log, not in metadata, not in the audit
  log, the raw manifest or the lake. (A real HTTP server on 127.0.0.1 speaks the protocol.)
* Through the EPO Bulk Data Distribution Service: the DOCDB CreateDelete delivery of a week,
  two zips, is found in the listing, downloaded with its SHA-1 checked, archived and loaded;
  the EPO login appears nowhere a user or an auditor can read.
* Replay: the raw archive of every feed's sample deliveries (US and DOCDB), replayed into an
  empty store, gives the same docket, by digest, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from patent_sync.archive.raw_archive import RawArchive
from patent_sync.audit import AuditLog
from patent_sync.defs.feeds import build_feed_definitions
from patent_sync.feeds import FEEDS
from patent_sync.feeds.uspto import US_GRANTS
from patent_sync.pipeline.delivery import run_delivery
from patent_sync.pipeline.sources import LocalSource
from patent_sync.resources import (
    DocketStoreResource,
    EpoBulkDataResource,
    FeedSourcesResource,
    LocalStorageResource,
    UsptoBulkDataResource,
)
from patent_sync.settings import PROJECT_ROOT
from patent_sync.store import open_store
from patent_sync.store.testing import postgres_schema_url
from patent_sync_tests.conftest import STRONG_AUDIT_KEY, require_postgres
from patent_sync_tests.fake_odp_server import FakeOdp, HostedFile

DATA = PROJECT_ROOT / "data"
API_KEY = "odp-key-7f3a9c1e5b2d4f60"
AUDIT_KEY = STRONG_AUDIT_KEY


def test_a_week_fetched_from_the_odp_never_exposes_the_api_key(tmp_path: Path) -> None:
    payload = (DATA / "uspto" / "ipg261117.zip").read_bytes()
    store_url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    with FakeOdp(API_KEY) as odp, dg.instance_for_test() as instance:
        odp.host(HostedFile("PTGRXML", "ipg261117.zip", payload, dt.date(2026, 11, 17)))
        definitions = build_feed_definitions(US_GRANTS)
        result = dg.materialize(
            list(definitions.assets or []),
            partition_key="2026-11-17",
            instance=instance,
            resources={
                "feed_sources": FeedSourcesResource(
                    mode="remote",
                    uspto=UsptoBulkDataResource(api_key=API_KEY, base_url=odp.base_url),
                    epo=EpoBulkDataResource(),
                ),
                "docket_store": DocketStoreResource(url=store_url, audit_key=AUDIT_KEY.hex()),
                "storage": LocalStorageResource(home=str(tmp_path / "home")),
            },
        )
        assert result.success
        # The key went to the API host, and only there.
        assert all(r.header("x-api-key") == API_KEY for r in odp.api.requests)
        assert all(r.header("x-api-key") is None for r in odp.storage.requests)
        events = instance.all_logs(result.run_id)
        assert events
        assert not any(API_KEY in str(event) for event in events)

    store = open_store(store_url)
    try:
        assert store.count_documents() == 22
        audit_text = " ".join(str(e) for e in AuditLog(store, AUDIT_KEY).entries())
        manifest = str(store.query("SELECT * FROM raw_manifest"))
    finally:
        store.close()
    assert "ipg261117.zip" in audit_text
    assert "signed" not in manifest  # the stable file URL is recorded, not a signed one
    for text in (audit_text, manifest):
        assert API_KEY not in text
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".parquet"):
            assert API_KEY.encode() not in path.read_bytes()


def test_a_docdb_week_fetched_from_bdds_never_exposes_the_login(tmp_path: Path) -> None:
    import hashlib

    from patent_sync.feeds.epo_docdb import DOCDB_CREATE_DELETE
    from patent_sync_tests.fake_bdds_server import FakeBdds, HostedDelivery

    username, password = "docket.clerk@example.org", "Pa55-word-9f1c2e7d"
    files = sorted((DATA / "epo_docdb").glob("docdb_xml_202647_CreateDelete_*.zip"))
    assert len(files) == 2
    store_url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    with FakeBdds(username, password) as bdds, dg.instance_for_test() as instance:
        bdds.deliveries.append(
            HostedDelivery(
                1700,
                "14.7 DOCDB - EPO worldwide bibliographic data 2026/047 Cr-Del",
                "2026-11-19T09:00:00+01:00",
                [(9000 + n, f.name, f.read_bytes()) for n, f in enumerate(files)],
                {f.name: hashlib.sha1(f.read_bytes()).hexdigest().upper() for f in files},
            )
        )
        result = dg.materialize(
            list(build_feed_definitions(DOCDB_CREATE_DELETE).assets or []),
            partition_key="2026-11-19",
            instance=instance,
            resources={
                "feed_sources": FeedSourcesResource(
                    mode="remote",
                    uspto=UsptoBulkDataResource(),
                    epo=EpoBulkDataResource(
                        username=username,
                        password=password,
                        base_url=bdds.base_url,
                        token_url=bdds.token_url,
                    ),
                ),
                "docket_store": DocketStoreResource(url=store_url, audit_key=AUDIT_KEY.hex()),
                "storage": LocalStorageResource(home=str(tmp_path / "home")),
            },
        )
        assert result.success
        events = " ".join(str(event) for event in instance.all_logs(result.run_id))
    store = open_store(store_url)
    try:
        (load,) = store.list_loads()
        assert load.delivery == "+".join(f.name for f in files)
        assert load.counts["unmatched_deletes"] == 2  # a fresh docket holds neither
        audit_text = " ".join(str(e) for e in AuditLog(store, AUDIT_KEY).entries())
        manifest = str(store.query("SELECT * FROM raw_manifest"))
    finally:
        store.close()
    for text in (events, audit_text, manifest):
        assert password not in text and username not in text


def _load_all_demo_weeks(store_url: str, home: Path, feed_dir: Path) -> str:
    source = LocalSource(feed_dir)
    deliveries = sorted((day, feed.name) for feed in FEEDS for day in source.available_dates(feed))
    assert {name for _, name in deliveries} == {feed.name for feed in FEEDS}
    store = open_store(store_url)
    store.migrate()
    try:
        audit = AuditLog(store, AUDIT_KEY)
        for day, name in deliveries:
            run_delivery(
                next(feed for feed in FEEDS if feed.name == name),
                day,
                source=source,
                store=store,
                audit=audit,
                home=home,
            )
        assert audit.verify().ok
        return store.digest()
    finally:
        store.close()


def test_replaying_the_raw_archive_reproduces_the_docket_on_both_backends(tmp_path: Path) -> None:
    original = _load_all_demo_weeks(
        f"sqlite:///{tmp_path / 'first.sqlite'}", tmp_path / "first", DATA
    )
    # The replay reads only what the first run archived: every file of every delivery, under
    # the name its manifest row recorded.
    replay_dir = tmp_path / "replay_source"
    replay_dir.mkdir()
    first_store = open_store(f"sqlite:///{tmp_path / 'first.sqlite'}")
    try:
        archive = RawArchive(tmp_path / "first" / "archive", first_store)
        for sha256, origin in first_store.query("SELECT sha256, origin FROM raw_manifest"):
            (replay_dir / Path(origin).name).write_bytes(archive.path_for(sha256).read_bytes())
    finally:
        first_store.close()

    replayed_sqlite = _load_all_demo_weeks(
        f"sqlite:///{tmp_path / 'replay.sqlite'}", tmp_path / "replay", replay_dir
    )
    with postgres_schema_url(require_postgres()) as pg_url:
        replayed_postgres = _load_all_demo_weeks(pg_url, tmp_path / "replay_pg", replay_dir)
    assert replayed_sqlite == original
    assert replayed_postgres == original
