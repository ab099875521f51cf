"""The watched US applications in Dagster: ODP transactions → event files, daily.

``us_watchlist_sync`` fetches what changed at the USPTO Open Data Portal for each US matter of
the watchlist into the events directory, upstream of ``prosecution_events``; a daily job runs it
with the docket assets downstream, and a check after ``prosecution_events`` reconciles the
transactions received with the events stored. The asset is in the Dagster pool
``uspto_odp_api`` (limit 1, dagster.yaml): the ODP allows one request at a time per API key,
whichever run or process holds it.
"""

# No ``from __future__ import annotations``: Dagster inspects the parameter annotations.

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from patent_sync.acquisition.browser import BrowserUnavailable
from patent_sync.acquisition.browser_fallback import FallbackError
from patent_sync.acquisition.errors import AcquisitionError
from patent_sync.acquisition.patentcenter_html import SOURCE as PATENTCENTER_SOURCE
from patent_sync.archive.raw_archive import RawArchive
from patent_sync.audit import audit_checkpoint_metadata
from patent_sync.defs.docket import DAILY_TIMEZONE, daily_docket_run, prosecution_events
from patent_sync.defs.watchlist_common import reader_on_demand, reconciliation_result
from patent_sync.eventsync.patentcenter import patentcenter_fallback
from patent_sync.eventsync.uspto_odp import (
    FAILED,
    FETCHED,
    UNCHANGED,
    LagFallback,
    LaggingApplication,
    UsSyncReport,
    reconcile,
    sync_us_watchlist,
)
from patent_sync.resources import (
    BrowserFallbackResource,
    DocketStoreResource,
    EventFilesResource,
    LocalStorageResource,
    UsptoOdpResource,
)
from patent_sync.watchlist import watched_matters

GROUP = "watchlist"
ODP_POOL = "uspto_odp_api"
US_APPLICATIONS_SYNCED = "us_applications_synced"
US_STATUS_NOT_AHEAD = "us_status_not_ahead_of_transactions"
US_TRANSACTIONS_RECONCILED = "us_transactions_reconciled"
# 06:30 Eastern: the ODP's overnight ingestion is done; half an hour before the docket's run.
DAILY_CRON = "30 6 * * *"


@dg.asset(
    group_name=GROUP,
    kinds={"json", "python"},
    pool=ODP_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            US_APPLICATIONS_SYNCED,
            asset="us_watchlist_sync",
            description=(
                "Every watched US application was fetched from the ODP or is unchanged since "
                "its last sync (an application the ODP does not have is named)"
            ),
        ),
        dg.AssetCheckSpec(
            US_STATUS_NOT_AHEAD,
            asset="us_watchlist_sync",
            description=(
                "No watched US application has a status date newer than its newest transaction "
                "(the API lags: the Patent Center fallback reads those when enabled)"
            ),
        ),
    ],
)
def us_watchlist_sync(
    context: dg.AssetExecutionContext,
    uspto_odp: UsptoOdpResource,
    docket_store: DocketStoreResource,
    storage: LocalStorageResource,
    event_files: EventFilesResource,
    browser_fallback: BrowserFallbackResource,
) -> dg.MaterializeResult:
    """The watched US applications' transaction histories, current with the USPTO ODP.

    For every US matter of the watchlist (``patent-sync watch add US-17248024``): one search
    request per 50 applications asks the Open Data Portal for their last ingestion time and
    status; an application whose marker is the one of its last sync costs nothing more.
    The others' meta-data and transactions responses are archived raw and written (atomically)
    to the events directory as ``US-<number>-meta-data.json`` and
    ``US-<number>-transactions.json``, where ``prosecution_events`` reads them. An application the
    ODP does not have is named in a failed check, the others go on; a refused API key (401/403)
    fails the run with what to do. When the ODP's status date is newer than an application's
    newest transaction, Patent Center's transaction history is read instead, if the firm opted
    in (``PATENT_SYNC_BROWSER_FALLBACK``), and marked lower confidence.
    """
    events_dir = Path(event_files.directory)
    with docket_store.open() as (store, audit):
        matters = watched_matters(store, office="US")
        if not matters:
            context.log.info("no US application on the watchlist: nothing to fetch")
            report = UsSyncReport(matters=(), probe_requests=0, fetch_requests=0)
        else:
            archive = storage.archive(store)
            with (
                uspto_odp.client() as client,
                _lag_fallback(browser_fallback, archive, events_dir) as fallback,
            ):
                try:
                    report = sync_us_watchlist(
                        store, archive, client, events_dir, matters, lag_fallback=fallback
                    )
                except AcquisitionError as exc:
                    raise dg.Failure(description=f"USPTO ODP: {exc}") from None
        checkpoint = audit_checkpoint_metadata(audit)
    for outcome in report.by_action(FAILED):
        context.log.error(f"{outcome.matter}: {outcome.detail}")
    if report.probe_problem:
        context.log.warning(
            f"status probe failed, every application fetched: {report.probe_problem}"
        )
    return dg.MaterializeResult(
        metadata={
            **checkpoint,
            "events_dir": str(events_dir),
            "watched_us_applications": dg.MetadataValue.int(len(report.matters)),
            "fetched": dg.MetadataValue.int(len(report.by_action(FETCHED))),
            "unchanged": dg.MetadataValue.int(len(report.by_action(UNCHANGED))),
            "failed": dg.MetadataValue.int(len(report.by_action(FAILED))),
            "transactions_received": dg.MetadataValue.int(report.transactions_received),
            "files_changed": dg.MetadataValue.json(
                sorted(name for m in report.matters for name in m.files_changed)
            ),
            "probe_requests": dg.MetadataValue.int(report.probe_requests),
            "fetch_requests": dg.MetadataValue.int(report.fetch_requests),
            "probe_problem": report.probe_problem or "none",
            "applications": dg.MetadataValue.json(
                [f"{m.matter}: {m.action}: {m.detail}" for m in report.matters]
            ),
            "dagster/row_count": dg.MetadataValue.int(report.transactions_received),
        },
        check_results=[_synced_check(report), _lag_check(report)],
    )


