"""Where every feed's deliveries come from: a local directory, or each office's service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import dagster as dg

from patent_sync.feeds.spec import FeedSpec
from patent_sync.pipeline.sources import FeedSource, LocalSource
from patent_sync.resources.epo import EpoBulkDataResource
from patent_sync.resources.uspto import UsptoBulkDataResource


class FeedSourcesResource(dg.ConfigurableResource):
    """``mode="local"`` reads every feed's delivery files from ``local_dir`` and its
    subdirectories (the embedded default: ``data/``, no network). ``mode="remote"`` fetches
    each feed from the service its spec names (``FeedSpec.remote.service``)."""

    mode: Literal["local", "remote"] = "local"
    local_dir: str = "data"
    uspto: UsptoBulkDataResource
    epo: EpoBulkDataResource

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
        }
        factory = remote.get(feed.remote.service)
        if factory is None:
            raise dg.Failure(
                f"{feed.name}: no client for {feed.remote.service} is configured; "
                "set PATENT_SYNC_FEED_SOURCE=local to read delivery files from a directory"
            )
        return factory()
