"""Realistic, unique US document numbers and application series codes for a publication date.

The numbers follow the real sequences closely enough to look right to a docketing clerk:
utility grants extrapolate from US 12,000,000 (issued Tuesday 4 June 2024), designs from
D1,107,392 (30 December 2025), and pre-grant publications restart at ``YYYY0000001`` every
January. Each week owns a disjoint block of numbers, so files generated for different weeks
never collide; within a week a document's *serial* picks its number in the block.
"""

from __future__ import annotations

import datetime as dt

UTILITY_ANCHOR = (dt.date(2024, 6, 4), 12_000_000)
DESIGN_ANCHOR = (dt.date(2025, 12, 30), 1_107_000)
UTILITY_GRANTS_PER_WEEK = 7_000  # the block a week owns; real weeks issue about 6,300
DESIGN_GRANTS_PER_WEEK = 1_000
APPLICATION_PUBS_PER_WEEK = 8_000  # real weeks publish about 6,300 (the DESIGN.md table)

# First filing date of each utility application series (approximate, as USPTO rolled them).
_SERIES_STARTS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2025, 1, 1), "19"),
    (dt.date(2022, 12, 1), "18"),
    (dt.date(2020, 1, 1), "17"),
    (dt.date(2017, 12, 1), "16"),
    (dt.date(1900, 1, 1), "15"),
)
DESIGN_SERIES = "29"


class NumberingError(ValueError):
    """A serial does not fit in the block of numbers its week owns."""


def _weeks_since(anchor: dt.date, day: dt.date) -> int:
    return (day - anchor).days // 7


def utility_grant_number(publication_date: dt.date, serial: int) -> str:
    """The 8-digit, zero-padded utility patent number of the ``serial``-th grant that week."""
    _check_serial(serial, UTILITY_GRANTS_PER_WEEK, "utility grants")
    anchor_date, anchor_number = UTILITY_ANCHOR
    number = anchor_number + _weeks_since(anchor_date, publication_date) * UTILITY_GRANTS_PER_WEEK
    return f"{number + serial:08d}"


def design_grant_number(publication_date: dt.date, serial: int) -> str:
    """A design patent number as ICE writes it: ``D`` plus 7 digits (``D1148123``)."""
    _check_serial(serial, DESIGN_GRANTS_PER_WEEK, "design grants")
    anchor_date, anchor_number = DESIGN_ANCHOR
    number = anchor_number + _weeks_since(anchor_date, publication_date) * DESIGN_GRANTS_PER_WEEK
    return f"D{number + serial:07d}"


def application_publication_number(publication_date: dt.date, serial: int) -> str:
    """An 11-digit pre-grant publication number: the year, then a 7-digit running number."""
    _check_serial(serial, APPLICATION_PUBS_PER_WEEK, "application publications")
    week_of_year = (publication_date - dt.date(publication_date.year, 1, 1)).days // 7
    return f"{publication_date.year}{week_of_year * APPLICATION_PUBS_PER_WEEK + serial + 1:07d}"


def utility_series_code(filing_date: dt.date) -> str:
    """The two-digit series code a utility application filed that day was numbered in."""
    for start, code in _SERIES_STARTS:
        if filing_date >= start:
            return code
    raise AssertionError("unreachable: the last series starts in 1900")


def series_start(series_code: str) -> dt.date:
    """The first filing day of a utility series (designs use a fixed 2019 start)."""
    for start, code in _SERIES_STARTS:
        if code == series_code:
            return start
    return dt.date(2019, 1, 1)


def _check_serial(serial: int, block: int, what: str) -> None:
    if not 0 <= serial < block:
        raise NumberingError(
            f"serial {serial} is outside the {block:,} {what} a week can hold; "
            "generate fewer documents per weekly file"
        )
