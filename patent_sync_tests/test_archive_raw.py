"""The content-addressed raw archive."""

from __future__ import annotations

import hashlib
import os
import stat
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from patent_sync.archive.raw_archive import ArchiveError, NotInArchiveError, RawArchive
from patent_sync.store import DocketStore, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DocketStore]:
    with open_store(f"sqlite:///{tmp_path / 'docket.sqlite'}") as opened:
        opened.migrate()
        yield opened


@pytest.fixture
def archive(tmp_path: Path, store: DocketStore) -> RawArchive:
    return RawArchive(tmp_path / "archive", store)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def archived_objects(archive: RawArchive) -> list[Path]:
    return sorted(p for p in archive.root.rglob("*") if p.is_file() and p.parent.name != "tmp")


def test_identical_bytes_are_stored_once(tmp_path: Path, archive: RawArchive) -> None:
    data = b"<?xml version='1.0'?><us-patent-grant/>\n" * 100
    first = archive.put_file(write(tmp_path / "a.xml", data), source="uspto", origin="a.xml")
    second = archive.put_file(write(tmp_path / "b.xml", data), source="uspto", origin="mirror")

    sha = hashlib.sha256(data).hexdigest()
    assert (first.sha256, first.size, first.is_new) == (sha, len(data), True)
    assert (second.sha256, second.is_new) == (sha, False)
    assert first.path == second.path == archive.root / sha[:2] / sha[2:4] / sha
    assert archived_objects(archive) == [first.path]
    assert list((archive.root / "tmp").iterdir()) == []  # no temp file left behind
    assert [s.origin for s in archive.store.raw_sightings(sha)] == ["a.xml", "mirror"]
    with archive.open(sha) as stream:
        assert stream.read() == data


def test_different_bytes_get_different_objects(tmp_path: Path, archive: RawArchive) -> None:
    one = archive.put_file(write(tmp_path / "1", b"one"), source="s", origin="1")
    two = archive.put_file(write(tmp_path / "2", b"two"), source="s", origin="2")
    assert one.sha256 != two.sha256
    assert archived_objects(archive) == sorted([one.path, two.path])
    assert archive.contains(one.sha256) and archive.contains(two.sha256)


def test_archived_objects_are_read_only(tmp_path: Path, archive: RawArchive) -> None:
    stored = archive.put_file(write(tmp_path / "f", b"payload"), source="s", origin="f")
    assert stat.S_IMODE(stored.path.stat().st_mode) & 0o222 == 0


def test_large_files_are_hashed_while_streaming(tmp_path: Path, archive: RawArchive) -> None:
    source = tmp_path / "big.bin"
    block = os.urandom(1024 * 1024)
    expected = hashlib.sha256()
    with open(source, "wb") as out:
        for index in range(48):  # 48 MiB, written without holding it in memory either
            chunk = block[index:] + block[:index]
            out.write(chunk)
            expected.update(chunk)

    tracemalloc.start()
    try:
        stored = archive.put_file(source, source="uspto", origin="big.bin")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.sha256 == expected.hexdigest()
    assert stored.size == 48 * 1024 * 1024
    assert peak < 8 * 1024 * 1024  # a few chunks, never the whole file
    assert archive.verify(stored.sha256)


def test_verify_detects_a_corrupted_object(tmp_path: Path, archive: RawArchive) -> None:
    stored = archive.put_file(write(tmp_path / "f", b"original bytes"), source="s", origin="f")
    assert archive.verify(stored.sha256)
    stored.path.chmod(0o600)
    stored.path.write_bytes(b"original bytez")
    assert not archive.verify(stored.sha256)


def test_a_truncated_object_is_repaired_by_the_next_put(
    tmp_path: Path, archive: RawArchive
) -> None:
    data = b"complete payload"
    stored = archive.put_file(write(tmp_path / "f", data), source="s", origin="f")
    stored.path.chmod(0o600)
    stored.path.write_bytes(data[:4])  # e.g. a disk filled up during an old copy
    again = archive.put_file(write(tmp_path / "g", data), source="s", origin="g")
    assert again.is_new is False
    assert archive.verify(stored.sha256)


def test_missing_and_malformed_hashes(archive: RawArchive) -> None:
    with pytest.raises(NotInArchiveError, match="not in the raw archive"):
        archive.open("0" * 64)
    with pytest.raises(FileNotFoundError):  # NotInArchiveError is one
        archive.verify("1" * 64)
    with pytest.raises(ArchiveError, match="not a SHA-256"):
        archive.path_for("../../etc/passwd")


def test_a_failed_copy_leaves_nothing_behind(tmp_path: Path, archive: RawArchive) -> None:
    with pytest.raises(FileNotFoundError):
        archive.put_file(tmp_path / "does-not-exist", source="s", origin="x")
    assert archived_objects(archive) == []
    temp = archive.root / "tmp"
    assert not temp.exists() or list(temp.iterdir()) == []


def test_a_download_with_a_known_hash_is_moved_in_once(archive: RawArchive, tmp_path: Path) -> None:
    data = b"weekly zip bytes " * 1000
    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / "downloads").mkdir()
    first = write(tmp_path / "downloads" / "ipg261117.zip", data)
    taken = archive.take_file(first, sha256=sha, size=len(data), source="s", origin="https://x/a")
    assert taken.is_new and taken.sha256 == sha
    assert not first.exists()  # moved, not copied
    assert archive.path_for(sha).read_bytes() == data
    assert archive.verify(sha)
    # The same bytes downloaded again: the temporary file goes, the archive keeps one copy.
    again = write(tmp_path / "downloads" / "ipg261117.zip", data)
    second = archive.take_file(again, sha256=sha, size=len(data), source="s", origin="https://x/b")
    assert not second.is_new and not again.exists()
    assert sorted(p.name for p in archive.root.rglob(sha)) == [sha]
