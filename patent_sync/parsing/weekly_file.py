"""Open a USPTO weekly delivery and split it into its documents, streaming.

A weekly file (``ipgYYMMDD``, ``ipaYYMMDD``) is not one XML document but thousands of complete
documents written back to back, each starting with its own ``<?xml ...?>`` line. It ships as a
zip holding one ``.xml`` member. ``open_delivery`` streams that member without extracting it;
``iter_raw_documents`` reads the stream in large chunks and cuts it at every line that starts
with ``<?xml ``, so memory is bounded by the largest single document, never by the file.
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

CHUNK_SIZE = 1 << 20  # 1 MiB: few Python-level iterations per weekly file, small memory
_DOCUMENT_START = b"<?xml "
_BOUNDARY = b"\n" + _DOCUMENT_START
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


@dataclasses.dataclass(frozen=True, slots=True)
class RawDocument:
    """One document cut out of a delivery, before any parsing.

    ``position`` is its 0-based ordinal in the delivery, ``line`` the 1-based line where it
    starts, ``sha256`` the hex digest of ``data`` (the document's exact bytes).
    """

    position: int
    line: int
    data: bytes
    sha256: str


class _ZipMemberStream(io.BufferedIOBase):
    """Turns zip corruption found mid-stream (bad CRC, truncated data) into DeliveryError."""

    def __init__(self, member: BinaryIO, archive_name: str) -> None:
        super().__init__()
        self._member = member
        self._archive_name = archive_name

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._member.read(-1 if size is None else size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise DeliveryError(
                f"{self._archive_name} is corrupt: {exc}", check="corrupt_zip"
            ) from None

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
    try:
        member = archive.open(info)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
        # Encrypted members and unsupported compression methods land here.
        raise DeliveryError(
            f"{name}: cannot read {info.filename}: {exc}", check="bad_zip"
        ) from None
    with member:
        yield typing.cast(BinaryIO, _ZipMemberStream(member, name))


def iter_raw_documents(stream: BinaryIO, *, chunk_size: int = CHUNK_SIZE) -> Iterator[RawDocument]:
    """Split a stream of concatenated XML documents into ``RawDocument``s, in order.

    A document starts at the beginning of the stream or of any line that starts with
    ``<?xml ``, and runs to the next such line (its trailing newline included). Stray bytes
    are never dropped and never allowed to spoil a neighbour:

    * bytes before the first ``<?xml `` line that are not just whitespace become a piece of
      their own;
    * bytes after a document's root end tag (a block that is not a document, written between
      two documents) are cut off into a piece of their own, so the document before them still
      parses and the block itself is quarantined downstream.

    An empty stream yields nothing. Concatenating every piece's ``data`` gives back the stream
    (minus leading blank lines).
    """
    position = 0
    for line, piece in _pieces(stream, chunk_size):
        for offset, part in _split_trailing_content(piece):
            yield RawDocument(position, line + offset, part, hashlib.sha256(part).hexdigest())
            position += 1


def _pieces(stream: BinaryIO, chunk_size: int) -> Iterator[tuple[int, bytes]]:
    """(first line, bytes) of each piece between ``<?xml `` lines; reads in big chunks."""
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
            chunk = stream.read(chunk_size)
            if not chunk:
                at_eof = True
                continue
            # A boundary may straddle the old end of the buffer: rescan its last few bytes.
            scan_from = max(0, len(buffer) - len(_BOUNDARY) + 1)
            buffer += chunk
            continue
        end = boundary + 1  # the newline belongs to the document it ends
        with memoryview(buffer) as view:
            data = bytes(view[:end])  # one copy (slicing the bytearray would make two)
        del buffer[:end]  # cheap in CPython: bytearray moves its start pointer
        scan_from = 0
        if not (first and not data.strip()):  # leading blank lines carry nothing
            yield line, data
        first = False
        line += data.count(b"\n")
    if buffer.strip():
        yield line, bytes(buffer)


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
