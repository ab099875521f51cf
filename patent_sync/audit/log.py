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
the last sequence number and hash, so the chain never forks. An append first checks that the
head and the newest entry agree (``AuditIntegrityError`` otherwise: nothing is written).

A chain alone cannot show that entries were cut off its end: whoever owns the tables can delete
the newest entries and set the head back. So after every transaction that appended commits, the
log writes a signed checkpoint of its head to a file kept outside the database
(``patent_sync.audit.checkpoints``), and ``verify()`` checks the whole table (not just up to the
head), the head against the last entry, and every checkpoint against the log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import hashlib
import hmac
import json
import os
import socket
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from patent_sync.audit.checkpoints import (
    AuditCheckpointError,
    Checkpoint,
    CheckpointFile,
    CheckpointRecord,
    records_from_checkpoints,
    short,
    sign_checkpoint,
    signature_ok,
    store_identity,
)
from patent_sync.audit.keys import MIN_KEY_BYTES, AuditKeyError
from patent_sync.audit.secrets import AuditSecretError as AuditSecretError
from patent_sync.audit.secrets import reject_secrets
from patent_sync.model import canonical_json
from patent_sync.settings import Settings
from patent_sync.store.base import DocketStore
from patent_sync.store.cursor import DbCursor
from patent_sync.store.errors import StoreError
from patent_sync.store.timestamps import utc_now_iso

GENESIS_HASH = "0" * 64

_COLUMNS = "seq, recorded_at, actor, action, subject, details, prev_hash, entry_hash, signature"
# The head and the newest entry in one statement, hence one snapshot on both backends.
_HEAD_AND_LAST = (
    "SELECT h.seq, h.entry_hash, l.seq, l.entry_hash FROM audit_head h LEFT JOIN "
    "(SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1) l ON 1 = 1 "
    "WHERE h.id = 1"
)


# The identity store_identity() gives a store that lives only in this process.
_MEMORY_IDENTITY = "sqlite::memory:"


class _DefaultCheckpoints:
    def __repr__(self) -> str:
        return "DEFAULT_CHECKPOINTS"


DEFAULT_CHECKPOINTS: Final = _DefaultCheckpoints()
"""``AuditLog(checkpoints=...)`` default: ``Settings.from_env().audit_checkpoints_path``."""

CheckpointSource = CheckpointFile | Iterable[Checkpoint | CheckpointRecord | Mapping[str, Any]]


