"""Parse a delivery's raw records on every core, in order, in bounded memory.

The format's splitter cuts records in this process (cheap byte searches); batches of raw
records go to worker processes, which parse them and build the lake's Arrow tables; the
results come back in submission order, at most a few batches in flight, so memory is bounded
by the batch size times the number of workers, never by the delivery. Small deliveries are
parsed in this process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa

from patent_sync.formats.base import Delete, DocumentFormat, Piece, Upsert
from patent_sync.formats.registry import document_format_named
from patent_sync.model import Document, QuarantineRecord
from patent_sync.parsing.weekly_file import iter_members
from patent_sync.pipeline.lake import documents_to_table

PIECES_PER_BATCH = 500
# Below this many (usually zipped) bytes of delivery files, worker start-up outweighs the gain.
PARALLEL_MIN_BYTES = 8 << 20
_IN_FLIGHT_PER_WORKER = 3


@dataclasses.dataclass(frozen=True)
class PieceBatch:
    source_file: str
    start_position: int
    pieces: list[Piece]


@dataclasses.dataclass(frozen=True)
class ParsedBatch:
    documents: pa.Table | None  # lake.DOCUMENT_SCHEMA rows, None when the batch had none
    deletes: list[Delete]
    errors: list[QuarantineRecord]


def piece_batches(fmt: DocumentFormat, files: Iterable[tuple[str, Path]]) -> Iterator[PieceBatch]:
    """The raw records of every member of every file (name, path), in batches, positions
    running across all of them."""
    position = 0
    for file_name, path in files:
        with iter_members(path) as members:
            for member in members:
                source_file = _source_file(file_name, member.name)
                pieces: list[Piece] = []
                for piece in fmt.iter_pieces(member.stream):
                    pieces.append(piece)
                    if len(pieces) >= PIECES_PER_BATCH:
                        yield PieceBatch(source_file, position, pieces)
                        position += len(pieces)
                        pieces = []
                if pieces:
                    yield PieceBatch(source_file, position, pieces)
                    position += len(pieces)


def _source_file(file_name: str, member_name: str) -> str:
    """The file a record came from: the delivery file, naming the zip member when the zip
    holds several (``docdb_xml_202411_Amend_001.zip!Root/DOC/...-0001.xml``)."""
    if Path(member_name).stem.lower() == Path(file_name).stem.lower():
        return file_name
    return f"{file_name}!{member_name}"


def default_workers() -> int:
    """``PATENT_SYNC_PARSE_WORKERS``, else one worker per core."""
    configured = os.environ.get("PATENT_SYNC_PARSE_WORKERS")
    if configured:
        return max(1, int(configured))
    return os.cpu_count() or 1


def parse_batch(format_name: str, batch: PieceBatch) -> ParsedBatch:
    """Parse one batch (in a worker, or here)."""
    fmt = document_format_named(format_name)
    docs: list[Document] = []
    positions: list[int] = []
    deletes: list[Delete] = []
    errors: list[QuarantineRecord] = []
    for offset, piece in enumerate(batch.pieces):
        change = fmt.parse_piece(
            piece, source_file=batch.source_file, position=batch.start_position + offset
        )
        if isinstance(change, Upsert):
            docs.append(change.document)
            positions.append(change.position)
        elif isinstance(change, Delete):
            deletes.append(change)
        else:
            errors.append(change)
    table = documents_to_table(docs, positions) if docs else None
    return ParsedBatch(table, deletes, errors)


def parse_batches(
    format_name: str, batches: Iterable[PieceBatch], *, workers: int
) -> Iterator[ParsedBatch]:
    """The parsed batches, in the order given, parsed by ``workers`` processes (or here)."""
    if workers <= 1:
        for batch in batches:
            yield parse_batch(format_name, batch)
        return
    # fork: spawn and forkserver re-import the caller's main module in every worker, which
    # fails for any script without an ``if __name__ == "__main__"`` guard. The workers only
    # parse bytes into Arrow tables and touch no lock the parent's threads may hold.
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: collections.deque[concurrent.futures.Future[ParsedBatch]] = collections.deque()
        for batch in batches:
            pending.append(pool.submit(parse_batch, format_name, batch))
            if len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
