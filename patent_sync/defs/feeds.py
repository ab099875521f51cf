"""Every feed of the registry as Dagster assets: raw → normalized → validated and quarantine
→ docket, one weekly partition per publication date, with a job and a schedule per feed.

The assets are thin wrappers over ``patent_sync.pipeline.delivery``; each reports its counts
as metadata and its reconciliation as named asset checks, so the UI shows at every boundary
how many records went in and where each one went. A delivery whose bytes were already loaded
is recognised by the raw step, and no later step parses it again.
"""

import datetime as dt
import warnings
from collections.abc import Iterator, Mapping

import dagster as dg

from patent_sync.acquisition.errors import (
    AcquisitionError,
    DeliveryLate,
    IncompleteDownload,
    RetriesExhausted,
)
from patent_sync.audit import audit_checkpoint_metadata
from patent_sync.feeds import FEEDS, FeedSpec
from patent_sync.pipeline import delivery as steps
from patent_sync.pipeline.lake import QUARANTINED, VALIDATED
from patent_sync.pipeline.lake import read_delivery_manifest as read_manifest
from patent_sync.pipeline.lake import write_delivery_manifest as write_manifest
from patent_sync.pipeline.polled_source import PolledSource
from patent_sync.pipeline.sources import LocalSource
from patent_sync.resources import DocketStoreResource, FeedSourcesResource, LocalStorageResource
from patent_sync.settings import Settings, quarantine_rate_warning

RECORDS_ACCOUNTED_FOR = "records_accounted_for"
VALID_PLUS_QUARANTINED = "valid_plus_quarantined_equals_input"
QUARANTINE_RATE = "quarantine_rate_below_threshold"
DOCKET_RECONCILED = "docket_reconciles_with_validated"
DELIVERY_ON_TIME = "delivery_available_by_cutoff"


# Retry only what can change: the network, the office's servers (the HTTP layer has already
# retried within its own budget). A delivery that is not published, a refused login or a bad
# setting fails at once with its message, instead of after an hour of retries.
_RAW_RETRIES = 3
_RAW_RETRY_SECONDS = 300
_TRANSIENT = (RetriesExhausted, IncompleteDownload)


def weekly_partitions(
    feed: FeedSpec, start: dt.date | None = None
) -> dg.WeeklyPartitionsDefinition:
    """One partition per publication date of ``feed``, from ``start`` (default: the registry's
    first partition) to the current week.

    Dagster keys a weekly window by its start, and with the default ``end_offset=0`` the newest
    window is the one that *ended* last, a week behind the delivery just published.
    ``end_offset=1`` makes the window that starts on publication day available on that day, so
    the schedule's tick on Tuesday 2026-11-17 materializes partition "2026-11-17".
    """
    return dg.WeeklyPartitionsDefinition(
        start_date=(start or feed.first_partition).isoformat(),
        day_offset=feed.cron_day_offset,
        end_offset=1,
        timezone=feed.timezone,
    )


def first_offered_week(feed: FeedSpec, settings: Settings, today: dt.date | None = None) -> dt.date:
    """The first week the UI offers for ``feed``: the registry's first partition when the
    offices are the source, the first delivery the directory holds when it is local.

    A local directory cannot produce a week before its first file, so offering the two years
    before it (about 150 partitions) only invites runs that fail. The partitions stay weekly
    windows keyed by publication date, open at the newest end: keys are the same whichever the
    source, the schedule still asks for each new week, and a file dropped into the directory
    later is the next partition without any registration step. A directory with no file of
    the feed offers the current week only.
    """
    if settings.feed_source != "local":
        return feed.first_partition
    dates = LocalSource(settings.feed_dir).available_dates(feed)
    if dates:
        return dates[0]
    today = today or dt.date.today()
    return today - dt.timedelta(days=(today.weekday() - feed.weekday) % 7)


def _check(
    name: str,
    asset: dg.AssetKey,
    partitions_def: dg.PartitionsDefinition,
    description: str,
    *,
    blocking: bool = False,
) -> dg.AssetCheckSpec:
    """A check evaluated once per partition, so the UI shows each week's result under its key.

    Partitioned checks are a Dagster preview: its warning says the API may change in a patch
    release (dagster is pinned). Without a partition the UI shows every week's evaluation as
    the asset's one latest result, with "—" for the partition.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            name,
            asset=asset,
            blocking=blocking,
            description=description,
            partitions_def=partitions_def,
        )


def _category_table(by_category: Mapping[str, int], records_in: int) -> dg.MetadataValue:
    """Quarantined records per category as a Markdown table a reviewer reads at a glance."""
    if not by_category:
        return dg.MetadataValue.md("No record quarantined.")
    rows = ["| category | records | share of the delivery |", "|---|---:|---:|"]
    rows += [
        f"| {category} | {count} | {count / records_in:.1%} |"
        for category, count in sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
    ]
    return dg.MetadataValue.md("\n".join(rows))


def _skipped(manifest: dict) -> int | None:
    """The load that already applied this delivery's exact bytes, if any."""
    loaded_by = manifest.get("loaded_by")
    return None if loaded_by is None else int(loaded_by)


