"""Signed checkpoints of the audit log's head, kept outside the database that holds the log.

A hash chain proves that the entries it holds were not altered or reordered, but not that none
were cut off the end: whoever owns the tables can delete the newest entries and set the head
back, and the shortened chain is still a valid chain. A checkpoint records "the log reached
entry #N, whose hash was H" at some moment, signed with the audit key; ``AuditLog.verify()``
then demands that the log still holds entry #N with exactly hash H (the idea of Certificate
Transparency's signed tree heads). Checkpoints are worth as much as the place they are kept:
a file on the database's own disk only stops the database owner, so ship it elsewhere.

Two places to keep them:

* a JSON Lines file (``PATENT_SYNC_AUDIT_CHECKPOINTS``, default
  ``$PATENT_SYNC_HOME/audit.checkpoints``), one checkpoint per line, appended after every
  transaction that appended to the log;
* Dagster asset metadata: ``audit_checkpoint_metadata(audit)`` gives the keys to attach to a
  materialization, ``verify_checkpoint_metadata(audit, dicts)`` checks them when read back.

Each checkpoint also names the store it belongs to (``store``: the SQLite file's real path, or
PostgreSQL's database and schema), so one file can collect the checkpoints of several stores
and ``verify`` compares only those of the store being verified. That name is computed by the
verifier from its own connection, so someone who owns the database cannot change it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patent_sync.model import canonical_json
from patent_sync.store.base import DocketStore
from patent_sync.store.urls import MEMORY

if TYPE_CHECKING:
    from patent_sync.audit.log import AuditLog, VerifyReport

# Domain separation: an entry signature (HMAC of a bare entry hash) is never a valid
# checkpoint signature, and the reverse.
_SIGNING_CONTEXT = "patent_sync audit checkpoint v1\n"
_HEX64 = frozenset("0123456789abcdef")
CHECKPOINT_FIELDS = ("seq", "entry_hash", "recorded_at", "store", "signature")

# Keys of ``audit_checkpoint_metadata`` (Dagster metadata keys share one namespace per event).
META_SEQ = "audit_seq"
META_ENTRY_HASH = "audit_entry_hash"
META_RECORDED_AT = "audit_recorded_at"
META_STORE = "audit_store"
META_SIGNATURE = "audit_checkpoint_signature"
_META_KEYS = {
    META_SEQ: "seq",
    META_ENTRY_HASH: "entry_hash",
    META_RECORDED_AT: "recorded_at",
    META_STORE: "store",
    META_SIGNATURE: "signature",
}


class AuditCheckpointError(RuntimeError):
    """A checkpoint could not be written (the message names the file and the cause)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement "the audit log of ``store`` held entry ``seq`` with ``entry_hash``"."""

    seq: int
    entry_hash: str
    recorded_at: str  # UTC ISO 8601, when the checkpoint was taken
    store: str  # see store_identity()
    signature: str

    def to_json(self) -> str:
        """One line of the checkpoint file (without the newline)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))

    def describe(self) -> str:
        """How messages name it: ``checkpoint of <time> (entry #N, hash abcd1234…)``."""
        hash_ = short(self.entry_hash)
        return f"checkpoint of {self.recorded_at} (entry #{self.seq}, hash {hash_})"


@dataclasses.dataclass(frozen=True, slots=True)
class CheckpointRecord:
    """A checkpoint as read back, or why what was read is not one; ``origin`` says from where."""

    origin: str  # e.g. "line 7 of /srv/audit.checkpoints" or "metadata #3"
    checkpoint: Checkpoint | None
    error: str = ""


def sign_checkpoint(key: bytes, seq: int, entry_hash: str, recorded_at: str, store: str) -> str:
    """HMAC-SHA256 over the checkpoint's fields (hex)."""
    body = canonical_json(
        {"seq": seq, "entry_hash": entry_hash, "recorded_at": recorded_at, "store": store}
    )
    return hmac.new(key, (_SIGNING_CONTEXT + body).encode("utf-8"), hashlib.sha256).hexdigest()


def signature_ok(key: bytes, checkpoint: Checkpoint) -> bool:
    expected = sign_checkpoint(
        key, checkpoint.seq, checkpoint.entry_hash, checkpoint.recorded_at, checkpoint.store
    )
    return hmac.compare_digest(expected, checkpoint.signature)


def store_identity(store: DocketStore) -> str | None:
    """What names this store in a checkpoint; None for an in-memory SQLite store.

    SQLite: ``sqlite:`` and the file's real path. PostgreSQL: ``postgresql:<database>/<schema>``
    as the server reports them (no host, no user: the pipeline role and the auditor may connect
    differently to the same tables).
    """
    if store.backend == "sqlite":
        path = getattr(store, "path", MEMORY)
        if path == MEMORY or not path:
            return None
        return f"sqlite:{os.path.realpath(path)}"
    rows = store.query("SELECT current_database(), current_schema()")
    database, schema = rows[0]
    return f"{store.backend}:{database}/{schema}"


