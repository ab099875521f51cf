"""Rows read from an office's public web page by a browser fallback → canonical events.

When an office's data service lags or lacks a step, a browser fallback reads the office's own
page for the application (``acquisition.epo_register_html``, ``acquisition.patentcenter_html``)
and writes what the page shows as a *page capture*: a small JSON event file of its own kind, so
nobody can mistake it for an office response. A capture names its source, the matter, the page
and when it was read, and lists the page's rows as the page gave them (date, text, and the
Bulletin reference where the page has one)::

    {"patent_sync_page_capture": 1, "source": "epo.register.html", "confidence": "low",
     "matter": "EP-19205846", "page_url": "https://register.epo.org/application?...",
     "retrieved_at": "2026-11-30T03:00:00+00:00", "page_sha256": "…",
     "rows": [{"date": "2024-06-14", "text": "Application deemed to be withdrawn",
               "published_on": "2024-07-17", "publication_ref": "2024/29"}]}

Pages show text, not codes: each text is looked up in the source's text table
(``taxonomy.classify_page_text``); a text in no table becomes an ``OTHER`` event with code
``UNMAPPED_TEXT`` (kept and reported, never dropped). Every event carries ``confidence=low``
and ``read_from=html``, so a docket entry it creates says that it rests on a web page.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from patent_sync.events import taxonomy
from patent_sync.events.common import (
    EventParseError,
    ParsedEvents,
    application_key,
    attrs,
    clean_text,
    load_json,
    parse_date,
    sha256,
    shown,
    with_occurrences,
)
from patent_sync.model import Event

FORMAT = "page-capture"
MARKER_KEY = "patent_sync_page_capture"
VERSION = 1
CONFIDENCE = "low"
_MAX_ROWS = 100_000
_MAX_URL = 2048
# Canonical events that count from the day the page says they were published (the mention of
# grant in the Bulletin, Art. 97(3) EPC), not from the day the office recorded them.
_TRIGGER_FROM_PUBLICATION = frozenset({taxonomy.EP_GRANT_MENTIONED})


@dataclasses.dataclass(frozen=True, slots=True)
class CapturedRow:
    """One dated row of a page, as the page shows it."""

    date: str  # YYYY-MM-DD
    text: str
    published_on: str | None = None  # YYYY-MM-DD: the Bulletin date, where the page gives one
    publication_ref: str | None = None  # e.g. "2024/29"

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclasses.dataclass(frozen=True, slots=True)
class PageCapture:
    """What a browser fallback read from one page: the content of one event file."""

    source: str  # "epo.register.html" | "uspto.patentcenter.html"
    matter: str  # the docket key, "EP-19205846"
    page_url: str
    retrieved_at: str  # ISO 8601, UTC
    page_sha256: str  # of the rendered page the rows were read from
    rows: tuple[CapturedRow, ...]

    def to_bytes(self) -> bytes:
        """The event file (UTF-8 JSON, keys sorted: the same capture gives the same bytes)."""
        document = {
            MARKER_KEY: VERSION,
            "source": self.source,
            "confidence": CONFIDENCE,
            "matter": self.matter,
            "page_url": self.page_url,
            "retrieved_at": self.retrieved_at,
            "page_sha256": self.page_sha256,
            "rows": [row.to_json() for row in self.rows],
        }
        return (json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()

    def events(self) -> tuple[Event, ...]:
        """The canonical events this capture gives (exactly what the event file parses to)."""
        return parse_page_capture(self.to_bytes()).events


def parse_page_capture(data: bytes) -> ParsedEvents:
    """Parse a page capture; ``EventParseError`` (one line) for anything malformed."""
    document = load_json(data)
    if not isinstance(document, dict) or MARKER_KEY not in document:
        raise EventParseError(f"JSON but not a page capture (no {MARKER_KEY!r} key)")
    if document[MARKER_KEY] != VERSION:
        raise EventParseError(
            f"page capture version {shown(document[MARKER_KEY])} is not {VERSION}"
        )
    source = _text_field(document, "source")
    if source not in taxonomy.page_sources():
        raise EventParseError(
            f"page capture source {shown(source)} is not one of "
            f"{', '.join(sorted(taxonomy.page_sources()))}"
        )
    matter = _text_field(document, "matter")
    office, _, number = matter.partition("-")
    key = application_key(office, number, what="page capture matter")
    page_url = _text_field(document, "page_url")
    if len(page_url) > _MAX_URL:
        raise EventParseError(f"{key}: page_url longer than {_MAX_URL} characters")
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise EventParseError(f"{key}: page capture 'rows' is not a list")
    if len(rows) > _MAX_ROWS:
        raise EventParseError(f"{key}: more than {_MAX_ROWS} rows in one page capture")
    payload_sha = sha256(data)
    events = [_row_event(key, office, source, page_url, row, payload_sha) for row in rows]
    return ParsedEvents(format=FORMAT, events=with_occurrences(events))


def is_page_capture(document: Any) -> bool:
    return isinstance(document, dict) and MARKER_KEY in document


def capture_rows(rows: Sequence[CapturedRow]) -> tuple[CapturedRow, ...]:
    """Rows in a stable order (newest first, as the offices list them; then by text)."""
    return tuple(sorted(rows, key=lambda r: (r.date, r.text), reverse=True))


def _text_field(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.strip():
        raise EventParseError(f"page capture field {name!r} is missing or not text")
    return clean_text(value)


def _row_event(
    key: str, office: str, source: str, page_url: str, row: Any, payload_sha: str
) -> Event:
    if not isinstance(row, dict):
        raise EventParseError(f"{key}: a page capture row is not an object: {shown(row)}")
    text = clean_text(row.get("text"))
    if not text:
        raise EventParseError(f"{key}: a page capture row has no text")
    date = parse_date(row.get("date"), what=f"{key} row {text[:40]!r} date")
    published = row.get("published_on")
    published_on = (
        parse_date(published, what=f"{key} row {text[:40]!r} publication date")
        if published
        else None
    )
    reference = row.get("publication_ref")
    code, info = taxonomy.classify_page_text(source, text)
    trigger = published_on if info.event in _TRIGGER_FROM_PUBLICATION else None
    return Event(
        application_key=key,
        jurisdiction=office,
        source_code=code,
        event=info.event,
        event_date=date,
        description=text,
        source=source,
        payload_sha256=payload_sha,
        attributes=tuple(
            sorted(
                set(
                    attrs(
                        confidence=CONFIDENCE,
                        read_from="html",
                        page_url=page_url,
                        gazette_date=published_on,
                        gazette_num=clean_text(reference) if reference else None,
                        trigger_date=trigger,
                    )
                    + info.attributes
                )
            )
        ),
    )
