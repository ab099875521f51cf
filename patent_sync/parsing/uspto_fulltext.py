"""USPTO full-text XML (Red Book, ICE DTD v4.x) → canonical ``Document``.

Reads grants (``us-patent-grant``, DTD v4.5–v4.7, weekly ``ipgYYMMDD``) and application
publications (``us-patent-application``, DTD v4.x, weekly ``ipaYYMMDD``). Only the bibliographic
part is normalized, but every document is parsed whole so a truncated or corrupt one is caught.

Normalization:

* ``doc_key`` is DOCDB style ``US-NUMBER-KIND``, the key EPO DOCDB gives the same publication:
  grant numbers lose their zero padding (``08930553`` → ``8930553``, ``D0701016`` → ``D701016``,
  ``RE049000`` → ``RE49000``), application publications take the DOCDB 10-digit form
  (``20220240350`` → ``2022240350``).
* Dates are ``datetime.date``; an empty (or all-zero) date is ``None``, anything else that is not
  a real ``YYYYMMDD`` date fails the document with check ``invalid_date``.
* Application and related-document numbers are kept as published (``17248024``).
* Parties are deduplicated keeping first-seen order (real files repeat whole inventor lists).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from lxml import etree

from patent_sync.model import (
    Document,
    Party,
    PriorityClaim,
    QuarantineCategory,
    QuarantineRecord,
    RelatedDocument,
)
from patent_sync.parsing.errors import InvalidContentError, ParseError, UnsupportedDocumentError
from patent_sync.parsing.safe_xml import parse_xml_bytes
from patent_sync.parsing.text import clean, collapse, dedupe
from patent_sync.parsing.weekly_file import RawDocument, iter_raw_documents

SOURCE_GRANT = "uspto.ptgrxml"
SOURCE_APPLICATION = "uspto.appxml"
SOURCE_UNKNOWN = "uspto.fulltext"  # a quarantined piece whose kind cannot be told
RAW_EXCERPT_BYTES = 2048


_GRANT_NUMBER = re.compile(r"([A-Z]{0,2})0*([0-9]+)")
_PUBLICATION_NUMBER = re.compile(r"([0-9]{4})([0-9]{7})")
_DOCDB_PUBLICATION_NUMBER = re.compile(r"[0-9]{10}")

# Related-document containers whose element name differs from the canonical relation name.
_RELATION_NAMES = {"us-provisional-application": "provisional"}
# Role of a document-id that sits directly in a container (no parent/child relation inside).
_DIRECT_ROLES = {"us-provisional-application": "parent", "related-publication": "related"}
_DIRECT_STATUS = {"us-provisional-application": "us-provisional-application-status"}

# Children read from the recurring structures (see _child_texts).
_DOCUMENT_ID_FIELDS = ("country", "doc-number", "kind", "date")

# The full-text XML writes design and reissue kinds as "S1" / "E1"; the USPTO's ST.16 table
# and DOCDB use "S" / "E". The key must be the one DOCDB gives the same publication.
_ST16_KIND = {"S1": "S", "E1": "E"}


def st16_kind(kind: str) -> str:
    """The office's ST.16 kind code for a kind as written in the full-text XML."""
    return _ST16_KIND.get(kind, kind)


_NAME_FIELDS = ("last-name", "first-name", "middle-name", "suffix", "orgname", "name")
_ADDRESS_FIELDS = ("city", "state", "country")
_CLASSIFICATION_FIELDS = ("section", "class", "subclass", "main-group", "subgroup")


def docdb_grant_number(number: str) -> str:
    """US grant number as DOCDB writes it: no zero padding (``D0701016`` → ``D701016``)."""
    match = _GRANT_NUMBER.fullmatch(number)
    if match is None:
        raise InvalidContentError(
            f"grant number {number!r} is not a US patent number", check="invalid_doc_number"
        )
    return match.group(1) + match.group(2)


def docdb_publication_number(number: str) -> str:
    """US application publication number in DOCDB form (``20220240350`` → ``2022240350``).

    The published form is the year plus a 7-digit serial; DOCDB uses the year plus 6 digits
    while the serial fits (it always has so far) and keeps all 7 otherwise.
    """
    match = _PUBLICATION_NUMBER.fullmatch(number)
    if match is not None:
        year, serial = match.groups()
        return year + (serial[1:] if serial.startswith("0") else serial)
    if _DOCDB_PUBLICATION_NUMBER.fullmatch(number):
        return number
    raise InvalidContentError(
        f"publication number {number!r} is not a US application publication number "
        "(expected YYYY + 7 digits)",
        check="invalid_doc_number",
    )


