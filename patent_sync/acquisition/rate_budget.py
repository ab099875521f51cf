"""A per-source request budget: a token bucket, optionally single-flight.

Most offices publish no rate-limit headers (the USPTO ODP sends none), so each client budgets
for itself. The bucket is kept as a GCRA schedule ("theoretical arrival time"): each caller
*reserves* its slot under a lock and then sleeps outside it, so concurrent callers queue up in
order and never exceed ``burst`` requests at once or ``requests`` per ``per_seconds`` on average.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator


class RateBudget:
    """Token bucket of ``requests`` per ``per_seconds`` with ``burst`` capacity. Thread-safe.

    ``single_flight=True`` also allows at most one request in progress at a time (the USPTO
    ODP allows no parallel requests per key). ``clock`` and ``sleep`` are injectable so tests
    run without real waiting; they must agree (``sleep(s)`` advances ``clock()`` by ``s``).
    """

    def __init__(
        self,
        requests: float,
        per_seconds: float,
        burst: int = 1,
        *,
        single_flight: bool = False,
        name: str = "",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests <= 0 or per_seconds <= 0:
            raise ValueError(
                f"a rate budget needs positive requests and per_seconds, got "
                f"{requests} per {per_seconds} s"
            )
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.name = name
        self.interval = per_seconds / requests  # seconds between requests at the steady rate
        self.burst = burst
        self.single_flight = single_flight
        self._tolerance = (burst - 1) * self.interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._flight = threading.Lock()
        self._next_due = clock()  # GCRA theoretical arrival time; "now" = a full bucket

    def reserve(self) -> float:
        """Take the next slot and return how many seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            allowed_at = max(now, self._next_due - self._tolerance)
            self._next_due = max(self._next_due, allowed_at) + self.interval
            return allowed_at - now

    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def defer(self, seconds: float) -> None:
        """Send nothing for ``seconds`` from now (a server said ``Retry-After``), then 1 at a time.

        Every caller sharing this budget waits, not only the one that was throttled.
        """
        if seconds <= 0:
            return
        with self._lock:
            resume_at = self._clock() + seconds
            # After a throttle, restart at the steady rate rather than with a full burst.
            self._next_due = max(self._next_due, resume_at + self._tolerance)

    @contextlib.contextmanager
    def slot(self) -> Iterator[float]:
        """Hold a request slot for the duration of the ``with`` block; yields the wait."""
        if not self.single_flight:
            yield self.acquire()
            return
        with self._flight:
            yield self.acquire()
