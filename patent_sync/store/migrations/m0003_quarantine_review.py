"""Quarantine review: who released or rejected which quarantined record, why, and what changed.

``quarantine_reviews`` holds one row per decision (never updated or deleted): the reviewer,
the reason, when, and for a release the load that carried the document into the docket, its
content hash, and the corrected record with the field-by-field changes when the reviewer
corrected it. The unique index allows one decision per quarantine row, so two reviewers racing
to release the same record cannot both succeed even if the application check were bypassed.
``quarantine.released_load_id`` points a released row at its load. Timestamps are UTC ISO 8601
text, JSON is canonical JSON text and booleans are 0/1 on both backends.
"""

from __future__ import annotations

from patent_sync.store.migrations import dialect_statements

ID = "0003_quarantine_review"

_STATEMENTS = """
CREATE TABLE quarantine_reviews (
    id {identity},
    quarantine_id BIGINT NOT NULL REFERENCES quarantine (id),
    action TEXT NOT NULL CHECK (action IN ('released', 'rejected')),
    reviewer TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    load_id BIGINT REFERENCES loads (load_id),
    doc_key TEXT,
    content_hash TEXT,
    corrected INTEGER NOT NULL CHECK (corrected IN (0, 1)),
    corrected_payload TEXT,
    changes TEXT NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE UNIQUE INDEX quarantine_reviews_one_decision ON quarantine_reviews (quarantine_id);
ALTER TABLE quarantine ADD COLUMN released_load_id BIGINT REFERENCES loads (load_id)
"""


SQL: dict[str, list[str]] = dialect_statements(_STATEMENTS)
