"""EPO OPS bibliographic data (``exchange-document`` as OPS serves it) → canonical documents.

OPS serves the DOCDB exchange format with a few differences of spelling, so each record is
rewritten into the DOCDB delivery's shape and read by the DOCDB parser (one extraction path,
the same ``doc_key``, so an OPS record and a DOCDB record of one publication are one document):

* a reference (publication, application, priority claim) holds all its number forms as
  ``document-id document-id-type="docdb|epodoc|original"`` children; DOCDB gives one reference
  per form with ``data-format`` on the reference;
* a cited patent lists its epodoc form first; DOCDB's docdb form is what the parser reads;
* OPS dates an application only in its epodoc form; the date is given to the docdb form;
* a CPC ``patent-classification`` is split into ``section``/``class``/``subclass``/
  ``main-group``/``subgroup``; DOCDB gives one fixed-width ``classification-symbol``.

The document's ``source`` is ``epo.ops``; its ``payload_sha256`` is the hash of the record as
OPS sent it.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib

from lxml import etree

from patent_sync.formats.base import Change, Upsert
from patent_sync.model import QuarantineRecord
from patent_sync.parsing.epo_docdb import Segment, docdb_change
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.safe_xml import parse_xml_bytes

SOURCE = "epo.ops"
_WRAP_START = (
    b'<w xmlns:ops="http://ops.epo.org" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
)
_WRAP_END = b"</w>"
_SPLIT_REFERENCES = frozenset({"publication-reference", "application-reference", "priority-claim"})


def ops_change(segment: Segment, *, source_file: str, position: int) -> Change:
    """The change one OPS record makes; a record that cannot be read is quarantined."""
    original_sha = hashlib.sha256(segment.data).hexdigest()
    adapted = segment
    if segment.kind == "record":
        try:
            adapted = dataclasses.replace(segment, data=to_docdb_shape(segment.data))
        except ParseError:
            adapted = segment  # the DOCDB parser quarantines it with the precise reason
    change = docdb_change(adapted, source_file=source_file, position=position)
    if isinstance(change, Upsert):
        document = dataclasses.replace(change.document, source=SOURCE, payload_sha256=original_sha)
        return Upsert(document, change.position)
    if isinstance(change, QuarantineRecord):
        return dataclasses.replace(change, source=SOURCE, payload_sha256=original_sha)
    return change


def to_docdb_shape(data: bytes) -> bytes:
    """One OPS ``exchange-document`` rewritten into the DOCDB delivery's shape (no namespace)."""
    wrapper = parse_xml_bytes(_WRAP_START + data + _WRAP_END)
    if len(wrapper) != 1:
        return data
    record = wrapper[0]
    _strip_namespaces(record)
    for parent in list(record.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str):
                continue
            if child.tag in _SPLIT_REFERENCES and child.get("data-format") is None:
                _split_reference(parent, child)
            elif child.tag == "patcit":
                _docdb_first(child)
            elif child.tag == "patent-classification":
                _add_symbol(child)
    return etree.tostring(record, encoding="utf-8")


def _strip_namespaces(record: etree._Element) -> None:
    for element in record.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(record)


def _split_reference(parent: etree._Element, reference: etree._Element) -> None:
    ids = [c for c in reference if c.tag == "document-id" and c.get("document-id-type")]
    if not ids:
        return
    at = parent.index(reference)
    others = [c for c in reference if c.tag != "document-id"]
    # OPS dates an application only in its epodoc form; DOCDB dates the docdb form too.
    dates = [d.text for d in (i.find("date") for i in ids) if d is not None and d.text]
    clones = []
    for doc_id in ids:
        clone = etree.Element(reference.tag, dict(reference.attrib))
        clone.set("data-format", doc_id.get("document-id-type", ""))
        doc_id = copy.deepcopy(doc_id)
        if doc_id.find("date") is None and dates:
            etree.SubElement(doc_id, "date").text = dates[0]
        clone.append(doc_id)
        for other in others:
            clone.append(copy.deepcopy(other))
        clones.append(clone)
    if reference.tag == "priority-claim" and not any(
        i.get("document-id-type") == "docdb" for i in ids
    ):
        derived = _docdb_priority_from_epodoc(reference, ids)
        if derived is not None:
            clones.insert(0, derived)
    parent.remove(reference)
    for offset, clone in enumerate(clones):
        parent.insert(at + offset, clone)


def _docdb_priority_from_epodoc(
    reference: etree._Element, ids: list[etree._Element]
) -> etree._Element | None:
    """A docdb-form priority claim for one OPS gives only as epodoc (``US20070964952``, dated).

    OPS biblio answers give priority claims in epodoc and original form only, and the claim's
    country and date are what the docket counts PCT and Paris deadlines from. The country is
    the epodoc number's prefix; the number stays in epodoc form (the docdb number cannot be
    derived from it reliably).
    """
    for doc_id in ids:
        if doc_id.get("document-id-type") != "epodoc":
            continue
        number = (doc_id.findtext("doc-number") or "").strip()
        date = (doc_id.findtext("date") or "").strip()
        if len(number) < 3 or not number[:2].isalpha() or not number[:2].isupper() or not date:
            return None
        clone = etree.Element(reference.tag, dict(reference.attrib))
        clone.set("data-format", "docdb")
        derived = etree.SubElement(clone, "document-id")
        etree.SubElement(derived, "country").text = number[:2]
        etree.SubElement(derived, "doc-number").text = number[2:]
        etree.SubElement(derived, "date").text = date
        return clone
    return None


def _docdb_first(patcit: etree._Element) -> None:
    docdb = [c for c in patcit if c.tag == "document-id" and c.get("document-id-type") == "docdb"]
    if docdb:
        patcit.remove(docdb[0])
        patcit.insert(0, docdb[0])


def _add_symbol(classification: etree._Element) -> None:
    if classification.find("classification-symbol") is not None:
        return
    parts = {
        tag: (classification.findtext(tag) or "").strip()
        for tag in ("section", "class", "subclass", "main-group", "subgroup")
    }
    if not all(parts.values()):
        return
    subclass = f"{parts['section']}{parts['class']}{parts['subclass']}"
    symbol = etree.SubElement(classification, "classification-symbol")
    # DOCDB's fixed width: subclass in 1-4, main group right-aligned in 5-8, "/" in 9.
    symbol.text = f"{subclass:<4}{parts['main-group']:>4}/{parts['subgroup']}"