def checkpoint_from_mapping(data: Mapping[str, Any]) -> Checkpoint:
    """A ``Checkpoint`` from its JSON form; ``ValueError`` naming what is wrong."""
    missing = [name for name in CHECKPOINT_FIELDS if name not in data]
    if missing:
        raise ValueError(f"not a checkpoint: {', '.join(missing)} missing")
    seq = data["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValueError(f"not a checkpoint: seq {seq!r} is not a sequence number")
    entry_hash = data["entry_hash"]
    if not isinstance(entry_hash, str) or len(entry_hash) != 64 or set(entry_hash) - _HEX64:
        raise ValueError("not a checkpoint: entry_hash is not a SHA-256 hex digest")
    for name in ("recorded_at", "store", "signature"):
        if not isinstance(data[name], str) or not data[name]:
            raise ValueError(f"not a checkpoint: {name} is not text")
    return Checkpoint(seq, entry_hash, data["recorded_at"], data["store"], data["signature"])


class CheckpointFile:
    """An append-only JSON Lines file of checkpoints."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"CheckpointFile({str(self.path)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckpointFile) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def append(self, checkpoint: Checkpoint) -> None:
        """Add one line with a single ``write`` (O_APPEND), then fsync.

        Several processes may append at once: each line is written whole. If the file ends in
        a partial line (a crash mid-write), the new checkpoint starts on a line of its own.
        """
        line = checkpoint.to_json() + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = "\n" + line
                data = line.encode("utf-8")
                if os.write(fd, data) != len(data):
                    raise OSError("short write")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise AuditCheckpointError(
                f"cannot write the audit checkpoint to {self.path}: {exc.strerror or exc} "
                "(the audit entry itself was committed; fix the file and run "
                "`patent-sync audit verify`)"
            ) from None

    def read(self) -> Iterator[CheckpointRecord]:
        """Every non-blank line as a ``CheckpointRecord`` (``FileNotFoundError`` if absent)."""
        with self.path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                origin = f"line {number} of {self.path}"
                text = raw.strip()
                if not text:
                    continue
                try:
                    data = json.loads(text.decode("utf-8"))
                    if not isinstance(data, dict):
                        raise ValueError("not a JSON object")
                    yield CheckpointRecord(origin, checkpoint_from_mapping(data))
                except ValueError as exc:  # includes JSON and UTF-8 decoding errors
                    yield CheckpointRecord(origin, None, _one_line(str(exc)))


def records_from_checkpoints(
    checkpoints: Iterable[Checkpoint | Mapping[str, Any]], *, origin: str = "checkpoint"
) -> Iterator[CheckpointRecord]:
    """``CheckpointRecord``s from checkpoints or their JSON forms (e.g. from object storage)."""
    for number, item in enumerate(checkpoints, start=1):
        where = f"{origin} #{number}"
        if isinstance(item, Checkpoint):
            yield CheckpointRecord(where, item)
            continue
        try:
            yield CheckpointRecord(where, checkpoint_from_mapping(item))
        except ValueError as exc:
            yield CheckpointRecord(where, None, _one_line(str(exc)))


# -- Dagster asset metadata ----------------------------------------------------------------


def audit_checkpoint_metadata(audit: AuditLog) -> dict[str, str | int]:
    """The log's committed head as a signed checkpoint, flattened for Dagster asset metadata.

    Call it after the transaction that appended has committed (``AuditCheckpointError``
    inside one). Keys: ``audit_seq``, ``audit_entry_hash``, ``audit_recorded_at``,
    ``audit_store``, ``audit_checkpoint_signature``.
    """
    checkpoint = audit.signed_head()
    return {
        META_SEQ: checkpoint.seq,
        META_ENTRY_HASH: checkpoint.entry_hash,
        META_RECORDED_AT: checkpoint.recorded_at,
        META_STORE: checkpoint.store,
        META_SIGNATURE: checkpoint.signature,
    }


def checkpoint_records_from_metadata(
    metadata: Iterable[Mapping[str, Any]],
) -> Iterator[CheckpointRecord]:
    """Checkpoints from metadata dicts as Dagster's event storage returns them.

    Values may be plain or Dagster ``MetadataValue``s (anything with a ``.value``). A dict
    with none of the ``audit_*`` keys is not a checkpoint and is passed over (e.g. a
    materialization from before checkpoints were attached); one with only some of them is
    reported as malformed.
    """
    for number, item in enumerate(metadata, start=1):
        origin = f"metadata #{number}"
        present = {field: _unwrap(item[key]) for key, field in _META_KEYS.items() if key in item}
        if not present:
            continue
        try:
            yield CheckpointRecord(origin, checkpoint_from_mapping(present))
        except ValueError as exc:
            yield CheckpointRecord(origin, None, _one_line(str(exc)))


def verify_checkpoint_metadata(
    audit: AuditLog, metadata: Iterable[Mapping[str, Any]]
) -> VerifyReport:
    """``audit.verify()`` against checkpoints read back from Dagster asset metadata.

    The whole chain is checked as by ``audit verify``; every checkpoint must carry a valid
    signature and the log must still hold its entry with exactly its hash.
    """
    return audit.verify(
        checkpoints=checkpoint_records_from_metadata(metadata), source="Dagster asset metadata"
    )


def short(entry_hash: object) -> str:
    text = str(entry_hash)
    return text[:12] + "…" if len(text) > 12 else text


def _unwrap(value: Any) -> Any:
    return getattr(value, "value", value)


def _one_line(text: str) -> str:
    return " ".join(text.split())
