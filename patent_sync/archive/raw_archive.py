"""The raw archive: every payload kept once, under its SHA-256 (DESIGN.md, "Raw archive").

Layout is content-addressed, ``root/ab/cd/<sha256>``, so identical bytes land on the same
path and are stored once however often or from wherever they are fetched. A file is streamed
through the hash into a temporary file beside the archive and renamed into place atomically,
so a reader never sees a half-written object and a crash leaves at most a stray temp file.
Each sighting is recorded in the docket store's raw manifest (hash, size, source, origin,
fetched-at).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from patent_sync.store.base import DocketStore

_CHUNK_BYTES = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TEMP_DIR = "tmp"


class ArchiveError(Exception):
    """Base class for raw-archive failures."""


class NotInArchiveError(ArchiveError, FileNotFoundError):
    """No object with this hash in the archive."""


@dataclasses.dataclass(frozen=True, slots=True)
class ArchivedPayload:
    """Where a payload is kept and whether this put stored it for the first time."""

    sha256: str
    size: int
    path: Path
    is_new: bool  # True when the docket store had never recorded these bytes


def object_path(root: Path, sha256: str) -> Path:
    """Where the object with this hash lives under an archive ``root``: a pure function of the
    hash, so readers need neither the store nor a ``RawArchive``."""
    if not _SHA256.match(sha256):
        raise ArchiveError(f"not a SHA-256 hex digest: {sha256!r}")
    return Path(root) / sha256[:2] / sha256[2:4] / sha256


class RawArchive:
    """Content-addressed storage of raw payloads, with their manifest in the docket store."""

    def __init__(self, root: Path, store: DocketStore) -> None:
        self.root = Path(root)
        self.store = store

    def put_file(
        self,
        path: Path,
        *,
        source: str,
        origin: str,
        fetched_at: dt.datetime | None = None,
    ) -> ArchivedPayload:
        """Archive the file at ``path`` (streamed, never read whole) and record the sighting.

        ``source`` names the feed or client (``"uspto.ptgrxml"``), ``origin`` where the bytes
        came from (a URL or a file name); ``fetched_at`` defaults to now.
        """
        # Hash first: a payload already kept (a re-run, an unchanged re-delivery) costs one
        # read, not a copy and an fsync of the whole file.
        sha256, size = _hash_file(path)
        target = self.path_for(sha256)
        if not _is_intact_copy(target, size):
            target = self._copy_in(path, sha256, size)
        return self._record(sha256, size, target, source, origin, fetched_at)

    def take_file(
        self,
        path: Path,
        *,
        sha256: str,
        size: int,
        source: str,
        origin: str,
        fetched_at: dt.datetime | None = None,
    ) -> ArchivedPayload:
        """Archive a temporary file whose SHA-256 and size were computed as it was written
        (a download): it is moved in, not read and copied again, and is gone afterwards.

        Falls back to ``put_file`` when ``path`` is on another file system.
        """
        try:
            target = self._install(Path(path), sha256, size)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            payload = self.put_file(path, source=source, origin=origin, fetched_at=fetched_at)
            Path(path).unlink(missing_ok=True)
            return payload
        return self._record(sha256, size, target, source, origin, fetched_at)

    def _copy_in(self, path: Path, expected_sha256: str, size: int) -> Path:
        temp_dir = self.root / _TEMP_DIR
        temp_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, temp_name = tempfile.mkstemp(dir=temp_dir, prefix="incoming-")
        temp_path = Path(temp_name)
        try:
            with open(path, "rb") as source_file, os.fdopen(fd, "wb") as out:
                while chunk := source_file.read(_CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != expected_sha256:
                raise ArchiveError(f"{path} changed while it was being archived; archive it again")
            return self._install(temp_path, expected_sha256, size)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise

    def _install(self, temp_path: Path, sha256: str, size: int) -> Path:
        """Move a complete, fsynced file into place under its hash (once per content)."""
        target = self.path_for(sha256)
        if _is_intact_copy(target, size):
            temp_path.unlink()  # identical bytes already kept: store them once
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp_path, stat.S_IRUSR | stat.S_IRGRP)  # archived objects are read-only
        os.replace(temp_path, target)
        _fsync_directory(target.parent)
        return target

    def _record(
        self,
        sha256: str,
        size: int,
        target: Path,
        source: str,
        origin: str,
        fetched_at: dt.datetime | None,
    ) -> ArchivedPayload:
        is_new = self.store.record_raw_payload(
            sha256, size, source, origin, fetched_at or dt.datetime.now(dt.UTC)
        )
        return ArchivedPayload(sha256=sha256, size=size, path=target, is_new=is_new)

    def path_for(self, sha256: str) -> Path:
        """Where the object with this hash lives (whether or not it is there)."""
        return object_path(self.root, sha256)

    def contains(self, sha256: str) -> bool:
        """True if an object with this hash is in the archive."""
        return self.path_for(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open an archived payload for reading (binary)."""
        path = self.path_for(sha256)
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise NotInArchiveError(
                f"payload {sha256} is not in the raw archive {self.root}"
            ) from None

    def verify(self, sha256: str) -> bool:
        """Rehash the stored object: True if its bytes still hash to ``sha256``."""
        digest = hashlib.sha256()
        with self.open(sha256) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                digest.update(chunk)
        return digest.hexdigest() == sha256


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _is_intact_copy(target: Path, size: int) -> bool:
    """An existing object of the right size is kept; a truncated one is replaced."""
    try:
        return target.stat().st_size == size
    except FileNotFoundError:
        return False


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
