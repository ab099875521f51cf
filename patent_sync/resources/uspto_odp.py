"""The USPTO Open Data Portal's patent file wrapper API (one application at a time, and search)."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from patent_sync.acquisition.uspto_bulk import DEFAULT_BASE_URL
from patent_sync.acquisition.uspto_odp import (
    MIN_BACKOFF_AFTER_429,
    UsptoOdpClient,
    default_odp_api_http,
)


class UsptoOdpResource(dg.ConfigurableResource):
    """Reads watched US applications' status and transactions with the ``X-API-KEY`` from
    ``USPTO_ODP_API_KEY``.

    The ODP sends no rate-limit headers and allows one request at a time per key: the client
    sends one request at a time at ``requests_per_second`` and waits at least
    ``backoff_after_429`` seconds after a 429; the assets using it share the Dagster pool
    ``uspto_odp_api`` (limit 1 in dagster.yaml), so parallel runs never use the key at once.
    """

    api_key: str | None = None
    base_url: str = DEFAULT_BASE_URL
    requests_per_second: float = Field(default=1.0, gt=0)
    backoff_after_429: float = Field(
        default=MIN_BACKOFF_AFTER_429,
        ge=0,
        description="Seconds to wait after a 429 at least (the USPTO asks for 5; tests lower it)",
    )

    def client(self) -> UsptoOdpClient:
        """A client for this key; a run without ``USPTO_ODP_API_KEY`` fails saying so."""
        if not self.api_key or not self.api_key.strip():
            raise dg.Failure(
                "USPTO_ODP_API_KEY is not set: the Open Data Portal needs an API key "
                "(get one under 'My ODP' at data.uspto.gov)"
            )
        http = default_odp_api_http(
            backoff_after_429=self.backoff_after_429,
            requests_per_second=self.requests_per_second,
        )
        return UsptoOdpClient(api_key=self.api_key, base_url=self.base_url, http=http)
