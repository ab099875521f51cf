"""Where every feed's deliveries come from: a local directory, or each office's service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import dagster as dg
from pydantic import Field

from patent_sync.feeds.spec import FeedSpec
from patent_sync.pipeline.ops_publications import AsyncOpsSource
from patent_sync.pipeline.polled_source import PolledSource, parse_publication_days
from patent_sync.pipeline.sources import FeedSource, LocalSource, OpsSource
from patent_sync.resources.epo import EpoBulkDataResource
from patent_sync.resources.epo_ops import EpoOpsResource
from patent_sync.resources.uspto import UsptoBulkDataResource


class FeedSourcesResource(dg.ConfigurableResource):
    """``mode="local"`` reads every feed's delivery files from ``local_dir`` and its
    subdirectories (the embedded default: ``data/``, no network). ``mode="remote"`` fetches
    each feed from the service its spec names (``FeedSpec.remote.service``)."""

    mode: Literal["local", "remote"] = "local"
    local_dir: str = "data"
    uspto: UsptoBulkDataResource
    epo: EpoBulkDataResource
    # EPO Open Patent Services (the EP publications feed); None: not configured.
    ops: EpoOpsResource | None = None
    # Weeks an office publishes on another day than its weekday, as it announced them:
    # {"wo_publications": {"2025-12-25": "2025-12-23"}} (feed → partition date → day).
    publication_days: dict[str, dict[str, str]] = Field(default_factory=dict)

    @classmethod
    def local(cls, directory: str) -> FeedSourcesResource:
        """Every feed read from ``directory``, no office configured (the embedded default)."""
        return cls(
            mode="local",
            local_dir=directory,
            uspto=UsptoBulkDataResource(),
            epo=EpoBulkDataResource(),
        )

    def source_for(self, feed: FeedSpec) -> FeedSource:
        if self.mode == "local":
            return LocalSource(Path(self.local_dir))
        remote: dict[str, Callable[[], FeedSource]] = {
            "uspto-odp": self.uspto.source,
            "epo-bdds": self.epo.source,
            "epo-ops": self._ops_source,
        }
        if feed.remote.availability is not None:
            # Polled for a late batch: the sources that can wait on an event loop.
            remote = {"epo-ops": self._async_ops_source}
        factory = remote.get(feed.remote.service)
        if factory is None:
            raise dg.Failure(
                f"{feed.name}: no client for {feed.remote.service} is configured; "
                "set PATENT_SYNC_FEED_SOURCE=local to read delivery files from a directory"
            )
        source = factory()
        if feed.remote.availability is None:
            return source
        try:
            days = parse_publication_days(self.publication_days.get(feed.name, {}))
        except ValueError as exc:
            raise dg.Failure(f"{feed.name}: {exc}") from None
        return PolledSource(source, feed.remote.availability, publication_days=days)

    def _ops_source(self) -> FeedSource:
        ops = self.ops if self.ops is not None else EpoOpsResource()
        if not ops.configured:
            ops.client()  # raises the Failure that names the missing variables
        return OpsSource(ops.client)

    def _async_ops_source(self) -> FeedSource:
        ops = self.ops if self.ops is not None else EpoOpsResource()
        if not ops.configured:
            ops.client()  # raises the Failure that names the missing variables
        return AsyncOpsSource(ops.client)
