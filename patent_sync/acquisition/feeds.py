"""The two USPTO weekly full-text feeds: which ODP product, which weekday, which file name.

Grants (PTGRXML) are published on Tuesdays as ``ipgYYMMDD.zip``; pre-grant application
publications (APPXML) on Thursdays as ``ipaYYMMDD.zip``. ``YYMMDD`` is the publication date.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re

_DATE_DIGITS = re.compile(r"(\d{6})")


@dataclasses.dataclass(frozen=True)
class UsFeed:
    """One weekly USPTO bulk feed.

    ``name`` is the project's feed name (asset group, raw-archive source); ``product`` the ODP
    bulk-dataset identifier; ``weekday`` the publication weekday (Monday = 0, as in
    ``date.weekday()``); ``file_prefix`` the start of the weekly file name.
    """

    name: str
    product: str
    weekday: int
    file_prefix: str
    description: str

    @property
    def weekday_name(self) -> str:
        """The publication weekday in English ("Tuesday")."""
        return calendar.day_name[self.weekday]

    def file_name_for(self, publication_date: dt.date, suffix: str = ".zip") -> str:
        """The weekly file for ``publication_date``: ``ipg240102.zip`` (or ``.xml``)."""
        return f"{self.file_prefix}{publication_date:%y%m%d}{suffix}"

    def publication_date_of(self, file_name: str) -> dt.date | None:
        """The date in a weekly file name of this feed (``ipg240102.zip`` → 2024-01-02).

        None when the name is not ``<prefix>YYMMDD.zip`` / ``.xml`` (any case) or the digits
        are not a real date. Two-digit years are 20YY: these file names start in 2005.
        """
        lowered = file_name.lower()
        if not lowered.startswith(self.file_prefix):
            return None
        stem, _, suffix = lowered.rpartition(".")
        digits = stem[len(self.file_prefix) :]
        if suffix not in ("zip", "xml") or not _DATE_DIGITS.fullmatch(digits):
            return None
        try:
            return dt.date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
        except ValueError:
            return None

    def weekday_note(self, day: dt.date) -> str:
        """`` (Wednesday; PTGRXML is published on Tuesdays)`` when ``day`` is not this feed's
        publication weekday, else an empty string: said in every "no such file" message."""
        if self.is_publication_day(day):
            return ""
        return f" ({day:%A}; {self.product} is published on {self.weekday_name}s)"

    def is_publication_day(self, day: dt.date) -> bool:
        """Whether ``day`` falls on this feed's publication weekday."""
        return day.weekday() == self.weekday


US_GRANTS = UsFeed(
    name="us_grants",
    product="PTGRXML",
    weekday=calendar.TUESDAY,
    file_prefix="ipg",
    description="US patent grant",
)

US_APPLICATIONS = UsFeed(
    name="us_applications",
    product="APPXML",
    weekday=calendar.THURSDAY,
    file_prefix="ipa",
    description="US pre-grant application publication",
)

US_FEEDS: tuple[UsFeed, ...] = (US_GRANTS, US_APPLICATIONS)


def feed_for_product(product: str) -> UsFeed:
    """The feed for an ODP product identifier (``PTGRXML``, ``APPXML``; case-insensitive)."""
    for feed in US_FEEDS:
        if feed.product == product.upper():
            return feed
    known = ", ".join(feed.product for feed in US_FEEDS)
    raise ValueError(f"unknown USPTO weekly product {product!r}; known products: {known}")


def feed_named(name: str) -> UsFeed:
    """The feed called ``name`` (``us_grants``, ``us_applications``)."""
    for feed in US_FEEDS:
        if feed.name == name:
            return feed
    known = ", ".join(feed.name for feed in US_FEEDS)
    raise ValueError(f"unknown US feed {name!r}; known feeds: {known}")
