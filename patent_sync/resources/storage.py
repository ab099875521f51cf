"""Local storage: the content-addressed raw archive and the Parquet lake."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from patent_sync.archive.raw_archive import RawArchive
from patent_sync.pipeline.lake import Lake
from patent_sync.pipeline.layout import HomeLayout
from patent_sync.store.base import DocketStore


class LocalStorageResource(dg.ConfigurableResource):
    """Where raw payloads, lake layers and temporary downloads live (``PATENT_SYNC_HOME``)."""

    home: str

    @property
    def layout(self) -> HomeLayout:
        return HomeLayout(Path(self.home))

    def lake(self) -> Lake:
        return self.layout.lake()

    def archive(self, store: DocketStore) -> RawArchive:
        return self.layout.archive(store)

    def raw_path(self, sha256: str) -> Path:
        """The archived payload with this hash (reading it needs no database)."""
        return self.layout.raw_path(sha256)

    def work_dir(self) -> Path:
        return self.layout.download_dir
