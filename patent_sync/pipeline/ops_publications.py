"""One authority's publications of one day from EPO OPS, fetched asynchronously.

The same delivery as ``sources.OpsSource`` (the ``pd=YYYYMMDD and pn=<office>`` search of
``epo_ops.weekly``, split past the 2,000-result cap, then biblio 100 documents at a time,
written as one OPS-envelope file by ``weekly.write_publication_day``), for the feeds that are
polled for a late batch (``feed.remote.availability``, ``polled_source.PolledSource``).

The biblio requests go through an asyncio ``RequestQueue`` of fixed capacity served by a few
workers, each running the synchronous ``OpsClient`` on a worker thread. One client serves
them all, so one token, one throttle state (its pacer makes a worker wait when the bucket is
full) and one quota count cover the week; the queue keeps a bounded number of requests in
flight and waiting, and the event loop that polls and waits is never blocked by a request.

"Not there" is ``FeedNotPublished``, which ``PolledSource`` turns into polling: the search has
no hits yet, or OPS lists publications whose bibliographic data it does not return yet (a
week still being loaded is not a delivery).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from patent_sync.acquisition.async_polling import gather_in_order, in_thread
from patent_sync.acquisition.epo_ops import OpsClient
from patent_sync.acquisition.epo_ops.published import batched, fetch_biblio, search_publications
from patent_sync.acquisition.epo_ops.weekly import publication_query, write_publication_day
from patent_sync.acquisition.errors import FeedNotPublished
from patent_sync.feeds.spec import FeedSpec
from patent_sync.pipeline.sources import FetchedFile

SHOWN_MISSING = 5


class AsyncOpsSource:
    """``feed.office``'s publications of one day, biblio fetched through a bounded queue."""

    def __init__(
        self, client_factory: Callable[[], OpsClient], *, workers: int = 2, capacity: int = 4
    ) -> None:
        self.client_factory = client_factory
        self.workers = workers
        self.capacity = capacity

    def fetch(self, feed: FeedSpec, publication_date: dt.date, work_dir: Path) -> list[FetchedFile]:
        """The day's delivery file; ``FeedNotPublished`` when OPS does not have it (yet)."""
        return asyncio.run(self.fetch_async(feed, publication_date, work_dir))

    async def fetch_async(
        self, feed: FeedSpec, publication_date: dt.date, work_dir: Path
    ) -> list[FetchedFile]:
        query = publication_query(feed.office, publication_date)
        with self.client_factory() as client:
            search = await in_thread(lambda: search_publications(client, query))
            if not search.numbers:
                raise FeedNotPublished(
                    f"{feed.name}: EPO OPS has no {feed.office} publications dated "
                    f"{publication_date.isoformat()}{feed.weekday_note(publication_date)} "
                    f"(search {query!r} found nothing)",
                    feed=feed.name,
                    publication_date=publication_date,
                    looked_at=[f"EPO OPS published-data search {query}"],
                )
            batches = await gather_in_order(
                [
                    lambda numbers=numbers: in_thread(lambda: fetch_biblio(client, numbers))
                    for numbers in batched(search.numbers)
                ],
                workers=self.workers,
                capacity=self.capacity,
            )
            missing = [n.ops for batch in batches for n in batch.missing]
            if missing:
                shown = ", ".join(missing[:SHOWN_MISSING])
                more = " ..." if len(missing) > SHOWN_MISSING else ""
                raise FeedNotPublished(
                    f"{feed.name}: EPO OPS lists {len(search.numbers):,} {feed.office} "
                    f"publications dated {publication_date.isoformat()} but has no "
                    f"bibliographic data yet for {len(missing):,} of them ({shown}{more})",
                    feed=feed.name,
                    publication_date=publication_date,
                    looked_at=[f"EPO OPS published-data biblio for {query}"],
                )
            dest = Path(work_dir) / feed.files.expected(publication_date)
            week = await in_thread(lambda: write_publication_day(dest, query, search, batches))
            metadata = {**week.metadata(), **client.quota.as_metadata()}
            origin = f"{client.base_url}/rest-services/published-data/search?q={query}"
        return [FetchedFile(path=week.path, origin=origin, is_temporary=True, metadata=metadata)]
