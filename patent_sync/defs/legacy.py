"""Scanned legacy documents in Dagster: a folder of scans → canonical documents or quarantine.

The firm's documents that exist only on paper (patents granted before 2001, old prosecution
records) are scanned into one folder (``PATENT_SYNC_SCANS_DIR``). ``legacy_scans_sensor``
watches it and adds one dynamic partition per scan file, requesting a run for each new or
replaced file; ``legacy_documents`` reads the scan by OCR into the canonical document and
validates it, and ``legacy_documents_docket`` loads it (or its quarantine row) into the docket
store, with the audit log, exactly as a weekly feed's delivery is loaded.

The assets are thin wrappers over ``patent_sync.pipeline.scans``. Every count the UI shows is a
named check: one file in, one document or one quarantined record out.
"""

# No ``from __future__ import annotations``: Dagster inspects the parameter annotations.

import json

import dagster as dg

from patent_sync.audit import audit_checkpoint_metadata
from patent_sync.defs.feeds import load_metadata
from patent_sync.ocr.errors import TesseractUnavailable
from patent_sync.ocr.reading import KEY_FIELD_THRESHOLD
from patent_sync.pipeline import scans
from patent_sync.pipeline.delivery import AcquiredDelivery, previous_load
from patent_sync.pipeline.lake import QUARANTINED, VALIDATED
from patent_sync.pipeline.lake import read_delivery_manifest as read_manifest
from patent_sync.pipeline.lake import write_delivery_manifest as write_manifest
from patent_sync.resources import DocketStoreResource, LocalStorageResource, ScanFolderResource

COLLECTION = scans.LEGACY_DOCUMENTS
GROUP = COLLECTION.name
RECORDS_ACCOUNTED_FOR = "scan_accounted_for"
DOCKET_RECONCILED = "docket_reconciles_with_scan"
SENSOR_INTERVAL_SECONDS = 60

legacy_scans = dg.DynamicPartitionsDefinition(name="legacy_scans")


@dg.asset(
    key=COLLECTION.name,
    partitions_def=legacy_scans,
    group_name=GROUP,
    kinds={"python", "tesseract"},
    check_specs=[
        dg.AssetCheckSpec(
            RECORDS_ACCOUNTED_FOR,
            asset=COLLECTION.name,
            blocking=True,
            description=(
                "The scan file (one record) became exactly one validated document or one "
                "quarantined record (blocking)."
            ),
        )
    ],
)
def legacy_documents(
    context: dg.AssetExecutionContext,
    scan_folder: ScanFolderResource,
    docket_store: DocketStoreResource,
    storage: LocalStorageResource,
) -> dg.MaterializeResult:
    """One scanned legacy document (TIFF, PNG, JPEG or PDF) read by OCR into the canonical
    document: the scan is kept in the raw archive under its SHA-256; its pages are levelled,
    cleaned and binarized, its front page read column by column, and its INID-coded fields
    (number, dates, application, title, parties, classification, related applications)
    extracted, each with an honest confidence and the page region it came from. A record
    whose number, date, application number, filing date or title is below the confidence
    threshold goes to the quarantine as low_ocr_confidence, with crops of the doubtful
    regions for the reviewer; the others are validated like any feed's documents. Parquet in
    the lake, one partition per scan file."""
    key = context.partition_key
    layout = storage.layout
    with docket_store.open() as (store, audit):
        try:
            delivery = scans.acquire_scan(
                COLLECTION, scan_folder.folder, key, archive=layout.archive(store), audit=audit
            )
        except FileNotFoundError as exc:
            raise dg.Failure(description=str(exc)) from None
        previous = previous_load(store, delivery)
    manifest: dict[str, object] = delivery.to_manifest()
    metadata: dict[str, object] = {
        "file": key,
        "sha256": delivery.sha256,
        "size_bytes": dg.MetadataValue.int(delivery.size),
    }
    if previous is not None:
        manifest["loaded_by"] = previous.load_id
        write_manifest(layout.lake(), COLLECTION.name, key, manifest)
        return dg.MaterializeResult(
            metadata={**metadata, "identical_to_load": dg.MetadataValue.int(previous.load_id)},
            check_results=[
                dg.AssetCheckResult(
                    check_name=RECORDS_ACCOUNTED_FOR,
                    passed=True,
                    description=f"These exact bytes were already loaded by load {previous.load_id}",
                    metadata={"identical_to_load": previous.load_id},
                )
            ],
        )
    try:
        read = scans.read_scan_file(COLLECTION, delivery, layout)
    except TesseractUnavailable as exc:
        raise dg.Failure(description=str(exc)) from None
    write_manifest(layout.lake(), COLLECTION.name, key, manifest)
    metadata.update(
        {
            "pages": dg.MetadataValue.int(read.pages),
            "front_page": dg.MetadataValue.int(read.front_page or 0),
            "doc_key": read.doc_key or "-",
            "status": "valid" if read.valid else "quarantined",
            "confidences": dg.MetadataValue.json(
                {name: round(value, 3) for name, value in sorted(read.confidences.items())}
            ),
            "key_field_threshold": dg.MetadataValue.float(KEY_FIELD_THRESHOLD),
            "ocr_seconds": dg.MetadataValue.float(round(read.seconds, 2)),
            "dagster/row_count": dg.MetadataValue.int(read.valid),
        }
    )
    if read.category is not None:
        metadata["quarantine_category"] = read.category
        metadata["failed_checks"] = dg.MetadataValue.json(list(read.failed_checks))
        metadata["detail"] = read.detail or ""
        metadata["crops"] = dg.MetadataValue.json([str(p) for p in read.crops])
    accounted = read.valid + read.quarantined
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=RECORDS_ACCOUNTED_FOR,
                passed=read.raw_records == read.records_in == accounted,
                severity=dg.AssetCheckSeverity.ERROR,
                description="Records in the scan = documents valid + records quarantined",
                metadata={
                    "records_in_file": read.raw_records,
                    "valid": read.valid,
                    "quarantined": read.quarantined,
                    "partition": key,
                },
            )
        ],
    )


