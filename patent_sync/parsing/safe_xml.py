"""The one hardened way to parse XML in patent_sync.

Every parser in the project goes through here. The lxml parser never loads a DTD, never touches
the network, never expands an entity and keeps libxml2's size limits (``huge_tree=False``). On
top of that, hostile input is rejected explicitly rather than merely neutralised:

* an ``<!ENTITY`` declaration in a DOCTYPE (billion laughs, external entities pointing at local
  files or URLs) raises ``HostileXmlError(check="forbidden_entity_declaration")``, found by a
  byte scan before parsing and confirmed from the parsed internal subset afterwards (which also
  covers encodings the byte scan cannot read);
* a reference to any entity other than the five predefined ones or a numeric character
  reference raises ``HostileXmlError(check="forbidden_entity_reference")``;
* a DOCTYPE internal subset longer than ``MAX_DOCTYPE_BYTES`` (64 KiB; real files have an
  empty one or none) raises ``HostileXmlError(check="doctype_too_large")``;
* elements nested deeper than ``XML_MAX_DEPTH`` (256, libxml2's own limit without
  ``huge_tree``) are not well-formed: ``MalformedXmlError`` whose message says so;
* empty input, binary data, an encoding that is not an ASCII superset, and anything that is not
  well-formed (including truncation) raise ``MalformedXmlError``.

Since no entity is ever expanded, nothing from a referenced file can reach a tree, a record or
an error message.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

from patent_sync.parsing.errors import HostileXmlError, MalformedXmlError
from patent_sync.parsing.limits import MAX_DOCTYPE_BYTES, XML_MAX_DEPTH, describe_size

__all__ = [
    "MAX_DOCTYPE_BYTES",
    "SAFE_PARSER_OPTIONS",
    "XML_MAX_DEPTH",
    "check_doctype",
    "check_prolog",
    "new_safe_parser",
    "parse_xml_bytes",
    "safe_iterparse",
]

# The options every parser uses; exported so tests (and reviewers) can see them in one place.
SAFE_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": False,
    "dtd_validation": False,
    "attribute_defaults": False,
}

# Encodings in which the ASCII bytes of "<!ENTITY" look like ASCII, so the byte scan is sound.
_ASCII_COMPATIBLE = re.compile(
    rb"(?i)(utf-?8|us-ascii|ascii|iso[-_]?8859-\d{1,2}|latin-?1|windows-125\d|cp125\d)"
)
_XML_DECLARATION_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")
_UTF8_BOM = b"\xef\xbb\xbf"
_UNDECLARED_ENTITY_ERRORS = frozenset({"ERR_UNDECLARED_ENTITY", "WAR_UNDECLARED_ENTITY"})
# "]" then optional whitespace then ">": where an internal subset ends.
_SUBSET_END = re.compile(rb"\][ \t\r\n]*>")

_local = threading.local()


def new_safe_parser() -> etree.XMLParser:
    """A fresh lxml parser with the hardened options (one per thread: parsers are not shared)."""
    return etree.XMLParser(**SAFE_PARSER_OPTIONS)


def _thread_parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = new_safe_parser()
    return parser


def check_prolog(data: bytes) -> None:
    """Reject, before parsing, input that is empty, binary, oddly encoded or declares entities.

    Cheap (a few ``bytes.find`` calls) so it runs on every document of a weekly file.
    """
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    head = data[start : start + 1024].lstrip()
    if not head:
        raise MalformedXmlError("empty document: no XML content", check="empty_document")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise MalformedXmlError(
            "not UTF-8 XML: binary data or a UTF-16/UTF-32 encoding", check="unsupported_encoding"
        )
    if not head.startswith(b"<"):
        raise MalformedXmlError(
            f"not XML: content starts with {_printable(head[:20])!r}", check="xml_not_well_formed"
        )
    declared = _XML_DECLARATION_ENCODING.match(head)
    if declared and not _ASCII_COMPATIBLE.fullmatch(declared.group(1)):
        raise MalformedXmlError(
            f"unsupported encoding {_printable(declared.group(1))!r} in the XML declaration "
            "(only UTF-8 and other ASCII-compatible encodings are read)",
            check="unsupported_encoding",
        )
    check_doctype(data)


def check_doctype(data: bytes, *, truncated: bool = False) -> None:
    """Refuse a DOCTYPE whose internal subset declares entities or is too large.

    ``data`` is a whole document, or with ``truncated`` only its head (format detection): an
    internal subset that has not ended by the end of a head is then too large as well, since
    it hides the root element from whoever reads the head. An entity declaration is reported
    as such whatever the size, being the more specific reason.
    """
    doctype = data.find(b"<!DOCTYPE")
    if doctype < 0:
        return  # entities can only be declared in a DOCTYPE
    # Scan only the internal subset ("[ ... ]>"), if any. A ">" or "]>" hidden in a quoted
    # literal could end this fast scan early: the check of the parsed internal subset in
    # _check_parsed is the guarantee, this scan refuses the common attacks before parsing.
    subset_start = data.find(b"[", doctype)
    declaration_end = data.find(b">", doctype)
    if subset_start < 0 or 0 <= declaration_end < subset_start:
        return
    subset_end = data.find(b"]>", subset_start)
    if data.find(b"<!ENTITY", subset_start, subset_end if subset_end >= 0 else len(data)) >= 0:
        raise HostileXmlError(
            "the DOCTYPE declares entities (<!ENTITY ...>); entity declarations are refused "
            "because they enable entity-expansion and external-entity attacks",
            check="forbidden_entity_declaration",
        )
    end = _SUBSET_END.search(data, subset_start)
    size = (end.start() if end else len(data)) - subset_start
    if size > MAX_DOCTYPE_BYTES or (truncated and end is None):
        raise HostileXmlError(
            f"the DOCTYPE internal subset is larger than {describe_size(MAX_DOCTYPE_BYTES)} "
            "(real USPTO and EPO files have an empty one or none); refused",
            check="doctype_too_large",
        )


def parse_xml_bytes(data: bytes) -> etree._Element:
    """Parse one complete XML document safely and return its root element.

    Raises ``MalformedXmlError`` or ``HostileXmlError`` (both ``ParseError``) with a ``check``.
    """
    check_prolog(data)
    parser = _thread_parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if exc.code == etree.ErrorTypes.ERR_UNDECLARED_ENTITY:
            # Without a DOCTYPE, libxml2 makes an unknown entity fatal rather than a warning.
            raise HostileXmlError(
                f"reference to an undeclared entity: {_lxml_message(exc)}",
                check="forbidden_entity_reference",
            ) from None
        raise _malformed(exc) from None
    except (etree.LxmlError, ValueError) as exc:
        raise MalformedXmlError(
            f"not well-formed XML: {exc}", check="xml_not_well_formed"
        ) from None
    if root is None:
        raise MalformedXmlError("no root element", check="xml_not_well_formed")
    _check_parsed(root, parser.error_log)
    return root


def safe_iterparse(
    source: str | IO[bytes],
    *,
    events: tuple[str, ...] = ("end",),
    tag: str | tuple[str, ...] | None = None,
) -> Iterator[tuple[str, Any]]:
    """Streaming counterpart of ``parse_xml_bytes`` for large single documents (EPO DOCDB).

    Entity declarations are checked as soon as the root element starts (the internal subset
    is parsed by then), before any record is yielded; undeclared entity references are only
    known at the end, so the iterator raises ``HostileXmlError`` there, and a caller must
    treat the whole stream as failed when it does. Entities are never expanded either way.
    """
    wanted = set(events)
    context = etree.iterparse(
        source, events=tuple(wanted | {"start"}), tag=tag, **SAFE_PARSER_OPTIONS
    )
    checked = False
    try:
        for event, element in context:
            if not checked:
                _check_declared_entities(element.getroottree().docinfo)
                checked = True
            if event in wanted:
                yield event, element
    except etree.XMLSyntaxError as exc:
        raise _malformed(exc) from None
    if context.root is not None:
        _check_parsed(context.root, context.error_log)
    elif not checked:
        raise MalformedXmlError("empty document: no XML content", check="empty_document")


def _check_parsed(root: etree._Element, error_log: Any) -> None:
    # Only documents with a DOCTYPE have an internal subset; the common case costs one lookup.
    _check_declared_entities(root.getroottree().docinfo)
    if len(error_log):
        for entry in error_log:
            if entry.type_name in _UNDECLARED_ENTITY_ERRORS:
                raise HostileXmlError(
                    f"reference to an undeclared entity at line {entry.line}; only the "
                    "predefined entities (&amp; &lt; &gt; &quot; &apos;) and numeric character "
                    "references are allowed",
                    check="forbidden_entity_reference",
                )


def _check_declared_entities(docinfo: Any) -> None:
    dtd = docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
        raise HostileXmlError(
            "the DOCTYPE declares entities; entity declarations are refused",
            check="forbidden_entity_declaration",
        )


def _malformed(exc: etree.XMLSyntaxError) -> MalformedXmlError:
    message = _lxml_message(exc)
    if "Excessive depth" in message:
        # libxml2's wording suggests XML_PARSE_HUGE, which is exactly what must not be done.
        return MalformedXmlError(
            f"elements nested more than {XML_MAX_DEPTH} deep (libxml2's limit); refused",
            check="xml_too_deep",
        )
    return MalformedXmlError(f"not well-formed XML: {message}", check="xml_not_well_formed")


def _lxml_message(exc: etree.XMLSyntaxError) -> str:
    # libxml2 messages name tags and positions only; entities are never loaded, so no content
    # from outside the document can be in them.
    message = str(exc.msg if getattr(exc, "msg", None) else exc)
    return message.replace("(<string>, ", "(")


def _printable(raw: bytes) -> str:
    return raw.decode("ascii", "backslashreplace")