class AuditIntegrityError(StoreError):
    """The audit tables disagree with each other (tampering): nothing was appended."""


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

    ``first_bad_seq`` is the first sequence number at which the log breaks (for a deleted
    entry, the number that is missing; None when the problem names no entry, e.g. a missing
    head row); ``entry`` is the stored entry where the break was found, if there is one;
    ``reason`` describes the first problem and ``problems`` every problem found, one line each.
    ``entries_checked`` counts the entries verified before the chain broke (all of them when
    it did not). ``checkpoints_checked`` counts the signed checkpoints of this store that were
    compared with the log; ``checkpoint_note`` says why there were none.
    """

    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    entry: AuditEntry | None = None
    problems: tuple[str, ...] = ()
    checkpoints_checked: int = 0
    checkpoints_other_stores: int = 0
    newest_checkpoint: Checkpoint | None = None
    checkpoint_source: str = ""
    checkpoint_note: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class _Problem:
    seq: int | None
    reason: str
    entry: AuditEntry | None = None


class AuditLog:
    """Appends to and verifies the audit log kept in a docket store.

    ``checkpoints`` is where signed checkpoints of the head go: a path or ``CheckpointFile``,
    None for none, or by default ``PATENT_SYNC_AUDIT_CHECKPOINTS`` (else
    ``$PATENT_SYNC_HOME/audit.checkpoints``). A checkpoint is written after the outermost
    transaction that appended commits, whichever code opened that transaction; ``checkpoint()``
    writes one on demand. An in-memory SQLite store gets none (its log dies with the process).
    """

    def __init__(
        self,
        store: DocketStore,
        key: bytes,
        *,
        actor: str | None = None,
        checkpoints: CheckpointFile | str | os.PathLike[str] | _DefaultCheckpoints | None = (
            DEFAULT_CHECKPOINTS
        ),
    ) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise AuditKeyError(f"the audit key must be at least {MIN_KEY_BYTES} bytes")
        self._store = store
        self._key = key
        self.actor = actor or _default_actor()
        if isinstance(checkpoints, _DefaultCheckpoints):
            checkpoints = Settings.from_env().audit_checkpoints_path
        if checkpoints is not None and not isinstance(checkpoints, CheckpointFile):
            checkpoints = CheckpointFile(checkpoints)
        self._checkpoint_file: CheckpointFile | None = checkpoints
        self._identity: str | None = None
        self._pending = False  # appended since the last checkpoint
        self._last_written: tuple[int, str] | None = None
        if checkpoints is not None:
            _after_outermost_commit(store, self)

    def __repr__(self) -> str:  # never show the key
        return f"AuditLog({self._store!r}, actor={self.actor!r})"

    @property
    def checkpoint_file(self) -> CheckpointFile | None:
        """Where this log writes its checkpoints (None: it writes none)."""
        return self._checkpoint_file

    @property
    def store_identity(self) -> str:
        """How checkpoints name this log's store (see ``checkpoints.store_identity``)."""
        if self._identity is None:
            self._identity = store_identity(self._store) or _MEMORY_IDENTITY
        return self._identity

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
        ``AuditIntegrityError`` if the head and the newest entry disagree (tampering).
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
        seq, prev_hash = _consistent_head(
            cur.execute(_HEAD_AND_LAST).fetchall(), "nothing was written"
        )
        seq += 1
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
        self._pending = True
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
            raise AuditIntegrityError(
                "the audit log has no head row (deleted?): run `patent-sync audit verify`"
            )
        seq = _as_seq(rows[0][0])
        if seq is None:
            raise AuditIntegrityError(
                f"the audit head's sequence number {rows[0][0]!r} is not a number"
            )
        return seq, str(rows[0][1])

    # -- checkpoints ---------------------------------------------------------------------

    def signed_head(self) -> Checkpoint:
        """The committed head as a signed checkpoint (written nowhere).

        ``AuditCheckpointError`` inside a transaction (the head would not be committed yet);
        ``AuditIntegrityError`` if the head and the newest entry disagree.
        """
        if _in_transaction(self._store):
            raise AuditCheckpointError(
                "a checkpoint records committed entries: take it after the transaction commits"
            )
        seq, entry_hash = _consistent_head(
            self._store.query(_HEAD_AND_LAST), "no checkpoint was taken"
        )
        recorded_at = utc_now_iso()
        identity = self.store_identity
        signature = sign_checkpoint(self._key, seq, entry_hash, recorded_at, identity)
        return Checkpoint(seq, entry_hash, recorded_at, identity, signature)

    def checkpoint(self) -> Checkpoint | None:
        """Append a signed checkpoint of the committed head to the checkpoint file now.

        Returns it, or None when there is nothing to write: no checkpoint file, an in-memory
        store, an empty log, the same head as the last checkpoint written here, or an open
        transaction (the checkpoint is then written after it commits).
        """
        if self._checkpoint_file is None or _in_transaction(self._store):
            return None
        if self.store_identity == _MEMORY_IDENTITY:
            self._pending = False
            return None
        checkpoint = self.signed_head()
        self._pending = False
        if checkpoint.seq == 0 or self._last_written == (checkpoint.seq, checkpoint.entry_hash):
            return None
        self._checkpoint_file.append(checkpoint)
        self._last_written = (checkpoint.seq, checkpoint.entry_hash)
        return checkpoint

    def _after_commit(self) -> None:
        if self._pending:
            self.checkpoint()

    def _after_rollback(self) -> None:
        self._pending = False  # what was appended in the transaction is gone

    # -- verification --------------------------------------------------------------------

    def verify(
        self, checkpoints: CheckpointSource | None = None, *, source: str | None = None
    ) -> VerifyReport:
        """Check the whole log and name what is wrong.

        * every row of ``audit_log``, not only those up to the head: sequence without gaps,
          each ``prev_hash`` the previous hash, each hash and signature recomputed;
        * ``audit_head`` names the last row, with its hash;
        * every checkpoint of this store (``checkpoints``: a ``CheckpointFile``, checkpoints or
          their JSON forms; by default this log's checkpoint file) carries a valid signature,
          and the log still holds its entry with exactly its hash.

        ``source`` names where iterable checkpoints came from, for messages.
        """
        records, source_name, note = self._checkpoint_records(checkpoints, source)
        problems: list[_Problem] = []
        expected, other_stores, newest = self._signed_checkpoints(records, problems)

        count_before = int(self._store.query("SELECT COUNT(*) FROM audit_log")[0][0])
        walk = _ChainWalk(self, expected)
        walk.walk(self._store)
        head_problem = self._check_head(walk)

        if walk.chain_problem is not None:
            problems.insert(0, walk.chain_problem)
        problems[1 if walk.chain_problem else 0 : 0] = walk.row_problems
        if head_problem is not None:
            problems.append(head_problem)
        if walk.rows_read < count_before:
            unread = count_before - walk.rows_read
            problems.append(
                _Problem(
                    None,
                    f"{unread} row(s) of audit_log have no usable sequence number (NULL or "
                    "duplicated): the table was altered",
                )
            )
        problems.extend(_checkpoint_problems(walk, expected))

        checked = sum(len(found) for found in expected.values())
        if records is not None and not records:
            note = f"{source_name} holds no checkpoints"
        if checked == 0 and not note:
            note = f"{source_name} holds no checkpoints of this store ({self.store_identity})"
            if other_stores:
                note += f"; {other_stores} belong to other stores"
        common = {
            "checkpoints_checked": checked,
            "checkpoints_other_stores": other_stores,
            "newest_checkpoint": newest,
            "checkpoint_source": source_name,
            "checkpoint_note": note,
        }
        if not problems:
            return VerifyReport(True, walk.checked, **common)  # type: ignore[arg-type]
        first = problems[0]
        return VerifyReport(
            False,
            walk.checked,
            first.seq,
            first.reason,
            first.entry,
            tuple(p.reason for p in problems),
            **common,  # type: ignore[arg-type]
        )

    def _checkpoint_records(
        self, checkpoints: CheckpointSource | None, source: str | None
    ) -> tuple[list[CheckpointRecord] | None, str, str]:
        """The records to compare, what to call their source, and a note if there are none."""
        if checkpoints is None:
            checkpoints = self._checkpoint_file
            if checkpoints is None:
                return None, "", "no checkpoint file is configured"
        if isinstance(checkpoints, CheckpointFile):
            name = source or str(checkpoints.path)
            try:
                return list(checkpoints.read()), name, ""
            except FileNotFoundError:
                return None, name, f"no checkpoint file at {checkpoints.path}"
            except OSError as exc:
                raise AuditCheckpointError(
                    f"cannot read the checkpoint file {checkpoints.path}: {exc.strerror or exc}"
                ) from None
        name = source or "the checkpoints given"
        records = [
            item if isinstance(item, CheckpointRecord) else next(records_from_checkpoints([item]))
            for item in checkpoints
        ]
        return records, name, ""

    def _signed_checkpoints(
        self, records: list[CheckpointRecord] | None, problems: list[_Problem]
    ) -> tuple[dict[int, list[Checkpoint]], int, Checkpoint | None]:
        """Checkpoints of this store with valid signatures, by seq; problems for the rest."""
        expected: dict[int, list[Checkpoint]] = {}
        other_stores = 0
        newest: Checkpoint | None = None
        for record in records or ():
            checkpoint = record.checkpoint
            if checkpoint is None:
                problems.append(_Problem(None, f"{record.origin}: {record.error}"))
                continue
            if checkpoint.store != self.store_identity:
                other_stores += 1
                continue
            if not signature_ok(self._key, checkpoint):
                problems.append(
                    _Problem(
                        checkpoint.seq,
                        f"{record.origin}: the {checkpoint.describe()} has a wrong signature "
                        "(forged, or signed with another key)",
                    )
                )
                continue
            expected.setdefault(checkpoint.seq, []).append(checkpoint)
            if newest is None or checkpoint.seq > newest.seq:
                newest = checkpoint
        return expected, other_stores, newest

    def _check_head(self, walk: _ChainWalk) -> _Problem | None:
        """The head must name the last row. Entries appended while the walk ran are read too:
        an append commits its row and the head together, and a head only moves forward, so a
        head read after the walk can only be behind the rows it saw if it was set back."""
        for _ in range(5):
            rows = self._store.query("SELECT seq, entry_hash FROM audit_head")
            if len(rows) != 1:
                what = "no head row (it was deleted)" if not rows else f"{len(rows)} head rows"
                return _Problem(None, f"audit_head holds {what}: the table was altered")
            raw_seq, head_hash = rows[0]
            head_seq = _as_seq(raw_seq)
            if head_seq is None:
                return _Problem(
                    None, f"audit_head's sequence number {raw_seq!r} is not a number: altered"
                )
            if head_seq <= walk.last_seq:
                break
            walk.walk(self._store)  # appended while we were reading
        if head_seq < walk.last_seq:
            return _Problem(
                head_seq + 1,
                f"the audit head records entry #{head_seq} but the log holds entries up to "
                f"#{walk.last_seq}: the head was set back ({_span(head_seq + 1, walk.last_seq)} "
                "beyond it)",
                walk.last_entry,
            )
        if head_seq > walk.last_seq:
            missing = _span(walk.last_seq + 1, head_seq)
            return _Problem(
                walk.last_seq + 1,
                f"{missing} missing at the end of the log (deleted); the head records #{head_seq}",
                walk.last_entry,
            )
        if head_hash != walk.last_hash:
            return _Problem(
                head_seq,
                "the last entry's hash does not match the hash recorded in the audit head",
                walk.last_entry,
            )
        return None

    def _check(
        self, entry: AuditEntry, expected_seq: int, expected_prev: str, malformed: str = ""
    ) -> tuple[int, str] | None:
        if entry.seq != expected_seq:
            return expected_seq, (
                f"{_span(expected_seq, entry.seq - 1)} missing before #{entry.seq} "
                "(gap in the sequence: deleted)"
            )
        if malformed:
            return entry.seq, f"the entry is malformed: {malformed}"
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


