"""Matter facts from the published documents in the docket store.

Event files are not the only place a matter's dates are written: a WO publication loaded by
the ``wo_publications`` (or DOCDB) feed carries the international application's priority
claims and filing date, which the PCT national-phase deadlines count from. For each matter,
its office's docket (``jurisdictions``) says where its published documents are
(``published_application``) and which facts they give (``facts_from_documents``); this module
looks them up and merges them under the facts the event files gave, which win where both
have a value (an office's register is the more specific source).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from patent_sync.docket.engine import PublishedApplication
from patent_sync.docket.jurisdictions import docket_for
from patent_sync.events import EventBatch
from patent_sync.model import Document
from patent_sync.store.base import DocketStore
from patent_sync.store.rows import STORED_DOCUMENT_COLUMNS, stored_document


def published_documents(store: DocketStore, where: PublishedApplication) -> list[Document]:
    """The current (not deleted) documents of one application, by ``doc_key``."""
    rows = store.query(
        f"SELECT {STORED_DOCUMENT_COLUMNS} FROM documents "
        "WHERE country = ? AND application_number = ? AND deleted_load_id IS NULL "
        "ORDER BY doc_key",
        (where.country, where.application_number),
    )
    documents = [stored_document(row).document() for row in rows]
    if where.application_country is None:
        return documents
    return [d for d in documents if d.application_country == where.application_country]


def document_facts(store: DocketStore, matters: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For each matter whose office reads facts from documents, the facts its documents give."""
    facts: dict[str, dict[str, Any]] = {}
    for matter in sorted(set(matters)):
        _, docket = docket_for(matter, [])
        where = docket.published_application(matter) if docket is not None else None
        if docket is None or where is None:
            continue
        found = docket.facts_from_documents(published_documents(store, where))
        if found:
            facts[matter] = found
    return facts


def merge_facts(
    from_events: Mapping[str, Mapping[str, Any]], from_documents: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Document facts under event-file facts: an event file's value wins for the same key."""
    merged = {matter: dict(values) for matter, values in from_documents.items()}
    for matter, values in from_events.items():
        merged.setdefault(matter, {}).update(values)
    return merged


def with_document_facts(
    store: DocketStore, batch: EventBatch, matters: Iterable[str] = ()
) -> EventBatch:
    """``batch`` with the facts of its matters' (and ``matters``') published documents."""
    wanted = {e.application_key for e in batch.events} | set(batch.facts) | set(matters)
    found = document_facts(store, wanted)
    if not found:
        return batch
    return dataclasses.replace(batch, facts=merge_facts(batch.facts, found))
