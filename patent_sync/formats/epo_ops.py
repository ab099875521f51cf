"""EPO OPS bibliographic data: published-data biblio answers and the EP publications feed.

Recognised by its envelope (``ops:world-patent-data``) holding ``exchange-documents``; read
record by record with the DOCDB splitter (the OPS envelope counts as framing) and each record
through ``patent_sync.parsing.epo_ops_biblio``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from patent_sync.formats.base import Change, DocumentFormat, Head, Piece, RawCount
from patent_sync.parsing.epo_docdb import Segment, count_docdb_records, iter_docdb_pieces
from patent_sync.parsing.epo_ops_biblio import ops_change

_EXCHANGE = b"exchange-document"


class EpoOpsBiblioFormat(DocumentFormat):
    """EPO OPS biblio XML (``ops:world-patent-data`` with ``exchange-documents``)."""

    name: ClassVar[str] = "epo.ops.biblio"
    description: ClassVar[str] = "EPO OPS bibliographic XML (published-data biblio)"
    record_kind: ClassVar[str] = "documents"

    def matches(self, head: Head) -> bool:
        return head.root_local_name == "world-patent-data" and _EXCHANGE in head.data

    def count_raw_records(self, stream: BinaryIO) -> RawCount:
        return count_docdb_records(stream)

    def iter_pieces(self, stream: BinaryIO) -> Iterator[Segment]:
        return iter_docdb_pieces(stream)

    def parse_piece(self, piece: Piece, *, source_file: str, position: int) -> Change:
        assert isinstance(piece, Segment)
        return ops_change(piece, source_file=source_file, position=position)


EPO_OPS_BIBLIO = EpoOpsBiblioFormat()
