"""Watched US applications: ODP (local server, recorded responses) → event files → docket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from patent_sync.archive.raw_archive import object_path
from patent_sync.audit import AuditLog
from patent_sync.defs.docket import docket_entries, prosecution_events
from patent_sync.defs.us_watchlist_sync import (
    US_APPLICATIONS_SYNCED,
    US_STATUS_NOT_AHEAD,
    US_TRANSACTIONS_RECONCILED,
    us_transactions_reconciled,
    us_watchlist_daily_schedule,
    us_watchlist_sync,
)
from patent_sync.docket.event_quarantine import list_quarantined_events
from patent_sync.docket.repository import load_events, stored_entries
from patent_sync.eventsync.files import file_sha256
from patent_sync.resources import (
    BrowserFallbackResource,
    DocketStoreResource,
    EventFilesResource,
    LocalStorageResource,
    UsptoOdpResource,
)
from patent_sync.store import open_store
from patent_sync.watchlist import add_matter, sync_marker, watched
from patent_sync_tests.conftest import STRONG_AUDIT_KEY, _skip_or_fail
from patent_sync_tests.fake_odp_api_server import FakeOdpApi, load_samples
from patent_sync_tests.fake_odp_server import Answer

KEY = "odp-sync-key-91d2e4"
AS_OF = dt.date(2026, 11, 30)
ASSETS = [us_watchlist_sync, prosecution_events, docket_entries, us_transactions_reconciled]


@pytest.fixture
def api(samples_dir: Path) -> Iterator[FakeOdpApi]:
    server = FakeOdpApi(KEY)
    load_samples(server, samples_dir)
    with server:
        yield server


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'docket.sqlite'}"


def _watch(home: Path, *matters: str) -> None:
    with open_store(_url(home)) as store:
        store.migrate()
        audit = AuditLog(store, STRONG_AUDIT_KEY)
        for matter in matters:
            add_matter(store, audit, watched(matter))


def _run(
    home: Path, api: FakeOdpApi, key: str = KEY, assets: list[Any] | None = None
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        assets or ASSETS,
        resources={
            "uspto_odp": UsptoOdpResource(
                api_key=key, base_url=api.base_url, backoff_after_429=0.05, requests_per_second=500
            ),
            "docket_store": DocketStoreResource(url=_url(home), audit_key=STRONG_AUDIT_KEY.hex()),
            "storage": LocalStorageResource(home=str(home / "var")),
            "event_files": EventFilesResource(directory=str(home / "events")),
            "browser_fallback": BrowserFallbackResource(),
        },
        run_config=(
            {"ops": {"docket_entries": {"config": {"as_of": AS_OF.isoformat()}}}}
            if assets is None
            else {}
        ),
        raise_on_error=False,
    )


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    [event] = [
        e
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey(asset)
    ]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _check(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    [evaluation] = [c for c in result.get_asset_check_evaluations() if c.check_name == name]
    return evaluation


def _check_meta(result: dg.ExecuteInProcessResult, name: str) -> dict[str, Any]:
    return {k: v.value for k, v in _check(result, name).metadata.items()}


def test_a_watched_application_goes_from_the_odp_to_docket_entries(
    home: Path, api: FakeOdpApi
) -> None:
    _watch(home, "US-16123456")
    result = _run(home, api)
    assert result.success
    events_dir = home / "events"
    transactions = events_dir / "US-16123456-transactions.json"
    assert sorted(p.name for p in events_dir.glob("*.json")) == [
        "US-16123456-meta-data.json",
        "US-16123456-transactions.json",
    ]
    sync = _metadata(result, "us_watchlist_sync")
    assert (sync["fetched"], sync["unchanged"], sync["failed"]) == (1, 0, 0)
    assert sync["transactions_received"] == 58
    # Archived raw before it was put in place.
    sha = file_sha256(transactions)
    assert object_path(home / "var" / "archive", sha).read_bytes() == transactions.read_bytes()
    assert _check(result, US_APPLICATIONS_SYNCED).passed
    reconciled = _check_meta(result, US_TRANSACTIONS_RECONCILED)
    assert _check(result, US_TRANSACTIONS_RECONCILED).passed
    assert (reconciled["received"], reconciled["recorded"], reconciled["quarantined"]) == (
        58,
        58,
        0,
    )
    with open_store(_url(home)) as store:
        events = load_events(store, "US-16123456")
        entries = [e for e in stored_entries(store) if e.matter == "US-16123456"]
        marker = sync_marker(store, "US-16123456", "uspto.odp.transactions")
    assert len(events) == 58 and {e.source for e in events} == {"uspto.odp.transactions"}
    assert marker is not None and marker.payload_sha256 == sha
    # Granted 2021-01-26, 4th-year fee paid 2024-07-10: the 8th- and 12th-year fees are open.
    open_entries = sorted(
        (e.due_date, e.rule, e.trigger_date, dict(e.params).get("stage"))
        for e in entries
        if e.status == "open"
    )
    assert open_entries == [
        (dt.date(2028, 7, 26), "us.maintenance_fee", dt.date(2021, 1, 26), "7.5"),
        (dt.date(2032, 7, 26), "us.maintenance_fee", dt.date(2021, 1, 26), "11.5"),
    ]
    assert any(e.status == "closed" for e in entries)
    assert KEY not in repr(result.all_events)  # not in logs, metadata or check results


def test_an_unchanged_application_is_not_fetched_again_and_nothing_is_written(
    home: Path, api: FakeOdpApi
) -> None:
    _watch(home, "US-16123456", "US-17248024")
    assert _run(home, api).success
    stamps = {p.name: p.stat().st_mtime_ns for p in (home / "events").glob("*.json")}
    before = len(api.hits("16123456", "transactions"))
    again = _run(home, api)
    assert again.success
    sync = _metadata(again, "us_watchlist_sync")
    # 16123456's probe marker is unchanged: no request of its own. 17248024's recordings carry
    # no ingestion time, so it is fetched, but its identical history writes nothing.
    assert len(api.hits("16123456", "transactions")) == before
    assert (sync["unchanged"], sync["fetched"], sync["files_changed"]) == (1, 1, [])
    assert {p.name: p.stat().st_mtime_ns for p in (home / "events").glob("*.json")} == stamps
    assert _metadata(again, "prosecution_events")["new_events"] == 0
    assert _metadata(again, "docket_entries")["changes"] == 0
    assert _check(again, US_TRANSACTIONS_RECONCILED).passed


def test_a_changed_marker_fetches_again(home: Path, api: FakeOdpApi) -> None:
    _watch(home, "US-16123456")
    assert _run(home, api).success
    api.applications["16123456"]["lastIngestionDateTime"] = "2025-02-21T08:00:00"
    api.replay.pop(("16123456", None), None)
    before = len(api.hits("16123456", "transactions"))
    again = _run(home, api)
    assert len(api.hits("16123456", "transactions")) == before + 1
    assert _metadata(again, "us_watchlist_sync")["fetched"] == 1


def test_status_newer_than_the_transactions_is_reported(home: Path, api: FakeOdpApi) -> None:
    # 15123456: abandoned, status date 2018-10-02; its newest transactions are later (2020),
    # so it does not lag. Make the status newer than every transaction.
    _watch(home, "US-15123456")
    api.replay.pop(("15123456", "meta-data"))
    api.applications["15123456"]["applicationMetaData"]["applicationStatusDate"] = "2025-01-15"
    result = _run(home, api)
    assert result.success
    check = _check(result, US_STATUS_NOT_AHEAD)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    [line] = _check_meta(result, US_STATUS_NOT_AHEAD)["lagging"]
    assert line.startswith("US-15123456: status 'Abandoned -- Failure to Respond")
    assert "of 2025-01-15, newest transaction 2020-10-21" in line
    assert "Patent Center fallback not enabled" in line


def test_an_application_the_odp_lacks_is_named_and_the_others_sync(
    home: Path, api: FakeOdpApi
) -> None:
    _watch(home, "US-09876543", "US-16123456")
    result = _run(home, api)
    assert result.success  # the check fails, the run does not: 16123456 is in
    check = _check(result, US_APPLICATIONS_SYNCED)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    [failure] = _check_meta(result, US_APPLICATIONS_SYNCED)["failures"]
    assert failure.startswith("US-09876543: US application 09876543 meta-data: HTTP 404")
    assert "filed in 2001" in failure and "\n" not in failure
    assert (home / "events" / "US-16123456-transactions.json").is_file()


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, "USPTO_ODP_API_KEY"), (403, "not yet active")],
)
def test_a_refused_key_fails_the_run_in_one_line_naming_the_applications(
    home: Path, api: FakeOdpApi, status: int, expected: str
) -> None:
    _watch(home, "US-16123456")
    api.script("search", Answer.json({"message": "refused"}, status=status))
    result = _run(home, api)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith("USPTO ODP: status of US application 16123456: HTTP ")
    assert expected in description and "\n" not in description
    assert KEY not in description


def test_a_429_is_waited_out(home: Path, api: FakeOdpApi) -> None:
    _watch(home, "US-16123456")
    api.script("16123456", Answer.json({"message": "Too Many Requests"}, status=429))
    result = _run(home, api)
    assert result.success
    assert _metadata(result, "us_watchlist_sync")["fetched"] == 1


def test_without_a_key_the_run_says_to_set_it(home: Path, api: FakeOdpApi) -> None:
    _watch(home, "US-16123456")
    result = dg.materialize(
        [us_watchlist_sync],
        resources={
            "uspto_odp": UsptoOdpResource(base_url=api.base_url),
            "docket_store": DocketStoreResource(url=_url(home), audit_key=STRONG_AUDIT_KEY.hex()),
            "storage": LocalStorageResource(home=str(home / "var")),
            "event_files": EventFilesResource(directory=str(home / "events")),
            "browser_fallback": BrowserFallbackResource(),
        },
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "USPTO_ODP_API_KEY is not set" in failure.step_failure_data.user_failure_data.description
    assert api.requests == []


def test_unknown_codes_from_the_odp_are_quarantined_not_dropped(
    home: Path, api: FakeOdpApi
) -> None:
    _watch(home, "US-16123456")
    wrapper = api.applications["16123456"]
    api.replay.pop(("16123456", None), None)
    wrapper["eventDataBag"] = [
        {"eventCode": "ZZQX", "eventDate": "2024-08-01", "eventDescriptionText": "New Step"},
        *wrapper["eventDataBag"],
    ]
    result = _run(home, api)
    assert result.success
    events_meta = _metadata(result, "prosecution_events")
    assert (events_meta["events"], events_meta["new_events"]) == (59, 58)
    assert events_meta["quarantined_events"] == 1
    reconciled = _check_meta(result, US_TRANSACTIONS_RECONCILED)
    assert (reconciled["received"], reconciled["recorded"], reconciled["quarantined"]) == (
        59,
        58,
        1,
    )
    with open_store(_url(home)) as store:
        [parked] = list_quarantined_events(store)
    assert (parked.application_key, parked.field, parked.value) == (
        "US-16123456",
        "eventCode",
        "ZZQX",
    )
    assert parked.category == "unknown_code"
    # The same history again: nothing new recorded or quarantined.
    again = _run(home, api)
    meta = _metadata(again, "prosecution_events")
    assert (meta["new_events"], meta["newly_quarantined"], meta["quarantined_events"]) == (0, 0, 1)


def test_no_us_matter_means_no_request(home: Path, api: FakeOdpApi) -> None:
    _watch(home, "EP-19123456")
    result = _run(home, api, assets=[us_watchlist_sync])
    assert result.success and api.requests == []
    assert _metadata(result, "us_watchlist_sync")["watched_us_applications"] == 0


def test_the_daily_schedule_runs_before_the_docket() -> None:
    import zoneinfo

    tick = dt.datetime(2026, 11, 23, 6, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    request = us_watchlist_daily_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert request.run_key == "us-watchlist-2026-11-23"
    assert us_watchlist_daily_schedule.cron_schedule == "30 6 * * *"
    assert us_watchlist_sync.op.pool == "uspto_odp_api"


def test_a_lagging_application_is_handed_to_the_fallback(home: Path, api: FakeOdpApi) -> None:
    from patent_sync.acquisition.uspto_odp import UsptoOdpClient, default_odp_api_http
    from patent_sync.archive.raw_archive import RawArchive
    from patent_sync.eventsync.uspto_odp import LaggingApplication, sync_us_watchlist

    api.replay.pop(("15123456", "meta-data"))
    api.applications["15123456"]["applicationMetaData"]["applicationStatusDate"] = "2025-01-15"
    handed: list[LaggingApplication] = []

    def fallback(lagging: LaggingApplication) -> str:
        handed.append(lagging)
        return "Patent Center read: 3 row(s)"

    http = default_odp_api_http(backoff_after_429=0.05, requests_per_second=500)
    with open_store(_url(home)) as store, UsptoOdpClient(KEY, api.base_url, http=http) as client:
        store.migrate()
        report = sync_us_watchlist(
            store,
            RawArchive(home / "archive", store),
            client,
            home / "events",
            [watched("US-15123456"), watched("US-16123456")],
            lag_fallback=fallback,
        )
    assert [h.matter for h in handed] == ["US-15123456"]
    assert handed[0].last_transaction == dt.date(2020, 10, 21)
    [lagging] = [m for m in report.matters if m.lagging is not None]
    assert lagging.fallback == "Patent Center read: 3 row(s)"


@pytest.fixture
def chromium_installed() -> None:
    """Skip outside CI when Chromium is absent. The asset starts its own browser, and
    Playwright's sync API allows one per thread, so the ``chromium`` fixture cannot be held."""
    from patent_sync.acquisition.browser import BrowserUnavailable, chromium_path

    try:
        chromium_path()
    except BrowserUnavailable as exc:
        _skip_or_fail(str(exc), "browser tests")


