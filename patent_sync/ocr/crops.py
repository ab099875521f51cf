"""Crops of the doubtful regions of a scan, saved for the reviewer of a quarantined record.

Each doubtful key field that was found gets its region of the levelled page (with a margin of
context); a key field that was not found at all, or a scan without a recognizable front page,
gets the whole page, reduced. Crops are PNG files in one directory per scan, named by the
scan's SHA-256 (``<crops root>/<payload_sha256>/<field>.png``), so the quarantine row (which
holds the same hash) finds them, and re-reading the same scan rewrites the same files.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from patent_sync.ocr.crop_files import crops_dir, crops_root
from patent_sync.ocr.reader import ScanReading

__all__ = ["Crop", "crops_dir", "crops_root", "doubtful_crops", "save_crops"]

_WHOLE_PAGE_WIDTH = 1200  # a reduced page is still legible at this width


@dataclasses.dataclass(frozen=True)
class Crop:
    """One region to show a reviewer: ``name`` is the file's stem."""

    name: str
    field: str | None  # None for a whole page
    page: int
    image: np.ndarray


def doubtful_crops(reading: ScanReading, doubtful: Sequence[str]) -> list[Crop]:
    """A crop for every doubtful field; the whole page for fields that were not found."""
    crops: list[Crop] = []
    missing = False
    for name in doubtful:
        value = reading.values.get(name)
        prepared = reading.page_images.get(value.page) if value is not None else None
        if value is None or prepared is None or value.box[2] == 0 or value.box[3] == 0:
            missing = True
            continue
        # Enough context to show the field's code and label on its left.
        margin = int(prepared.text_height * 1.5)
        x, y, w, h = value.box
        x0, y0 = max(0, x - 10 * margin), max(0, y - margin)
        x1 = min(prepared.width, x + w + 3 * margin)
        y1 = min(prepared.height, y + h + margin)
        crops.append(Crop(name, name, value.page, prepared.gray[y0:y1, x0:x1]))
    if missing or not crops:
        page = reading.front_page or min(reading.page_images, default=1)
        prepared = reading.page_images.get(page)
        if prepared is not None:
            crops.append(Crop(f"page-{page}", None, page, _reduced(prepared.gray)))
    return crops


def save_crops(crops: Sequence[Crop], directory: Path) -> list[Path]:
    """Write the crops as PNG files (each written whole, then renamed into place)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for crop in crops:
        ok, encoded = cv2.imencode(".png", crop.image)
        if not ok:
            continue
        target = directory / f"{crop.name}.png"
        partial = directory / f".{crop.name}.{os.getpid()}.tmp"
        partial.write_bytes(encoded.tobytes())
        os.replace(partial, target)
        written.append(target)
    return written


def _reduced(gray: np.ndarray) -> np.ndarray:
    height, width = gray.shape
    if width <= _WHOLE_PAGE_WIDTH:
        return gray
    factor = _WHOLE_PAGE_WIDTH / width
    return cv2.resize(gray, (_WHOLE_PAGE_WIDTH, int(height * factor)), interpolation=cv2.INTER_AREA)
