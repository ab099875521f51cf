"""How the store's rows map to and from the value objects in ``types``."""

from __future__ import annotations

import json
from typing import Any

from patent_sync.model import QuarantineCategory, QuarantineRecord, canonical_json
from patent_sync.store.types import LoadInfo, StoredDocument, StoredQuarantine, StoredVersion

LOAD_COLUMNS = (
    "load_id, feed, delivery, partition_key, payload_sha256, status, started_at, finished_at, "
    "counts, error"
)
STORED_DOCUMENT_COLUMNS = (
    "doc_key, record, content_hash, payload_sha256, version, created_load_id, "
    "modified_load_id, deleted_load_id"
)
QUARANTINE_COLUMNS = (
    "load_id",
    "category",
    "failed_checks",
    "source",
    "source_file",
    "position",
    "payload_sha256",
    "doc_key",
    "detail",
    "payload",
    "raw_excerpt",
    "status",
    "created_at",
)


def load_info(row: tuple[Any, ...]) -> LoadInfo:
    return LoadInfo(
        load_id=int(row[0]),
        feed=row[1],
        delivery=row[2],
        partition_key=row[3],
        payload_sha256=row[4],
        status=row[5],
        started_at=row[6],
        finished_at=row[7],
        counts={k: int(v) for k, v in json.loads(row[8] or "{}").items()},
        error=row[9],
    )


def stored_document(row: tuple[Any, ...]) -> StoredDocument:
    return StoredDocument(
        doc_key=row[0],
        record=json.loads(row[1]),
        content_hash=row[2],
        payload_sha256=row[3],
        version=int(row[4]),
        created_load_id=int(row[5]),
        modified_load_id=int(row[6]),
        deleted_load_id=None if row[7] is None else int(row[7]),
    )


def stored_version(row: tuple[Any, ...], *, is_current: bool) -> StoredVersion:
    return StoredVersion(
        doc_key=row[0],
        version=int(row[1]),
        load_id=int(row[2]),
        content_hash=row[3],
        payload_sha256=row[4],
        record=json.loads(row[5]),
        is_current=is_current,
    )


def quarantine_row(load_id: int, record: QuarantineRecord, now: str) -> tuple[Any, ...]:
    return (
        load_id,
        str(QuarantineCategory(record.category)),
        canonical_json(list(record.failed_checks)),
        storable(record.source),
        storable(record.source_file),
        record.position,
        record.payload_sha256,
        storable(record.doc_key),
        storable(record.detail),
        None if record.payload is None else canonical_json(record.payload),
        storable(record.raw_excerpt),
        "open",
        now,
    )


def storable(text: str | None) -> str | None:
    """Text PostgreSQL accepts: NUL becomes U+2400 (a visible "␀"), on both backends alike.

    Quarantined input is often binary garbage; the exact bytes stay in the raw archive, and
    the excerpt only has to show a reviewer what arrived.
    """
    return None if text is None else text.replace("\x00", "\u2400")


def stored_quarantine(row: tuple[Any, ...]) -> StoredQuarantine:
    values = dict(zip(("id", *QUARANTINE_COLUMNS), row, strict=True))
    record = QuarantineRecord(
        category=QuarantineCategory(values["category"]),
        failed_checks=tuple(json.loads(values["failed_checks"])),
        source=values["source"],
        source_file=values["source_file"],
        position=int(values["position"]),
        payload_sha256=values["payload_sha256"],
        doc_key=values["doc_key"],
        detail=values["detail"],
        payload=None if values["payload"] is None else json.loads(values["payload"]),
        raw_excerpt=values["raw_excerpt"],
    )
    return StoredQuarantine(
        id=int(values["id"]),
        load_id=int(values["load_id"]),
        status=values["status"],
        created_at=values["created_at"],
        record=record,
    )
