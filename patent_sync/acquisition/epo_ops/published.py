"""OPS published data: a search that gets past the 2,000-result cap, and biblio in batches.

OPS answers a published-data search 100 references at a time (``X-OPS-Range: 1-100``) and never
beyond the 2,000th result of one query; a query with no hits is a 404. A week of EP
publications (about 4,400) is therefore split: by IPC section (``ic=A`` ... ``ic=H``), a
section over the cap by IPC class (``ic=A61``), a class by subclass (``ic=A61K``). A document
classified in two sections is found twice and kept once; the parts are reconciled against the
whole query's total, and what no part reached is reported, not silently lost.

Bibliographic data is then fetched for up to 100 documents per request (comma-separated docdb
numbers), each ``exchange-document`` kept as OPS sent it.
"""

from __future__ import annotations

import dataclasses
import logging
import string
from collections.abc import Iterable, Iterator, Sequence

from lxml import etree

from patent_sync.acquisition.epo_ops.client import OpsClient
from patent_sync.acquisition.epo_ops.throttling import OpsService
from patent_sync.acquisition.errors import HttpStatusError, InvalidResponse
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.safe_xml import parse_xml_bytes

logger = logging.getLogger("patent_sync.acquisition.epo_ops")

SEARCH_PATH = "rest-services/published-data/search"
SEARCH_PAGE = 100  # the most OPS returns per search request
SEARCH_CAP = 2000  # the most OPS returns for one query, however it is paged
BIBLIO_BATCH = 100  # the most documents one biblio request may name
OPS_NS = "http://ops.epo.org"
EXCHANGE_NS = "http://www.epo.org/exchange"
_NS = {"ops": OPS_NS, "ex": EXCHANGE_NS}

IPC_SECTIONS = tuple("ABCDEFGH")


@dataclasses.dataclass(frozen=True, order=True)
class DocdbNumber:
    """A publication in docdb form: ``EP.2400812.A1`` in an OPS URL."""

    country: str
    number: str
    kind: str

    @property
    def ops(self) -> str:
        return f"{self.country}.{self.number}.{self.kind}"


@dataclasses.dataclass(frozen=True)
class SearchPart:
    """One query that was run: its CQL and the total OPS reported for it."""

    cql: str
    total: int
    split: bool  # True when it was over the cap and was answered by its sub-queries


@dataclasses.dataclass(frozen=True)
class SearchOutcome:
    """Every publication a (split) search found, and how the parts add up."""

    cql: str
    total: int  # what OPS reported for the whole query
    numbers: tuple[DocdbNumber, ...]  # unique, sorted
    parts: tuple[SearchPart, ...]

    @property
    def unreached(self) -> int:
        """Results of the whole query that no part returned (e.g. no IPC class to split by)."""
        return max(0, self.total - len(self.numbers))


@dataclasses.dataclass(frozen=True)
class BiblioBatch:
    """The exchange documents of one biblio request, and what OPS did not return."""

    requested: tuple[DocdbNumber, ...]
    documents: tuple[bytes, ...]  # each ``exchange-document`` element, serialized
    missing: tuple[DocdbNumber, ...]


def ipc_refinements(prefix: str) -> tuple[str, ...]:
    """The IPC prefixes one level below ``prefix`` ("" → sections, "A" → A01..A99, ...)."""
    if prefix == "":
        return IPC_SECTIONS
    if len(prefix) == 1:
        return tuple(f"{prefix}{n:02d}" for n in range(1, 100))
    if len(prefix) == 3:
        return tuple(f"{prefix}{letter}" for letter in string.ascii_uppercase)
    return ()


class SearchTooLarge(InvalidResponse):
    """A query stays over OPS's result cap however finely it is split."""


def search_publications(
    client: OpsClient, cql: str, *, cap: int = SEARCH_CAP, page: int = SEARCH_PAGE
) -> SearchOutcome:
    """Every publication matching ``cql``, splitting the query by IPC while over ``cap``."""
    parts: list[SearchPart] = []
    found: set[DocdbNumber] = set()
    total = _search_into(client, cql, "", cap, page, parts, found)
    outcome = SearchOutcome(cql=cql, total=total, numbers=tuple(sorted(found)), parts=tuple(parts))
    if outcome.unreached:
        logger.warning(
            "epo_ops: %d of the %d results of %r were in no IPC part of the split search",
            outcome.unreached,
            total,
            cql,
        )
    return outcome