def build_feed_definitions(feed: FeedSpec, first_week: dt.date | None = None) -> dg.Definitions:
    """The four assets, their checks, a job and a schedule for one feed, with partitions from
    ``first_week`` (default: the registry's first partition).

    The quarantine-rate threshold is read from ``PATENT_SYNC_QUARANTINE_RATE_WARNING`` here,
    so the check's description and its evaluation use the same value.
    """
    partitions_def = weekly_partitions(feed, first_week)
    rate_warning = quarantine_rate_warning()
    group = feed.name
    raw_key = dg.AssetKey(f"{feed.name}_raw")
    normalized_key = dg.AssetKey(f"{feed.name}_normalized")
    validated_key = dg.AssetKey(f"{feed.name}_validated")
    quarantine_key = dg.AssetKey(f"{feed.name}_quarantine")
    docket_key = dg.AssetKey(f"{feed.name}_docket")
    label = feed.label
    where = (
        f"files such as {feed.files.expected(feed.first_partition)}, published on "
        f"{feed.weekday_name}s by {feed.hour:02d}:00 {feed.timezone}"
    )

    @dg.asset(
        key=raw_key,
        partitions_def=partitions_def,
        group_name=group,
        kinds={"python", "xml"},
        # A feed polled for a late batch reports "still not there at the cut-off" as a warning
        # and materializes nothing, so that the later steps are skipped, not run on no files.
        output_required=feed.remote.availability is None,
        check_specs=_availability_checks(feed, raw_key, partitions_def),
        description=(
            f"The week's {label} delivery ({where}; about "
            f"{feed.records_per_delivery:,} records) as published, every file kept once in the "
            f"content-addressed raw archive under its SHA-256. Fetched from "
            f"{feed.remote.service} ({feed.remote.product}), or read from a local directory "
            "in the embedded default. Its records are counted here, independently of the "
            "parser, unless the exact bytes were already loaded."
        ),
    )
    def raw(
        context: dg.AssetExecutionContext,
        feed_sources: FeedSourcesResource,
        docket_store: DocketStoreResource,
        storage: LocalStorageResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        publication_date = dt.date.fromisoformat(context.partition_key)
        layout = storage.layout
        source = feed_sources.source_for(feed)
        with docket_store.open() as (store, audit):
            try:
                delivery = steps.acquire_delivery(
                    feed,
                    publication_date,
                    source=source,
                    archive=layout.archive(store),
                    audit=audit,
                    work_dir=layout.download_dir,
                )
            except DeliveryLate as late:
                context.log.warning(str(late))
                yield _late_check(raw_key, late, context.partition_key)
                return
            except _TRANSIENT as exc:
                raise dg.RetryRequested(
                    max_retries=_RAW_RETRIES, seconds_to_wait=_RAW_RETRY_SECONDS
                ) from exc
            except AcquisitionError as exc:
                raise dg.Failure(description=str(exc)) from exc  # names the feed and the week
            previous = steps.previous_load(store, delivery)
        manifest: dict[str, object] = delivery.to_manifest()
        metadata: dict[str, object] = {
            "files": dg.MetadataValue.int(len(delivery.files)),
            "delivery": delivery.name,
            "sha256": delivery.sha256,
            "size_bytes": dg.MetadataValue.int(delivery.size),
            "new_payload": delivery.is_new,
        }
        metadata.update(delivery.source_metadata)  # e.g. the OPS quota this fetch used
        if previous is not None:
            manifest["loaded_by"] = previous.load_id
            metadata["identical_to_load"] = dg.MetadataValue.int(previous.load_id)
        else:
            counted = steps.count_raw_records(feed, delivery, layout)
            manifest["records_in_files"] = counted.records
            metadata["records_in_files"] = dg.MetadataValue.int(counted.records)
            metadata.update({k: dg.MetadataValue.int(v) for k, v in counted.detail.items()})
        write_manifest(layout.lake(), feed.name, context.partition_key, manifest)
        yield dg.MaterializeResult(
            metadata=metadata,
            check_results=_on_time_checks(feed, raw_key, source, context.partition_key),
        )

    @dg.asset(
        key=normalized_key,
        deps=[raw_key],
        partitions_def=partitions_def,
        group_name=group,
        kinds={"python", "parquet"},
        # Blocking: a record the parser lost must stop the load, not just turn a light red.
        check_specs=[
            _check(
                RECORDS_ACCOUNTED_FOR,
                normalized_key,
                partitions_def,
                "Reconciles the parser with the raw files: every record counted in the week's "
                "raw files (independently of the parser) became a document, a delete or a "
                "parse error. Blocking: nothing reaches the docket otherwise.",
                blocking=True,
            )
        ],
        description=(
            f"Every {label} of the week parsed without DTDs, network or entity expansion "
            f"({feed.wire_format}) and normalized to the canonical document (DOCDB-style "
            "doc_key, ISO dates, ST.3 codes), with the delivery's delete records and the "
            "records that could not be parsed kept apart. Parquet in the lake."
        ),
    )
    def normalized(
        context: dg.AssetExecutionContext, storage: LocalStorageResource
    ) -> dg.MaterializeResult:
        layout = storage.layout
        manifest = read_manifest(layout.lake(), feed.name, context.partition_key)
        skipped = _skipped(manifest)
        if skipped is not None:
            return _skip_result(RECORDS_ACCOUNTED_FOR, skipped, context.partition_key)
        delivery = steps.AcquiredDelivery.from_manifest(feed.name, context.partition_key, manifest)
        report = steps.normalize_delivery(feed, delivery, layout)
        expected = int(manifest["records_in_files"])
        return dg.MaterializeResult(
            metadata={
                "records_in": dg.MetadataValue.int(report.records_in),
                "documents": dg.MetadataValue.int(report.documents),
                "deletes": dg.MetadataValue.int(report.deletes),
                "parse_errors": dg.MetadataValue.int(report.parse_errors),
                "dagster/row_count": dg.MetadataValue.int(report.documents),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=RECORDS_ACCOUNTED_FOR,
                    passed=report.accounted_for == expected,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=(
                        f"{expected} records in the raw files; {report.documents} documents + "
                        f"{report.deletes} deletes + {report.parse_errors} parse errors = "
                        f"{report.accounted_for}"
                    ),
                    metadata={
                        "records_in_raw_files": expected,
                        "documents": report.documents,
                        "deletes": report.deletes,
                        "parse_errors": report.parse_errors,
                        "partition": context.partition_key,
                    },
                )
            ],
        )

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                validated_key,
                deps=[normalized_key],
                group_name=group,
                kinds={"pandera", "parquet"},
                description=(
                    f"The {label} documents of the week that passed validation with the "
                    f"{feed.name} profile (key and number formats, ST.3 country codes, the "
                    "office's kind codes, required fields present, dates consistent, no "
                    "duplicate document in the delivery). Parquet in the lake."
                ),
            ),
            dg.AssetSpec(
                quarantine_key,
                deps=[normalized_key],
                group_name=group,
                kinds={"parquet"},
                description=(
                    f"The {label} records of the week that did not pass, each with a category "
                    "(parse_error, schema_violation, unknown_code, reference_integrity, "
                    "conflict) and the checks it failed. Nothing is dropped: they wait here "
                    "and in the docket store's quarantine table for review."
                ),
            ),
        ],
        partitions_def=partitions_def,
        check_specs=[
            _check(
                VALID_PLUS_QUARANTINED,
                validated_key,
                partitions_def,
                "Reconciles validation with its input: the week's normalized records = records "
                "written to the validated layer + records written to the quarantine, so no "
                "record is dropped. Blocking: nothing reaches the docket otherwise.",
                blocking=True,
            ),
            _check(
                QUARANTINE_RATE,
                quarantine_key,
                partitions_def,
                f"At most {rate_warning:.1%} of the week's records quarantined "
                "(PATENT_SYNC_QUARANTINE_RATE_WARNING). A warning: above it, someone should "
                "look at the quarantine by category before the next delivery.",
            ),
        ],
        name=f"{feed.name}_validate",
    )
    def validate(
        context: dg.AssetExecutionContext, storage: LocalStorageResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        layout = storage.layout
        lake = layout.lake()
        key = context.partition_key
        manifest = read_manifest(lake, feed.name, key)
        skipped = _skipped(manifest)
        if skipped is not None:
            yield dg.MaterializeResult(asset_key=validated_key, metadata={"skipped": True})
            yield dg.MaterializeResult(asset_key=quarantine_key, metadata={"skipped": True})
            yield _skip_check(VALID_PLUS_QUARANTINED, validated_key, skipped, key)
            yield _skip_check(QUARANTINE_RATE, quarantine_key, skipped, key)
            return
        delivery = steps.AcquiredDelivery.from_manifest(feed.name, key, manifest)
        report = steps.validate_delivery(feed, delivery, layout)
        yield dg.MaterializeResult(
            asset_key=validated_key,
            metadata={
                "dagster/row_count": dg.MetadataValue.int(report.valid),
                "records_in": dg.MetadataValue.int(report.records_in),
            },
        )
        yield dg.MaterializeResult(
            asset_key=quarantine_key,
            metadata={
                "dagster/row_count": dg.MetadataValue.int(report.quarantined),
                "by_category": _category_table(report.by_category, report.records_in),
                "quarantine_rate": dg.MetadataValue.float(round(report.quarantine_rate, 6)),
            },
        )
        written_valid = lake.count(feed.name, VALIDATED, key)
        written_quarantined = lake.count(feed.name, QUARANTINED, key)
        yield dg.AssetCheckResult(
            check_name=VALID_PLUS_QUARANTINED,
            asset_key=validated_key,
            passed=written_valid + written_quarantined == report.records_in,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(
                f"{report.records_in} records in; {written_valid} valid + "
                f"{written_quarantined} quarantined = {written_valid + written_quarantined}"
            ),
            metadata={
                "records_in": report.records_in,
                "valid": written_valid,
                "quarantined": written_quarantined,
                "partition": key,
            },
        )
        yield dg.AssetCheckResult(
            check_name=QUARANTINE_RATE,
            asset_key=quarantine_key,
            passed=report.quarantine_rate <= rate_warning,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"{report.quarantined} of {report.records_in} records quarantined "
                f"({report.quarantine_rate:.1%}; warning above {rate_warning:.1%})"
            ),
            metadata={
                "quarantine_rate": dg.MetadataValue.float(round(report.quarantine_rate, 6)),
                "threshold": dg.MetadataValue.float(rate_warning),
                "by_category": _category_table(report.by_category, report.records_in),
                "partition": key,
            },
        )

    @dg.asset(
        key=docket_key,
        deps=[validated_key, quarantine_key],
        partitions_def=partitions_def,
        group_name=group,
        # One load of a feed at a time across runs (dagster.yaml: pools default_limit 1); the
        # store's load lease also stops two runs of a partition applying it twice.
        pool=f"{feed.name}_load",
        kinds={"postgres", "sqlite"},
        check_specs=[
            _check(
                DOCKET_RECONCILED,
                docket_key,
                partitions_def,
                "Reconciles the docket store with the lake: documents in the week's load = "
                "validated documents, deletes applied = delete records, and quarantine rows in "
                "the store = quarantined records (plus stale amendments). Blocking.",
                blocking=True,
            )
        ],
        description=(
            f"The week's {label} delivery applied to the docket store as one load (increasing "
            "load id; created/modified/deleted load ids and a content hash per document; "
            "unchanged documents are a no-op; prior versions kept; deletes mark documents "
            "deleted; an amendment older than the stored version is a conflict in the "
            "quarantine), with the quarantined records filed for review. Every load is written "
            "to the audit log."
        ),
    )
    def docket(
        context: dg.AssetExecutionContext,
        docket_store: DocketStoreResource,
        storage: LocalStorageResource,
    ) -> dg.MaterializeResult:
        layout = storage.layout
        lake = layout.lake()
        key = context.partition_key
        manifest = read_manifest(lake, feed.name, key)
        delivery = steps.AcquiredDelivery.from_manifest(feed.name, key, manifest)
        with docket_store.open() as (store, audit):
            report = steps.load_delivery(feed, delivery, layout, store=store, audit=audit)
            stored_quarantine = sum(store.quarantine_counts(report.load_id).values())
            # The audit head, signed, in Dagster's own event storage: a checkpoint kept outside
            # the database that holds the log (``patent-sync audit verify --dagster``).
            checkpoint = audit_checkpoint_metadata(audit)
        metadata = load_metadata(report, checkpoint)
        if report.skipped_identical:
            return dg.MaterializeResult(
                metadata=metadata,
                check_results=[_skip_check(DOCKET_RECONCILED, docket_key, report.load_id, key)],
            )
        validated = lake.count(feed.name, VALIDATED, key)
        quarantined = lake.count(feed.name, QUARANTINED, key)
        deletes = lake.count(feed.name, steps.DELETES, key)
        applied_deletes = report.deleted + report.unmatched_deletes
        passed = (
            report.documents == validated
            and applied_deletes == deletes
            and stored_quarantine == quarantined + report.stale
        )
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                dg.AssetCheckResult(
                    check_name=DOCKET_RECONCILED,
                    passed=passed,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=(
                        f"Load {report.load_id}: {report.documents} documents loaded of "
                        f"{validated} validated; {applied_deletes} of {deletes} deletes applied; "
                        f"{stored_quarantine} quarantine rows in the store for {quarantined} "
                        f"quarantined + {report.stale} stale amendments"
                    ),
                    metadata={
                        "load_id": report.load_id,
                        "validated": validated,
                        "loaded": report.documents,
                        "delete_records": deletes,
                        "deletes_applied": applied_deletes,
                        "quarantined_in_lake": quarantined,
                        "stale_amendments": report.stale,
                        "quarantined_in_store": stored_quarantine,
                        "partition": key,
                    },
                )
            ],
        )

    job = dg.define_asset_job(
        f"{feed.name}_job",
        selection=dg.AssetSelection.groups(group),
        description=f"Fetch, normalize, validate and load one week of {label}s.",
        # One process for the four steps: a step per process spent more time importing
        # libraries than a week of grants takes to load.
        executor_def=dg.in_process_executor,
    )
    schedule = dg.build_schedule_from_partitioned_job(
        job, hour_of_day=feed.hour, name=f"{feed.name}_weekly_schedule"
    )
    return dg.Definitions(
        assets=[raw, normalized, validate, docket], jobs=[job], schedules=[schedule]
    )


