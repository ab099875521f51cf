"""The watched EP applications in Dagster: EP Register and INPADOC (EPO OPS) → event files, daily.

``ep_watchlist_sync`` fetches what changed at EPO Open Patent Services for each EP matter of the
watchlist into the events directory, upstream of ``prosecution_events``; a daily job runs it with
the docket assets downstream, and a check after ``prosecution_events`` reconciles the events
received with the events stored. The fair-use quota figures OPS reports are on every
materialization, so the UI shows how much of the week's free volume a run used.
"""

# No ``from __future__ import annotations``: Dagster inspects the parameter annotations.

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from pydantic import Field

from patent_sync.acquisition.epo_ops import OpsQuotaExhausted, QuotaUsage
from patent_sync.acquisition.epo_register_html import SOURCE as REGISTER_PAGE_SOURCE
from patent_sync.acquisition.errors import AcquisitionError
from patent_sync.archive.raw_archive import RawArchive
from patent_sync.audit import audit_checkpoint_metadata
from patent_sync.defs.docket import DAILY_TIMEZONE, daily_docket_run, prosecution_events
from patent_sync.defs.watchlist_common import reader_on_demand, reconciliation_result
from patent_sync.eventsync.epo_ops import (
    DEFAULT_INPADOC_MAX_AGE,
    FAILED,
    FETCHED,
    FROM_PAGE,
    UNCHANGED,
    EpSyncReport,
    RegisterFallback,
    reconcile,
    sync_ep_watchlist,
)
from patent_sync.eventsync.epo_register_page import CAPTURE_SUFFIX, register_page_fallback
from patent_sync.resources import (
    BrowserFallbackResource,
    DocketStoreResource,
    EpoOpsResource,
    EventFilesResource,
    LocalStorageResource,
)
from patent_sync.store.base import DocketStore
from patent_sync.watchlist import WatchedMatter, watched_matters

GROUP = "watchlist"
EP_APPLICATIONS_SYNCED = "ep_applications_synced"
EP_EVENTS_RECONCILED = "ep_events_reconciled"
# OPS instances share no throttling state, so two runs fetching at once would each pace to the
# full bucket and together exceed it: one sync at a time per consumer key.
OPS_POOL = "epo_ops_watchlist"
# 06:00 Eastern (11:00 UTC): the EPO's Register day is done; before the docket's 07:00 run.
DAILY_CRON = "0 6 * * *"


class EpWatchlistSyncConfig(dg.Config):
    """Run configuration of ``ep_watchlist_sync``."""

    inpadoc_max_age_days: int = Field(
        default=DEFAULT_INPADOC_MAX_AGE.days,
        ge=0,
        description=(
            "Fetch an application's INPADOC legal events again after this many days even when "
            "its Register did not change (INPADOC is updated weekly)"
        ),
    )
    read_register_page_for: list[str] = Field(
        default_factory=list,
        description=(
            "EP matters (EP-19205846) whose public Register page is read as well, because OPS "
            "lags for them (needs the epo.register.html browser fallback enabled)"
        ),
    )


@dg.asset(
    group_name=GROUP,
    pool=OPS_POOL,
    kinds={"xml", "python"},
    check_specs=[
        dg.AssetCheckSpec(
            EP_APPLICATIONS_SYNCED,
            asset="ep_watchlist_sync",
            description=(
                "Every watched EP application was fetched from OPS, is unchanged since its last "
                "sync, or was read from the Register page (an application that could not be "
                "read is named)"
            ),
        ),
    ],
)
def ep_watchlist_sync(
    context: dg.AssetExecutionContext,
    config: EpWatchlistSyncConfig,
    epo_ops: EpoOpsResource,
    docket_store: DocketStoreResource,
    storage: LocalStorageResource,
    event_files: EventFilesResource,
    browser_fallback: BrowserFallbackResource,
) -> dg.MaterializeResult:
    """The watched EP applications' EP Register and INPADOC histories, current with EPO OPS.

    For every EP matter of the watchlist (``patent-sync watch add EP-19205846``): one OPS request
    fetches its Register file (bibliographic data, dossier events, procedural steps); the INPADOC
    legal events are fetched when the Register moved, or weekly. An answer whose content is the
    one of the last sync writes nothing. Changed answers are archived raw and written
    (atomically) to the events directory as ``EP-<n>-register.xml`` and ``EP-<n>-inpadoc.xml``,
    where ``prosecution_events`` reads them. An application OPS does not have is named in a
    failed check and the others go on; when the firm opted in (``PATENT_SYNC_BROWSER_FALLBACK``)
    its public Register page is read instead, marked lower confidence. A spent fair-use quota
    stops the run with when it resets. The metadata shows the OPS quota used.
    """
    events_dir = Path(event_files.directory)
    started = dt.datetime.now(dt.UTC)
    with docket_store.open() as (store, audit):
        matters = watched_matters(store, office="EP")
        quota = QuotaUsage()
        if not matters:
            context.log.info("no EP application on the watchlist: nothing to fetch")
            report = EpSyncReport(matters=(), requests=0)
        else:
            archive = storage.archive(store)
            with (
                epo_ops.client() as client,
                _register_fallback(browser_fallback, store, archive, events_dir) as fallback,
            ):
                try:
                    report = sync_ep_watchlist(
                        store,
                        archive,
                        client,
                        events_dir,
                        matters,
                        now=started,
                        inpadoc_max_age=dt.timedelta(days=config.inpadoc_max_age_days),
                        register_fallback=fallback,
                        read_page_for=frozenset(config.read_register_page_for),
                    )
                except OpsQuotaExhausted as exc:
                    raise dg.Failure(
                        description=f"EPO OPS fair-use quota exhausted, sync stopped: {exc}",
                        metadata=_quota_metadata(client.quota),
                    ) from None
                except AcquisitionError as exc:
                    raise dg.Failure(
                        description=f"EPO OPS: {' '.join(str(exc).split())}",
                        metadata=_quota_metadata(client.quota),
                    ) from None
                quota = client.quota
        checkpoint = audit_checkpoint_metadata(audit)
    for outcome in report.by_action(FAILED):
        context.log.error(outcome.detail + (f"; {outcome.fallback}" if outcome.fallback else ""))
    return dg.MaterializeResult(
        metadata={
            **checkpoint,
            **_quota_metadata(quota),
            "events_dir": str(events_dir),
            "watched_ep_applications": dg.MetadataValue.int(len(report.matters)),
            "fetched": dg.MetadataValue.int(len(report.by_action(FETCHED))),
            "unchanged": dg.MetadataValue.int(len(report.by_action(UNCHANGED))),
            "read_from_register_page": dg.MetadataValue.int(len(report.by_action(FROM_PAGE))),
            "failed": dg.MetadataValue.int(len(report.by_action(FAILED))),
            "events_received": dg.MetadataValue.int(report.events_received),
            "files_changed": dg.MetadataValue.json(
                sorted(name for m in report.matters for name in m.files_changed)
            ),
            "ops_requests_made": dg.MetadataValue.int(report.requests),
            "applications": dg.MetadataValue.json(
                [
                    f"{m.matter}: {m.action}: {m.detail}"
                    + (f"; {m.fallback}" if m.fallback else "")
                    for m in report.matters
                ]
            ),
            "dagster/row_count": dg.MetadataValue.int(report.events_received),
        },
        check_results=[_synced_check(report)],
    )


