"""Scanned patent documents: TIFF (bi-level CCITT Group 4 as the USPTO serves them, or any
other compression), PNG, JPEG and multi-page PDF, read by OCR (``patent_sync.ocr``).

A scan file is one record: the document whose front page it holds. It is told from its first
bytes (the image or PDF signature, see ``ocr.pages.sniff``), never from its name. A file that
cannot be decoded, or is larger than the record limit, is a ``parse_error``; a document whose
key fields could not be read with confidence is ``low_ocr_confidence`` (``ocr.document``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, ClassVar

from patent_sync.formats.base import Change, DocumentFormat, Head, Piece, RawCount, Upsert
from patent_sync.model import QuarantineCategory, QuarantineRecord
from patent_sync.ocr import SOURCE
from patent_sync.ocr.signatures import sniff
from patent_sync.parsing.limits import current_limits, describe_size

if TYPE_CHECKING:
    from patent_sync.ocr.reader import ScanReading


@dataclasses.dataclass(frozen=True, slots=True)
class ScanPiece:
    """A whole scan file (``data`` is cut at the record limit when ``oversized``)."""

    data: bytes
    size: int
    oversized: bool
    sha256: str  # of the whole file


class ScanFormat(DocumentFormat):
    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = "scanned patent document (TIFF, PNG, JPEG or PDF), read by OCR"
    record_kind: ClassVar[str] = "documents"

    def matches(self, head: Head) -> bool:
        return sniff(head.data) is not None

    def count_raw_records(self, stream: BinaryIO) -> RawCount:
        """One record per file, whatever it holds; its pages, when they can be counted."""
        from patent_sync.ocr import pages
        from patent_sync.ocr.errors import ScanDecodeError

        limit = current_limits().max_record_bytes
        data = stream.read(limit + 1)
        detail = {"scan_files": 1}
        kind = sniff(data[:2048])
        if kind is not None and len(data) <= limit:
            try:
                detail["pages"] = pages.page_count(data, kind)
            except ScanDecodeError:
                detail["unreadable_scans"] = 1
        return RawCount(records=1, detail=detail)

    def iter_pieces(self, stream: BinaryIO) -> Iterator[ScanPiece]:
        limit = current_limits().max_record_bytes
        data = stream.read(limit + 1)
        digest = hashlib.sha256(data)
        oversized = len(data) > limit
        size = len(data)
        if oversized:
            while chunk := stream.read(1 << 20):  # the true size and hash, never held whole
                digest.update(chunk)
                size += len(chunk)
        yield ScanPiece(
            data=data[:limit], size=size, oversized=oversized, sha256=digest.hexdigest()
        )

    def parse_piece(self, piece: Piece, *, source_file: str, position: int) -> Change:
        """The scan's document or quarantine record. ``TesseractUnavailable`` is raised, not
        quarantined: the machine, not the scan, is at fault."""
        assert isinstance(piece, ScanPiece)
        return read_piece(piece, source_file=source_file, position=position).change


@dataclasses.dataclass(frozen=True)
class ScanOutcome:
    """A scan's change, and the reading behind it (None when the file could not be read)."""

    change: Upsert | QuarantineRecord
    reading: ScanReading | None
    doubtful: tuple[str, ...]  # key fields that kept the document out of the docket


def read_piece(piece: ScanPiece, *, source_file: str, position: int) -> ScanOutcome:
    """Read one scan file into its change (see ``parse_piece``)."""
    from patent_sync.ocr.document import scan_change
    from patent_sync.ocr.errors import ScanDecodeError
    from patent_sync.ocr.reader import read_scan

    if piece.oversized:
        limit = current_limits().max_record_bytes
        detail = (
            f"the scan is {piece.size:,} bytes, more than the {describe_size(limit)} a record "
            "may have (PATENT_SYNC_MAX_RECORD_BYTES)"
        )
        record = _unreadable("scan_too_large", detail, piece.sha256, source_file, position)
        return ScanOutcome(record, None, ())
    try:
        reading = read_scan(piece.data)
    except ScanDecodeError as exc:
        record = _unreadable(exc.check, exc.message, piece.sha256, source_file, position)
        return ScanOutcome(record, None, ())
    changed = scan_change(
        reading, payload_sha256=piece.sha256, source_file=source_file, position=position
    )
    return ScanOutcome(changed.change, reading, changed.doubtful)


def _unreadable(
    check: str, detail: str, sha256: str, source_file: str, position: int
) -> QuarantineRecord:
    return QuarantineRecord(
        category=QuarantineCategory.PARSE_ERROR,
        failed_checks=(check,),
        source=SOURCE,
        source_file=source_file,
        position=position,
        payload_sha256=sha256,
        detail=detail,
    )


SCAN = ScanFormat()
