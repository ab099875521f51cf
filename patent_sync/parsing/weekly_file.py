"""Open a USPTO weekly delivery and split it into its documents, streaming.

A weekly file (``ipgYYMMDD``, ``ipaYYMMDD``) is not one XML document but thousands of complete
documents written back to back, each starting with its own ``<?xml ...?>`` line. It ships as a
zip holding one ``.xml`` member. ``open_delivery`` streams that member without extracting it;
``iter_raw_documents`` reads the stream in large chunks and cuts it at every line that starts
with ``<?xml ``, so memory is bounded by the largest single document, never by the file.

Both are bounded against hostile files (limits in ``patent_sync.parsing.limits``): a zip member
that decompresses to more than ``max_member_bytes``, or at a ratio above
``max_compression_ratio``, raises ``DeliveryError(check="decompression_limit")``; a document
longer than ``max_record_bytes`` is not buffered past that size but skipped to the next
document and handed on as its head only, for the parser to quarantine (``document_too_large``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import re
import shutil
import tempfile
import typing
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from patent_sync.parsing.errors import DeliveryError
from patent_sync.parsing.limits import ParseLimits, current_limits, describe_size

CHUNK_SIZE = 1 << 20  # 1 MiB: few Python-level iterations per weekly file, small memory
_DOCUMENT_START = b"<?xml "
_BOUNDARY = b"\n" + _DOCUMENT_START
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# What is kept of a document too large to hold: enough to name it (its publication reference
# sits in the first few KiB) and to show a reviewer what arrived.
OVERSIZED_HEAD_BYTES = 64 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class RawDocument:
    """One document cut out of a delivery, before any parsing.

    ``position`` is its 0-based ordinal in the delivery, ``line`` the 1-based line where it
    starts, ``sha256`` the hex digest of the document's exact bytes, ``size`` their length.
    ``data`` is those bytes, except for a document longer than the record limit: then it is
    only its first ``OVERSIZED_HEAD_BYTES`` and ``oversized`` is true (the parser quarantines
    it as ``document_too_large`` without looking further).
    """

    position: int
    line: int
    data: bytes
    sha256: str
    size: int = -1  # -1: len(data)
    oversized: bool = False

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, "size", len(self.data))


class _ZipMemberStream(io.BufferedIOBase):
    """Turns zip corruption found mid-stream (bad CRC, truncated data) into DeliveryError, and
    stops a zip bomb: decompressed bytes are counted as they come, never taken from the header.

    A member is refused (``DeliveryError(check="decompression_limit")``) once it has produced
    more than ``limits.max_member_bytes``, or more than ``limits.ratio_min_bytes`` at more than
    ``limits.max_compression_ratio`` times its compressed size. The compressed size bounds what
    ``zipfile`` reads of the archive, so bytes out / compressed size never understates the ratio.
    """

    def __init__(
        self,
        member: BinaryIO,
        archive_name: str,
        *,
        member_name: str = "",
        compressed_size: int | None = None,
        limits: ParseLimits | None = None,
    ) -> None:
        super().__init__()
        self._member = member
        self._archive_name = archive_name
        self._member_name = member_name
        self._compressed_size = compressed_size
        self._limits = limits or ParseLimits()
        self._produced = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            # Reading "everything" would hold the whole member before it could be counted:
            # read in chunks and check each one.
            parts = []
            while chunk := self.read(CHUNK_SIZE):
                parts.append(chunk)
            return b"".join(parts)
        try:
            data = self._member.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise DeliveryError(
                f"{self._archive_name} is corrupt: {exc}", check="corrupt_zip"
            ) from None
        self._produced += len(data)
        _check_decompressed(
            self._archive_name,
            self._member_name,
            self._produced,
            self._compressed_size,
            self._limits,
            declared=False,
        )
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)


@dataclasses.dataclass(frozen=True, slots=True)
class Member:
    """One file of a delivery to read: a plain file, or one member of a zip."""

    name: str  # "ipg240102.xml", "Root/DOC/DOCDB-202411-Amend-...-0001.xml"
    stream: BinaryIO


_READABLE_MEMBER_SUFFIXES = (".xml", ".json")
_NESTED_ZIP = ".zip"


@contextlib.contextmanager
def open_delivery(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a weekly file that holds one document stream: the file itself, or the single
    ``.xml`` member of a zip, decompressed as it is read.

    Raises ``DeliveryError`` for an empty file, a ``.zip`` that is not a zip, an empty zip, a
    zip without an ``.xml`` member or with several, and a zip that turns out corrupt while
    reading. ``OSError`` (missing file, no permission) propagates unchanged.
    """
    with iter_members(path, single=True) as members:
        yield next(members).stream


