"""The WO publications feed: a Thursday partition polled from a local OPS server, loaded and
reconciled; a week that never comes is a warning on the partition; DOCDB and OPS give one
document for one WO publication; a loaded WO publication gives its matter the priority date
the PCT national-phase deadlines count from.

The OPS server is ``FakeOpsServer`` (the real protocol on 127.0.0.1) hiding the week's
documents from the first searches, as OPS does until it has loaded the IB's publication; the
documents it serves are the real OPS biblio of WO 2009/085664 (a recorded answer) and copies
of it renumbered and redated for other weeks. Time in the polling tests is a fake clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml
from lxml import etree

from patent_sync.acquisition.async_polling import PollPolicy
from patent_sync.acquisition.epo_docdb_files import delivery_file_name
from patent_sync.acquisition.epo_ops import OpsClient
from patent_sync.acquisition.errors import DeliveryLate
from patent_sync.audit import AuditLog
from patent_sync.defs.feeds import DELIVERY_ON_TIME, build_feed_definitions
from patent_sync.docket.document_facts import published_documents, with_document_facts
from patent_sync.docket.engine import evaluate_docket
from patent_sync.docket.jurisdictions import PctDocket
from patent_sync.events import EventBatch
from patent_sync.feeds import feed_named
from patent_sync.feeds.epo_docdb import DOCDB_CREATE_DELETE
from patent_sync.feeds.wipo import WO_PUBLICATIONS
from patent_sync.pipeline import polled_source
from patent_sync.pipeline.delivery import run_delivery
from patent_sync.pipeline.ops_publications import AsyncOpsSource
from patent_sync.pipeline.polled_source import PolledSource, publication_time
from patent_sync.pipeline.sources import LocalSource
from patent_sync.resources import (
    DocketStoreResource,
    EpoBulkDataResource,
    EpoOpsResource,
    FeedSourcesResource,
    LocalStorageResource,
    UsptoBulkDataResource,
)
from patent_sync.store.base import DocketStore
from patent_sync_tests.conftest import STRONG_AUDIT_KEY
from patent_sync_tests.fake_ops_server import (
    NOT_FOUND_BODY,
    XML_TYPE,
    FakeOpsServer,
    OpsAnswer,
)

KEY, SECRET = "ops-wo-test-key", "ops-wo-test-secret"
EX = "http://www.epo.org/exchange"
NS = {"e": EX}
CASSETTE = Path("wipo") / "TestPublished.test_get_biblio_from_wo.yaml"
RECORDED_DAY = dt.date(2009, 7, 9)  # the Thursday WO 2009/085664 A2 was published
THURSDAY = dt.date(2026, 11, 26)
GENEVA = ZoneInfo("Europe/Zurich")
FAST = PollPolicy(
    window=dt.timedelta(hours=6),
    first_delay=600,
    max_delay=3600,
    max_embargo_wait=dt.timedelta(hours=2),
)


# --- the local OPS server ----------------------------------------------------------------------


class FakeClock:
    """Virtual UTC time for the poller: ``sleep`` moves it on at once."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += dt.timedelta(seconds=seconds)
        await asyncio.sleep(0)


class LateOpsServer(FakeOpsServer):
    """OPS before it has loaded the week: "no results" to the first ``hidden_for`` searches
    (to every search when None), then the hosted documents. Records when each search came
    (by ``clock``, when given) and how many biblio requests it served at once."""

    def __init__(
        self, hidden_for: int | None, clock: FakeClock | None = None, partial_biblio: int = 0
    ) -> None:
        super().__init__(KEY, SECRET)
        self.hidden_for = hidden_for
        self.partial_biblio = partial_biblio  # biblio answers that leave out the last number
        self.clock = clock
        self.searched_at: list[dt.datetime] = []
        self.searches: list[str] = []
        self.biblio_active = 0
        self.biblio_peak = 0
        self._count = threading.Lock()

    def _search(self, query: str, headers: dict[str, str]) -> OpsAnswer:
        with self._count:
            self.searches.append(query)
            if self.clock is not None:
                self.searched_at.append(self.clock.now())
            hidden = self.hidden_for is None or len(self.searches) <= self.hidden_for
        if hidden:
            return OpsAnswer(status=404, body=NOT_FOUND_BODY, headers={"Content-Type": XML_TYPE})
        return super()._search(query, headers)

    def _biblio(self, numbers: str) -> OpsAnswer:
        with self._count:
            self.biblio_active += 1
            self.biblio_peak = max(self.biblio_peak, self.biblio_active)
        try:
            time.sleep(0.02)  # long enough for a second worker to overlap
            with self._count:
                partial = self.partial_biblio > 0
                self.partial_biblio -= partial
            if partial:  # OPS lists the document but has not loaded its biblio yet
                numbers = ",".join(numbers.split(",")[:-1])
            return super()._biblio(numbers)
        finally:
            with self._count:
                self.biblio_active -= 1


