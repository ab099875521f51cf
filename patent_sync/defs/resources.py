"""The resources every asset uses, configured from the environment (see README)."""

from __future__ import annotations

import dagster as dg

from patent_sync.acquisition.epo_bdds import ENV_PASSWORD, ENV_USERNAME
from patent_sync.resources import (
    DocketStoreResource,
    EpoBulkDataResource,
    EventFilesResource,
    FeedSourcesResource,
    LocalStorageResource,
    UsptoBulkDataResource,
)
from patent_sync.settings import ENV_AUDIT_KEY, ENV_USPTO_API_KEY, Settings


@dg.definitions
def resources() -> dg.Definitions:
    settings = Settings.from_env()
    remote = settings.feed_source == "remote"
    # Office credentials are only required when the offices are the source; the embedded
    # default reads a local directory and must start without them.
    return dg.Definitions(
        resources={
            "feed_sources": FeedSourcesResource(
                mode="remote" if remote else "local",
                local_dir=str(settings.feed_dir),
                uspto=UsptoBulkDataResource(
                    api_key=dg.EnvVar(ENV_USPTO_API_KEY) if remote else None
                ),
                epo=EpoBulkDataResource(
                    username=dg.EnvVar(ENV_USERNAME) if remote else None,
                    password=dg.EnvVar(ENV_PASSWORD) if remote else None,
                ),
            ),
            "docket_store": DocketStoreResource(
                url=settings.store_url, audit_key=dg.EnvVar(ENV_AUDIT_KEY)
            ),
            "storage": LocalStorageResource(home=str(settings.home)),
            "event_files": EventFilesResource(directory=str(settings.events_dir)),
        }
    )
