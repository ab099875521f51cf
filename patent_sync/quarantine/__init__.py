"""Quarantine review: list, show, release (optionally corrected) or reject quarantined records.

Every decision is final, audited, and made in one transaction with what it changes; see
``patent_sync.quarantine.review`` for the rules.
"""

from patent_sync.quarantine.correction import FieldChange, field_changes, read_correction
from patent_sync.quarantine.errors import (
    AlreadyReviewedError,
    CorrectionError,
    CorrectionRequiredError,
    QuarantineNotFoundError,
    QuarantineReviewError,
    ReviewInputError,
    StaleReleaseError,
    StillInvalidError,
)
from patent_sync.quarantine.review import (
    RELEASE_FEED,
    STATUS_OPEN,
    STATUS_REJECTED,
    STATUS_RELEASED,
    STATUSES,
    QuarantineItem,
    RejectResult,
    ReleaseResult,
    ReviewAction,
    check_review_input,
    get_item,
    list_items,
    reject,
    release,
)

__all__ = [
    "RELEASE_FEED",
    "STATUSES",
    "STATUS_OPEN",
    "STATUS_REJECTED",
    "STATUS_RELEASED",
    "AlreadyReviewedError",
    "CorrectionError",
    "CorrectionRequiredError",
    "FieldChange",
    "QuarantineItem",
    "QuarantineNotFoundError",
    "QuarantineReviewError",
    "RejectResult",
    "ReleaseResult",
    "ReviewAction",
    "ReviewInputError",
    "StaleReleaseError",
    "StillInvalidError",
    "check_review_input",
    "field_changes",
    "get_item",
    "list_items",
    "read_correction",
    "reject",
    "release",
]
