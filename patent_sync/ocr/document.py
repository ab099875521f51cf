"""From a scan's reading to the change it makes: a canonical document, or a quarantined record.

A document is only produced when every key field (``reading.KEY_FIELDS``: number, date,
application number, filing date, title; and the kind code that completes the number) was read
with a confidence at or above ``KEY_FIELD_THRESHOLD``. Otherwise the record is quarantined as
``low_ocr_confidence``, naming each doubtful field and its confidence, with the best reading as
its payload (for a reviewer to confirm or correct) and the crops of the doubtful regions saved
beside it (``crops``). Every field that was read carries its confidence and the region of the
page it came from into the document (``Document.readings``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from patent_sync.formats.base import Upsert
from patent_sync.model import (
    Document,
    FieldReading,
    LocalizedText,
    Party,
    PriorityClaim,
    QuarantineCategory,
    QuarantineRecord,
    RelatedDocument,
)
from patent_sync.ocr import SOURCE
from patent_sync.ocr.reader import ScanReading
from patent_sync.ocr.reading import KEY_FIELD_THRESHOLD, KEY_FIELDS, FieldValue

FRONT_PAGE_NOT_FOUND = "front_page_not_found"
# The kind code completes the number: a doubtful kind is a doubtful document key.
DOUBT_CHECKED = (*KEY_FIELDS, "kind")
_EXCERPT_CHARS = 4096


@dataclasses.dataclass(frozen=True)
class ScanChange:
    """What one scan turned into, and which key fields were doubtful (empty when loaded)."""

    change: Upsert | QuarantineRecord
    doubtful: tuple[str, ...]
    document: Document | None  # the best reading as a document, when it has a key


def doubtful_fields(values: Mapping[str, FieldValue]) -> tuple[str, ...]:
    """The key fields missing, unparsed or below the threshold, in ``DOUBT_CHECKED`` order."""
    return tuple(
        name
        for name in DOUBT_CHECKED
        if name not in values
        or values[name].value is None
        or values[name].confidence < KEY_FIELD_THRESHOLD
    )


def scan_change(
    reading: ScanReading, *, payload_sha256: str, source_file: str | None, position: int
) -> ScanChange:
    """The change one scan makes (see the module docstring)."""
    if reading.office is None or reading.front_page is None:
        record = QuarantineRecord(
            category=QuarantineCategory.LOW_OCR_CONFIDENCE,
            failed_checks=(FRONT_PAGE_NOT_FOUND,),
            source=SOURCE,
            source_file=source_file,
            position=position,
            payload_sha256=payload_sha256,
            detail=reading.problem or "no front page found",
            raw_excerpt=excerpt(reading),
        )
        return ScanChange(record, DOUBT_CHECKED, None)
    document = build_document(reading, payload_sha256=payload_sha256, source_file=source_file)
    doubtful = doubtful_fields(reading.values)
    if not doubtful and document is not None:
        return ScanChange(Upsert(document, position), (), document)
    record = QuarantineRecord(
        category=QuarantineCategory.LOW_OCR_CONFIDENCE,
        failed_checks=tuple(_failed_check(name, reading.values) for name in doubtful),
        source=SOURCE,
        source_file=source_file,
        position=position,
        payload_sha256=payload_sha256,
        doc_key=None if document is None else document.doc_key,
        detail=describe_doubts(reading.values, doubtful),
        payload=None if document is None else document.to_json_dict(),
        raw_excerpt=excerpt(reading),
    )
    return ScanChange(record, doubtful, document)


def _failed_check(name: str, values: Mapping[str, FieldValue]) -> str:
    value = values.get(name)
    return f"{name}_not_read" if value is None or value.value is None else f"{name}_confidence"


def describe_doubts(values: Mapping[str, FieldValue], doubtful: tuple[str, ...]) -> str:
    """``key fields below OCR confidence 0.85: title 0.25 ([54], page 1: another reading
    gives ...); filing_date not read``."""
    parts = []
    for name in doubtful:
        value = values.get(name)
        if value is None or value.value is None:
            parts.append(f"{name} not read")
            continue
        where = f"[{value.inid}], page {value.page}" if value.inid else f"page {value.page}"
        why = f": {value.notes[-1]}" if value.notes else ""
        parts.append(f"{name} {value.confidence:.2f} ({where}{why})")
    return f"key fields below OCR confidence {KEY_FIELD_THRESHOLD:.2f}: " + "; ".join(parts)


def build_document(
    reading: ScanReading, *, payload_sha256: str, source_file: str | None
) -> Document | None:
    """The canonical document of the best reading; None when no number or kind was read (a
    document cannot be named without them)."""
    office = reading.office
    values = reading.values
    number = _get(values, "doc_number")
    kind = _get(values, "kind")
    if office is None or not isinstance(number, str) or not isinstance(kind, str):
        return None
    country = office.country
    application_number = _get(values, "application_number")
    abstract = _get(values, "abstract")
    title = _get(values, "title")
    return Document(
        doc_key=f"{country}-{number}-{kind}",
        country=country,
        doc_number=number,
        kind=kind,
        publication_date=_date(values, "publication_date"),
        application_number=application_number if isinstance(application_number, str) else None,
        filing_date=_date(values, "filing_date"),
        title=title if isinstance(title, str) else None,
        title_lang="en" if isinstance(title, str) else None,
        source=SOURCE,
        payload_sha256=payload_sha256,
        application_country=country if isinstance(application_number, str) else None,
        inventors=_tuple_of(values, "inventors", Party),
        assignees=_tuple_of(values, "assignees", Party),
        ipc=_tuple_of(values, "ipc", str),
        priority_claims=_tuple_of(values, "priority_claims", PriorityClaim),
        related_documents=_tuple_of(values, "related_documents", RelatedDocument),
        source_file=source_file,
        abstracts=(abstract,) if isinstance(abstract, LocalizedText) else (),
        readings=field_readings(reading),
    )


def field_readings(reading: ScanReading) -> tuple[FieldReading, ...]:
    """Every field read, with its confidence and its box in the scan's own pixels."""
    readings = []
    for name, value in sorted(reading.values.items()):
        prepared = reading.page_images.get(value.page)
        box = prepared.to_page_box(value.box) if prepared is not None else value.box
        readings.append(
            FieldReading(
                field=name,
                text=value.text[:500],
                confidence=round(value.confidence, 3),
                page=value.page,
                box=box,
                inid=value.inid,
                notes=value.notes,
            )
        )
    return tuple(readings)