@dg.asset_check(
    asset=ep_watchlist_sync,
    additional_deps=[prosecution_events],
    name=EP_EVENTS_RECONCILED,
    blocking=False,
    description=(
        "For each watched EP application: events in its Register, INPADOC and Register-page "
        "files = events recorded + events quarantined (unknown code) in the docket store"
    ),
)
def ep_events_reconciled(
    docket_store: DocketStoreResource, event_files: EventFilesResource
) -> dg.AssetCheckResult:
    """Runs after ``prosecution_events``: every EP event received is in the store."""
    with docket_store.open() as (store, _audit):
        matters = watched_matters(store, office="EP")
        results = reconcile(store, Path(event_files.directory), matters, (CAPTURE_SUFFIX,))
    return reconciliation_result(
        results,
        unbalanced=(
            "{count} watched EP application(s) with events not accounted for: "
            "materialize prosecution_events after ep_watchlist_sync"
        ),
        balanced="All events of {count} EP application(s) recorded or quarantined",
    )


ep_watchlist_job = dg.define_asset_job(
    "ep_watchlist_job",
    selection=dg.AssetSelection.assets(ep_watchlist_sync).downstream(),
    description=(
        "Fetch the watched EP applications' Register and INPADOC events from EPO OPS, record the "
        "new events and bring their docket entries up to date."
    ),
)


@dg.schedule(
    job=ep_watchlist_job,
    cron_schedule=DAILY_CRON,
    execution_timezone=DAILY_TIMEZONE,
    name="ep_watchlist_daily_schedule",
)
def ep_watchlist_daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every morning before the docket run: the watched EP applications, and their docket."""
    return daily_docket_run(context, "ep-watchlist")


# --- helpers -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _register_fallback(
    browser: BrowserFallbackResource, store: DocketStore, archive: RawArchive, events_dir: Path
) -> Iterator[RegisterFallback | None]:
    """The Register page reader when the firm opted in, else None (OPS gaps are only reported).

    The browser starts only when the firm opted in; the session is opened lazily by the first
    application that needs it, so a run where OPS has everything starts no browser at all.
    """
    with reader_on_demand(
        browser,
        REGISTER_PAGE_SOURCE,
        lambda session: register_page_fallback(
            session, store, archive, events_dir, browser.epo_register_base_url
        ),
    ) as reader:
        if reader is None:
            yield None
            return

        def read(matter: WatchedMatter, why: str) -> tuple[bool, str]:
            return reader()(matter, why)

        yield read


def _quota_metadata(quota: QuotaUsage) -> dict[str, dg.MetadataValue]:
    values: dict[str, dg.MetadataValue] = {}
    for name, value in quota.as_metadata().items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            values[name] = dg.MetadataValue.text(str(value))
        elif isinstance(value, int):
            values[name] = dg.MetadataValue.int(value)
        else:
            values[name] = dg.MetadataValue.float(value)
    return values


def _synced_check(report: EpSyncReport) -> dg.AssetCheckResult:
    failed = report.by_action(FAILED)
    from_page = report.by_action(FROM_PAGE)
    return dg.AssetCheckResult(
        check_name=EP_APPLICATIONS_SYNCED,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(failed)} watched EP application(s) could not be read: see failures"
            if failed
            else f"{len(report.matters)} watched EP application(s) fetched, unchanged or read "
            f"from the Register page ({len(from_page)} from the page, lower confidence)"
        ),
        metadata={
            "failures": dg.MetadataValue.json(
                [m.detail + (f"; {m.fallback}" if m.fallback else "") for m in failed]
            ),
            "read_from_register_page": dg.MetadataValue.json(
                [f"{m.matter}: {m.fallback}" for m in from_page]
            ),
        },
    )
