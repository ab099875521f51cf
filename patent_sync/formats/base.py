"""What every wire format supplies, and the changes a delivery's records turn into.

A format is recognised from the bytes (``matches``), never from a file name. A *document*
format then streams a delivery member record by record and turns each record into a
``Change``: upsert a canonical document, delete one, or a quarantined record that says why.
It also counts the raw records a second, independent way, so that the pipeline can prove that
every record was accounted for. An *event* format parses a prosecution-event file into
canonical events.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, ClassVar, Protocol

from patent_sync.model import Document, QuarantineRecord

if TYPE_CHECKING:
    # Only for the annotation: ``patent_sync.events`` itself imports this module.
    from patent_sync.events.common import ParsedEvents


@dataclasses.dataclass(frozen=True, slots=True)
class Head:
    """What a format looks at to recognise a file: its first bytes and its root element.

    ``root`` is the qualified name as written (``us-patent-grant``,
    ``exch:exchange-documents``), or None when the bytes do not start with an XML element.
    """

    data: bytes
    root: str | None

    @property
    def root_local_name(self) -> str | None:
        return None if self.root is None else self.root.rsplit(":", 1)[-1]

    def starts_with_json(self) -> bool:
        return self.data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


@dataclasses.dataclass(frozen=True, slots=True)
class Upsert:
    """Create or replace ``document`` (prior versions are kept by the store)."""

    document: Document
    position: int  # ordinal of the record in its delivery (0-based, across all its files)


@dataclasses.dataclass(frozen=True, slots=True)
class Delete:
    """Mark a document deleted: the office withdrew the record (DOCDB status D)."""

    doc_key: str
    position: int
    source: str
    source_file: str | None
    payload_sha256: str  # SHA-256 of the delete record's own bytes
    date_of_last_exchange: dt.date | None = None


Change = Upsert | Delete | QuarantineRecord


@dataclasses.dataclass(frozen=True, slots=True)
class RawCount:
    """Records in a delivery member, counted independently of the parser's own splitting.

    ``records`` is every piece the pipeline must account for (parsed, or quarantined);
    ``detail`` says what was counted, for the asset metadata (e.g. stray segments).
    """

    records: int
    detail: dict[str, int] = dataclasses.field(default_factory=dict)


class Piece(Protocol):
    """One raw record as a format's splitter cut it: its bytes, plus whatever the format needs
    to parse it alone (a line number, the file's DTD version). Picklable, so that pieces can be
    parsed in other processes."""

    data: bytes


class DocumentFormat(abc.ABC):
    """A bulk format of published documents (USPTO full text, EPO DOCDB, ...).

    Reading is split in two so that the pipeline can parse on every core: ``iter_pieces``
    cuts a member into raw records (cheap, in order, in one process) and ``parse_piece`` turns
    one into a change (the expensive part, independent of every other piece).
    """

    name: ClassVar[str]  # "uspto.ptgrxml", "epo.docdb"
    description: ClassVar[str]  # "USPTO grant full text (ICE DTD v4.x)"
    record_kind: ClassVar[str] = "documents"

    @abc.abstractmethod
    def matches(self, head: Head) -> bool:
        """True when ``head`` is the start of a file in this format."""

    @abc.abstractmethod
    def count_raw_records(self, stream: BinaryIO) -> RawCount:
        """Count the records of one member without parsing them (reconciliation)."""

    @abc.abstractmethod
    def iter_pieces(self, stream: BinaryIO) -> Iterator[Piece]:
        """The raw records of one member, in order (a refused file raises here)."""

    @abc.abstractmethod
    def parse_piece(self, piece: Piece, *, source_file: str, position: int) -> Change:
        """The change one raw record makes. Never raises for a bad record: it becomes a
        quarantined one."""

    def iter_changes(
        self, stream: BinaryIO, *, source_file: str, start_position: int = 0
    ) -> Iterator[Change]:
        """One ``Change`` per raw record of one member, in order, positions from
        ``start_position``."""
        for position, piece in enumerate(self.iter_pieces(stream), start_position):
            yield self.parse_piece(piece, source_file=source_file, position=position)


class EventFormat(abc.ABC):
    """A prosecution-event file format (USPTO ODP transactions, EP Register, INPADOC).

    An event file is one response of an office's API (a few hundred KiB at most) whose events
    only make sense together (occurrence numbering, publication keys resolved by the biblio), so
    it is parsed whole rather than streamed record by record.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    record_kind: ClassVar[str] = "events"

    @abc.abstractmethod
    def matches(self, head: Head) -> bool:
        """True when ``head`` is the start of a file in this format."""

    @abc.abstractmethod
    def parse(self, data: bytes) -> ParsedEvents:
        """The canonical events of one whole file, in the file's order, plus the facts, aliases,
        undated items and warnings it carries. Raises ``EventParseError`` (one line) when the
        bytes are not a readable file of this format."""


WireFormat = DocumentFormat | EventFormat
