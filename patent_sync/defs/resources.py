"""The resources every asset uses, configured from the environment (see README)."""

from __future__ import annotations

import os

import dagster as dg

from patent_sync.acquisition.epo_bdds import ENV_PASSWORD, ENV_USERNAME
from patent_sync.acquisition.epo_ops import ENV_CONSUMER_KEY, ENV_CONSUMER_SECRET
from patent_sync.resources import (
    BrowserFallbackResource,
    DocketStoreResource,
    EpoBulkDataResource,
    EpoOpsResource,
    EventFilesResource,
    FeedSourcesResource,
    LocalStorageResource,
    ScanFolderResource,
    UsptoBulkDataResource,
    UsptoOdpResource,
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
                # OPS is optional even in remote mode: without its key the EP publications
                # feed fails with a message naming the variables, the other feeds run.
                ops=EpoOpsResource(
                    consumer_key=dg.EnvVar(ENV_CONSUMER_KEY),
                    consumer_secret=dg.EnvVar(ENV_CONSUMER_SECRET),
                )
                if remote and os.environ.get(ENV_CONSUMER_KEY)
                else None,
            ),
            "docket_store": DocketStoreResource(
                url=settings.store_url, audit_key=dg.EnvVar(ENV_AUDIT_KEY)
            ),
            "storage": LocalStorageResource(home=str(settings.home)),
            "event_files": EventFilesResource(directory=str(settings.events_dir)),
            "scan_folder": ScanFolderResource(directory=str(settings.scans_dir)),
            # Only the watchlist sync needs the key; without it that run fails saying so.
            "uspto_odp": UsptoOdpResource(
                api_key=dg.EnvVar(ENV_USPTO_API_KEY) if os.environ.get(ENV_USPTO_API_KEY) else None
            ),
            "browser_fallback": BrowserFallbackResource.from_env(),
            # Only the EP watchlist sync needs the OPS account; without it that run fails
            # naming the variables.
            "epo_ops": EpoOpsResource(
                consumer_key=dg.EnvVar(ENV_CONSUMER_KEY)
                if os.environ.get(ENV_CONSUMER_KEY)
                else None,
                consumer_secret=dg.EnvVar(ENV_CONSUMER_SECRET)
                if os.environ.get(ENV_CONSUMER_SECRET)
                else None,
            ),
        }
    )
