"""The USPTO weekly full-text feeds: grants (Tuesday, PTGRXML) and application publications
(Thursday, APPXML), each one ``ipgYYMMDD.zip`` / ``ipaYYMMDD.zip`` per week, where ``YYMMDD`` is
the publication date. The files are up by early morning Eastern time on publication day.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from patent_sync.feeds.spec import FeedSpec, RemoteSource, ValidationProfile

_DATE_DIGITS = re.compile(r"\d{6}")
_SUFFIXES = (".zip", ".xml")  # in order of preference: the zip is the file as published


@dataclasses.dataclass(frozen=True)
class WeeklyFile:
    """One file a week, ``<prefix>YYMMDD.zip`` (or the bare ``.xml`` inside it), any case."""

    prefix: str  # "ipg" | "ipa"

    def file_name_for(self, publication_date: dt.date, suffix: str = ".zip") -> str:
        return f"{self.prefix}{publication_date:%y%m%d}{suffix}"

    def publication_date_of(self, file_name: str) -> dt.date | None:
        """``ipg240102.zip`` → 2024-01-02. Two-digit years are 20YY: these names start in 2005."""
        lowered = file_name.lower()
        if not lowered.startswith(self.prefix):
            return None
        stem, dot, suffix = lowered.rpartition(".")
        digits = stem[len(self.prefix) :]
        if not dot or f".{suffix}" not in _SUFFIXES or not _DATE_DIGITS.fullmatch(digits):
            return None
        try:
            return dt.date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
        except ValueError:
            return None

    def pick(self, candidates: Sequence[Path]) -> list[Path]:
        """The zip when both the zip and the bare XML are there: one file is the delivery."""
        by_suffix = {path.suffix.lower(): path for path in candidates}
        for suffix in _SUFFIXES:
            if suffix in by_suffix:
                return [by_suffix[suffix]]
        return []

    def expected(self, publication_date: dt.date) -> str:
        return f"{self.file_name_for(publication_date)} (or .xml)"


_US_TIMEZONE = "America/New_York"
_FIRST_WEEK = dt.date(2024, 1, 1)

# A weekly full-text file carries complete documents published that day.
_FULLTEXT_PROFILE = ValidationProfile(
    required=frozenset({"application_number", "filing_date", "publication_date", "title"}),
    at_least_one_inventor=True,
    publication_date_is_delivery_date=True,
)

US_GRANTS = FeedSpec(
    name="us_grants",
    office="US",
    label="US patent grant",
    weekday=calendar.TUESDAY,
    timezone=_US_TIMEZONE,
    hour=9,
    first_partition=_FIRST_WEEK,
    wire_format="uspto.ptgrxml",
    files=WeeklyFile("ipg"),
    remote=RemoteSource(service="uspto-odp", product="PTGRXML"),
    validation=_FULLTEXT_PROFILE,
    records_per_delivery=4_800,
)

US_APPLICATIONS = FeedSpec(
    name="us_applications",
    office="US",
    label="US pre-grant application publication",
    weekday=calendar.THURSDAY,
    timezone=_US_TIMEZONE,
    hour=9,
    first_partition=_FIRST_WEEK,
    wire_format="uspto.appxml",
    files=WeeklyFile("ipa"),
    remote=RemoteSource(service="uspto-odp", product="APPXML"),
    validation=_FULLTEXT_PROFILE,
    records_per_delivery=6_300,
)
