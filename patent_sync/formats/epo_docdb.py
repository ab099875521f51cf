"""EPO DOCDB exchange XML: the weekly front-file (Create/Delete, Amend) and back-file deliveries.

A delivery member is one XML document of up to several GB; it is cut into
``exchange-document`` records at the byte level and each record parsed on its own
(``patent_sync.parsing.epo_docdb``), so memory stays bounded and one broken record is
quarantined without failing the rest. The raw count tokenizes the same bytes separately.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from patent_sync.formats.base import Change, DocumentFormat, Head, Piece, RawCount
from patent_sync.parsing.epo_docdb import (
    SOURCE,
    Segment,
    count_docdb_records,
    docdb_change,
    iter_docdb_pieces,
)

_ROOTS = frozenset({"exchange-documents", "exchange-document"})


class EpoDocdbFormat(DocumentFormat):
    """EPO DOCDB exchange documents (``exch:exchange-documents``, DTD/XSD v2.5.x)."""

    name: ClassVar[str] = SOURCE
    description: ClassVar[str] = "EPO DOCDB exchange XML (exch:exchange-documents)"
    record_kind: ClassVar[str] = "documents"

    def matches(self, head: Head) -> bool:
        """The root (or a bare record's) local name, whatever the prefix.

        A bare record is accepted because records are also handed out one per file, with the
        ``exch:`` prefix unbound or removed.
        """
        return head.root_local_name in _ROOTS

    def count_raw_records(self, stream: BinaryIO) -> RawCount:
        return count_docdb_records(stream)

    def iter_pieces(self, stream: BinaryIO) -> Iterator[Segment]:
        return iter_docdb_pieces(stream)

    def parse_piece(self, piece: Piece, *, source_file: str, position: int) -> Change:
        assert isinstance(piece, Segment)
        return docdb_change(piece, source_file=source_file, position=position)


EPO_DOCDB = EpoDocdbFormat()
