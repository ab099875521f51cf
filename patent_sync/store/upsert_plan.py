"""Decide what one batch of documents does to the docket, without touching the database.

The store reads the current (content_hash, version, deleted, date of last exchange) of the
batch's keys in one query; this module classifies every incoming document as created,
modified, unchanged or stale and works out the final rows and the superseded versions to keep;
the store then writes them set-wise. A key that appears twice in one batch is handled in order,
as if the two had arrived in consecutive batches, so the counts always add up to the batch.

A document whose date of last exchange is older than the stored one is *stale*: an amendment
that arrived after a newer one. It must not overwrite newer data, so it is returned for the
quarantine (``conflict``) and written nowhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from patent_sync.model import Document
from patent_sync.model.columns import DOCUMENT_COLUMN_NAMES, store_values
from patent_sync.store.types import UpsertCounts

_EXCHANGE_INDEX = DOCUMENT_COLUMN_NAMES.index("date_of_last_exchange")

# Column order of a documents row, shared by the INSERT and UPDATE statements.
DOCUMENT_COLUMNS = (
    *DOCUMENT_COLUMN_NAMES,
    "content_hash",
    "record",
    "version",
    "created_load_id",
    "modified_load_id",
    "deleted_load_id",
)
# Column order of a document_versions row.
VERSION_COLUMNS = (
    "doc_key",
    "version",
    "load_id",
    "superseded_load_id",
    "content_hash",
    "payload_sha256",
    "record",
    "date_of_last_exchange",
)


@dataclasses.dataclass(frozen=True, slots=True)
class IncomingDocument:
    """One document of a batch as the store writes it: its columns (``model.columns``, dates
    as ISO text), content hash and canonical JSON record, and its position in the delivery."""

    values: tuple[Any, ...]
    content_hash: str
    record: str
    position: int = -1

    @property
    def doc_key(self) -> str:
        return str(self.values[0])

    @property
    def date_of_last_exchange(self) -> str | None:
        return self.values[_EXCHANGE_INDEX]

    @classmethod
    def from_document(cls, doc: Document, position: int = -1) -> IncomingDocument:
        record, content_hash = doc.record_and_content_hash()
        return cls(store_values(doc), content_hash, record, position)


@dataclasses.dataclass(frozen=True, slots=True)
class ExistingDocument:
    """What the store already holds for a key (only what the comparison needs)."""

    content_hash: str
    version: int
    created_load_id: int
    deleted: bool
    date_of_last_exchange: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class StaleDocument:
    """An incoming document older than the stored version (by date of last exchange)."""

    incoming: IncomingDocument
    stored_date_of_last_exchange: str


@dataclasses.dataclass
class UpsertPlan:
    """The writes one batch needs, in the order the store must issue them."""

    archive_current: list[str]  # keys whose stored row becomes a document_versions row first
    version_rows: list[tuple[Any, ...]]  # versions created and superseded within this batch
    inserts: list[tuple[Any, ...]]  # final rows for keys the store does not hold yet
    updates: list[tuple[Any, ...]]  # final rows for keys it does
    stale: list[StaleDocument]
    counts: UpsertCounts


@dataclasses.dataclass
class _State:
    content_hash: str
    version: int
    created_load_id: int
    deleted: bool
    date_of_last_exchange: str | None
    row: tuple[Any, ...] | None  # the row written by this batch, None while it is the stored one


def plan_upsert(
    load_id: int,
    docs: Sequence[IncomingDocument],
    existing: Mapping[str, ExistingDocument],
) -> UpsertPlan:
    """Classify ``docs`` against ``existing`` and return the writes that apply them."""
    states: dict[str, _State] = {
        key: _State(
            e.content_hash, e.version, e.created_load_id, e.deleted, e.date_of_last_exchange, None
        )
        for key, e in existing.items()
    }
    archive_current: list[str] = []
    version_rows: list[tuple[Any, ...]] = []
    stale: list[StaleDocument] = []
    created = modified = unchanged = 0
    for doc in docs:
        key = doc.doc_key
        state = states.get(key)
        if state is None:
            created += 1
            row = _row(doc, 1, created_load_id=load_id, load_id=load_id)
            states[key] = _State(
                doc.content_hash, 1, load_id, False, doc.date_of_last_exchange, row
            )
            continue
        incoming_date = doc.date_of_last_exchange
        if (
            incoming_date is not None
            and state.date_of_last_exchange is not None
            and incoming_date < state.date_of_last_exchange  # ISO dates compare as text
        ):
            stale.append(StaleDocument(doc, state.date_of_last_exchange))
            continue
        if state.content_hash == doc.content_hash and not state.deleted:
            unchanged += 1
            continue
        # Changed, or reappearing after a delete: keep the version it replaces.
        modified += 1
        if state.row is None:
            archive_current.append(key)
        else:
            version_rows.append(_version_of(state.row, superseded_load_id=load_id))
        version = state.version + 1
        row = _row(doc, version, created_load_id=state.created_load_id, load_id=load_id)
        states[key] = _State(
            doc.content_hash, version, state.created_load_id, False, incoming_date, row
        )

    inserts, updates = [], []
    for key, state in states.items():
        if state.row is not None:
            (updates if key in existing else inserts).append(state.row)
    return UpsertPlan(
        archive_current=archive_current,
        version_rows=version_rows,
        inserts=inserts,
        updates=updates,
        stale=stale,
        counts=UpsertCounts(created=created, modified=modified, unchanged=unchanged),
    )


def _row(
    doc: IncomingDocument, version: int, *, created_load_id: int, load_id: int
) -> tuple[Any, ...]:
    # deleted_load_id is None: an upserted document is present.
    return (*doc.values, doc.content_hash, doc.record, version, created_load_id, load_id, None)


def _version_of(row: tuple[Any, ...], *, superseded_load_id: int) -> tuple[Any, ...]:
    values = dict(zip(DOCUMENT_COLUMNS, row, strict=True))
    values["load_id"] = values["modified_load_id"]
    values["superseded_load_id"] = superseded_load_id
    return tuple(values[c] for c in VERSION_COLUMNS)


__all__ = [
    "DOCUMENT_COLUMNS",
    "VERSION_COLUMNS",
    "ExistingDocument",
    "IncomingDocument",
    "StaleDocument",
    "UpsertPlan",
    "plan_upsert",
]
