"""Canonical records shared by every tier."""

from patent_sync.model.quarantine import QuarantineCategory, QuarantineRecord
from patent_sync.model.records import (
    DocketEntry,
    Document,
    Event,
    Party,
    PriorityClaim,
    RelatedDocument,
    canonical_json,
)

__all__ = [
    "DocketEntry",
    "Document",
    "Event",
    "Party",
    "PriorityClaim",
    "QuarantineCategory",
    "QuarantineRecord",
    "RelatedDocument",
    "canonical_json",
]
