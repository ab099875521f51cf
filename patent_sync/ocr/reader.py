"""Reading a scan: find its front page, read its fields, and make every key field earn its
confidence.

1. The first pages are prepared (``preprocess``), split into columns (``layout``) and read
   (``recognize``) until one is a front page an office in ``offices`` recognizes and its INID
   fields are found (``inid``).
2. The office reads each field's value and checks its structure.
3. Each key field is read twice more, from its own crop of the page, once with thinner and
   once with thicker strokes than the page's binarization gave (blur turns a 3 into an 8 one
   way and an 8 into a 3 the other). A value is confirmed when the readings agree; when any
   reading disagrees, the value is doubtful whatever Tesseract said.
4. The header of every later page (up to a limit) is read for the number and dates it repeats,
   and the office checks the fields against it and against each other.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from patent_sync.ocr import layout, pages, preprocess, recognize
from patent_sync.ocr.errors import ScanDecodeError
from patent_sync.ocr.inid import InidField, Line, find_fields, group_lines
from patent_sync.ocr.offices import FrontPageOffice, office_for
from patent_sync.ocr.reading import KEY_FIELDS, FieldValue, PageFacts
from patent_sync.ocr.recognize import Word

# How far into a file the front page is looked for (a cover sheet, a blank page first).
MAX_FRONT_PAGE_SEARCH = 3
# Later pages whose header is read for cross-checks; enough for any patent's drawings and
# first columns, bounded for a scan of a whole file wrapper.
MAX_HEADER_PAGES = 16
_MIN_FIELDS = 3  # INID fields a page must show to be taken for a front page
_HEADER_SHARE = 0.085


@dataclasses.dataclass(frozen=True)
class ScanReading:
    """Everything read from one scan file."""

    file_type: str  # "tiff" | "png" | "jpeg" | "pdf"
    page_count: int
    front_page: int | None  # None when no page was recognized as a front page
    office: FrontPageOffice | None
    values: Mapping[str, FieldValue]
    page_images: Mapping[int, preprocess.PreparedPage]  # the pages read in full, by number
    text: str  # what was read on the front page (or the first page), column by column
    pages_read: int  # pages read in full or by their header
    seconds: float
    problem: str | None = None  # why no front page was found

    def key_confidences(self) -> dict[str, float]:
        return {
            name: (self.values[name].confidence if name in self.values else 0.0)
            for name in KEY_FIELDS
        }


def read_scan(data: bytes) -> ScanReading:
    """Read one scan file (its complete bytes). Raises ``ScanDecodeError`` when the bytes are
    not a readable image or PDF, ``TesseractUnavailable`` when OCR cannot run."""
    started = time.perf_counter()
    recognize.require_tesseract()
    file_type = pages.sniff(data[:2048])
    if file_type is None:
        raise ScanDecodeError("not a TIFF, PNG, JPEG or PDF file", check="unknown_image_type")
    count = pages.page_count(data, file_type)
    if count == 0:
        raise ScanDecodeError("the file holds no page", check="no_pages")
    images: dict[int, preprocess.PreparedPage] = {}
    first_text = ""
    for page in pages.iter_pages(data, file_type, last=min(count, MAX_FRONT_PAGE_SEARCH)):
        prepared = preprocess.prepare(page)
        front = _read_front_page(prepared)
        if not _is_front_page(front):
            # Fed into the scanner sideways or upside down?
            turns = recognize.upright_turns(_reduced(prepared.binary))
            if turns:
                prepared = preprocess.prepare(page, quarter_turns=turns)
                front = _read_front_page(prepared)
        images[page.number] = prepared
        if page.number == 1:
            first_text = front.text
        if _is_front_page(front):
            assert front.office is not None
            values = front.office.read(front.fields, front.preamble, page.number)
            values = _confirm_key_fields(values, prepared, front.office)
            facts = _later_page_facts(data, file_type, count, page.number, front.office)
            values = front.office.cross_check(values, facts)
            return ScanReading(
                file_type=file_type,
                page_count=count,
                front_page=page.number,
                office=front.office,
                values=values,
                page_images={page.number: prepared},
                text=front.text,
                pages_read=len(images) + len(facts),
                seconds=time.perf_counter() - started,
            )
    searched = min(count, MAX_FRONT_PAGE_SEARCH)
    return ScanReading(
        file_type=file_type,
        page_count=count,
        front_page=None,
        office=None,
        values={},
        page_images={1: images[1]} if 1 in images else {},
        text=first_text,
        pages_read=len(images),
        seconds=time.perf_counter() - started,
        problem=(
            f"no front page with INID-coded fields (such as [11] or (21)) of an office "
            f"patent_sync reads by OCR in the first {searched} page(s)"
        ),
    )


@dataclasses.dataclass(frozen=True)
class _FrontPage:
    office: FrontPageOffice | None
    fields: list[InidField]
    preamble: list[Line]
    text: str


def _is_front_page(front: _FrontPage) -> bool:
    return front.office is not None and len(front.fields) >= _MIN_FIELDS


def _reduced(binary: np.ndarray) -> np.ndarray:
    """Half size: enough for orientation detection, at a quarter of the cost."""
    return cv2.resize(binary, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def _read_front_page(prepared: preprocess.PreparedPage) -> _FrontPage:
    clean = layout.text_only(prepared.binary, prepared.text_height)
    regions = layout.front_page_regions(prepared.binary, prepared.text_height)
    region_lines: list[list[Line]] = []
    for region in regions:
        words = recognize.read_words(region.crop(clean), psm=recognize.COLUMN, offset=region.offset)
        region_lines.append(group_lines(words, region.name))
    text = "\n\n".join("\n".join(line.text for line in lines) for lines in region_lines)
    office = office_for(text)
    if office is None:
        return _FrontPage(None, [], [], text)
    fields: list[InidField] = []
    preamble: list[Line] = []
    for lines in region_lines:
        found, before = find_fields(lines, office.labels, prepared.text_height)
        fields += found
        preamble += before
    return _FrontPage(office, fields, preamble, text)


# -- second readings -----------------------------------------------------------------------

_VARIANTS = (("thin", 0.85), ("thick", 1.15))  # (name, scale)


def _confirm_key_fields(
    values: dict[str, FieldValue],
    prepared: preprocess.PreparedPage,
    office: FrontPageOffice,
) -> dict[str, FieldValue]:
    """Each key field read again twice from its own crop; its confidence follows agreement."""
    boxes = {
        name: values[name].box
        for name in KEY_FIELDS
        if name in values and values[name].value is not None and values[name].box[2] > 0
    }
    if not boxes:
        return values
    readings: dict[str, list[tuple[object | None, float]]] = {name: [] for name in boxes}
    for variant, scale in _VARIANTS:
        texts = _reread(prepared, boxes, variant, scale)
        for name, (text, confidence) in texts.items():
            readings[name].append((office.parse_key(name, text), confidence))
    confirmed = dict(values)
    for name, again in readings.items():
        confirmed[name] = _combine(values[name], again)
    return confirmed


def _combine(value: FieldValue, again: Sequence[tuple[object | None, float]]) -> FieldValue:
    first = _comparable(value.value)
    agreeing = [c for v, c in again if v is not None and _comparable(v) == first]
    differing = [v for v, _ in again if v is not None and _comparable(v) != first]
    if differing:
        shown = differing[0].isoformat() if hasattr(differing[0], "isoformat") else differing[0]
        return value.with_confidence(
            min(value.confidence, 0.5) * 0.5, f"another reading gives {shown}"
        )
    if agreeing:
        # The recognition of the surest reading (the others said the same), still scaled by
        # whatever the structure checks found.
        recognized = value.recognized if value.recognized is not None else value.confidence
        best = max(recognized, *agreeing) * value.check_factor
        return value.with_confidence(best, f"{len(agreeing) + 1} readings agree")
    return value.with_confidence(value.confidence * 0.9, "not confirmed by a second reading")


def _comparable(value: object) -> object:
    if isinstance(value, str):
        return re.sub(r"[^A-Z0-9]", "", value.upper())
    return value


def _reread(
    prepared: preprocess.PreparedPage,
    boxes: Mapping[str, tuple[int, int, int, int]],
    variant: str,
    scale: float,
) -> dict[str, tuple[str, float]]:
    """One more reading of every box, all crops stacked in one image (one Tesseract run)."""
    height = prepared.text_height
    pad_x, pad_y = int(0.6 * height), int(0.35 * height)
    gap = int(1.5 * height * scale)
    crops: list[tuple[str, np.ndarray]] = []
    for name, (x, y, w, h) in boxes.items():
        x0, y0 = max(0, x - pad_x), max(0, y - pad_y)
        x1 = min(prepared.width, x + w + pad_x)
        y1 = min(prepared.height, y + h + pad_y)
        crop = prepared.gray[y0:y1, x0:x1]
        if crop.size == 0:
            continue
        crops.append((name, _variant(crop, variant, scale)))
    if not crops:
        return {}
    width = max(c.shape[1] for _, c in crops) + 2 * gap
    total = sum(c.shape[0] for _, c in crops) + gap * (len(crops) + 1)
    canvas = np.full((total, width), 255, dtype=np.uint8)
    spans: list[tuple[str, int, int]] = []
    top = gap
    for name, crop in crops:
        canvas[top : top + crop.shape[0], gap : gap + crop.shape[1]] = crop
        spans.append((name, top, top + crop.shape[0]))
        top += crop.shape[0] + gap
    words = recognize.read_words(canvas, psm=recognize.BLOCK)
    texts: dict[str, tuple[str, float]] = {}
    for name, start, end in spans:
        inside = [w for w in words if start <= w.box[1] + w.box[3] / 2 <= end]
        lines = group_lines(inside, name)
        text = " ".join(line.text for line in lines)
        confidence = min((w.confidence for w in inside), default=0.0)
        texts[name] = (text, confidence)
    return texts


def _variant(crop: np.ndarray, variant: str, scale: float) -> np.ndarray:
    """The crop re-binarized with thinner or thicker strokes, at another scale."""
    soft = cv2.GaussianBlur(crop, (0, 0), 1.0)
    resized = cv2.resize(soft, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    level, _ = cv2.threshold(resized, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    cut = level * 0.7 if variant == "thin" else level + (255 - level) * 0.3
    return np.where(resized < cut, 0, 255).astype(np.uint8)


# -- later pages ---------------------------------------------------------------------------


def _later_page_facts(
    data: bytes, file_type: str, count: int, front: int, office: FrontPageOffice
) -> list[PageFacts]:
    facts: list[PageFacts] = []
    last = min(count, front + MAX_HEADER_PAGES)
    if last <= front:
        return facts
    for page in pages.iter_pages(data, file_type, first=front + 1, last=last):
        strip = pages.Page(
            number=page.number,
            gray=page.gray[: max(1, int(page.height * _HEADER_SHARE))],
            dpi=page.dpi,
            bilevel=page.bilevel,
        )
        facts.append(office.page_facts(_read_strip(strip), page.number))
    return facts


def _read_strip(strip: pages.Page) -> list[Word]:
    prepared = preprocess.prepare(strip)
    clean = layout.text_only(prepared.binary, prepared.text_height)
    return recognize.read_words(clean, psm=recognize.SPARSE)