class _ChainWalk:
    """Reads ``audit_log`` in sequence order, checking the chain and matching checkpoints."""

    def __init__(self, log: AuditLog, expected: dict[int, list[Checkpoint]]) -> None:
        self._log = log
        self._expected = expected
        self._expected_seq, self._expected_prev = 1, GENESIS_HASH
        self._resume: Any = 0
        self.checked = 0  # entries verified before the chain broke
        self.rows_read = 0
        self.last_seq, self.last_hash = 0, GENESIS_HASH
        self.last_entry: AuditEntry | None = None
        self.chain_problem: _Problem | None = None
        self.row_problems: list[_Problem] = []  # rows that are not entries at all
        self.mismatches: list[tuple[Checkpoint, AuditEntry]] = []

    def walk(self, store: DocketStore) -> None:
        """Read the rows after the last one read (all of them the first time)."""
        for row in store.stream(_COLUMNS, "audit_log", "seq > ?", (self._resume,), "seq"):
            self.rows_read += 1
            self._resume = row[0]
            self._row(row)

    def _row(self, row: tuple[Any, ...]) -> None:
        seq = _as_seq(row[0])
        if seq is None:
            self.row_problems.append(
                _Problem(
                    None,
                    f"an entry has the sequence number {row[0]!r}, which is not a number "
                    f"(action {row[3]!r}, recorded {row[1]!r}): the row was altered",
                )
            )
            return
        entry, malformed = _parse_row(seq, row)
        self.last_seq, self.last_hash, self.last_entry = seq, entry.entry_hash, entry
        for checkpoint in self._expected.get(seq, ()):
            if checkpoint.entry_hash != entry.entry_hash:
                self.mismatches.append((checkpoint, entry))
        if self.chain_problem is not None:
            return
        problem = self._log._check(entry, self._expected_seq, self._expected_prev, malformed)
        if problem is not None:
            self.chain_problem = _Problem(problem[0], problem[1], entry)
            return
        self._expected_seq, self._expected_prev = seq + 1, entry.entry_hash
        self.checked += 1


