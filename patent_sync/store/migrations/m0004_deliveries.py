"""Deliveries of every feed: deletes, exchange dates, and the files a delivery was made of.

* ``documents.date_of_last_exchange`` (and in ``document_versions``): DOCDB's date of the
  record's last exchange, kept as a column so that an older amendment can be refused in the
  same query that reads the stored state, without decoding any record.
* ``unmatched_deletes``: a delete record for a document the docket never held. It is not an
  error (DOCDB deletes records from before the firm's docket began) and is kept, with its
  load, so that nothing the office sent goes unrecorded.
"""

from __future__ import annotations

from patent_sync.store.migrations import dialect_statements

ID = "0004_deliveries"

_STATEMENTS = """
ALTER TABLE documents ADD COLUMN date_of_last_exchange TEXT;
ALTER TABLE document_versions ADD COLUMN date_of_last_exchange TEXT;
CREATE TABLE unmatched_deletes (
    id {identity},
    load_id BIGINT NOT NULL REFERENCES loads (load_id),
    doc_key {key} NOT NULL,
    position BIGINT NOT NULL,
    source TEXT NOT NULL,
    source_file TEXT,
    payload_sha256 TEXT NOT NULL,
    UNIQUE (load_id, doc_key, position)
)
"""

SQL: dict[str, list[str]] = dialect_statements(_STATEMENTS)
