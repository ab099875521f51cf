"""EP Register (OPS ``register/.../biblio|events|procedural-steps``) → canonical events.

Elements are matched by namespace URI (``http://www.epo.org/register``), never by prefix: the
server writes ``ns3:`` today and may write anything tomorrow.

* procedural steps: one event per dated ``procedural-step-date`` (``source_code`` is
  ``CODE:DATE_TYPE``, e.g. ``RFEE:DATE_OF_PAYMENT`` with attribute ``year``, ``EXRE:
  DATE_OF_DISPATCH`` with ``period_months`` from ``time-limit``); a Rule 71(3) step whose fees
  and claim translations are all recorded also yields ``IGRA:REPLY``.
* dossier events: one event per ``dossier-event``, dated ``event-date``; the Bulletin reference
  goes into ``gazette_num``/``gazette_date``. For the mention of grant (``0009210``) the legal
  trigger is the Bulletin date (Art. 97(3) EPC), recorded as attribute ``trigger_date``.
* biblio: the facts become events with synthetic ``BIBLIO:…`` codes (filing, publications,
  search report, examination request, opposition not filed) and facts (filing date, Euro-PCT).
* statuses (in all three): ``STATUS:<code>`` events dated ``change-date``.

The events and procedural-steps responses do not name the application, only the publication the
query asked for; their events are then keyed ``EP-<publication number>`` and the loader re-keys
them when a biblio for the same publication is loaded alongside (see ``ParsedEvents.aliases``).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from patent_sync.events import taxonomy
from patent_sync.events.common import (
    EP_APPLICATION_NUMBER,
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

REG = "http://www.epo.org/register"
OPS = "http://ops.epo.org"
FORMAT = "epo-register"
SOURCE_STEPS = "epo.register.procedural_steps"
SOURCE_EVENTS = "epo.register.events"
SOURCE_BIBLIO = "epo.register.biblio"
SOURCE_STATUS = "epo.register.status"

_QUERY_NUMBER = re.compile(r"\b(publication|application|pn|ap|num)\s*=\s*\"?EP\s*(\d+)", re.I)
_IGRA_REPLY_PARTS = ("GRANT_FEE_PAID", "PRINT_FEE_PAID", "TRANSLATION_CLAIMS")
# A time limit or a renewal year: a small number (a hostile "99999999999" would overflow the
# date arithmetic; "²" passes str.isdigit but not int()).
_SMALL_NUMBER = re.compile(r"[0-9]{1,3}")


def _q(name: str) -> str:
    return f"{{{REG}}}{name}"


def is_register_document(root: etree._Element) -> bool:
    """True when the XML holds at least one EP Register ``register-document``."""
    return next(root.iter(_q("register-document")), None) is not None


def parse_ep_register(data: bytes, root: etree._Element | None = None) -> ParsedEvents:
    """Parse an OPS Register response (biblio, events or procedural steps, or a mix)."""
    root = parse_xml(data) if root is None else root
    documents = list(root.iter(_q("register-document")))
    if not documents:
        raise EventParseError("XML is not an EP Register response (no register-document)")
    payload_sha = sha256(data)
    query_key = _key_from_query(root)
    events: list[Event] = []
    facts: dict[str, dict[str, Any]] = {}
    aliases: dict[str, str] = {}
    undated: list[str] = []
    warnings: list[str] = []
    for document in documents:
        biblio = document.find(_q("bibliographic-data"))
        app_key = _application_key(biblio)
        key = app_key or (query_key if len(documents) == 1 else None)
        if key is None:
            raise EventParseError(
                "cannot tell which EP application a register-document belongs to "
                "(no bibliographic data and no single publication in the query)"
            )
        if app_key is None:
            warnings.append(
                f"{key}: the file names only the publication; events are keyed by it "
                "(load the Register biblio with it to key them by application number)"
            )
        if biblio is not None:
            doc_facts, pub_keys = _biblio_facts(biblio)
            facts[key] = doc_facts
            aliases.update({pub: key for pub in pub_keys if pub != key})
            if query_key and query_key != key:
                aliases[query_key] = key
            events += _biblio_events(key, biblio, payload_sha)
        events += _status_events(key, document, payload_sha)
        for step in document.iter(_q("procedural-step")):
            step_events = _step_events(key, step, payload_sha)
            if not step_events:
                code = clean_text(_text(step.find(_q("procedural-step-code"))))
                description = clean_text(_step_description(step))
                undated.append(f"{key} procedural step {code} ({description})")
            events += step_events
        events += [
            _dossier_event(key, ev, payload_sha) for ev in document.iter(_q("dossier-event"))
        ]
    return ParsedEvents(
        format=FORMAT,
        events=with_occurrences(events),
        facts=facts,
        aliases=aliases,
        undated=tuple(undated),
        warnings=tuple(warnings),
    )


# --- keys ----------------------------------------------------------------------------------------


def _key_from_query(root: etree._Element) -> str | None:
    query = root.find(f".//{{{OPS}}}query")
    match = _QUERY_NUMBER.search(_text(query))
    # Only a hint for keying events when the file has no biblio: one that is not an EP number
    # is ignored, and such a file is then refused for naming no application.
    if match is None or not EP_APPLICATION_NUMBER.fullmatch(match.group(2)):
        return None
    return f"EP-{match.group(2)}"


def _application_key(biblio: etree._Element | None) -> str | None:
    if biblio is None:
        return None
    number = _text(
        biblio.find(f"{_q('application-reference')}/{_q('document-id')}/{_q('doc-number')}")
    )
    return application_key("EP", number, what="application-reference") if number else None


# --- biblio --------------------------------------------------------------------------------------


def _biblio_facts(biblio: etree._Element) -> tuple[dict[str, Any], list[str]]:
    facts: dict[str, Any] = {}
    filing = _text(biblio.find(f"{_q('application-reference')}/{_q('document-id')}/{_q('date')}"))
    if filing:
        facts["filing_date"] = parse_date(filing, what="application-reference date")
    pub_keys = []
    for doc_id in biblio.iterfind(f"{_q('publication-reference')}/{_q('document-id')}"):
        number = _text(doc_id.find(_q("doc-number")))
        if number:
            pub_key = application_key("EP", number, what="publication-reference")
            pub_keys.append(pub_key)
            facts.setdefault("publication_number", pub_key.replace("-", "", 1))
    pct = biblio.find(_q("pct-or-regional-filing-data"))
    facts["euro_pct"] = pct is not None
    if pct is not None:
        pct_date = _text(pct.find(f"{_q('document-id')}/{_q('date')}"))
        if pct_date:
            facts["international_filing_date"] = parse_date(pct_date, what="PCT filing date")
    priority_dates = [
        parse_date(_text(d), what="priority date")
        for d in biblio.iterfind(f"{_q('priority-claims')}/{_q('priority-claim')}/{_q('date')}")
        if _text(d)
    ]
    if priority_dates:
        facts["priority_date"] = min(priority_dates)
    return facts, pub_keys


def _biblio_events(key: str, biblio: etree._Element, payload_sha: str) -> list[Event]:
    found: list[tuple[str, str, str]] = []  # (code, date text, description)
    filing = _text(biblio.find(f"{_q('application-reference')}/{_q('document-id')}/{_q('date')}"))
    if filing:
        found.append(("BIBLIO:FILING", filing, "European application filed"))
    for doc_id in biblio.iterfind(f"{_q('publication-reference')}/{_q('document-id')}"):
        kind = _text(doc_id.find(_q("kind")))
        date = _text(doc_id.find(_q("date")))
        if not date:
            continue
        code = "BIBLIO:PUBLICATION:" + ("B1" if kind == "B1" else kind[:1] or "?")
        number = _text(doc_id.find(_q("doc-number")))
        found.append((code, date, f"Publication EP{number} {kind}"))
    for pub in biblio.iterfind(
        f"{_q('search-reports-information')}/{_q('search-report-information')}/"
        f"{_q('search-report-publication')}/{_q('document-id')}"
    ):
        date = _text(pub.find(_q("date")))
        if date:
            kind = _text(pub.find(_q("kind")))
            found.append(
                ("BIBLIO:SEARCH_REPORT_PUBLICATION", date, f"Search report published ({kind})")
            )
    rfe = _text(
        biblio.find(f"{_q('dates-rights-effective')}/{_q('request-for-examination')}/{_q('date')}")
    )
    if rfe:
        found.append(("BIBLIO:REQUEST_FOR_EXAMINATION", rfe, "Request for examination"))
    no_opp = _text(
        biblio.find(f"{_q('opposition-data')}/{_q('opposition-not-filed')}/{_q('date')}")
    )
    if no_opp:
        found.append(("BIBLIO:OPPOSITION_NOT_FILED", no_opp, "No opposition filed"))
    events = []
    for code, date, description in found:
        info = taxonomy.classify(taxonomy.EP_BIBLIO_CODES, code)
        events.append(
            Event(
                application_key=key,
                jurisdiction="EP",
                source_code=code,
                event=info.event,
                event_date=parse_date(date, what=f"{key} {code}"),
                description=description,
                source=SOURCE_BIBLIO,
                payload_sha256=payload_sha,
                attributes=info.attributes,
            )
        )
    return events


# --- statuses ------------------------------------------------------------------------------------


def _status_events(key: str, document: etree._Element, payload_sha: str) -> list[Event]:
    events = []
    for status in document.iterfind(f"{_q('ep-patent-statuses')}/{_q('ep-patent-status')}"):
        code = status.get("status-code", "").strip()
        events.append(
            Event(
                application_key=key,
                jurisdiction="EP",
                source_code=f"STATUS:{code}",
                event=taxonomy.EP_STATUS_CHANGED,
                event_date=parse_date(status.get("change-date"), what=f"{key} status {code}"),
                description=_text(status),
                source=SOURCE_STATUS,
                payload_sha256=payload_sha,
                attributes=attrs(status_code=code),
            )
        )
    return events


# --- procedural steps ----------------------------------------------------------------------------


def _step_description(step: etree._Element) -> str:
    for text in step.iterfind(_q("procedural-step-text")):
        if text.get("step-text-type") == "STEP_DESCRIPTION":
            return _text(text)
    return ""


def _step_events(key: str, step: etree._Element, payload_sha: str) -> list[Event]:
    code = _text(step.find(_q("procedural-step-code")))
    description = _step_description(step)
    texts = {
        t.get("step-text-type", ""): _text(t) for t in step.iterfind(_q("procedural-step-text"))
    }
    dates: dict[str, str] = {}
    for date_el in step.iterfind(_q("procedural-step-date")):
        value = _text(date_el.find(_q("date")))
        if value:
            dates[date_el.get("step-date-type", "DATE")] = value
    limit = step.find(_q("time-limit"))
    period_months = None
    extra_warn = None
    if limit is not None and _text(limit):
        if limit.get("time-limit-unit", "months") == "months":
            if not _SMALL_NUMBER.fullmatch(_text(limit)):
                raise EventParseError(
                    f"{key} procedural step {clean_text(code)}: time-limit "
                    f"{clean_text(_text(limit))[:40]!r} is not a number of months"
                )
            period_months = int(_text(limit))
        else:
            extra_warn = f"{_text(limit)} {limit.get('time-limit-unit')}"
    year = texts.get("YEAR")
    common = attrs(
        step_id=step.get("id"),
        year=int(year) if year and _SMALL_NUMBER.fullmatch(year) else None,
        phase=step.get("procedure-step-phase"),
    )
    events = []
    for date_type, value in dates.items():
        step_code = f"{code}:{date_type}"
        info = taxonomy.classify(taxonomy.EP_PROCEDURAL_STEP_CODES, step_code)
        extra: dict[str, object] = {}
        if date_type == "DATE_OF_DISPATCH":
            extra["period_months"] = period_months
            extra["time_limit_not_in_months"] = extra_warn
        text = (
            description
            if date_type in ("DATE_OF_DISPATCH", "DATE_OF_PAYMENT")
            else (f"{description}: {date_type}")
        )
        events.append(
            _step_event(key, step_code, info, value, text, payload_sha, common + attrs(**extra))
        )
    if code == "IGRA" and all(part in dates for part in _IGRA_REPLY_PARTS):
        reply_date = max(parse_date(dates[p], what="IGRA date") for p in _IGRA_REPLY_PARTS)
        info = taxonomy.classify(taxonomy.EP_PROCEDURAL_STEP_CODES, "IGRA:REPLY")
        events.append(
            _step_event(
                key,
                "IGRA:REPLY",
                info,
                reply_date.isoformat(),
                f"{description}: fees paid and claim translations filed",
                payload_sha,
                common,
            )
        )
    return events


def _step_event(
    key: str,
    code: str,
    info: taxonomy.CodeInfo,
    date: str,
    description: str,
    payload_sha: str,
    attributes: tuple[tuple[str, str], ...],
) -> Event:
    return Event(
        application_key=key,
        jurisdiction="EP",
        source_code=code,
        event=info.event,
        event_date=parse_date(date, what=f"{key} procedural step {code}"),
        description=description,
        source=SOURCE_STEPS,
        payload_sha256=payload_sha,
        attributes=tuple(sorted(set(attributes + info.attributes))),
    )


# --- dossier events ------------------------------------------------------------------------------


def _dossier_event(key: str, element: etree._Element, payload_sha: str) -> Event:
    code = _text(element.find(_q("event-code")))
    info = taxonomy.classify_ep_register_event(code)
    date = _text(element.find(f"{_q('event-date')}/{_q('date')}"))
    gazette = element.find(_q("gazette-reference"))
    gazette_num = _text(gazette.find(_q("gazette-num"))) if gazette is not None else ""
    gazette_date_text = _text(gazette.find(_q("date"))) if gazette is not None else ""
    gazette_date = (
        parse_date(gazette_date_text, what=f"{key} event {code} gazette date")
        if gazette_date_text
        else None
    )
    # The mention of grant takes effect on the Bulletin date, not the Register entry date.
    trigger = gazette_date if info.event == taxonomy.EP_GRANT_MENTIONED else None
    return Event(
        application_key=key,
        jurisdiction="EP",
        source_code=code,
        event=info.event,
        event_date=parse_date(date, what=f"{key} dossier event {code}"),
        description=_text(element.find(_q("event-text"))),
        source=SOURCE_EVENTS,
        payload_sha256=payload_sha,
        attributes=tuple(
            sorted(
                set(
                    attrs(
                        event_id=element.get("id"),
                        gazette_num=gazette_num or None,
                        gazette_date=gazette_date,
                        trigger_date=trigger,
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
