"""Where a weekly file comes from: a local directory (the embedded default) or the USPTO ODP."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Protocol

from patent_sync.acquisition.feeds import UsFeed
from patent_sync.acquisition.local_source import LocalFeedDirectory
from patent_sync.acquisition.uspto_bulk import UsptoBulkClient


@dataclasses.dataclass(frozen=True)
class FetchedFile:
    path: Path
    origin: str  # a URL or a local path: what the manifest records as the file's origin
    is_temporary: bool  # a download the caller may delete once it is archived
    # Known when the bytes were hashed as they were downloaded: the archive then moves the
    # file in instead of reading it again.
    sha256: str | None = None
    size: int | None = None


class FeedSource(Protocol):
    def fetch(self, feed: UsFeed, publication_date: dt.date, work_dir: Path) -> FetchedFile: ...


class LocalSource:
    """Weekly files already on disk (``data/uspto`` in the demo, a mirror in production)."""

    def __init__(self, root: Path) -> None:
        self.directory = LocalFeedDirectory(root)

    def fetch(self, feed: UsFeed, publication_date: dt.date, work_dir: Path) -> FetchedFile:
        path = self.directory.find_weekly_file(feed, publication_date)
        return FetchedFile(path=path, origin=str(path), is_temporary=False)


class OdpSource:
    """The USPTO Open Data Portal bulk-datasets API (PTGRXML, APPXML)."""

    def __init__(self, client: UsptoBulkClient) -> None:
        self.client = client

    def fetch(self, feed: UsFeed, publication_date: dt.date, work_dir: Path) -> FetchedFile:
        bulk_file = self.client.find_weekly_file(feed.product, publication_date)
        work_dir.mkdir(parents=True, exist_ok=True)
        result = self.client.download(bulk_file, work_dir)
        # The requested ODP file URL is stable; the final one carries a short-lived signature.
        return FetchedFile(
            path=result.path,
            origin=result.requested_url,
            is_temporary=True,
            sha256=result.sha256,
            size=result.size,
        )
