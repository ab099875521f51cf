"""The steps of any feed's weekly delivery, from the published files to the docket store.

Plain Python with no Dagster in it: the feed assets in ``patent_sync.defs.feeds`` are thin
wrappers over these functions, and the CLI, the tests, the benchmark and replays call them
directly (``run_delivery`` runs them all). Every step streams: a delivery is read record by
record and every later step works on Parquet batches, so memory is bounded by the batch size,
never by the delivery.

    acquire_delivery    the delivery's files → raw archive (SHA-256, manifest row, audit entry)
    count_raw_records   the records in the files, counted independently of the parser
    normalize_delivery  raw archive → canonical documents, deletes and parse errors (lake)
    check_accounted_for raw count = documents + deletes + parse errors, or the load is blocked
    validate_delivery   normalized → validated + quarantined (pandera, the feed's profile)
    load_delivery       validated, deletes, quarantined → docket store (one load, idempotent)

A delivery whose exact bytes were already loaded is recognised right after it is archived
(``previous_load``): no step parses it again.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from patent_sync.archive.raw_archive import RawArchive
from patent_sync.audit import AuditLog
from patent_sync.feeds.spec import FeedSpec
from patent_sync.formats.base import Delete, DocumentFormat, RawCount
from patent_sync.formats.registry import document_format_named
from patent_sync.model import QuarantineCategory, QuarantineRecord
from patent_sync.model.columns import DATE_COLUMNS, DOCUMENT_COLUMN_NAMES
from patent_sync.parsing.weekly_file import iter_members
from patent_sync.pipeline.lake import (
    DELETE_SCHEMA,
    DELETES,
    DOCUMENT_SCHEMA,
    NORMALIZED,
    PARSE_ERRORS,
    QUARANTINE_SCHEMA,
    QUARANTINED,
    VALIDATED,
    Lake,
    deletes_to_table,
    quarantine_to_table,
    table_to_quarantine,
)
from patent_sync.pipeline.layout import HomeLayout
from patent_sync.pipeline.parallel_parse import (
    PARALLEL_MIN_BYTES,
    default_workers,
    parse_batches,
    piece_batches,
)
from patent_sync.pipeline.sources import FeedSource
from patent_sync.store.base import DocketStore
from patent_sync.store.types import LoadInfo
from patent_sync.store.upsert_plan import IncomingDocument, StaleDocument
from patent_sync.validation.documents import DeliveryValidator

DEFAULT_BATCH_SIZE = 5_000
STALE_AMENDMENT = "stale_amendment"


class NamedFeed(Protocol):
    """What loading needs of a source: the name its loads, lake layers and audit entries carry
    (a weekly feed's ``FeedSpec``, or a folder of scans, ``pipeline.scans``)."""

    @property
    def name(self) -> str: ...


class RecordsNotAccountedFor(Exception):
    """The parse lost or invented records: the delivery must not reach the docket."""


@dataclasses.dataclass(frozen=True)
class ArchivedFile:
    file_name: str
    sha256: str
    size: int
    origin: str
    is_new: bool


@dataclasses.dataclass(frozen=True)
class AcquiredDelivery:
    """The files of one delivery, as archived."""

    feed: str
    partition_key: str
    files: tuple[ArchivedFile, ...]
    # What the source reported about this fetch (OPS quota used...): asset metadata only.
    source_metadata: Mapping[str, int | float | str] = dataclasses.field(default_factory=dict)

    @property
    def name(self) -> str:
        """What the loads table calls the delivery: its file names, in order."""
        return "+".join(f.file_name for f in self.files)

    @property
    def sha256(self) -> str:
        """The delivery's payload hash: the file's own for one file, else a hash over every
        file's name and hash (so the same files in the same order hash alike)."""
        if len(self.files) == 1:
            return self.files[0].sha256
        lines = "".join(f"{f.file_name}\t{f.sha256}\n" for f in self.files)
        return hashlib.sha256(lines.encode()).hexdigest()

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def is_new(self) -> bool:
        return any(f.is_new for f in self.files)

    def to_manifest(self) -> dict[str, object]:
        return {
            "delivery": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "files": [dataclasses.asdict(f) for f in self.files],
        }

    @classmethod
    def from_manifest(cls, feed: str, partition_key: str, manifest: dict) -> AcquiredDelivery:
        files = tuple(ArchivedFile(**f) for f in manifest["files"])
        return cls(feed=feed, partition_key=partition_key, files=files)


@dataclasses.dataclass(frozen=True)
class NormalizeReport:
    records_in: int
    documents: int
    deletes: int
    parse_errors: int

    @property
    def accounted_for(self) -> int:
        return self.documents + self.deletes + self.parse_errors


@dataclasses.dataclass(frozen=True)
class ValidateReport:
    records_in: int  # documents and parse errors of the delivery (deletes are not validated)
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
    deleted: int
    unmatched_deletes: int
    quarantined: int  # filed in the store's quarantine: validation failures and stale records
    stale: int  # of which: amendments older than the stored version

    @property
    def documents(self) -> int:
        """Documents of the validated layer this load accounted for."""
        return self.created + self.modified + self.unchanged + self.stale

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "modified": self.modified,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "unmatched_deletes": self.unmatched_deletes,
            "quarantined": self.quarantined,
            "stale": self.stale,
        }


