"""What a feed is: every fact about one office's weekly publication, written once.

Partitions, schedules, jobs, asset descriptions, the demo and the CLI are all derived from a
``FeedSpec``; adding a feed is one module with its spec and one entry in
``patent_sync.feeds.registry.FEEDS``.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from patent_sync.acquisition.async_polling import PollPolicy


class DeliveryFiles(Protocol):
    """How the files of one delivery are named, and which of them make up the delivery."""

    def publication_date_of(self, file_name: str) -> dt.date | None:
        """The publication date of a file of this feed, or None when the name is not one."""

    def pick(self, candidates: Sequence[Path]) -> list[Path]:
        """Among the files of one publication date, those that form the delivery, in order."""

    def expected(self, publication_date: dt.date) -> str:
        """What a person should look for, e.g. ``ipg240102.zip (or .xml)``."""


@dataclasses.dataclass(frozen=True)
class ValidationProfile:
    """Which checks a feed's documents must pass.

    ``required`` names the canonical fields that must be present (a DOCDB back-file record
    often has no title or inventor, a US full-text grant always has both);
    ``publication_date_is_delivery_date`` holds for weekly full-text files (every document is
    published that day) and not for DOCDB, where an amendment to a 2003 document is normal.
    """

    required: frozenset[str]
    at_least_one_inventor: bool
    publication_date_is_delivery_date: bool


# For a record whose feed is not in the registry (a store written by another version): every
# field required, as for the most complete feed.
STRICT_PROFILE = ValidationProfile(
    required=frozenset({"application_number", "filing_date", "publication_date", "title"}),
    at_least_one_inventor=True,
    publication_date_is_delivery_date=False,
)


@dataclasses.dataclass(frozen=True)
class RemoteSource:
    """Where the office publishes the feed: the service, and the feed's name there."""

    service: str  # "uspto-odp" | "epo-bdds" | "epo-ops"
    product: str  # "PTGRXML"; "14.7 DOCDB front file"; "WO" (the publishing authority searched)
    delivery_kind: str | None = None  # "Amend" | "CreateDelete" for BDDS
    # A service that loads the week's batch some time after publication and says "not there"
    # until then is polled for it up to this policy's cut-off (``pipeline.polled_source``).
    availability: PollPolicy | None = None


@dataclasses.dataclass(frozen=True)
class FeedSpec:
    """One weekly feed of published documents."""

    name: str  # "us_grants": the asset group, the job and the raw-archive source
    office: str  # ST.3 code of the publishing office: "US", "EP"
    label: str  # "US patent grant": how assets and messages speak of one record
    weekday: int  # publication weekday, Monday = 0 as in ``date.weekday()``
    timezone: str  # the office's time zone: the weekday is the office's
    hour: int  # hour of day (office time) by which the delivery is published
    first_partition: dt.date  # rounds up to the first publication weekday on or after it
    wire_format: str  # name in the format registry
    files: DeliveryFiles
    remote: RemoteSource
    validation: ValidationProfile
    records_per_delivery: int  # typical volume, for descriptions and the benchmark

    @property
    def weekday_name(self) -> str:
        """The publication weekday in English ("Tuesday")."""
        return calendar.day_name[self.weekday]

    @property
    def cron_day_offset(self) -> int:
        """The weekday as cron and Dagster count it (Sunday = 0)."""
        return (self.weekday + 1) % 7

    def is_publication_day(self, day: dt.date) -> bool:
        return day.weekday() == self.weekday

    def weekday_note(self, day: dt.date) -> str:
        """`` (Wednesday; us_grants is published on Tuesdays)`` when ``day`` is not this feed's
        publication weekday, else an empty string: said in every "no such delivery" message."""
        if self.is_publication_day(day):
            return ""
        return f" ({day:%A}; {self.name} is published on {self.weekday_name}s)"
