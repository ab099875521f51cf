"""EPO DOCDB exchange XML → canonical document changes, streamed one record at a time.

A weekly DOCDB delivery is one XML document of several GB holding ~365,000
``exch:exchange-document`` records, often on a single line. Parsing it as one tree would need
the whole file in memory, and one broken record would fail the other 364,999. So the stream is
read in 1 MiB chunks and cut into records at the byte level (a record is its start tag up to
its matching end tag), and each record is parsed on its own through the hardened
``parse_xml_bytes``. A record that cannot be read becomes a ``QuarantineRecord`` saying why;
bytes between records that are neither whitespace nor the file's own framing (XML declaration,
DOCTYPE, comments, the root start and end tags) are quarantined as a record of their own, so
the records counted in always equal the changes given out.

Three spellings of the same record reach us and must normalize identically: ``exch:``-prefixed
inside a root that binds the namespace, ``exch:``-prefixed as a bare fragment whose prefix is
unbound, and with no prefix at all (records that tools re-serialized). The ``exch:`` prefix is
removed from element names at the byte level (``<`` cannot occur in text or attribute values,
so this touches only tags) and the record is parsed inside a wrapper that still binds ``exch``
and ``xsi`` for any prefixed attribute; every record then has the unprefixed shape and one
extraction path reads all three with plain, cheap tag names.

Entities: DOCDB uses named entities (``&SACUTE;``) declared only in ``docdb-entities.dtd``,
which deliveries do not ship and which must never be loaded. Known names are rewritten into
numeric character references from ``docdb_entities`` before parsing; an unknown name
quarantines its record (check ``unknown_entity``). The file's DOCTYPE is vetted as it streams
past: an ``<!ENTITY`` declaration anywhere outside a record refuses the whole file
(``forbidden_entity_declaration``), and so does a DOCTYPE naming any external DTD other than
the genuine ``docdb-entities.dtd`` (``forbidden_external_dtd``), before any record is yielded.

Normalization:

* ``doc_key`` ``CC-NUMBER-KIND`` from the docdb ``publication-reference`` (each field falling
  back to the ``exchange-document`` attributes), numbers through ``epo_numbers`` so the key
  matches the USPTO parser's for US documents;
* status ``C`` or none (back file) and ``A`` are upserts, ``D`` a delete, anything else is
  quarantined (``unknown_status``);
* dates ``YYYYMMDD`` → ``date``; empty or ``00000000`` → None; impossible → ``invalid_date``;
* IPC and CPC symbols in the USPTO parser's form (``A61K 9/16``), deduplicated in order;
* parties as DOCDB gives them, once per data format (``docdb`` normalized upper case,
  ``docdba`` as filed, ``original``). Inventors are persons. An applicant is an organization
  when its name holds a legal-form or institution word (``GMBH``, ``CORP``, ``UNIV`` ...);
  otherwise a person when the name has a comma (``LAST, First``, the filed form of a person) or
  is also among the document's inventors; otherwise an organization, which most DOCDB
  applicants are;
* abstracts: each ``p`` whitespace-collapsed, paragraphs joined by a newline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from patent_sync.formats.base import Change, Delete, RawCount, Upsert
from patent_sync.model import (
    Citation,
    Document,
    LocalizedText,
    NumberForm,
    Party,
    PriorityClaim,
    QuarantineCategory,
    QuarantineRecord,
)
from patent_sync.parsing.docdb_entities import DOCDB_ENTITIES
from patent_sync.parsing.epo_numbers import docdb_number
from patent_sync.parsing.errors import (
    HostileXmlError,
    InvalidContentError,
    MalformedXmlError,
    ParseError,
)
from patent_sync.parsing.limits import ParseLimits, current_limits, describe_size
from patent_sync.parsing.safe_xml import parse_xml_bytes
from patent_sync.parsing.text import clean, collapse, dedupe

SOURCE = "epo.docdb"
EXCHANGE_NAMESPACE = "http://www.epo.org/exchange"
GENUINE_DTD = "docdb-entities.dtd"
CHUNK_SIZE = 1 << 20  # 1 MiB reads: few Python iterations per GB, small memory
# A record or stray stretch longer than the record limit (``PATENT_SYNC_MAX_RECORD_BYTES``,
# ``patent_sync.parsing.limits``) is quarantined without being held whole, so that a file
# missing its record tags cannot make the splitter buffer gigabytes. This is the default; the
# splitter reads the configured value when it starts.
MAX_SEGMENT_BYTES = ParseLimits().max_record_bytes
RAW_EXCERPT_BYTES = 2048


_NAME = b"exchange-document"
_NAME_LENGTH = len(_NAME)
_START_FOLLOW = frozenset(b" \t\r\n/>")
_COUNT_NAME = re.compile(rb"exchange-document(?=[\s/>])")
_COUNT_OVERLAP = 4096
_WRAP_START = (
    b'<exchange-documents xmlns:exch="' + EXCHANGE_NAMESPACE.encode() + b'" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
)
_WRAP_END = b"</exchange-documents>"

# Framing that may sit between records without being a record itself.
_FRAMING = re.compile(
    rb"<\?xml[^>]*\?>"
    rb"|<!--.*?-->"
    rb"|<!DOCTYPE\s[^\[>]*(?:\[.*?\]\s*)?>"
    rb"|<(?:exch:)?exchange-documents(?:\s[^>]*)?>"
    rb"|</(?:exch:)?exchange-documents\s*>"
    # The OPS envelope around the same records (EPO OPS biblio answers, ``epo.ops.biblio``).
    rb"|<\?xml-stylesheet[^>]*\?>"
    rb"|<ops:world-patent-data(?:\s[^>]*)?>"
    rb"|</ops:world-patent-data\s*>"
    rb"|<ops:meta\s[^>]*/>",
    re.DOTALL,
)
_DOCTYPE_TOKENS = re.compile(rb"\"[^\"]*\"|'[^']*'|[^\s\"']+")
_ROOT_DTD_VERSION = re.compile(rb"<(?:exch:)?exchange-documents\s[^>]*?\bdtd-version=\"([^\"]*)\"")

_ENTITY_REFERENCE = re.compile(rb"&([A-Za-z_:][A-Za-z0-9_.:\-]*);")
_PREDEFINED = ("amp", "lt", "gt", "quot", "apos")
_ENTITY_BYTES: dict[bytes, bytes] = {
    **{
        name.encode("ascii"): "".join(f"&#x{ord(c):X};" for c in text).encode("ascii")
        for name, text in DOCDB_ENTITIES.items()
    },
    **{name.encode("ascii"): b"&" + name.encode("ascii") + b";" for name in _PREDEFINED},
}

_SNIFF_KEY = re.compile(
    rb"<(?:exch:)?exchange-document\s[^>]*?\bcountry=\"([A-Z]{2})\"\s[^>]*?"
    rb"\bdoc-number=\"([A-Z0-9 ]{1,20})\"\s[^>]*?\bkind=\"([A-Z][0-9]?)\""
)
_OLD_IPC = re.compile(
    r"\s*[0-9]*\s*([A-H])\s?([0-9]{2})\s?([A-Z])\s*([0-9]{1,4})\s*/\s*([0-9]{1,6})"
)

_STATUSES = frozenset({"C", "A", "D"})
# Classification symbols and dates repeat across a delivery's records, and parsing them is a
# measurable share of the per-record cost; the caches are cleared when they reach the limit.
_CACHE_LIMIT = 100_000
_SYMBOLS: dict[str, str] = {}
_DATES: dict[str, dt.date | bool] = {}
_CPC_SCHEMES = frozenset({"CPC", "CPCI", "CPCNO"})

# Words that make an applicant name an organization (DOCDB's normalized names abbreviate:
# "UNIV", "INST", "CO"). Matched as whole words of the upper-cased name.
_ORGANIZATION_WORDS = frozenset(
    [
        "AB",
        "AG",
        "AKTIEBOLAG",
        "AKTIENGESELLSCHAFT",
        "AS",
        "ASA",
        "ASSOCIATION",
        "BV",
        "BHD",
        "CIE",
        "CNRS",
        "CO",
        "COMPANY",
        "CORP",
        "CORPORATION",
        "COUNCIL",
        "CENTER",
        "CENTRE",
        "DEPT",
        "EV",
        "FOUND",
        "FOUNDATION",
        "FUND",
        "GMBH",
        "GROUP",
        "HOSPITAL",
        "IND",
        "INDUSTRIES",
        "INC",
        "INST",
        "INSTITUT",
        "INSTITUTE",
        "INSTITUTO",
        "KABUSHIKI",
        "KAISHA",
        "KG",
        "KGAA",
        "KK",
        "LAB",
        "LABORATORIES",
        "LABORATORY",
        "LABS",
        "LLC",
        "LLP",
        "LP",
        "LTD",
        "LIMITED",
        "MFG",
        "NV",
        "OY",
        "OYJ",
        "PLC",
        "PTY",
        "SA",
        "SARL",
        "SAS",
        "SE",
        "SL",
        "SPA",
        "SRL",
        "SOC",
        "SOCIETY",
        "TECH",
        "TECHNOLOGIES",
        "TECHNOLOGY",
        "TRUST",
        "UNIV",
        "UNIVERSIDAD",
        "UNIVERSIDADE",
        "UNIVERSITA",
        "UNIVERSITAET",
        "UNIVERSITE",
        "UNIVERSITEIT",
        "UNIVERSITET",
        "UNIVERSITY",
        "VZW",
        "ZH",
    ]
)


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    """One piece of a delivery cut out by the splitter, before parsing.

    ``kind`` is "record" (an ``exchange-document``), "stray" (non-framing bytes between
    records) or "oversized" (a record or stray stretch cut at the record limit,
    ``PATENT_SYNC_MAX_RECORD_BYTES``; ``data`` is its first part). ``offset`` is the byte
    offset of ``data`` in the stream.
    """

    kind: str
    data: bytes
    offset: int
    dtd_version: str | None = None  # the file root's, which a record's document records


def iter_docdb_pieces(stream: BinaryIO) -> Iterator[Segment]:
    """The records and stray segments of a DOCDB exchange file, in order, unparsed.

    Framing (declaration, DOCTYPE, root tags) is vetted and consumed here: it raises
    ``HostileXmlError`` before anything after it is yielded when the file declares entities or
    names a foreign external DTD. Each record carries the root's ``dtd-version``.
    """
    dtd_version: str | None = None
    for segment in iter_segments(stream):
        if segment.kind == "framing":
            dtd_version = dtd_version or _root_dtd_version(segment.data)
            continue
        yield dataclasses.replace(segment, dtd_version=dtd_version)


def docdb_change(segment: Segment, *, source_file: str, position: int) -> Change:
    """The change one segment makes: never raises for a bad record (it is quarantined), except
    ``HostileXmlError`` for an entity declaration, which refuses the whole file."""
    sha256 = hashlib.sha256(segment.data).hexdigest()
    if segment.kind == "record":
        try:
            return _record_change(segment.data, sha256, position, source_file, segment.dtd_version)
        except HostileXmlError as err:
            if err.check == "forbidden_entity_declaration":
                raise
            return _quarantine(segment, sha256, position, err.check, err.message, None, source_file)
        except ParseError as err:
            return _quarantine(
                segment, sha256, position, err.check, err.message, err.doc_key, source_file
            )
        except Exception as exc:  # a parser bug must not take the other records down
            return _quarantine(
                segment,
                sha256,
                position,
                "unexpected_parser_error",
                f"unexpected {type(exc).__name__} while parsing: {exc}",
                None,
                source_file,
            )
    if segment.kind == "stray":
        return _quarantine(
            segment,
            sha256,
            position,
            "stray_content",
            "bytes between records that are not an exchange-document",
            None,
            source_file,
        )
    return _quarantine(
        segment,
        sha256,
        position,
        "record_too_large",
        f"more than {describe_size(len(segment.data))} without a record boundary "
        "(PATENT_SYNC_MAX_RECORD_BYTES); the rest up to the next record was skipped",
        None,
        source_file,
    )


def iter_docdb_changes(
    stream: BinaryIO, *, source_file: str, start_position: int = 0
) -> Iterator[Change]:
    """One change per record (and per stray segment) of a DOCDB exchange file, in order.

    Raises ``HostileXmlError`` (before yielding anything after it) when the file declares
    entities or names a foreign external DTD; never raises for a bad record.
    """
    for position, segment in enumerate(iter_docdb_pieces(stream), start_position):
        yield docdb_change(segment, source_file=source_file, position=position)


def parse_docdb_record(
    data: bytes,
    *,
    source_file: str | None = None,
    position: int = 0,
    dtd_version: str | None = None,
) -> Upsert | Delete:
    """Parse one ``exchange-document`` (its exact bytes, any of the three spellings).

    Raises a ``ParseError`` whose ``check`` names what failed.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    return _record_change(data, sha256, position, source_file, dtd_version)


