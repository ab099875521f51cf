"""The EPO OPS fair-use quota: what a run used, and the error when it is spent.

OPS reports the volume used so far on every answer (``X-IndividualQuotaPerHour-Used``: bytes in
the rolling hour; ``X-RegisteredQuotaPerWeek-Used``: bytes in the calendar week, reset at
midnight UTC). When a quota is spent OPS answers 403 with ``X-Rejection-Reason`` naming it: that
is not throttling, and retrying only digs deeper, so the client stops.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from patent_sync.acquisition.errors import AcquisitionError

# The free weekly volume of a registered (non-paying) OPS account. Sources disagree (2.5, 3.5
# and 4 GB are all quoted); 4 GB is what the EPO's current fair-use page and two maintained
# clients state, so the UI's percentage is relative to it.
FREE_WEEKLY_QUOTA_BYTES = 4 * 1000**3

HOURLY_REASONS = frozenset({"individualquotaperhour"})
WEEKLY_REASONS = frozenset({"registeredquotaperweek", "registeredpayingquotaperweek"})


@dataclasses.dataclass(frozen=True)
class QuotaUsage:
    """The fair-use figures OPS reported, as of the latest answer of this client.

    ``*_used`` are byte counts from the headers (None until a header arrived);
    ``week_used_at_start`` is the first weekly figure this client saw, so
    ``week_used_by_run`` is roughly what this run cost (the first answer's own bytes aside).
    """

    hour_used: int | None = None
    week_used: int | None = None
    paying_week_used: int | None = None
    week_used_at_start: int | None = None
    requests: int = 0
    bytes_received: int = 0

    @property
    def week_used_by_run(self) -> int | None:
        if self.week_used is None or self.week_used_at_start is None:
            return None
        # A week boundary during the run resets the counter; then the new figure is all ours.
        if self.week_used < self.week_used_at_start:
            return self.week_used
        return self.week_used - self.week_used_at_start

    @property
    def week_fraction_used(self) -> float | None:
        """The share of the free weekly volume used so far this week (0.0-1.0+)."""
        if self.week_used is None:
            return None
        return self.week_used / FREE_WEEKLY_QUOTA_BYTES

    def as_metadata(self) -> dict[str, int | float | str]:
        """Plain values for Dagster asset metadata (no Nones)."""
        out: dict[str, int | float | str] = {
            "ops_requests": self.requests,
            "ops_bytes_received": self.bytes_received,
            "ops_free_weekly_quota_bytes": FREE_WEEKLY_QUOTA_BYTES,
        }
        if self.hour_used is not None:
            out["ops_quota_hour_used_bytes"] = self.hour_used
        if self.week_used is not None:
            out["ops_quota_week_used_bytes"] = self.week_used
            out["ops_quota_week_used_percent"] = round(100.0 * (self.week_fraction_used or 0), 2)
        if self.week_used_by_run is not None:
            out["ops_quota_week_used_by_run_bytes"] = self.week_used_by_run
            out["ops_quota_run_percent_of_free_week"] = round(
                100.0 * self.week_used_by_run / FREE_WEEKLY_QUOTA_BYTES, 4
            )
        if self.paying_week_used is not None:
            out["ops_quota_paying_week_used_bytes"] = self.paying_week_used
        return out


def parse_quota_header(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def quota_resets_at(reason: str, now: dt.datetime) -> dt.datetime | None:
    """When the quota named by ``X-Rejection-Reason`` accepts requests again (latest bound).

    The hourly quota is a rolling hour, so an hour from now at the latest; the weekly quota
    resets when the calendar week turns (Monday 00:00 UTC).
    """
    key = reason.strip().lower()
    if key in HOURLY_REASONS:
        return now + dt.timedelta(hours=1)
    if key in WEEKLY_REASONS:
        monday = (now + dt.timedelta(days=7 - now.weekday())).date()
        return dt.datetime.combine(monday, dt.time(0, 0), tzinfo=dt.UTC)
    return None


def is_fair_use_rejection(reason: str | None, body: bytes) -> bool:
    """Whether a 403 is the fair-use quota (as opposed to a throttle or a permission problem)."""
    if reason:
        key = reason.strip().lower()
        if (
            key in HOURLY_REASONS
            or key in WEEKLY_REASONS
            or ("quotaper" in key and ("hour" in key or "week" in key))
        ):
            return True
    return b"fair use" in body[:4096].lower()


class OpsQuotaExhausted(AcquisitionError):
    """OPS refused a request because a fair-use quota is spent. Never retried.

    ``reason`` is the ``X-Rejection-Reason`` (e.g. ``RegisteredQuotaPerWeek``); ``resets_at``
    is when OPS should accept requests again (None when the reason is not one we know).
    """

    def __init__(self, message: str, *, reason: str, resets_at: dt.datetime | None) -> None:
        super().__init__(message)
        self.reason = reason
        self.resets_at = resets_at