# --- documents ---------------------------------------------------------------------------------


def recorded_wo_record(samples_dir: Path) -> bytes:
    """The ``exchange-document`` of the recorded OPS biblio answer for WO 2009/085664 A2."""
    data = yaml.safe_load((samples_dir / CASSETTE).read_text(encoding="utf-8"))
    body = data["interactions"][0]["response"]["content"].encode()
    root = etree.fromstring(body)
    (record,) = root.iterfind(".//e:exchange-document", NS)
    return etree.tostring(record)


def renumbered(record: bytes, number: str, day: dt.date) -> bytes:
    """The recorded record as the WO publication ``number`` of ``day`` (all its number forms)."""
    element = etree.fromstring(record)
    element.set("doc-number", number)
    for doc_id in element.iterfind(
        "e:bibliographic-data/e:publication-reference/e:document-id", NS
    ):
        number_element = doc_id.find("e:doc-number", NS)
        number_element.text = number if doc_id.get("document-id-type") == "docdb" else f"WO{number}"
        doc_id.find("e:date", NS).text = f"{day:%Y%m%d}"
    return etree.tostring(element)


def week_of_records(record: bytes, day: dt.date, count: int) -> list[bytes]:
    return [renumbered(record, f"{day.year}{900000 + n:06d}", day) for n in range(count)]


def envelope(records: list[bytes]) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<ops:world-patent-data xmlns="http://www.epo.org/exchange" '
        b'xmlns:ops="http://ops.epo.org"><exchange-documents>'
        + b"".join(records)
        + b"</exchange-documents></ops:world-patent-data>"
    )