def wire_format(feed: FeedSpec) -> DocumentFormat:
    return document_format_named(feed.wire_format)


def acquire_delivery(
    feed: FeedSpec,
    publication_date: dt.date,
    *,
    source: FeedSource,
    archive: RawArchive,
    audit: AuditLog,
    work_dir: Path,
) -> AcquiredDelivery:
    """Fetch every file of the delivery for ``publication_date`` into the raw archive."""
    archived: list[ArchivedFile] = []
    reported: dict[str, int | float | str] = {}
    for fetched in source.fetch(feed, publication_date, work_dir):
        reported.update(fetched.metadata)
        if fetched.is_temporary and fetched.sha256 is not None and fetched.size is not None:
            payload = archive.take_file(
                fetched.path,
                sha256=fetched.sha256,
                size=fetched.size,
                source=feed.name,
                origin=fetched.origin,
            )
        else:
            payload = archive.put_file(fetched.path, source=feed.name, origin=fetched.origin)
            if fetched.is_temporary:
                fetched.path.unlink(missing_ok=True)
        archived.append(
            ArchivedFile(
                file_name=fetched.path.name,
                sha256=payload.sha256,
                size=payload.size,
                origin=fetched.origin,
                is_new=payload.is_new,
            )
        )
    delivery = AcquiredDelivery(
        feed.name, publication_date.isoformat(), tuple(archived), source_metadata=reported
    )
    audit.append(
        "raw.fetched" if delivery.is_new else "raw.fetched_identical",
        subject=f"{feed.name}/{delivery.partition_key}",
        details={
            "file": delivery.name,
            "origin": ", ".join(f.origin for f in archived),
            "sha256": delivery.sha256,
            "size": delivery.size,
        },
    )
    return delivery


def previous_load(store: DocketStore, delivery: AcquiredDelivery) -> LoadInfo | None:
    """The completed load of exactly these bytes of this delivery, if there was one."""
    return store.find_completed_load(delivery.feed, delivery.name, delivery.sha256)


def _files(delivery: AcquiredDelivery, layout: HomeLayout) -> Iterator[tuple[str, Path]]:
    for f in delivery.files:
        yield f.file_name, layout.raw_path(f.sha256)


def count_raw_records(feed: FeedSpec, delivery: AcquiredDelivery, layout: HomeLayout) -> RawCount:
    """The records of every file and member, counted by the format's independent counter."""
    fmt = wire_format(feed)
    records = 0
    detail: collections.Counter[str] = collections.Counter()
    for _, path in _files(delivery, layout):
        with iter_members(path) as members:
            for member in members:
                counted = fmt.count_raw_records(member.stream)
                records += counted.records
                detail.update(counted.detail)
    return RawCount(records=records, detail=dict(detail))


