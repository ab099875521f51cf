"""Text recognition with Tesseract (through pytesseract), keeping every word's confidence.

Tesseract is a system program (Debian package ``tesseract-ocr`` with ``tesseract-ocr-eng``).
When it is missing, or cannot read its English model, every call raises
``TesseractUnavailable``: one line naming the package, never a traceback.

Tesseract is run with one thread (``OMP_THREAD_LIMIT=1``) unless the environment says
otherwise: its OpenMP threads fight each other and every other process on a small machine (a
page took five times longer with them on two cores), and pages are read in parallel by
processes instead.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil

import numpy as np

from patent_sync.ocr.errors import TesseractUnavailable

LANGUAGE = "eng"
# Page segmentation modes (tesseract --help-psm).
COLUMN = 4  # one column of text of variable sizes
BLOCK = 6  # one uniform block of text
LINE = 7  # one text line
SPARSE = 11  # as much text as possible, in no particular order
_SURE_ORIENTATION = 2.0  # Tesseract's orientation confidence below which a turn is a guess


@dataclasses.dataclass(frozen=True, slots=True)
class Word:
    """One recognized word on the working image."""

    text: str
    confidence: float  # Tesseract's, 0 to 1
    box: tuple[int, int, int, int]  # x, y, width, height
    line: tuple[int, int, int]  # Tesseract's (block, paragraph, line) numbers

    @property
    def right(self) -> int:
        return self.box[0] + self.box[2]

    @property
    def bottom(self) -> int:
        return self.box[1] + self.box[3]


def require_tesseract() -> str:
    """The Tesseract version; ``TesseractUnavailable`` when it cannot run."""
    return _tesseract_version()


@functools.cache
def _tesseract_version() -> str:
    import pytesseract

    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise TesseractUnavailable("no tesseract program on PATH")
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise TesseractUnavailable(str(exc).splitlines()[0] if str(exc) else "") from None
    if LANGUAGE not in languages:
        raise TesseractUnavailable(
            f"its English model is missing: install tesseract-ocr-{LANGUAGE}"
        )
    return version


def upright_turns(image: np.ndarray) -> int | None:
    """Counter-clockwise quarter turns that set the text of ``image`` upright, by Tesseract's
    orientation detection; None when it is unsure or cannot tell (no ``osd`` model)."""
    import pytesseract

    require_tesseract()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        found = pytesseract.image_to_osd(image, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError:
        return None  # too little text, or no orientation model installed
    if float(found.get("orientation_conf", 0.0)) < _SURE_ORIENTATION:
        return None
    # Tesseract says how far to turn clockwise.
    return (4 - int(found.get("rotate", 0)) // 90) % 4


def read_words(image: np.ndarray, *, psm: int, offset: tuple[int, int] = (0, 0)) -> list[Word]:
    """Every word Tesseract finds in ``image`` (uint8, dark text on white), in reading order,
    with boxes moved by ``offset`` (where ``image`` sits on the working page)."""
    import pytesseract

    require_tesseract()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data = pytesseract.image_to_data(
            image,
            lang=LANGUAGE,
            config=f"--oem 1 --psm {psm}",
            output_type=pytesseract.Output.DICT,
        )
    except pytesseract.TesseractNotFoundError as exc:
        _tesseract_version.cache_clear()
        raise TesseractUnavailable(str(exc).splitlines()[0]) from None
    except pytesseract.TesseractError as exc:
        raise TesseractUnavailable(f"tesseract failed: {str(exc.message).strip()[:200]}") from None
    dx, dy = offset
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        confidence = float(data["conf"][i])
        if not text or confidence < 0:
            continue
        words.append(
            Word(
                text=text,
                confidence=confidence / 100.0,
                box=(
                    int(data["left"][i]) + dx,
                    int(data["top"][i]) + dy,
                    int(data["width"][i]),
                    int(data["height"][i]),
                ),
                line=(int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])),
            )
        )
    return words
