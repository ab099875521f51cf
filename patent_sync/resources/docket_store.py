"""The docket database (SQLite or PostgreSQL) and the audit log kept in it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg

from patent_sync.audit import AuditLog
from patent_sync.audit.keys import parse_audit_key
from patent_sync.store import open_store
from patent_sync.store.base import DocketStore


class DocketStoreResource(dg.ConfigurableResource):
    """Opens the docket store, migrates it, and signs audit entries with the HMAC key.

    ``url`` is ``sqlite:///path`` (the embedded default) or a PostgreSQL URL; ``audit_key``
    comes from the environment (``PATENT_SYNC_AUDIT_KEY``) and never leaves this resource.
    """

    url: str
    audit_key: str

    @contextlib.contextmanager
    def open(self) -> Iterator[tuple[DocketStore, AuditLog]]:
        store = open_store(self.url)
        try:
            # Idempotent and cheap (one look at schema_migrations); Dagster gives every step its
            # own copy of the resource, so a "migrated already" flag here would not hold anyway.
            store.migrate()
            yield store, AuditLog(store, parse_audit_key(self.audit_key))
        finally:
            store.close()
