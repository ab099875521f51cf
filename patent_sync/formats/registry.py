"""Every wire format patent_sync reads, in one table, and how a file's format is told.

``inspect``, the pipeline and the docket read files only through this registry, so each reads
every format the others read. A new format is one module with a ``DocumentFormat`` or
``EventFormat`` and one entry in ``FORMATS``.
"""

from __future__ import annotations

import re
from pathlib import Path

from patent_sync.formats.base import DocumentFormat, EventFormat, Head, WireFormat
from patent_sync.formats.epo_docdb import EPO_DOCDB
from patent_sync.formats.epo_ops import EPO_OPS_BIBLIO
from patent_sync.formats.events import (
    EP_REGISTER,
    INPADOC_LEGAL,
    PAGE_CAPTURE,
    USPTO_ODP_TRANSACTIONS,
)
from patent_sync.formats.scan import SCAN
from patent_sync.formats.uspto_fulltext import USPTO_APPLICATIONS_XML, USPTO_GRANTS_XML
from patent_sync.parsing.errors import DeliveryError, UnknownFormatError
from patent_sync.parsing.limits import MAX_DOCTYPE_BYTES
from patent_sync.parsing.safe_xml import check_doctype
from patent_sync.parsing.weekly_file import open_first_member

# Enough for any XML declaration, DOCTYPE and root start tag of a real file. A DOCTYPE that
# runs past it is refused by what it is (entity declarations, or an oversized internal subset,
# ``safe_xml.check_doctype``) rather than reported as "not XML".
HEAD_BYTES = MAX_DOCTYPE_BYTES

FORMATS: tuple[WireFormat, ...] = (
    USPTO_GRANTS_XML,
    USPTO_APPLICATIONS_XML,
    EPO_DOCDB,
    EPO_OPS_BIBLIO,
    USPTO_ODP_TRANSACTIONS,
    EP_REGISTER,
    INPADOC_LEGAL,
    PAGE_CAPTURE,
    SCAN,
)

# Root elements recognised but not read (local name → what it is), so that a user is told
# what a file is rather than just "unknown".
KNOWN_UNSUPPORTED: dict[str, str] = {
    "PATDOC": "USPTO full text before 2005 (SGML-style DTD v2.5)",
}

_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", re.DOTALL)
_ROOT_START = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)[\s/>]")


def format_named(name: str) -> WireFormat:
    """The registered format called ``name``; ``KeyError`` naming the known ones."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in FORMATS)
    raise KeyError(f"unknown wire format {name!r}; known formats: {known}")


def document_format_named(name: str) -> DocumentFormat:
    fmt = format_named(name)
    if not isinstance(fmt, DocumentFormat):
        raise KeyError(f"{name} is an event format, not a format of published documents")
    return fmt


def read_head(path: Path) -> Head:
    """The first bytes of ``path`` (of its first XML or JSON member when it is a zip)."""
    try:
        with open_first_member(path) as stream:
            data = stream.read(HEAD_BYTES)
    except DeliveryError as exc:
        raise UnknownFormatError(exc.message, check=exc.check) from None
    if not data.strip():
        raise UnknownFormatError("empty file", check="empty_file")
    return head_of(data)


def head_of(data: bytes) -> Head:
    """The ``Head`` of bytes already read (the start of a file or a response body)."""
    return Head(data=data[:HEAD_BYTES], root=_root_name(data[:HEAD_BYTES]))


def detect(path: Path) -> WireFormat:
    """The format of ``path``, told from its content.

    Raises ``UnknownFormatError`` (a ``ParseError``) with a message saying what the file is
    instead: empty, binary, not XML, a zip without XML, or XML of another (named) format.
    A DOCTYPE that runs past the head raises ``HostileXmlError`` (also a ``ParseError``):
    ``forbidden_entity_declaration`` when it declares entities, else ``doctype_too_large``.
    """
    head = read_head(path)
    if len(head.data) >= HEAD_BYTES and _starts_like_xml(head.data):
        # A truncated head: a DOCTYPE still open at its end hides the root element.
        check_doctype(head.data, truncated=True)
    for fmt in FORMATS:
        if fmt.matches(head):
            return fmt
    raise UnknownFormatError(_describe(head), check="unknown_format")


def detect_format(path: Path) -> str:
    """The name of the format of ``path`` (see ``detect``)."""
    return detect(path).name


def is_event_format(fmt: WireFormat) -> bool:
    return isinstance(fmt, EventFormat)


def _starts_like_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _root_name(data: bytes) -> str | None:
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    text = text.lstrip()
    if not text.startswith(b"<") or b"\x00" in text[:1024]:
        return None
    text = _DOCTYPE.sub(b"", _COMMENT.sub(b"", text), count=1)
    match = _ROOT_START.search(text)
    return match.group(1).decode("ascii") if match else None


def _describe(head: Head) -> str:
    if head.root is None:
        stripped = head.data.lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.starts_with_json():
            return "JSON, but not a format patent_sync reads (not a USPTO ODP response)"
        if b"\x00" in stripped[:1024] or not _mostly_text(stripped[:1024]):
            return "binary data, not XML"
        return "not XML: the file does not start with an XML element"
    local = head.root_local_name or head.root
    known = KNOWN_UNSUPPORTED.get(local)
    suffix = f" ({known}, not supported)" if known else ""
    readable = ", ".join(f.description for f in FORMATS)
    return (
        f"root element <{head.root}> is not a format patent_sync reads{suffix} "
        f"(it reads: {readable})"
    )


def _mostly_text(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(sample) - 3
    return True
