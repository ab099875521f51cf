"""Waiting for a batch that an office publishes at a known time but not always on time.

A weekly publication is announced for a day and an hour, yet the service that serves it may
load it late. Asking early wastes the quota and can return half a batch; giving up at the
first "not yet" loses a week. This module is the generic answer, with no office in it:

* **Embargo.** ``poll_until_available`` never calls the probe before ``not_before`` (the
  publication time): it sleeps until then, or, when that is already past the cut-off, returns
  ``EMBARGOED`` without asking at all.
* **Polling with exponential backoff and jitter.** A probe answers ``Ready(value)`` or
  ``NotYet(reason)``; "not yet" is asked again after ``RetryPolicy.backoff_delay`` (the same
  doubling-with-jitter the HTTP layer uses), never past the cut-off. At the cut-off the
  outcome is ``LATE``, with every attempt and the last reason recorded: a warning for a person,
  not an error and not an empty success.
* **A bounded request queue.** ``RequestQueue`` runs many requests (pages, batches) with a
  fixed number of workers behind an ``asyncio.Queue`` of fixed capacity: submitting waits for
  room (``submit``) or says the queue is full (``offer``) instead of piling up requests in
  memory, and the event loop is never blocked because blocking calls run in worker threads
  (``in_thread``).

Time comes from a ``Clock`` (``now`` and ``sleep``), so tests drive hours of polling in
milliseconds with a fake one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import random
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

from patent_sync.acquisition.retry import RetryPolicy

T = TypeVar("T")


class Clock(Protocol):
    """Where the poller reads the time and how it waits."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` without blocking the event loop."""
        ...


