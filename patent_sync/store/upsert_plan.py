"""Decide what one batch of documents does to the docket, without touching the database.

The store reads the current (content_hash, version, deleted) of the batch's keys in one query,
this module classifies every document as created, modified or unchanged and works out the
final rows and the superseded versions to keep; the store then writes them with a handful of
``executemany`` calls. A key that appears twice in one batch is handled in order, as if the
two had arrived in consecutive batches, so the counts always add up to the batch size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from patent_sync.model import Document, canonical_json
from patent_sync.store.types import UpsertCounts

# Column order of a documents row, shared by the INSERT and UPDATE statements.
DOCUMENT_COLUMNS = (
    "doc_key",
    "country",
    "doc_number",
    "kind",
    "publication_date",
    "application_number",
    "filing_date",
    "title",
    "family_id",
    "source",
    "content_hash",
    "payload_sha256",
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
)


@dataclasses.dataclass(frozen=True, slots=True)
class ExistingDocument:
    """What the store already holds for a key (only what the comparison needs)."""

    content_hash: str
    version: int
    created_load_id: int
    deleted: bool


@dataclasses.dataclass
class UpsertPlan:
    """The writes one batch needs, in the order the store must issue them."""

    archive_current: list[str]  # keys whose stored row becomes a document_versions row first
    version_rows: list[tuple[Any, ...]]  # versions created and superseded within this batch
    inserts: list[tuple[Any, ...]]  # final rows for keys the store does not hold yet
    updates: list[tuple[Any, ...]]  # final rows for keys it does
    counts: UpsertCounts


@dataclasses.dataclass
class _State:
    content_hash: str
    version: int
    created_load_id: int
    deleted: bool
    row: tuple[Any, ...] | None  # the row written by this batch, None while it is the stored one


def plan_upsert(
    load_id: int, docs: Sequence[Document], existing: Mapping[str, ExistingDocument]
) -> UpsertPlan:
    """Classify ``docs`` against ``existing`` and return the writes that apply them."""
    states: dict[str, _State] = {
        key: _State(e.content_hash, e.version, e.created_load_id, e.deleted, None)
        for key, e in existing.items()
    }
    archive_current: list[str] = []
    version_rows: list[tuple[Any, ...]] = []
    created = modified = unchanged = 0
    for doc in docs:
        # The record JSON is built (in _row) only for documents that are written.
        content_hash, body = doc.content_hash_and_body()
        state = states.get(doc.doc_key)
        if state is None:
            created += 1
            row = _row(doc, content_hash, body, 1, created_load_id=load_id, load_id=load_id)
            states[doc.doc_key] = _State(content_hash, 1, load_id, False, row)
            continue
        if state.content_hash == content_hash and not state.deleted:
            unchanged += 1
            continue
        # Changed, or reappearing after a delete: keep the version it replaces.
        modified += 1
        if state.row is None:
            archive_current.append(doc.doc_key)
        else:
            version_rows.append(_version_of(state.row, superseded_load_id=load_id))
        version = state.version + 1
        row = _row(
            doc,
            content_hash,
            body,
            version,
            created_load_id=state.created_load_id,
            load_id=load_id,
        )
        states[doc.doc_key] = _State(content_hash, version, state.created_load_id, False, row)

    inserts, updates = [], []
    for key, state in states.items():
        if state.row is not None:
            (updates if key in existing else inserts).append(state.row)
    return UpsertPlan(
        archive_current=archive_current,
        version_rows=version_rows,
        inserts=inserts,
        updates=updates,
        counts=UpsertCounts(created=created, modified=modified, unchanged=unchanged),
    )


def _row(
    doc: Document,
    content_hash: str,
    body: dict[str, Any],
    version: int,
    *,
    created_load_id: int,
    load_id: int,
) -> tuple[Any, ...]:
    return (
        doc.doc_key,
        doc.country,
        doc.doc_number,
        doc.kind,
        _iso(doc.publication_date),
        doc.application_number,
        _iso(doc.filing_date),
        doc.title,
        doc.family_id,
        doc.source,
        content_hash,
        doc.payload_sha256,
        canonical_json(body),
        version,
        created_load_id,
        load_id,
        None,  # deleted_load_id: an upserted document is present
    )


def _version_of(row: tuple[Any, ...], *, superseded_load_id: int) -> tuple[Any, ...]:
    values = dict(zip(DOCUMENT_COLUMNS, row, strict=True))
    values["load_id"] = values["modified_load_id"]
    values["superseded_load_id"] = superseded_load_id
    return tuple(values[c] for c in VERSION_COLUMNS)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
