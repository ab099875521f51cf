"""Scan files and page clean-up, without Tesseract: what the OCR reader stands on.

A scan is told from its bytes (a PNG signature with garbage after it is not a scan); every page
of the real USPTO files decodes at its own resolution (the CCITT G4 TIFF, and the 12-page PDF
without poppler); a broken or hostile image is a one-line ``ScanDecodeError``, never a
traceback; and the clean-up finds the text angle of a tilted copy, picks a local threshold for
a shaded one, and finds the two columns of a front page.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from patent_sync.formats.registry import detect
from patent_sync.formats.scan import SCAN
from patent_sync.ocr import degrade, layout, pages, preprocess
from patent_sync.ocr.errors import ScanDecodeError
from patent_sync.ocr.signatures import sniff

FRONT_PAGE = "images/US-6103599-A_page1.tif"
WHOLE = "images/US-6103599-A.pdf"


@pytest.fixture(scope="module")
def front_page(samples_dir: Path) -> pages.Page:
    data = (samples_dir / FRONT_PAGE).read_bytes()
    return pages.load_page(data, pages.TIFF, 1)


def _png(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **params)
    return buffer.getvalue()


def test_scans_are_told_from_their_bytes_not_their_names() -> None:
    gray = Image.new("L", (40, 30), 255)
    assert sniff(_png(gray)) == "png"
    jpeg = io.BytesIO()
    gray.save(jpeg, format="JPEG")
    assert sniff(jpeg.getvalue()) == "jpeg"
    tiff = io.BytesIO()
    gray.save(tiff, format="TIFF")
    assert sniff(tiff.getvalue()) == "tiff"
    assert sniff(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") == "pdf"
    # Signatures alone are not enough: garbage after them is not a scan.
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00binary") is None
    assert sniff(b"II*\x00\x00\x00\x00\x00") is None
    assert sniff(b"%PDF-x") is None
    assert sniff(b"<?xml version='1.0'?><a/>") is None


def test_the_real_scans_are_detected_as_the_scan_format(samples_dir: Path) -> None:
    assert detect(samples_dir / FRONT_PAGE) is SCAN
    assert detect(samples_dir / WHOLE) is SCAN


def test_the_g4_front_page_decodes_bilevel_at_its_own_resolution(front_page: pages.Page) -> None:
    assert (front_page.width, front_page.height) == (2320, 3408)
    assert front_page.bilevel
    assert front_page.dpi == pytest.approx(309.8, abs=0.1)
    assert set(np.unique(front_page.gray)) == {0, 255}


def test_every_pdf_page_is_its_scanned_image_without_poppler(samples_dir: Path) -> None:
    data = (samples_dir / WHOLE).read_bytes()
    assert pages.page_count(data, pages.PDF) == 12
    sizes = {(p.width, p.height, p.bilevel) for p in pages.iter_pages(data, pages.PDF)}
    # The embedded G4 images, at their own 2320 x 3408, not resampled by rendering.
    assert sizes == {(2320, 3408, True)}
    first = pages.load_page(data, pages.PDF, 1)
    assert first.dpi == pytest.approx(309.8, abs=0.5)


def test_a_multi_page_tiff_and_a_transparent_png_read_as_pages() -> None:
    frames = [Image.new("L", (64, 48), shade) for shade in (255, 128, 0)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    assert pages.page_count(data, pages.TIFF) == 3
    assert [int(p.gray.mean()) for p in pages.iter_pages(data, pages.TIFF)] == [255, 128, 0]
    # Transparent pixels are paper, not ink.
    clear = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    page = pages.load_page(_png(clear), pages.PNG, 1)
    assert int(page.gray.min()) == 255


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDRbroken", pages.PNG, "cannot be decoded"),
        (b"%PDF-1.4\nnot really a pdf", pages.PDF, "PDF cannot be opened"),
    ],
)
def test_a_broken_scan_is_a_one_line_decode_error(data: bytes, kind: str, message: str) -> None:
    with pytest.raises(ScanDecodeError) as raised:
        pages.load_page(data, kind, 1)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_page_of_absurd_size_is_refused_before_it_is_decoded() -> None:
    # A tiny file declaring a 20,000 x 20,000 page (a decompression bomb).
    huge = _png(Image.new("1", (20_000, 20_000), 1), optimize=True)
    assert len(huge) < 200_000
    with pytest.raises(ScanDecodeError) as raised:
        pages.load_page(huge, pages.PNG, 1)
    assert raised.value.check == "page_too_large"


def test_a_scan_larger_than_the_record_limit_is_quarantined_unread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATENT_SYNC_MAX_RECORD_BYTES", "1KiB")
    data = _png(Image.effect_noise((200, 200), 60).convert("L"))
    assert len(data) > 1024
    (piece,) = SCAN.iter_pieces(io.BytesIO(data))
    record = SCAN.parse_piece(piece, source_file="big.png", position=0)
    assert record.category == "parse_error"
    assert record.failed_checks == ("scan_too_large",)
    assert f"{len(data):,} bytes" in record.detail
    assert SCAN.count_raw_records(io.BytesIO(data)).records == 1


@pytest.mark.parametrize("degrees", [3.0, -3.0, 1.2])
def test_the_text_angle_of_a_tilted_copy_is_found(front_page: pages.Page, degrees: float) -> None:
    tilted = degrade.rotate(front_page.gray, degrees)
    page = pages.Page(1, tilted, front_page.dpi, bilevel=False)
    prepared = preprocess.prepare(page)
    assert prepared.skew_degrees == pytest.approx(degrees, abs=0.15)


def test_binarization_is_chosen_by_the_image(front_page: pages.Page) -> None:
    clean = preprocess.prepare(front_page)
    assert clean.binarization == "bilevel"
    assert clean.noise == 0.0
    faded = pages.Page(1, degrade.low_contrast(front_page.gray), front_page.dpi, bilevel=False)
    assert preprocess.prepare(faded).binarization == "otsu"
    shaded = degrade.uneven_light(degrade.low_contrast(front_page.gray, 80, 220), 90.0)
    prepared = preprocess.prepare(pages.Page(1, shaded, front_page.dpi, bilevel=False))
    assert prepared.binarization == "adaptive"
    grainy = degrade.add_noise(front_page.gray, 40.0, seed=3)
    assert preprocess.paper_noise(grainy) > 20 > preprocess.paper_noise(front_page.gray)


def test_a_200_dpi_copy_is_brought_to_300_dpi(front_page: pages.Page) -> None:
    low = degrade.resample(front_page.gray, front_page.dpi or 300.0, 200.0)
    prepared = preprocess.prepare(pages.Page(1, low, 200.0, bilevel=False))
    assert prepared.scale == pytest.approx(1.5, abs=0.01)
    # Boxes on the working image map back to the scan's own pixels (within the levelling of
    # the page's slight tilt).
    box = prepared.to_page_box((300, 300, 150, 60))
    assert box == pytest.approx((200, 200, 100, 40), abs=3)


def test_the_two_columns_of_the_front_page_are_found(front_page: pages.Page) -> None:
    prepared = preprocess.prepare(front_page)
    regions = layout.front_page_regions(prepared.binary, prepared.text_height)
    assert [r.name for r in regions] == ["left", "right"]
    left, right = regions
    # The gutter between "[22] Filed: Jun. 3, 1998" and "Burggraaf, Pieter" is near x=1180.
    assert 1120 < left.box[2] < 1230
    assert 1120 < right.box[0] < 1230
    # The body stops above the drawing: nothing below the page's last quarter is read.
    assert left.box[3] < 0.8 * prepared.height
