"""What reading a scan produced: each field's value with its confidence and where it was found.

A confidence is not Tesseract's alone. It starts from the lowest word confidence of the value,
and is then raised or lowered by what can be checked: the value's structure (a real date, a
number shaped like the office's numbers), a second reading of the same line made differently,
and the same fact printed elsewhere (the number in the barcode's caption and on every later
page's header, the issue date on the drawing sheets). ``notes`` say which checks were made,
so a reviewer can see why a value is trusted or not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

# The fields that name and date a document. If any is missing or below the threshold, the
# record is quarantined as ``low_ocr_confidence`` instead of being loaded.
KEY_FIELDS: tuple[str, ...] = (
    "doc_number",
    "publication_date",
    "application_number",
    "filing_date",
    "title",
)
KEY_FIELD_THRESHOLD = 0.85


@dataclasses.dataclass(frozen=True)
class FieldValue:
    """One field as read: ``value`` is canonical (a ``date``, the number in the office's
    canonical form, a tuple of parties ...), ``text`` what was recognized."""

    name: str
    value: object
    text: str
    confidence: float  # 0 to 1, after every check
    page: int
    box: tuple[int, int, int, int]  # on the working image of that page
    inid: str | None = None
    notes: tuple[str, ...] = ()
    # What recognition alone gave (the lowest word confidence), before the structure checks
    # lowered ``confidence``: a second reading can only confirm the recognition, never undo
    # what a check found.
    recognized: float | None = None

    @property
    def check_factor(self) -> float:
        """How much the checks have scaled the recognized confidence so far."""
        if self.recognized is None or self.recognized <= 0:
            return 1.0
        return min(1.0, self.confidence / self.recognized)

    def with_confidence(self, confidence: float, note: str) -> FieldValue:
        return dataclasses.replace(
            self, confidence=round(min(1.0, max(0.0, confidence)), 3), notes=(*self.notes, note)
        )


@dataclasses.dataclass(frozen=True)
class PageFacts:
    """What a later page's header repeats (a US drawing sheet: ``U.S. Patent Aug. 15, 2000
    Sheet 1 of 4 6,103,599``): numbers and dates, with the confidence each was read with."""

    page: int
    numbers: tuple[tuple[str, float], ...]
    dates: tuple[tuple[dt.date, float], ...]