def normalize_delivery(
    feed: FeedSpec,
    delivery: AcquiredDelivery,
    layout: HomeLayout,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
) -> NormalizeReport:
    """Parse every record into the ``normalized``, ``deletes`` and ``parse_errors`` layers.

    Records are parsed on ``workers`` processes (default: one per core) when the delivery is
    large enough to gain from it; the layers are written in record order either way.
    """
    lake = layout.lake()
    key = delivery.partition_key
    if workers is None:
        workers = default_workers() if delivery.size >= PARALLEL_MIN_BYTES else 1
    documents = deletes = parse_errors = 0
    with (
        lake.writer(feed.name, NORMALIZED, key, DOCUMENT_SCHEMA) as doc_writer,
        lake.writer(feed.name, DELETES, key, DELETE_SCHEMA) as delete_writer,
        lake.writer(feed.name, PARSE_ERRORS, key, QUARANTINE_SCHEMA) as error_writer,
    ):
        tables: list[pa.Table] = []
        buffered = 0
        removed: list[Delete] = []
        errors: list[QuarantineRecord] = []
        batches = piece_batches(wire_format(feed), _files(delivery, layout))
        for parsed in parse_batches(feed.wire_format, batches, workers=workers):
            if parsed.documents is not None:
                tables.append(parsed.documents)
                buffered += parsed.documents.num_rows
                documents += parsed.documents.num_rows
                if buffered >= batch_size:  # row groups of batch_size, not of worker batches
                    doc_writer.write_table(pa.concat_tables(tables))
                    tables, buffered = [], 0
            removed += parsed.deletes
            deletes += len(parsed.deletes)
            errors += parsed.errors
            parse_errors += len(parsed.errors)
            if len(removed) >= batch_size:
                delete_writer.write_table(deletes_to_table(removed))
                removed = []
            if len(errors) >= batch_size:
                error_writer.write_table(quarantine_to_table(errors))
                errors = []
        if tables:
            doc_writer.write_table(pa.concat_tables(tables))
        if removed:
            delete_writer.write_table(deletes_to_table(removed))
        if errors:
            error_writer.write_table(quarantine_to_table(errors))
    return NormalizeReport(
        records_in=documents + deletes + parse_errors,
        documents=documents,
        deletes=deletes,
        parse_errors=parse_errors,
    )


def check_accounted_for(raw: RawCount, report: NormalizeReport) -> tuple[bool, str]:
    """Whether every raw record became a document, a delete or a parse error."""
    passed = raw.records == report.accounted_for
    message = (
        f"{raw.records} records in the raw files; parsed {report.documents} documents, "
        f"{report.deletes} deletes and {report.parse_errors} parse errors"
    )
    return passed, message


