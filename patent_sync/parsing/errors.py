"""Errors raised while reading, splitting, parsing and normalizing source files.

Every error carries ``check``: a short, stable machine name (``"xml_not_well_formed"``,
``"invalid_date"`` ...) that becomes the failed check of a quarantine record, and a message a
paralegal or engineer can act on. Messages never quote content pulled in from outside the
document (no entity is ever expanded), so they are safe to log and to store.
"""

from __future__ import annotations


class ParseError(Exception):
    """Base class: a source file or document that cannot be turned into canonical records."""

    default_check = "parse_error"

    def __init__(self, message: str, *, check: str | None = None, doc_key: str | None = None):
        super().__init__(message)
        self.message = message
        self.check = check or self.default_check
        # Set when the document was identified before the failure, so quarantine can name it.
        self.doc_key = doc_key

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[object, ...]:
        # Parse errors cross process boundaries (parallel parsing): keep the check and key.
        return (_rebuild, (type(self), self.message, self.check, self.doc_key))


def _rebuild(cls: type[ParseError], message: str, check: str, doc_key: str | None) -> ParseError:
    return cls(message, check=check, doc_key=doc_key)


class MalformedXmlError(ParseError):
    """Bytes that are not XML, not well-formed, truncated, or in an encoding we refuse."""

    default_check = "xml_not_well_formed"


class HostileXmlError(ParseError):
    """XML that tries entity tricks: declarations in the DOCTYPE, undeclared entity references."""

    default_check = "forbidden_entity_declaration"


class UnsupportedDocumentError(ParseError):
    """Well-formed XML of a kind this parser does not read (wrong root, unknown DTD version)."""

    default_check = "unsupported_root"


class InvalidContentError(ParseError):
    """Well-formed, supported XML whose content breaks a rule (missing number, bad date ...)."""

    default_check = "invalid_content"


class DeliveryError(ParseError):
    """A delivery file that cannot be opened as a stream of documents (empty, bad zip ...)."""

    default_check = "unreadable_delivery"


class UnknownFormatError(ParseError):
    """``detect_format`` could not recognise the file as any supported source format."""

    default_check = "unknown_format"