def count_docdb_records(stream: BinaryIO) -> RawCount:
    """Records and stray segments, counted with a tokenizer over overlapping chunks.

    Independent of ``iter_segments``: it walks start and end tags as tokens rather than cutting
    records out, so a disagreement between the two shows up in reconciliation.
    """
    max_gap = current_limits().max_record_bytes
    records = stray = 0
    in_record = False
    gap = bytearray()
    pending = b""
    eof = False
    while not eof:
        chunk = stream.read(CHUNK_SIZE)
        eof = not chunk
        data = pending + chunk
        limit = len(data) if eof else max(0, len(data) - _COUNT_OVERLAP)
        resume = 0
        for match in _COUNT_NAME.finditer(data):
            i = match.start()
            if i >= limit:
                break
            if data[i - 1 : i] == b"<" or data[i - 6 : i] == b"<exch:":
                is_end = False
                tag_start = i - 1 if data[i - 1 : i] == b"<" else i - 6
            elif data[i - 2 : i] == b"</" or data[i - 7 : i] == b"</exch:":
                is_end = True
                tag_start = i - 2 if data[i - 2 : i] == b"</" else i - 7
            else:
                continue
            close = data.find(b">", i)
            if close < 0:
                if not eof:
                    limit = tag_start
                    break
                close = len(data) - 1
            if not is_end:
                if not in_record:
                    _add_gap(gap, data[resume:tag_start], max_gap)
                    stray += _is_stray(bytes(gap))
                    gap.clear()
                records += 1
                in_record = data[close - 1] != 0x2F  # "/>" closes a record of attributes only
            elif in_record:
                in_record = False
            else:
                # An end tag outside a record is stray.
                _add_gap(gap, data[resume : close + 1], max_gap)
            resume = close + 1
        keep = max(resume, limit - 8 if not eof else limit)
        if not in_record:
            _add_gap(gap, data[resume:keep], max_gap)
        pending = data[keep:]
    if not in_record:
        stray += _is_stray(bytes(gap))
    return RawCount(
        records=records + stray,
        detail={"exchange_documents": records, "stray_segments": stray},
    )