class PacerClock:
    """Monotonic time for the client's throttle pacer that moves only when it sleeps: OPS
    allows 30 searches a minute, and a test should not wait two seconds between them."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def client_factory(server: FakeOpsServer) -> Callable[[], OpsClient]:
    pacer = PacerClock()
    return lambda: OpsClient(
        base_url=server.base_url,
        consumer_key=KEY,
        consumer_secret=SECRET,
        clock=pacer.monotonic,
        sleep=pacer.sleep,
    )


@pytest.fixture
def audit(store: DocketStore) -> AuditLog:
    return AuditLog(store, STRONG_AUDIT_KEY, actor="test")


# --- polling a Thursday ------------------------------------------------------------------------


def test_batch_available_after_several_polls_is_fetched_and_loaded(
    samples_dir: Path, store: DocketStore, audit: AuditLog, tmp_path: Path
) -> None:
    published = publication_time(WO_PUBLICATIONS, RECORDED_DAY)
    clock = FakeClock(published - dt.timedelta(minutes=30))
    record = recorded_wo_record(samples_dir)
    others = week_of_records(record, RECORDED_DAY, 249)  # 250 in all: three biblio requests
    with LateOpsServer(hidden_for=3, clock=clock) as server:
        server.host_exchange_documents(envelope([record, *others]))
        source = PolledSource(
            AsyncOpsSource(client_factory(server), workers=2, capacity=2), FAST, clock=clock
        )
        report = run_delivery(
            WO_PUBLICATIONS,
            RECORDED_DAY,
            source=source,
            store=store,
            audit=audit,
            home=tmp_path / "home",
        )
        biblio_requests = server.api_requests("published-data/publication")
    outcome = source.last_outcome
    assert outcome is not None and outcome.ready
    # Three "no results" answers, then the search that found the week (and its next pages).
    assert outcome.attempts == 4
    assert server.searched_at[0] == published  # nothing asked before the publication time
    assert clock.sleeps[0] == 30 * 60
    assert all(q == "" or "pn%3DWO" in q or "pn=WO" in q for q in server.searches)
    assert len(biblio_requests) == 3
    assert 1 <= server.biblio_peak <= 2  # the queue's two workers, never more
    # Loaded and reconciled: every record the OPS search listed is a document now.
    assert report.raw is not None and report.raw.records == 250
    assert report.normalized is not None and report.normalized.documents == 250
    assert report.loaded.created == 250 and report.loaded.quarantined == 0
    assert report.delivery.name == "wo_publications_20090709.xml"
    stored = store.get_document("WO-2009085664-A2")
    assert stored is not None
    assert stored.record["source"] == "epo.ops"
    assert stored.record["publication_date"] == "2009-07-09"
    assert [c["date"] for c in stored.record["priority_claims"]] == ["2007-12-27"]


def test_batch_never_available_is_late_with_what_was_asked(
    samples_dir: Path, tmp_path: Path
) -> None:
    published = publication_time(WO_PUBLICATIONS, RECORDED_DAY)
    clock = FakeClock(published)
    with LateOpsServer(hidden_for=None, clock=clock) as server:
        server.host_exchange_documents(envelope([recorded_wo_record(samples_dir)]))
        source = PolledSource(AsyncOpsSource(client_factory(server)), FAST, clock=clock)
        with pytest.raises(DeliveryLate) as raised:
            source.fetch(WO_PUBLICATIONS, RECORDED_DAY, tmp_path)
        assert server.api_requests("published-data/publication") == []  # no biblio asked
    late = raised.value
    cutoff = published + FAST.window
    assert late.details["poll_status"] == "late"
    assert late.details["cutoff"] == cutoff.isoformat()
    assert late.details["poll_attempts"] == len(server.searched_at) >= 4
    assert server.searched_at[-1] == cutoff and max(server.searched_at) <= cutoff
    assert "no WO publications dated 2009-07-09" in late.details["last_reason"]
    assert "still not available at the cut-off" in str(late)
    assert list(tmp_path.iterdir()) == []  # nothing written for a week that is not there


def test_a_run_long_before_the_publication_time_asks_nothing(tmp_path: Path) -> None:
    clock = FakeClock(publication_time(WO_PUBLICATIONS, THURSDAY) - dt.timedelta(days=1))
    with LateOpsServer(hidden_for=0, clock=clock) as server:
        source = PolledSource(AsyncOpsSource(client_factory(server)), FAST, clock=clock)
        with pytest.raises(DeliveryLate, match="not asked yet") as raised:
            source.fetch(WO_PUBLICATIONS, THURSDAY, tmp_path)
        assert server.requests == []  # not even a token
    assert raised.value.details["poll_status"] == "embargoed"


def test_a_week_the_ib_moves_is_asked_for_on_the_announced_day(
    samples_dir: Path, tmp_path: Path
) -> None:
    wednesday = THURSDAY - dt.timedelta(days=1)
    clock = FakeClock(publication_time(WO_PUBLICATIONS, wednesday) - dt.timedelta(minutes=5))
    records = week_of_records(recorded_wo_record(samples_dir), wednesday, 3)
    with LateOpsServer(hidden_for=1, clock=clock) as server:
        server.host_exchange_documents(envelope(records))
        source = PolledSource(
            AsyncOpsSource(client_factory(server)),
            FAST,
            publication_days={THURSDAY: wednesday},
            clock=clock,
        )
        files = source.fetch(WO_PUBLICATIONS, THURSDAY, tmp_path)
    assert server.searched_at[0] == publication_time(WO_PUBLICATIONS, wednesday)
    assert all("20261125" in q for q in server.searches)
    assert [f.path.name for f in files] == ["wo_publications_20261125.xml"]
    assert files[0].metadata["ops_documents_fetched"] == 3


# --- the Dagster assets ------------------------------------------------------------------------


@pytest.fixture
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The assets' poller on virtual time, starting at the partition's publication time: the
    feed's real policy (a 12-hour cut-off) runs in milliseconds."""
    clock = FakeClock(publication_time(WO_PUBLICATIONS, THURSDAY))
    monkeypatch.setattr(polled_source, "SystemClock", lambda: clock)
    return clock


