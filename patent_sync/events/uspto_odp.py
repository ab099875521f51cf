"""USPTO Open Data Portal transaction histories → canonical events.

Input is the JSON body of ``GET /api/v1/patent/applications/{appNo}/transactions`` (or of the
full application record, or a search response): ``{"count": N, "patentFileWrapperDataBag":
[{"applicationNumberText": ..., "applicationMetaData": {...}, "eventDataBag": [{"eventCode",
"eventDate", "eventDescriptionText"}]}]}``. Events have no ids and the list is only roughly
newest-first, so every row is kept, in file order, and repeats are numbered (``occurrence``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from patent_sync.events import taxonomy
from patent_sync.events.common import (
    EventParseError,
    ParsedEvents,
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
    """Parse an ODP response body; every ``eventDataBag`` row becomes one ``Event``."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventParseError(f"not JSON: {exc}") from None
    if not looks_like_odp(document):
        raise EventParseError("JSON is not a USPTO ODP response (no patentFileWrapperDataBag)")
    payload_sha = sha256(raw)
    events: list[Event] = []
    facts: dict[str, dict[str, Any]] = {}
    for index, wrapper in enumerate(document["patentFileWrapperDataBag"]):
        if not isinstance(wrapper, dict):
            raise EventParseError(f"patentFileWrapperDataBag[{index}] is not an object")
        app_no = str(wrapper.get("applicationNumberText") or "").strip()
        if not app_no:
            raise EventParseError(f"patentFileWrapperDataBag[{index}] has no applicationNumberText")
        key = f"US-{app_no}"
        facts[key] = _facts(wrapper.get("applicationMetaData") or {})
        for position, row in enumerate(wrapper.get("eventDataBag") or []):
            events.append(_event(key, row, position, payload_sha))
    return ParsedEvents(format=FORMAT, events=with_occurrences(events), facts=facts)


def _event(key: str, row: object, position: int, payload_sha: str) -> Event:
    where = f"{key} eventDataBag[{position}]"
    if not isinstance(row, dict):
        raise EventParseError(f"{where} is not an object")
    code = str(row.get("eventCode") or "").strip()
    if not code:
        raise EventParseError(f"{where} has no eventCode")
    info = taxonomy.classify(taxonomy.USPTO_ODP_CODES, code)
    return Event(
        application_key=key,
        jurisdiction="US",
        source_code=code,
        event=info.event,
        event_date=parse_date(row.get("eventDate"), what=f"{where} eventDate"),
        description=str(row.get("eventDescriptionText") or "").strip(),
        source=SOURCE,
        payload_sha256=payload_sha,
        attributes=info.attributes,
    )


def _facts(meta: Mapping[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for field, name in (("filingDate", "filing_date"), ("grantDate", "grant_date")):
        if meta.get(field):
            facts[name] = parse_date(meta[field], what=f"applicationMetaData.{field}")
    if meta.get("patentNumber"):
        facts["patent_number"] = str(meta["patentNumber"])
    if meta.get("applicationTypeCode"):
        facts["application_type"] = str(meta["applicationTypeCode"])
    entity = (meta.get("entityStatusData") or {}).get("businessEntityStatusCategory")
    if entity:
        facts["entity_status"] = str(entity)
    if meta.get("applicationStatusDescriptionText"):
        facts["status"] = str(meta["applicationStatusDescriptionText"])
    return facts
