"""The firm's watched matters, and how a person may write a matter's number.

A watched matter is keyed exactly as the docket keys it (``EP-19123456``, ``US-17248024``,
``WO-2010EP12345``): the event sources fetch by that key and the events they bring back land on
the same matter. People write numbers the way the offices print them, so ``matter_key``
accepts the common printed forms and says plainly what it cannot read.
"""

from __future__ import annotations

import dataclasses
import re

from patent_sync.events.common import (
    APPLICATION_KEY,
    DOCDB_APPLICATION_NUMBER,
    EP_APPLICATION_NUMBER,
    US_APPLICATION_NUMBER,
)

MAX_REFERENCE_LENGTH = 200
MAX_TITLE_LENGTH = 500

# "EP 19 123 456.7", "EP19123456": the EPO's check digit after the dot is not part of the key.
_EP_PRINTED = re.compile(r"EP-?([0-9]{6,10})(?:\.[0-9])?")
# "17/248,024", "US 17/248024": the USPTO's series code, slash and thousands separator.
_US_PRINTED = re.compile(r"US-?([0-9]{2})/?([0-9]{3}),?([0-9]{3})")
# "PCT/EP2010/012345": office, year, serial, as WIPO prints an international application.
_PCT_PRINTED = re.compile(r"PCT/?([A-Z]{2})([0-9]{4})/?([0-9]{5,6})")
_KEY = re.compile(r"([A-Z]{2})-(.+)")


class WatchlistError(ValueError):
    """A matter that cannot be watched as written, or a watchlist file that cannot be read."""


@dataclasses.dataclass(frozen=True, slots=True)
class WatchedMatter:
    """One matter the firm watches: its docket key and what the firm calls it."""

    matter: str
    reference: str = ""
    title: str = ""
    added_at: str = ""

    @property
    def office(self) -> str:
        """The office whose numbering the key uses: ``EP``, ``US``, ``WO`` …"""
        return self.matter.split("-", 1)[0]

    @property
    def number(self) -> str:
        """The application number as the office's services take it (the key after ``XX-``)."""
        return self.matter.split("-", 1)[1]


@dataclasses.dataclass(frozen=True, slots=True)
class SyncMarker:
    """Where the last sync of one matter from one source got to.

    ``marker`` is the source's own change indicator (a last-ingestion time, a Register change
    date, the newest event date): when the source reports the same marker again, nothing
    changed and the full history need not be fetched.
    """

    matter: str
    source: str
    marker: str
    payload_sha256: str
    synced_at: str


def matter_key(text: str) -> str:
    """The docket key for a number as a person writes it; ``WatchlistError`` if unreadable.

    >>> matter_key("EP 19 123 456.7"), matter_key("17/248,024"), matter_key("US-17248024")
    ('EP-19123456', 'US-17248024', 'US-17248024')
    """
    compact = re.sub(r"\s+", "", text.upper())  # \s covers the no-break spaces of pasted text
    if match := _EP_PRINTED.fullmatch(compact):
        return f"EP-{match.group(1)}"
    # Eight bare digits could be an EP or a US number: only the series-code slash ("17/248,024")
    # says US without the office being written.
    us_form = compact if compact.startswith("US") or "/" not in compact else f"US{compact}"
    if match := _US_PRINTED.fullmatch(us_form):
        return f"US-{''.join(match.groups())}"
    if match := _PCT_PRINTED.fullmatch(compact):
        office, year, serial = match.groups()
        return f"WO-{year}{office}{serial}"
    if (match := _KEY.fullmatch(compact)) and _valid(match.group(1), match.group(2)):
        return compact
    raise WatchlistError(
        f"{text.strip()!r} is not an application number patent_sync can watch: write it as "
        "EP-19123456 (or EP 19 123 456.7), US-17248024 (or 17/248,024), or WO-2010EP12345 "
        "(or PCT/EP2010/12345)"
    )


def _valid(office: str, number: str) -> bool:
    if not APPLICATION_KEY.fullmatch(f"{office}-{number}"):
        return False
    if office == "US":
        return US_APPLICATION_NUMBER.fullmatch(number) is not None
    if office == "EP":
        return EP_APPLICATION_NUMBER.fullmatch(number) is not None
    return DOCDB_APPLICATION_NUMBER.fullmatch(number) is not None


def watched(matter: str, reference: str = "", title: str = "") -> WatchedMatter:
    """A ``WatchedMatter`` from what a person typed, checked; ``WatchlistError`` otherwise."""
    reference, title = reference.strip(), " ".join(title.split())
    for what, value, limit in (
        ("reference", reference, MAX_REFERENCE_LENGTH),
        ("title", title, MAX_TITLE_LENGTH),
    ):
        if len(value) > limit:
            raise WatchlistError(f"the {what} is longer than {limit} characters")
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise WatchlistError(f"the {what} contains control characters")
    return WatchedMatter(matter=matter_key(matter), reference=reference, title=title)
