"""Dagster resources: one typed ConfigurableResource per external system."""

from patent_sync.resources.browser_fallback import BrowserFallbackResource
from patent_sync.resources.docket_store import DocketStoreResource
from patent_sync.resources.epo import EpoBulkDataResource
from patent_sync.resources.epo_ops import EpoOpsResource
from patent_sync.resources.events import EventFilesResource
from patent_sync.resources.feed_sources import FeedSourcesResource
from patent_sync.resources.scans import ScanFolderResource
from patent_sync.resources.storage import LocalStorageResource
from patent_sync.resources.uspto import UsptoBulkDataResource
from patent_sync.resources.uspto_odp import UsptoOdpResource

__all__ = [
    "BrowserFallbackResource",
    "DocketStoreResource",
    "EpoBulkDataResource",
    "EpoOpsResource",
    "EventFilesResource",
    "FeedSourcesResource",
    "LocalStorageResource",
    "ScanFolderResource",
    "UsptoBulkDataResource",
    "UsptoOdpResource",
]
