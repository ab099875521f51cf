"""The steps of a US weekly feed, from the published file to the docket store.

Plain Python with no Dagster in it: the assets in ``patent_sync.defs.us_feeds`` are thin
wrappers over these functions, and the CLI, the tests and the benchmark call them directly.
Every step streams: a weekly file is split document by document and every later step works on
Parquet batches, so memory is bounded by the batch size, never by the delivery.

    acquire_delivery   the weekly zip → raw archive (SHA-256, manifest row, audit entry)
    normalize_delivery raw archive → canonical documents (lake: normalized) + parse errors
    validate_delivery  normalized → validated + quarantined (pandera, categorized)
    load_delivery      validated + quarantined → docket store (one load, idempotent upserts)
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

from patent_sync.acquisition.feeds import UsFeed
from patent_sync.archive.raw_archive import RawArchive
from patent_sync.audit import AuditLog
from patent_sync.model import Document, QuarantineRecord
from patent_sync.parsing.uspto_fulltext import parse_us_delivery
from patent_sync.parsing.weekly_file import open_delivery
from patent_sync.pipeline.lake import (
    DOCUMENT_SCHEMA,
    NORMALIZED,
    QUARANTINE_SCHEMA,
    QUARANTINED,
    VALIDATED,
    Lake,
    documents_to_table,
    quarantine_to_table,
    table_to_documents,
    table_to_quarantine,
)
from patent_sync.pipeline.layout import HomeLayout
from patent_sync.pipeline.sources import FeedSource
from patent_sync.store.base import DocketStore
from patent_sync.validation.documents import DeliveryValidator

PARSE_ERRORS = "parse_errors"  # lake layer holding the parse failures of the normalize step
DEFAULT_BATCH_SIZE = 1000


@dataclasses.dataclass(frozen=True)
class AcquiredDelivery:
    feed: str
    partition_key: str
    file_name: str
    sha256: str
    size: int
    origin: str
    is_new: bool


@dataclasses.dataclass(frozen=True)
class NormalizeReport:
    records_in: int
    documents: int
    parse_errors: int


@dataclasses.dataclass(frozen=True)
class ValidateReport:
    records_in: int
    valid: int
    quarantined: int
    by_category: dict[str, int]

    @property
    def quarantine_rate(self) -> float:
        return self.quarantined / self.records_in if self.records_in else 0.0


@dataclasses.dataclass(frozen=True)
class LoadReport:
    load_id: int
    skipped_identical: bool
    created: int
    modified: int
    unchanged: int
    quarantined: int

    @property
    def documents(self) -> int:
        return self.created + self.modified + self.unchanged


def acquire_delivery(
    feed: UsFeed,
    publication_date: dt.date,
    *,
    source: FeedSource,
    archive: RawArchive,
    audit: AuditLog,
    work_dir: Path,
) -> AcquiredDelivery:
    """Fetch the weekly file for ``publication_date`` and keep it in the raw archive."""
    fetched = source.fetch(feed, publication_date, work_dir)
    if fetched.is_temporary and fetched.sha256 is not None and fetched.size is not None:
        archived = archive.take_file(
            fetched.path,
            sha256=fetched.sha256,
            size=fetched.size,
            source=feed.name,
            origin=fetched.origin,
        )
    else:
        archived = archive.put_file(fetched.path, source=feed.name, origin=fetched.origin)
        if fetched.is_temporary:
            fetched.path.unlink(missing_ok=True)
    delivery = AcquiredDelivery(
        feed=feed.name,
        partition_key=publication_date.isoformat(),
        file_name=fetched.path.name,
        sha256=archived.sha256,
        size=archived.size,
        origin=fetched.origin,
        is_new=archived.is_new,
    )
    audit.append(
        "raw.fetched" if archived.is_new else "raw.fetched_identical",
        subject=f"{feed.name}/{delivery.partition_key}",
        details={
            "file": delivery.file_name,
            "origin": delivery.origin,
            "sha256": delivery.sha256,
            "size": delivery.size,
        },
    )
    return delivery


def normalize_delivery(
    raw_path: Path,
    *,
    source_file: str,
    lake: Lake,
    feed: str,
    partition_key: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> NormalizeReport:
    """Split and parse the weekly file into the ``normalized`` and parse-error layers."""
    records_in = documents = parse_errors = 0
    with (
        open_delivery(raw_path) as stream,
        lake.writer(feed, NORMALIZED, partition_key, DOCUMENT_SCHEMA) as doc_writer,
        lake.writer(feed, PARSE_ERRORS, partition_key, QUARANTINE_SCHEMA) as error_writer,
    ):
        docs: list[Document] = []
        positions: list[int] = []
        errors: list[QuarantineRecord] = []
        for position, item in enumerate(parse_us_delivery(stream, source_file=source_file)):
            records_in += 1
            if isinstance(item, QuarantineRecord):
                errors.append(item)
                parse_errors += 1
            else:
                docs.append(item)
                positions.append(position)
                documents += 1
            if len(docs) >= batch_size:
                doc_writer.write_table(documents_to_table(docs, positions))
                docs, positions = [], []
            if len(errors) >= batch_size:
                error_writer.write_table(quarantine_to_table(errors))
                errors = []
        if docs:
            doc_writer.write_table(documents_to_table(docs, positions))
        if errors:
            error_writer.write_table(quarantine_to_table(errors))
    return NormalizeReport(records_in=records_in, documents=documents, parse_errors=parse_errors)


def validate_delivery(
    *,
    lake: Lake,
    feed: str,
    partition_key: str,
    delivery_date: dt.date | None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ValidateReport:
    """Validate the normalized layer; write the ``validated`` and ``quarantined`` layers."""
    validator = DeliveryValidator(delivery_date=delivery_date)
    by_category: collections.Counter[str] = collections.Counter()
    records_in = valid = quarantined = 0
    with (
        lake.writer(feed, VALIDATED, partition_key, DOCUMENT_SCHEMA) as valid_writer,
        lake.writer(feed, QUARANTINED, partition_key, QUARANTINE_SCHEMA) as quarantine_writer,
    ):
        for batch in lake.iter_batches(feed, PARSE_ERRORS, partition_key, batch_size):
            records_in += batch.num_rows
            quarantined += batch.num_rows
            by_category.update(batch.column("category").to_pylist())
            quarantine_writer.write_batch(batch)
        for batch in lake.iter_batches(feed, NORMALIZED, partition_key, batch_size):
            passed, failed = validator.validate_arrow(batch)
            records_in += batch.num_rows
            if passed:
                valid_writer.write_batch(batch.take(passed))
                valid += len(passed)
            if failed:
                quarantine_writer.write_table(quarantine_to_table(failed))
                quarantined += len(failed)
                by_category.update(str(r.category) for r in failed)
    return ValidateReport(
        records_in=records_in,
        valid=valid,
        quarantined=quarantined,
        by_category=dict(sorted(by_category.items())),
    )


def load_delivery(
    *,
    lake: Lake,
    store: DocketStore,
    audit: AuditLog,
    feed: str,
    partition_key: str,
    file_name: str,
    payload_sha256: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadReport:
    """Upsert the validated layer and record the quarantined one as one load.

    A delivery whose exact bytes were already loaded is a no-op: no new load id, no writes,
    and an audit entry saying so.
    """
    subject = f"{feed}/{partition_key}"
    previous = store.find_completed_load(feed, file_name, payload_sha256)
    if previous is not None:
        audit.append(
            "load.skipped_identical",
            subject=subject,
            details={
                "file": file_name,
                "sha256": payload_sha256,
                "existing_load_id": previous.load_id,
            },
        )
        counts = previous.counts
        return LoadReport(
            load_id=previous.load_id,
            skipped_identical=True,
            created=0,
            modified=0,
            unchanged=0,
            quarantined=int(counts.get("quarantined", 0)),
        )

    load_id = store.begin_load(feed, file_name, partition_key, payload_sha256)
    audit.append(
        "load.started",
        subject=subject,
        details={"load_id": load_id, "file": file_name, "sha256": payload_sha256},
    )
    created = modified = unchanged = quarantined = 0
    try:
        for batch in _document_batches(lake, feed, partition_key, batch_size):
            counts = store.upsert_documents(load_id, batch)
            created += counts.created
            modified += counts.modified
            unchanged += counts.unchanged
        for batch in lake.iter_batches(feed, QUARANTINED, partition_key, batch_size):
            records = table_to_quarantine(batch)
            store.add_quarantine(load_id, records)
            quarantined += len(records)
    except Exception as exc:
        store.fail_load(load_id, f"{type(exc).__name__}: {exc}")
        audit.append(
            "load.failed",
            subject=subject,
            details={"load_id": load_id, "error": f"{type(exc).__name__}: {exc}"},
        )
        raise
    totals = {
        "created": created,
        "modified": modified,
        "unchanged": unchanged,
        "quarantined": quarantined,
    }
    store.finish_load(load_id, totals)
    audit.append("load.completed", subject=subject, details={"load_id": load_id, **totals})
    return LoadReport(load_id=load_id, skipped_identical=False, **totals)


def _document_batches(
    lake: Lake, feed: str, partition_key: str, batch_size: int
) -> Iterator[list[Document]]:
    for batch in lake.iter_batches(feed, VALIDATED, partition_key, batch_size):
        docs, _ = table_to_documents(batch)
        yield docs


@dataclasses.dataclass(frozen=True)
class DeliveryReport:
    """Every step of one delivery, as ``run_delivery`` ran it."""

    delivery: AcquiredDelivery
    normalized: NormalizeReport
    validated: ValidateReport
    loaded: LoadReport
    seconds: dict[str, float]  # wall time per step: acquire, normalize, validate, load


def run_delivery(
    feed: UsFeed,
    publication_date: dt.date,
    *,
    source: FeedSource,
    store: DocketStore,
    audit: AuditLog,
    home: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> DeliveryReport:
    """All four steps for one weekly file, outside Dagster (CLI, tests, benchmark, replay).

    ``home`` holds the raw archive, the lake and temporary downloads (``HomeLayout``, the
    layout the assets' ``LocalStorageResource`` uses).
    """
    layout = HomeLayout(home)
    archive = layout.archive(store)
    lake = layout.lake()
    key = publication_date.isoformat()
    seconds: dict[str, float] = {}

    mark = time.perf_counter()
    delivery = acquire_delivery(
        feed,
        publication_date,
        source=source,
        archive=archive,
        audit=audit,
        work_dir=layout.download_dir,
    )
    seconds["acquire"] = time.perf_counter() - mark

    mark = time.perf_counter()
    normalized = normalize_delivery(
        archive.path_for(delivery.sha256),
        source_file=delivery.file_name,
        lake=lake,
        feed=feed.name,
        partition_key=key,
        batch_size=batch_size,
    )
    seconds["normalize"] = time.perf_counter() - mark

    mark = time.perf_counter()
    validated = validate_delivery(
        lake=lake,
        feed=feed.name,
        partition_key=key,
        delivery_date=publication_date,
        batch_size=batch_size,
    )
    seconds["validate"] = time.perf_counter() - mark

    mark = time.perf_counter()
    loaded = load_delivery(
        lake=lake,
        store=store,
        audit=audit,
        feed=feed.name,
        partition_key=key,
        file_name=delivery.file_name,
        payload_sha256=delivery.sha256,
        batch_size=batch_size,
    )
    seconds["load"] = time.perf_counter() - mark
    return DeliveryReport(delivery, normalized, validated, loaded, seconds)
