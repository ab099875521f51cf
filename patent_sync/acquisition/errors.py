"""What can go wrong while fetching from an office, as exceptions a person can act on.

Every message names what was being fetched and the (redacted) URL, and never contains a secret
header value: the HTTP layer scrubs API keys and tokens out of anything it puts in a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path


class AcquisitionError(Exception):
    """Base class for every failure of the acquisition tier."""


class HttpStatusError(AcquisitionError):
    """The server answered with a status that retrying will not fix (401, 403, 404, 400...)."""

    def __init__(self, message: str, *, status: int, url: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class RetriesExhausted(AcquisitionError):
    """Every allowed attempt failed with a retryable problem (429/5xx, timeout, dropped link)."""

    def __init__(
        self, message: str, *, attempts: int, last_status: int | None, last_error: str | None
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_status = last_status
        self.last_error = last_error


class RetryAfterTooLong(AcquisitionError):
    """The server asked us to wait longer than the caller allows (e.g. a weekly quota 429)."""

    def __init__(
        self, message: str, *, status: int, requested_delay: float, allowed_delay: float
    ) -> None:
        super().__init__(message)
        self.status = status
        self.requested_delay = requested_delay
        self.allowed_delay = allowed_delay


class InvalidResponse(AcquisitionError):
    """The server answered 2xx but the body is not what the protocol promises."""


class IncompleteDownload(AcquisitionError):
    """A body ended early, had the wrong size or a damaged archive; retried by the HTTP layer."""


class DownloadDeadlineExceeded(RetriesExhausted):
    """The whole request (every attempt and every wait) ran past its overall deadline.

    A ``RetriesExhausted``: the client gave up, so code that handles giving up handles this too.
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        last_status: int | None,
        last_error: str | None,
        deadline: float,
    ) -> None:
        super().__init__(message, attempts=attempts, last_status=last_status, last_error=last_error)
        self.deadline = deadline


class FeedNotPublished(AcquisitionError, LookupError):
    """The weekly file for a publication date is not (yet) available where we looked."""

    def __init__(
        self,
        message: str,
        *,
        feed: str,
        publication_date: dt.date,
        looked_at: Sequence[str | Path] = (),
    ) -> None:
        super().__init__(message)
        self.feed = feed
        self.publication_date = publication_date
        self.looked_at = tuple(str(place) for place in looked_at)


class DeliveryLate(AcquisitionError):
    """A batch that is published on a schedule was still not available at the cut-off (or the
    run came before its publication time). A warning for a person, not a failure: the batch is
    fetched by the next run once the office has it.

    ``details`` are plain values for the warning's metadata (attempts, cut-off, last answer).
    """

    def __init__(
        self,
        message: str,
        *,
        feed: str,
        publication_date: dt.date,
        details: dict[str, object],
    ) -> None:
        super().__init__(message)
        self.feed = feed
        self.publication_date = publication_date
        self.details = dict(details)
