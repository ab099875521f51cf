"""The USPTO Open Data Portal's bulk datasets (weekly PTGRXML and APPXML files)."""

from __future__ import annotations

import dagster as dg

from patent_sync.acquisition.uspto_bulk import DEFAULT_BASE_URL, UsptoBulkClient
from patent_sync.pipeline.sources import OdpSource


class UsptoBulkDataResource(dg.ConfigurableResource):
    """Downloads the weekly full-text files with the ``X-API-KEY`` from ``USPTO_ODP_API_KEY``.

    Only needed when the feeds are fetched from the office (``PATENT_SYNC_FEED_SOURCE=remote``);
    the embedded default reads a local directory and starts without a key.
    """

    api_key: str | None = None
    base_url: str = DEFAULT_BASE_URL

    def source(self) -> OdpSource:
        if not self.api_key:
            raise dg.Failure(
                "USPTO_ODP_API_KEY is not set: the Open Data Portal needs an API key "
                "(get one under 'My ODP' at data.uspto.gov)"
            )
        return OdpSource(UsptoBulkClient(api_key=self.api_key, base_url=self.base_url))