@dg.asset(
    key=f"{COLLECTION.name}_docket",
    deps=[legacy_documents],
    partitions_def=legacy_scans,
    group_name=GROUP,
    pool=f"{COLLECTION.name}_load",
    kinds={"postgres", "sqlite"},
    check_specs=[
        dg.AssetCheckSpec(
            DOCKET_RECONCILED,
            asset=f"{COLLECTION.name}_docket",
            blocking=True,
            description=(
                "Documents in the load = validated documents, and quarantine rows in the store "
                "= quarantined records."
            ),
        )
    ],
)
def legacy_documents_docket(
    context: dg.AssetExecutionContext,
    docket_store: DocketStoreResource,
    storage: LocalStorageResource,
) -> dg.MaterializeResult:
    """The scanned document applied to the docket store as one load (created or modified
    document with its content hash and readings; an unchanged re-scan is a no-op), or its
    quarantine row filed for review with the category and checks it failed. Every load is
    written to the audit log, as for the offices' feeds."""
    key = context.partition_key
    layout = storage.layout
    lake = layout.lake()
    manifest = read_manifest(lake, COLLECTION.name, key)
    delivery = AcquiredDelivery.from_manifest(COLLECTION.name, key, manifest)
    with docket_store.open() as (store, audit):
        report = scans.load_scan(COLLECTION, delivery, layout, store=store, audit=audit)
        stored_quarantine = sum(store.quarantine_counts(report.load_id).values())
        checkpoint = audit_checkpoint_metadata(audit)
    metadata = load_metadata(report, checkpoint)
    if report.skipped_identical:
        passed, detail = True, {"identical_to_load": report.load_id}
    else:
        validated = lake.count(COLLECTION.name, VALIDATED, key)
        quarantined = lake.count(COLLECTION.name, QUARANTINED, key)
        passed = report.documents == validated and stored_quarantine == quarantined + report.stale
        detail = {
            "validated": validated,
            "loaded": report.documents,
            "quarantined_in_lake": quarantined,
            "quarantined_in_store": stored_quarantine,
        }
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=DOCKET_RECONCILED,
                passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=(
                    "Documents in the load = validated documents, quarantine rows in the store "
                    "= quarantined records"
                ),
                metadata={**detail, "load_id": report.load_id, "partition": key},
            )
        ],
    )


legacy_documents_job = dg.define_asset_job(
    f"{COLLECTION.name}_job",
    selection=dg.AssetSelection.groups(GROUP),
    description="Read one scanned legacy document by OCR and load it into the docket.",
    # One process for both steps: OCR dominates, and a step per process re-imports OpenCV.
    executor_def=dg.in_process_executor,
)


@dg.sensor(
    job=legacy_documents_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    description=(
        "Watches the scans folder (PATENT_SYNC_SCANS_DIR): adds a partition of "
        "legacy_documents for every new scan file and runs it; runs a scan again when its "
        "file is replaced."
    ),
)
def legacy_scans_sensor(
    context: dg.SensorEvaluationContext, scan_folder: ScanFolderResource
) -> dg.SensorResult | dg.SkipReason:
    listing = scan_folder.listing()
    for name, reason in listing.passed_over:
        context.log.info(f"{name}: not read: {reason}")
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(legacy_scans.name))
    new = [scan for scan in listing.scans if scan.key not in known]
    changed = [
        scan
        for scan in listing.scans
        if scan.key in known and seen.get(scan.key) not in (None, scan.version)
    ]
    cursor = json.dumps({**seen, **{scan.key: scan.version for scan in listing.scans}})
    if not new and not changed:
        where = "" if scan_folder.folder.is_dir() else " (the folder does not exist yet)"
        return dg.SkipReason(
            f"no new or replaced scan in {scan_folder.folder}{where}; "
            f"{len(listing.scans)} known, {len(listing.passed_over)} passed over"
        )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=scan.key, run_key=f"{scan.key}@{scan.version}")
            for scan in (*new, *changed)
        ],
        dynamic_partitions_requests=[legacy_scans.build_add_request([s.key for s in new])]
        if new
        else [],
        cursor=cursor,
    )