_FLAVORS: dict[str, tuple[str, str, Callable[[str], str]]] = {
    # root element: (source, bibliographic element, DOCDB number form)
    "us-patent-grant": (SOURCE_GRANT, "us-bibliographic-data-grant", docdb_grant_number),
    "us-patent-application": (
        SOURCE_APPLICATION,
        "us-bibliographic-data-application",
        docdb_publication_number,
    ),
}


def parse_us_document(data: bytes, *, source_file: str | None = None) -> Document:
    """Parse and normalize one USPTO full-text document (its complete bytes).

    Raises a ``ParseError`` subclass whose ``check`` names what failed (see module
    ``patent_sync.parsing.errors``); never returns a partial document.
    """
    return _parse(data, hashlib.sha256(data).hexdigest(), source_file)


def parse_us_delivery(
    stream: BinaryIO,
    *,
    source_file: str,
    start_position: int = 0,
    default_source: str = SOURCE_UNKNOWN,
) -> Iterator[Document | QuarantineRecord]:
    """Parse every document of a weekly file stream, in order, one output item per document
    (the n-th item is the record at ``start_position + n``).

    Documents that cannot be parsed become ``QuarantineRecord(category=PARSE_ERROR)`` with the
    failed check, the position, the SHA-256 of the raw bytes, a readable detail and a short
    excerpt, so records in = documents + quarantined, always.
    """
    for position, raw in enumerate(iter_raw_documents(stream), start_position):
        yield parse_raw_document(
            raw, source_file=source_file, position=position, default_source=default_source
        )


def parse_raw_document(
    raw: RawDocument, *, source_file: str, position: int, default_source: str = SOURCE_UNKNOWN
) -> Document | QuarantineRecord:
    """One piece of a weekly file: its document, or a quarantine record saying why not.

    ``default_source`` names a quarantined piece whose root element cannot be read (garbage
    between documents): the source of the delivery it came in.
    """
    try:
        return _parse(raw.data, raw.sha256, source_file)
    except ParseError as err:
        return _quarantine(
            raw,
            position,
            err.check,
            err.message,
            err.doc_key,
            source_file,
            default_source,
        )
    except Exception as exc:  # a parser bug must not take the other 4,799 documents down
        return _quarantine(
            raw,
            position,
            "unexpected_parser_error",
            f"unexpected {type(exc).__name__} while parsing: {exc}",
            None,
            source_file,
            default_source,
        )


def _parse(data: bytes, payload_sha256: str, source_file: str | None) -> Document:
    root = parse_xml_bytes(data)
    flavor = _FLAVORS.get(root.tag) if isinstance(root.tag, str) else None
    if flavor is None:
        raise UnsupportedDocumentError(
            f"root element <{root.tag}> is not a USPTO grant or application publication "
            "(<us-patent-grant> or <us-patent-application>)",
            check="unsupported_root",
        )
    source, biblio_tag, docdb_number = flavor
    dtd_version = root.get("dtd-version")
    if not dtd_version or not dtd_version.startswith("v4."):
        raise UnsupportedDocumentError(
            f"<{root.tag}> has dtd-version {dtd_version!r}; only DTD v4.x is supported",
            check="unsupported_dtd_version",
        )
    biblio = _child(root, biblio_tag)
    if biblio is None:
        raise InvalidContentError(
            f"<{root.tag}> has no <{biblio_tag}>", check="missing_publication_reference"
        )

    country, number, kind, publication_date = _publication(biblio, docdb_number)
    doc_key = f"{country}-{number}-{kind}"
    try:
        return _document(
            root,
            biblio,
            doc_key=doc_key,
            country=country,
            number=number,
            kind=kind,
            publication_date=publication_date,
            source=source,
            dtd_version=dtd_version,
            payload_sha256=payload_sha256,
            source_file=source_file,
        )
    except ParseError as err:
        err.doc_key = err.doc_key or doc_key
        raise


