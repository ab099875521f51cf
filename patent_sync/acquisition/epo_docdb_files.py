"""How the EPO names the files of a DOCDB front-file delivery, written once.

The Bulk Data Distribution Service publishes two DOCDB front-file deliveries a week, each one
or more zips named for the ISO year and ISO week of its publication date:

* ``docdb_xml_{YYYY}{WW}_Amend_{NNN}.zip``, published on the Tuesday of that ISO week
  (BDDS delivery "... 2024/011 Amend", Tuesday 2024-03-12 = ISO 2024-W11);
* ``docdb_xml_{YYYY}{WW}_CreateDelete_{NNN}.zip``, published on the Thursday
  (BDDS delivery "... 2024/010 Cr-Del", Thursday 2024-03-07 = ISO 2024-W10).

The ISO year is not always the calendar year (Tuesday 2024-12-31 is ISO 2025-W01), so names
are built and read only through ``date.isocalendar`` / ``date.fromisocalendar``. The feed
registry, the BDDS client and the sample generator all import these functions, so a change of
naming is one edit here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

AMEND: Final = "Amend"
CREATE_DELETE: Final = "CreateDelete"
KINDS: Final[tuple[str, ...]] = (AMEND, CREATE_DELETE)

# ISO weekday (Monday = 1) each kind is published on.
_ISO_WEEKDAY: Final[dict[str, int]] = {AMEND: 2, CREATE_DELETE: 4}
# How the BDDS delivery name spells the kind ("... 2024/011 Amend", "... 2024/010 Cr-Del").
_LABEL: Final[dict[str, str]] = {AMEND: "Amend", CREATE_DELETE: "Cr-Del"}

_FILE_NAME = re.compile(
    r"docdb_xml_(?P<year>[0-9]{4})(?P<week>[0-9]{2})_(?P<kind>Amend|CreateDelete)"
    r"_(?P<part>[0-9]{3})\.zip",
    re.IGNORECASE,
)
_DELIVERY_NAME = re.compile(
    r"(?:^|\s)(?P<year>[0-9]{4})/(?P<week>[0-9]{3})\s+(?P<label>Amend|Cr-Del)\s*$"
)


def check_kind(kind: str) -> str:
    """``kind`` itself when it is "Amend" or "CreateDelete"; a ValueError otherwise."""
    if kind not in _ISO_WEEKDAY:
        raise ValueError(
            f"unknown DOCDB delivery kind {kind!r}: expected 'Amend' or 'CreateDelete'"
        )
    return kind


def iso_week_of(publication_date: dt.date) -> tuple[int, int]:
    """(ISO year, ISO week) of ``publication_date``: what the file and delivery names carry."""
    iso = publication_date.isocalendar()
    return iso.year, iso.week


def delivery_file_prefix(kind: str, publication_date: dt.date) -> str:
    """``docdb_xml_202411_Amend_``: every file of that week's ``kind`` delivery starts so.

    Any day of the ISO week gives the same prefix; the delivery itself is published on the
    Tuesday (Amend) or Thursday (CreateDelete) that ``publication_date_of`` returns.
    """
    check_kind(kind)
    year, week = iso_week_of(publication_date)
    return f"docdb_xml_{year:04d}{week:02d}_{kind}_"


def delivery_file_name(kind: str, publication_date: dt.date, part: int = 1) -> str:
    """``docdb_xml_202411_Amend_001.zip``: the ``part``-th zip (from 1) of that delivery."""
    if not 1 <= part <= 999:
        raise ValueError(f"a delivery part is numbered 1..999, not {part}")
    return f"{delivery_file_prefix(kind, publication_date)}{part:03d}.zip"


def publication_date_of(file_name: str, kind: str) -> dt.date | None:
    """The publication date of a ``kind`` delivery file, or None when the name is not one.

    The inverse of ``delivery_file_prefix``: the Tuesday (Amend) or Thursday (CreateDelete) of
    the ISO week in the name. A name of the other kind, or with a week its ISO year does not
    have (``202453`` for 2024), is not a delivery file of ``kind``.
    """
    check_kind(kind)
    match = _FILE_NAME.fullmatch(file_name.strip())
    if match is None or match.group("kind").lower() != kind.lower():
        return None
    return _weekday_of(int(match.group("year")), int(match.group("week")), kind)


def delivery_part_of(file_name: str) -> int | None:
    """The ``NNN`` of ``docdb_xml_..._NNN.zip`` (1 for ``_001``), or None for another name."""
    match = _FILE_NAME.fullmatch(file_name.strip())
    return None if match is None else int(match.group("part"))


def delivery_label(kind: str, publication_date: dt.date) -> str:
    """``2024/011 Amend`` / ``2024/010 Cr-Del``: how a BDDS delivery name ends for that week."""
    check_kind(kind)
    year, week = iso_week_of(publication_date)
    return f"{year:04d}/{week:03d} {_LABEL[kind]}"


def parse_delivery_name(delivery_name: str) -> tuple[str, dt.date] | None:
    """(kind, publication date) of a BDDS delivery name ending in ``YYYY/WWW Amend|Cr-Del``.

    None for the product's other deliveries (``14.7 DOCDB in XML - Notifications``).
    """
    match = _DELIVERY_NAME.search(delivery_name)
    if match is None:
        return None
    kind = AMEND if match.group("label") == "Amend" else CREATE_DELETE
    day = _weekday_of(int(match.group("year")), int(match.group("week")), kind)
    return None if day is None else (kind, day)


def _weekday_of(year: int, week: int, kind: str) -> dt.date | None:
    try:
        return dt.date.fromisocalendar(year, week, _ISO_WEEKDAY[kind])
    except ValueError:
        return None