def iter_segments(stream: BinaryIO) -> Iterator[Segment]:
    """Cut a DOCDB stream into records, stray segments and framing, reading 1 MiB at a time.

    Framing segments (``kind="framing"``) carry the XML declaration, DOCTYPE and root tags;
    they are vetted here (``HostileXmlError``) and otherwise only read for ``dtd-version``.
    A record whose end tag is missing ends where the next record starts (or at the end).
    """
    max_bytes = current_limits().max_record_bytes
    buf = b""
    base = 0  # stream offset of buf[0]
    pos = 0  # start of what is not yet cut
    eof = False
    skipping = False  # discarding the rest of an oversized segment up to the next record

    def more() -> bool:
        nonlocal buf, base, pos, eof
        if eof:
            return False
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        base += pos
        pos = 0
        return True

    while True:
        start, _, _ = _next_tag(buf, pos, want_end=False)
        if start < 0:
            if skipping:
                pos = max(pos, len(buf) - 64)  # keep a possible partial start tag
            elif len(buf) - pos > max_bytes:
                yield Segment("oversized", buf[pos : pos + max_bytes], base + pos)
                skipping = True
                pos = len(buf) - 64
            if more():
                continue
            if not skipping and buf[pos:].strip():
                yield _gap_segment(buf[pos:], base + pos)
            return
        if skipping:
            skipping = False
        elif start > pos and buf[pos:start].strip():
            yield _gap_segment(buf[pos:start], base + pos)
        pos = start
        tag_close = buf.find(b">", start)
        while tag_close < 0 and len(buf) - pos <= max_bytes and more():
            tag_close = buf.find(b">", pos)
        if tag_close < 0 and len(buf) - pos > max_bytes:  # a start tag that never closes
            yield Segment("oversized", buf[pos : pos + max_bytes], base + pos)
            skipping = True
            pos = len(buf) - 64
            continue
        if tag_close < 0:
            yield Segment("record", buf[pos:], base + pos)
            return
        if buf[tag_close - 1] == 0x2F:  # "/>": a record of attributes only
            yield Segment("record", buf[pos : tag_close + 1], base + pos)
            pos = tag_close + 1
            continue
        body = tag_close + 1 - pos  # relative to pos, which moves when buf is refilled
        while True:
            found, found_end, is_end = _next_tag(buf, pos + body, want_end=True)
            if found >= 0:
                # Without an end tag before the next record, the record is cut there.
                end = found_end if is_end else found
                # A whole record past the limit is refused too, so that whether a record is
                # quarantined never depends on where the 1 MiB reads happened to fall.
                kind = "oversized" if end - pos > max_bytes else "record"
                yield Segment(kind, buf[pos : min(end, pos + max_bytes)], base + pos)
                pos = end
                break
            if len(buf) - pos > max_bytes:
                yield Segment("oversized", buf[pos : pos + max_bytes], base + pos)
                skipping = True
                pos = len(buf) - 64
                break
            if not more():
                yield Segment("record", buf[pos:], base + pos)
                return


