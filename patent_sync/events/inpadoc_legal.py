"""INPADOC legal events (OPS ``legal/...`` or ``family/.../legal``) → canonical events.

Each ``ops:legal`` element carries ``code`` (padded to 4 characters: ``"AK  "``; stored
stripped), ``desc`` and coded children ``L001EP…L5xxEP``. The event is dated by ``L007EP``, the
Gazette date (``L018EP``/``L019EP`` are exchange bookkeeping and are not used). Where the law
counts from another date the source gives it as ``L525EP`` "Effective DATE" (17P, 17Q, INTG,
26N …): recorded as attribute ``effective_date``, and as ``trigger_date`` for the codes whose
deadline runs from it. ``AK`` with reference kind B* is the mention of grant.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from patent_sync.events import taxonomy
from patent_sync.events.common import (
    EventParseError,
    ParsedEvents,
    application_key,
    attrs,
    clean_text,
    parse_date,
    parse_xml,
    sha256,
    with_occurrences,
)
from patent_sync.model import Event

OPS = "http://ops.epo.org"
EXCH = "http://www.epo.org/exchange"
FORMAT = "epo-inpadoc-legal"
SOURCE = "epo.ops.legal"

#: Codes whose deadline runs from the effective date (L525EP), not from the Gazette date.
_TRIGGER_FROM_EFFECTIVE = frozenset({"17P", "17Q", "INTG"})


def is_legal_document(root: etree._Element) -> bool:
    """True when the XML holds INPADOC ``ops:legal`` events."""
    return next(root.iter(f"{{{OPS}}}legal"), None) is not None


def parse_inpadoc_legal(data: bytes, root: etree._Element | None = None) -> ParsedEvents:
    """Parse an OPS legal response; one ``Event`` per ``ops:legal`` element."""
    root = parse_xml(data) if root is None else root
    members = list(root.iter(f"{{{OPS}}}family-member"))
    if not members or not is_legal_document(root):
        raise EventParseError("XML is not an INPADOC legal response (no ops:legal events)")
    payload_sha = sha256(data)
    events: list[Event] = []
    facts: dict[str, dict[str, Any]] = {}
    undated: list[str] = []
    for member in members:
        key, country, filing = _member_key(member)
        if filing:
            facts.setdefault(key, {})["filing_date"] = filing
        for legal in member.iterfind(f"{{{OPS}}}legal"):
            event = _legal_event(key, country, legal, payload_sha)
            if event is None:
                code = clean_text(legal.get("code", ""))
                undated.append(f"{key} legal event {code} (no L007EP)")
            else:
                events.append(event)
    return ParsedEvents(
        format=FORMAT, events=with_occurrences(events), facts=facts, undated=tuple(undated)
    )


def _member_key(member: etree._Element) -> tuple[str, str, Any]:
    for doc_id in member.iterfind(f"{{{EXCH}}}application-reference/{{{EXCH}}}document-id"):
        if doc_id.get("document-id-type", "docdb") != "docdb":
            continue
        country = _text(doc_id.find(f"{{{EXCH}}}country"))
        number = _text(doc_id.find(f"{{{EXCH}}}doc-number"))
        date = _text(doc_id.find(f"{{{EXCH}}}date"))
        if country and number:
            key = application_key(country, number, what="INPADOC application-reference", docdb=True)
            filing = parse_date(date, what=f"{key} filing date") if date else None
            return key, country, filing
    raise EventParseError("an INPADOC family member has no docdb application-reference")


def _legal_event(key: str, country: str, legal: etree._Element, payload_sha: str) -> Event | None:
    code = legal.get("code", "").strip()
    fields = {
        etree.QName(child).localname: _text(child)
        for child in legal.iter()
        if isinstance(child.tag, str) and child.tag.startswith(f"{{{OPS}}}L")
    }
    gazette = fields.get("L007EP")
    if not gazette:
        return None
    info = taxonomy.classify(taxonomy.INPADOC_LEGAL_CODES, code)
    event_name = info.event
    ref_kind = fields.get("L506EP", "")
    if code == "AK" and ref_kind.startswith("B"):
        event_name = taxonomy.EP_GRANT_MENTIONED if ref_kind == "B1" else taxonomy.EP_INFORMATIONAL
    effective = fields.get("L525EP")
    effective_date = parse_date(effective, what=f"{key} {code} L525EP") if effective else None
    state = fields.get("L501EP")
    description = legal.get("desc", "").strip() + (f" [{state}]" if state else "")
    return Event(
        application_key=key,
        jurisdiction=country,
        source_code=code,
        event=event_name,
        event_date=parse_date(gazette, what=f"{key} {code} L007EP gazette date"),
        description=description,
        source=SOURCE,
        payload_sha256=payload_sha,
        attributes=tuple(
            sorted(
                set(
                    attrs(
                        effective_date=effective_date,
                        trigger_date=effective_date if code in _TRIGGER_FROM_EFFECTIVE else None,
                        # Without an effective date only the (later) Gazette date is known.
                        date_precision=(
                            "recorded"
                            if code in _TRIGGER_FROM_EFFECTIVE and effective_date is None
                            else None
                        ),
                        state=state,
                        year=fields.get("L520EP") or None,
                        kind=ref_kind or None,
                        payment_date=fields.get("L518EP") or None,
                        free_text=fields.get("L510EP") or None,
                    )
                    + info.attributes
                )
            )
        ),
    )


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()
