"""Office calendars for the roll-forward of period ends: USPTO, EPO and the WIPO IB.

``get_calendar(office)`` returns the one shared instance per office (its roll-forward cache is
what makes a million deadlines fast). ``normalize_office`` accepts the usual aliases.
"""

from __future__ import annotations

from functools import cache

from patent_sync.deadlines.calendars.base import Closure, OfficeCalendar, Roll
from patent_sync.deadlines.calendars.epo import EpoCalendar
from patent_sync.deadlines.calendars.us import UsptoCalendar, inauguration_holiday
from patent_sync.deadlines.calendars.wipo import IbCalendar

OFFICES: tuple[str, ...] = ("USPTO", "EPO", "IB")

_ALIASES = {
    "USPTO": "USPTO",
    "US": "USPTO",
    "EPO": "EPO",
    "EP": "EPO",
    "IB": "IB",
    "WIPO": "IB",
    "WO": "IB",
    "RO/IB": "IB",
}


def normalize_office(name: str) -> str | None:
    """``USPTO``, ``EPO`` or ``IB`` for a known name or alias (any case), else None."""
    return _ALIASES.get(name.strip().upper())


@cache
def get_calendar(office: str) -> OfficeCalendar:
    """The calendar of ``office`` (``USPTO``, ``EPO`` or ``IB``)."""
    if office == "USPTO":
        return UsptoCalendar()
    if office == "EPO":
        return EpoCalendar()
    if office == "IB":
        return IbCalendar()
    raise KeyError(f"no calendar for office {office!r}; known: {', '.join(OFFICES)}")


__all__ = [
    "OFFICES",
    "Closure",
    "EpoCalendar",
    "IbCalendar",
    "OfficeCalendar",
    "Roll",
    "UsptoCalendar",
    "get_calendar",
    "inauguration_holiday",
    "normalize_office",
]
