"""The generic polling layer: embargo, backoff with jitter, cut-off, the bounded request queue.

Time is a fake clock (hours of polling run in milliseconds); the "service" is a real HTTP server
on 127.0.0.1 that says 404 until it has been asked a set number of times (or forever), asked
through a blocking httpx client on worker threads, as the feeds do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest

from patent_sync.acquisition.async_polling import (
    NotYet,
    PollPolicy,
    PollStatus,
    QueueClosed,
    Ready,
    RequestQueue,
    gather_in_order,
    in_thread,
    poll_until_available,
)
from patent_sync_tests.fake_odp_server import Answer, FakeServer, Recorded

PUBLISHED = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)  # a Thursday


class FakeClock:
    """Virtual time: ``sleep`` advances it at once and records how long was asked for."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.current += dt.timedelta(seconds=seconds)
        await asyncio.sleep(0)


class BatchServer:
    """404 ("no results") until the ``available_after``-th request, then 200 with a count."""

    def __init__(self, available_after: int | None) -> None:
        self.available_after = available_after
        self.asked_at: list[dt.datetime] = []
        self.clock: FakeClock | None = None
        self._lock = threading.Lock()
        self.server = FakeServer(self._respond)

    def _respond(self, request: Recorded) -> Answer:
        with self._lock:
            if self.clock is not None:
                self.asked_at.append(self.clock.now())
            count = len(self.server.requests)
        if self.available_after is not None and count >= self.available_after:
            return Answer(200, {"Content-Type": "text/plain"}, b"4012")
        return Answer(404, {"Content-Type": "text/plain"}, b"No results found")


@pytest.fixture
def batch_server(request: pytest.FixtureRequest) -> Iterator[BatchServer]:
    server = BatchServer(request.param)
    server.server.start()
    try:
        yield server
    finally:
        server.server.stop()


def http_probe(url: str, client: httpx.Client) -> Callable[[], Awaitable[Ready[int] | NotYet]]:
    async def probe() -> Ready[int] | NotYet:
        response = await in_thread(lambda: client.get(url))
        if response.status_code == 404:
            return NotYet(f"HTTP 404: {response.text}")
        response.raise_for_status()
        return Ready(int(response.text))

    return probe


POLICY = PollPolicy(window=dt.timedelta(hours=6), first_delay=300, max_delay=3600, jitter=0.25)


@pytest.mark.parametrize("batch_server", [4], indirect=True)
def test_batch_available_after_several_polls(batch_server: BatchServer) -> None:
    clock = FakeClock(PUBLISHED)
    batch_server.clock = clock
    with httpx.Client() as client:
        outcome = asyncio.run(
            poll_until_available(
                http_probe(f"{batch_server.server.base_url}/batch", client),
                not_before=PUBLISHED,
                policy=POLICY,
                clock=clock,
                rng=random.Random(7),
            )
        )
    assert outcome.status is PollStatus.READY and outcome.ready
    assert outcome.value == 4012
    assert outcome.attempts == 4 == len(batch_server.server.requests)
    # Exponential backoff with ±25 % jitter between the three "not yet" answers.
    assert len(clock.sleeps) == 3
    for n, slept in enumerate(clock.sleeps):
        nominal = min(3600, 300 * 2**n)
        assert nominal * 0.75 <= slept <= min(3600, nominal * 1.25)
    assert clock.sleeps[2] > clock.sleeps[0] * 2  # it grows
    assert outcome.first_asked_at == PUBLISHED
    assert outcome.metadata()["poll_status"] == "ready"


@pytest.mark.parametrize("batch_server", [None], indirect=True)
def test_batch_never_available_is_late_at_the_cutoff(batch_server: BatchServer) -> None:
    clock = FakeClock(PUBLISHED)
    batch_server.clock = clock
    with httpx.Client() as client:
        outcome = asyncio.run(
            poll_until_available(
                http_probe(f"{batch_server.server.base_url}/batch", client),
                not_before=PUBLISHED,
                policy=POLICY,
                clock=clock,
                rng=random.Random(1),
            )
        )
    assert outcome.status is PollStatus.LATE and not outcome.ready
    assert outcome.value is None
    cutoff = PUBLISHED + dt.timedelta(hours=6)
    assert outcome.cutoff == cutoff
    # Asked until the cut-off and never after it; the last request is at the cut-off itself.
    assert batch_server.asked_at[-1] == cutoff
    assert all(PUBLISHED <= t <= cutoff for t in batch_server.asked_at)
    assert outcome.attempts == len(batch_server.asked_at) >= 4
    assert outcome.last_reason == "HTTP 404: No results found"
    assert "still not available at the cut-off" in outcome.describe()
    assert outcome.metadata()["poll_attempts"] == outcome.attempts
    # No sleep is longer than the cap, and the capped sleeps do not grow past it.
    assert max(clock.sleeps) <= 3600