def _next_tag(buf: bytes, at: int, *, want_end: bool) -> tuple[int, int, bool]:
    """The next record start tag (and, with ``want_end``, end tag) at or after ``at``.

    Returns (start of the tag, end of an end tag or -1, is_end), or (-1, -1, False) when none
    is complete in ``buf``. ``bytes.find`` on the element name is far cheaper than a regex
    anchored on "<", which every tag of the file would try.
    """
    size = len(buf)
    while True:
        i = buf.find(_NAME, at)
        if i < 0:
            return -1, -1, False
        after = i + _NAME_LENGTH
        if after >= size:
            return -1, -1, False  # cannot tell what follows yet
        at = after
        follow = buf[after]
        if buf[i - 1] == 0x3C:  # "<exchange-document"
            tag_start, is_end = i - 1, False
        elif buf[i - 6 : i] == b"<exch:":
            tag_start, is_end = i - 6, False
        elif buf[i - 2 : i] == b"</":
            tag_start, is_end = i - 2, True
        elif buf[i - 7 : i] == b"</exch:":
            tag_start, is_end = i - 7, True
        else:
            continue
        if not is_end:
            if follow in _START_FOLLOW:
                return tag_start, -1, False
            continue
        if not want_end:
            continue
        close = buf.find(b">", after)
        if close < 0:
            return -1, -1, False
        if close == after or not buf[after:close].strip():
            return tag_start, close + 1, True


