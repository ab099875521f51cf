"""Canonical records shared by every tier."""

from patent_sync.model.quarantine import QuarantineCategory, QuarantineRecord
from patent_sync.model.records import (
    Citation,
    DocketEntry,
    Document,
    Event,
    FieldReading,
    LocalizedText,
    NumberForm,
    Party,
    PriorityClaim,
    RelatedDocument,
    canonical_json,
)

__all__ = [
    "Citation",
    "DocketEntry",
    "Document",
    "Event",
    "FieldReading",
    "LocalizedText",
    "NumberForm",
    "Party",
    "PriorityClaim",
    "QuarantineCategory",
    "QuarantineRecord",
    "RelatedDocument",
    "canonical_json",
]