def _availability_checks(
    feed: FeedSpec, raw_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition
) -> list[dg.AssetCheckSpec]:
    if feed.remote.availability is None:
        return []
    window = feed.remote.availability.window
    return [
        _check(
            DELIVERY_ON_TIME,
            raw_key,
            partitions_def,
            f"The week's batch was available from {feed.remote.service} within "
            f"{window} of its publication time (a warning: a late week is fetched by a "
            "later run; nothing is loaded for it meanwhile).",
        )
    ]


def _on_time_checks(
    feed: FeedSpec, raw_key: dg.AssetKey, source: object, partition_key: str
) -> list[dg.AssetCheckResult]:
    if feed.remote.availability is None:
        return []
    outcome = source.last_outcome if isinstance(source, PolledSource) else None
    polled = outcome.metadata() if outcome is not None else {"poll_status": "not polled"}
    return [
        dg.AssetCheckResult(
            check_name=DELIVERY_ON_TIME,
            asset_key=raw_key,
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                outcome.describe() if outcome is not None else "Delivery files read from disk"
            ),
            metadata={**polled, "partition": partition_key},
        )
    ]


def _late_check(
    raw_key: dg.AssetKey, late: DeliveryLate, partition_key: str
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=DELIVERY_ON_TIME,
        asset_key=raw_key,
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=str(late),
        metadata={**late.details, "partition": partition_key},
    )


