"""Tell which source format a file is in, from its content (for ``patent-sync inspect FILE``).

The file name is not trusted: a zip is opened and its XML member read, and the decision comes
from the first document's root element. ``SNIFFERS`` is a table so the next formats (EPO DOCDB,
OPS) are one row each; ``KNOWN_UNSUPPORTED`` names formats we recognise but do not read yet, so
the user gets told what the file is rather than just "unknown".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

from patent_sync.parsing.errors import DeliveryError, UnknownFormatError
from patent_sync.parsing.weekly_file import open_delivery

HEAD_BYTES = 64 * 1024  # enough for any XML declaration + DOCTYPE + root start tag


@dataclasses.dataclass(frozen=True, slots=True)
class Head:
    """What a sniffer gets to look at: the first bytes and the first root element name."""

    data: bytes
    root: str | None  # qualified name as written, e.g. "us-patent-grant", "exch:exchange-documents"


@dataclasses.dataclass(frozen=True, slots=True)
class Sniffer:
    format: str  # the name detect_format returns, e.g. "uspto.ptgrxml"
    matches: Callable[[Head], bool]


SNIFFERS: tuple[Sniffer, ...] = (
    Sniffer("uspto.ptgrxml", lambda head: head.root == "us-patent-grant"),
    Sniffer("uspto.appxml", lambda head: head.root == "us-patent-application"),
)

# Root elements we recognise but cannot parse yet (local name → what it is).
KNOWN_UNSUPPORTED: dict[str, str] = {
    "exchange-documents": "EPO DOCDB",
    "exchange-document": "EPO DOCDB",
    "world-patent-data": "EPO OPS",
    "register-documents": "EPO Register",
    "PATDOC": "USPTO full text before 2005 (SGML-style DTD v2.5)",
}

_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ROOT_START = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)[\s/>]")


def detect_format(path: Path) -> str:
    """Return the format name of ``path`` ("uspto.ptgrxml", "uspto.appxml").

    Raises ``UnknownFormatError`` (a ``ParseError``) with a message saying what the file is
    instead: empty, binary, not XML, a zip without XML, or XML of another (named) format.
    """
    try:
        with open_delivery(path) as stream:
            data = stream.read(HEAD_BYTES)
    except DeliveryError as exc:
        raise UnknownFormatError(exc.message, check=exc.check) from None
    if not data.strip():
        raise UnknownFormatError("empty file", check="empty_file")
    head = Head(data=data, root=_root_name(data))
    for sniffer in SNIFFERS:
        if sniffer.matches(head):
            return sniffer.format
    raise UnknownFormatError(_describe(head), check="unknown_format")


def _root_name(data: bytes) -> str | None:
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    text = text.lstrip()
    if not text.startswith(b"<") or b"\x00" in text[:1024]:
        return None
    text = _COMMENT.sub(b"", text)
    # Skip the XML declaration, processing instructions and the DOCTYPE (its internal subset
    # only holds "<!" declarations, which the pattern cannot match).
    match = _ROOT_START.search(text)
    return match.group(1).decode("ascii") if match else None


def _describe(head: Head) -> str:
    if head.root is None:
        stripped = head.data.lstrip(b"\xef\xbb\xbf \t\r\n")
        if b"\x00" in stripped[:1024] or not _mostly_text(stripped[:1024]):
            return "binary data, not XML"
        return "not XML: the file does not start with an XML element"
    local = head.root.rsplit(":", 1)[-1]
    known = KNOWN_UNSUPPORTED.get(local)
    suffix = f" ({known}, not supported yet)" if known else ""
    return f"not a USPTO full-text file: root element is <{head.root}>{suffix}"


def _mostly_text(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(sample) - 3
    return True
