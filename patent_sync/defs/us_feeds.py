"""The USPTO weekly full-text feeds as Dagster assets: raw → normalized → validated and
quarantine → docket, one weekly partition per publication date.

The assets are thin wrappers over ``patent_sync.pipeline.us_feed``; each reports its counts as
metadata and its reconciliation as named asset checks, so the UI shows at every boundary how
many records went in and where each one went.
"""

import datetime as dt

import dagster as dg

from patent_sync.acquisition.feeds import US_APPLICATIONS, US_GRANTS, UsFeed
from patent_sync.defs.partitions import US_APPLICATIONS_WEEKLY, US_GRANTS_WEEKLY
from patent_sync.parsing.weekly_file import open_delivery
from patent_sync.pipeline import us_feed
from patent_sync.pipeline.lake import QUARANTINED, VALIDATED, read_delivery_manifest
from patent_sync.pipeline.lake import write_delivery_manifest as record_delivery
from patent_sync.pipeline.reconcile import count_raw_records
from patent_sync.resources import DocketStoreResource, LocalStorageResource, UsptoBulkDataResource

RECORDS_ACCOUNTED_FOR = "records_accounted_for"
VALID_PLUS_QUARANTINED = "valid_plus_quarantined_equals_input"
QUARANTINE_RATE = "quarantine_rate_below_threshold"
DOCKET_RECONCILED = "docket_reconciles_with_validated"

QUARANTINE_RATE_WARNING = 0.02  # above 2% of a delivery quarantined, someone should look

