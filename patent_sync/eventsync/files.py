"""Putting a fetched response in place: archived raw first, then atomically in the events directory.

A response is fetched into ``<events dir>/.incoming/`` (hidden, so the docket never reads a file
still arriving; same file system, so the final rename is atomic), kept in the raw archive under
its SHA-256, and only then renamed over its event file. A response identical to the file already
there is archived (the sighting is recorded) but the event file is not touched, so a re-sync of
an unchanged history writes nothing the docket would read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from patent_sync.archive.raw_archive import RawArchive

INCOMING_DIR = ".incoming"
_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True, slots=True)
class InstalledFile:
    """An event file after ``install_event_file``: where, its digest, and whether it changed."""

    path: Path
    sha256: str  # of the event file in place now
    archived_sha256: str  # of the response just fetched (equal unless only volatile parts differ)
    changed: bool  # False when the same content was there already


#: What of a response must be equal for two responses to say the same thing (e.g. the JSON
#: without a per-request identifier); None compares the bytes.
ContentKey = Callable[[bytes], object]


def incoming_path(events_dir: Path, name: str) -> Path:
    """Where to fetch the response that will become ``events_dir / name``."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"{name!r} is not a plain event file name")
    directory = Path(events_dir) / INCOMING_DIR
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


def install_event_file(
    archive: RawArchive,
    fetched: Path,
    events_dir: Path,
    name: str,
    *,
    source: str,
    origin: str,
    content_key: ContentKey | None = None,
) -> InstalledFile:
    """Archive ``fetched`` and move it to ``events_dir / name`` unless that says the same.

    "The same" is the same bytes, or the same ``content_key`` when one is given (an office that
    stamps every response with a request id sends different bytes for the same history).
    ``fetched`` is gone afterwards either way.
    """
    payload = archive.put_file(fetched, source=source, origin=origin)
    target = Path(events_dir) / name
    if target.is_file():
        current = file_sha256(target)
        same = current == payload.sha256 or (
            content_key is not None
            and _key_of(content_key, target) == _key_of(content_key, fetched)
        )
        if same:
            fetched.unlink(missing_ok=True)
            return InstalledFile(target, current, payload.sha256, changed=False)
    with fetched.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(fetched, target)
    _fsync_directory(target.parent)
    return InstalledFile(target, payload.sha256, payload.sha256, changed=True)


def _key_of(content_key: ContentKey, path: Path) -> object:
    try:
        return content_key(path.read_bytes())
    except ValueError:
        return object()  # unreadable: never equal to anything, so the new file goes in


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform: the rename is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
