"""Errors of the OCR path: each is one line a user can act on, with a stable ``check`` name."""

from __future__ import annotations

from patent_sync.parsing.errors import ParseError

TESSERACT_PACKAGE = "tesseract-ocr"


class ScanDecodeError(ParseError):
    """Bytes that claim to be a page image (TIFF, PNG, JPEG, PDF) but cannot be decoded."""

    default_check = "unreadable_scan"


class TesseractUnavailable(RuntimeError):
    """Tesseract is not installed (or cannot run): OCR is impossible on this machine.

    Not a ``ParseError``: the scan is not at fault, and a record must not be quarantined for
    a missing program. Every entry point turns it into a one-line error naming the package.
    """

    def __init__(self, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(
            "OCR needs the tesseract program: install the Debian package "
            f"{TESSERACT_PACKAGE} (apt-get install {TESSERACT_PACKAGE} tesseract-ocr-eng)"
            f"{suffix}"
        )