def _publication(
    biblio: etree._Element, docdb_number: Callable[[str], str]
) -> tuple[str, str, str, dt.date | None]:
    document_id = biblio.find("publication-reference/document-id")
    if document_id is None:
        raise InvalidContentError(
            "no publication-reference/document-id", check="missing_publication_reference"
        )
    fields = _child_texts(document_id, _DOCUMENT_ID_FIELDS)
    country = clean(fields.get("country"))
    number = clean(fields.get("doc-number"))
    kind = clean(fields.get("kind"))
    if not country or not number or not kind:
        missing = [
            n for n, v in (("country", country), ("doc-number", number), ("kind", kind)) if not v
        ]
        raise InvalidContentError(
            f"publication-reference/document-id has no {', '.join(missing)}",
            check="missing_publication_reference",
        )
    date = _date(fields.get("date"), "publication-reference/document-id/date")
    return country, docdb_number(number), st16_kind(kind), date


def _document(
    root: etree._Element,
    biblio: etree._Element,
    *,
    doc_key: str,
    country: str,
    number: str,
    kind: str,
    publication_date: dt.date | None,
    source: str,
    dtd_version: str,
    payload_sha256: str,
    source_file: str | None,
) -> Document:
    application_number = application_country = application_type = None
    filing_date = None
    application = _child(biblio, "application-reference")
    if application is not None:
        application_type = application.get("appl-type")
        app_id = _child(application, "document-id")
        if app_id is not None:
            fields = _child_texts(app_id, _DOCUMENT_ID_FIELDS)
            application_number = clean(fields.get("doc-number"))
            application_country = clean(fields.get("country"))
            filing_date = _date(fields.get("date"), "application-reference/document-id/date")

    title = title_lang = None
    title_element = _child(biblio, "invention-title")
    if title_element is not None:
        title = collapse("".join(title_element.itertext())) or None
        lang = title_element.get("lang") or biblio.get("lang") or root.get("lang")
        title_lang = lang.strip().lower() if lang else None

    applicant_elements = _applicant_elements(biblio)
    applicants = dedupe(
        _party(
            element,
            "applicant",
            element.get("applicant-authority-category") or element.get("app-type"),
        )
        for element in applicant_elements
    )
    inventor_elements = _inventor_elements(biblio)
    if not inventor_elements:
        # Before the AIA (DTD v4.0–v4.2 era) inventors were the applicants marked so.
        inventor_elements = [
            e for e in applicant_elements if e.get("app-type") == "applicant-inventor"
        ]
    inventors = dedupe(_party(element, "inventor", None) for element in inventor_elements)
    assignees = dedupe(
        _party(element, "assignee", _text(element, "addressbook/role") or _text(element, "role"))
        for element in biblio.iterfind("assignees/assignee")
    )

    return Document(
        doc_key=doc_key,
        country=country,
        doc_number=number,
        kind=kind,
        publication_date=publication_date,
        application_number=application_number,
        filing_date=filing_date,
        title=title,
        title_lang=title_lang,
        source=source,
        payload_sha256=payload_sha256,
        application_country=application_country,
        application_type=application_type,
        applicants=applicants,
        inventors=inventors,
        assignees=assignees,
        ipc=dedupe(
            _classification(element, "classification-ipcr")
            for element in biblio.iterfind("classifications-ipcr/classification-ipcr")
        ),
        cpc=_cpc(biblio),
        priority_claims=tuple(_priority_claims(biblio)),
        related_documents=tuple(_related_documents(biblio)),
        term_extension_days=_term_extension(biblio),
        family_id=None,  # the USPTO full text carries no family id
        source_file=source_file,
        dtd_version=dtd_version,
    )


def _applicant_elements(biblio: etree._Element) -> list[etree._Element]:
    return [
        *biblio.iterfind("us-parties/us-applicants/us-applicant"),
        *biblio.iterfind("parties/applicants/applicant"),
    ]


def _inventor_elements(biblio: etree._Element) -> list[etree._Element]:
    return [
        *biblio.iterfind("us-parties/inventors/inventor"),
        *biblio.iterfind("parties/inventors/inventor"),
    ]


