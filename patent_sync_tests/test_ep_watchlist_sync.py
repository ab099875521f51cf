"""Watched EP matters: EPO OPS (a local OPS server) → event files → events → docket entries.

The OPS server (``fake_ops_server``) answers with the recorded Register and INPADOC responses
for EP 10167109 (EP 2400812, ``shared/samples/epo_ops``); the Register's three constituents are
combined into the one answer ``biblio,events,procedural-steps`` gives. The assets are
materialized in process against a fresh store. What is checked is what a docketing clerk relies
on: the matter's deadlines appear in the store and change on the next run when the Register
moves, with audited reasons; an unchanged Register writes nothing and costs no INPADOC request;
a missing application is named and the others still sync; a spent quota stops the run and says
when it resets, losing nothing; an unknown code is quarantined, not dropped; the quota figures
are on the asset; and when OPS lacks an application the firm opted in for, its Register page is
read, lower confidence, and the entry says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from lxml import etree

from patent_sync.audit.log import read_entries
from patent_sync.definitions import defs as build_defs
from patent_sync.defs.docket import docket_entries, prosecution_events
from patent_sync.defs.ep_watchlist_sync import (
    EP_APPLICATIONS_SYNCED,
    EP_EVENTS_RECONCILED,
    ep_events_reconciled,
    ep_watchlist_daily_schedule,
    ep_watchlist_sync,
)
from patent_sync.docket.event_quarantine import list_quarantined_events
from patent_sync.docket.repository import stored_entries
from patent_sync.events import taxonomy
from patent_sync.eventsync.epo_ops import REST, legal_path, register_path
from patent_sync.eventsync.files import file_sha256
from patent_sync.resources import (
    BrowserFallbackResource,
    DocketStoreResource,
    EpoOpsResource,
    EventFilesResource,
    LocalStorageResource,
)
from patent_sync.store import open_store
from patent_sync.watchlist import add_matter, watched
from patent_sync_tests.conftest import STRONG_AUDIT_KEY, _skip_or_fail
from patent_sync_tests.fake_ops_server import FakeOpsServer
from patent_sync_tests.office_pages import OfficePages

REG = "http://www.epo.org/register"
OPS = "http://ops.epo.org"
APP = "10167109"  # the application of EP 2400812
MATTER = f"EP-{APP}"
MISSING = "11111111"  # an application OPS does not know
AUDIT_KEY = STRONG_AUDIT_KEY.hex()
ASSETS = [ep_watchlist_sync, prosecution_events, docket_entries, ep_events_reconciled]


# --- recorded answers ----------------------------------------------------------------------------


def _recorded(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / "epo_ops" / "patent-dev" / name / "response.xml").read_bytes()


def register_answer(samples_dir: Path, *, as_of: dt.date | None = None, extra: str = "") -> bytes:
    """The Register answer for ``biblio,events,procedural-steps``: the recorded constituents in
    one register-document; ``as_of`` leaves out what the Register had not recorded by then."""
    root = etree.fromstring(_recorded(samples_dir, "get_register_biblio"))
    document = next(root.iter(f"{{{REG}}}register-document"))
    for name, tag in (
        ("get_register_events", "events-data"),
        ("get_register_procedural_steps", "procedural-data"),
    ):
        other = etree.fromstring(_recorded(samples_dir, name))
        for element in list(other.iter(f"{{{REG}}}{tag}")):
            document.append(element)
    if extra:
        document.append(etree.fromstring(extra))
    if as_of is not None:
        cutoff = as_of.strftime("%Y%m%d")
        for tag in (
            "dossier-event",
            "procedural-step",
            "ep-patent-status",
            "publication-reference",
        ):
            for element in list(root.iter(f"{{{REG}}}{tag}")):
                dates = [d.text or "" for d in element.iter(f"{{{REG}}}date")]
                dates += [element.get("change-date") or ""]
                if any(d > cutoff for d in dates):
                    element.getparent().remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", standalone=True)


UNKNOWN_EVENT = (
    f'<ns3:events-data xmlns:ns3="{REG}"><ns3:dossier-event id="EVT_1" event-type="new">'
    "<ns3:event-date><ns3:date>20190702</ns3:date></ns3:event-date>"
    "<ns3:event-code>EPIDOSNZZZ9</ns3:event-code>"
    '<ns3:event-text event-text-type="DESCRIPTION">New entry: something new at the EPO'
    "</ns3:event-text></ns3:dossier-event></ns3:events-data>"
)


def _below_rest(path: str) -> str:
    assert path.startswith(REST)
    return path[len(REST) :]


def route_register(ops: FakeOpsServer, number: str, body: bytes) -> None:
    ops.route(_below_rest(register_path(number)), body)


def route_legal(ops: FakeOpsServer, number: str, body: bytes) -> None:
    ops.route(_below_rest(legal_path(number)), body)


# --- harness -------------------------------------------------------------------------------------


class Harness:
    """A store with a watchlist, an events directory, and the resources the assets need."""

    def __init__(self, tmp_path: Path, store_url: str, ops: FakeOpsServer) -> None:
        self.store_url = store_url
        self.events_dir = tmp_path / "events"
        self.events_dir.mkdir()
        self.home = tmp_path / "home"
        self.ops = ops
        self.browser_fallback = BrowserFallbackResource()
        # Make the inpadoc bucket generous: the pacing itself is the OPS client's own test.
        ops.set_bucket("inpadoc", "green", 6000)

    def watch(self, *matters: str) -> None:
        with self.docket_store.open() as (store, audit):
            for matter in matters:
                add_matter(store, audit, watched(matter))

    @property
    def docket_store(self) -> DocketStoreResource:
        return DocketStoreResource(url=self.store_url, audit_key=AUDIT_KEY)

    def resources(self) -> dict[str, Any]:
        return {
            "epo_ops": EpoOpsResource(
                consumer_key=self.ops.consumer_key,
                consumer_secret=self.ops.consumer_secret,
                base_url=self.ops.base_url,
            ),
            "docket_store": self.docket_store,
            "storage": LocalStorageResource(home=str(self.home)),
            "event_files": EventFilesResource(directory=str(self.events_dir)),
            "browser_fallback": self.browser_fallback,
        }

    def run(
        self, as_of: str, *, raise_on_error: bool = True, sync: dict[str, Any] | None = None
    ) -> dg.ExecuteInProcessResult:
        ops_config: dict[str, Any] = {"docket_entries": {"config": {"as_of": as_of}}}
        if sync is not None:
            ops_config["ep_watchlist_sync"] = {"config": sync}
        return dg.materialize(
            ASSETS,
            resources=self.resources(),
            run_config={"ops": ops_config},
            raise_on_error=raise_on_error,
        )

    def entries(self, matter: str = MATTER) -> dict[tuple[str, str, str], tuple[str, str]]:
        """(rule, trigger date, year) → (due date, status) of the stored entries."""
        with open_store(self.store_url) as store:
            return {
                (e.rule, e.trigger_date.isoformat(), dict(e.params).get("year", "")): (
                    e.due_date.isoformat(),
                    e.status,
                )
                for e in stored_entries(store, matter)
            }


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    (materialization,) = result.asset_materializations_for_node("ep_watchlist_sync")
    return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}


def _check(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    return evaluation


@pytest.fixture
def ops() -> Any:
    with FakeOpsServer() as server:
        yield server


# --- the resolve criterion -----------------------------------------------------------------------


def test_watched_ep_matter_goes_from_ops_to_docket_entries(
    tmp_path: Path, store_url: str, samples_dir: Path, ops: FakeOpsServer
) -> None:
    h = Harness(tmp_path, store_url, ops)
    h.watch(MATTER, f"EP-{MISSING}")

    # Run 1, mid-examination: the Register as it stood on 2019-05-31, no legal events yet.
    route_register(ops, APP, register_answer(samples_dir, as_of=dt.date(2019, 5, 31)))
    result = h.run("2019-05-31")
    assert result.success
    meta = _metadata(result)
    assert meta["fetched"] == 1 and meta["failed"] == 1
    assert meta["ops_quota_week_used_bytes"] > 0 and "ops_quota_hour_used_bytes" in meta
    assert meta["ops_requests"] >= 3 and meta["ops_free_weekly_quota_bytes"] > 0
    # The missing application is named on one line, and the other one synced all the same.
    synced = _check(result, EP_APPLICATIONS_SYNCED)
    assert not synced.passed
    (failure,) = synced.metadata["failures"].value
    assert failure.startswith(f"EP-{MISSING}: ") and f"EP{MISSING}" in failure
    assert "\n" not in failure and "404" in failure
    assert _check(result, EP_EVENTS_RECONCILED).passed
    entries = h.entries()
    assert entries[("ep.communication_reply", "2019-01-03", "")] == ("2019-05-13", "closed")
    assert entries[("ep.renewal_fee", "2010-06-24", "10")] == ("2019-07-01", "open")
    assert not any(rule == "ep.r71_3" for rule, _, _ in entries)
    assert sorted(p.name for p in h.events_dir.glob("EP-*")) == [f"EP-{APP}-register.xml"]
    # The answer was archived raw before it was put in the events directory.
    with open_store(h.store_url) as store:
        archive = LocalStorageResource(home=str(h.home)).archive(store)
        assert archive.contains(file_sha256(h.events_dir / f"EP-{APP}-register.xml"))

    # Run 2: the Register moved (Rule 71(3), grant, no opposition) and INPADOC has events.
    route_register(ops, APP, register_answer(samples_dir))
    route_legal(ops, APP, _recorded(samples_dir, "get_legal"))
    audit_before = _audit_seq(h)
    result = h.run("2020-09-30")
    assert result.success and _check(result, EP_EVENTS_RECONCILED).passed
    entries = h.entries()
    assert entries[("ep.r71_3", "2019-06-27", "")] == ("2019-11-07", "closed")
    assert entries[("ep.opposition", "2019-11-27", "")] == ("2020-08-27", "closed")
    assert entries[("ep.renewal_fee", "2010-06-24", "10")] == ("2019-07-01", "closed")
    assert sorted(p.name for p in h.events_dir.glob("EP-*")) == [
        f"EP-{APP}-inpadoc.xml",
        f"EP-{APP}-register.xml",
    ]
    # Each change of the second run is audited with its reason.
    changes = {
        (e.action, e.details["rule"], e.details["trigger_date"]): e.details["reason"]
        for e in _audit_since(h, audit_before)
        if e.subject.startswith(f"docket:{MATTER}|")
    }
    assert ("docket.entry_created", "ep.r71_3", "2019-06-27") in changes
    assert ("docket.entry_created", "ep.opposition", "2019-11-27") in changes
    assert changes[("docket.entry_closed", "ep.renewal_fee", "2010-06-24")] == (
        "renewal fee for year 10 paid 2019-06-24"
    )

    # Run 3: nothing moved: one Register request, no INPADOC request, nothing written.
    stamps = {p.name: p.stat().st_mtime_ns for p in h.events_dir.glob("EP-*")}
    legal_requests = len(ops.api_requests("legal/"))
    audit_before = _audit_seq(h)
    result = h.run("2020-09-30")
    assert result.success
    meta = _metadata(result)
    assert meta["unchanged"] == 1 and meta["files_changed"] == []
    assert len(ops.api_requests("legal/")) == legal_requests
    assert {p.name: p.stat().st_mtime_ns for p in h.events_dir.glob("EP-*")} == stamps
    assert not [e for e in _audit_since(h, audit_before) if MATTER in e.subject]


def _audit_seq(h: Harness) -> int:
    with open_store(h.store_url) as store:
        return max((e.seq for e in read_entries(store)), default=0)


def _audit_since(h: Harness, seq: int) -> list[Any]:
    with open_store(h.store_url) as store:
        return list(read_entries(store, seq))


# --- faults -------------------------------------------------------------------------------------


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'docket.sqlite'}"


def test_fair_use_quota_stops_the_run_and_keeps_what_was_stored(
    tmp_path: Path, samples_dir: Path, ops: FakeOpsServer
) -> None:
    h = Harness(tmp_path, _sqlite(tmp_path), ops)
    h.watch(MATTER)
    route_register(ops, APP, register_answer(samples_dir, as_of=dt.date(2019, 5, 31)))
    assert h.run("2019-05-31").success
    before_files = {p.name: p.read_bytes() for p in h.events_dir.glob("EP-*")}
    before_entries = h.entries()

    route_register(ops, APP, register_answer(samples_dir))
    ops.fair_use("RegisteredQuotaPerWeek")
    result = h.run("2020-09-30", raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.step_failure_data.error.message  # type: ignore[union-attr]
    assert "fair-use quota exhausted" in message and "RegisteredQuotaPerWeek" in message
    assert "UTC" in message  # when it resets
    assert ops.consumer_secret not in message
    # Nothing downstream ran on a half-synced directory, and nothing stored was lost.
    assert {p.name: p.read_bytes() for p in h.events_dir.glob("EP-*")} == before_files
    assert h.entries() == before_entries
    assert len(ops.api_requests("register/")) == 2  # the refused request was not retried


def test_unreadable_answer_for_one_application_is_named_and_the_others_sync(
    tmp_path: Path, samples_dir: Path, ops: FakeOpsServer
) -> None:
    other = "10000001"
    h = Harness(tmp_path, _sqlite(tmp_path), ops)
    h.watch(MATTER, f"EP-{other}")
    route_register(ops, APP, register_answer(samples_dir))
    # Another application whose Register answer is garbled twice in a row (OPS refetches once).
    route_register(ops, other, register_answer(samples_dir))
    ops.malform(_below_rest(register_path(other)), "garbled", times=2)
    result = h.run("2020-09-30")
    assert result.success
    synced = _check(result, EP_APPLICATIONS_SYNCED)
    (failure,) = synced.metadata["failures"].value
    assert failure.startswith(f"EP-{other}: ") and "not well-formed" in failure
    assert not (h.events_dir / f"EP-{other}-register.xml").exists()
    assert h.entries()[("ep.r71_3", "2019-06-27", "")] == ("2019-11-07", "closed")


def test_inpadoc_that_failed_is_fetched_on_the_next_run(
    tmp_path: Path, samples_dir: Path, ops: FakeOpsServer
) -> None:
    h = Harness(tmp_path, _sqlite(tmp_path), ops)
    h.watch(MATTER)
    route_register(ops, APP, register_answer(samples_dir))
    route_legal(ops, APP, _recorded(samples_dir, "get_legal"))
    ops.malform(_below_rest(legal_path(APP)), "garbled", times=2)
    first = h.run("2020-09-30")
    (failure,) = _check(first, EP_APPLICATIONS_SYNCED).metadata["failures"].value
    assert failure.startswith(f"{MATTER}: ") and "INPADOC" in failure
    assert not (h.events_dir / f"EP-{APP}-inpadoc.xml").exists()
    # Next run: the Register did not change, but its sync was not complete: INPADOC is due.
    second = h.run("2020-09-30")
    assert _check(second, EP_APPLICATIONS_SYNCED).passed
    assert (h.events_dir / f"EP-{APP}-inpadoc.xml").is_file()
    assert _check(second, EP_EVENTS_RECONCILED).passed


def test_answer_about_another_application_is_not_used(
    tmp_path: Path, samples_dir: Path, ops: FakeOpsServer
) -> None:
    h = Harness(tmp_path, _sqlite(tmp_path), ops)
    h.watch("EP-12345678")
    route_register(ops, "12345678", register_answer(samples_dir))  # EP 10167109's file
    result = h.run("2020-09-30")
    (failure,) = _check(result, EP_APPLICATIONS_SYNCED).metadata["failures"].value
    assert failure.startswith("EP-12345678: ") and "another application" in failure
    assert list(h.events_dir.glob("EP-*")) == []


def test_unknown_register_code_is_quarantined_not_dropped(
    tmp_path: Path, samples_dir: Path, ops: FakeOpsServer
) -> None:
    h = Harness(tmp_path, _sqlite(tmp_path), ops)
    h.watch(MATTER)
    route_register(ops, APP, register_answer(samples_dir, extra=UNKNOWN_EVENT))
    route_legal(ops, APP, _recorded(samples_dir, "get_legal"))
    result = h.run("2020-09-30")
    assert result.success
    reconciled = _check(result, EP_EVENTS_RECONCILED)
    assert reconciled.passed and reconciled.metadata["quarantined"].value == 1
    with open_store(h.store_url) as store:
        (parked,) = list_quarantined_events(store)
    assert (parked.application_key, parked.source_code) == (MATTER, "EPIDOSNZZZ9")
    assert parked.category == "unknown_code"


def test_daily_schedule_runs_the_sync_with_the_docket_downstream() -> None:
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
    )
    request = ep_watchlist_daily_schedule(context)
    assert isinstance(request, dg.RunRequest)
    assert request.run_key == "ep-watchlist-2026-12-01"
    assert request.run_config["ops"]["docket_entries"]["config"]["as_of"] == "2026-12-01"


# --- the Register page when OPS lacks the application ---------------------------------------------


@pytest.fixture
def chromium_installed() -> None:
    """Skip (fail under CI) without Chromium; the asset starts its own browser, and Playwright's
    sync API allows one per thread, so the ``chromium`` fixture cannot be held meanwhile."""
    from patent_sync.acquisition.browser import BrowserUnavailable, chromium_path

    try:
        chromium_path()
    except BrowserUnavailable as exc:
        _skip_or_fail(str(exc), "browser tests")


@pytest.mark.usefixtures("chromium_installed")
def test_register_page_is_read_when_ops_lacks_an_opted_in_application(
    tmp_path: Path, ops: FakeOpsServer, samples_dir: Path
) -> None:
    number = "19205846"  # OPS answers 404 for it
    h = Harness(tmp_path, _sqlite(tmp_path), ops)
    h.watch(f"EP-{number}", MATTER)
    route_register(ops, APP, register_answer(samples_dir))
    route_legal(ops, APP, _recorded(samples_dir, "get_legal"))
    with OfficePages() as pages:
        pages.add_register(
            number,
            [
                ("20.10.2023", "New entry: Renewal fee paid", None),
                ("09.10.2023", "New entry: Communication of intention to grant a patent", None),
            ],
        )
        # EP 10167109 is in OPS, but the firm knows OPS lags for it: its page is read as well.
        pages.add_register(
            APP, [("26.06.2019", "New entry: Communication of intention to grant a patent", None)]
        )
        h.browser_fallback = BrowserFallbackResource(
            epo_register=True,
            min_seconds_between_pages=0.0,
            page_timeout_seconds=10.0,
            contact="docketing@firm.example",
            epo_register_base_url=pages.base_url,
        )
        result = h.run("2023-11-01", sync={"read_register_page_for": [MATTER]})
        loads = pages.page_loads()
    assert result.success
    meta = _metadata(result)
    assert meta["read_from_register_page"] == 1 and meta["failed"] == 0 and meta["fetched"] == 1
    assert len(loads) == 2
    assert all("docketing@firm.example" in (r.header("user-agent") or "") for r in loads)
    assert (h.events_dir / f"EP-{number}-register-html.json").is_file()
    assert (h.events_dir / f"EP-{APP}-register-html.json").is_file()
    assert _check(result, EP_EVENTS_RECONCILED).passed
    with open_store(h.store_url) as store:
        (r71,) = [e for e in stored_entries(store, f"EP-{number}") if e.rule == "ep.r71_3"]
        (ops_r71,) = [e for e in stored_entries(store, MATTER) if e.rule == "ep.r71_3"]
    assert r71.trigger_date == dt.date(2023, 10, 9)
    assert r71.explanation[0].startswith("LOWER CONFIDENCE")
    # Where OPS has the step, OPS creates the entry; the page only corroborates it.
    assert ops_r71.trigger_date == dt.date(2019, 6, 27)
    assert not any("LOWER CONFIDENCE" in line for line in ops_r71.explanation)


def test_register_page_is_not_read_unless_opted_in(
    tmp_path: Path, ops: FakeOpsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_browser() -> None:
        raise AssertionError("a browser was started although the firm did not opt in")

    monkeypatch.setattr("patent_sync.acquisition.browser.headless_chromium", no_browser)
    h = Harness(tmp_path, _sqlite(tmp_path), ops)
    h.watch("EP-19205846")
    result = h.run("2023-11-01")
    meta = _metadata(result)
    assert meta["failed"] == 1 and meta["read_from_register_page"] == 0
    assert not _check(result, EP_APPLICATIONS_SYNCED).passed


# --- the codes the docket acts on -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "register_code", "inpadoc_code", "page_text"),
    [
        (
            taxonomy.EP_R71_3_COMMUNICATION,
            "EPIDOSNIGR1",
            "INTG",
            "New entry: Communication of intention to grant a patent",
        ),
        (
            taxonomy.EP_EXAMINATION_REPORT,
            "EPIDOSNEXR2",
            "17Q",
            "New entry: Despatch of examination report + time limit",
        ),
        (taxonomy.EP_RENEWAL_FEE_PAID, "EPIDOSNRFE2", None, "New entry: Renewal fee paid"),
        (taxonomy.EP_GRANT_MENTIONED, "0009210", None, "(Expected) grant"),
        (taxonomy.EP_OPPOSITION_FILED, "0009260", "26", "Opposition filed"),
        (
            taxonomy.EP_NO_OPPOSITION_FILED,
            "0009261",
            "26N",
            "No opposition filed within time limit",
        ),
        (
            taxonomy.EP_LAPSED_IN_STATE,
            "0009250",
            "PG25",
            "Lapse of the patent in a contracting state",
        ),
        (
            taxonomy.EP_APPLICATION_DEEMED_WITHDRAWN,
            "0009121",
            "18D",
            "Application deemed to be withdrawn",
        ),
    ],
)
def test_register_inpadoc_and_page_codes_cover_what_the_docket_acts_on(
    kind: str, register_code: str, inpadoc_code: str | None, page_text: str
) -> None:
    assert taxonomy.classify_ep_register_event(register_code).event == kind
    if inpadoc_code is not None:
        assert taxonomy.classify(taxonomy.INPADOC_LEGAL_CODES, inpadoc_code).event == kind
    code, info = taxonomy.classify_page_text("epo.register.html", page_text)
    assert (code, info.event) == (register_code, kind)
    # The renewal year and the procedural-step time limit come from the procedural steps.
    assert taxonomy.classify(taxonomy.EP_PROCEDURAL_STEP_CODES, "RFEE:DATE_OF_PAYMENT").event == (
        taxonomy.EP_RENEWAL_FEE_PAID
    )


def test_definitions_put_the_sync_upstream_of_prosecution_events() -> None:
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey("prosecution_events")).parent_keys
    assert dg.AssetKey("ep_watchlist_sync") in parents
    assert defs.resolve_schedule_def("ep_watchlist_daily_schedule").cron_schedule == "0 6 * * *"
    job = defs.resolve_job_def("ep_watchlist_job")
    assert {"ep_watchlist_sync", "prosecution_events", "docket_entries"} <= {
        node.name for node in job.graph.nodes
    }
