"""Which page-image file a scan is, told from its first bytes (no imaging library needed)."""

from __future__ import annotations

TIFF, PNG, JPEG, PDF = "tiff", "png", "jpeg", "pdf"

_JPEG_SEGMENT_MARKERS = frozenset(range(0xC0, 0xFF)) - {0xC8}
_PDF_HEADER_WINDOW = 1024  # the PDF specification lets the header start this late


def sniff(head: bytes) -> str | None:
    """``"tiff"``, ``"png"``, ``"jpeg"`` or ``"pdf"`` when ``head`` (a file's first bytes)
    starts one, else None.

    More than the magic number is required (a valid IFD offset, the PNG ``IHDR`` chunk, a
    JPEG segment marker, a PDF version), so that arbitrary binary data is not taken for a
    scan just because its first bytes happen to match.
    """
    if head[:4] == b"II*\x00":
        return TIFF if int.from_bytes(head[4:8], "little") >= 8 else None
    if head[:4] == b"MM\x00*":
        return TIFF if int.from_bytes(head[4:8], "big") >= 8 else None
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG if head[8:16] == b"\x00\x00\x00\x0dIHDR" else None
    if head[:3] == b"\xff\xd8\xff" and len(head) > 3:
        return JPEG if head[3] in _JPEG_SEGMENT_MARKERS else None
    at = head.find(b"%PDF-", 0, _PDF_HEADER_WINDOW)
    if at >= 0 and head[at + 5 : at + 6].isdigit() and head[at + 6 : at + 7] == b".":
        return PDF
    return None