def load_metadata(
    report: steps.LoadReport, checkpoint: Mapping[str, str | int]
) -> dict[str, dg.MetadataValue | str | int]:
    """A docket load's materialization metadata: the signed audit checkpoint taken after it,
    the load, whether it was skipped as an identical delivery, and its counts."""
    return {
        **checkpoint,
        "load_id": dg.MetadataValue.int(report.load_id),
        "skipped_identical_delivery": report.skipped_identical,
        **{name: dg.MetadataValue.int(value) for name, value in report.counts().items()},
    }


def _skip_check(
    check_name: str, asset_key: dg.AssetKey, load_id: int, partition_key: str
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=check_name,
        asset_key=asset_key,
        passed=True,
        description=f"The delivery's exact bytes were already applied by load {load_id}",
        metadata={"identical_to_load": load_id, "partition": partition_key},
    )


def _skip_result(check_name: str, load_id: int, partition_key: str) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"skipped": True, "identical_to_load": dg.MetadataValue.int(load_id)},
        check_results=[
            dg.AssetCheckResult(
                check_name=check_name,
                passed=True,
                description=f"The delivery's exact bytes were already applied by load {load_id}",
                metadata={"identical_to_load": load_id, "partition": partition_key},
            )
        ],
    )


@dg.definitions
def feed_definitions() -> dg.Definitions:
    settings = Settings.from_env()
    return dg.Definitions.merge(
        *(build_feed_definitions(feed, first_offered_week(feed, settings)) for feed in FEEDS)
    )
