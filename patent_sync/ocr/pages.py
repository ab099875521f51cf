"""The pages of a scan file: TIFF (bi-level CCITT Group 4 as the USPTO serves it, or any other
compression Pillow reads), PNG, JPEG, and PDF, each page as an 8-bit grayscale array.

A PDF page that is one full-page image (what scanners and the USPTO's image server write) is
taken at the image's own resolution, without resampling; any other page is rendered at 300 dpi.
PDFs are rasterized with pypdfium2 (PDFium, from the package registry): no system poppler.
"""

from __future__ import annotations

import dataclasses
import io
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, ImageSequence

from patent_sync.ocr.errors import ScanDecodeError
from patent_sync.ocr.signatures import JPEG, PDF, PNG, TIFF, sniff

if TYPE_CHECKING:
    import pypdfium2 as pdfium

__all__ = ["JPEG", "PDF", "PNG", "TIFF", "Page", "iter_pages", "load_page", "page_count", "sniff"]

# A letter page at 600 dpi is 34 Mpx, a tabloid one 67 Mpx; beyond that is a decompression
# bomb, not a scan.
MAX_PAGE_PIXELS = 100_000_000
RENDER_DPI = 300.0
_PDF_POINTS_PER_INCH = 72.0
# A PDF image covering this share of its page is the page (scanner output), not a figure.
_FULL_PAGE_SHARE = 0.8
_PLAUSIBLE_DPI = (50.0, 2400.0)


@dataclasses.dataclass(frozen=True)
class Page:
    """One page: ``number`` counts from 1; ``gray`` is uint8, 0 black to 255 white."""

    number: int
    gray: np.ndarray
    dpi: float | None  # as the file declares it (None when it does not, or implausibly)
    bilevel: bool  # the file stores black and white only (fax/G4 scans)

    @property
    def height(self) -> int:
        return int(self.gray.shape[0])

    @property
    def width(self) -> int:
        return int(self.gray.shape[1])


def page_count(data: bytes, kind: str) -> int:
    """How many pages the file holds (PDF pages, TIFF frames; 1 for PNG and JPEG)."""
    if kind == PDF:
        with _open_pdf(data) as pdf:
            return len(pdf)
    with _open_image(data) as image:
        return int(getattr(image, "n_frames", 1))


def iter_pages(
    data: bytes, kind: str, *, first: int = 1, last: int | None = None
) -> Iterator[Page]:
    """Pages ``first`` to ``last`` (1-based, inclusive; None = to the end), decoded one at a
    time so a long PDF is never held whole as pixels."""
    if kind == PDF:
        yield from _pdf_pages(data, first, last)
    else:
        yield from _image_pages(data, first, last)


def load_page(data: bytes, kind: str, number: int) -> Page:
    """Page ``number`` (1-based); ``ScanDecodeError`` when there is no such page."""
    for page in iter_pages(data, kind, first=number, last=number):
        return page
    raise ScanDecodeError(f"the scan has no page {number}", check="missing_page")


# -- images (TIFF, PNG, JPEG) ---------------------------------------------------------------


