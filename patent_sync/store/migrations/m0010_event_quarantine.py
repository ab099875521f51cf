"""Event quarantine: prosecution events set aside instead of recorded (e.g. an unknown code).

``event_quarantine`` holds one row per event identity (application, source, code, date,
description, occurrence: the identity ``prosecution_events`` uses), so quarantining the same
history again inserts nothing. ``field`` and ``value`` name what was wrong as the office wrote
it (``eventCode`` = ``ZZQX``); ``status`` is ``open`` until a person has looked at it. Every
parsed event is either in ``prosecution_events`` or here: events in = recorded + quarantined.
"""

from __future__ import annotations

from patent_sync.store.migrations import dialect_statements

ID = "0010_event_quarantine"

_TABLES = """
CREATE TABLE event_quarantine (
    id {identity},
    application_key {key} NOT NULL,
    source {key} NOT NULL,
    source_code {key} NOT NULL,
    event_date TEXT NOT NULL,
    description {key} NOT NULL,
    occurrence INTEGER NOT NULL CHECK (occurrence >= 1),
    jurisdiction TEXT NOT NULL,
    category TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    detail TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    quarantined_at TEXT NOT NULL,
    UNIQUE (application_key, source, source_code, event_date, description, occurrence)
);
CREATE INDEX event_quarantine_by_status ON event_quarantine (status, category)
"""

SQL: dict[str, list[str]] = dialect_statements(_TABLES)
