"""A feed source that waits for a batch published on schedule but sometimes late.

Some services load a weekly publication hours or days after the office's publication time,
and say "nothing there" until they have it. ``PolledSource`` wraps any ``FeedSource`` whose
``fetch`` raises ``FeedNotPublished`` for a batch that is not there yet, and polls it through
``patent_sync.acquisition.async_polling``: never before the publication time (the embargo),
then with exponential backoff and jitter until the feed's cut-off. A batch still missing then
is ``DeliveryLate``, which the feed assets report as a warning on the partition rather than a
failure, and which is not an empty success either: nothing is archived or loaded for it.

A week may be published on another day than the feed's weekday (an office closed on the
usual day announces another one): ``publication_days`` maps the week's partition date to the
day actually announced, which is then both what is asked for and when asking may start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from patent_sync.acquisition.async_polling import (
    Clock,
    NotYet,
    PollOutcome,
    PollPolicy,
    PollStatus,
    Ready,
    SystemClock,
    in_thread,
    poll_until_available,
)
from patent_sync.acquisition.errors import DeliveryLate, FeedNotPublished, RetriesExhausted
from patent_sync.feeds.spec import FeedSpec
from patent_sync.pipeline.sources import FeedSource, FetchedFile

logger = logging.getLogger("patent_sync.acquisition")


def publication_time(feed: FeedSpec, day: dt.date) -> dt.datetime:
    """When ``feed``'s batch for ``day`` is published: the feed's hour in the office's zone."""
    return dt.datetime.combine(day, dt.time(feed.hour), tzinfo=ZoneInfo(feed.timezone))


def parse_publication_days(entries: Mapping[str, str]) -> dict[dt.date, dt.date]:
    """``{"2025-12-25": "2025-12-23"}`` (week's partition date → announced day), checked.

    Raises ``ValueError`` naming the entry when a date is not YYYY-MM-DD or the announced day is
    more than six days away from the week's date (then it belongs to another week).
    """
    days: dict[dt.date, dt.date] = {}
    for week_text, day_text in entries.items():
        try:
            week, day = dt.date.fromisoformat(week_text), dt.date.fromisoformat(day_text)
        except ValueError:
            raise ValueError(
                f"publication day override {week_text}={day_text}: dates must be YYYY-MM-DD"
            ) from None
        if abs((day - week).days) > 6:
            raise ValueError(
                f"publication day override {week_text}={day_text}: the announced day must be in "
                "the same week as the partition date"
            )
        days[week] = day
    return days


@runtime_checkable
class AsyncFeedSource(Protocol):
    """A source that fetches on the poller's event loop (its blocking calls in threads)."""

    async def fetch_async(
        self, feed: FeedSpec, publication_date: dt.date, work_dir: Path
    ) -> list[FetchedFile]: ...


class PolledSource:
    """``inner``'s batches, asked for from their publication time until the cut-off."""

    def __init__(
        self,
        inner: FeedSource,
        policy: PollPolicy,
        *,
        publication_days: Mapping[dt.date, dt.date] | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy
        self.publication_days = dict(publication_days or {})
        self.clock = clock or SystemClock()
        self.rng = rng
        self.last_outcome: PollOutcome[list[FetchedFile]] | None = None

    def publication_day(self, partition_date: dt.date) -> dt.date:
        """The day the batch of the week ``partition_date`` is (announced to be) published."""
        return self.publication_days.get(partition_date, partition_date)

    def fetch(self, feed: FeedSpec, publication_date: dt.date, work_dir: Path) -> list[FetchedFile]:
        day = self.publication_day(publication_date)
        not_before = publication_time(feed, day)

        async def probe() -> Ready[list[FetchedFile]] | NotYet:
            try:
                if isinstance(self.inner, AsyncFeedSource):
                    files = await self.inner.fetch_async(feed, day, work_dir)
                else:
                    files = await in_thread(lambda: self.inner.fetch(feed, day, work_dir))
            except FeedNotPublished as exc:
                logger.info("%s %s: not published yet: %s", feed.name, day, exc)
                return NotYet(str(exc))
            return Ready(files)

        outcome = asyncio.run(
            poll_until_available(
                probe,
                not_before=not_before,
                policy=self.policy,
                clock=self.clock,
                rng=self.rng,
                transient=(RetriesExhausted,),
            )
        )
        self.last_outcome = outcome
        if outcome.status is PollStatus.READY and outcome.value is not None:
            return outcome.value
        moved = "" if day == publication_date else f" (announced for {day:%A} {day})"
        if outcome.status is PollStatus.EMBARGOED:
            message = (
                f"{feed.name} {publication_date}{moved}: not asked yet: published at "
                f"{not_before.isoformat()}; materialize this partition again after that time"
            )
        else:
            message = (
                f"{feed.name} {publication_date}{moved}: {outcome.describe()}; the next run "
                "fetches it once the service has it"
            )
        details: dict[str, object] = {
            **outcome.metadata(),
            "publication_day": day.isoformat(),
            "partition": publication_date.isoformat(),
        }
        raise DeliveryLate(
            message, feed=feed.name, publication_date=publication_date, details=details
        )