def _resources(server: FakeOpsServer, store_url: str, home: Path) -> dict[str, object]:
    return {
        "feed_sources": FeedSourcesResource(
            mode="remote",
            local_dir=str(home / "unused"),
            uspto=UsptoBulkDataResource(),
            epo=EpoBulkDataResource(),
            ops=EpoOpsResource(consumer_key=KEY, consumer_secret=SECRET, base_url=server.base_url),
        ),
        "docket_store": DocketStoreResource(url=store_url, audit_key=STRONG_AUDIT_KEY.hex()),
        "storage": LocalStorageResource(home=str(home)),
    }


def _materialize(server: FakeOpsServer, store_url: str, home: Path) -> dg.ExecuteInProcessResult:
    assets = list(build_feed_definitions(WO_PUBLICATIONS).assets or [])
    with dg.instance_for_test() as instance:
        return dg.materialize(
            assets,
            partition_key=THURSDAY.isoformat(),
            instance=instance,
            resources=_resources(server, store_url, home),
        )


def test_thursday_partition_polled_loaded_and_reconciled(
    samples_dir: Path, store_url: str, tmp_path: Path, virtual_time: FakeClock
) -> None:
    records = week_of_records(recorded_wo_record(samples_dir), THURSDAY, 12)
    with LateOpsServer(hidden_for=2) as server:
        server.host_exchange_documents(envelope(records))
        result = _materialize(server, store_url, tmp_path / "home")
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    on_time = checks[DELIVERY_ON_TIME]
    assert on_time.passed
    assert on_time.metadata["poll_attempts"].value == 3
    for name in (
        "records_accounted_for",
        "valid_plus_quarantined_equals_input",
        "docket_reconciles_with_validated",
    ):
        assert checks[name].passed, name
    docket = result.asset_materializations_for_node("wo_publications_docket")[0]
    assert docket.metadata["created"].value == 12


def test_a_week_that_never_comes_is_a_warning_not_an_error_nor_an_empty_load(
    samples_dir: Path, store_url: str, tmp_path: Path, virtual_time: FakeClock
) -> None:
    with LateOpsServer(hidden_for=None) as server:
        server.host_exchange_documents(envelope([recorded_wo_record(samples_dir)]))
        result = _materialize(server, store_url, tmp_path / "home")
    assert result.success  # the run does not fail ...
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == DELIVERY_ON_TIME
    assert evaluation.passed is False
    assert evaluation.severity == dg.AssetCheckSeverity.WARN  # ... it warns, on the partition
    assert evaluation.metadata["poll_status"].value == "late"
    assert evaluation.metadata["partition"].value == THURSDAY.isoformat()
    assert evaluation.partition == THURSDAY.isoformat()  # shown under the week's own key
    assert evaluation.metadata["poll_attempts"].value >= 4
    assert virtual_time.now() >= publication_time(WO_PUBLICATIONS, THURSDAY) + dt.timedelta(
        hours=12
    )
    # ... and nothing was materialized: no empty delivery reached the lake or the docket.
    assert result.get_asset_materialization_events() == []
    assert not (tmp_path / "home" / "lake" / "wo_publications").exists()


def test_the_feed_is_in_the_registry_on_thursdays() -> None:
    feed = feed_named("wo_publications")
    assert feed is WO_PUBLICATIONS
    assert feed.weekday_name == "Thursday" and feed.office == "WO"
    assert feed.remote.availability is not None
    assert publication_time(feed, THURSDAY) == dt.datetime(2026, 11, 26, 12, tzinfo=GENEVA)


# --- one document from DOCDB and OPS -----------------------------------------------------------

