"""USPTO full-text XML (ICE DTD v4.x): the weekly ``ipg`` grant and ``ipa`` application files.

A weekly file is thousands of complete XML documents written back to back, each with its own
``<?xml ...?>`` line; it is split on those lines and every document parsed on its own
(``patent_sync.parsing.uspto_fulltext``). The raw count reads the same bytes line by line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from patent_sync.formats.base import Change, DocumentFormat, Head, Piece, RawCount, Upsert
from patent_sync.model import Document
from patent_sync.parsing.uspto_fulltext import parse_raw_document
from patent_sync.parsing.weekly_file import RawDocument, iter_raw_documents

_COUNT_CHUNK = 1 << 20
_DECLARATION = b"<?xml "
_DECLARATION_LINE = b"\n" + _DECLARATION
_TAIL_BYTES = 16


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
        """
        counter = _LineCounter()
        carry = b""
        while chunk := stream.read(_COUNT_CHUNK):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
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
        return Upsert(item, position) if isinstance(item, Document) else item


USPTO_GRANTS_XML = UsptoFulltextFormat(
    "uspto.ptgrxml", "us-patent-grant", "USPTO grant full text (ICE DTD v4.x)"
)
USPTO_APPLICATIONS_XML = UsptoFulltextFormat(
    "uspto.appxml", "us-patent-application", "USPTO application full text (ICE DTD v4.x)"
)


class _LineCounter:
    """The state of a count between line-aligned chunks."""

    def __init__(self) -> None:
        self.declarations = 0
        self.leading_garbage = 0
        self.stray = 0
        # What follows the current document's root end tag (its first bytes), None while the
        # root end tag has not been seen.
        self.tail: bytes | None = None

    def feed(self, data: bytes) -> None:
        """One line-aligned chunk: every declaration in it starts a line."""
        start = 0
        at = 0 if data.startswith(_DECLARATION) else data.find(_DECLARATION_LINE)
        while at >= 0:
            line_start = at if data.startswith(_DECLARATION, at) else at + 1
            self._segment(data, start, line_start)
            self._close()
            self.declarations += 1
            start = line_start
            at = data.find(_DECLARATION_LINE, line_start)
        self._segment(data, start, len(data))

    def _segment(self, data: bytes, start: int, end: int) -> None:
        if self.declarations == 0:
            if data[start:end].strip():
                self.leading_garbage = 1
            return
        root_end = data.rfind(b"</us-patent-", start, end)
        if root_end >= 0:
            close = data.find(b">", root_end, end)
            self.tail = data[close + 1 : end].lstrip()[:_TAIL_BYTES] if close >= 0 else None
        elif self.tail is not None and len(self.tail) < _TAIL_BYTES:
            self.tail = (self.tail + data[start:end].lstrip())[:_TAIL_BYTES]

    def _close(self) -> None:
        # Comments and processing instructions may legally follow a root element.
        if self.tail and not self.tail.startswith((b"<!--", b"<?")):
            self.stray += 1
        self.tail = None

    def result(self) -> RawCount:
        self._close()
        stray = self.leading_garbage + self.stray
        return RawCount(
            records=self.declarations + stray,
            detail={"xml_declarations": self.declarations, "stray_segments": stray},
        )
