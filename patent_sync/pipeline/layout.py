"""How a patent_sync home directory is laid out: the one definition the Dagster storage
resource and plain runs (CLI, tests, benchmark) share."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from patent_sync.archive.raw_archive import RawArchive, object_path
from patent_sync.pipeline.lake import Lake
from patent_sync.store.base import DocketStore


@dataclasses.dataclass(frozen=True)
class HomeLayout:
    """``home/archive`` (raw payloads by SHA-256), ``home/lake`` (Parquet layers) and
    ``home/downloads`` (fetches not yet archived)."""

    home: Path

    @property
    def archive_root(self) -> Path:
        return self.home / "archive"

    @property
    def download_dir(self) -> Path:
        return self.home / "downloads"

    def lake(self) -> Lake:
        return Lake(self.home / "lake")

    def archive(self, store: DocketStore) -> RawArchive:
        return RawArchive(self.archive_root, store)

    def raw_path(self, sha256: str) -> Path:
        """The archived payload with this hash (reading it needs no database)."""
        return object_path(self.archive_root, sha256)
