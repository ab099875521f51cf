"""The feed registry: one spec per weekly feed, every fact about it written once."""

from patent_sync.feeds.registry import FEEDS, feed_for_product, feed_named
from patent_sync.feeds.spec import FeedSpec, RemoteSource, ValidationProfile

__all__ = [
    "FEEDS",
    "FeedSpec",
    "RemoteSource",
    "ValidationProfile",
    "feed_for_product",
    "feed_named",
]
