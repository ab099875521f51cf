"""The audit log: append-only, hash-chained, HMAC-signed (DESIGN.md, "Audit log").

Every entry holds the hash of the one before it:

    entry_hash = sha256(prev_hash || canonical_json({seq, recorded_at, actor, action,
                                                     subject, details}))
    signature  = HMAC-SHA256(key, entry_hash)

and the first entry's ``prev_hash`` is 64 zeros. ``verify()`` walks the chain from the start
and names the first entry that does not fit: a gap in the sequence (an entry was deleted), a
``prev_hash`` that is not the previous entry's hash (removed or reordered), a hash that does not
match the content (altered), or a signature that does not match (a different key, or forged).

Appends are serialized across processes by the store's write lock, and ``audit_head`` holds
the last sequence number and hash, so the chain never forks and a truncated tail is noticed.
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import hmac
import json
import re
import socket
from collections.abc import Iterator, Mapping
from typing import Any

from patent_sync.audit.keys import MIN_KEY_BYTES, AuditKeyError
from patent_sync.model import canonical_json
from patent_sync.store.base import DocketStore
from patent_sync.store.cursor import DbCursor
from patent_sync.store.errors import StoreError
from patent_sync.store.timestamps import utc_now_iso

GENESIS_HASH = "0" * 64

_COLUMNS = "seq, recorded_at, actor, action, subject, details, prev_hash, entry_hash, signature"
# Fragments of a details key that mark it as a credential (matched without "_" and "-").
_SECRET_KEY_FRAGMENTS = (
    "apikey",
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "authorization",
    "credential",
    "privatekey",
    "cookie",
)
_SECRET_VALUE = re.compile(r"^\s*(bearer|basic)\s+\S", re.IGNORECASE)


class AuditSecretError(ValueError):
    """Audit details that look like they carry a credential (they are never written)."""


@dataclasses.dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the audit log as stored."""

    seq: int
    recorded_at: str  # UTC ISO 8601
    actor: str
    action: str  # e.g. "raw.fetched", "load.completed", "quarantine.released"
    subject: str  # what it is about, e.g. "us_grants/2024-05-07"
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str
    signature: str