def _party(element: etree._Element, what: str, role: str | None) -> Party:
    book = _child(element, "addressbook")
    if book is None:
        book = element  # tolerate a name written directly in the party element
    fields = _child_texts(book, _NAME_FIELDS)
    last = clean(fields.get("last-name"))
    first = clean(fields.get("first-name"))
    middle = clean(fields.get("middle-name"))
    orgname = clean(fields.get("orgname"))
    if last or first:
        given = " ".join(part for part in (first, middle) if part)
        name = ", ".join(part for part in (last, given) if part)
        suffix = clean(fields.get("suffix"))
        if suffix:
            name = f"{name}, {suffix}"
        kind = "person"
    elif orgname:
        name, kind = orgname, "organization"
    else:
        name, kind = clean(fields.get("name")) or "", "person"
        if not name:
            raise InvalidContentError(
                f"{what} at line {element.sourceline} has no name (no last-name, first-name, "
                "orgname or name)",
                check="missing_party_name",
            )
    address = _child(book, "address")
    city = state = country = None
    if address is not None:
        place = _child_texts(address, _ADDRESS_FIELDS)
        city = clean(place.get("city"))
        state = clean(place.get("state"))
        country = clean(place.get("country"))
    return Party(name=name, kind=kind, city=city, state=state, country=country, role=role)


def _cpc(biblio: etree._Element) -> tuple[str, ...]:
    cpc = _child(biblio, "classifications-cpc")
    if cpc is None:
        return ()
    symbols = [
        _classification(element, "classification-cpc")
        for group in ("main-cpc", "further-cpc")
        for container in cpc.iterfind(group)
        # iter(): further-cpc may nest symbols in combination sets
        for element in container.iter("classification-cpc")
    ]
    return dedupe(symbols)


def _classification(element: etree._Element, what: str) -> str:
    fields = _child_texts(element, _CLASSIFICATION_FIELDS)
    section = clean(fields.get("section"))
    klass = clean(fields.get("class"))
    subclass = clean(fields.get("subclass"))
    main_group = clean(fields.get("main-group"))
    subgroup = clean(fields.get("subgroup"))
    if not (section and klass and subclass and main_group and subgroup):
        raise InvalidContentError(
            f"{what} at line {element.sourceline} lacks section, class, subclass, main-group "
            "or subgroup",
            check="invalid_classification",
        )
    # Main groups are sometimes zero padded; subgroups never lose digits (10/052 ≠ 10/52).
    return f"{section}{klass}{subclass} {main_group.lstrip('0') or '0'}/{subgroup}"


def _priority_claims(biblio: etree._Element) -> Iterator[PriorityClaim]:
    for claim in biblio.iterfind("priority-claims/priority-claim"):
        fields = _child_texts(claim, _DOCUMENT_ID_FIELDS)
        country = clean(fields.get("country"))
        number = clean(fields.get("doc-number"))
        if not country or not number:
            raise InvalidContentError(
                f"priority-claim at line {claim.sourceline} has no country or doc-number",
                check="missing_required_field",
            )
        yield PriorityClaim(
            country=country,
            number=number,
            date=_date(fields.get("date"), "priority-claim/date"),
            kind=claim.get("kind"),
        )


def _related_documents(biblio: etree._Element) -> Iterator[RelatedDocument]:
    related = _child(biblio, "us-related-documents")
    if related is None:
        return
    for container in related.iterchildren(tag=etree.Element):
        tag = container.tag
        relation = _RELATION_NAMES.get(tag, tag)
        relations = container.findall("relation")
        if relations:
            for link in relations:
                yield from _relation(link, relation)
            continue
        # Containers without a parent/child relation (provisional, related-publication, ...)
        role = _DIRECT_ROLES.get(tag, "related")
        status_tag = _DIRECT_STATUS.get(tag)
        status = _text(container, status_tag) if status_tag else None
        for document_id in container.iter("document-id"):
            yield _related(document_id, relation, role, status)


def _relation(link: etree._Element, relation: str) -> Iterator[RelatedDocument]:
    for side in link.iterchildren(tag=etree.Element):
        if side.tag == "parent-doc":
            document_id = _child(side, "document-id")
            if document_id is not None:
                yield _related(document_id, relation, "parent", _text(side, "parent-status"))
            for extra, role in (
                ("parent-grant-document", "parent-grant"),
                ("parent-pct-document", "parent-pct"),
            ):
                for document_id in side.iterfind(f"{extra}/document-id"):
                    yield _related(document_id, relation, role, None)
        elif side.tag == "child-doc":
            for document_id in side.iterfind("document-id"):
                yield _related(document_id, relation, "child", None)


