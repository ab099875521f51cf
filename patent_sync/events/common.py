"""Pieces every event parser shares: the error, the result, hardened XML, occurrences."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from patent_sync.model import Event
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.safe_xml import parse_xml_bytes


class EventParseError(ValueError):
    """A file that is not a readable event history (message is one line, for a person)."""


@dataclasses.dataclass(frozen=True, slots=True)
class ParsedEvents:
    """What one file yielded.

    ``facts`` holds per-application facts that are not events (filing date, grant date, patent
    number, application type, publication number), keyed by ``application_key``. ``aliases``
    maps a provisional key (an EP *publication* number, when the file does not name the
    application) to the application key, when the file reveals both. ``undated`` lists items the
    file carries that have no date and so cannot be events (kept for the record, never dropped).
    """

    format: str
    events: tuple[Event, ...]
    facts: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)
    undated: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted event XML through the project's one hardened parser
    (``parsing.safe_xml``: no DTD, no network, entity declarations and references refused);
    raise ``EventParseError`` on failure."""
    try:
        return parse_xml_bytes(data)
    except ParseError as exc:
        raise EventParseError(str(exc)) from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_date(text: str | None, *, what: str) -> dt.date:
    """``YYYYMMDD`` or ``YYYY-MM-DD`` → date; a clear error otherwise."""
    value = (text or "").strip()
    try:
        if len(value) == 8 and value.isdigit():
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        return dt.date.fromisoformat(value)
    except ValueError:
        raise EventParseError(f"{what}: {value!r} is not a date") from None


def with_occurrences(events: Iterable[Event]) -> tuple[Event, ...]:
    """Number repeats of the same (application, source, code, date, description): 1, 2, …

    Offices publish legitimate exact duplicates (the same IDS code twice on one day) and no ids,
    so an event's identity is its content plus how many times that content has been seen.
    Counting by content, not by position, makes the numbering independent of list order.
    """
    seen: collections.Counter[tuple[str, str, str, dt.date, str]] = collections.Counter()
    out = []
    for event in events:
        key = (
            event.application_key,
            event.source,
            event.source_code,
            event.event_date,
            event.description,
        )
        seen[key] += 1
        out.append(dataclasses.replace(event, occurrence=seen[key]))
    return tuple(out)


def attrs(**values: object) -> tuple[tuple[str, str], ...]:
    """Event attributes as sorted string pairs, leaving out the ones that are None."""
    return tuple(sorted((k, str(v)) for k, v in values.items() if v is not None))