def _gap_segment(gap: bytes, offset: int) -> Segment:
    _vet_framing(gap)
    return Segment("stray" if _is_stray(gap) else "framing", gap, offset)


def _is_stray(gap: bytes) -> bool:
    """True when ``gap`` holds anything but whitespace and the file's framing."""
    if gap.startswith(b"\xef\xbb\xbf"):
        gap = gap[3:]
    if not gap.strip():
        return False
    return bool(_FRAMING.sub(b"", gap).strip())


def _add_gap(gap: bytearray, data: bytes, max_gap: int) -> None:
    # Past the cap only whether the gap is stray matters, and a gap that long is.
    if len(gap) <= max_gap:
        gap += data
    elif not gap.startswith(b"\x00stray"):
        gap[:] = b"\x00stray"


def _vet_framing(gap: bytes) -> None:
    """Refuse entity declarations and foreign external DTDs (the whole file fails)."""
    if b"<!" not in gap:
        return
    if b"<!ENTITY" in gap:
        raise HostileXmlError(
            "refused: the file declares entities (<!ENTITY ...>); entity declarations enable "
            "entity-expansion and external-entity attacks",
            check="forbidden_entity_declaration",
        )
    at = gap.find(b"<!DOCTYPE")
    while at >= 0:
        header_end = len(gap)
        for stop in (b"[", b">"):
            found = gap.find(stop, at)
            if 0 <= found < header_end:
                header_end = found
        tokens = _DOCTYPE_TOKENS.findall(gap[at:header_end])[2:]  # after "<!DOCTYPE" and name
        if tokens and not (
            len(tokens) == 2 and tokens[0] == b"SYSTEM" and tokens[1][1:-1] == GENUINE_DTD.encode()
        ):
            named = b" ".join(tokens)[:120].decode("ascii", "backslashreplace")
            raise HostileXmlError(
                f"refused: the DOCTYPE names an external DTD ({named}); only SYSTEM "
                f'"{GENUINE_DTD}" is accepted, and it is never loaded',
                check="forbidden_external_dtd",
            )
        at = gap.find(b"<!DOCTYPE", at + 9)


def _root_dtd_version(gap: bytes) -> str | None:
    match = _ROOT_DTD_VERSION.search(gap)
    return match.group(1).decode("ascii", "replace") if match else None


def _prepare(data: bytes) -> bytes:
    if b"&" in data:
        data = _ENTITY_REFERENCE.sub(_entity_replacement, data)
    return _WRAP_START + data.replace(b"<exch:", b"<").replace(b"</exch:", b"</") + _WRAP_END


def _entity_replacement(match: re.Match[bytes]) -> bytes:
    replacement = _ENTITY_BYTES.get(match.group(1))
    if replacement is None:
        name = match.group(1)[:60].decode("ascii", "replace")
        raise InvalidContentError(
            f"unknown entity &{name}; (not in docdb-entities.dtd)", check="unknown_entity"
        )
    return replacement


