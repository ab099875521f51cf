"""The resources every asset uses, configured from the environment (see README)."""

from __future__ import annotations

import dagster as dg

from patent_sync.resources import (
    DocketStoreResource,
    EventFilesResource,
    LocalStorageResource,
    UsptoBulkDataResource,
)
from patent_sync.settings import ENV_AUDIT_KEY, ENV_USPTO_API_KEY, Settings


@dg.definitions
def resources() -> dg.Definitions:
    settings = Settings.from_env()
    # The ODP key is only required when the ODP is the source; the embedded default reads a
    # local directory and must start without it.
    api_key = dg.EnvVar(ENV_USPTO_API_KEY) if settings.feed_source == "odp" else None
    return dg.Definitions(
        resources={
            "uspto": UsptoBulkDataResource(
                source="odp" if settings.feed_source == "odp" else "local",
                local_dir=str(settings.feed_dir),
                api_key=api_key,
            ),
            "docket_store": DocketStoreResource(
                url=settings.store_url, audit_key=dg.EnvVar(ENV_AUDIT_KEY)
            ),
            "storage": LocalStorageResource(home=str(settings.home)),
            "event_files": EventFilesResource(directory=str(settings.events_dir)),
        }
    )
