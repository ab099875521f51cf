"""A folder of scanned legacy documents, taken through the same steps as the offices' feeds.

Each scan file in the folder is one delivery of one record, keyed by its path in the folder
(the Dagster partition key). Plain Python with no Dagster in it: ``patent_sync.defs.legacy``
wraps these steps, and the tests and the benchmark call them directly.

    list_scans       the folder's scan files (told from their bytes), and what was passed over
    acquire_scan     the file → raw archive (SHA-256, manifest row, audit entry)
    read_scan_file   OCR → a canonical document or a ``low_ocr_confidence``/``parse_error``
                     record, validated like any feed's documents (pandera), written to the lake;
                     the crops of doubtful regions saved for the reviewer
    load_scan        the lake's validated and quarantined layers → docket store, as one load
                     (``delivery.load_delivery``: lease, audit, identical bytes skipped)

Records in = valid + quarantined: a scan file is one record, and it ends as one document in the
docket or one row in the quarantine, never neither.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from patent_sync.archive.raw_archive import RawArchive
from patent_sync.audit import AuditLog
from patent_sync.feeds.spec import STRICT_PROFILE, ValidationProfile
from patent_sync.formats.base import Upsert
from patent_sync.formats.scan import SCAN, ScanOutcome, ScanPiece, read_piece
from patent_sync.model import QuarantineRecord
from patent_sync.ocr.crop_files import crops_root
from patent_sync.ocr.signatures import sniff
from patent_sync.pipeline.delivery import (
    AcquiredDelivery,
    ArchivedFile,
    LoadReport,
    load_delivery,
    previous_load,
)
from patent_sync.pipeline.lake import (
    DELETE_SCHEMA,
    DELETES,
    DOCUMENT_SCHEMA,
    NORMALIZED,
    PARSE_ERRORS,
    QUARANTINE_SCHEMA,
    QUARANTINED,
    VALIDATED,
    documents_to_table,
    quarantine_to_table,
)
from patent_sync.pipeline.layout import HomeLayout
from patent_sync.store.base import DocketStore
from patent_sync.validation.documents import DeliveryValidator

# Characters Dagster refuses in a partition key (besides control characters).
_REFUSED_IN_KEYS = ("...",)
_HEAD_BYTES = 2048


@dataclasses.dataclass(frozen=True)
class ScanCollection:
    """A folder of scans loaded as one source: its name (loads, lake, audit) and its profile."""

    name: str
    label: str
    validation: ValidationProfile


# Release of a quarantined record validates with the profile of its feed, and a feed outside
# the weekly registry gets the strict one; scans use that same profile from the start.
LEGACY_DOCUMENTS = ScanCollection(
    name="legacy_documents", label="scanned legacy document", validation=STRICT_PROFILE
)


@dataclasses.dataclass(frozen=True)
class ScanFile:
    key: str  # the path in the folder, "/"-separated: the partition key
    path: Path
    size: int
    modified_ns: int

    @property
    def version(self) -> str:
        """Changes when the file is replaced or rewritten (size and modification time)."""
        return f"{self.size}:{self.modified_ns}"


@dataclasses.dataclass(frozen=True)
class ScanListing:
    folder: Path
    scans: tuple[ScanFile, ...]
    passed_over: tuple[tuple[str, str], ...]  # (path in the folder, why it is not read)


def list_scans(folder: Path) -> ScanListing:
    """Every scan file under ``folder`` (subfolders included, hidden entries skipped), told
    from its first bytes; other files are listed with the reason they were passed over."""
    folder = Path(folder)
    scans: list[ScanFile] = []
    passed: list[tuple[str, str]] = []
    for path in _walk(folder):
        key = path.relative_to(folder).as_posix()
        if any(bad in key for bad in _REFUSED_IN_KEYS) or any(ord(c) < 32 for c in key):
            passed.append((key, "its name cannot be a partition key ('...' or control chars)"))
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(_HEAD_BYTES)
            stat = path.stat()
        except OSError as exc:
            passed.append((key, f"cannot be read: {exc.strerror or exc}"))
            continue
        if sniff(head) is None:
            passed.append((key, "not a TIFF, PNG, JPEG or PDF file"))
            continue
        scans.append(ScanFile(key, path, stat.st_size, stat.st_mtime_ns))
    return ScanListing(folder, tuple(scans), tuple(passed))


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def acquire_scan(
    collection: ScanCollection,
    folder: Path,
    key: str,
    *,
    archive: RawArchive,
    audit: AuditLog,
) -> AcquiredDelivery:
    """Archive the scan at ``folder/key`` (one delivery of one file)."""
    path = Path(folder) / key
    if not path.is_file():
        raise FileNotFoundError(f"{collection.name}: no scan {key!r} in {folder}")
    payload = archive.put_file(path, source=collection.name, origin=str(path))
    archived = ArchivedFile(
        file_name=key, sha256=payload.sha256, size=payload.size, origin=str(path),
        is_new=payload.is_new,
    )  # fmt: skip
    delivery = AcquiredDelivery(collection.name, key, (archived,))
    audit.append(
        "raw.fetched" if delivery.is_new else "raw.fetched_identical",
        subject=f"{collection.name}/{key}",
        details={
            "file": key,
            "origin": str(path),
            "sha256": delivery.sha256,
            "size": delivery.size,
        },
    )
    return delivery


@dataclasses.dataclass(frozen=True)
class ScanRead:
    """What reading one scan did (the ``legacy_documents`` asset's metadata)."""

    key: str
    raw_records: int  # counted from the file alone (one per file)
    records_in: int  # records the reading produced: a document or a parse error
    valid: int
    quarantined: int
    doc_key: str | None
    category: str | None  # of the quarantined record
    failed_checks: tuple[str, ...]
    detail: str | None
    confidences: dict[str, float]  # every field read, by name
    crops: tuple[Path, ...]
    pages: int
    front_page: int | None
    seconds: float


def read_scan_file(
    collection: ScanCollection,
    delivery: AcquiredDelivery,
    layout: HomeLayout,
) -> ScanRead:
    """OCR the archived scan, validate the document, write the lake layers; crops of the
    doubtful regions go to ``crops_root(layout.home)/<sha256>/``."""
    started = time.perf_counter()
    (archived,) = delivery.files
    path = layout.raw_path(archived.sha256)
    with path.open("rb") as stream:
        raw = SCAN.count_raw_records(stream)
    with path.open("rb") as stream:
        (piece,) = SCAN.iter_pieces(stream)
    assert isinstance(piece, ScanPiece)
    outcome = read_piece(piece, source_file=archived.file_name, position=0)
    valid: list[Upsert] = []
    quarantined: list[QuarantineRecord] = []
    parse_errors: list[QuarantineRecord] = []
    if isinstance(outcome.change, Upsert):
        validator = DeliveryValidator(collection.validation, delivery_date=None)
        result = validator.validate([outcome.change.document], [outcome.change.position])
        valid = [
            Upsert(doc, pos) for doc, pos in zip(result.valid, result.valid_positions, strict=True)
        ]
        quarantined = list(result.quarantined)
    else:
        parse_errors = [outcome.change]
    _write_layers(
        collection, delivery.partition_key, layout, outcome, valid, parse_errors + quarantined
    )
    record = (parse_errors + quarantined)[0] if parse_errors or quarantined else None
    crops = _save_crops(outcome, crops_root(layout.home), archived.sha256) if record else []
    reading = outcome.reading
    return ScanRead(
        key=delivery.partition_key,
        raw_records=raw.records,
        records_in=1,
        valid=len(valid),
        quarantined=len(parse_errors) + len(quarantined),
        doc_key=valid[0].document.doc_key if valid else (record.doc_key if record else None),
        category=None if record is None else str(record.category),
        failed_checks=() if record is None else record.failed_checks,
        detail=None if record is None else record.detail,
        confidences={} if reading is None else {n: v.confidence for n, v in reading.values.items()},
        crops=tuple(crops),
        pages=0 if reading is None else reading.page_count,
        front_page=None if reading is None else reading.front_page,
        seconds=time.perf_counter() - started,
    )


def _save_crops(outcome: ScanOutcome, root: Path, sha256: str) -> list[Path]:
    """The doubtful regions of a quarantined scan; the whole page when the record failed a
    validation check instead (no inventor read, say) and no field was doubtful."""
    from patent_sync.ocr.crops import crops_dir, doubtful_crops, save_crops

    if outcome.reading is None:
        return []
    crops = doubtful_crops(outcome.reading, outcome.doubtful)
    return save_crops(crops, crops_dir(root, sha256))


def _write_layers(
    collection: ScanCollection,
    key: str,
    layout: HomeLayout,
    outcome: ScanOutcome,
    valid: list[Upsert],
    quarantined: list[QuarantineRecord],
) -> None:
    """The same layers as a weekly delivery's, so the generic load step applies them."""
    lake = layout.lake()
    name = collection.name
    normalized = [outcome.change] if isinstance(outcome.change, Upsert) else []
    errors = [] if isinstance(outcome.change, Upsert) else [outcome.change]
    layers = (
        (NORMALIZED, DOCUMENT_SCHEMA, _documents(normalized)),
        (PARSE_ERRORS, QUARANTINE_SCHEMA, quarantine_to_table(errors) if errors else None),
        (VALIDATED, DOCUMENT_SCHEMA, _documents(valid)),
        (QUARANTINED, QUARANTINE_SCHEMA, quarantine_to_table(quarantined) if quarantined else None),
        (DELETES, DELETE_SCHEMA, None),  # a scan deletes nothing
    )
    for layer, schema, table in layers:
        with lake.writer(name, layer, key, schema) as writer:
            if table is not None and table.num_rows:
                writer.write_table(table)


def _documents(upserts: list[Upsert]) -> pa.Table | None:
    if not upserts:
        return None
    return documents_to_table([u.document for u in upserts], [u.position for u in upserts])


def load_scan(
    collection: ScanCollection,
    delivery: AcquiredDelivery,
    layout: HomeLayout,
    *,
    store: DocketStore,
    audit: AuditLog,
) -> LoadReport:
    """The scan's document or quarantine row into the docket store, as one load."""
    return load_delivery(collection, delivery, layout, store=store, audit=audit)


@dataclasses.dataclass(frozen=True)
class ScanReport:
    """Every step for one scan, as ``run_scan`` ran it."""

    delivery: AcquiredDelivery
    read: ScanRead | None  # None when these exact bytes were already loaded
    loaded: LoadReport


def run_scan(
    collection: ScanCollection,
    folder: Path,
    key: str,
    *,
    store: DocketStore,
    audit: AuditLog,
    home: Path,
) -> ScanReport:
    """Acquire, read and load one scan of the folder, outside Dagster."""
    layout = HomeLayout(Path(home))
    delivery = acquire_scan(collection, folder, key, archive=layout.archive(store), audit=audit)
    read = None
    if previous_load(store, delivery) is None:
        read = read_scan_file(collection, delivery, layout)
    loaded = load_scan(collection, delivery, layout, store=store, audit=audit)
    return ScanReport(delivery, read, loaded)
