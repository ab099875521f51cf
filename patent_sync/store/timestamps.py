"""UTC ISO 8601 timestamps, the one format every table stores."""

from __future__ import annotations

import datetime as dt


def utc_now_iso() -> str:
    """Now, in UTC, as ISO 8601 with microseconds (``2024-05-07T09:30:00.123456+00:00``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def to_utc_iso(value: dt.datetime | str) -> str:
    """A timezone-aware datetime (or an ISO string with an offset) as UTC ISO 8601.

    Naive values are refused: a fetch time without a zone cannot be placed on the timeline.
    """
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {value!s} has no time zone; pass an aware UTC datetime")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
