"""EPO Open Patent Services (OPS 3.2): published data, EP Register and INPADOC legal events."""

from __future__ import annotations

import dagster as dg

from patent_sync.acquisition.epo_ops import (
    DEFAULT_BASE_URL,
    ENV_CONSUMER_KEY,
    ENV_CONSUMER_SECRET,
    OpsClient,
)


class EpoOpsResource(dg.ConfigurableResource):
    """The firm's OPS account: the consumer key and secret from ``EPO_OPS_CONSUMER_KEY`` and
    ``EPO_OPS_CONSUMER_SECRET`` (register an application at developers.epo.org). Only needed
    when OPS sources are fetched from the office; the demo reads recorded local files."""

    consumer_key: str | None = None
    consumer_secret: str | None = None
    base_url: str = DEFAULT_BASE_URL

    @property
    def configured(self) -> bool:
        return bool(self.consumer_key and self.consumer_secret)

    def client(self) -> OpsClient:
        """A new OPS client (a context manager); fails the run clearly without credentials."""
        if not self.consumer_key or not self.consumer_secret:
            raise dg.Failure(
                f"{ENV_CONSUMER_KEY} / {ENV_CONSUMER_SECRET} are not set: EPO Open Patent "
                "Services needs the consumer key and secret of an application registered at "
                "developers.epo.org"
            )
        return OpsClient(
            base_url=self.base_url,
            consumer_key=self.consumer_key,
            consumer_secret=self.consumer_secret,
        )