@contextlib.contextmanager
def open_first_member(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """The first readable member of a delivery file: the file itself, or the first ``.xml`` or
    ``.json`` member of a zip (by name). For telling a file's format from its head."""
    with iter_members(path, suffixes=_READABLE_MEMBER_SUFFIXES) as members:
        yield next(members).stream


@contextlib.contextmanager
def iter_members(
    path: str | os.PathLike[str],
    *,
    single: bool = False,
    suffixes: tuple[str, ...] = (".xml",),
) -> Iterator[Iterator[Member]]:
    """Every XML file of a delivery file, in name order, each streamed as it is read.

    A plain file is its own single member. A zip's members are read in name order; a DOCDB
    delivery zip holds many XML files, or zips of them (one per country and part), which are
    opened in turn. ``single`` refuses a zip of more than one XML file (a USPTO weekly file
    holds exactly one). Raises ``DeliveryError`` as ``open_delivery`` does.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4)
        if not head:
            raise DeliveryError(f"{path.name} is an empty file", check="empty_file")
        handle.seek(0)
        if not head.startswith(_ZIP_MAGIC):
            if path.suffix.lower() == ".zip":
                raise DeliveryError(
                    f"{path.name} is named .zip but is not a zip archive", check="not_a_zip"
                )
            yield iter([Member(path.name, handle)])
            return
        allowed = suffixes if single else (*suffixes, _NESTED_ZIP)
        with _zip_members(handle, path.name, suffixes=allowed) as (archive, infos):
            if single and len(infos) > 1:
                found = ", ".join(info.filename for info in infos[:5])
                raise DeliveryError(
                    f"{path.name} holds {len(infos)} .xml files ({found}); a weekly file holds "
                    "exactly one",
                    check="zip_multiple_xml",
                )
            yield _zip_member_streams(archive, infos, path.name, suffixes)


def _zip_member_streams(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, suffixes: tuple[str, ...]
) -> Iterator[Member]:
    for info in infos:
        if not info.filename.lower().endswith(_NESTED_ZIP):
            with _open_member(archive, info, name) as stream:
                yield Member(info.filename, stream)
            continue
        # A zip inside the zip: reading one needs seeking, which a compressed member does not
        # allow cheaply, so it is copied to a temporary file first (one part, not the delivery).
        with tempfile.TemporaryFile() as nested, _open_member(archive, info, name) as stream:
            shutil.copyfileobj(stream, nested, CHUNK_SIZE)
            nested.seek(0)
            inner_name = f"{name}!{info.filename}"
            with _zip_members(nested, inner_name, suffixes=suffixes) as (inner, inner_infos):
                for inner_info in inner_infos:
                    with _open_member(inner, inner_info, inner_name) as inner_stream:
                        yield Member(f"{info.filename}!{inner_info.filename}", inner_stream)


@contextlib.contextmanager
def _zip_members(
    handle: BinaryIO, name: str, *, suffixes: tuple[str, ...]
) -> Iterator[tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]]:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise DeliveryError(
            f"{name} is not a readable zip archive: {exc}", check="bad_zip"
        ) from None
    with archive:
        files = [info for info in archive.infolist() if not info.is_dir()]
        if not files:
            raise DeliveryError(f"{name} is an empty zip archive", check="empty_zip")
        wanted = [info for info in files if info.filename.lower().endswith(suffixes)]
        if not wanted:
            found = ", ".join(info.filename for info in files[:5])
            raise DeliveryError(
                f"{name} holds no {' or '.join(suffixes)} file (found: {found})",
                check="zip_without_xml",
            )
        yield archive, sorted(wanted, key=lambda i: i.filename)


@contextlib.contextmanager
def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Iterator[BinaryIO]:
    limits = current_limits()
    # The declared size refuses an honest bomb before a byte is inflated; the stream counts
    # what actually comes out, for one whose header lies.
    _check_decompressed(name, info.filename, info.file_size, info.compress_size, limits, True)
    try:
        member = archive.open(info)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
        # Encrypted members and unsupported compression methods land here.
        raise DeliveryError(
            f"{name}: cannot read {info.filename}: {exc}", check="bad_zip"
        ) from None
    with member:
        yield typing.cast(
            BinaryIO,
            _ZipMemberStream(
                member,
                name,
                member_name=info.filename,
                compressed_size=info.compress_size,
                limits=limits,
            ),
        )


def _check_decompressed(
    archive_name: str,
    member_name: str,
    size: int,
    compressed_size: int | None,
    limits: ParseLimits,
    declared: bool,
) -> None:
    """Raise ``DeliveryError(check="decompression_limit")`` when ``size`` bytes out of
    ``compressed_size`` break a limit; ``declared`` says whether ``size`` is the header's.
    Without a compressed size (``None``) only the size limit applies."""
    what = "declares" if declared else "decompresses to"
    if size > limits.max_member_bytes:
        reason = (
            f"more than {describe_size(limits.max_member_bytes)} (PATENT_SYNC_MAX_MEMBER_BYTES)"
        )
    elif size > limits.ratio_min_bytes and size > limits.max_compression_ratio * compressed_size:
        ratio = size // max(compressed_size, 1)
        reason = (
            f"{'' if declared else 'at least '}{describe_size_rounded(size)}, {ratio} times its "
            f"compressed size (more than {limits.max_compression_ratio}: "
            "PATENT_SYNC_MAX_COMPRESSION_RATIO)"
        )
    else:
        return
    raise DeliveryError(
        f"{archive_name}: {_printable_name(member_name)} {what} {reason}; refused as a "
        "possible zip bomb",
        check="decompression_limit",
    )


def describe_size_rounded(size: int) -> str:
    """A size for a message: ``2147483648`` → ``"2.0 GiB"``."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def _printable_name(name: str) -> str:
    # A member name is attacker-chosen: no control characters in a one-line message.
    return "".join(c if c.isprintable() else "?" for c in name)[:200]


def iter_raw_documents(
    stream: BinaryIO, *, chunk_size: int = CHUNK_SIZE, max_document_bytes: int | None = None
) -> Iterator[RawDocument]:
    """Split a stream of concatenated XML documents into ``RawDocument``s, in order.

    A document starts at the beginning of the stream or of any line that starts with
    ``<?xml ``, and runs to the next such line (its trailing newline included). Stray bytes
    are never dropped and never allowed to spoil a neighbour:

    * bytes before the first ``<?xml `` line that are not just whitespace become a piece of
      their own;
    * bytes after a document's root end tag (a block that is not a document, written between
      two documents) are cut off into a piece of their own, so the document before them still
      parses and the block itself is quarantined downstream.

    A piece longer than ``max_document_bytes`` (default: ``max_record_bytes`` of the
    configured limits) is never held whole: it is read through to the next ``<?xml `` line,
    hashed and counted on the way, and yielded as one ``oversized`` ``RawDocument`` holding
    only its head. Memory is therefore bounded by the limit plus one chunk, whatever the file.

    An empty stream yields nothing. Concatenating every piece's ``data`` gives back the stream
    (minus leading blank lines) when no piece is oversized.
    """
    if max_document_bytes is None:
        max_document_bytes = current_limits().max_record_bytes
    position = 0
    for line, piece in _pieces(stream, chunk_size, max_document_bytes):
        if isinstance(piece, _Oversized):
            yield RawDocument(position, line, piece.head, piece.sha256, piece.size, oversized=True)
            position += 1
            continue
        for offset, part in _split_trailing_content(piece):
            yield RawDocument(position, line + offset, part, hashlib.sha256(part).hexdigest())
            position += 1


@dataclasses.dataclass(slots=True)
class _Oversized:
    """A piece longer than the limit, seen once and not kept: its head, hash and size."""

    head: bytes = b""
    size: int = 0
    newlines: int = 0
    blank: bool = True  # only whitespace so far (a blank leading piece is dropped)
    hasher: typing.Any = dataclasses.field(default_factory=hashlib.sha256)

    @property
    def sha256(self) -> str:
        return str(self.hasher.hexdigest())

    def add(self, data: bytes | bytearray | memoryview) -> None:
        # In chunk-sized steps: one copy of a 64 MiB piece at a time would double its memory.
        with memoryview(data) as view:
            for start in range(0, len(view), CHUNK_SIZE):
                part = bytes(view[start : start + CHUNK_SIZE])
                if len(self.head) < OVERSIZED_HEAD_BYTES:
                    self.head += part[: OVERSIZED_HEAD_BYTES - len(self.head)]
                self.hasher.update(part)
                self.size += len(part)
                self.newlines += part.count(b"\n")
                self.blank = self.blank and not part.strip()


def _pieces(
    stream: BinaryIO, chunk_size: int, max_bytes: int
) -> Iterator[tuple[int, bytes | _Oversized]]:
    """(first line, bytes) of each piece between ``<?xml `` lines; reads in big chunks.

    A piece longer than ``max_bytes`` comes as an ``_Oversized`` instead of its bytes.
    """
    buffer = bytearray()
    line = 1  # line number of buffer[0] in the stream
    scan_from = 0  # boundaries before this offset were already searched for
    first = True
    at_eof = False
    while True:
        boundary = buffer.find(_BOUNDARY, scan_from)
        if boundary < 0:
            if at_eof:
                break
            if len(buffer) > max_bytes + len(_BOUNDARY):
                # No boundary in more than max_bytes: whatever follows, the piece is too large.
                oversized, buffer, at_eof = _skip_oversized(stream, buffer, chunk_size)
                if not (first and oversized.blank):
                    yield line, oversized
                first = False
                line += oversized.newlines
                scan_from = 0
                continue
            chunk = stream.read(chunk_size)
            if not chunk:
                at_eof = True
                continue
            # A boundary may straddle the old end of the buffer: rescan its last few bytes.
            scan_from = max(0, len(buffer) - len(_BOUNDARY) + 1)
            buffer += chunk
            continue
        end = boundary + 1  # the newline belongs to the document it ends
        piece: bytes | _Oversized
        with memoryview(buffer) as view:
            if end > max_bytes:
                piece = _Oversized()
                piece.add(view[:end])
            else:
                piece = bytes(view[:end])  # one copy (slicing the bytearray would make two)
        del buffer[:end]  # cheap in CPython: bytearray moves its start pointer
        scan_from = 0
        blank = piece.blank if isinstance(piece, _Oversized) else not piece.strip()
        if not (first and blank):  # leading blank lines carry nothing
            yield line, piece
        first = False
        line += piece.newlines if isinstance(piece, _Oversized) else piece.count(b"\n")
    if buffer.strip():
        if len(buffer) > max_bytes:
            oversized = _Oversized()
            oversized.add(buffer)
            yield line, oversized
        else:
            yield line, bytes(buffer)


def _skip_oversized(
    stream: BinaryIO, buffer: bytearray, chunk_size: int
) -> tuple[_Oversized, bytearray, bool]:
    """Read past a piece too large to hold, up to the next boundary (or the end).

    ``buffer`` holds the piece's first bytes and no boundary. Returns the piece's summary,
    a fresh buffer starting at the next piece, and whether the stream is at its end.
    """
    oversized = _Oversized()
    keep = len(_BOUNDARY) - 1  # a boundary may straddle the end of what was searched
    while True:
        with memoryview(buffer) as view:
            oversized.add(view[: len(buffer) - keep])
        # A new, small buffer: deleting from the front of a big one would keep its memory.
        buffer = bytearray(buffer[len(buffer) - keep :])
        chunk = stream.read(chunk_size)
        if not chunk:
            oversized.add(buffer)
            return oversized, bytearray(), True
        buffer += chunk
        boundary = buffer.find(_BOUNDARY)
        if boundary >= 0:
            end = boundary + 1
            with memoryview(buffer) as view:
                oversized.add(view[:end])
            return oversized, bytearray(buffer[end:]), False


_ROOT_START = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)[\s/>]")


