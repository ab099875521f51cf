"""Why a quarantine review action was refused: each error says what to do about it."""

from __future__ import annotations


class QuarantineReviewError(Exception):
    """Base class: a review action was refused and nothing was changed."""


class QuarantineNotFoundError(QuarantineReviewError, LookupError):
    """No quarantine row has this id."""


class AlreadyReviewedError(QuarantineReviewError):
    """The row was already released or rejected; a decision is final."""


class ReviewInputError(QuarantineReviewError, ValueError):
    """The reviewer or reason is missing, malformed, or looks like it carries a secret."""


class CorrectionRequiredError(QuarantineReviewError):
    """The record has no canonical payload (a parse error): only a correction can release it."""


class CorrectionError(QuarantineReviewError, ValueError):
    """The corrected document cannot be read or is not a canonical document for this record."""


class StillInvalidError(QuarantineReviewError):
    """The document (as quarantined or as corrected) still fails validation."""

    def __init__(self, message: str, failed_checks: tuple[str, ...]) -> None:
        super().__init__(message)
        self.failed_checks = failed_checks


class StaleReleaseError(QuarantineReviewError):
    """The docket already holds newer data for the document than the quarantined record."""
