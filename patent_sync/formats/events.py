"""Prosecution-event formats: USPTO ODP transactions, the EP Register, INPADOC legal events,
and pages read by the browser fallbacks.

Each is told from the head of the file (its first 64 KiB) and parsed whole by its parser in
``patent_sync.events``; the format names are those parsers' ``FORMAT`` constants.

* **USPTO ODP**: JSON whose head holds the ``patentFileWrapperDataBag`` key (the ODP writes it
  second, after ``count``). Other JSON (the status-code table, an ODP error body) is not claimed.
* **EP Register**: an OPS ``world-patent-data`` envelope that declares the Register namespace.
* **INPADOC legal**: an OPS ``world-patent-data`` envelope without the Register namespace whose
  head holds a ``legal`` element (``ops:legal``). Published-data biblio, family and search
  responses share the envelope but carry no ``legal`` element, so they are left for the
  formats of published documents; a family response fetched *with* legal events is claimed.
* **Page capture**: JSON whose head holds ``patent_sync_page_capture``, written by a browser
  fallback from an office's web page (``events.page_capture``); never an office's own format.

Elements are matched by local name and namespace URI, never by prefix: the Register server
writes ``ns2:``/``ns3:`` today and may write anything tomorrow.
"""

from __future__ import annotations

import re
from typing import ClassVar

from patent_sync.events import ep_register, inpadoc_legal, page_capture, uspto_odp
from patent_sync.events.common import ParsedEvents
from patent_sync.formats.base import EventFormat, Head

OPS_ROOT = "world-patent-data"

_ODP_BAG_KEY = b'"patentFileWrapperDataBag"'
_PAGE_CAPTURE_KEY = f'"{page_capture.MARKER_KEY}"'.encode("ascii")
_REGISTER_NAMESPACE = ep_register.REG.encode("ascii")
# A ``legal`` element start tag, with or without a prefix (``<ops:legal code=...>``); the
# ``legal="true"`` *attribute* of a family response is not one.
_LEGAL_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?legal[\s/>]")


def _is_ops_envelope(head: Head) -> bool:
    return head.root_local_name == OPS_ROOT


class UsptoOdpTransactionsFormat(EventFormat):
    """ODP ``/applications/{appNo}/transactions`` (or the full application record, or a
    search response): every ``eventDataBag`` row becomes one event."""

    name: ClassVar[str] = uspto_odp.FORMAT
    description: ClassVar[str] = "USPTO Open Data Portal transactions JSON"

    def matches(self, head: Head) -> bool:
        return head.starts_with_json() and _ODP_BAG_KEY in head.data

    def parse(self, data: bytes) -> ParsedEvents:
        return uspto_odp.parse_odp_transactions(data)


class EpRegisterFormat(EventFormat):
    """OPS ``register/.../biblio|events|procedural-steps`` (one constituent or a mix)."""

    name: ClassVar[str] = ep_register.FORMAT
    description: ClassVar[str] = "EP Register XML (OPS register biblio, events, procedural steps)"

    def matches(self, head: Head) -> bool:
        return _is_ops_envelope(head) and _REGISTER_NAMESPACE in head.data

    def parse(self, data: bytes) -> ParsedEvents:
        return ep_register.parse_ep_register(data)


class InpadocLegalFormat(EventFormat):
    """OPS ``legal/...`` or ``family/.../legal``: one event per ``ops:legal`` element."""

    name: ClassVar[str] = inpadoc_legal.FORMAT
    description: ClassVar[str] = "INPADOC legal events XML (OPS legal)"

    def matches(self, head: Head) -> bool:
        return (
            _is_ops_envelope(head)
            and _REGISTER_NAMESPACE not in head.data
            and _LEGAL_ELEMENT.search(head.data) is not None
        )

    def parse(self, data: bytes) -> ParsedEvents:
        return inpadoc_legal.parse_inpadoc_legal(data)


class PageCaptureFormat(EventFormat):
    """What a browser fallback read from an office's web page (``events.page_capture``): JSON
    whose head holds the ``patent_sync_page_capture`` key. Its events are marked low
    confidence."""

    name: ClassVar[str] = page_capture.FORMAT
    description: ClassVar[str] = "Office web page read by a browser fallback (JSON, low confidence)"

    def matches(self, head: Head) -> bool:
        return head.starts_with_json() and _PAGE_CAPTURE_KEY in head.data

    def parse(self, data: bytes) -> ParsedEvents:
        return page_capture.parse_page_capture(data)


USPTO_ODP_TRANSACTIONS = UsptoOdpTransactionsFormat()
EP_REGISTER = EpRegisterFormat()
INPADOC_LEGAL = InpadocLegalFormat()
PAGE_CAPTURE = PageCaptureFormat()

EVENT_FORMATS: tuple[EventFormat, ...] = (
    USPTO_ODP_TRANSACTIONS,
    EP_REGISTER,
    INPADOC_LEGAL,
    PAGE_CAPTURE,
)


def event_format_for(head: Head) -> EventFormat | None:
    """The event format ``head`` starts, or None when it is no event file."""
    return next((fmt for fmt in EVENT_FORMATS if fmt.matches(head)), None)
