"""The EPO's Bulk Data Distribution Service (the weekly DOCDB front-file deliveries)."""

from __future__ import annotations

import dagster as dg

from patent_sync.acquisition.epo_bdds import (
    DEFAULT_BASE_URL,
    DEFAULT_TOKEN_URL,
    ENV_PASSWORD,
    ENV_USERNAME,
    EpoBddsClient,
)
from patent_sync.pipeline.sources import BddsSource


class EpoBulkDataResource(dg.ConfigurableResource):
    """Downloads the DOCDB deliveries with the EPO login from ``EPO_BDDS_USERNAME`` and
    ``EPO_BDDS_PASSWORD``. Only needed when the feeds are fetched from the office."""

    username: str | None = None
    password: str | None = None
    base_url: str = DEFAULT_BASE_URL
    token_url: str = DEFAULT_TOKEN_URL

    def source(self) -> BddsSource:
        if not self.username or not self.password:
            raise dg.Failure(
                f"{ENV_USERNAME} / {ENV_PASSWORD} are not set: the EPO Bulk Data Distribution "
                "Service needs the login of an EPO account subscribed to DOCDB"
            )
        client = EpoBddsClient(
            self.username, self.password, base_url=self.base_url, token_url=self.token_url
        )
        return BddsSource(client)