def validate_delivery(
    feed: FeedSpec,
    delivery: AcquiredDelivery,
    layout: HomeLayout,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ValidateReport:
    """Validate the normalized layer with the feed's profile; write ``validated`` and
    ``quarantined`` (parse errors first, then the documents that failed)."""
    lake = layout.lake()
    key = delivery.partition_key
    delivery_date = dt.date.fromisoformat(key)
    validator = DeliveryValidator(feed.validation, delivery_date=delivery_date)
    by_category: collections.Counter[str] = collections.Counter()
    records_in = valid = quarantined = 0
    with (
        lake.writer(feed.name, VALIDATED, key, DOCUMENT_SCHEMA) as valid_writer,
        lake.writer(feed.name, QUARANTINED, key, QUARANTINE_SCHEMA) as quarantine_writer,
    ):
        for batch in lake.iter_batches(feed.name, PARSE_ERRORS, key, batch_size):
            records_in += batch.num_rows
            quarantined += batch.num_rows
            by_category.update(batch.column("category").to_pylist())
            quarantine_writer.write_batch(batch)
        for batch in lake.iter_batches(feed.name, NORMALIZED, key, batch_size):
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
    feed: NamedFeed,
    delivery: AcquiredDelivery,
    layout: HomeLayout,
    *,
    store: DocketStore,
    audit: AuditLog,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadReport:
    """Apply the validated documents, the deletes and the quarantine as one load.

    Under the partition's load lease, so that a second run of the same partition waits and
    then finds the delivery applied instead of applying it twice. A load marked running whose
    process died (``kill -9``, a lost machine) is marked failed first, with an audit entry.
    The load's start and its audit entry commit together; so do its documents, deletes,
    quarantine, completion and audit entry, in one transaction: a crash anywhere leaves either
    nothing of the load or all of it. A delivery whose exact bytes were already loaded is a
    no-op: no new load id, no writes, and an audit entry saying so.
    """
    subject = f"{feed.name}/{delivery.partition_key}"
    key = delivery.partition_key
    with store.load_lease(feed.name, key):
        for dead in store.interrupted_loads(feed.name, key):
            with store.transaction():
                store.fail_load(dead.load_id, "interrupted: its process ended before it did")
                audit.append(
                    "load.interrupted",
                    subject=subject,
                    details={
                        "load_id": dead.load_id,
                        "file": dead.delivery,
                        "started_at": dead.started_at,
                    },
                )
        previous = previous_load(store, delivery)
        if previous is not None:
            audit.append(
                "load.skipped_identical",
                subject=subject,
                details={
                    "file": delivery.name,
                    "sha256": delivery.sha256,
                    "existing_load_id": previous.load_id,
                },
            )
            return skipped_report(previous)
        with store.transaction():
            load_id = store.begin_load(feed.name, delivery.name, key, delivery.sha256)
            audit.append(
                "load.started",
                subject=subject,
                details={"load_id": load_id, "file": delivery.name, "sha256": delivery.sha256},
            )
        try:
            with store.transaction():
                report = _apply(feed, key, layout.lake(), store, load_id, batch_size)
                store.finish_load(load_id, report.counts())
                audit.append(
                    "load.completed",
                    subject=subject,
                    details={"load_id": load_id, **report.counts()},
                )
        except BaseException as exc:
            # Interrupts too (Ctrl-C, Dagster's run termination): the transaction rolled back,
            # and the load is marked failed now rather than found interrupted later.
            error = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception), store.transaction():
                store.fail_load(load_id, error)
                audit.append(
                    "load.failed", subject=subject, details={"load_id": load_id, "error": error}
                )
            raise
    return report


def _apply(
    feed: NamedFeed, key: str, lake: Lake, store: DocketStore, load_id: int, batch_size: int
) -> LoadReport:
    totals: collections.Counter[str] = collections.Counter()
    for batch in lake.iter_batches(feed.name, VALIDATED, key, batch_size):
        counts = store.upsert_incoming(load_id, incoming_documents(batch))
        totals.update(created=counts.created, modified=counts.modified, unchanged=counts.unchanged)
        if counts.stale:
            records = [_stale_record(s, feed.name) for s in counts.stale]
            totals["quarantined"] += store.add_quarantine(load_id, records)
            totals["stale"] += len(records)
    for batch in lake.iter_batches(feed.name, DELETES, key, batch_size):
        outcome = store.apply_deletes(load_id, _deletes(batch))
        totals.update(
            deleted=outcome.deleted + outcome.already_deleted,
            unmatched_deletes=outcome.unmatched,
        )
    for batch in lake.iter_batches(feed.name, QUARANTINED, key, batch_size):
        records = table_to_quarantine(batch)
        store.add_quarantine(load_id, records)
        totals["quarantined"] += len(records)
    return LoadReport(
        load_id=load_id,
        skipped_identical=False,
        **{name: int(totals.get(name, 0)) for name in _COUNT_NAMES},
    )


_COUNT_NAMES = (
    "created",
    "modified",
    "unchanged",
    "deleted",
    "unmatched_deletes",
    "quarantined",
    "stale",
)


def skipped_report(previous: LoadInfo) -> LoadReport:
    """What an identical re-delivery did: nothing, pointing at the load that did it."""
    return LoadReport(
        load_id=previous.load_id,
        skipped_identical=True,
        created=0,
        modified=0,
        unchanged=0,
        deleted=0,
        unmatched_deletes=0,
        quarantined=int(previous.counts.get("quarantined", 0)),
        stale=0,
    )