# WO 2022/259205 A1 as OPS serves a WO biblio (the shape of the recorded WO answer: each
# reference with its docdb/epodoc/original ids, the priority claim in epodoc form only), with
# the facts of the real DOCDB record of the same publication.
OPS_WO_2022259205 = b"""<exchange-document xmlns="http://www.epo.org/exchange" system="ops.epo.org"
 family-id="82558028" country="WO" doc-number="2022259205" kind="A1">
 <bibliographic-data>
  <publication-reference>
   <document-id document-id-type="docdb"><country>WO</country><doc-number>2022259205</doc-number>
    <kind>A1</kind><date>20221215</date></document-id>
   <document-id document-id-type="epodoc"><doc-number>WO2022259205</doc-number>
    <date>20221215</date></document-id>
  </publication-reference>
  <classifications-ipcr>
   <classification-ipcr sequence="1"><text>A61K   9/00            A I</text></classification-ipcr>
  </classifications-ipcr>
  <application-reference doc-id="574950146">
   <document-id document-id-type="docdb"><country>IB</country><doc-number>2022055385</doc-number>
    <kind>W</kind></document-id>
   <document-id document-id-type="epodoc"><doc-number>WO2022IB55385</doc-number>
    <date>20220609</date></document-id>
   <document-id document-id-type="original"><doc-number>IB2022/055385</doc-number></document-id>
  </application-reference>
  <priority-claims>
   <priority-claim sequence="1" kind="national">
    <document-id document-id-type="epodoc"><doc-number>PT20210117283</doc-number>
     <date>20210611</date></document-id>
    <document-id document-id-type="original"><doc-number>117283</doc-number></document-id>
   </priority-claim>
  </priority-claims>
  <parties><applicants><applicant sequence="1" data-format="epodoc"><applicant-name>
   <name>UNIV DA BEIRA INTERIOR [PT]</name></applicant-name></applicant></applicants></parties>
  <invention-title lang="en">SELF-EMULSIFYING COMPOSITION</invention-title>
 </bibliographic-data>
</exchange-document>"""