class SystemClock:
    """The real clock (UTC) and ``asyncio.sleep``."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclasses.dataclass(frozen=True, slots=True)
class Ready(Generic[T]):
    """The probe found the batch; ``value`` is whatever it found (a count, a first page)."""

    value: T


@dataclasses.dataclass(frozen=True, slots=True)
class NotYet:
    """The service answered, and the batch is not there yet; ``reason`` says what it said."""

    reason: str


Probe = Callable[[], Awaitable[Ready[T] | NotYet]]


class PollStatus(enum.StrEnum):
    READY = "ready"
    LATE = "late"  # asked until the cut-off, never available
    EMBARGOED = "embargoed"  # not asked: the publication time is too far ahead to wait for


@dataclasses.dataclass(frozen=True, slots=True)
class PollPolicy:
    """How long to wait for a batch and how often to ask.

    ``window`` is the cut-off, counted from the publication time (``not_before``): the batch
    is asked for until ``not_before + window`` and no later. Between two "not yet" answers the
    poller waits ``first_delay`` doubling up to ``max_delay``, spread by ±``jitter``. A run
    started before the publication time sleeps until it, but never longer than
    ``max_embargo_wait``: a run started a day early is told so instead of sleeping a day.
    """

    window: dt.timedelta
    first_delay: float
    max_delay: float
    jitter: float = 0.25
    max_embargo_wait: dt.timedelta = dt.timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.window < dt.timedelta(0):
            raise ValueError(f"the polling window must not be negative, got {self.window}")
        if self.max_embargo_wait < dt.timedelta(0):
            raise ValueError(
                f"the longest embargo wait must not be negative, got {self.max_embargo_wait}"
            )
        # RetryPolicy checks the delays and the jitter, with the same messages as the HTTP layer.
        self.backoff()

    def backoff(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=1,
            base_delay=self.first_delay,
            max_delay=self.max_delay,
            jitter=self.jitter,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class PollOutcome(Generic[T]):
    """What polling for one batch came to, with everything a person needs to judge it."""

    status: PollStatus
    value: T | None
    attempts: int
    not_before: dt.datetime
    cutoff: dt.datetime
    first_asked_at: dt.datetime | None
    last_asked_at: dt.datetime | None
    last_reason: str  # the last "not yet" (or transient error) the service gave; "" if none

    @property
    def ready(self) -> bool:
        return self.status is PollStatus.READY

    def describe(self) -> str:
        """One line: what happened, when, how often it was asked."""
        if self.status is PollStatus.READY:
            return f"available after {self.attempts} request(s)"
        if self.status is PollStatus.EMBARGOED:
            return (
                f"not asked: the batch is published at {self.not_before.isoformat()}, and no "
                "request is made before then"
            )
        return (
            f"still not available at the cut-off {self.cutoff.isoformat()} after "
            f"{self.attempts} request(s) since {_iso(self.first_asked_at)}: {self.last_reason}"
        )

    def metadata(self) -> dict[str, Any]:
        """Plain values for asset metadata and check metadata."""
        return {
            "poll_status": str(self.status),
            "poll_attempts": self.attempts,
            "not_before": self.not_before.isoformat(),
            "cutoff": self.cutoff.isoformat(),
            "first_asked_at": _iso(self.first_asked_at),
            "last_asked_at": _iso(self.last_asked_at),
            "last_reason": self.last_reason,
        }


async def poll_until_available(
    probe: Probe[T],
    *,
    not_before: dt.datetime,
    policy: PollPolicy,
    clock: Clock,
    rng: random.Random | None = None,
    transient: tuple[type[BaseException], ...] = (),
) -> PollOutcome[T]:
    """Ask ``probe`` from ``not_before`` until it is ready or the cut-off has passed.

    Returns ``EMBARGOED`` without asking when ``not_before`` is more than
    ``policy.max_embargo_wait`` away, ``READY`` with the probe's value, or ``LATE`` when the
    last request at or after the cut-off still said "not yet".

    Exceptions of the ``transient`` types (the service failing after its own retries) are
    treated like "not yet" until the cut-off; the last one is raised if the cut-off passes
    while the service is still failing, because then the batch may well be there and the
    failure is an error, not lateness. Any other exception propagates at once.
    """
    if not_before.tzinfo is None:
        raise ValueError("not_before must be timezone-aware")
    rng = rng or random.Random()
    backoff = policy.backoff()
    cutoff = not_before + policy.window
    now = clock.now()
    if now < not_before:
        if not_before - now > policy.max_embargo_wait:
            return PollOutcome(PollStatus.EMBARGOED, None, 0, not_before, cutoff, None, None, "")
        await clock.sleep((not_before - now).total_seconds())
    attempts = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    reason = ""
    failure: BaseException | None = None
    while True:
        asked = clock.now()
        if asked < not_before:  # a clock that woke early: the embargo still holds
            await clock.sleep((not_before - asked).total_seconds())
            continue
        attempts += 1
        first = first or asked
        last = asked
        try:
            answer = await probe()
        except transient as exc:
            failure, reason = exc, f"{type(exc).__name__}: {exc}"
        else:
            failure = None
            if isinstance(answer, Ready):
                return PollOutcome(
                    PollStatus.READY, answer.value, attempts, not_before, cutoff, first, last, ""
                )
            reason = answer.reason
        now = clock.now()
        if now >= cutoff:
            if failure is not None:
                raise failure
            return PollOutcome(
                PollStatus.LATE, None, attempts, not_before, cutoff, first, last, reason
            )
        delay = backoff.backoff_delay(attempts, rng)
        await clock.sleep(min(delay, (cutoff - now).total_seconds()))


class QueueClosed(RuntimeError):
    """A request was submitted to a ``RequestQueue`` that is not running."""


@dataclasses.dataclass(slots=True)
class _Job(Generic[T]):
    call: Callable[[], Awaitable[T]]
    future: asyncio.Future[T]


class RequestQueue(Generic[T]):
    """A fixed number of workers serving requests from a queue of fixed capacity.

    Use as ``async with RequestQueue(workers=2, capacity=8) as queue``; ``submit`` returns a
    future for the request's result. Leaving the block waits for every submitted request.
    A request that raises fails its own future only; ``gather`` re-raises the first failure.
    """

    def __init__(self, *, workers: int, capacity: int) -> None:
        if workers < 1:
            raise ValueError(f"a request queue needs at least one worker, got {workers}")
        if capacity < 1:
            raise ValueError(f"a request queue needs a capacity of at least 1, got {capacity}")
        self.workers = workers
        self.capacity = capacity
        self._queue: asyncio.Queue[_Job[T] | None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.busy_peak = 0  # most requests in flight at once: never above ``workers``
        self.queued_peak = 0  # most requests waiting at once: never above ``capacity``
        self._busy = 0

    async def __aenter__(self) -> RequestQueue[T]:
        self._queue = asyncio.Queue(maxsize=self.capacity)
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        queue = self._require()
        if exc is not None:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._drain_cancelled(queue)
        else:
            for _ in self._tasks:
                await queue.put(None)
            await asyncio.gather(*self._tasks)
        self._queue = None

    async def submit(self, call: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """Queue ``call``, waiting (without blocking the loop) while the queue is full."""
        queue = self._require()
        job = _Job(call, asyncio.get_running_loop().create_future())
        await queue.put(job)
        self.queued_peak = max(self.queued_peak, queue.qsize())
        return job.future

    def offer(self, call: Callable[[], Awaitable[T]]) -> asyncio.Future[T] | None:
        """Queue ``call`` if there is room now; None when the queue is full."""
        queue = self._require()
        job = _Job(call, asyncio.get_running_loop().create_future())
        try:
            queue.put_nowait(job)
        except asyncio.QueueFull:
            return None
        self.queued_peak = max(self.queued_peak, queue.qsize())
        return job.future

    def _require(self) -> asyncio.Queue[_Job[T] | None]:
        if self._queue is None:
            raise QueueClosed("the request queue is not running (use it in 'async with')")
        return self._queue

    async def _work(self) -> None:
        queue = self._require()
        while True:
            job = await queue.get()
            if job is None:
                return
            if job.future.cancelled():
                continue
            self._busy += 1
            self.busy_peak = max(self.busy_peak, self._busy)
            try:
                result = await job.call()
            except Exception as exc:
                if not job.future.done():
                    job.future.set_exception(exc)
            else:
                if not job.future.done():
                    job.future.set_result(result)
            finally:
                self._busy -= 1

    @staticmethod
    def _drain_cancelled(queue: asyncio.Queue[_Job[T] | None]) -> None:
        while not queue.empty():
            job = queue.get_nowait()
            if job is not None and not job.future.done():
                job.future.cancel()


async def gather_in_order(
    calls: Iterable[Callable[[], Awaitable[T]]], *, workers: int, capacity: int
) -> list[T]:
    """Run ``calls`` through a ``RequestQueue`` and return their results in input order.

    The first failure is raised once the requests already running have finished; requests not
    yet started are cancelled.
    """
    futures: list[asyncio.Future[T]] = []
    async with RequestQueue[T](workers=workers, capacity=capacity) as queue:
        for call in calls:
            failed = next((f for f in futures if f.done() and f.exception() is not None), None)
            if failed is not None:
                break
            futures.append(await queue.submit(call))
        else:
            failed = None
        if failed is not None:
            for future in futures:
                future.cancel()
    for future in futures:
        error = None if future.cancelled() else future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]


async def in_thread(call: Callable[[], T]) -> T:
    """Run a blocking call (a synchronous HTTP client) on a worker thread."""
    return await asyncio.to_thread(call)


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value is not None else ""