def _record_change(
    data: bytes,
    sha256: str,
    position: int,
    source_file: str | None,
    dtd_version: str | None,
) -> Upsert | Delete:
    wrapper = parse_xml_bytes(_prepare(data))
    record = wrapper[0] if len(wrapper) else None
    if record is None or record.tag != "exchange-document":
        tag = None if record is None else record.tag
        raise MalformedXmlError(
            f"expected one exchange-document, found {tag!r}", check="unsupported_root"
        )
    attrib = record.attrib
    status = attrib.get("status")
    if status is not None and status not in _STATUSES:
        raise InvalidContentError(
            f"unknown status {status[:20]!r} (expected C, A or D)",
            check="unknown_status",
            doc_key=_attribute_key(attrib),
        )
    biblio = _child(record, "bibliographic-data")
    publications: list[etree._Element] = []
    applications: list[etree._Element] = []
    if biblio is not None:
        for child in biblio.iterchildren("publication-reference", "application-reference"):
            (publications if child.tag == "publication-reference" else applications).append(child)
    country, number, kind, publication_date = _publication(publications, attrib)
    doc_key = f"{country}-{number}-{kind}"
    try:
        last_exchange = _date(attrib.get("date-of-last-exchange"), "date-of-last-exchange")
        if status == "D":
            return Delete(
                doc_key=doc_key,
                position=position,
                source=SOURCE,
                source_file=source_file,
                payload_sha256=sha256,
                date_of_last_exchange=last_exchange,
            )
        document = _document(
            record,
            biblio,
            publications,
            applications,
            doc_key=doc_key,
            country=country,
            number=number,
            kind=kind,
            publication_date=publication_date,
            last_exchange=last_exchange,
            sha256=sha256,
            source_file=source_file,
            dtd_version=dtd_version,
        )
    except ParseError as err:
        err.doc_key = err.doc_key or doc_key
        raise
    return Upsert(document, position)


def _publication(
    publications: list[etree._Element], attrib: etree._Attrib
) -> tuple[str, str, str, dt.date | None]:
    fields: dict[str, str | None] = {}
    for reference in publications:
        if reference.get("data-format") == "docdb":
            document_id = _child(reference, "document-id")
            if document_id is not None:
                fields = _fields(document_id)
            break
    country = clean(fields.get("country")) or clean(attrib.get("country"))
    number = clean(fields.get("doc-number")) or clean(attrib.get("doc-number"))
    kind = clean(fields.get("kind")) or clean(attrib.get("kind"))
    if not country or not number or not kind:
        missing = [
            n for n, v in (("country", country), ("doc-number", number), ("kind", kind)) if not v
        ]
        raise InvalidContentError(
            f"no docdb publication-reference and no {', '.join(missing)} on exchange-document",
            check="missing_publication_reference",
        )
    date_text = fields.get("date") or attrib.get("date-publ")
    return (
        country,
        docdb_number(country, number),
        kind,
        _date(date_text, "publication date"),
    )


def _document(
    record: etree._Element,
    biblio: etree._Element | None,
    publications: list[etree._Element],
    applications: list[etree._Element],
    *,
    doc_key: str,
    country: str,
    number: str,
    kind: str,
    publication_date: dt.date | None,
    last_exchange: dt.date | None,
    sha256: str,
    source_file: str | None,
    dtd_version: str | None,
) -> Document:
    number_forms = [
        *_number_forms(publications, "publication"),
        *_number_forms(applications, "application"),
    ]
    application_number = application_country = None
    filing_date = None
    for reference in applications:
        if reference.get("data-format") == "docdb":
            document_id = _child(reference, "document-id")
            if document_id is not None:
                fields = _fields(document_id)
                application_number = clean(fields.get("doc-number"))
                application_country = clean(fields.get("country"))
                filing_date = _date(fields.get("date"), "application-reference date")
            break

    titles: list[LocalizedText] = []
    ipc: list[str] = []
    old_ipc: list[str] = []
    cpc: list[str] = []
    priority_claims: list[PriorityClaim] = []
    applicants: list[Party] = []
    inventors: list[Party] = []
    citations: list[Citation] = []
    if biblio is not None:
        for child in biblio:
            tag = child.tag
            if tag == "invention-title":
                titles.append(LocalizedText(_lang(child), collapse("".join(child.itertext()))))
            elif tag == "classifications-ipcr":
                for element in child.iterchildren("classification-ipcr"):
                    ipc.append(_fixed_width_symbol(_child_text(element, "text"), "IPCR"))
            elif tag == "classification-ipc":
                for element in child.iterchildren("main-classification", "further-classification"):
                    old_ipc.append(_old_ipc_symbol(element.text))
            elif tag == "patent-classifications":
                cpc.extend(_cpc(child))
            elif tag == "priority-claims":
                priority_claims.extend(_priority_claims(child))
            elif tag == "parties":
                applicants, inventors = _parties(child)
            elif tag == "references-cited":
                citations.extend(_citations(child))

    abstracts = [
        LocalizedText(_lang(element), _abstract_text(element))
        for element in record.iterchildren("abstract")
    ]
    title = title_lang = None
    if titles:
        chosen = next((t for t in titles if t.lang == "en"), titles[0])
        title, title_lang = chosen.text or None, chosen.lang

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
        source=SOURCE,
        payload_sha256=sha256,
        application_country=application_country,
        application_type=None,
        applicants=dedupe(applicants),
        inventors=dedupe(inventors),
        ipc=dedupe(ipc or old_ipc),
        cpc=dedupe(cpc),
        priority_claims=tuple(priority_claims),
        family_id=clean(record.get("family-id")),
        source_file=source_file,
        dtd_version=dtd_version,
        titles=tuple(titles),
        abstracts=tuple(abstracts),
        citations=tuple(citations),
        number_forms=tuple(number_forms),
        date_of_last_exchange=last_exchange,
    )


