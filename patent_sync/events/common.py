"""Pieces every event parser shares: the error, the result, hardened XML and JSON, occurrences,
and the checks every value coming in from an office passes before it becomes an event.

Event files are untrusted. What an office file says ends up in JSON Lines, in one-line stderr
reports and in iCalendar content lines, so identifiers are held to a strict pattern per office
(``application_key``), codes may not hold control characters (``event_code``), free text has
them replaced (``clean_text``), and dates must fall in a range the deadline arithmetic can
handle (``parse_date``). Anything else is refused with a one-line ``EventParseError``.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from patent_sync.model import Event
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.limits import ParseLimits, current_limits, describe_size
from patent_sync.parsing.safe_xml import parse_xml_bytes

#: Application numbers as each office writes them where events come in. US: the ODP's eight
#: digits (series code + serial), or a PCT application filed at the USPTO as receiving
#: office. EP: the Register's application (or, before a biblio names it, publication) number.
#: Any other office (INPADOC family members): a two-letter country and a DOCDB number.
US_APPLICATION_NUMBER = re.compile(r"[0-9]{8}|PCT/?[A-Z]{2}[0-9]{2}(?:[0-9]{2})?/?[0-9]{5,6}")
EP_APPLICATION_NUMBER = re.compile(r"[0-9]{6,10}")
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
DOCDB_APPLICATION_NUMBER = re.compile(r"[A-Z0-9]{1,24}")
#: Any application key, whatever the office: the backstop every event passes.
APPLICATION_KEY = re.compile(r"[A-Z]{2}-[A-Z0-9/]{1,28}")
MAX_CODE_LENGTH = 64
MAX_TEXT_LENGTH = 4096
#: Dates outside this range are not real prosecution dates, and date arithmetic on them (a
#: 20-year term from 9999-12-31) would overflow.
EARLIEST_DATE = dt.date(1800, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
_SHOWN = 40  # characters of a refused value quoted in a message


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


def event_limits() -> ParseLimits:
    """The configured limits; a bad setting is a one-line ``EventParseError`` too."""
    try:
        return current_limits()
    except ParseError as exc:
        raise EventParseError(str(exc)) from None


def check_size(data: bytes) -> None:
    """Refuse an event file larger than ``PATENT_SYNC_MAX_EVENT_FILE_BYTES``."""
    limit = event_limits().max_event_file_bytes
    if len(data) > limit:
        raise EventParseError(
            f"larger than the {describe_size(limit)} an event file may have "
            "(PATENT_SYNC_MAX_EVENT_FILE_BYTES); refused"
        )


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted event XML through the project's one hardened parser
    (``parsing.safe_xml``: no DTD, no network, entity declarations and references refused,
    at most 256 levels deep); raise ``EventParseError`` on failure."""
    check_size(data)
    try:
        return parse_xml_bytes(data)
    except ParseError as exc:
        raise EventParseError(str(exc)) from None


def load_json(data: bytes) -> Any:
    """Decode untrusted event JSON, refusing what is too large or nested too deep.

    The C decoder recurses once per level and gives up with ``RecursionError`` near Python's
    recursion limit; that, and anything nested deeper than ``PATENT_SYNC_MAX_JSON_DEPTH``
    (ODP responses are about six levels deep), is a one-line ``EventParseError``.
    """
    check_size(data)
    max_depth = event_limits().max_json_depth
    try:
        document = json.loads(data)
    except RecursionError:
        raise EventParseError(f"JSON nested more than {max_depth} levels deep") from None
    except (UnicodeDecodeError, ValueError) as exc:
        # ValueError also covers integers longer than Python converts (4,300 digits).
        raise EventParseError(f"not JSON: {one_line(str(exc))}") from None
    if _json_deeper_than(document, max_depth):
        raise EventParseError(f"JSON nested more than {max_depth} levels deep")
    return document


def _json_deeper_than(value: Any, limit: int) -> bool:
    # Iterative: a recursive walk would hit the recursion limit the check is there to avoid.
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def one_line(text: str) -> str:
    """``text`` with every control or line-breaking character replaced by a space."""
    return "".join(" " if _is_control(c) else c for c in text)


def shown(value: object) -> str:
    """A refused value, quoted safely for a one-line message (``repr`` escapes controls)."""
    text = value if isinstance(value, str) else str(value)
    quoted = repr(text[:_SHOWN])
    return quoted + ("..." if len(text) > _SHOWN else "")