def excerpt(reading: ScanReading) -> str:
    """What a reviewer sees of a scan in the quarantine: how it was read, each field's
    confidence, then the text read on the front page (at most 4 KiB)."""
    head = (
        f"OCR of a {reading.file_type} scan, {reading.page_count} page(s); "
        f"front page: {reading.front_page or 'not found'}"
    )
    prepared = reading.page_images.get(reading.front_page or 1)
    if prepared is not None:
        turned = f"turned {90 * prepared.quarter_turns} deg, " if prepared.quarter_turns else ""
        head += (
            f" ({turned}skew {prepared.skew_degrees:+.2f} deg, {prepared.binarization} "
            f"binarization, scaled x{prepared.scale:.2f})"
        )
    lines = [head]
    for name in DOUBT_CHECKED:
        value = reading.values.get(name)
        if value is None:
            lines.append(f"  {name}: not read")
        else:
            lines.append(f"  {name}: {value.text!r} confidence {value.confidence:.2f}")
    lines.append("text read:")
    return ("\n".join(lines) + "\n" + reading.text)[:_EXCERPT_CHARS]


def _get(values: Mapping[str, FieldValue], name: str) -> object:
    value = values.get(name)
    return None if value is None else value.value


def _date(values: Mapping[str, FieldValue], name: str) -> dt.date | None:
    value = _get(values, name)
    return value if isinstance(value, dt.date) else None


def _tuple_of(values: Mapping[str, FieldValue], name: str, kind: type) -> tuple:
    value = _get(values, name)
    if not isinstance(value, tuple):
        return ()
    return tuple(item for item in value if isinstance(item, kind))