def _number_forms(references: list[etree._Element], role: str) -> Iterator[NumberForm]:
    for reference in references:
        document_id = _child(reference, "document-id")
        number = None if document_id is None else _child_text(document_id, "doc-number")
        if number:
            yield NumberForm(role, reference.get("data-format") or "unspecified", number)


def _cpc(container: etree._Element) -> Iterator[str]:
    for element in container.iterchildren("patent-classification"):
        scheme = _child(element, "classification-scheme")
        if scheme is None or scheme.get("scheme") not in _CPC_SCHEMES:
            continue
        yield _fixed_width_symbol(_child_text(element, "classification-symbol"), "CPC")


def _fixed_width_symbol(text: str | None, what: str) -> str:
    symbol = _SYMBOLS.get(text) if text is not None else None
    if symbol is None:
        symbol = _parse_fixed_width_symbol(text, what)
        if len(_SYMBOLS) >= _CACHE_LIMIT:
            _SYMBOLS.clear()
        _SYMBOLS[text] = symbol
    return symbol


def _parse_fixed_width_symbol(text: str | None, what: str) -> str:
    """``A61K   9/16        20060101A I...`` (subclass in 1-4, main group right-aligned in 5-8,
    "/" in 9, subgroup from 10) → ``A61K 9/16``, the USPTO parser's form."""
    field = (text or "")[:19]
    subclass = field[:4]
    main_group, slash, subgroup = field[4:].partition("/")
    main_group = main_group.strip()
    subgroup = subgroup.strip()
    if not (
        slash
        and len(subclass) == 4
        and subclass[0] in "ABCDEFGHY"
        and subclass[1:3].isdigit()
        and subclass[3].isalpha()
        and main_group.isdigit()
        and subgroup.isdigit()
    ):
        raise InvalidContentError(
            f"{what} symbol {(text or '')[:40]!r} is not a classification symbol",
            check="invalid_classification",
        )
    return f"{subclass} {main_group.lstrip('0') or '0'}/{subgroup}"


def _old_ipc_symbol(text: str | None) -> str:
    match = _OLD_IPC.match(text or "")
    if match is None:
        raise InvalidContentError(
            f"IPC main-classification {(text or '')[:40]!r} is not an IPC symbol",
            check="invalid_classification",
        )
    section, klass, subclass, main_group, subgroup = match.groups()
    return f"{section}{klass}{subclass} {main_group.lstrip('0') or '0'}/{subgroup}"


def _priority_claims(container: etree._Element) -> Iterator[PriorityClaim]:
    for claim in container.iterchildren("priority-claim"):
        if claim.get("data-format") != "docdb":
            continue
        document_id = _child(claim, "document-id")
        fields = _fields(document_id) if document_id is not None else {}
        country = clean(fields.get("country"))
        number = clean(fields.get("doc-number"))
        if not country or not number:
            raise InvalidContentError(
                f"docdb priority-claim {claim.get('sequence')} has no country or doc-number",
                check="missing_required_field",
            )
        yield PriorityClaim(
            country=country,
            number=number,
            date=_date(fields.get("date"), "priority-claim date"),
            kind=_child_text(claim, "priority-linkage-type"),
        )


def _parties(container: etree._Element) -> tuple[list[Party], list[Party]]:
    inventors = [
        _party(element, "inventor-name", "person")
        for group in container.iterchildren("inventors")
        for element in group.iterchildren("inventor")
    ]
    inventor_names = {party.name for party in inventors}
    applicants = [
        _party(element, "applicant-name", None, inventor_names)
        for group in container.iterchildren("applicants")
        for element in group.iterchildren("applicant")
    ]
    return applicants, inventors


def _party(
    element: etree._Element,
    name_tag: str,
    kind: str | None,
    inventor_names: set[str] | frozenset[str] = frozenset(),
) -> Party:
    name = country = None
    for child in element:  # one pass: name, then residence
        tag = child.tag
        if tag == name_tag:
            for part in child:
                if part.tag == "name":
                    name = part.text
                    break
        elif tag == "residence":
            for part in child:
                if part.tag == "country":
                    country = clean(part.text)
                    break
    name = collapse(name) if name else None
    if not name:
        raise InvalidContentError(
            f"{element.tag} {element.get('sequence')} ({element.get('data-format')}) has no name",
            check="missing_party_name",
        )
    return Party(
        name=name,
        kind=kind or _applicant_kind(name, inventor_names),
        country=country,
        data_format=element.get("data-format"),
    )