def clean_text(value: object) -> str:
    """Free text from an office (a description, a status): controls become spaces, stripped.

    Refuses text longer than ``MAX_TEXT_LENGTH`` characters rather than cutting it, which
    would silently change what the office said.
    """
    text = one_line("" if value is None else str(value)).strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise EventParseError(
            f"a text of {len(text)} characters (more than {MAX_TEXT_LENGTH}): {shown(text)}"
        )
    return text


def event_code(value: object, *, what: str) -> str:
    """An office's event code, stripped; refused when it is not a short line of text."""
    if not isinstance(value, str):
        raise EventParseError(f"{what} is not a string: {shown(value)}")
    code = value.strip()
    if len(code) > MAX_CODE_LENGTH or any(_is_control(c) for c in code):
        raise EventParseError(
            f"{what} {shown(code)} is not an event code (control characters, or longer than "
            f"{MAX_CODE_LENGTH} characters)"
        )
    return code


def application_key(office: str, number: object, *, what: str, docdb: bool = False) -> str:
    """``US-17248024``, ``EP-10167109``, ``NL-1010536``: the key of an application, from its
    office and number as the file gives them; ``EventParseError`` unless both are well formed.

    ``docdb`` says the number is in DOCDB form (INPADOC), whatever the office: letters and
    digits only, with the office's own punctuation removed.
    """
    text = number.strip() if isinstance(number, str) else None
    if docdb or office not in ("US", "EP"):
        if not COUNTRY_CODE.fullmatch(office):
            raise EventParseError(f"{what}: country {shown(office)} is not a two-letter code")
        pattern, expected = DOCDB_APPLICATION_NUMBER, "up to 24 letters and digits"
    elif office == "US":
        pattern, expected = US_APPLICATION_NUMBER, "eight digits or a PCT application number"
    else:
        pattern, expected = EP_APPLICATION_NUMBER, "6 to 10 digits"
    if text is None or not pattern.fullmatch(text):
        raise EventParseError(
            f"{what}: {shown(number)} is not a valid {office} application number ({expected})"
        )
    return f"{office}-{text}"


def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls (newline, tab, escape ...); Cf: invisible formatting (bidi
    # overrides); Zl/Zp: line and paragraph separators. All can forge or break a line.
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_date(text: object, *, what: str) -> dt.date:
    """``YYYYMMDD`` or ``YYYY-MM-DD`` → date; a clear error otherwise (also for a date outside
    ``EARLIEST_DATE``..``LATEST_DATE``, or a value that is not text at all)."""
    if text is not None and not isinstance(text, str):
        raise EventParseError(f"{what}: {shown(text)} is not a date")
    value = (text or "").strip()
    try:
        if len(value) == 8 and value.isascii() and value.isdigit():
            date = dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        else:
            date = dt.date.fromisoformat(value)
    except ValueError:
        raise EventParseError(f"{what}: {shown(value)} is not a date") from None
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise EventParseError(
            f"{what}: {date.isoformat()} is not a plausible date (outside "
            f"{EARLIEST_DATE.isoformat()}..{LATEST_DATE.isoformat()})"
        )
    return date


def with_occurrences(events: Iterable[Event]) -> tuple[Event, ...]:
    """Number repeats of the same (application, source, code, date, description): 1, 2, …

    Offices publish legitimate exact duplicates (the same IDS code twice on one day) and no ids,
    so an event's identity is its content plus how many times that content has been seen.
    Counting by content, not by position, makes the numbering independent of list order.

    Every parser passes its events through here, so it is also the backstop for what the
    parsers check as they go: a key of any office's shape, a code without control characters
    and a description with them replaced.
    """
    seen: collections.Counter[tuple[str, str, str, dt.date, str]] = collections.Counter()
    out = []
    for event in events:
        event = _checked(event)
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


def _checked(event: Event) -> Event:
    if not APPLICATION_KEY.fullmatch(event.application_key):
        raise EventParseError(f"{shown(event.application_key)} is not an application key")
    event_code(event.source_code, what=f"{event.application_key} event code")
    description = clean_text(event.description)
    if description == event.description:
        return event
    return dataclasses.replace(event, description=description)


def attrs(**values: object) -> tuple[tuple[str, str], ...]:
    """Event attributes as sorted string pairs, leaving out the ones that are None (values
    are office text: control characters become spaces)."""
    return tuple(sorted((k, clean_text(v)) for k, v in values.items() if v is not None))