def _docdb_delivery(samples_dir: Path, directory: Path, day: dt.date) -> None:
    record = (samples_dir / "epo_docdb" / "WO-2022259205-A1_544370561.xml").read_bytes()
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><exch:exchange-documents '
        b'xmlns:exch="http://www.epo.org/exchange" dtd-version="2.5.9">'
        + record.replace(b"<exch:exchange-document ", b'<exch:exchange-document status="C" ', 1)
        + b"</exch:exchange-documents>"
    )
    directory.mkdir(parents=True, exist_ok=True)
    name = delivery_file_name("CreateDelete", day)
    with zipfile.ZipFile(directory / name, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Root/DOC/part-0001.xml", body)


@pytest.fixture
def both_loaded(
    samples_dir: Path, store: DocketStore, audit: AuditLog, tmp_path: Path
) -> Iterator[DocketStore]:
    """The real DOCDB record of WO 2022/259205 A1 loaded, then its OPS biblio."""
    published = dt.date(2022, 12, 15)
    _docdb_delivery(samples_dir, tmp_path / "docdb", published)
    run_delivery(
        DOCDB_CREATE_DELETE,
        published,
        source=LocalSource(tmp_path / "docdb"),
        store=store,
        audit=audit,
        home=tmp_path / "home",
    )
    clock = FakeClock(publication_time(WO_PUBLICATIONS, published))
    with LateOpsServer(hidden_for=0, clock=clock) as server:
        server.host_exchange_documents(envelope([OPS_WO_2022259205]))
        run_delivery(
            WO_PUBLICATIONS,
            published,
            source=PolledSource(AsyncOpsSource(client_factory(server)), FAST, clock=clock),
            store=store,
            audit=audit,
            home=tmp_path / "home",
        )
    yield store


def test_docdb_and_ops_for_the_same_wo_publication_are_one_document(
    both_loaded: DocketStore,
) -> None:
    store = both_loaded
    assert store.count_documents() == 1
    versions = store.document_versions("WO-2022259205-A1")
    assert [v.record["source"] for v in versions] == ["epo.docdb", "epo.ops"]
    assert [v.version for v in versions] == [1, 2]
    current = store.get_document("WO-2022259205-A1")
    assert current is not None and current.record["application_number"] == "2022055385"
    assert current.record["filing_date"] == "2022-06-09"


# --- PCT deadlines from the loaded records -----------------------------------------------------


def test_a_loaded_wo_publication_gives_its_matter_the_priority_date(
    both_loaded: DocketStore,
) -> None:
    matter = "WO-2022IB055385"  # as the watchlist keys PCT/IB2022/055385
    where = PctDocket.published_application(matter)
    assert where is not None
    assert [d.doc_key for d in published_documents(both_loaded, where)] == ["WO-2022259205-A1"]
    empty = EventBatch(events=(), facts={}, undated=(), warnings=(), formats=())
    batch = with_document_facts(both_loaded, empty, [matter, "WO-2021IB099999"])
    assert dict(batch.facts) == {
        matter: {
            "priority_date": dt.date(2021, 6, 11),  # PT 117283, from the OPS epodoc claim
            "international_filing_date": dt.date(2022, 6, 9),
        }
    }
    result = evaluate_docket(batch.events, matter_facts=batch.facts, as_of=dt.date(2022, 12, 20))
    national = [e for e in result.entries if e.rule == "pct.national_phase"]
    assert [dict(e.params)["office"] for e in national] == ["USPTO", "EPO"]
    us, ep = national
    assert us.trigger_date == ep.trigger_date == dt.date(2021, 6, 11)
    assert us.due_date == dt.date(2023, 12, 11)  # 30 months: Mon 11 Dec 2023
    assert ep.due_date == dt.date(2024, 1, 11)  # 31 months: Thu 11 Jan 2024
    # A WO matter gets PCT deadlines only: no EP renewal fees, no US maintenance fees.
    assert not [e for e in result.entries if e.rule.startswith(("ep.", "us."))]
    assert not [w for w in result.warnings if "No priority date" in w]


def test_event_file_facts_win_over_document_facts(both_loaded: DocketStore) -> None:
    matter = "WO-2022IB055385"
    batch = EventBatch(
        events=(),
        facts={matter: {"priority_date": dt.date(2021, 5, 1)}},
        undated=(),
        warnings=(),
        formats=(),
    )
    merged = with_document_facts(both_loaded, batch)
    assert merged.facts[matter] == {
        "priority_date": dt.date(2021, 5, 1),
        "international_filing_date": dt.date(2022, 6, 9),
    }


def test_the_recorded_wo_biblio_carries_its_priority_date(samples_dir: Path) -> None:
    """OPS gives priority claims in epodoc form only; the date must survive normalization."""
    from patent_sync.formats.epo_ops import EPO_OPS_BIBLIO

    (change,) = EPO_OPS_BIBLIO.iter_changes(
        io.BytesIO(envelope([recorded_wo_record(samples_dir)])), source_file="wo.xml"
    )
    document = change.document  # type: ignore[union-attr]
    assert document.doc_key == "WO-2009085664-A2"
    assert [(c.country, c.date) for c in document.priority_claims] == [
        ("US", dt.date(2007, 12, 27))
    ]
    facts = PctDocket.facts_from_documents([document])
    assert facts["priority_date"] == dt.date(2007, 12, 27)
    assert facts["international_filing_date"] == dt.date(2008, 12, 12)
    where = PctDocket.published_application("WO-2008US086599")
    assert where is not None and where.application_number == document.application_number


# --- the demo week -----------------------------------------------------------------------------


def test_committed_demo_week_is_what_the_generator_writes(tmp_path: Path) -> None:
    from patent_sync.samplegen.wipo import write_wo_publications
    from patent_sync.settings import PROJECT_ROOT

    written = write_wo_publications(tmp_path)
    committed = PROJECT_ROOT / "data" / "wipo" / written.name
    assert committed.read_bytes() == written.read_bytes()
    assert LocalSource(PROJECT_ROOT / "data").available_dates(WO_PUBLICATIONS) == [
        dt.date(2026, 11, 19)
    ]


def test_demo_week_loads_and_gives_pct_facts(
    store: DocketStore, audit: AuditLog, tmp_path: Path
) -> None:
    from patent_sync.settings import PROJECT_ROOT

    day = dt.date(2026, 11, 19)
    report = run_delivery(
        WO_PUBLICATIONS,
        day,
        source=LocalSource(PROJECT_ROOT / "data" / "wipo"),
        store=store,
        audit=audit,
        home=tmp_path / "home",
    )
    assert report.raw is not None and report.raw.records == 30
    assert report.loaded.created == 30 and report.loaded.quarantined == 0
    # Every loaded WO publication names its international application, and a matter keyed by
    # that application (as the watchlist keys PCT/<RO><YYYY>/<serial>) finds it.
    first = store.get_document("WO-2026230000-A1")
    assert first is not None
    application = first.record["application_number"]
    matter = f"WO-{application[:4]}{first.record['application_country']}{application[4:]}"
    where = PctDocket.published_application(matter)
    assert where is not None
    assert [d.doc_key for d in published_documents(store, where)] == ["WO-2026230000-A1"]


def test_docket_entries_asset_dockets_a_watched_wo_matter_from_its_publication(
    both_loaded: DocketStore, store_url: str, audit: AuditLog, tmp_path: Path
) -> None:
    """A watched WO matter with no event file at all: the loaded WO publication alone gives
    the docket its priority date, and the national-phase entries are stored."""
    from patent_sync.defs.docket import docket_entries, prosecution_events
    from patent_sync.docket.repository import stored_entries
    from patent_sync.resources import EventFilesResource
    from patent_sync.watchlist import WatchedMatter, add_matter

    matter = "WO-2022IB055385"
    assert add_matter(both_loaded, audit, WatchedMatter(matter=matter, reference="BEIRA-PCT"))
    events = tmp_path / "events"
    events.mkdir()
    result = dg.materialize(
        [prosecution_events, docket_entries],
        resources={
            "docket_store": DocketStoreResource(url=store_url, audit_key=STRONG_AUDIT_KEY.hex()),
            "event_files": EventFilesResource(directory=str(events)),
        },
        run_config={"ops": {"docket_entries": {"config": {"as_of": "2022-12-20"}}}},
    )
    assert result.success
    entries = [e for e in stored_entries(both_loaded) if e.matter == matter]
    national = sorted(
        (dict(e.params)["office"], e.trigger_date, e.due_date)
        for e in entries
        if e.rule == "pct.national_phase"
    )
    assert national == [
        ("EPO", dt.date(2021, 6, 11), dt.date(2024, 1, 11)),
        ("USPTO", dt.date(2021, 6, 11), dt.date(2023, 12, 11)),
    ]
    assert not [e for e in entries if e.rule.startswith(("ep.", "us."))]


def test_a_week_with_biblio_still_missing_is_not_yet_available(
    samples_dir: Path, tmp_path: Path
) -> None:
    published = publication_time(WO_PUBLICATIONS, RECORDED_DAY)
    clock = FakeClock(published)
    records = week_of_records(recorded_wo_record(samples_dir), RECORDED_DAY, 5)
    with LateOpsServer(hidden_for=0, clock=clock, partial_biblio=1) as server:
        server.host_exchange_documents(envelope(records))
        source = PolledSource(AsyncOpsSource(client_factory(server)), FAST, clock=clock)
        files = source.fetch(WO_PUBLICATIONS, RECORDED_DAY, tmp_path)
    assert source.last_outcome is not None and source.last_outcome.attempts == 2
    assert len(clock.sleeps) == 1  # one wait between the incomplete answer and the full one
    assert files[0].metadata["ops_documents_fetched"] == 5
    assert files[0].metadata["ops_biblio_missing"] == 0


def test_publication_day_overrides_are_configured_on_the_resource(tmp_path: Path) -> None:
    from patent_sync.pipeline.polled_source import parse_publication_days

    def resource(days: dict[str, dict[str, str]]) -> FeedSourcesResource:
        return FeedSourcesResource(
            mode="remote",
            local_dir=str(tmp_path),
            uspto=UsptoBulkDataResource(),
            epo=EpoBulkDataResource(),
            ops=EpoOpsResource(consumer_key=KEY, consumer_secret=SECRET),
            publication_days=days,
        )

    source = resource({"wo_publications": {"2026-12-24": "2026-12-23"}}).source_for(WO_PUBLICATIONS)
    assert isinstance(source, PolledSource)
    assert isinstance(source.inner, AsyncOpsSource)
    assert source.publication_day(dt.date(2026, 12, 24)) == dt.date(2026, 12, 23)
    assert source.publication_day(THURSDAY) == THURSDAY
    with pytest.raises(dg.Failure, match="same week"):
        resource({"wo_publications": {"2026-12-24": "2027-01-07"}}).source_for(WO_PUBLICATIONS)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_publication_days({"24/12/2026": "2026-12-23"})
    without_key = FeedSourcesResource(
        mode="remote",
        local_dir=str(tmp_path),
        uspto=UsptoBulkDataResource(),
        epo=EpoBulkDataResource(),
    )
    with pytest.raises(dg.Failure, match="EPO_OPS_CONSUMER_KEY"):
        without_key.source_for(WO_PUBLICATIONS)
