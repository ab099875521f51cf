"""Where a delivery's files come from: a local directory (the embedded default) or the office.

A source returns every file of one feed's delivery for one publication date; the pipeline
archives them. Which remote client serves a feed is the feed's ``remote.service``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from patent_sync.acquisition.epo_bdds import EpoBddsClient
from patent_sync.acquisition.epo_ops import OpsClient
from patent_sync.acquisition.epo_ops.weekly import fetch_publication_day
from patent_sync.acquisition.errors import FeedNotPublished
from patent_sync.acquisition.uspto_bulk import UsptoBulkClient
from patent_sync.feeds.spec import FeedSpec

logger = logging.getLogger("patent_sync.acquisition")


@dataclasses.dataclass(frozen=True)
class FetchedFile:
    path: Path
    origin: str  # a URL or a local path: what the manifest records as the file's origin
    is_temporary: bool  # a download the caller may delete once it is archived
    # Known when the bytes were hashed as they were downloaded: the archive then moves the
    # file in instead of reading it again.
    sha256: str | None = None
    size: int | None = None
    # What the service reported about the fetch (e.g. OPS quota used), shown on the raw asset.
    metadata: Mapping[str, int | float | str] = dataclasses.field(default_factory=dict)


class FeedSource(Protocol):
    def fetch(self, feed: FeedSpec, publication_date: dt.date, work_dir: Path) -> list[FetchedFile]:
        """Every file of the delivery, in order; ``FeedNotPublished`` when there is none."""
        ...


class LocalSource:
    """Delivery files already on disk: ``root`` and its immediate subdirectories (``data/`` in
    the demo: ``data/uspto``, ``data/epo_docdb``), under their published names, any case."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def fetch(self, feed: FeedSpec, publication_date: dt.date, work_dir: Path) -> list[FetchedFile]:
        if not self.root.is_dir():
            raise FeedNotPublished(
                f"{feed.name}: no {feed.files.expected(publication_date)} for "
                f"{publication_date.isoformat()}: the feed directory {self.root} does not exist",
                feed=feed.name,
                publication_date=publication_date,
                looked_at=[self.root],
            )
        candidates = [
            path
            for path in self._files()
            if feed.files.publication_date_of(path.name) == publication_date
        ]
        picked = feed.files.pick(candidates)
        if not picked:
            raise FeedNotPublished(
                f"{feed.name}: no delivery for {publication_date.isoformat()}"
                f"{feed.weekday_note(publication_date)}: looked for "
                f"{feed.files.expected(publication_date)} in {self.root} and its subdirectories",
                feed=feed.name,
                publication_date=publication_date,
                looked_at=[self.root],
            )
        return [FetchedFile(path=path, origin=str(path), is_temporary=False) for path in picked]

    def available_dates(self, feed: FeedSpec) -> list[dt.date]:
        """Publication dates of this feed's deliveries in the directory, oldest first."""
        dates = {feed.files.publication_date_of(path.name) for path in self._files()}
        return sorted(d for d in dates if d is not None)

    def _files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        found: list[Path] = []
        for path in sorted(self.root.iterdir()):
            if path.is_file():
                found.append(path)
            elif path.is_dir() and not path.name.startswith("."):
                found.extend(child for child in sorted(path.iterdir()) if child.is_file())
        return found


class OdpSource:
    """The USPTO Open Data Portal bulk-datasets API (PTGRXML, APPXML)."""

    def __init__(self, client: UsptoBulkClient) -> None:
        self.client = client

    def fetch(self, feed: FeedSpec, publication_date: dt.date, work_dir: Path) -> list[FetchedFile]:
        bulk_file = self.client.find_weekly_file(feed.remote.product, publication_date)
        work_dir.mkdir(parents=True, exist_ok=True)
        result = self.client.download(bulk_file, work_dir)
        # The requested ODP file URL is stable; the final one carries a short-lived signature.
        return [
            FetchedFile(
                path=result.path,
                origin=result.requested_url,
                is_temporary=True,
                sha256=result.sha256,
                size=result.size,
            )
        ]


class BddsSource:
    """The EPO Bulk Data Distribution Service (the DOCDB front-file deliveries)."""

    def __init__(self, client: EpoBddsClient) -> None:
        self.client = client

    def fetch(self, feed: FeedSpec, publication_date: dt.date, work_dir: Path) -> list[FetchedFile]:
        kind = feed.remote.delivery_kind
        if kind is None:
            raise ValueError(f"{feed.name} names no BDDS delivery kind")
        delivery = self.client.find_delivery(kind, publication_date)
        work_dir.mkdir(parents=True, exist_ok=True)
        # Checksum-verified, all files or none.
        return [
            FetchedFile(
                path=download.path,
                origin=download.url,
                is_temporary=True,
                sha256=download.sha256,
                size=download.size,
            )
            for download in self.client.download_delivery(delivery, work_dir)
        ]


class OpsSource:
    """EPO Open Patent Services: one office's publications of the day (published-data search
    and biblio), written as one delivery file in the OPS envelope."""

    def __init__(self, client_factory: Callable[[], OpsClient]) -> None:
        self.client_factory = client_factory

    def fetch(self, feed: FeedSpec, publication_date: dt.date, work_dir: Path) -> list[FetchedFile]:
        dest = Path(work_dir) / feed.files.expected(publication_date)
        with self.client_factory() as client:
            week = fetch_publication_day(
                client, office=feed.office, publication_date=publication_date, dest=dest
            )
            metadata = {**week.metadata(), **client.quota.as_metadata()}
            origin = f"{client.base_url}/rest-services/published-data/search?q={week.query}"
        return [FetchedFile(path=week.path, origin=origin, is_temporary=True, metadata=metadata)]
