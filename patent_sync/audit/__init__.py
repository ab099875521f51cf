"""The tamper-evident audit log: hash-chained, HMAC-signed, kept in the docket store, with
signed checkpoints of its head kept outside it."""

from patent_sync.audit.checkpoints import (
    AuditCheckpointError,
    Checkpoint,
    CheckpointFile,
    CheckpointRecord,
    audit_checkpoint_metadata,
    checkpoint_records_from_metadata,
    verify_checkpoint_metadata,
)
from patent_sync.audit.keys import (
    ENV_AUDIT_KEY,
    AuditKeyError,
    create_local_key,
    load_audit_key,
    load_or_create_local_key,
    parse_audit_key,
)
from patent_sync.audit.log import (
    DEFAULT_CHECKPOINTS,
    GENESIS_HASH,
    AuditEntry,
    AuditIntegrityError,
    AuditLog,
    AuditSecretError,
    VerifyReport,
    read_entries,
    reject_secrets,
)

__all__ = [
    "DEFAULT_CHECKPOINTS",
    "ENV_AUDIT_KEY",
    "GENESIS_HASH",
    "AuditCheckpointError",
    "AuditEntry",
    "AuditIntegrityError",
    "AuditKeyError",
    "AuditLog",
    "AuditSecretError",
    "Checkpoint",
    "CheckpointFile",
    "CheckpointRecord",
    "VerifyReport",
    "audit_checkpoint_metadata",
    "checkpoint_records_from_metadata",
    "create_local_key",
    "load_audit_key",
    "load_or_create_local_key",
    "parse_audit_key",
    "read_entries",
    "reject_secrets",
    "verify_checkpoint_metadata",
]
