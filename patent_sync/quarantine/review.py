"""Quarantine review: list, show, release (optionally corrected) or reject quarantined records.

DESIGN.md, "Validate": quarantined records can be reviewed, corrected or released, and every
such action is audited. The rules this module keeps:

* **A decision is final and never destroys anything.** A row goes from ``open`` to
  ``released`` or ``rejected`` exactly once; rejected rows stay in the store. One row in
  ``quarantine_reviews`` per decision records who, why, when and what was changed.
* **A release passes the same validation as the pipeline.** The document (the quarantined
  payload, or the reviewer's corrected canonical JSON) goes through
  ``DeliveryValidator.validate`` with two deliberate differences, because a release is a
  decision about one record rather than a delivery:

  - ``publication_date_matches_delivery`` is not applied (``delivery_date=None``). It exists
    to catch a document in the wrong weekly file; the reviewer releasing such a record is
    saying the document is genuine, and the only way to make it pass would be to falsify its
    publication date. The audit entry keeps the original category and checks.
  - ``duplicate_doc_key_in_delivery`` cannot fire (a fresh validator sees one document).
    Releasing a ``conflict`` record is the reviewer choosing that twin: it replaces the
    version the delivery loaded, and the audit entry names the content hash it replaced.

  Every other check must pass; there is no override. A record that still fails is refused
  with its failing checks and nothing changes.
* **A release never overwrites newer data.** If a later load has written a different version
  of the document, or deleted it, the release is refused (``StaleReleaseError``): reject the
  item instead, or correct it to match.
* **One transaction per action.** The new load (feed ``quarantine-release``, delivery
  ``quarantine:<id>``), the upsert, the status change, the review row and the audit entry
  commit together or not at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from patent_sync.audit import AuditLog, AuditSecretError, reject_secrets
from patent_sync.feeds.registry import validation_profile
from patent_sync.model import Document, QuarantineCategory, QuarantineRecord, canonical_json
from patent_sync.quarantine.correction import (
    FieldChange,
    document_from_json,
    field_changes,
    with_provenance,
)
from patent_sync.quarantine.errors import (
    AlreadyReviewedError,
    CorrectionError,
    CorrectionRequiredError,
    QuarantineNotFoundError,
    QuarantineReviewError,
    ReviewInputError,
    StaleReleaseError,
    StillInvalidError,
)
from patent_sync.store.base import DocketStore
from patent_sync.store.cursor import DbCursor
from patent_sync.store.rows import QUARANTINE_COLUMNS, stored_quarantine
from patent_sync.store.timestamps import utc_now_iso
from patent_sync.store.types import StoredQuarantine
from patent_sync.validation.documents import DeliveryValidator

STATUS_OPEN = "open"
STATUS_RELEASED = "released"
STATUS_REJECTED = "rejected"
STATUSES = (STATUS_OPEN, STATUS_RELEASED, STATUS_REJECTED)

RELEASE_FEED = "quarantine-release"
MAX_REVIEWER_CHARS = 200
MAX_REASON_CHARS = 2000

# Serializes review decisions across processes (PostgreSQL advisory lock; SQLite's
# BEGIN IMMEDIATE already serializes writers).
_REVIEW_LOCK = "quarantine_review"
_REVIEWS_TABLE = "quarantine_reviews"
_REVIEW_COLUMNS = (
    "id, quarantine_id, action, reviewer, reason, at, load_id, doc_key, content_hash, "
    "corrected, corrected_payload, changes, audit_seq"
)
# Control characters other than tab and newline (a reason may span lines; a name may not).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Environment variables named like credentials; their values must never reach the audit log.
_SECRET_ENV_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_MIN_SECRET_CHARS = 8


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewAction:
    """One decision on a quarantine row, as recorded in ``quarantine_reviews``."""

    id: int
    quarantine_id: int
    action: str  # "released" | "rejected"
    reviewer: str
    reason: str
    at: str  # UTC ISO 8601
    load_id: int | None  # the release load
    doc_key: str | None
    content_hash: str | None
    corrected: bool
    corrected_payload: dict[str, Any] | None
    changes: list[dict[str, Any]]  # FieldChange.to_json_dict() items
    audit_seq: int


@dataclasses.dataclass(frozen=True, slots=True)
class QuarantineItem:
    """A quarantine row with its review state."""

    id: int
    load_id: int  # the load the record was quarantined in
    status: str
    created_at: str
    record: QuarantineRecord
    released_load_id: int | None
    reviews: tuple[ReviewAction, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class ReleaseResult:
    """What a release did."""

    quarantine_id: int
    load_id: int
    doc_key: str
    content_hash: str
    corrected: bool
    changes: tuple[FieldChange, ...]
    outcome: str  # "created" | "modified" | "unchanged" in the docket
    previous_content_hash: str | None
    audit_seq: int


@dataclasses.dataclass(frozen=True, slots=True)
class RejectResult:
    """What a rejection did."""

    quarantine_id: int
    doc_key: str | None
    audit_seq: int


# -- reading ------------------------------------------------------------------------------


def list_items(
    store: DocketStore,
    *,
    status: str | None = STATUS_OPEN,
    category: str | None = None,
    load_id: int | None = None,
) -> list[StoredQuarantine]:
    """Quarantine rows, oldest first; ``status=None`` means any status."""
    if status is not None and status not in STATUSES:
        raise ReviewInputError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    if category is not None:
        try:
            category = str(QuarantineCategory(category))
        except ValueError:
            known = ", ".join(str(c) for c in QuarantineCategory)
            raise ReviewInputError(f"unknown category {category!r}; use one of {known}") from None
    return store.list_quarantine(load_id=load_id, category=category, status=status)


def get_item(store: DocketStore, quarantine_id: int) -> QuarantineItem:
    """One quarantine row with its review history; ``QuarantineNotFoundError`` if none."""
    reviewed = store.table_exists(_REVIEWS_TABLE)  # absent until migration 0003 is applied
    extra = ", released_load_id" if reviewed else ", NULL"
    rows = store.query(
        f"SELECT id, {', '.join(QUARANTINE_COLUMNS)}{extra} FROM quarantine WHERE id = ?",
        (quarantine_id,),
    )
    if not rows:
        raise QuarantineNotFoundError(f"no quarantined record with id {quarantine_id}")
    stored = stored_quarantine(rows[0][:-1])
    released_load_id = rows[0][-1]
    reviews: tuple[ReviewAction, ...] = ()
    if reviewed:
        reviews = tuple(
            _review_action(row)
            for row in store.query(
                f"SELECT {_REVIEW_COLUMNS} FROM {_REVIEWS_TABLE} WHERE quarantine_id = ? "
                "ORDER BY id",
                (quarantine_id,),
            )
        )
    return QuarantineItem(
        id=stored.id,
        load_id=stored.load_id,
        status=stored.status,
        created_at=stored.created_at,
        record=stored.record,
        released_load_id=None if released_load_id is None else int(released_load_id),
        reviews=reviews,
    )


# -- deciding -----------------------------------------------------------------------------


def check_review_input(
    reviewer: str, reason: str, *, env: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The stripped reviewer and reason, or ``ReviewInputError`` saying what is wrong.

    Both are required, bounded in length and free of control characters (the reviewer is one
    line). Neither may carry a credential: the audit log's own guard (``Bearer``/``Basic``
    values) applies, and neither may contain the value of an environment variable named like
    a credential (the audit key, an API key). The error never repeats the offending text.
    """
    reviewer = (reviewer or "").strip()
    reason = (reason or "").strip()
    if not reviewer:
        raise ReviewInputError("a reviewer is required (--reviewer NAME)")
    if not reason:
        raise ReviewInputError("a reason is required (--reason TEXT)")
    if len(reviewer) > MAX_REVIEWER_CHARS or "\n" in reviewer or _CONTROL.search(reviewer):
        raise ReviewInputError(
            f"the reviewer must be one line of at most {MAX_REVIEWER_CHARS} characters"
        )
    if len(reason) > MAX_REASON_CHARS or _CONTROL.search(reason):
        raise ReviewInputError(
            f"the reason must be at most {MAX_REASON_CHARS} characters without control characters"
        )
    try:
        reject_secrets({"reviewer": reviewer, "reason": reason})
    except AuditSecretError as exc:
        raise ReviewInputError(str(exc)) from None
    env = os.environ if env is None else env
    for name, value in env.items():
        if len(value) < _MIN_SECRET_CHARS or not _SECRET_ENV_NAME.search(name):
            continue
        for label, text in (("reviewer", reviewer), ("reason", reason)):
            if value in text:
                raise ReviewInputError(
                    f"the {label} contains the value of ${name}, a credential; it is never "
                    "written to the audit log"
                )
    return reviewer, reason