class _open_image:
    """``Image.open`` on bytes, with every Pillow failure turned into ``ScanDecodeError``."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        try:
            with warnings.catch_warnings():
                # Pillow's own size warning; pages are measured against MAX_PAGE_PIXELS here.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                self.image = Image.open(io.BytesIO(self.data))
        except Image.DecompressionBombError as exc:
            raise ScanDecodeError(
                f"the image is too large to be a scanned page: {_first_line(exc)}",
                check="page_too_large",
            ) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ScanDecodeError(f"the image cannot be decoded: {_first_line(exc)}") from None
        return self.image

    def __exit__(self, *exc_info: object) -> None:
        if self.image is not None:
            self.image.close()


def _image_pages(data: bytes, first: int, last: int | None) -> Iterator[Page]:
    with _open_image(data) as image:
        for number, frame in enumerate(ImageSequence.Iterator(image), 1):
            if number < first:
                continue
            if last is not None and number > last:
                return
            yield _page_from_pil(frame, number, _declared_dpi(frame))


def _page_from_pil(frame: Image.Image, number: int, dpi: float | None) -> Page:
    width, height = frame.size
    if width * height > MAX_PAGE_PIXELS:
        raise ScanDecodeError(
            f"page {number} is {width}x{height} pixels, more than a scanned page can be "
            f"({MAX_PAGE_PIXELS:,} pixels)",
            check="page_too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            frame.load()
        oriented = ImageOps.exif_transpose(frame) if frame.format == "JPEG" else frame
        gray = np.asarray(_to_gray(oriented), dtype=np.uint8).copy()
    except (OSError, ValueError, SyntaxError) as exc:
        raise ScanDecodeError(f"page {number} cannot be decoded: {_first_line(exc)}") from None
    # PDFium hands a 1-bit image over as 8-bit: told from the values, not the mode.
    bilevel = frame.mode == "1" or not bool(np.any((gray > 0) & (gray < 255)))
    return Page(number=number, gray=gray, dpi=dpi, bilevel=bilevel)


def _to_gray(image: Image.Image) -> Image.Image:
    if image.mode in ("L", "1"):
        return image.convert("L")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max()) or 1.0
        return Image.fromarray((values * (255.0 / top)).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels are paper, not ink.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    return image.convert("L")


def _declared_dpi(image: Image.Image) -> float | None:
    dpi = image.info.get("dpi")
    if isinstance(dpi, tuple) and dpi:
        try:
            value = float(sum(float(v) for v in dpi) / len(dpi))
        except (TypeError, ValueError):
            return None
        return value if _PLAUSIBLE_DPI[0] <= value <= _PLAUSIBLE_DPI[1] else None
    return None


# -- PDF ---------------------------------------------------------------------------------


class _open_pdf:
    """``PdfDocument`` on bytes, with PDFium's failures turned into ``ScanDecodeError``."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pdf: pdfium.PdfDocument | None = None

    def __enter__(self) -> pdfium.PdfDocument:
        import pypdfium2 as pdfium

        try:
            self.pdf = pdfium.PdfDocument(self.data)
        except pdfium.PdfiumError as exc:
            raise ScanDecodeError(f"the PDF cannot be opened: {_first_line(exc)}") from None
        return self.pdf

    def __exit__(self, *exc_info: object) -> None:
        if self.pdf is not None:
            self.pdf.close()


def _pdf_pages(data: bytes, first: int, last: int | None) -> Iterator[Page]:
    import pypdfium2 as pdfium

    with _open_pdf(data) as pdf:
        count = len(pdf)
        for index in range(first - 1, count if last is None else min(last, count)):
            try:
                page = pdf[index]
                try:
                    yield _pdf_page(page, index + 1)
                finally:
                    page.close()
            except pdfium.PdfiumError as exc:
                raise ScanDecodeError(
                    f"page {index + 1} of the PDF cannot be rendered: {_first_line(exc)}"
                ) from None


def _pdf_page(page: object, number: int) -> Page:
    import pypdfium2 as pdfium

    assert isinstance(page, pdfium.PdfPage)
    native = _full_page_image(page)
    if native is not None:
        image, dpi = native
        return _page_from_pil(image, number, dpi)
    width_pt, height_pt = page.get_size()
    scale = RENDER_DPI / _PDF_POINTS_PER_INCH
    if width_pt * height_pt * scale * scale > MAX_PAGE_PIXELS:
        raise ScanDecodeError(
            f"page {number} of the PDF is {width_pt:.0f}x{height_pt:.0f} points, larger than "
            "a scanned page can be",
            check="page_too_large",
        )
    bitmap = page.render(scale=scale, grayscale=True)
    return _page_from_pil(bitmap.to_pil(), number, RENDER_DPI)


def _full_page_image(page: object) -> tuple[Image.Image, float | None] | None:
    """The page's one image at its own resolution, when the page is nothing but that image
    placed upright (a scanned page); None otherwise."""
    import pypdfium2 as pdfium

    assert isinstance(page, pdfium.PdfPage)
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or not isinstance(objects[0], pdfium.PdfImage):
        return None
    image = objects[0]
    matrix = image.get_matrix()
    if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
        return None  # rotated, sheared or mirrored placement: let PDFium render it
    left, bottom, right, top = image.get_bounds()
    width_pt, height_pt = page.get_size()
    if (right - left) * (top - bottom) < _FULL_PAGE_SHARE * width_pt * height_pt:
        return None
    px_width, px_height = image.get_px_size()
    if px_width * px_height > MAX_PAGE_PIXELS:
        return None  # rendered (and refused) by size instead
    pil = image.get_bitmap(render=False).to_pil()
    dpi = px_width / ((right - left) / _PDF_POINTS_PER_INCH)
    return pil, dpi if _PLAUSIBLE_DPI[0] <= dpi <= _PLAUSIBLE_DPI[1] else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
