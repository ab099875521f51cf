"""The EP publications feed: OPS search split past the cap, biblio batches, one document with
DOCDB, and the faults of a fetch (quota, truncated answers) leaving the docket untouched."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from patent_sync.acquisition.epo_ops import OpsClient, OpsQuotaExhausted
from patent_sync.acquisition.epo_ops.published import search_publications
from patent_sync.acquisition.retry import RetryPolicy
from patent_sync.audit import AuditLog
from patent_sync.feeds import feed_named
from patent_sync.feeds.epo_docdb import DOCDB_CREATE_DELETE
from patent_sync.feeds.epo_ops import EP_PUBLICATIONS
from patent_sync.formats.base import Upsert
from patent_sync.formats.registry import detect
from patent_sync.model import Document
from patent_sync.parsing.epo_docdb import Segment, parse_docdb_record
from patent_sync.parsing.epo_ops_biblio import ops_change
from patent_sync.pipeline.delivery import run_delivery
from patent_sync.pipeline.layout import HomeLayout
from patent_sync.pipeline.sources import LocalSource, OpsSource
from patent_sync.samplegen import epo_docdb
from patent_sync.samplegen.epo_ops import draw_ep_publications, render_ops_file, render_ops_record
from patent_sync.store.base import DocketStore
from patent_sync_tests.conftest import STRONG_AUDIT_KEY
from patent_sync_tests.fake_ops_server import FakeOpsServer

WEDNESDAY = dt.date(2026, 11, 18)
THURSDAY = dt.date(2026, 11, 19)
KEY, SECRET = "feed-test-key", "feed-test-secret"
COUNT = 30


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def specs() -> list[epo_docdb.RecordSpec]:
    return draw_ep_publications(WEDNESDAY, count=COUNT, seed=7)


@pytest.fixture
def server(specs: list[epo_docdb.RecordSpec]) -> Iterator[FakeOpsServer]:
    with FakeOpsServer(KEY, SECRET) as running:
        running.host_exchange_documents(render_ops_file(specs, WEDNESDAY))
        running.search_cap = 8  # small, so that a 30-document day must be split
        yield running


def _factory(server: FakeOpsServer) -> Callable[[], OpsClient]:
    clock = _Clock()

    def make() -> OpsClient:
        return OpsClient(
            base_url=server.base_url,
            consumer_key=KEY,
            consumer_secret=SECRET,
            clock=clock.monotonic,
            sleep=clock.sleep,
            retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05),
        )

    return make


def test_feed_is_registered_for_wednesdays() -> None:
    feed = feed_named("ep_publications")
    assert feed is EP_PUBLICATIONS
    assert feed.weekday_name == "Wednesday" and feed.office == "EP"
    assert feed.files.publication_date_of("ep_publications_20261118.xml") == WEDNESDAY
    assert feed.files.publication_date_of("ep_publications_2026111.xml") is None
    assert feed.remote.service == "epo-ops"


def test_search_is_split_below_the_cap_and_reconciled(
    server: FakeOpsServer, specs: list[epo_docdb.RecordSpec]
) -> None:
    with _factory(server)() as client:
        outcome = search_publications(client, "pd=20261118 and pn=EP", cap=server.search_cap)
    expected = sorted(s.publication.number for s in specs)
    assert sorted(n.number for n in outcome.numbers) == expected
    assert outcome.total == COUNT and outcome.unreached == 0
    assert outcome.parts[0].split  # the whole day was over the cap
    assert all(p.total <= server.search_cap for p in outcome.parts if not p.split)
    for request in server.api_requests("published-data/search"):
        begin, _, end = (request.header("x-ops-range") or "").partition("-")
        assert int(begin) <= server.search_cap
        assert int(end) - int(begin) < 100


def test_a_day_from_ops_loads_through_the_pipeline_and_replays(
    server: FakeOpsServer, store: DocketStore, tmp_path: Path
) -> None:
    audit = AuditLog(store, STRONG_AUDIT_KEY, actor="test")
    source = OpsSource(_factory(server))
    home = tmp_path / "home"
    report = run_delivery(
        EP_PUBLICATIONS, WEDNESDAY, source=source, store=store, audit=audit, home=home
    )
    assert report.raw is not None and report.raw.records == COUNT
    assert report.loaded.created == COUNT
    assert store.count_documents() == COUNT
    metadata = report.delivery.source_metadata
    assert metadata["ops_search_total"] == COUNT
    assert metadata["ops_documents_fetched"] == COUNT
    assert metadata["ops_biblio_missing"] == 0
    assert metadata["ops_quota_week_used_bytes"] == server.week_used
    assert "ops_quota_week_used_percent" in metadata
    # Biblio went out at most 100 documents per request.
    for request in server.api_requests("published-data/publication"):
        assert request.path.count(",") < 100
    # The archived file is the delivery: detected and re-read like any other.
    (archived,) = report.delivery.files
    assert archived.file_name == "ep_publications_20261118.xml"
    archive = HomeLayout(home).archive(store)
    assert archive.verify(archived.sha256)
    assert detect(archive.path_for(archived.sha256)).name == "epo.ops.biblio"
    assert not list(HomeLayout(home).download_dir.glob("*"))  # the temporary file was moved
    # A second fetch of the same day is the same bytes: recognised, nothing loaded twice.
    again = run_delivery(
        EP_PUBLICATIONS, WEDNESDAY, source=source, store=store, audit=audit, home=home
    )
    assert again.loaded.skipped_identical
    assert store.count_documents() == COUNT
    assert audit.verify().ok
    for secret in (KEY, SECRET, *server.tokens):
        assert secret not in str(report.delivery.to_manifest())


def test_fair_use_quota_mid_fetch_fails_cleanly_and_a_later_run_loads_once(
    server: FakeOpsServer, store: DocketStore, tmp_path: Path
) -> None:
    audit = AuditLog(store, STRONG_AUDIT_KEY, actor="test")
    source = OpsSource(_factory(server))
    home = tmp_path / "home"
    # The search goes through; the quota runs out at the first biblio request.
    server.fair_use("IndividualQuotaPerHour", times=1, path_prefix="published-data/publication")
    before = len(server.api_requests())
    with pytest.raises(OpsQuotaExhausted) as caught:
        run_delivery(EP_PUBLICATIONS, WEDNESDAY, source=source, store=store, audit=audit, home=home)
    refused = server.api_requests()[before:]
    assert [r.status for r in refused if r.status == 403] == [403]  # never retried into it
    assert "fair-use quota exhausted" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert store.count_documents() == 0
    assert not list(HomeLayout(home).download_dir.glob("*"))  # no partial delivery left
    assert not HomeLayout(home).archive_root.exists() or not any(
        p.is_file() for p in HomeLayout(home).archive_root.rglob("*")
    )
    report = run_delivery(
        EP_PUBLICATIONS, WEDNESDAY, source=source, store=store, audit=audit, home=home
    )
    assert report.loaded.created == COUNT
    assert store.count_documents() == COUNT


def test_truncated_biblio_answer_is_fetched_again_nothing_lost(
    server: FakeOpsServer, store: DocketStore, tmp_path: Path
) -> None:
    audit = AuditLog(store, STRONG_AUDIT_KEY, actor="test")
    server.malform("published-data/publication", "truncated", times=1)
    server.malform("published-data/publication", "garbled", times=1)
    report = run_delivery(
        EP_PUBLICATIONS,
        WEDNESDAY,
        source=OpsSource(_factory(server)),
        store=store,
        audit=audit,
        home=tmp_path / "home",
    )
    assert report.loaded.created == COUNT
    assert store.count_documents() == COUNT


def test_biblio_garbled_every_time_fails_with_one_line_and_stores_nothing(
    server: FakeOpsServer, store: DocketStore, tmp_path: Path
) -> None:
    from patent_sync.acquisition.errors import InvalidResponse

    audit = AuditLog(store, STRONG_AUDIT_KEY, actor="test")
    home = tmp_path / "home"
    server.malform("published-data/publication", "garbled", times=5)
    with pytest.raises(InvalidResponse) as caught:
        run_delivery(
            EP_PUBLICATIONS,
            WEDNESDAY,
            source=OpsSource(_factory(server)),
            store=store,
            audit=audit,
            home=home,
        )
    message = str(caught.value)
    assert "\n" not in message and "biblio of" in message and "not well-formed" in message
    assert store.count_documents() == 0
    assert not list(HomeLayout(home).download_dir.glob("*"))


def _docdb_zip(directory: Path, record: str) -> None:
    member = epo_docdb.member_name(epo_docdb.CREATE_DELETE, THURSDAY, "EP", 1)
    body = epo_docdb.render_member(member, epo_docdb.exchange_date_for(THURSDAY), [record])
    name = "docdb_xml_202647_CreateDelete_001.zip"
    with zipfile.ZipFile(directory / name, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, body)


def _fields(document: Document) -> tuple[object, ...]:
    return (
        document.doc_key,
        document.publication_date,
        document.application_number,
        document.filing_date,
        document.title,
        document.ipc,
        document.cpc,
        document.family_id,
        tuple((c.country, c.number, c.date) for c in document.priority_claims),
    )


def test_docdb_and_ops_records_of_one_publication_are_one_document(
    specs: list[epo_docdb.RecordSpec], store: DocketStore, tmp_path: Path
) -> None:
    spec = specs[0]
    envelope = epo_docdb.Envelope(status="C", last_exchange=epo_docdb.exchange_date_for(THURSDAY))
    docdb_record = epo_docdb.render_record(spec, envelope)
    from_docdb = parse_docdb_record(docdb_record.encode())
    from_ops = ops_change(
        Segment("record", render_ops_record(spec).encode(), 0), source_file="x", position=0
    )
    assert isinstance(from_docdb, Upsert) and isinstance(from_ops, Upsert)
    assert _fields(from_ops.document) == _fields(from_docdb.document)
    assert from_ops.document.source == "epo.ops"

    docdb_dir, ops_dir = tmp_path / "docdb", tmp_path / "ops"
    docdb_dir.mkdir()
    ops_dir.mkdir()
    _docdb_zip(docdb_dir, docdb_record)
    (ops_dir / "ep_publications_20261118.xml").write_bytes(render_ops_file([spec], WEDNESDAY))
    assert detect(ops_dir / "ep_publications_20261118.xml").name == "epo.ops.biblio"

    audit = AuditLog(store, STRONG_AUDIT_KEY, actor="test")
    home = tmp_path / "home"
    first = run_delivery(
        EP_PUBLICATIONS,
        WEDNESDAY,
        source=LocalSource(ops_dir),
        store=store,
        audit=audit,
        home=home,
    )
    second = run_delivery(
        DOCDB_CREATE_DELETE,
        THURSDAY,
        source=LocalSource(docdb_dir),
        store=store,
        audit=audit,
        home=home,
    )
    assert first.loaded.created == 1
    assert second.loaded.created == 0
    assert store.count_documents() == 1
    stored = store.get_document(spec.doc_key)
    assert stored is not None and stored.created_load_id == first.loaded.load_id
    assert {v.load_id for v in store.document_versions(spec.doc_key)} <= {
        first.loaded.load_id,
        second.loaded.load_id,
    }


@pytest.mark.parametrize(
    ("sample", "summary"),
    [
        ("get_biblio", "epo.ops.biblio"),
        ("search", "EPO OPS search result"),
        ("get_family", "EPO OPS INPADOC family"),
    ],
)
def test_inspect_reads_the_recorded_ops_answers(
    samples_dir: Path, capsys: pytest.CaptureFixture[str], sample: str, summary: str
) -> None:
    from patent_sync.cli.main import main

    path = samples_dir / "epo_ops" / "patent-dev" / sample / "response.xml"
    code = main(["inspect", str(path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert summary in captured.err
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert lines
    keys = {line.get("doc_key") or line.get("document", {}).get("doc_key") for line in lines}
    if sample != "search":
        assert "EP-2400812-A1" in keys


def test_inspect_reads_the_demo_delivery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from patent_sync.cli.main import main
    from patent_sync.samplegen.epo_ops import write_ep_publications

    path = write_ep_publications(tmp_path, WEDNESDAY, count=12, seed=3)
    code = main(["inspect", str(path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "ep_publications profile), 12 records: 12 valid, 0 quarantined" in captured.err


def _dagster_resources(server: FakeOpsServer, store_url: str, home: Path) -> dict[str, object]:
    from patent_sync.resources import (
        DocketStoreResource,
        EpoBulkDataResource,
        EpoOpsResource,
        FeedSourcesResource,
        LocalStorageResource,
        UsptoBulkDataResource,
    )

    return {
        "feed_sources": FeedSourcesResource(
            mode="remote",
            uspto=UsptoBulkDataResource(),
            epo=EpoBulkDataResource(),
            ops=EpoOpsResource(consumer_key=KEY, consumer_secret=SECRET, base_url=server.base_url),
        ),
        "docket_store": DocketStoreResource(url=store_url, audit_key=STRONG_AUDIT_KEY.hex()),
        "storage": LocalStorageResource(home=str(home)),
    }


def test_the_dagster_assets_show_the_quota_a_run_used(
    server: FakeOpsServer, store_url: str, tmp_path: Path
) -> None:
    import dagster as dg

    from patent_sync.defs.feeds import build_feed_definitions

    server.search_cap = 2000
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            list(build_feed_definitions(EP_PUBLICATIONS).assets or []),
            partition_key=WEDNESDAY.isoformat(),
            instance=instance,
            resources=_dagster_resources(server, store_url, tmp_path / "home"),
        )
    assert result.success
    raw = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.path[-1].endswith("raw")
    )
    assert raw["ops_quota_week_used_bytes"].value == server.week_used
    assert raw["ops_quota_week_used_by_run_bytes"].value > 0
    assert raw["ops_documents_fetched"].value == COUNT
    assert all(c.passed for c in result.get_asset_check_evaluations())
    for value in raw.values():
        for secret in (KEY, SECRET, *server.tokens):
            assert secret not in str(value)


def test_the_fair_use_quota_fails_the_partition_with_when_it_resets(
    server: FakeOpsServer, store_url: str, tmp_path: Path
) -> None:
    import dagster as dg

    from patent_sync.defs.feeds import build_feed_definitions

    server.fair_use("RegisteredQuotaPerWeek")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            list(build_feed_definitions(EP_PUBLICATIONS).assets or []),
            partition_key=WEDNESDAY.isoformat(),
            instance=instance,
            resources=_dagster_resources(server, store_url, tmp_path / "home"),
            raise_on_error=False,
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    description = str(failure.step_failure_data.error)
    assert "fair-use quota exhausted" in description and "UTC" in description
    assert len(server.api_requests()) == 1  # refused once, never retried


DATA = Path(__file__).resolve().parent.parent / "data"


def test_the_committed_demo_day_is_what_the_generator_writes(tmp_path: Path) -> None:
    from patent_sync.samplegen.epo_ops import DEMO_DATE, write_ep_publications

    written = write_ep_publications(tmp_path)
    committed = DATA / "epo_ops" / written.name
    assert DEMO_DATE.weekday() == 2
    assert written.read_bytes() == committed.read_bytes()


def test_the_demo_day_and_the_docdb_demo_update_the_same_documents(
    store: DocketStore, tmp_path: Path
) -> None:
    from patent_sync.samplegen.epo_ops import DEMO_DATE, demo_specs

    keys = {spec.doc_key for spec in demo_specs()}
    assert len(keys) > 20
    audit = AuditLog(store, STRONG_AUDIT_KEY, actor="test")
    home = tmp_path / "home"
    source = LocalSource(DATA)
    ops = run_delivery(
        EP_PUBLICATIONS, DEMO_DATE, source=source, store=store, audit=audit, home=home
    )
    assert ops.loaded.created == len(keys)
    docdb = run_delivery(
        DOCDB_CREATE_DELETE,
        DEMO_DATE + dt.timedelta(days=8),
        source=source,
        store=store,
        audit=audit,
        home=home,
    )
    # DOCDB's week brings the same EP documents again: they are updated, not created twice.
    assert store.count_documents(include_deleted=True) == ops.loaded.created + docdb.loaded.created
    for key in keys:
        versions = store.document_versions(key)
        assert versions and versions[0].load_id == ops.loaded.load_id