@dg.asset_check(
    asset=us_watchlist_sync,
    additional_deps=[prosecution_events],
    name=US_TRANSACTIONS_RECONCILED,
    blocking=False,
    description=(
        "For each watched US application: transactions in its ODP file = events recorded + "
        "events quarantined (unknown code) in the docket store"
    ),
)
def us_transactions_reconciled(
    docket_store: DocketStoreResource, event_files: EventFilesResource
) -> dg.AssetCheckResult:
    """Runs after ``prosecution_events``: every transaction received is in the store."""
    with docket_store.open() as (store, _audit):
        matters = watched_matters(store, office="US")
        results = reconcile(store, Path(event_files.directory), matters)
    return reconciliation_result(
        results,
        unbalanced=(
            "{count} watched US application(s) with transactions not accounted for: "
            "materialize prosecution_events after us_watchlist_sync"
        ),
        balanced="All transactions of {count} application(s) recorded or quarantined",
    )


us_watchlist_job = dg.define_asset_job(
    "us_watchlist_job",
    selection=dg.AssetSelection.assets(us_watchlist_sync).downstream(),
    description=(
        "Fetch the watched US applications' transactions from the ODP, record the new events "
        "and bring their docket entries up to date."
    ),
)


@dg.schedule(
    job=us_watchlist_job,
    cron_schedule=DAILY_CRON,
    execution_timezone=DAILY_TIMEZONE,
    name="us_watchlist_daily_schedule",
)
def us_watchlist_daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every morning before the docket run: the watched US applications, and their docket."""
    return daily_docket_run(context, "us-watchlist")


# --- helpers -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _lag_fallback(
    browser: BrowserFallbackResource, archive: RawArchive, events_dir: Path
) -> Iterator[LagFallback | None]:
    """The Patent Center reader when the firm opted in, else None (lagging is only reported).

    The browser starts at the first lagging application, not before: most runs have none.
    """
    with reader_on_demand(
        browser,
        PATENTCENTER_SOURCE,
        lambda session: patentcenter_fallback(
            session, archive, events_dir, browser.patentcenter_base_url
        ),
    ) as reader:
        if reader is None:
            yield None
            return
        unavailable: list[str] = []  # the browser did not start: do not try for every matter

        def read(lagging: LaggingApplication) -> str:
            if unavailable:
                return unavailable[0]
            try:
                fallback = reader()
            except (FallbackError, BrowserUnavailable) as exc:
                unavailable.append(f"Patent Center not read: {' '.join(str(exc).split())}")
                return unavailable[0]
            return fallback(lagging)

        yield read


def _synced_check(report: UsSyncReport) -> dg.AssetCheckResult:
    failed = report.by_action(FAILED)
    return dg.AssetCheckResult(
        check_name=US_APPLICATIONS_SYNCED,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(failed)} watched US application(s) could not be fetched: see failures"
            if failed
            else f"{len(report.matters)} watched US application(s) fetched or unchanged"
        ),
        metadata={
            "failures": dg.MetadataValue.json([f"{m.matter}: {m.detail}" for m in failed]),
        },
    )


def _lag_check(report: UsSyncReport) -> dg.AssetCheckResult:
    lagging = [m for m in report.matters if m.lagging is not None]
    rows = [
        f"{m.matter}: status {m.lagging.status!r} of {m.lagging.status_date}, newest "
        f"transaction {m.lagging.last_transaction or 'none'}"
        + (f"; {m.fallback}" if m.fallback else "; Patent Center fallback not enabled")
        for m in lagging
        if m.lagging is not None
    ]
    return dg.AssetCheckResult(
        check_name=US_STATUS_NOT_AHEAD,
        passed=not lagging,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(lagging)} application(s) whose ODP status is newer than their transactions: "
            "check them in Patent Center"
            if lagging
            else "Every fetched application's transactions are as recent as its status"
        ),
        metadata={"lagging": dg.MetadataValue.json(rows)},
    )
