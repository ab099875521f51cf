"""When to try again and how long to wait: the retry policy and ``Retry-After`` parsing.

``Retry-After`` (RFC 9110 §10.2.3) is either ``delay-seconds`` (``1*DIGIT``) or an HTTP-date.
EPO OPS sends milliseconds on a "black" throttle, so the parser is pluggable per source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import random
from collections.abc import Callable

# (header value, the current UTC time) -> seconds to wait, or None when the value is unusable.
RetryAfterParser = Callable[[str, dt.datetime], float | None]

DEFAULT_RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})

# Past this many doublings the delay is max_delay anyway; avoids huge floats.
_MAX_DOUBLINGS = 32


def parse_retry_after(value: str, now: dt.datetime) -> float | None:
    """Seconds to wait for a ``Retry-After`` given as delay-seconds or as an HTTP-date.

    A date in the past means "now" (0.0). Anything else (``1.5``, ``-3``, garbage) is None, so
    the caller falls back to its own backoff instead of guessing.
    """
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are always UTC
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def parse_retry_after_milliseconds(value: str, now: dt.datetime) -> float | None:
    """EPO OPS flavour: an integer is milliseconds; an HTTP-date is still understood."""
    text = value.strip()
    if text.isascii() and text.isdigit():
        return int(text) / 1000.0
    return parse_retry_after(text, now)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How many times to try, and how long to wait between tries.

    - ``max_attempts`` counts the first try (1 = never retry).
    - Backoff without ``Retry-After``: ``base_delay * 2**(n-1)`` for the n-th retry, capped at
      ``max_delay``, then spread by ±``jitter`` (a fraction) and capped again.
    - ``Retry-After`` is honoured exactly, raised to ``min_delay_after_429`` on a 429 (the USPTO
      asks for at least 5 s). A request to wait longer than ``max_retry_after`` (default
      ``max_delay``) is an error, not a week-long sleep.
    """

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.2
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES
    min_delay_after_429: float = 0.0
    max_retry_after: float | None = None
    retry_after_parser: RetryAfterParser = parse_retry_after

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0 or self.min_delay_after_429 < 0:
            raise ValueError("retry delays must not be negative")
        if self.base_delay > self.max_delay:
            raise ValueError(
                f"base_delay ({self.base_delay} s) is longer than max_delay ({self.max_delay} s)"
            )
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter is a fraction between 0 and 1, got {self.jitter}")
        if self.max_retry_after is not None and self.max_retry_after < 0:
            raise ValueError("max_retry_after must not be negative")

    @property
    def retry_after_limit(self) -> float:
        """The longest server-requested wait this policy will sit through."""
        return self.max_delay if self.max_retry_after is None else self.max_retry_after

    def backoff_bounds(self, retry_number: int) -> tuple[float, float]:
        """The (lowest, highest) delay ``backoff_delay`` can return before the n-th retry."""
        if retry_number < 1:
            raise ValueError(f"retry_number starts at 1, got {retry_number}")
        doublings = min(retry_number - 1, _MAX_DOUBLINGS)
        raw = min(self.max_delay, self.base_delay * (2**doublings))
        spread = raw * self.jitter
        return max(0.0, raw - spread), min(self.max_delay, raw + spread)

    def backoff_delay(self, retry_number: int, rng: random.Random) -> float:
        """Exponential backoff with jitter before the n-th retry (1 = the first retry)."""
        low, high = self.backoff_bounds(retry_number)
        return rng.uniform(low, high) if high > low else low
