"""Quarantine records: what failed, why, and enough of the input to review or release it."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class QuarantineCategory(enum.StrEnum):
    """Why a record was set aside (DESIGN.md, "Validate")."""

    PARSE_ERROR = "parse_error"
    SCHEMA_VIOLATION = "schema_violation"
    UNKNOWN_CODE = "unknown_code"
    REFERENCE_INTEGRITY = "reference_integrity"
    LOW_OCR_CONFIDENCE = "low_ocr_confidence"
    CONFLICT = "conflict"


@dataclasses.dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """One record that did not pass, with the checks it failed.

    ``doc_key`` is None when the input was too broken to name a document. ``payload`` holds
    the canonical record as JSON when one was built, otherwise ``None``; ``raw_excerpt`` holds
    the start of the raw bytes (decoded, at most a few KiB) so a reviewer can see what arrived.
    """

    category: QuarantineCategory
    failed_checks: tuple[str, ...]
    source: str
    source_file: str | None
    position: int  # ordinal of the record within its delivery (0-based)
    payload_sha256: str
    doc_key: str | None = None
    detail: str = ""
    payload: dict[str, Any] | None = None
    raw_excerpt: str | None = None