@pytest.mark.usefixtures("chromium_installed")
@pytest.mark.parametrize("layout", ["normal", "changed"])
def test_patent_center_is_read_for_a_lagging_application_when_opted_in(
    home: Path, api: FakeOdpApi, layout: str
) -> None:
    from patent_sync_tests.office_pages import OfficePages

    _watch(home, "US-15123456")
    api.replay.pop(("15123456", "meta-data"))
    api.applications["15123456"]["applicationMetaData"]["applicationStatusDate"] = "2025-01-15"
    rows = [("01/15/2025", "Mail Non-Final Rejection"), ("01/10/2025", "Non-Final Rejection")]
    with OfficePages() as pages:
        pages.add_patentcenter("15123456", rows, layout=layout)
        browser = BrowserFallbackResource(
            patentcenter=True,
            patentcenter_base_url=pages.base_url,
            min_seconds_between_pages=0.0,
            page_timeout_seconds=10.0 if layout == "normal" else 1.5,
            contact="docketing@firm.example",
        )
        result = dg.materialize(
            ASSETS,
            resources={
                "uspto_odp": UsptoOdpResource(
                    api_key=KEY, base_url=api.base_url, requests_per_second=500
                ),
                "docket_store": DocketStoreResource(
                    url=_url(home), audit_key=STRONG_AUDIT_KEY.hex()
                ),
                "storage": LocalStorageResource(home=str(home / "var")),
                "event_files": EventFilesResource(directory=str(home / "events")),
                "browser_fallback": browser,
            },
            run_config={"ops": {"docket_entries": {"config": {"as_of": AS_OF.isoformat()}}}},
            raise_on_error=False,
        )
    assert result.success
    [line] = _check_meta(result, US_STATUS_NOT_AHEAD)["lagging"]
    capture = home / "events" / "US-15123456-patentcenter-html.json"
    if layout == "changed":  # reported, never read as "no transactions"
        assert "Patent Center not read" in line and not capture.exists()
        return
    assert "Patent Center read: 2 row(s)" in line and "low confidence" in line
    with open_store(_url(home)) as store:
        read = [
            e for e in load_events(store, "US-15123456") if e.source != "uspto.odp.transactions"
        ]
    assert sorted((e.source_code, e.event_date) for e in read) == [
        ("CTNF", dt.date(2025, 1, 10)),
        ("MCTNF", dt.date(2025, 1, 15)),
    ]
    assert all(dict(e.attributes)["confidence"] == "low" for e in read)


def test_a_refused_probe_costs_requests_not_the_sync(home: Path, api: FakeOdpApi) -> None:
    _watch(home, "US-16123456")
    api.script("search", Answer.json({"code": 400, "errorDetails": "bad fields"}, status=400))
    result = _run(home, api, assets=[us_watchlist_sync])
    assert result.success
    meta = _metadata(result, "us_watchlist_sync")
    assert meta["fetched"] == 1 and "HTTP 400" in meta["probe_problem"]