def _split_trailing_content(piece: bytes) -> list[tuple[int, bytes]]:
    """``piece`` as [(line offset, bytes)], with anything after the root end tag split off.

    The normal case (the piece ends with its root end tag) costs a regex over the head and
    one ``endswith``. A piece whose root never ends (truncated) is left whole for the parser
    to reject.
    """
    if not piece.startswith(_DOCUMENT_START):
        return [(0, piece)]
    match = _ROOT_START.search(piece, 0, 8192)
    if match is None:
        return [(0, piece)]
    end_tag = b"</" + match.group(1) + b">"
    if piece[-len(end_tag) - 64 :].rstrip().endswith(end_tag):  # tail only: no full copy
        return [(0, piece)]
    root_end = piece.find(end_tag, match.end())
    if root_end < 0:
        return [(0, piece)]
    cut = root_end + len(end_tag)
    newline = piece.find(b"\n", cut)
    rest_start = newline + 1 if newline >= 0 and not piece[cut:newline].strip() else cut
    rest = piece[rest_start:]
    # Comments and processing instructions may legally follow the root element.
    if not rest.strip() or rest.lstrip().startswith((b"<!--", b"<?")):
        return [(0, piece)]
    document = piece[:rest_start]
    return [(0, document), (document.count(b"\n"), rest)]