def _related(
    document_id: etree._Element, relation: str, role: str, status: str | None
) -> RelatedDocument:
    fields = _child_texts(document_id, _DOCUMENT_ID_FIELDS)
    country = clean(fields.get("country"))
    number = clean(fields.get("doc-number"))
    if not country or not number:
        raise InvalidContentError(
            f"{relation} document-id at line {document_id.sourceline} has no country or doc-number",
            check="missing_required_field",
        )
    return RelatedDocument(
        relation=relation,
        role=role,
        country=country,
        number=number,
        kind=clean(fields.get("kind")),
        date=_date(fields.get("date"), f"{relation} document-id/date"),
        status=status,
    )


def _term_extension(biblio: etree._Element) -> int | None:
    text = _text(biblio, "us-term-of-grant/us-term-extension")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):
        raise InvalidContentError(
            f"us-term-extension {text!r} is not a whole number of days",
            check="invalid_term_extension",
        )
    return int(text)


def _date(text: str | None, element: str) -> dt.date | None:
    """``YYYYMMDD`` → date; empty or all zeros (the office's "no date") → None."""
    if text is None:
        return None
    text = text.strip()
    if not text or text == "00000000":
        return None
    if len(text) == 8 and text.isascii() and text.isdigit():
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise InvalidContentError(
        f"invalid date {text!r} in <{element}> (expected a real date as YYYYMMDD)",
        check="invalid_date",
    )


def _child_texts(element: etree._Element, tags: tuple[str, ...]) -> dict[str, str | None]:
    """Text of the direct children named in ``tags``, in one C-filtered pass.

    Much cheaper than a ``findtext`` per field (each goes through ElementPath), which matters
    on the hot path: a document has dozens of classifications and document-ids. The DTD allows
    each of these children once, so which duplicate would win does not arise.
    """
    return {child.tag: child.text for child in element.iterchildren(*tags)}


def _child(element: etree._Element, tag: str) -> etree._Element | None:
    """First direct child named ``tag`` (``find`` without the ElementPath overhead)."""
    return next(element.iterchildren(tag), None)


def _text(element: etree._Element, path: str) -> str | None:
    """Stripped text of the first ``path`` match; None when absent or blank."""
    value = element.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _quarantine(
    raw: RawDocument,
    position: int,
    check: str,
    message: str,
    doc_key: str | None,
    source_file: str | None,
    default_source: str,
) -> QuarantineRecord:
    head = raw.data[:RAW_EXCERPT_BYTES]
    return QuarantineRecord(
        category=QuarantineCategory.PARSE_ERROR,
        failed_checks=(check,),
        source=_source_from_head(head) or default_source,
        source_file=source_file,
        position=position,
        payload_sha256=raw.sha256,
        doc_key=doc_key or _sniff_doc_key(raw.data[:8192]),
        detail=f"document {raw.position} at line {raw.line}: {message}",
        payload=None,
        raw_excerpt=head.decode("utf-8", "replace"),
    )


def _source_from_head(head: bytes) -> str | None:
    if b"<us-patent-grant" in head:
        return SOURCE_GRANT
    if b"<us-patent-application" in head:
        return SOURCE_APPLICATION
    return None


_PUBLICATION_REFERENCE = re.compile(
    rb"<publication-reference>\s*<document-id>\s*<country>([A-Z]{2})</country>\s*"
    rb"<doc-number>([A-Z0-9]{1,15})</doc-number>\s*<kind>([A-Z][0-9]?)</kind>"
)


def _sniff_doc_key(head: bytes) -> str | None:
    """Best-effort key of a document that failed to parse, so a reviewer can find it."""
    source = _source_from_head(head)
    match = _PUBLICATION_REFERENCE.search(head)
    if source is None or match is None:
        return None
    country, number, kind = (part.decode("ascii") for part in match.groups())
    normalize = docdb_grant_number if source == SOURCE_GRANT else docdb_publication_number
    try:
        return f"{country}-{normalize(number)}-{st16_kind(kind)}"
    except ParseError:
        return None