@dataclasses.dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of ``AuditLog.verify()``.

    ``first_bad_seq`` is the first sequence number at which the chain breaks (for a deleted
    entry, the number that is missing); ``entry`` is the stored entry where the break was
    found, if there is one.
    """

    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    entry: AuditEntry | None = None


class AuditLog:
    """Appends to and verifies the audit log kept in a docket store."""

    def __init__(self, store: DocketStore, key: bytes, *, actor: str | None = None) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise AuditKeyError(f"the audit key must be at least {MIN_KEY_BYTES} bytes")
        self._store = store
        self._key = key
        self.actor = actor or _default_actor()

    def __repr__(self) -> str:  # never show the key
        return f"AuditLog({self._store!r}, actor={self.actor!r})"

    def append(
        self,
        action: str,
        subject: str,
        details: Mapping[str, Any],
        *,
        cursor: DbCursor | None = None,
        actor: str | None = None,
    ) -> AuditEntry:
        """Add an entry to the chain and return it.

        Pass ``cursor`` (from ``store.transaction()``) to commit the entry together with the
        writes it describes; append last in that transaction, since the audit lock is then
        held until it commits. ``details`` must be JSON-ready and must not hold credentials.
        """
        if not action or not subject:
            raise ValueError("an audit entry needs an action and a subject")
        if not isinstance(details, Mapping):
            raise TypeError(f"audit details must be a mapping, not {type(details).__name__}")
        reject_secrets(details)
        details_json = canonical_json(dict(details))
        if cursor is not None:
            return self._append(cursor, action, subject, details_json, actor or self.actor)
        with self._store.transaction() as cur:
            return self._append(cur, action, subject, details_json, actor or self.actor)

    def _append(
        self, cur: DbCursor, action: str, subject: str, details_json: str, actor: str
    ) -> AuditEntry:
        cur.lock("audit_log")
        head = cur.execute("SELECT seq, entry_hash FROM audit_head WHERE id = 1").fetchone()
        if head is None:
            raise StoreError("the audit log has no head row: run store.migrate() first")
        seq, prev_hash = int(head[0]) + 1, str(head[1])
        recorded_at = utc_now_iso()
        details = json.loads(details_json)
        entry_hash = _entry_hash(prev_hash, seq, recorded_at, actor, action, subject, details)
        signature = self._sign(entry_hash)
        cur.execute(
            f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                recorded_at,
                actor,
                action,
                subject,
                details_json,
                prev_hash,
                entry_hash,
                signature,
            ),
        )
        cur.execute("UPDATE audit_head SET seq = ?, entry_hash = ? WHERE id = 1", (seq, entry_hash))
        return AuditEntry(
            seq, recorded_at, actor, action, subject, details, prev_hash, entry_hash, signature
        )

    def entries(self, since_seq: int = 0) -> Iterator[AuditEntry]:
        """Entries with ``seq > since_seq``, in order (streamed)."""
        return read_entries(self._store, since_seq)

    def head(self) -> tuple[int, str]:
        """The last sequence number and entry hash (0 and 64 zeros for an empty log)."""
        rows = self._store.query("SELECT seq, entry_hash FROM audit_head WHERE id = 1")
        if not rows:
            raise StoreError("the audit log has no head row: run store.migrate() first")
        return int(rows[0][0]), str(rows[0][1])

    def verify(self) -> VerifyReport:
        """Recompute the whole chain and report the first entry that breaks it."""
        head_seq, head_hash = self.head()  # entries appended while we read are left for later
        expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
        last: AuditEntry | None = None
        for entry in self.entries():
            if entry.seq > head_seq:
                break
            problem = self._check(entry, expected_seq, expected_prev)
            if problem is not None:
                bad_seq, reason = problem
                return VerifyReport(False, checked, bad_seq, reason, entry)
            expected_prev, expected_seq, checked, last = (
                entry.entry_hash,
                entry.seq + 1,
                checked + 1,
                entry,
            )
        if expected_seq <= head_seq:
            missing = _span(expected_seq, head_seq)
            return VerifyReport(
                False,
                checked,
                expected_seq,
                f"{missing} missing at the end of the log (deleted); the head records #{head_seq}",
                last,
            )
        if expected_prev != head_hash:
            return VerifyReport(
                False,
                checked,
                head_seq,
                "the last entry's hash does not match the hash recorded in the audit head",
                last,
            )
        return VerifyReport(True, checked)

    def _check(
        self, entry: AuditEntry, expected_seq: int, expected_prev: str
    ) -> tuple[int, str] | None:
        if entry.seq != expected_seq:
            return expected_seq, (
                f"{_span(expected_seq, entry.seq - 1)} missing before #{entry.seq} "
                "(gap in the sequence: deleted)"
            )
        if entry.prev_hash != expected_prev:
            return entry.seq, (
                "prev_hash does not match the previous entry's hash "
                "(an entry was removed or the entries were reordered)"
            )
        recomputed = _entry_hash(
            entry.prev_hash,
            entry.seq,
            entry.recorded_at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
        )
        if recomputed != entry.entry_hash:
            return entry.seq, "hash mismatch: the entry's content was altered after it was written"
        if not hmac.compare_digest(self._sign(entry.entry_hash), entry.signature):
            return entry.seq, (
                "signature mismatch: signed with a different key, or the entry was forged"
            )
        return None

    def _sign(self, entry_hash: str) -> str:
        return hmac.new(self._key, entry_hash.encode("ascii"), hashlib.sha256).hexdigest()


def read_entries(store: DocketStore, since_seq: int = 0) -> Iterator[AuditEntry]:
    """Entries with ``seq > since_seq``, in order, streamed; reading needs no key."""
    rows = store.stream(_COLUMNS, "audit_log", "seq > ?", (since_seq,), "seq")
    return (_entry(row) for row in rows)


def reject_secrets(details: Mapping[str, Any], _path: str = "") -> None:
    """Raise ``AuditSecretError`` if any key (at any depth) or value looks like a credential."""
    for key, value in details.items():
        path = f"{_path}.{key}" if _path else str(key)
        normalized = str(key).lower().replace("_", "").replace("-", "")
        if any(fragment in normalized for fragment in _SECRET_KEY_FRAGMENTS):
            raise AuditSecretError(
                f"audit details must not hold secrets: {path!r} is named like a credential "
                "(api key, password, secret, token, authorization); record a reference instead"
            )
        _reject_secret_value(value, path)


def _reject_secret_value(value: Any, path: str) -> None:
    if isinstance(value, Mapping):
        reject_secrets(value, path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_secret_value(item, f"{path}[{index}]")
    elif isinstance(value, str) and _SECRET_VALUE.match(value):
        raise AuditSecretError(
            f"audit details must not hold secrets: {path!r} holds an HTTP credential"
        )


def _entry_hash(
    prev_hash: str,
    seq: int,
    recorded_at: str,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
) -> str:
    body = {
        "seq": seq,
        "recorded_at": recorded_at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
    }
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    try:
        details = json.loads(row[5])
    except (TypeError, ValueError):
        # Tampered into something that is not JSON: keep the text so the hash check fails.
        details = {"<unreadable details>": row[5]}
    return AuditEntry(
        seq=int(row[0]),
        recorded_at=row[1],
        actor=row[2],
        action=row[3],
        subject=row[4],
        details=details,
        prev_hash=row[6],
        entry_hash=row[7],
        signature=row[8],
    )


def _span(first: int, last: int) -> str:
    return f"entry #{first} is" if first == last else f"entries #{first}–#{last} are"


def _default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
