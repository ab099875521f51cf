"""The scalar columns of a canonical document, defined once.

The lake's Parquet schema, the validation frame and the docket store's ``documents`` table
all carry these columns, so they are listed here and nowhere else; the full document travels
beside them as its canonical JSON ``record`` (``Document.to_json_dict``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pyarrow as pa

from patent_sync.model.records import Document


@dataclasses.dataclass(frozen=True, slots=True)
class DocumentColumn:
    name: str
    arrow_type: pa.DataType
    value: Callable[[Document], object]

    @property
    def is_date(self) -> bool:
        return self.arrow_type == _DATE


def _attribute(name: str) -> Callable[[Document], object]:
    return lambda doc: getattr(doc, name)


_TEXT = pa.string()
_DATE = pa.date32()


def _column(name: str, arrow_type: pa.DataType = _TEXT) -> DocumentColumn:
    return DocumentColumn(name, arrow_type, _attribute(name))


# Kept in the store (queryable without decoding the record) and in the lake.
DOCUMENT_COLUMNS: tuple[DocumentColumn, ...] = (
    _column("doc_key"),
    _column("country"),
    _column("doc_number"),
    _column("kind"),
    _column("publication_date", _DATE),
    _column("application_number"),
    _column("filing_date", _DATE),
    _column("title"),
    _column("family_id"),
    _column("source"),
    _column("date_of_last_exchange", _DATE),
    _column("payload_sha256"),
)
DOCUMENT_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in DOCUMENT_COLUMNS)
DATE_COLUMNS: frozenset[str] = frozenset(c.name for c in DOCUMENT_COLUMNS if c.is_date)


def store_values(doc: Document) -> tuple[object, ...]:
    """The columns of ``doc`` as the store keeps them (dates as ISO text, both backends)."""
    return tuple(_store_value(column.value(doc)) for column in DOCUMENT_COLUMNS)


def _store_value(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def party_countries(doc: Document) -> str:
    """The ST.3 codes of every party, "|"-joined (an empty string when none is given): a
    column the validation checks without decoding the record."""
    return "|".join(
        p.country for p in (*doc.applicants, *doc.inventors, *doc.assignees) if p.country
    )


def priority_countries(doc: Document) -> str:
    return "|".join(p.country for p in doc.priority_claims if p.country)