def _checkpoint_problems(walk: _ChainWalk, expected: dict[int, list[Checkpoint]]) -> list[_Problem]:
    """Checkpoints the log contradicts: a different hash at their entry, or entries missing."""
    problems: list[_Problem] = []
    genesis_mismatch = [c for c in expected.get(0, ()) if c.entry_hash != GENESIS_HASH]
    for checkpoint in genesis_mismatch:
        problems.append(_Problem(0, f"the {checkpoint.describe()} is not of an empty log"))
    if walk.mismatches:
        checkpoint, entry = min(walk.mismatches, key=lambda pair: pair[0].seq)
        more = len(walk.mismatches) - 1
        problems.append(
            _Problem(
                entry.seq,
                f"entry #{entry.seq} has hash {short(entry.entry_hash)} but the checkpoint of "
                f"{checkpoint.recorded_at} recorded hash {short(checkpoint.entry_hash)} for it: "
                "the log was replaced or rewritten after that checkpoint"
                + (f" ({more} more checkpoint(s) disagree with the log)" if more else ""),
                entry,
            )
        )
    beyond = [c for found in expected.values() for c in found if c.seq > walk.last_seq]
    if beyond:
        newest = max(beyond, key=lambda c: (c.seq, c.recorded_at))
        where = f"ends at entry #{walk.last_seq}" if walk.last_seq else "is empty"
        problems.append(
            _Problem(
                walk.last_seq + 1,
                f"the log {where} but the checkpoint of {newest.recorded_at} recorded entry "
                f"#{newest.seq} (hash {short(newest.entry_hash)}): "
                f"{_span(walk.last_seq + 1, newest.seq)} missing",
                walk.last_entry,
            )
        )
    return problems


