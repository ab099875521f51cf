"""Value objects the docket store returns."""

from __future__ import annotations

import dataclasses
from typing import Any

from patent_sync.model import Document, QuarantineRecord

LOAD_RUNNING = "running"
LOAD_COMPLETED = "completed"
LOAD_FAILED = "failed"


@dataclasses.dataclass(frozen=True, slots=True)
class LoadInfo:
    """One delivery's load: its id, what it loaded, and how it ended."""

    load_id: int
    feed: str
    delivery: str
    partition_key: str | None
    payload_sha256: str
    status: str  # "running" | "completed" | "failed"
    started_at: str  # UTC ISO 8601
    finished_at: str | None
    counts: dict[str, int]
    error: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class UpsertCounts:
    """What one upsert batch did; created + modified + unchanged + stale = the batch size.

    ``stale`` holds the documents that were older than the stored version (by date of last
    exchange) and so were written nowhere: the caller files them in the quarantine.
    """

    created: int = 0
    modified: int = 0
    unchanged: int = 0
    stale: tuple[Any, ...] = ()  # upsert_plan.StaleDocument

    @property
    def total(self) -> int:
        return self.created + self.modified + self.unchanged


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteCounts:
    """What a batch of delete records did."""

    deleted: int = 0  # documents marked deleted by this batch
    already_deleted: int = 0  # held, but deleted by an earlier load
    unmatched: int = 0  # never held: recorded in unmatched_deletes

    @property
    def total(self) -> int:
        return self.deleted + self.already_deleted + self.unmatched


@dataclasses.dataclass(frozen=True, slots=True)
class StoredDocument:
    """The current state of one document in the docket."""

    doc_key: str
    record: dict[str, Any]  # Document.to_json_dict() as loaded
    content_hash: str
    payload_sha256: str
    version: int
    created_load_id: int
    modified_load_id: int
    deleted_load_id: int | None

    @property
    def deleted(self) -> bool:
        return self.deleted_load_id is not None

    def document(self) -> Document:
        """The canonical ``Document`` rebuilt from the stored record."""
        return Document.from_json_dict(self.record)


@dataclasses.dataclass(frozen=True, slots=True)
class StoredVersion:
    """One version of a document: the load that produced it and its content."""

    doc_key: str
    version: int
    load_id: int
    content_hash: str
    payload_sha256: str
    record: dict[str, Any]
    is_current: bool
    # Canonical fields that differ from the previous version (every field for the first).
    changed_fields: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class StoredQuarantine:
    """A quarantine row: the record that failed plus its review state."""

    id: int
    load_id: int
    status: str  # "open" until a reviewer corrects or releases it
    created_at: str
    record: QuarantineRecord


@dataclasses.dataclass(frozen=True, slots=True)
class RawSighting:
    """One raw-manifest row: a payload hash seen from one origin."""

    sha256: str
    size: int
    source: str
    origin: str
    fetched_at: str  # when it was fetched (UTC ISO 8601)
    recorded_at: str  # when the store first recorded this (sha256, origin)