@pytest.mark.parametrize("batch_server", [1], indirect=True)
def test_embargo_waits_for_the_publication_time_before_asking(batch_server: BatchServer) -> None:
    clock = FakeClock(PUBLISHED - dt.timedelta(minutes=40))
    batch_server.clock = clock
    with httpx.Client() as client:
        outcome = asyncio.run(
            poll_until_available(
                http_probe(f"{batch_server.server.base_url}/batch", client),
                not_before=PUBLISHED,
                policy=POLICY,
                clock=clock,
            )
        )
    assert outcome.ready
    assert clock.sleeps[0] == 40 * 60
    assert batch_server.asked_at == [PUBLISHED]  # not one request before the publication time


@pytest.mark.parametrize("batch_server", [1], indirect=True)
def test_run_started_a_day_early_is_embargoed_without_a_request(batch_server: BatchServer) -> None:
    clock = FakeClock(PUBLISHED - dt.timedelta(days=1))
    with httpx.Client() as client:
        outcome = asyncio.run(
            poll_until_available(
                http_probe(f"{batch_server.server.base_url}/batch", client),
                not_before=PUBLISHED,
                policy=POLICY,
                clock=clock,
            )
        )
    assert outcome.status is PollStatus.EMBARGOED
    assert outcome.attempts == 0 and batch_server.server.requests == []
    assert clock.sleeps == []
    assert "no request is made before then" in outcome.describe()


def test_transient_failures_are_retried_until_the_cutoff_then_raised() -> None:
    clock = FakeClock(PUBLISHED)
    calls = 0

    async def failing() -> Ready[int] | NotYet:
        nonlocal calls
        calls += 1
        raise ConnectionError("connection reset")

    with pytest.raises(ConnectionError, match="connection reset"):
        asyncio.run(
            poll_until_available(
                failing,
                not_before=PUBLISHED,
                policy=PollPolicy(window=dt.timedelta(hours=1), first_delay=600, max_delay=600),
                clock=clock,
                transient=(ConnectionError,),
            )
        )
    assert calls >= 2
    assert clock.now() >= PUBLISHED + dt.timedelta(hours=1)


def test_other_exceptions_are_not_swallowed() -> None:
    async def broken() -> Ready[int] | NotYet:
        raise ValueError("bad answer")

    with pytest.raises(ValueError, match="bad answer"):
        asyncio.run(
            poll_until_available(
                broken, not_before=PUBLISHED, policy=POLICY, clock=FakeClock(PUBLISHED)
            )
        )


def test_policy_refuses_impossible_settings() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        PollPolicy(window=dt.timedelta(hours=-1), first_delay=1, max_delay=2)
    with pytest.raises(ValueError, match="longer than max_delay"):
        PollPolicy(window=dt.timedelta(hours=1), first_delay=10, max_delay=2)
    with pytest.raises(ValueError, match="jitter"):
        PollPolicy(window=dt.timedelta(hours=1), first_delay=1, max_delay=2, jitter=2)
    with pytest.raises(ValueError, match="timezone-aware"):
        asyncio.run(
            poll_until_available(
                lambda: None,  # type: ignore[arg-type,return-value]
                not_before=PUBLISHED.replace(tzinfo=None),
                policy=POLICY,
                clock=FakeClock(PUBLISHED),
            )
        )


# --- the request queue -----------------------------------------------------------------------


def test_queue_bounds_concurrency_and_keeps_order() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def blocking(n: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.01)
        with lock:
            active -= 1
        return n * n

    calls = [lambda n=n: in_thread(lambda: blocking(n)) for n in range(12)]
    results = asyncio.run(gather_in_order(calls, workers=3, capacity=2))
    assert results == [n * n for n in range(12)]
    assert 1 < peak <= 3


def test_offer_says_when_the_queue_is_full_without_waiting() -> None:
    async def scenario() -> tuple[list[bool], int, int]:
        release = asyncio.Event()

        async def held() -> int:
            await release.wait()
            return 1

        accepted = []
        async with RequestQueue[int](workers=1, capacity=2) as queue:
            first = await queue.submit(held)
            await asyncio.sleep(0)  # the worker takes the first request
            for _ in range(3):
                accepted.append(queue.offer(held) is not None)
            release.set()
            await first
        return accepted, queue.busy_peak, queue.queued_peak

    accepted, busy_peak, queued_peak = asyncio.run(scenario())
    assert accepted == [True, True, False]  # two waiting places, the third is refused at once
    assert busy_peak == 1 and queued_peak == 2


def test_first_failure_is_raised_and_pending_requests_are_cancelled() -> None:
    started: list[int] = []

    def call(n: int) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            started.append(n)
            await asyncio.sleep(0)
            if n == 1:
                raise RuntimeError("page 1 failed")
            return n

        return run

    with pytest.raises(RuntimeError, match="page 1 failed"):
        asyncio.run(gather_in_order([call(n) for n in range(50)], workers=1, capacity=1))
    assert len(started) < 50


def test_queue_outside_its_block_is_refused() -> None:
    queue = RequestQueue[int](workers=1, capacity=1)

    async def nothing() -> int:
        return 0

    async def scenario() -> None:
        await queue.submit(nothing)

    with pytest.raises(QueueClosed):
        asyncio.run(scenario())
    with pytest.raises(ValueError, match="at least one worker"):
        RequestQueue[int](workers=0, capacity=1)
