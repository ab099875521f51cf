"""``patent-sync inspect`` for the OPS answers that list publications without their data.

A published-data search answer (``ops:biblio-search``) and an INPADOC family answer
(``ops:patent-family``) name publications, not documents: there is nothing to normalize or
validate. They are still read through the hardened XML parser and listed, one JSON object per
publication (``{"position": N, "status": "reference", "doc_key": "EP-2400812-A1", ...}``), with
a summary saying what the answer is and how to get the documents (OPS biblio). A family answer
that carries biblio (``exchange-document``) is a document file and not handled here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from lxml import etree

from patent_sync.cli.errors import CliError
from patent_sync.formats.registry import read_head
from patent_sync.parsing.epo_numbers import docdb_number
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.safe_xml import parse_xml_bytes

OPS_NS = "http://ops.epo.org"
EXCHANGE_NS = "http://www.epo.org/exchange"
_NS = {"ops": OPS_NS, "ex": EXCHANGE_NS}
_MAX_LISTING_BYTES = 64 << 20  # a search page or family answer is kilobytes


def is_ops_listing(path: Path) -> bool:
    """True for an OPS search or family answer without bibliographic documents."""
    try:
        head = read_head(path)
    except (ParseError, OSError):
        return False
    if head.root_local_name != "world-patent-data":
        return False
    data = head.data
    is_listing = b"biblio-search" in data or b"patent-family" in data
    return is_listing and b"exchange-document" not in data and b"ops:legal" not in data


def inspect_ops_listing(path: Path, out: TextIO, err: TextIO) -> int:
    if path.stat().st_size > _MAX_LISTING_BYTES:
        raise CliError(f"{path}: too large for an OPS search or family answer", exit_code=2)
    try:
        root = parse_xml_bytes(path.read_bytes())
    except ParseError as exc:
        raise CliError(f"{path}: {exc}", exit_code=2) from None
    search = root.find("ops:biblio-search", _NS)
    family = root.find("ops:patent-family", _NS)
    if search is not None:
        references = search.iterfind(".//ops:publication-reference", _NS)
        query = (search.findtext("ops:query", "", _NS) or "").strip()
        span = search.find("ops:range", _NS)
        shown = f"results {span.get('begin')}-{span.get('end')}" if span is not None else "results"
        what = (
            f"EPO OPS search result (query {query!r}, {shown} of "
            f"{search.get('total-result-count', '?')})"
        )
    elif family is not None:
        references = (
            member.find("ex:publication-reference", _NS)
            for member in family.iterfind("ops:family-member", _NS)
        )
        what = f"EPO OPS INPADOC family ({family.get('total-result-count', '?')} members)"
    else:
        raise CliError(f"{path}: an OPS answer with neither a search result nor a family")
    listed = 0
    for position, reference in enumerate(r for r in references if r is not None):
        record = _reference(reference)
        record["position"] = position
        out.write(json.dumps(record, sort_keys=True) + "\n")
        listed += 1
    print(
        f"{path.name}: {what}: {listed} publication references, no bibliographic data "
        "(OPS published-data biblio gives the documents)",
        file=err,
    )
    return 0


def _reference(reference: etree._Element) -> dict[str, object]:
    record: dict[str, object] = {"status": "reference"}
    family_id = reference.get("family-id") or reference.getparent().get("family-id")
    if family_id:
        record["family_id"] = family_id
    doc_id = reference.find("ex:document-id[@document-id-type='docdb']", _NS)
    if doc_id is None:
        return record
    country = (doc_id.findtext("ex:country", "", _NS) or "").strip()
    number = (doc_id.findtext("ex:doc-number", "", _NS) or "").strip()
    kind = (doc_id.findtext("ex:kind", "", _NS) or "").strip()
    date = (doc_id.findtext("ex:date", "", _NS) or "").strip()
    try:
        record["doc_key"] = f"{country}-{docdb_number(country, number)}-{kind}"
    except ParseError:
        record["doc_key"] = f"{country}-{number}-{kind}"
    if date:
        record["publication_date"] = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    return record
