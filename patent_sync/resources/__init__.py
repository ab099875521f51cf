"""Dagster resources: one typed ConfigurableResource per external system."""

from patent_sync.resources.docket_store import DocketStoreResource
from patent_sync.resources.epo import EpoBulkDataResource
from patent_sync.resources.events import EventFilesResource
from patent_sync.resources.feed_sources import FeedSourcesResource
from patent_sync.resources.storage import LocalStorageResource
from patent_sync.resources.uspto import UsptoBulkDataResource

__all__ = [
    "DocketStoreResource",
    "EpoBulkDataResource",
    "EventFilesResource",
    "FeedSourcesResource",
    "LocalStorageResource",
    "UsptoBulkDataResource",
]
