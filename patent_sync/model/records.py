"""The canonical records every source is normalized into (see DESIGN.md, "Canonical records").

Plain frozen dataclasses: parsers build them, validation flattens them into columnar batches,
the store persists them and hashes their content. Dates are ``datetime.date`` (ISO 8601 when
serialized), country codes are WIPO ST.3, ``doc_key`` is DOCDB style ``CC-NUMBER-KIND``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class Party:
    """An applicant, inventor or assignee as published."""

    name: str  # organisation name, or "Last, First" for a person
    kind: str  # "organization" | "person"
    city: str | None = None
    state: str | None = None
    country: str | None = None  # ST.3 where the office gave one
    role: str | None = None  # e.g. applicant authority category, assignee role code
    # How the office wrote the name: DOCDB gives the same party as "docdb" (normalised upper
    # case), "docdba" (as filed) and "original"; None for sources with one form.
    data_format: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PriorityClaim:
    country: str
    number: str
    date: dt.date | None
    kind: str | None = None  # "national" | "regional" | "international" as published


@dataclasses.dataclass(frozen=True, slots=True)
class RelatedDocument:
    """A continuity link: continuation, division, continuation-in-part, provisional, ..."""

    relation: str  # "continuation" | "division" | "continuation-in-part" | "provisional" | ...
    role: str  # "parent" | "child"
    country: str
    number: str
    kind: str | None = None
    date: dt.date | None = None
    status: str | None = None  # e.g. "PENDING", "GRANTED" for parent applications


@dataclasses.dataclass(frozen=True, slots=True)
class LocalizedText:
    """A title or abstract in one language (ISO 639-1 code as published, e.g. "en")."""

    lang: str | None
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class Citation:
    """A document cited against this one: a patent (``patcit``) or non-patent literature."""

    category: str  # "patent" | "npl"
    phase: str | None = None  # when it was cited, as published: "search", "examination", ...
    country: str | None = None  # patent citations
    number: str | None = None
    kind: str | None = None
    date: dt.date | None = None
    text: str | None = None  # non-patent literature, as published


@dataclasses.dataclass(frozen=True, slots=True)
class NumberForm:
    """A publication or application number in one of the formats an office writes it in.

    DOCDB repeats every number as ``docdb`` (country, number, kind apart), ``epodoc``
    (``EP1234567``) and ``original`` (``2022/259205``, ``AP 1206``).
    """

    role: str  # "publication" | "application"
    data_format: str  # "docdb" | "epodoc" | "original"
    number: str


@dataclasses.dataclass(frozen=True, slots=True)
class FieldReading:
    """How one field of a scanned document was read by OCR, so that a reviewer can see how
    sure the reading is and where on the page it came from."""

    # The canonical field ("doc_number", "publication_date", "title", ...), or a printed
    # source a field was checked against ("caption": the number under the barcode).
    field: str
    text: str  # what was recognized, before normalization
    confidence: float  # 0 to 1, after the structure checks and cross-checks
    page: int  # 1-based page of the scan
    box: tuple[int, int, int, int]  # x, y, width, height in the scan's own pixels
    inid: str | None = None  # the INID code the field was printed under ("11", "45")
    notes: tuple[str, ...] = ()  # the checks behind the confidence


# Fields that say which delivery carried a document, not what the document says.
DELIVERY_FIELDS = ("source_file", "payload_sha256")
# Where each delivery field goes in a canonical record: before the (always present) top-level
# key that follows it in sorted order (see Document.record_and_content_hash).
_DELIVERY_FIELD_PLACES = (
    ("payload_sha256", ',"priority_claims":'),
    ("source_file", ',"term_extension_days":'),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Document:
    """One published patent document (a grant or an application publication)."""

    doc_key: str  # "US-11646472-B2"
    country: str
    doc_number: str  # DOCDB form, no zero padding: "11646472", "2022240350", "D701016"
    kind: str
    publication_date: dt.date | None
    application_number: str | None
    filing_date: dt.date | None
    title: str | None
    title_lang: str | None
    source: str  # e.g. "uspto.ptgrxml", "uspto.appxml"
    payload_sha256: str  # SHA-256 of this document's own bytes in the delivery
    application_country: str | None = None
    application_type: str | None = None  # "utility" | "design" | "plant" | "reissue" | ...
    applicants: tuple[Party, ...] = ()
    inventors: tuple[Party, ...] = ()
    assignees: tuple[Party, ...] = ()
    ipc: tuple[str, ...] = ()
    cpc: tuple[str, ...] = ()
    priority_claims: tuple[PriorityClaim, ...] = ()
    related_documents: tuple[RelatedDocument, ...] = ()
    term_extension_days: int | None = None
    family_id: str | None = None
    source_file: str | None = None  # the delivery (e.g. "ipg230509.zip") it came from
    dtd_version: str | None = None
    # Fields sources other than the USPTO full text carry. They are written to the JSON record
    # only when set, so that a document without them hashes as it always has.
    titles: tuple[LocalizedText, ...] = ()  # every language given; ``title`` is the first
    abstracts: tuple[LocalizedText, ...] = ()
    citations: tuple[Citation, ...] = ()
    number_forms: tuple[NumberForm, ...] = ()
    # DOCDB's date-of-last-exchange: an older one must never overwrite a newer stored version.
    date_of_last_exchange: dt.date | None = None
    # A document read from a scan: how each field was read (confidence, page region).
    readings: tuple[FieldReading, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: dates as ISO strings, tuples as lists.

        Written out field by field because it runs once per document on the load path;
        ``dataclasses.asdict`` was the slowest step of an upsert.
        """
        return {
            "doc_key": self.doc_key,
            "country": self.country,
            "doc_number": self.doc_number,
            "kind": self.kind,
            "publication_date": _iso(self.publication_date),
            "application_number": self.application_number,
            "filing_date": _iso(self.filing_date),
            "title": self.title,
            "title_lang": self.title_lang,
            "source": self.source,
            "payload_sha256": self.payload_sha256,
            "application_country": self.application_country,
            "application_type": self.application_type,
            "applicants": [_party_dict(p) for p in self.applicants],
            "inventors": [_party_dict(p) for p in self.inventors],
            "assignees": [_party_dict(p) for p in self.assignees],
            "ipc": list(self.ipc),
            "cpc": list(self.cpc),
            "priority_claims": [
                {"country": c.country, "number": c.number, "date": _iso(c.date), "kind": c.kind}
                for c in self.priority_claims
            ],
            "related_documents": [
                {
                    "relation": r.relation,
                    "role": r.role,
                    "country": r.country,
                    "number": r.number,
                    "kind": r.kind,
                    "date": _iso(r.date),
                    "status": r.status,
                }
                for r in self.related_documents
            ],
            "term_extension_days": self.term_extension_days,
            "family_id": self.family_id,
            "source_file": self.source_file,
            "dtd_version": self.dtd_version,
            **self._optional_json(),
        }

    def _optional_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.titles:
            extra["titles"] = [{"lang": t.lang, "text": t.text} for t in self.titles]
        if self.abstracts:
            extra["abstracts"] = [{"lang": t.lang, "text": t.text} for t in self.abstracts]
        if self.citations:
            extra["citations"] = [
                {
                    "category": c.category,
                    "phase": c.phase,
                    "country": c.country,
                    "number": c.number,
                    "kind": c.kind,
                    "date": _iso(c.date),
                    "text": c.text,
                }
                for c in self.citations
            ]
        if self.number_forms:
            extra["number_forms"] = [
                {"role": n.role, "data_format": n.data_format, "number": n.number}
                for n in self.number_forms
            ]
        if self.date_of_last_exchange is not None:
            extra["date_of_last_exchange"] = self.date_of_last_exchange.isoformat()
        if self.readings:
            extra["readings"] = [
                {
                    "field": r.field,
                    "text": r.text,
                    "confidence": r.confidence,
                    "page": r.page,
                    "box": list(r.box),
                    "inid": r.inid,
                    "notes": list(r.notes),
                }
                for r in self.readings
            ]
        return extra

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a Document from ``to_json_dict`` output (the lake and the store keep JSON)."""
        fields = dict(data)
        for name in ("publication_date", "filing_date"):
            fields[name] = _date_or_none(fields.get(name))
        for name in ("applicants", "inventors", "assignees"):
            fields[name] = tuple(Party(**p) for p in fields.get(name) or ())
        fields["priority_claims"] = tuple(
            PriorityClaim(**{**p, "date": _date_or_none(p.get("date"))})
            for p in fields.get("priority_claims") or ()
        )
        fields["related_documents"] = tuple(
            RelatedDocument(**{**r, "date": _date_or_none(r.get("date"))})
            for r in fields.get("related_documents") or ()
        )
        fields["ipc"] = tuple(fields.get("ipc") or ())
        fields["cpc"] = tuple(fields.get("cpc") or ())
        for name in ("titles", "abstracts"):
            fields[name] = tuple(LocalizedText(**t) for t in fields.get(name) or ())
        fields["citations"] = tuple(
            Citation(**{**c, "date": _date_or_none(c.get("date"))})
            for c in fields.get("citations") or ()
        )
        fields["number_forms"] = tuple(NumberForm(**n) for n in fields.get("number_forms") or ())
        fields["date_of_last_exchange"] = _date_or_none(fields.get("date_of_last_exchange"))
        fields["readings"] = tuple(
            FieldReading(**{**r, "box": tuple(r["box"]), "notes": tuple(r.get("notes") or ())})
            for r in fields.get("readings") or ()
        )
        return cls(**fields)

    def content_hash(self) -> str:
        """Hash of the canonical content, independent of which delivery carried it.

        The store compares this to decide whether an upsert is a no-op, so it leaves out the
        fields that describe the delivery rather than the document.
        """
        return self.content_hash_and_body()[0]

    def content_hash_and_body(self) -> tuple[str, dict[str, Any]]:
        """The content hash and ``to_json_dict()``, from one serialization (the load path)."""
        body = self.to_json_dict()
        hashed = {k: v for k, v in body.items() if k not in DELIVERY_FIELDS}
        return hashlib.sha256(canonical_json(hashed).encode()).hexdigest(), body

    def record_and_content_hash(self) -> tuple[str, str]:
        """The canonical JSON record and the content hash, from one serialization.

        The record is the hashed JSON with the two delivery fields written into their sorted
        places: encoding every document twice was a fifth of the cost of normalizing a
        weekly DOCDB delivery. Each is placed before the top-level key that follows it in
        sorted order, which every record has; no nested object has those keys, and a string
        value cannot hold the unescaped quotes the search looks for.
        """
        body = self.to_json_dict()
        hashed_json = canonical_json({k: v for k, v in body.items() if k not in DELIVERY_FIELDS})
        content_hash = hashlib.sha256(hashed_json.encode()).hexdigest()
        record = hashed_json
        for field, following in _DELIVERY_FIELD_PLACES:
            at = record.index(following)
            record = (
                f"{record[:at]},{canonical_json(field)}:{canonical_json(body[field])}{record[at:]}"
            )
        return record, content_hash


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """One prosecution or legal event for an application."""

    application_key: str  # e.g. "US-17248024", "EP-10167109"
    jurisdiction: str  # "US" | "EP" | "WO"
    source_code: str  # as the office published it: "CTNF", "IGRA", "EP  " ...
    event: str  # canonical event name (patent_sync.events.taxonomy)
    event_date: dt.date
    description: str
    source: str  # e.g. "uspto.odp.transactions", "epo.register.procedural_steps"
    occurrence: int = 1  # the same code on the same day can repeat: keep both
    payload_sha256: str = ""
    attributes: tuple[tuple[str, str], ...] = ()  # extra facts, e.g. (("year", "3"),)


@dataclasses.dataclass(frozen=True, slots=True)
class DocketEntry:
    """A deadline on a matter, computed from a trigger event by a rule."""

    matter: str
    rule: str
    trigger_event: str
    trigger_date: dt.date
    due_date: dt.date
    final_date: dt.date | None
    extendable: bool
    citation: str
    status: str  # "open" | "closed" | "superseded"
    status_reason: str
    explanation: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no whitespace) used for hashing and the audit log."""
    return _CANONICAL.encode(value)


def _json_default(value: Any) -> Any:
    # Only reached for what json cannot encode itself, so the common case stays in C.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    raise TypeError(f"cannot encode {type(value).__name__} as canonical JSON")


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _party_dict(p: Party) -> dict[str, Any]:
    party = {
        "name": p.name,
        "kind": p.kind,
        "city": p.city,
        "state": p.state,
        "country": p.country,
        "role": p.role,
    }
    if p.data_format is not None:  # only when set, so single-form parties hash as before
        party["data_format"] = p.data_format
    return party


def _date_or_none(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    return value
