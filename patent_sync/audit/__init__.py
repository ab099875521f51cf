"""The tamper-evident audit log: hash-chained, HMAC-signed, kept in the docket store."""

from patent_sync.audit.keys import (
    ENV_AUDIT_KEY,
    AuditKeyError,
    create_local_key,
    load_audit_key,
    load_or_create_local_key,
    parse_audit_key,
)
from patent_sync.audit.log import (
    GENESIS_HASH,
    AuditEntry,
    AuditLog,
    AuditSecretError,
    VerifyReport,
    read_entries,
    reject_secrets,
)

__all__ = [
    "ENV_AUDIT_KEY",
    "GENESIS_HASH",
    "AuditEntry",
    "AuditKeyError",
    "AuditLog",
    "AuditSecretError",
    "VerifyReport",
    "create_local_key",
    "load_audit_key",
    "load_or_create_local_key",
    "parse_audit_key",
    "read_entries",
    "reject_secrets",
]
