"""EPO OPS throttling: reading ``X-Throttling-Control`` and pacing each service bucket by it.

OPS answers every request with the system state and, per service bucket (search, retrieval,
inpadoc, images, other), a colour and the number of requests allowed per rolling minute:
``idle (images=green:200, inpadoc=green:60, other=green:1000, retrieval=green:200,
search=green:30)``. Green means under half the limit used, yellow 50-75 %, red over 75 %, black
means the bucket is suspended for the ``Retry-After`` milliseconds.

OPS runs several instances that do not share state, so one answer can say green while the next
says red: the pacer keeps every reading of the last minute and paces each bucket by the most
restrictive of them (the lowest limit, the worst colour).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from enum import IntEnum, StrEnum


class OpsService(StrEnum):
    """The OPS throttling buckets; every request is billed to exactly one."""

    SEARCH = "search"
    RETRIEVAL = "retrieval"
    INPADOC = "inpadoc"
    IMAGES = "images"
    OTHER = "other"


class Colour(IntEnum):
    """A bucket's traffic light, ordered from relaxed to suspended."""

    GREEN = 0
    YELLOW = 1
    RED = 2
    BLACK = 3


# Per-minute limits OPS reports when idle; used until the first header arrives.
IDLE_LIMITS: Mapping[OpsService, int] = {
    OpsService.SEARCH: 30,
    OpsService.RETRIEVAL: 200,
    OpsService.INPADOC: 60,
    OpsService.IMAGES: 200,
    OpsService.OTHER: 1000,
}

# How much longer than the steady 60/limit interval to wait when a bucket is filling up:
# yellow and red mean other clients (or other OPS instances' view of us) already use the limit.
COLOUR_SLOWDOWN: Mapping[Colour, float] = {
    Colour.GREEN: 1.0,
    Colour.YELLOW: 1.5,
    Colour.RED: 3.0,
    Colour.BLACK: 3.0,
}

_GROUP = re.compile(r"([A-Za-z-]+)\s*\(([^)]*)\)")
_BUCKET = re.compile(r"([A-Za-z-]+)\s*=\s*([A-Za-z]+)\s*:\s*(\d+)")


@dataclasses.dataclass(frozen=True)
class BucketState:
    colour: Colour
    limit: int  # requests per rolling minute


@dataclasses.dataclass(frozen=True)
class ThrottleReading:
    """One ``X-Throttling-Control`` header, parsed."""

    system_state: str  # idle | busy | overloaded
    buckets: Mapping[OpsService, BucketState]

    def describe(self) -> str:
        parts = ", ".join(
            f"{service}={state.colour.name.lower()}:{state.limit}"
            for service, state in sorted(self.buckets.items())
        )
        return f"{self.system_state} ({parts})"


def parse_throttling_control(value: str) -> ThrottleReading | None:
    """The reading in a header value, or None if it has none we understand.

    The header is sometimes sent twice in one value (``idle (...), idle (...)``); the most
    restrictive state of each bucket across the copies wins. Unknown buckets and colours are
    ignored rather than guessed at.
    """
    states: list[str] = []
    buckets: dict[OpsService, BucketState] = {}
    for state, inner in _GROUP.findall(value):
        states.append(state.lower())
        for name, colour_name, limit in _BUCKET.findall(inner):
            try:
                service = OpsService(name.lower())
                colour = Colour[colour_name.upper()]
            except (ValueError, KeyError):
                continue
            reading = BucketState(colour=colour, limit=int(limit))
            known = buckets.get(service)
            buckets[service] = reading if known is None else _worse(known, reading)
    if not buckets:
        return None
    order = ("idle", "busy", "overloaded")
    worst_state = max(states, key=lambda s: order.index(s) if s in order else -1)
    return ThrottleReading(system_state=worst_state, buckets=buckets)


def _worse(a: BucketState, b: BucketState) -> BucketState:
    return BucketState(colour=max(a.colour, b.colour), limit=min(a.limit, b.limit))


class ThrottlePacer:
    """Paces requests per OPS bucket by the most restrictive throttle header of the last minute.

    Thread-safe. Each caller reserves its slot under a lock and sleeps outside it, so concurrent
    requests to a bucket queue in order. ``clock`` and ``sleep`` are injectable and must agree
    (``sleep(s)`` advances ``clock()`` by ``s``) so tests run without real waiting.
    """

    def __init__(
        self,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        initial_limits: Mapping[OpsService, int] = IDLE_LIMITS,
    ) -> None:
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._initial = dict(initial_limits)
        self._readings: dict[OpsService, deque[tuple[float, BucketState]]] = {
            service: deque() for service in OpsService
        }
        self._next_due: dict[OpsService, float] = {}
        self._blocked_until: dict[OpsService, float] = {}
        self.last_header: str | None = None
        self.waited: dict[OpsService, float] = {service: 0.0 for service in OpsService}

    def observe(self, header: str | None) -> ThrottleReading | None:
        """Record the throttle header of a response."""
        if not header:
            return None
        reading = parse_throttling_control(header)
        if reading is None:
            return None
        now = self._clock()
        with self._lock:
            self.last_header = header[:300]
            for service, state in reading.buckets.items():
                self._readings[service].append((now, state))
        return reading

    def suspend(self, service: OpsService, seconds: float) -> None:
        """The bucket is black: send nothing to it for ``seconds`` from now."""
        with self._lock:
            until = self._clock() + max(seconds, 0.0)
            self._blocked_until[service] = max(self._blocked_until.get(service, 0.0), until)

    def effective(self, service: OpsService) -> BucketState:
        """The most restrictive state of ``service`` seen within the window."""
        with self._lock:
            return self._effective(service, self._clock())

    def _effective(self, service: OpsService, now: float) -> BucketState:
        readings = self._readings[service]
        while readings and now - readings[0][0] > self.window:
            readings.popleft()
        if not readings:
            return BucketState(Colour.GREEN, self._initial.get(service, IDLE_LIMITS[service]))
        state = readings[0][1]
        for _, later in list(readings)[1:]:
            state = _worse(state, later)
        return state

    def interval(self, service: OpsService) -> float:
        """Seconds between two requests to ``service`` at the current pace."""
        with self._lock:
            return self._interval(service, self._clock())

    def _interval(self, service: OpsService, now: float) -> float:
        state = self._effective(service, now)
        return 60.0 / max(state.limit, 1) * COLOUR_SLOWDOWN[state.colour]

    def reserve(self, service: OpsService) -> float:
        """Take the next slot of ``service``; return the seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            due = max(now, self._next_due.get(service, now), self._blocked_until.get(service, now))
            self._next_due[service] = due + self._interval(service, now)
            return due - now

    def wait_turn(self, service: OpsService) -> float:
        """Block until a request to ``service`` may be sent; return the seconds waited."""
        wait = self.reserve(service)
        if wait > 0:
            self._sleep(wait)
            with self._lock:
                self.waited[service] += wait
        return wait