def _consistent_head(rows: list[tuple[Any, ...]], outcome: str) -> tuple[int, str]:
    """The head's (seq, hash) if it names the newest entry; else ``AuditIntegrityError``.

    ``rows`` is the result of ``_HEAD_AND_LAST``; ``outcome`` says what was not done.
    """
    advice = f"{outcome}; run `patent-sync audit verify`"
    if not rows:
        raise AuditIntegrityError(f"the audit log has no head row (deleted?): {advice}")
    raw_head_seq, head_hash, raw_last_seq, last_hash = rows[0]
    head_seq = _as_seq(raw_head_seq)
    if head_seq is None:
        raise AuditIntegrityError(
            f"the audit head's sequence number {raw_head_seq!r} is not a number: {advice}"
        )
    if raw_last_seq is None:  # an empty log
        raw_last_seq, last_hash = 0, GENESIS_HASH
    last_seq = _as_seq(raw_last_seq)
    if last_seq is None:
        raise AuditIntegrityError(
            f"the newest audit entry has the sequence number {raw_last_seq!r}, which is not a "
            f"number: {advice}"
        )
    if head_seq < last_seq:
        raise AuditIntegrityError(
            f"the audit head records entry #{head_seq} but the log holds entries up to "
            f"#{last_seq} (the head was set back): {advice}"
        )
    if head_seq > last_seq:
        where = f"ends at entry #{last_seq}" if last_seq else "is empty"
        raise AuditIntegrityError(
            f"the audit head records entry #{head_seq} but the log {where} "
            f"(entries were deleted): {advice}"
        )
    if head_hash != last_hash:
        raise AuditIntegrityError(
            f"the audit head's hash for entry #{head_seq} is not that entry's hash: {advice}"
        )
    return head_seq, str(head_hash)


# -- checkpoints after the outermost commit --------------------------------------------------

_COMMIT_HOOKS = "_audit_checkpoint_hooks"


def _in_transaction(store: DocketStore) -> bool:
    # DocketStore keeps its open transaction's cursor in ``_active`` (None outside one).
    return getattr(store, "_active", None) is not None