def _applicant_kind(name: str, inventor_names: set[str] | frozenset[str]) -> str:
    words = name.upper().replace(",", " ").replace(".", " ").split()
    if not _ORGANIZATION_WORDS.isdisjoint(words):
        return "organization"
    if "," in name or name in inventor_names:
        return "person"
    return "organization"


def _citations(container: etree._Element) -> Iterator[Citation]:
    for citation in container.iterchildren("citation"):
        phase = citation.get("cited-phase")
        for cited in citation.iterchildren("patcit", "nplcit"):
            if cited.tag == "patcit":
                document_id = _child(cited, "document-id")
                fields = _fields(document_id) if document_id is not None else {}
                yield Citation(
                    category="patent",
                    phase=phase,
                    country=clean(fields.get("country")),
                    number=clean(fields.get("doc-number")) or cited.get("dnum"),
                    kind=clean(fields.get("kind")),
                    date=_date(fields.get("date"), "cited patent date"),
                )
            else:
                text_element = _child(cited, "text")
                text = None if text_element is None else collapse("".join(text_element.itertext()))
                yield Citation(category="npl", phase=phase, text=text or None)


def _abstract_text(element: etree._Element) -> str:
    paragraphs = [collapse("".join(p.itertext())) for p in element.iterchildren("p")]
    if not paragraphs:
        return collapse("".join(element.itertext()))
    return "\n".join(p for p in paragraphs if p)


def _lang(element: etree._Element) -> str | None:
    lang = element.get("lang")
    return lang.strip().lower() or None if lang else None


def _date(text: str | None, what: str) -> dt.date | None:
    """``YYYYMMDD`` → date; empty or all zeros (DOCDB's "no date") → None."""
    if text is None:
        return None
    date = _DATES.get(text)
    if date is None:
        date = _parse_date(text, what)
        if len(_DATES) >= _CACHE_LIMIT:
            _DATES.clear()
        _DATES[text] = date
    return date or None


def _parse_date(text: str, what: str) -> dt.date | bool:
    """The date, or False for DOCDB's "no date" (so that the cache can tell it from a miss)."""
    text = text.strip()
    if not text or text == "00000000":
        return False
    if len(text) == 8 and text.isascii() and text.isdigit():
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise InvalidContentError(
        f"invalid date {text[:20]!r} in {what} (expected a real date as YYYYMMDD)",
        check="invalid_date",
    )


def _fields(element: etree._Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


def _child(element: etree._Element, tag: str) -> etree._Element | None:
    # A plain loop: the wanted child is nearly always the first, and this creates fewer
    # proxies than iterchildren(tag) or find(tag).
    for child in element:
        if child.tag == tag:
            return child
    return None


def _child_text(element: etree._Element, tag: str) -> str | None:
    for child in element:
        if child.tag == tag:
            return clean(child.text)
    return None


def _attribute_key(attrib: etree._Attrib) -> str | None:
    country, number, kind = attrib.get("country"), attrib.get("doc-number"), attrib.get("kind")
    if not (country and number and kind):
        return None
    try:
        return f"{country}-{docdb_number(country, number)}-{kind}"
    except ParseError:
        return None


def _sniff_doc_key(head: bytes) -> str | None:
    """Best-effort key of a record that failed to parse, so a reviewer can find it."""
    match = _SNIFF_KEY.search(head)
    if match is None:
        return None
    country, number, kind = (part.decode("ascii") for part in match.groups())
    try:
        return f"{country}-{docdb_number(country, number)}-{kind}"
    except ParseError:
        return None


def _quarantine(
    segment: Segment,
    sha256: str,
    position: int,
    check: str,
    message: str,
    doc_key: str | None,
    source_file: str | None,
) -> QuarantineRecord:
    head = segment.data[:RAW_EXCERPT_BYTES]
    what = "record" if segment.kind == "record" else f"{segment.kind} segment"
    return QuarantineRecord(
        category=QuarantineCategory.PARSE_ERROR,
        failed_checks=(check,),
        source=SOURCE,
        source_file=source_file,
        position=position,
        payload_sha256=sha256,
        doc_key=doc_key or _sniff_doc_key(segment.data[:4096]),
        detail=f"{what} at byte {segment.offset}: {message}",
        payload=None,
        raw_excerpt=head.decode("utf-8", "replace"),
    )
