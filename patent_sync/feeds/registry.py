"""Every weekly feed patent_sync loads, in one table (see ``spec.FeedSpec``)."""

from __future__ import annotations

from patent_sync.feeds.epo_docdb import DOCDB_AMEND, DOCDB_CREATE_DELETE
from patent_sync.feeds.epo_ops import EP_PUBLICATIONS
from patent_sync.feeds.spec import STRICT_PROFILE, FeedSpec, ValidationProfile
from patent_sync.feeds.uspto import US_APPLICATIONS, US_GRANTS
from patent_sync.feeds.wipo import WO_PUBLICATIONS

FEEDS: tuple[FeedSpec, ...] = (
    US_GRANTS,
    US_APPLICATIONS,
    DOCDB_AMEND,
    DOCDB_CREATE_DELETE,
    EP_PUBLICATIONS,
    WO_PUBLICATIONS,
)


def feed_named(name: str) -> FeedSpec:
    """The feed called ``name``; ``KeyError`` naming the known feeds."""
    for feed in FEEDS:
        if feed.name == name:
            return feed
    raise KeyError(f"unknown feed {name!r}; known feeds: {', '.join(f.name for f in FEEDS)}")


def feed_for_product(service: str, product: str) -> FeedSpec:
    """The feed a remote service publishes as ``product`` (case-insensitive)."""
    for feed in FEEDS:
        if feed.remote.service == service and feed.remote.product.upper() == product.upper():
            return feed
    known = ", ".join(f.remote.product for f in FEEDS if f.remote.service == service)
    raise ValueError(f"unknown {service} product {product!r}; known products: {known}")


def validation_profile(feed_name: str) -> ValidationProfile:
    """The profile of the feed called ``feed_name``, or the strict one for an unknown feed."""
    for feed in FEEDS:
        if feed.name == feed_name:
            return feed.validation
    return STRICT_PROFILE
