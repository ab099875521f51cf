"""EPO publication numbers in their three formats, reduced to one DOCDB key.

The EPO writes the same publication as ``docdb`` (country, number and kind apart: ``EP``
``1234567`` ``A1``), ``epodoc`` (``EP1234567``, kind apart or as a one-letter suffix) and
``original`` (as the office printed it: ``2022/259205``, ``AP 1206``). The docket store keys a
document by ``doc_key`` ``CC-NUMBER-KIND``, and that key must come out the same whichever feed
or format delivered the publication, or one patent becomes two documents. So every form is
brought to the docdb number:

* separators and spaces go (``2022/259205`` → ``2022259205``, ``AP 1206`` → ``1206``), and a
  leading copy of the country code in an original number is dropped;
* other offices' numbers are otherwise kept as the EPO gives them, zero padding included
  (DOCDB keeps ``AR 017747``, ``EE 04926``);
* US numbers follow the USPTO full-text parser, so a DOCDB record for a US document and the
  USPTO's own file give the same key: grants lose their zero padding (``08930553`` → ``8930553``,
  ``D0701016`` → ``D701016``) and application publications take the 10-digit docdb form
  (``20220240350`` → ``2022240350``).

Plain functions over strings: the DOCDB parser and the OPS client both call them.
"""

from __future__ import annotations

import dataclasses
import re

from patent_sync.parsing.errors import InvalidContentError

_COUNTRY = re.compile(r"[A-Z]{2}")
_KIND = re.compile(r"[A-Z][0-9]?")
_SEPARATORS = re.compile(r"[\s/.,\-]+")
_NUMBER = re.compile(r"[A-Z0-9]+")
_US_PUBLICATION = re.compile(r"((?:19|20)[0-9]{2})0([0-9]{6})")
_US_GRANT = re.compile(r"([A-Z]{0,2})0*([0-9]+)")
# epodoc: country, number (ending in a digit), optional one-letter kind suffix.
_EPODOC = re.compile(r"([A-Z]{2})([A-Z0-9]*?[0-9])([A-Z][0-9]?)?")
# A compact docdb reference: "EP.2400812.A1", "EP2400812A1", "EP 2400812 A1", "US-8930553-B2".
_COMPACT = re.compile(r"([A-Z]{2})[\s.\-]?([A-Z0-9]*?[0-9])(?:[\s.\-]?([A-Z][0-9]?))?")


@dataclasses.dataclass(frozen=True, slots=True)
class PublicationNumber:
    """A publication in docdb form; ``doc_key`` is the store's key for it."""

    country: str
    number: str
    kind: str

    @property
    def doc_key(self) -> str:
        return f"{self.country}-{self.number}-{self.kind}"


def docdb_number(country: str, number: str) -> str:
    """``number`` (any of the three formats, country prefix removed) in docdb form."""
    country = country.strip().upper()
    cleaned = _SEPARATORS.sub("", number.strip().upper())
    if not cleaned or not _NUMBER.fullmatch(cleaned):
        raise InvalidContentError(
            f"publication number {number!r} is not a patent number", check="invalid_doc_number"
        )
    if country == "US":
        return _us_number(cleaned)
    return cleaned


def make_doc_key(country: str, number: str, kind: str) -> str:
    """``CC-NUMBER-KIND`` for a publication given in docdb parts (the number is normalized)."""
    return from_docdb(country, number, kind).doc_key


def from_docdb(country: str, number: str, kind: str) -> PublicationNumber:
    """A docdb ``document-id``: country, doc-number and kind as separate fields."""
    return PublicationNumber(_country(country), docdb_number(country, number), _kind(kind))


def from_epodoc(epodoc: str, kind: str | None = None) -> PublicationNumber:
    """An epodoc number (``EP1234567``, ``WO2022259205``, ``AU750911B``) and its kind.

    epodoc carries at most a one-letter kind suffix; a ``kind`` given apart wins over it.
    """
    match = _EPODOC.fullmatch(epodoc.strip().upper().replace(" ", ""))
    if match is None:
        raise InvalidContentError(
            f"epodoc number {epodoc!r} is not CC + number", check="invalid_doc_number"
        )
    country, number, suffix = match.groups()
    return from_docdb(country, number, kind or suffix or "")


def from_original(country: str, original: str, kind: str) -> PublicationNumber:
    """An original-format number (``2022/259205`` for WO, ``AP 1206``) of office ``country``."""
    country = _country(country)
    text = original.strip().upper()
    if text.startswith(country) and not text[len(country) : len(country) + 1].isalpha():
        text = text[len(country) :]
    return PublicationNumber(country, docdb_number(country, text), _kind(kind))


def parse_reference(text: str) -> PublicationNumber:
    """A compact docdb reference with its kind: ``EP.2400812.A1``, ``EP2400812A1``,
    ``US-8930553-B2`` (a ``doc_key``), ``WO 2022259205 A1``."""
    match = _COMPACT.fullmatch(text.strip().upper())
    if match is None or match.group(3) is None:
        raise InvalidContentError(
            f"{text!r} is not a publication reference (country, number, kind)",
            check="invalid_doc_number",
        )
    country, number, kind = match.groups()
    return from_docdb(country, number, kind)


def _us_number(number: str) -> str:
    publication = _US_PUBLICATION.fullmatch(number)
    if publication is not None:
        return publication.group(1) + publication.group(2)
    grant = _US_GRANT.fullmatch(number)
    if grant is not None:
        return grant.group(1) + grant.group(2)
    return number


def _country(country: str) -> str:
    value = country.strip().upper()
    if not _COUNTRY.fullmatch(value):
        raise InvalidContentError(
            f"country {country!r} is not a two-letter ST.3 code", check="invalid_country"
        )
    return value


def _kind(kind: str) -> str:
    value = kind.strip().upper()
    if not _KIND.fullmatch(value):
        raise InvalidContentError(
            f"kind code {kind!r} is not an ST.16 kind (a letter and an optional digit)",
            check="invalid_kind",
        )
    return value