def release(
    store: DocketStore,
    audit: AuditLog,
    quarantine_id: int,
    *,
    reviewer: str,
    reason: str,
    corrected: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> ReleaseResult:
    """Validate a quarantined record (or its correction) and load it into the docket.

    On success the document is upserted under a new load (feed ``quarantine-release``,
    delivery ``quarantine:<id>``), the row becomes ``released`` with that load id, and the
    audit log gets ``quarantine.released``, all in one transaction. Every refusal raises a
    ``QuarantineReviewError`` subclass and changes nothing.
    """
    reviewer, reason = check_review_input(reviewer, reason, env=env)
    if corrected is not None:
        try:  # its changed fields go into the audit log, which must never hold a credential
            reject_secrets({"corrected document": corrected})
        except AuditSecretError as exc:
            raise CorrectionError(str(exc)) from None
    _require_schema(store)
    item = get_item(store, quarantine_id)
    _require_open(item.id, item.status)
    record = item.record
    doc = _document_to_release(item, corrected)
    _require_valid(store, item, doc, corrected=corrected is not None)

    content_hash, body = doc.content_hash_and_body()
    record_json = canonical_json(body)
    changes = tuple(field_changes(record.payload, body)) if corrected else ()
    with store.transaction() as cur:
        cur.lock(_REVIEW_LOCK)
        _require_open(item.id, _current_status(cur, item.id))
        cur.lock("documents")  # nothing may write this document between the check and upsert
        previous = _docket_state(cur, doc.doc_key)
        _refuse_stale(item, doc.doc_key, content_hash, previous)
        load_id = store.begin_load(
            RELEASE_FEED,
            f"quarantine:{item.id}",
            None,
            hashlib.sha256(record_json.encode("utf-8")).hexdigest(),
        )
        counts = store.upsert_documents(load_id, [doc])
        if counts.stale:
            stale = counts.stale[0]
            raise StaleReleaseError(
                f"quarantine #{item.id} ({doc.doc_key}) was exchanged on "
                f"{stale.incoming.date_of_last_exchange}, before the stored version's "
                f"{stale.stored_date_of_last_exchange}; releasing it would overwrite newer data, "
                "so nothing was changed"
            )
        store.finish_load(
            load_id,
            {
                "created": counts.created,
                "modified": counts.modified,
                "unchanged": counts.unchanged,
                "released": 1,
            },
        )
        outcome = "created" if counts.created else "modified" if counts.modified else "unchanged"
        _set_status(cur, item.id, STATUS_RELEASED, released_load_id=load_id)
        previous_hash = None if previous is None else str(previous[0])
        details: dict[str, Any] = {
            "quarantine_id": item.id,
            "reviewer": reviewer,
            "reason": reason,
            "doc_key": doc.doc_key,
            "content_hash": content_hash,
            "payload_sha256": doc.payload_sha256,
            "corrected": corrected is not None,
            "changes": [_audit_change(c) for c in changes],
            "load_id": load_id,
            "quarantined_load_id": item.load_id,
            "category": str(record.category),
            "failed_checks": list(record.failed_checks),
            "docket": outcome,
            "previous_content_hash": previous_hash,
        }
        if record.doc_key != doc.doc_key:
            details["quarantined_doc_key"] = record.doc_key
        entry = audit.append("quarantine.released", _subject(item.id), details, cursor=cur)
        _insert_review(
            cur,
            item.id,
            STATUS_RELEASED,
            reviewer,
            reason,
            load_id=load_id,
            doc_key=doc.doc_key,
            content_hash=content_hash,
            corrected_payload=record_json if corrected is not None else None,
            changes=[c.to_json_dict() for c in changes],
            audit_seq=entry.seq,
        )
    return ReleaseResult(
        quarantine_id=item.id,
        load_id=load_id,
        doc_key=doc.doc_key,
        content_hash=content_hash,
        corrected=corrected is not None,
        changes=changes,
        outcome=outcome,
        previous_content_hash=previous_hash,
        audit_seq=entry.seq,
    )


def reject(
    store: DocketStore,
    audit: AuditLog,
    quarantine_id: int,
    *,
    reviewer: str,
    reason: str,
    env: Mapping[str, str] | None = None,
) -> RejectResult:
    """Mark a quarantined record ``rejected`` (it stays in the store) and audit it."""
    reviewer, reason = check_review_input(reviewer, reason, env=env)
    _require_schema(store)
    item = get_item(store, quarantine_id)
    _require_open(item.id, item.status)
    record = item.record
    with store.transaction() as cur:
        cur.lock(_REVIEW_LOCK)
        _require_open(item.id, _current_status(cur, item.id))
        _set_status(cur, item.id, STATUS_REJECTED, released_load_id=None)
        entry = audit.append(
            "quarantine.rejected",
            _subject(item.id),
            {
                "quarantine_id": item.id,
                "reviewer": reviewer,
                "reason": reason,
                "doc_key": record.doc_key,
                "payload_sha256": record.payload_sha256,
                "quarantined_load_id": item.load_id,
                "category": str(record.category),
                "failed_checks": list(record.failed_checks),
            },
            cursor=cur,
        )
        _insert_review(
            cur,
            item.id,
            STATUS_REJECTED,
            reviewer,
            reason,
            load_id=None,
            doc_key=record.doc_key,
            content_hash=None,
            corrected_payload=None,
            changes=[],
            audit_seq=entry.seq,
        )
    return RejectResult(quarantine_id=item.id, doc_key=record.doc_key, audit_seq=entry.seq)


# -- helpers ------------------------------------------------------------------------------


def _document_to_release(item: QuarantineItem, corrected: Mapping[str, Any] | None) -> Document:
    record = item.record
    if corrected is None:
        if record.payload is None:
            raise CorrectionRequiredError(
                f"quarantine #{item.id} is a {record.category} with no canonical record to "
                "release; write the corrected document as JSON and pass --corrected FILE"
            )
        return document_from_json(record.payload, what=f"the payload of quarantine #{item.id}")
    doc = document_from_json(with_provenance(corrected, record), what="the corrected document")
    # A record that was parsed names its document for sure; a parse error's key was only
    # sniffed from broken bytes, and an OCR reading's key is only as sure as its confidence,
    # so a correction may fix those (the audit entry records both).
    key_is_sure = (
        record.payload is not None and record.category != QuarantineCategory.LOW_OCR_CONFIDENCE
    )
    if key_is_sure and doc.doc_key != record.doc_key:
        raise CorrectionError(
            f"the corrected document is {doc.doc_key}, but quarantine #{item.id} holds "
            f"{record.doc_key}; a correction must be the same document"
        )
    return doc


def _require_valid(
    store: DocketStore, item: QuarantineItem, doc: Document, *, corrected: bool
) -> None:
    # The profile of the feed that delivered the record; delivery_date=None: see the module
    # docstring for why the publication-date check does not apply here.
    profile = validation_profile(store.get_load(item.load_id).feed)
    result = DeliveryValidator(profile, delivery_date=None).validate([doc], [item.record.position])
    if result.quarantined:
        checks = result.quarantined[0].failed_checks
        raise StillInvalidError(
            f"quarantine #{item.id} ({doc.doc_key}{', as corrected' if corrected else ''}) "
            f"still fails validation: {', '.join(checks)}; nothing was changed",
            checks,
        )


def _require_schema(store: DocketStore) -> None:
    if not store.table_exists(_REVIEWS_TABLE):
        raise QuarantineReviewError(
            f"the docket store {store.url_for_display} predates quarantine review: "
            "run store.migrate() (any patent-sync quarantine release/reject does)"
        )


def _require_open(quarantine_id: int, status: str) -> None:
    if status != STATUS_OPEN:
        raise AlreadyReviewedError(
            f"quarantine #{quarantine_id} is already {status}; a review decision is final"
        )


def _current_status(cur: DbCursor, quarantine_id: int) -> str:
    row = cur.execute("SELECT status FROM quarantine WHERE id = ?", (quarantine_id,)).fetchone()
    if row is None:
        raise QuarantineNotFoundError(f"no quarantined record with id {quarantine_id}")
    return str(row[0])


def _set_status(
    cur: DbCursor, quarantine_id: int, status: str, *, released_load_id: int | None
) -> None:
    cur.execute(
        "UPDATE quarantine SET status = ?, released_load_id = ? WHERE id = ? AND status = ?",
        (status, released_load_id, quarantine_id, STATUS_OPEN),
    )
    if cur.rowcount != 1:  # only if the review lock was bypassed; roll everything back
        raise AlreadyReviewedError(f"quarantine #{quarantine_id} was reviewed concurrently")


def _docket_state(cur: DbCursor, doc_key: str) -> tuple[Any, ...] | None:
    return cur.execute(
        "SELECT content_hash, modified_load_id, deleted_load_id FROM documents WHERE doc_key = ?",
        (doc_key,),
    ).fetchone()


def _refuse_stale(
    item: QuarantineItem, doc_key: str, content_hash: str, previous: tuple[Any, ...] | None
) -> None:
    if previous is None:
        return
    current_hash, modified_load_id, deleted_load_id = previous
    if deleted_load_id is not None and int(deleted_load_id) > item.load_id:
        raise StaleReleaseError(
            f"{doc_key} was deleted from the docket by load {deleted_load_id}, after this "
            f"record's load {item.load_id}; releasing it would bring it back. Reject it instead"
        )
    if int(modified_load_id) > item.load_id and current_hash != content_hash:
        raise StaleReleaseError(
            f"the docket holds a different version of {doc_key} written by load "
            f"{modified_load_id}, after this record's load {item.load_id}; releasing it would "
            "overwrite newer data. Reject it, or correct it to match the docket"
        )


def _insert_review(
    cur: DbCursor,
    quarantine_id: int,
    action: str,
    reviewer: str,
    reason: str,
    *,
    load_id: int | None,
    doc_key: str | None,
    content_hash: str | None,
    corrected_payload: str | None,
    changes: list[dict[str, Any]],
    audit_seq: int,
) -> None:
    cur.execute(
        f"INSERT INTO {_REVIEWS_TABLE} (quarantine_id, action, reviewer, reason, at, load_id, "
        "doc_key, content_hash, corrected, corrected_payload, changes, audit_seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            quarantine_id,
            action,
            reviewer,
            reason,
            utc_now_iso(),
            load_id,
            doc_key,
            content_hash,
            int(corrected_payload is not None),
            corrected_payload,
            canonical_json(changes),
            audit_seq,
        ),
    )


def _audit_change(change: FieldChange) -> dict[str, str]:
    # Values are document data (titles, names), written as canonical JSON text: the audit
    # guard's "Bearer …"/"Basic …" credential pattern must not refuse a patent titled
    # "Basic oxygen furnace", and JSON text keeps null, lists and strings distinguishable.
    return {
        "field": change.field,
        "from": canonical_json(change.before),
        "to": canonical_json(change.after),
    }


def _review_action(row: tuple[Any, ...]) -> ReviewAction:
    return ReviewAction(
        id=int(row[0]),
        quarantine_id=int(row[1]),
        action=row[2],
        reviewer=row[3],
        reason=row[4],
        at=row[5],
        load_id=None if row[6] is None else int(row[6]),
        doc_key=row[7],
        content_hash=row[8],
        corrected=bool(row[9]),
        corrected_payload=None if row[10] is None else json.loads(row[10]),
        changes=json.loads(row[11]),
        audit_seq=int(row[12]),
    )


def _subject(quarantine_id: int) -> str:
    return f"quarantine/{quarantine_id}"
