"""USPTO full-text XML (ICE DTD v4.x): the weekly ``ipg`` grant and ``ipa`` application files.

A weekly file is thousands of complete XML documents written back to back, each with its own
``<?xml ...?>`` line; it is split on those lines and every document parsed on its own
(``patent_sync.parsing.uspto_fulltext``). The raw count reads the same bytes line by line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from patent_sync.formats.base import Change, DocumentFormat, Head, Piece, RawCount, Upsert
from patent_sync.model import Document, QuarantineCategory, QuarantineRecord
from patent_sync.parsing.limits import current_limits, describe_size
from patent_sync.parsing.uspto_fulltext import parse_raw_document
from patent_sync.parsing.weekly_file import RawDocument, iter_raw_documents

_COUNT_CHUNK = 1 << 20
_DECLARATION = b"<?xml "
_DECLARATION_LINE = b"\n" + _DECLARATION
_TAIL_BYTES = 16
_ROOT_WINDOW = 8192
_ROOT_START = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)[\s/>]")
# A line longer than this is fed to the counter in parts, so that a file without newlines
# cannot make the count hold it whole; the cut keeps this much back so no tag is split.
_LONG_LINE = 2 * _COUNT_CHUNK
_CUT_MARGIN = 64
_EXCERPT_BYTES = 2048


class UsptoFulltextFormat(DocumentFormat):
    """One root element of the USPTO full text: grants or application publications."""

    record_kind: ClassVar[str] = "documents"

    def __init__(self, name: str, root: str, description: str) -> None:
        self.name = name  # type: ignore[misc]
        self.root = root
        self.description = description  # type: ignore[misc]

    def matches(self, head: Head) -> bool:
        return head.root == self.root

    def count_raw_records(self, stream: BinaryIO) -> RawCount:
        """Documents (lines that start with an XML declaration), plus any non-blank bytes
        before the first one and any stray block after a document's root end tag.

        Counted over line-aligned chunks with a backward search for each document's root end
        tag: a different method from the splitter's (a growing buffer cut at boundaries, then
        a forward search of each piece), so that a splitter bug shows up as a mismatch rather
        than as a silent drop.

        A document longer than the record limit is one record whatever it holds (the splitter
        does not look inside it for a stray block), so its stray tail is not counted either.
        """
        counter = _LineCounter(current_limits().max_record_bytes)
        carry = b""
        while chunk := stream.read(_COUNT_CHUNK):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) > _LONG_LINE:
                # One very long line: it cannot hold a declaration line past its start, so it
                # is fed in parts, cut before any "<" near the cut so a tag stays whole.
                cut = len(data) - _CUT_MARGIN
                tag = data.find(b"<", cut - _CUT_MARGIN, cut)
                cut = tag if tag > 0 else cut
            data, carry = data[:cut], data[cut:]
            counter.feed(data)
        counter.feed(carry)
        return counter.result()

    def iter_pieces(self, stream: BinaryIO) -> Iterator[RawDocument]:
        return iter_raw_documents(stream)

    def parse_piece(self, piece: Piece, *, source_file: str, position: int) -> Change:
        assert isinstance(piece, RawDocument)
        item = parse_raw_document(
            piece, source_file=source_file, position=position, default_source=self.name
        )
        if piece.oversized:
            return _too_large(piece, item, source_file=source_file, position=position)
        return Upsert(item, position) if isinstance(item, Document) else item


USPTO_GRANTS_XML = UsptoFulltextFormat(
    "uspto.ptgrxml", "us-patent-grant", "USPTO grant full text (ICE DTD v4.x)"
)
USPTO_APPLICATIONS_XML = UsptoFulltextFormat(
    "uspto.appxml", "us-patent-application", "USPTO application full text (ICE DTD v4.x)"
)


def _too_large(
    piece: RawDocument, parsed: Document | QuarantineRecord, *, source_file: str, position: int
) -> QuarantineRecord:
    """The quarantine record of a document longer than the record limit.

    ``parsed`` is what its head (all the splitter kept) parsed to: a quarantine record naming
    the document when the head was readable enough, rarely a document (a short document
    followed by megabytes of whitespace); either way the reason is the size.
    """
    detail = (
        f"document {piece.position} at line {piece.line}: {piece.size} bytes, more than the "
        f"{describe_size(current_limits().max_record_bytes)} a document may have "
        "(PATENT_SYNC_MAX_RECORD_BYTES); it was skipped up to the next document"
    )
    if isinstance(parsed, QuarantineRecord):
        return dataclasses.replace(
            parsed, failed_checks=("document_too_large",), detail=detail, payload=None
        )
    return QuarantineRecord(
        category=QuarantineCategory.PARSE_ERROR,
        failed_checks=("document_too_large",),
        source=parsed.source,
        source_file=source_file,
        position=position,
        payload_sha256=piece.sha256,
        doc_key=parsed.doc_key,
        detail=detail,
        raw_excerpt=piece.data[:_EXCERPT_BYTES].decode("utf-8", "replace"),
    )


def _after_root_end(data: bytes, root_end: int, end: int) -> bytes | None:
    """The first non-blank bytes after the root end tag at ``root_end`` (None if there is
    none, or the tag is not closed in this chunk)."""
    if root_end < 0:
        return None
    close = data.find(b">", root_end, end)
    return data[close + 1 : end].lstrip()[:_TAIL_BYTES] if close >= 0 else None


class _LineCounter:
    """The state of a count between chunks (line-aligned, except within a very long line)."""

    def __init__(self, max_record_bytes: int) -> None:
        self.max_record_bytes = max_record_bytes
        self.at_line_start = True  # the next chunk starts a line
        self.piece_bytes = 0  # bytes of the current piece so far
        self.declarations = 0
        self.leading_garbage = 0
        self.stray = 0
        # What follows the current document's first and last root end tags (their first
        # non-blank bytes), None while no root end tag has been seen. The splitter cuts a
        # stray block off a document that does not end with its root end tag, at the first one.
        self.first_tail: bytes | None = None
        self.tail: bytes | None = None
        # The document's root end tag (from the first element in its first 8 KiB), and those
        # first bytes while they are still being read.
        self.end_tag: bytes | None = None
        self.head = b""

    def feed(self, data: bytes) -> None:
        """One chunk: every declaration in it starts a line."""
        start = 0
        at_start = self.at_line_start and data.startswith(_DECLARATION)
        at = 0 if at_start else data.find(_DECLARATION_LINE)
        while at >= 0:
            line_start = at if at == 0 and at_start else at + 1
            self._segment(data, start, line_start)
            self.piece_bytes += line_start - start
            self._close()
            self.declarations += 1
            start = line_start
            at = data.find(_DECLARATION_LINE, line_start)
        self._segment(data, start, len(data))
        self.piece_bytes += len(data) - start
        if data:
            self.at_line_start = data.endswith(b"\n")

    def _segment(self, data: bytes, start: int, end: int) -> None:
        if self.declarations == 0:
            if data[start:end].strip():
                self.leading_garbage = 1
            return
        if self.end_tag is None and len(self.head) < _ROOT_WINDOW:
            self.head += data[start : start + _ROOT_WINDOW - len(self.head)]
            root = _ROOT_START.search(self.head)
            if root is not None:
                self.end_tag = b"</" + root.group(1) + b">"
        if self.end_tag is None:
            return  # no root element yet: nothing can follow its end
        if self.first_tail is None:
            self.first_tail = _after_root_end(data, data.find(self.end_tag, start, end), end)
        elif len(self.first_tail) < _TAIL_BYTES:
            self.first_tail = (self.first_tail + data[start:end].lstrip())[:_TAIL_BYTES]
        root_end = data.rfind(self.end_tag, start, end)
        if root_end >= 0:
            self.tail = _after_root_end(data, root_end, end)
        elif self.tail is not None and len(self.tail) < _TAIL_BYTES:
            self.tail = (self.tail + data[start:end].lstrip())[:_TAIL_BYTES]

    def _close(self) -> None:
        # Comments and processing instructions may legally follow a root element.
        oversized = self.piece_bytes > self.max_record_bytes
        cut = self.tail and self.first_tail and not self.first_tail.startswith((b"<!--", b"<?"))
        if cut and not oversized:
            self.stray += 1
        self.first_tail = self.tail = self.end_tag = None
        self.head = b""
        self.piece_bytes = 0

    def result(self) -> RawCount:
        self._close()
        stray = self.leading_garbage + self.stray
        return RawCount(
            records=self.declarations + stray,
            detail={"xml_declarations": self.declarations, "stray_segments": stray},
        )
