"""The offices whose front pages patent_sync reads by OCR, in one table.

The INID codes are the same everywhere (WIPO ST.9); how an office prints its numbers, dates,
labels and page headers is not, and lives in one module per office. A new office is one module
with a ``FrontPageOffice`` and one entry in ``OFFICES``.
"""

from __future__ import annotations

from patent_sync.ocr.offices.base import FrontPageOffice
from patent_sync.ocr.offices.us import US_FRONT_PAGE

OFFICES: tuple[FrontPageOffice, ...] = (US_FRONT_PAGE,)


def office_for(text: str) -> FrontPageOffice | None:
    """The office whose front page ``text`` (everything read on a page) is, or None."""
    return next((office for office in OFFICES if office.recognizes(text)), None)


__all__ = ["OFFICES", "FrontPageOffice", "office_for"]
