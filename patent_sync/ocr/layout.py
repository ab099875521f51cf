"""Enough layout analysis to read a patent front page column by column.

A front page is a header, two columns of text (bibliographic data on the left, references and
the abstract on the right) and, below them, a drawing across the whole width. Tesseract's own
page segmentation reads such a page line by line straight across the columns ("[54] TITLE ...
OTHER PUBLICATIONS"), which mixes fields; so the columns are found here and read one at a time.

The gutter is the vertical strip near the middle of the page that no text crosses; the text
body ends where something does cross it for good (the drawing). Marks that are not text
(barcode bars, rules, the lines of a drawing) are blanked before reading: they only cost time
and produce garbage words.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

# The gutter is looked for in this middle share of the page width.
_GUTTER_SEARCH = (0.3, 0.7)
# A drawing starts where the gutter is crossed in this many bands out of a window of bands,
# below this share of the page (a barcode or a title across the top is not a drawing).
_CROSSING_BANDS = 3
_CROSSING_WINDOW = 6
_BODY_MIN_SHARE = 0.3


@dataclasses.dataclass(frozen=True, slots=True)
class Region:
    """A part of the working page to read on its own."""

    name: str  # "left", "right", "page", "header"
    box: tuple[int, int, int, int]  # x, y, width, height

    def crop(self, image: np.ndarray) -> np.ndarray:
        x, y, w, h = self.box
        return image[y : y + h, x : x + w]

    @property
    def offset(self) -> tuple[int, int]:
        return self.box[0], self.box[1]


def text_only(binary: np.ndarray, text_height: float) -> np.ndarray:
    """``binary`` with the marks that cannot be characters blanked: tall thin bars (barcodes),
    long thin rules, and large shapes (drawings, logos)."""
    ink = (binary < 128).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    widths = stats[:, cv2.CC_STAT_WIDTH].astype(np.float64)
    bar = (heights > 2.5 * text_height) & (widths < 0.35 * heights)
    rule = (widths > 15 * text_height) & (heights < 0.6 * text_height)
    shape = (heights > 4 * text_height) | (widths > 25 * text_height)
    drop = bar | rule | shape
    drop[0] = False
    if not np.any(drop):
        return binary
    cleaned = binary.copy()
    cleaned[drop[labels]] = 255
    return cleaned


def front_page_regions(binary: np.ndarray, text_height: float) -> list[Region]:
    """The columns of a front page above its drawing, left first; the whole page as one
    region when no gutter is found."""
    height, width = binary.shape
    band = max(4, round(2 * text_height))
    ink = _without_specks(binary < 128, text_height)
    # Smear each line sideways so that the gaps between letters and words close; the gutter
    # is several times wider than any of them.
    smear = max(3, round(0.6 * text_height)) | 1
    smeared = cv2.dilate(ink.astype(np.uint8), np.ones((1, smear), np.uint8)) > 0
    rows = height // band
    if rows == 0:
        return [Region("page", (0, 0, width, height))]
    occupied = smeared[: rows * band].reshape(rows, band, width).any(axis=1)  # bands x columns
    lo, hi = (int(width * share) for share in _GUTTER_SEARCH)
    two_sided = occupied[:, :lo].any(axis=1) & occupied[:, hi:].any(axis=1)
    free = ~occupied[:, lo:hi]  # bands x candidate columns
    score = (free & two_sided[:, None]).sum(axis=0).astype(np.float64)
    if score.max() < 0.2 * max(1, int(two_sided.sum())):
        return [Region("page", (0, 0, width, height))]
    # The middle of the widest run of best-scoring columns.
    best = score >= score.max() - 0.5
    gutter = lo + _middle_of_longest_run(best)
    bottom = _body_bottom(occupied[:, gutter], band, height)
    pad = int(text_height // 2)
    return [
        Region("left", (0, 0, min(width, gutter + pad), bottom)),
        Region("right", (max(0, gutter - pad), 0, width - max(0, gutter - pad), bottom)),
    ]


def _without_specks(ink: np.ndarray, text_height: float) -> np.ndarray:
    """Ink without marks much smaller than a character (grain left by the binarization):
    they would fill the gutter."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), 8)
    size = np.maximum(stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH])
    keep = size >= 0.3 * text_height
    keep[0] = False
    return keep[labels]


def header_region(binary: np.ndarray, share: float = 0.08) -> Region:
    """The top strip of a page, where patents print their number, date and sheet."""
    height, width = binary.shape
    return Region("header", (0, 0, width, max(1, int(height * share))))


def _middle_of_longest_run(mask: np.ndarray) -> int:
    best_start = best_length = 0
    start = None
    for i, value in enumerate([*mask.tolist(), False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            if i - start > best_length:
                best_start, best_length = start, i - start
            start = None
    return best_start + best_length // 2


def _body_bottom(crossing: np.ndarray, band: int, height: int) -> int:
    """Where the text body ends: the first stretch of bands that mostly cross the gutter
    (a drawing has blank space inside it, so not every band of it crosses), below the top
    part of the page."""
    first_band = int(len(crossing) * _BODY_MIN_SHARE)
    for index in range(first_band, len(crossing)):
        window = crossing[index : index + _CROSSING_WINDOW]
        if crossing[index] and int(window.sum()) >= _CROSSING_BANDS:
            return index * band
    return height
