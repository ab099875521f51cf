"""Core tables: loads, documents and their versions, quarantine, raw manifest, audit log.

All timestamps are UTC ISO 8601 text and all JSON is canonical JSON text on both backends, so
the two stores hold byte-identical values. PostgreSQL keys use ``COLLATE "C"`` so that ordering
(and therefore the docket digest and paging) is byte order, as it is in SQLite.
"""

from __future__ import annotations

from patent_sync.store.migrations import dialect_statements

ID = "0001_core"

# The audit chain's genesis hash (patent_sync.audit.log.GENESIS_HASH). Repeated, not imported:
# a migration must keep meaning what it meant when it was first applied.
GENESIS_HASH = "0" * 64

_TABLES = """
CREATE TABLE loads (
    load_id {identity},
    feed TEXT NOT NULL,
    delivery TEXT NOT NULL,
    partition_key TEXT,
    payload_sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    counts TEXT NOT NULL DEFAULT '{{}}',
    error TEXT
);
CREATE INDEX loads_by_delivery ON loads (feed, delivery, payload_sha256, status);
CREATE TABLE documents (
    doc_key {key} PRIMARY KEY,
    country TEXT NOT NULL,
    doc_number TEXT NOT NULL,
    kind TEXT NOT NULL,
    publication_date TEXT,
    application_number TEXT,
    filing_date TEXT,
    title TEXT,
    family_id TEXT,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    record TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_load_id BIGINT NOT NULL REFERENCES loads (load_id),
    modified_load_id BIGINT NOT NULL REFERENCES loads (load_id),
    deleted_load_id BIGINT REFERENCES loads (load_id)
);
CREATE INDEX documents_by_modified_load ON documents (modified_load_id);
CREATE INDEX documents_by_deleted_load ON documents (deleted_load_id);
CREATE INDEX documents_by_application ON documents (country, application_number);
CREATE INDEX documents_by_family ON documents (family_id);
CREATE TABLE document_versions (
    doc_key {key} NOT NULL REFERENCES documents (doc_key),
    version INTEGER NOT NULL,
    load_id BIGINT NOT NULL REFERENCES loads (load_id),
    superseded_load_id BIGINT NOT NULL REFERENCES loads (load_id),
    content_hash TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (doc_key, version)
);
CREATE TABLE quarantine (
    id {identity},
    load_id BIGINT NOT NULL REFERENCES loads (load_id),
    category TEXT NOT NULL,
    failed_checks TEXT NOT NULL,
    source TEXT NOT NULL,
    source_file TEXT,
    position BIGINT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    doc_key TEXT,
    detail TEXT NOT NULL,
    payload TEXT,
    raw_excerpt TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    UNIQUE (load_id, source, position, payload_sha256, category)
);
CREATE INDEX quarantine_by_status ON quarantine (status, category);
CREATE TABLE raw_payloads (
    sha256 {key} PRIMARY KEY,
    size BIGINT NOT NULL,
    first_seen_at TEXT NOT NULL
);
CREATE TABLE raw_manifest (
    id {identity},
    sha256 {key} NOT NULL REFERENCES raw_payloads (sha256),
    size BIGINT NOT NULL,
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (sha256, origin)
);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    entry_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, entry_hash) VALUES (1, 0, '{genesis}')
"""

# Append-only at the database level too: an UPDATE or DELETE must be a deliberate act (dropping
# the trigger), and even then `audit verify` finds it.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
    END
    $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]


_TABLE_STATEMENTS = dialect_statements(_TABLES, genesis=GENESIS_HASH)

SQL: dict[str, list[str]] = {
    "sqlite": _TABLE_STATEMENTS["sqlite"] + _SQLITE_TRIGGERS,
    "postgresql": _TABLE_STATEMENTS["postgresql"] + _POSTGRES_TRIGGERS,
}
