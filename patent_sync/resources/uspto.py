"""The USPTO bulk data: the Open Data Portal API, or a local directory of weekly files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import dagster as dg

from patent_sync.acquisition.uspto_bulk import UsptoBulkClient
from patent_sync.pipeline.sources import FeedSource, LocalSource, OdpSource


class UsptoBulkDataResource(dg.ConfigurableResource):
    """Fetches the weekly PTGRXML / APPXML files.

    ``source="local"`` reads ``ipgYYMMDD.zip`` / ``ipaYYMMDD.zip`` from ``local_dir`` (the
    embedded default, no network). ``source="odp"`` downloads them from the USPTO Open Data
    Portal with the ``X-API-KEY`` taken from ``USPTO_ODP_API_KEY``.
    """

    source: Literal["local", "odp"] = "local"
    local_dir: str = "data/uspto"
    api_key: str | None = None
    base_url: str = "https://api.uspto.gov"

    def feed_source(self) -> FeedSource:
        if self.source == "local":
            return LocalSource(Path(self.local_dir))
        if not self.api_key:
            raise dg.Failure(
                "USPTO_ODP_API_KEY is not set: the Open Data Portal needs an API key "
                "(get one under 'My ODP' at data.uspto.gov)"
            )
        return OdpSource(UsptoBulkClient(api_key=self.api_key, base_url=self.base_url))