def incoming_documents(batch: pa.RecordBatch) -> list[IncomingDocument]:
    """The store's rows straight from a lake batch: the record JSON and content hash the
    normalize step computed are used as they are, never rebuilt."""
    columns = []
    for name in DOCUMENT_COLUMN_NAMES:
        values = batch.column(name).to_pylist()
        if name in DATE_COLUMNS:
            values = [None if v is None else v.isoformat() for v in values]
        columns.append(values)
    hashes = batch.column("content_hash").to_pylist()
    records = batch.column("record").to_pylist()
    positions = batch.column("position").to_pylist()
    return [
        IncomingDocument(values, content_hash, record, position)
        for values, content_hash, record, position in zip(
            zip(*columns, strict=True), hashes, records, positions, strict=True
        )
    ]


def _deletes(batch: pa.RecordBatch) -> list[Delete]:
    return [
        Delete(
            doc_key=row["doc_key"],
            position=row["position"],
            source=row["source"],
            source_file=row["source_file"],
            payload_sha256=row["payload_sha256"],
            date_of_last_exchange=row["date_of_last_exchange"],
        )
        for row in batch.to_pylist()
    ]


def _stale_record(stale: StaleDocument, feed: str) -> QuarantineRecord:
    incoming = stale.incoming
    record = json.loads(incoming.record)
    return QuarantineRecord(
        category=QuarantineCategory.CONFLICT,
        failed_checks=(STALE_AMENDMENT,),
        source=str(record.get("source") or feed),
        source_file=record.get("source_file"),
        position=incoming.position,
        payload_sha256=str(record.get("payload_sha256") or ""),
        doc_key=incoming.doc_key,
        detail=(
            f"{incoming.doc_key}: date of last exchange {incoming.date_of_last_exchange} is "
            f"older than the stored version's {stale.stored_date_of_last_exchange}; the newer "
            "data is kept"
        ),
        payload=record,
    )


@dataclasses.dataclass(frozen=True)
class DeliveryReport:
    """Every step of one delivery, as ``run_delivery`` ran it."""

    delivery: AcquiredDelivery
    raw: RawCount | None  # None when the delivery was recognised as already loaded
    normalized: NormalizeReport | None
    validated: ValidateReport | None
    loaded: LoadReport
    seconds: dict[str, float]  # wall time per step


def run_delivery(
    feed: FeedSpec,
    publication_date: dt.date,
    *,
    source: FeedSource,
    store: DocketStore,
    audit: AuditLog,
    home: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> DeliveryReport:
    """Every step for one delivery, outside Dagster (CLI, tests, benchmark, replay).

    ``home`` holds the raw archive, the lake and temporary downloads (``HomeLayout``, the
    layout the assets' ``LocalStorageResource`` uses). Raises ``RecordsNotAccountedFor``,
    before anything reaches the docket, when the parse and the raw count disagree.
    """
    layout = HomeLayout(home)
    seconds: dict[str, float] = {}

    mark = time.perf_counter()
    delivery = acquire_delivery(
        feed,
        publication_date,
        source=source,
        archive=layout.archive(store),
        audit=audit,
        work_dir=layout.download_dir,
    )
    seconds["acquire"] = time.perf_counter() - mark

    previous = previous_load(store, delivery)
    if previous is not None:
        mark = time.perf_counter()
        loaded = load_delivery(feed, delivery, layout, store=store, audit=audit)
        seconds["load"] = time.perf_counter() - mark
        return DeliveryReport(delivery, None, None, None, loaded, seconds)

    mark = time.perf_counter()
    raw = count_raw_records(feed, delivery, layout)
    seconds["count"] = time.perf_counter() - mark

    mark = time.perf_counter()
    normalized = normalize_delivery(feed, delivery, layout, batch_size=batch_size)
    seconds["normalize"] = time.perf_counter() - mark
    passed, message = check_accounted_for(raw, normalized)
    if not passed:
        raise RecordsNotAccountedFor(f"{feed.name} {delivery.partition_key}: {message}")

    mark = time.perf_counter()
    validated = validate_delivery(feed, delivery, layout, batch_size=batch_size)
    seconds["validate"] = time.perf_counter() - mark

    mark = time.perf_counter()
    loaded = load_delivery(feed, delivery, layout, store=store, audit=audit, batch_size=batch_size)
    seconds["load"] = time.perf_counter() - mark
    return DeliveryReport(delivery, raw, normalized, validated, loaded, seconds)