_RAW_RETRY = dg.RetryPolicy(
    max_retries=3, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def build_us_feed_definitions(
    feed: UsFeed, partitions_def: dg.WeeklyPartitionsDefinition, *, hour_of_day: int
) -> dg.Definitions:
    """The four assets, their checks, a job and a schedule for one US weekly feed."""
    group = feed.name
    raw_key = dg.AssetKey(f"{feed.name}_raw")
    normalized_key = dg.AssetKey(f"{feed.name}_normalized")
    validated_key = dg.AssetKey(f"{feed.name}_validated")
    quarantine_key = dg.AssetKey(f"{feed.name}_quarantine")
    docket_key = dg.AssetKey(f"{feed.name}_docket")
    label = feed.description

    @dg.asset(
        key=raw_key,
        partitions_def=partitions_def,
        group_name=group,
        kinds={"xml", "python"},
        retry_policy=_RAW_RETRY,
        description=(
            f"The weekly {label} file ({feed.product}, {feed.file_prefix}YYMMDD.zip, "
            f"{feed.weekday_name}) as published, kept once in the content-addressed raw "
            "archive under its SHA-256. Fetched from the USPTO Open Data Portal, or read from "
            "a local directory in the embedded default."
        ),
    )
    def raw(
        context: dg.AssetExecutionContext,
        uspto: UsptoBulkDataResource,
        docket_store: DocketStoreResource,
        storage: LocalStorageResource,
    ) -> dg.MaterializeResult:
        publication_date = dt.date.fromisoformat(context.partition_key)
        with docket_store.open() as (store, audit):
            archive = storage.archive(store)
            delivery = us_feed.acquire_delivery(
                feed,
                publication_date,
                source=uspto.feed_source(),
                archive=archive,
                audit=audit,
                work_dir=storage.work_dir(),
            )
            with open_delivery(storage.raw_path(delivery.sha256)) as stream:
                counted = count_raw_records(stream)
        record_delivery(
            storage.lake(),
            feed.name,
            context.partition_key,
            {
                "file": delivery.file_name,
                "sha256": delivery.sha256,
                "size": delivery.size,
                "origin": delivery.origin,
                "records_in_file": counted.records,
            },
        )
        return dg.MaterializeResult(
            metadata={
                "file": delivery.file_name,
                "sha256": delivery.sha256,
                "size_bytes": dg.MetadataValue.int(delivery.size),
                "origin": delivery.origin,
                "new_payload": delivery.is_new,
                "records_in_file": dg.MetadataValue.int(counted.records),
                "xml_declarations": dg.MetadataValue.int(counted.declarations),
                "stray_segments": dg.MetadataValue.int(
                    counted.stray_segments + counted.leading_garbage
                ),
            }
        )

    @dg.asset(
        key=normalized_key,
        deps=[raw_key],
        partitions_def=partitions_def,
        group_name=group,
        kinds={"parquet", "python"},
        # Blocking: a record the splitter lost must stop the load, not just turn a light red.
        check_specs=[dg.AssetCheckSpec(RECORDS_ACCOUNTED_FOR, asset=normalized_key, blocking=True)],
        description=(
            f"Every {label} document of the week split out of the concatenated file, parsed "
            "without DTDs, network or entity expansion, and normalized to the canonical "
            "document (DOCDB-style doc_key, ISO dates, ST.3 codes). Documents that cannot be "
            "parsed are kept as parse errors for the quarantine. Parquet in the lake."
        ),
    )
    def normalized(
        context: dg.AssetExecutionContext, storage: LocalStorageResource
    ) -> dg.MaterializeResult:
        lake = storage.lake()
        manifest = read_delivery_manifest(lake, feed.name, context.partition_key)
        report = us_feed.normalize_delivery(
            storage.raw_path(manifest["sha256"]),
            source_file=manifest["file"],
            lake=lake,
            feed=feed.name,
            partition_key=context.partition_key,
        )
        expected = int(manifest["records_in_file"])
        accounted = report.documents + report.parse_errors
        return dg.MaterializeResult(
            metadata={
                "records_in": dg.MetadataValue.int(report.records_in),
                "documents": dg.MetadataValue.int(report.documents),
                "parse_errors": dg.MetadataValue.int(report.parse_errors),
                "dagster/row_count": dg.MetadataValue.int(report.documents),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=RECORDS_ACCOUNTED_FOR,
                    passed=accounted == expected,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=(
                        "Records counted line by line in the raw file = documents parsed + "
                        "parse errors"
                    ),
                    metadata={
                        "records_in_raw_file": expected,
                        "parsed": report.documents,
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
                kinds={"parquet", "pandera"},
                description=(
                    f"The {label} documents of the week that passed validation (pandera "
                    "schema: key and number formats, ST.3 country codes, known kind codes, "
                    "dates present and consistent, publication date matching the delivery, "
                    "no duplicate document in the delivery). Parquet in the lake."
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
            dg.AssetCheckSpec(VALID_PLUS_QUARANTINED, asset=validated_key, blocking=True),
            dg.AssetCheckSpec(QUARANTINE_RATE, asset=quarantine_key),
        ],
        name=f"{feed.name}_validate",
    )
    def validate(context: dg.AssetExecutionContext, storage: LocalStorageResource):
        lake = storage.lake()
        report = us_feed.validate_delivery(
            lake=lake,
            feed=feed.name,
            partition_key=context.partition_key,
            delivery_date=dt.date.fromisoformat(context.partition_key),
        )
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
                "by_category": dg.MetadataValue.json(report.by_category),
                "quarantine_rate": dg.MetadataValue.float(round(report.quarantine_rate, 6)),
            },
        )
        written_valid = lake.count(feed.name, VALIDATED, context.partition_key)
        written_quarantined = lake.count(feed.name, QUARANTINED, context.partition_key)
        yield dg.AssetCheckResult(
            check_name=VALID_PLUS_QUARANTINED,
            asset_key=validated_key,
            passed=written_valid + written_quarantined == report.records_in,
            severity=dg.AssetCheckSeverity.ERROR,
            description="Records in = records valid + records quarantined",
            metadata={
                "records_in": report.records_in,
                "valid": written_valid,
                "quarantined": written_quarantined,
                "partition": context.partition_key,
            },
        )
        yield dg.AssetCheckResult(
            check_name=QUARANTINE_RATE,
            asset_key=quarantine_key,
            passed=report.quarantine_rate <= QUARANTINE_RATE_WARNING,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"At most {QUARANTINE_RATE_WARNING:.0%} of the delivery quarantined",
            metadata={
                "quarantine_rate": round(report.quarantine_rate, 6),
                "by_category": dg.MetadataValue.json(report.by_category),
                "partition": context.partition_key,
            },
        )

    @dg.asset(
        key=docket_key,
        deps=[validated_key, quarantine_key],
        partitions_def=partitions_def,
        group_name=group,
        kinds={"sqlite", "postgres"},
        check_specs=[dg.AssetCheckSpec(DOCKET_RECONCILED, asset=docket_key, blocking=True)],
        description=(
            f"The week's {label} documents upserted into the docket store as one load "
            "(increasing load id; created/modified/deleted load ids and a content hash per "
            "document; unchanged documents are a no-op; prior versions kept), with the "
            "quarantined records filed for review. Every load is written to the audit log."
        ),
    )
    def docket(
        context: dg.AssetExecutionContext,
        docket_store: DocketStoreResource,
        storage: LocalStorageResource,
    ) -> dg.MaterializeResult:
        lake = storage.lake()
        manifest = read_delivery_manifest(lake, feed.name, context.partition_key)
        with docket_store.open() as (store, audit):
            report = us_feed.load_delivery(
                lake=lake,
                store=store,
                audit=audit,
                feed=feed.name,
                partition_key=context.partition_key,
                file_name=manifest["file"],
                payload_sha256=manifest["sha256"],
            )
            stored_quarantine = sum(store.quarantine_counts(report.load_id).values())
            load = store.get_load(report.load_id)
        validated = lake.count(feed.name, VALIDATED, context.partition_key)
        quarantined = lake.count(feed.name, QUARANTINED, context.partition_key)
        if report.skipped_identical:
            loaded = sum(int(load.counts.get(k, 0)) for k in ("created", "modified", "unchanged"))
        else:
            loaded = report.documents
        return dg.MaterializeResult(
            metadata={
                "load_id": dg.MetadataValue.int(report.load_id),
                "skipped_identical_delivery": report.skipped_identical,
                "created": dg.MetadataValue.int(report.created),
                "modified": dg.MetadataValue.int(report.modified),
                "unchanged": dg.MetadataValue.int(report.unchanged),
                "quarantined": dg.MetadataValue.int(report.quarantined),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=DOCKET_RECONCILED,
                    passed=loaded == validated and stored_quarantine == quarantined,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=(
                        "Documents in the load = validated documents, and quarantine rows in "
                        "the store = quarantined records"
                    ),
                    metadata={
                        "load_id": report.load_id,
                        "validated": validated,
                        "loaded": loaded,
                        "quarantined_in_lake": quarantined,
                        "quarantined_in_store": stored_quarantine,
                        "partition": context.partition_key,
                    },
                )
            ],
        )

    job = dg.define_asset_job(
        f"{feed.name}_job",
        selection=dg.AssetSelection.groups(group),
        description=f"Fetch, normalize, validate and load one week of {label}.",
    )
    schedule = dg.build_schedule_from_partitioned_job(
        job, hour_of_day=hour_of_day, name=f"{feed.name}_weekly_schedule"
    )
    return dg.Definitions(
        assets=[raw, normalized, validate, docket], jobs=[job], schedules=[schedule]
    )


@dg.definitions
def us_feed_definitions() -> dg.Definitions:
    # The weekly files are up by early morning Eastern time on publication day.
    return dg.Definitions.merge(
        build_us_feed_definitions(US_GRANTS, US_GRANTS_WEEKLY, hour_of_day=9),
        build_us_feed_definitions(US_APPLICATIONS, US_APPLICATIONS_WEEKLY, hour_of_day=9),
    )
