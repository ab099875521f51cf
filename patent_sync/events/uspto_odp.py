"""USPTO Open Data Portal transaction histories → canonical events.

Input is the JSON body of ``GET /api/v1/patent/applications/{appNo}/transactions`` (or of the
full application record, or a search response): ``{"count": N, "patentFileWrapperDataBag":
[{"applicationNumberText": ..., "applicationMetaData": {...}, "eventDataBag": [{"eventCode",
"eventDate", "eventDescriptionText"}]}]}``. Events have no ids and the list is only roughly
newest-first, so every row is kept, in file order, and repeats are numbered (``occurrence``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from patent_sync.events import taxonomy
from patent_sync.events.common import (
    EventParseError,
    ParsedEvents,
    application_key,
    clean_text,
    event_code,
    load_json,
    one_line,
    parse_date,
    sha256,
    with_occurrences,
)
from patent_sync.model import Event

SOURCE = "uspto.odp.transactions"
FORMAT = "uspto-odp-transactions"


def looks_like_odp(document: object) -> bool:
    """True for a decoded JSON value shaped like an ODP file-wrapper response."""
    return isinstance(document, dict) and isinstance(document.get("patentFileWrapperDataBag"), list)


def parse_odp_transactions(data: bytes | str) -> ParsedEvents:
    """Parse an ODP response body; every ``eventDataBag`` row becomes one ``Event``.

    The body is untrusted: its size and nesting are bounded (``common.load_json``), every
    container must have the type the ODP gives it, and the application number must be one
    (``common.application_key``). Anything else is a one-line ``EventParseError``.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    document = load_json(raw)
    if not looks_like_odp(document):
        raise EventParseError("JSON is not a USPTO ODP response (no patentFileWrapperDataBag)")
    payload_sha = sha256(raw)
    events: list[Event] = []
    facts: dict[str, dict[str, Any]] = {}
    for index, wrapper in enumerate(document["patentFileWrapperDataBag"]):
        if not isinstance(wrapper, dict):
            raise EventParseError(f"patentFileWrapperDataBag[{index}] is not an object")
        where = f"patentFileWrapperDataBag[{index}]"
        app_no = wrapper.get("applicationNumberText")
        if app_no is None or (isinstance(app_no, str) and not app_no.strip()):
            raise EventParseError(f"{where} has no applicationNumberText")
        if not isinstance(app_no, str) or len(app_no) > 64 or one_line(app_no) != app_no:
            # Refused before it is used in any message below.
            application_key("US", app_no, what=f"{where} applicationNumberText")
        shown_key = f"US-{app_no.strip()}"
        meta = _container(wrapper, "applicationMetaData", dict, where)
        rows = _container(wrapper, "eventDataBag", list, where)
        wrapper_events = [
            _event(shown_key, row, position, payload_sha) for position, row in enumerate(rows)
        ]
        wrapper_facts = _facts(meta, where)
        # Checked after the rows, so that a broken row is reported as such even in a
        # hand-written file with a short number; no event leaves here with a bad key.
        key = application_key("US", app_no, what=f"{where} applicationNumberText")
        facts[key] = wrapper_facts
        events += wrapper_events
    return ParsedEvents(format=FORMAT, events=with_occurrences(events), facts=facts)


def _container(parent: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    """``parent[name]`` when it is of ``kind`` (an empty one when absent or null)."""
    value = parent.get(name)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        expected = "an object" if kind is dict else "a list"
        raise EventParseError(f"{where}.{name} is not {expected}")
    return value


def _event(key: str, row: object, position: int, payload_sha: str) -> Event:
    where = f"{key} eventDataBag[{position}]"
    if not isinstance(row, dict):
        raise EventParseError(f"{where} is not an object")
    raw_code = row.get("eventCode")
    if raw_code is None or (isinstance(raw_code, str) and not raw_code.strip()):
        raise EventParseError(f"{where} has no eventCode")
    code = event_code(raw_code, what=f"{where} eventCode")
    info = taxonomy.classify(taxonomy.USPTO_ODP_CODES, code)
    return Event(
        application_key=key,
        jurisdiction="US",
        source_code=code,
        event=info.event,
        event_date=parse_date(row.get("eventDate"), what=f"{where} eventDate"),
        description=clean_text(row.get("eventDescriptionText")),
        source=SOURCE,
        payload_sha256=payload_sha,
        attributes=info.attributes,
    )


def _facts(meta: Mapping[str, Any], where: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for field, name in (("filingDate", "filing_date"), ("grantDate", "grant_date")):
        if meta.get(field):
            facts[name] = parse_date(meta[field], what=f"applicationMetaData.{field}")
    if meta.get("patentNumber"):
        facts["patent_number"] = clean_text(meta["patentNumber"])
    if meta.get("applicationTypeCode"):
        facts["application_type"] = clean_text(meta["applicationTypeCode"])
    entity_data = _container(meta, "entityStatusData", dict, f"{where}.applicationMetaData")
    entity = entity_data.get("businessEntityStatusCategory")
    if entity:
        facts["entity_status"] = clean_text(entity)
    if meta.get("applicationStatusDescriptionText"):
        facts["status"] = clean_text(meta["applicationStatusDescriptionText"])
    return facts