def _search_into(
    client: OpsClient,
    base: str,
    ipc: str,
    cap: int,
    page: int,
    parts: list[SearchPart],
    found: set[DocdbNumber],
) -> int:
    cql = base if not ipc else f"{base} and ic={ipc}"
    total, first_page = _search_page(client, cql, 1, page)
    children = ipc_refinements(ipc)
    if total <= cap:
        got = set(first_page)
        for begin in range(page + 1, total + 1, page):
            _, more = _search_page(client, cql, begin, min(begin + page - 1, total))
            if not more:
                break  # past what OPS will return for one query
            got.update(more)
        # Fewer than the total means OPS's cap is lower than assumed: split like an overflow.
        if len(got) >= total or not children:
            parts.append(SearchPart(cql=cql, total=total, split=False))
            found.update(got)
            return total
        logger.warning(
            "epo_ops: %r returned %d of its %d results; splitting it", cql, len(got), total
        )
    elif not children:
        raise SearchTooLarge(
            f"EPO OPS search {cql!r}: {total:,} results, over the {cap:,} OPS returns for one "
            "query, and it cannot be split any finer"
        )
    parts.append(SearchPart(cql=cql, total=total, split=True))
    for child in children:
        _search_into(client, base, child, cap, page, parts, found)
    return total


def _search_page(
    client: OpsClient, cql: str, begin: int, end: int
) -> tuple[int, list[DocdbNumber]]:
    what = f"EPO OPS search {cql!r} results {begin}-{end}"
    try:
        response = client.get(
            SEARCH_PATH,
            service=OpsService.SEARCH,
            params={"q": cql},
            headers={"X-OPS-Range": f"{begin}-{end}"},
            what=what,
        )
    except HttpStatusError as exc:
        if exc.status == 404:  # OPS says 404 for a query without hits
            return 0, []
        raise
    return parse_search_result(response.body, what)


def parse_search_result(body: bytes, what: str = "EPO OPS search") -> tuple[int, list[DocdbNumber]]:
    """(total-result-count, the docdb publication numbers) of a published-data search answer."""
    try:
        root = parse_xml_bytes(body)
    except ParseError as exc:
        raise InvalidResponse(f"{what}: the answer is not readable XML ({exc})") from None
    search = root.find("ops:biblio-search", _NS)
    if search is None:
        raise InvalidResponse(f"{what}: the answer has no ops:biblio-search element")
    try:
        total = int(search.get("total-result-count", ""))
    except ValueError:
        raise InvalidResponse(f"{what}: total-result-count is missing or not a number") from None
    numbers: list[DocdbNumber] = []
    for reference in search.iterfind(".//ops:publication-reference", _NS):
        doc_id = reference.find("ex:document-id[@document-id-type='docdb']", _NS)
        if doc_id is None:
            continue
        parts = [(doc_id.findtext(f"ex:{tag}", "", _NS) or "").strip() for tag in _DOCDB_TAGS]
        if all(parts):
            numbers.append(DocdbNumber(*parts))
    return total, numbers


_DOCDB_TAGS = ("country", "doc-number", "kind")


def batched(
    numbers: Sequence[DocdbNumber], size: int = BIBLIO_BATCH
) -> Iterator[tuple[DocdbNumber, ...]]:
    for start in range(0, len(numbers), size):
        yield tuple(numbers[start : start + size])


def fetch_biblio(client: OpsClient, numbers: Sequence[DocdbNumber]) -> BiblioBatch:
    """The bibliographic data of up to 100 publications in one request."""
    if not numbers:
        return BiblioBatch((), (), ())
    if len(numbers) > BIBLIO_BATCH:
        raise ValueError(f"at most {BIBLIO_BATCH} numbers per biblio request, got {len(numbers)}")
    joined = ",".join(n.ops for n in numbers)
    first, last = numbers[0].ops, numbers[-1].ops
    what = f"EPO OPS biblio of {len(numbers)} publications ({first} ... {last})"
    try:
        response = client.get(
            f"rest-services/published-data/publication/docdb/{joined}/biblio",
            service=OpsService.RETRIEVAL,
            what=what,
        )
    except HttpStatusError as exc:
        if exc.status == 404:
            return BiblioBatch(tuple(numbers), (), tuple(numbers))
        raise
    return parse_biblio(response.body, numbers, what)


def parse_biblio(body: bytes, requested: Sequence[DocdbNumber], what: str) -> BiblioBatch:
    try:
        root = parse_xml_bytes(body)
    except ParseError as exc:
        raise InvalidResponse(f"{what}: the answer is not readable XML ({exc})") from None
    documents: list[bytes] = []
    got: set[DocdbNumber] = set()
    for element in root.iterfind(".//ex:exchange-document", _NS):
        number = DocdbNumber(
            element.get("country", ""), element.get("doc-number", ""), element.get("kind", "")
        )
        if element.get("status") or len(element) == 0:  # "not found": an empty placeholder
            continue
        got.add(number)
        documents.append(etree.tostring(element, encoding="utf-8"))
    missing = tuple(n for n in requested if n not in got)
    return BiblioBatch(tuple(requested), tuple(documents), missing)


def fetch_all_biblio(client: OpsClient, numbers: Iterable[DocdbNumber]) -> Iterator[BiblioBatch]:
    """Biblio for every number, 100 per request, in order."""
    yield from (fetch_biblio(client, batch) for batch in batched(sorted(set(numbers))))
