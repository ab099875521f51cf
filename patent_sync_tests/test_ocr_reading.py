"""OCR of the real USPTO scan of US 6,103,599 and of degraded copies made from it.

The rule a docketing team relies on: a key field (number, date, application number, filing
date, title) is either right, or the record is quarantined as ``low_ocr_confidence``. A wrong
value with a high confidence must never reach the docket. The copies are made here with OpenCV
from the real CCITT G4 front page: tilted 3 degrees each way, grainy, faded, at 200 dpi, and a
blurred, tilted, grainy, shaded photocopy; two more are tampered with on purpose (a number the
barcode caption contradicts, a title line wiped out) to prove the checks catch what Tesseract
alone would trust.

Every scan is read once per module, two at a time (the reads are the slow part).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import multiprocessing
import os
import shutil
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from patent_sync.formats.base import Upsert
from patent_sync.model import Document, QuarantineCategory, QuarantineRecord
from patent_sync.ocr import degrade, pages, recognize
from patent_sync.ocr.document import doubtful_fields, scan_change
from patent_sync.ocr.errors import TesseractUnavailable
from patent_sync.ocr.reader import read_scan
from patent_sync.ocr.reading import KEY_FIELD_THRESHOLD, KEY_FIELDS, FieldValue
from patent_sync.parsing.uspto_fulltext import docdb_grant_number
from patent_sync.pipeline.scans import LEGACY_DOCUMENTS
from patent_sync.validation.documents import DeliveryValidator
from patent_sync_tests.conftest import SAMPLES

FRONT_PAGE = SAMPLES / "images" / "US-6103599-A_page1.tif"
WHOLE = SAMPLES / "images" / "US-6103599-A.pdf"
# Read off the front page by a person.
TRUTH: dict[str, object] = {
    "doc_number": "6103599",
    "kind": "A",
    "publication_date": dt.date(2000, 8, 15),
    "application_number": "09089931",
    "filing_date": dt.date(1998, 6, 3),
    "title": "PLANARIZING TECHNIQUE FOR MULTILAYERED SUBSTRATES",
}
# Mild damage: these must come out right, not merely be quarantined.
MUST_READ = ("original", "rotated_plus_3", "rotated_minus_3", "low_contrast", "dpi_200")
DEGRADED = ("rotated_plus_3", "rotated_minus_3", "noisy", "low_contrast", "dpi_200", "photocopy")


@dataclasses.dataclass(frozen=True)
class Read:
    values: dict[str, FieldValue]
    doubtful: tuple[str, ...]
    change: Upsert | QuarantineRecord
    pages_read: int


def _read(data: bytes) -> Read:
    reading = read_scan(data)
    changed = scan_change(reading, payload_sha256="0" * 64, source_file="scan", position=0)
    return Read(dict(reading.values), changed.doubtful, changed.change, reading.pages_read)


def _require_ocr() -> None:
    if not FRONT_PAGE.is_file():
        pytest.skip(f"real samples folder not found at {SAMPLES}")
    if shutil.which("tesseract") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tesseract is not installed (Debian package tesseract-ocr)")
        pytest.skip("tesseract is not installed (Debian package tesseract-ocr)")


def _encoded(gray: np.ndarray, dpi: float) -> bytes:
    return degrade.encode(degrade.DegradedCopy("tampered", gray, dpi, "png"))


def _wipe(gray: np.ndarray, box: tuple[int, int, int, int], pad: int = 6) -> np.ndarray:
    x, y, w, h = box
    out = gray.copy()
    out[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad] = 255
    return out


@pytest.fixture(scope="module")
def original_values() -> dict[str, FieldValue]:
    _require_ocr()
    return dict(read_scan(FRONT_PAGE.read_bytes()).values)


@pytest.fixture(scope="module")
def reads(original_values: dict[str, FieldValue]) -> Iterator[dict[str, Read]]:
    """Every scan of this module read once: the original, the degraded copies, two tampered
    copies and the 12-page PDF."""
    page = pages.load_page(FRONT_PAGE.read_bytes(), pages.TIFF, 1)
    dpi = page.dpi or 300.0
    jobs: dict[str, bytes] = {"original": FRONT_PAGE.read_bytes()}
    for copy in degrade.degraded_copies(page.gray, dpi):
        jobs[copy.name] = degrade.encode(copy)
    # Tampered with twice: the number field rewritten to 6,108,599 (the barcode caption above
    # it still says 6103599), and the title's second line wiped out ("PLANARIZING TECHNIQUE
    # FOR" is all that is left). Every word left is crisp: only the checks can catch these.
    number_box = original_values["doc_number"].box
    tampered = _wipe(page.gray, number_box)
    x, y, _, h = number_box
    cv2.putText(
        tampered, "6,108,599", (x, y + h), cv2.FONT_HERSHEY_TRIPLEX, 1.6, (0,), 3, cv2.LINE_AA
    )
    tx, ty, tw, th = original_values["title"].box
    tampered = _wipe(tampered, (tx, ty + th // 2 + 4, tw, th // 2))
    jobs["tampered"] = _encoded(tampered, dpi)
    # Fed into the scanner upside down.
    jobs["upside_down"] = _encoded(np.rot90(page.gray, 2).copy(), dpi)
    jobs["whole_pdf"] = WHOLE.read_bytes()
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = {name: pool.submit(_read, data) for name, data in jobs.items()}
        yield {name: future.result() for name, future in futures.items()}


def _document(read: Read) -> Document:
    assert isinstance(read.change, Upsert), read.change
    return read.change.document


def test_the_real_front_page_reads_into_the_canonical_document(reads: dict[str, Read]) -> None:
    doc = _document(reads["original"])
    assert doc.doc_key == "US-6103599-A"
    assert (doc.country, doc.doc_number, doc.kind) == ("US", "6103599", "A")
    assert doc.publication_date == dt.date(2000, 8, 15)
    assert (doc.application_number, doc.filing_date) == ("09089931", dt.date(1998, 6, 3))
    assert doc.title == "PLANARIZING TECHNIQUE FOR MULTILAYERED SUBSTRATES"
    assert [(p.name, p.city, p.state) for p in doc.inventors] == [
        ("Henley, Francois J.", "Los Gatos", "CA"),
        ("Cheung, Nathan", "Albany", "CA"),
    ]
    assert [(p.name, p.kind) for p in doc.assignees] == [
        ("Silicon Genesis Corporation", "organization")
    ]
    (provisional,) = doc.related_documents
    assert (provisional.relation, provisional.number, provisional.date) == (
        "provisional",
        "60053770",
        dt.date(1997, 7, 25),
    )
    assert doc.abstracts and doc.abstracts[0].text.startswith("The present invention provides")
    assert doc.source == "ocr.scan"
    # The record passes the same validation as the offices' feeds.
    result = DeliveryValidator(LEGACY_DOCUMENTS.validation, delivery_date=None).validate([doc], [0])
    assert result.quarantined == []


def test_the_key_matches_the_one_the_full_text_gives_the_same_publication(
    reads: dict[str, Read],
) -> None:
    # The full-text XML writes this grant's number as 06103599; its DOCDB key drops the zero.
    doc = _document(reads["original"])
    assert doc.doc_number == docdb_grant_number("06103599")


def test_every_field_carries_its_confidence_and_page_region(reads: dict[str, Read]) -> None:
    doc = _document(reads["original"])
    readings = {r.field: r for r in doc.readings}
    for field in (*KEY_FIELDS, "kind", "inventors", "assignees"):
        reading = readings[field]
        assert 0.0 <= reading.confidence <= 1.0
        x, y, width, height = reading.box
        assert x >= 0 and y >= 0 and width > 0 and height > 0
        assert x + width <= 2320 and y + height <= 3408
        assert reading.page == 1
    for field in KEY_FIELDS:
        assert readings[field].confidence >= KEY_FIELD_THRESHOLD
    assert readings["doc_number"].inid == "11"
    assert readings["filing_date"].inid == "22"
    # The number is trusted because the barcode caption repeats it.
    assert "matches the barcode caption" in readings["doc_number"].notes
    # The application number sits in the left column, the issue date in the right one.
    assert readings["application_number"].box[0] < 1160 < readings["publication_date"].box[0]


@pytest.mark.parametrize("name", ["original", *DEGRADED])
def test_key_fields_are_right_or_the_record_is_quarantined(
    reads: dict[str, Read], name: str
) -> None:
    read = reads[name]
    for field, expected in TRUTH.items():
        value = read.values.get(field)
        trusted = field not in read.doubtful
        if trusted:
            assert value is not None and value.value == expected, (name, field, value)
            assert value.confidence >= KEY_FIELD_THRESHOLD
        else:
            assert isinstance(read.change, QuarantineRecord)
            assert read.change.category == QuarantineCategory.LOW_OCR_CONFIDENCE
            assert any(check.startswith(field) for check in read.change.failed_checks)
    if read.doubtful:
        assert name not in MUST_READ, f"{name} was quarantined: {read.change}"
    else:
        assert _document(read).doc_key == "US-6103599-A"


def test_mild_damage_still_reads_the_whole_record(reads: dict[str, Read]) -> None:
    loaded = [name for name in MUST_READ if isinstance(reads[name].change, Upsert)]
    assert loaded == list(MUST_READ)


def test_a_number_the_barcode_caption_contradicts_is_never_trusted(
    reads: dict[str, Read],
) -> None:
    read = reads["tampered"]
    assert "doc_number" in read.doubtful
    number = read.values.get("doc_number")
    assert number is None or number.confidence < KEY_FIELD_THRESHOLD
    assert isinstance(read.change, QuarantineRecord)
    assert read.change.category == QuarantineCategory.LOW_OCR_CONFIDENCE
    assert "doc_number_confidence" in read.change.failed_checks
    assert "doc_number" in read.change.detail


def test_a_title_missing_its_last_line_is_never_trusted(reads: dict[str, Read]) -> None:
    read = reads["tampered"]
    title = read.values["title"]
    assert title.value == "PLANARIZING TECHNIQUE FOR"
    assert title.confidence < KEY_FIELD_THRESHOLD
    assert "title" in read.doubtful
    assert isinstance(read.change, QuarantineRecord)
    assert "title_confidence" in read.change.failed_checks
    # The fields that were read well stay trusted, and the best reading is kept as the
    # payload for the reviewer to correct.
    for field in ("publication_date", "application_number", "filing_date"):
        assert field not in read.doubtful
        assert read.values[field].value == TRUTH[field]
    assert read.change.payload is not None
    assert read.change.payload["doc_key"] == read.change.doc_key


def test_an_upside_down_scan_is_turned_and_read(reads: dict[str, Read]) -> None:
    read = reads["upside_down"]
    doc = _document(read)
    assert doc.doc_key == "US-6103599-A"
    assert doc.filing_date == dt.date(1998, 6, 3)
    # Regions are given on the scan as delivered: the filing date is near the bottom right.
    filing = next(r for r in doc.readings if r.field == "filing_date")
    assert filing.box == pytest.approx((2320 - 520 - 197, 3408 - 891 - 34, 197, 34), abs=12)


def test_a_page_without_a_front_page_is_quarantined_with_its_reason(
    tesseract_available: None,
) -> None:
    letter = np.full((3300, 2550), 255, dtype=np.uint8)  # a letter page at 300 dpi
    cv2.putText(
        letter, "Dear Sir,", (300, 600), cv2.FONT_HERSHEY_TRIPLEX, 2.5, (0,), 4, cv2.LINE_AA
    )
    reading = read_scan(_encoded(letter, 300.0))
    assert reading.front_page is None
    record = scan_change(reading, payload_sha256="1" * 64, source_file="letter", position=0)
    assert isinstance(record.change, QuarantineRecord)
    assert record.change.category == QuarantineCategory.LOW_OCR_CONFIDENCE
    assert record.change.failed_checks == ("front_page_not_found",)
    assert "INID" in record.change.detail
    assert "Dear Sir" in (record.change.raw_excerpt or "")


def test_the_whole_pdf_cross_checks_the_number_and_date_on_later_pages(
    reads: dict[str, Read],
) -> None:
    read = reads["whole_pdf"]
    doc = _document(read)
    assert doc.doc_key == "US-6103599-A"
    assert read.pages_read == 12
    notes = read.values["doc_number"].notes
    headers = [n for n in notes if "later page" in n]
    assert headers and int(headers[0].split("the header of ")[1].split()[0]) >= 8
    assert any("later page" in n for n in read.values["publication_date"].notes)
    assert doubtful_fields(read.values) == ()


def test_without_tesseract_the_error_is_one_line_naming_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    recognize._tesseract_version.cache_clear()
    try:
        with pytest.raises(TesseractUnavailable) as raised:
            read_scan(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
    finally:
        recognize._tesseract_version.cache_clear()
    message = str(raised.value)
    assert "tesseract-ocr" in message and "\n" not in message
