"""Docket tables: prosecution events and docket entries.

``prosecution_events`` keeps every event once: its identity is (application, source, code,
date, description, occurrence) because offices publish no event ids and legitimate exact
duplicates (see ``patent_sync.events.common.with_occurrences``). ``docket_entries`` holds one
row per entry identity (``patent_sync.docket.engine.entry_key``); rows are never deleted, only
closed, so the audit log always points at something. Dates are ISO 8601 text, JSON is canonical
JSON text and booleans are 0/1 on both backends, so the two stores hold identical values.
"""

from __future__ import annotations

from patent_sync.store.migrations import dialect_statements

ID = "0002_docket"

_TABLES = """
CREATE TABLE prosecution_events (
    id {identity},
    application_key {key} NOT NULL,
    source {key} NOT NULL,
    source_code {key} NOT NULL,
    event_date TEXT NOT NULL,
    description {key} NOT NULL,
    occurrence INTEGER NOT NULL CHECK (occurrence >= 1),
    jurisdiction TEXT NOT NULL,
    event TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    attributes TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (application_key, source, source_code, event_date, description, occurrence)
);
CREATE INDEX prosecution_events_by_application ON prosecution_events (application_key, event_date);
CREATE TABLE docket_entries (
    entry_key {key} PRIMARY KEY,
    matter {key} NOT NULL,
    rule TEXT NOT NULL,
    trigger_event TEXT NOT NULL,
    trigger_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    final_date TEXT,
    extendable INTEGER NOT NULL CHECK (extendable IN (0, 1)),
    citation TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'superseded')),
    status_reason TEXT NOT NULL,
    explanation TEXT NOT NULL,
    params TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX docket_entries_by_status ON docket_entries (status, due_date);
CREATE INDEX docket_entries_by_matter ON docket_entries (matter, status)
"""


SQL: dict[str, list[str]] = dialect_statements(_TABLES)