def _after_outermost_commit(store: DocketStore, audit: AuditLog) -> None:
    """Have ``audit._after_commit()`` run whenever the store's outermost transaction commits.

    ``store.transaction()`` nests (inner blocks join the outermost one), and an entry appended
    with a caller's cursor is only durable once that caller's transaction commits, which the
    log cannot see. So the store object's ``transaction`` is wrapped, once per store: after the
    outermost block commits, every log registered on the store writes its pending checkpoint;
    after a rollback, it forgets it. Logs are held weakly.
    """
    hooks: weakref.WeakSet[AuditLog] | None = store.__dict__.get(_COMMIT_HOOKS)
    if hooks is None:
        hooks = weakref.WeakSet()
        registered = hooks
        original: Callable[[], contextlib.AbstractContextManager[DbCursor]] = store.transaction

        @contextlib.contextmanager
        def transaction() -> Iterator[DbCursor]:
            if _in_transaction(store):
                with original() as cursor:
                    yield cursor
                return
            try:
                with original() as cursor:
                    yield cursor
            except BaseException:
                for log in list(registered):
                    log._after_rollback()
                raise
            for log in list(registered):
                log._after_commit()

        transaction.__doc__ = original.__doc__
        store.__dict__[_COMMIT_HOOKS] = hooks
        store.transaction = transaction  # type: ignore[method-assign]
    hooks.add(audit)


def read_entries(store: DocketStore, since_seq: int = 0) -> Iterator[AuditEntry]:
    """Entries with ``seq > since_seq``, in order, streamed; reading needs no key."""
    rows = store.stream(_COLUMNS, "audit_log", "seq > ?", (since_seq,), "seq")
    return (_entry(row) for row in rows)


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
    """A row as an entry; ``AuditIntegrityError`` if its sequence number is not a number.

    Other damage (details that are not JSON, NULLs) is kept visible in the entry, so the
    chain check names it rather than a traceback.
    """
    seq = _as_seq(row[0])
    if seq is None:
        raise AuditIntegrityError(
            f"an audit entry has the sequence number {row[0]!r}, which is not a number "
            "(altered): run `patent-sync audit verify`"
        )
    return _parse_row(seq, row)[0]


def _parse_row(seq: int, row: tuple[Any, ...]) -> tuple[AuditEntry, str]:
    """The entry a row holds, and what is malformed about it ("" if nothing)."""
    problems: list[str] = []
    texts: dict[str, str] = {}
    for index, name in ((1, "recorded_at"), (2, "actor"), (3, "action"), (4, "subject")):
        texts[name] = _text(row[index], name, problems)
    for index, name in ((6, "prev_hash"), (7, "entry_hash"), (8, "signature")):
        texts[name] = _text(row[index], name, problems)
    raw_details = row[5]
    details: Any
    try:
        if not isinstance(raw_details, str):
            raise TypeError
        details = json.loads(raw_details)
        if not isinstance(details, dict):
            raise TypeError
    except (TypeError, ValueError):
        # Keep the stored value so the message and ``audit show`` can display it.
        details = {"<unreadable details>": raw_details}
        problems.append("its details are not a JSON object (altered after it was written)")
    entry = AuditEntry(
        seq=seq,
        recorded_at=texts["recorded_at"],
        actor=texts["actor"],
        action=texts["action"],
        subject=texts["subject"],
        details=details,
        prev_hash=texts["prev_hash"],
        entry_hash=texts["entry_hash"],
        signature=texts["signature"],
    )
    return entry, "; ".join(problems)


def _text(value: Any, name: str, problems: list[str]) -> str:
    if isinstance(value, str):
        return value
    problems.append(f"its {name} is {'NULL' if value is None else repr(value)}, not text")
    return "" if value is None else str(value)


def _as_seq(value: Any) -> int | None:
    """A stored sequence number as an int; None if it is not one (SQLite stores anything)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _span(first: int, last: int) -> str:
    return f"entry #{first} is" if first == last else f"entries #{first}..#{last} are"


def _default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
