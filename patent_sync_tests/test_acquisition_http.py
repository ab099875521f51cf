"""The shared HTTP layer against real local HTTP servers: retries, budgets, downloads, secrets."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import io
import logging
import random
import socket
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from patent_sync.acquisition.http import (
    AcquisitionError,
    AttemptEvent,
    HttpClient,
    HttpStatusError,
    InvalidResponse,
    RateBudget,
    RetriesExhausted,
    RetryAfterTooLong,
    RetryPolicy,
    Timeouts,
)
from patent_sync.acquisition.redaction import SecretScrubber, redact_headers, redact_url
from patent_sync.acquisition.retry import parse_retry_after, parse_retry_after_milliseconds
from patent_sync_tests.fake_odp_server import Answer, FakeServer, Recorded, scripted

SECRET = "sk-test-7f3a9c1e5b2d4f60"
FIXED_NOW = dt.datetime(2026, 6, 2, 12, 0, 0, tzinfo=dt.UTC)


class FakeClock:
    """A monotonic clock that only moves when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(clock: FakeClock, **kwargs) -> HttpClient:
    kwargs.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.1, max_delay=10, jitter=0))
    kwargs.setdefault("timeouts", Timeouts(connect=2, read=2, write=2, pool=2))
    return HttpClient(sleep=clock.sleep, now=lambda: FIXED_NOW, rng=random.Random(7), **kwargs)


@pytest.fixture
def server_factory() -> Iterator:
    started: list[FakeServer] = []

    def start(respond) -> FakeServer:
        server = FakeServer(respond).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


OK_JSON = Answer.json({"ok": True})


def real_zip(content: bytes, name: str = "doc.xml") -> bytes:
    """A well-formed zip holding ``content`` (downloads named .zip are checked end to end)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


# -- Retry-After and backoff ------------------------------------------------------------------


def test_retry_after_seconds_are_honoured_exactly(server_factory, clock) -> None:
    server = server_factory(
        scripted(
            [
                Answer(429, {"Retry-After": "2"}),
                Answer(503, {"Retry-After": "3"}),
                OK_JSON,
            ]
        )
    )
    events: list[AttemptEvent] = []
    with make_client(clock, on_attempt=events.append) as client:
        assert client.get_json(f"{server.base_url}/x") == {"ok": True}
    assert clock.sleeps == [2.0, 3.0]
    assert len(server.hits()) == 3
    assert [(e.attempt, e.status, e.retry_in) for e in events] == [
        (1, 429, 2.0),
        (2, 503, 3.0),
        (3, 200, None),
    ]
    assert events[-1].succeeded and not events[0].succeeded


def test_retry_after_http_date_is_honoured(server_factory, clock) -> None:
    when = email.utils.format_datetime(FIXED_NOW + dt.timedelta(seconds=30), usegmt=True)
    server = server_factory(scripted([Answer(429, {"Retry-After": when}), OK_JSON]))
    with make_client(clock, retry=RetryPolicy(max_attempts=2, max_delay=60)) as client:
        client.get_json(f"{server.base_url}/x")
    assert clock.sleeps == [30.0]


def test_retry_after_longer_than_allowed_raises_instead_of_sleeping(server_factory, clock) -> None:
    week = str(7 * 86400)
    server = server_factory(scripted([Answer(429, {"Retry-After": week}), OK_JSON]))
    with make_client(clock) as client, pytest.raises(RetryAfterTooLong) as caught:
        client.get_json(f"{server.base_url}/quota", what="bulk download")
    assert clock.sleeps == []
    assert len(server.hits()) == 1
    assert caught.value.requested_delay == 7 * 86400
    assert caught.value.allowed_delay == 10
    message = str(caught.value)
    assert "bulk download" in message and "7.0 days" in message and "10 s" in message


def test_429_waits_at_least_the_policy_floor(server_factory, clock) -> None:
    server = server_factory(scripted([Answer(429, {"Retry-After": "1"}), Answer(429), OK_JSON]))
    policy = RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=10, jitter=0,
                         min_delay_after_429=5.0)  # fmt: skip
    with make_client(clock, retry=policy) as client:
        client.get_json(f"{server.base_url}/x")
    assert clock.sleeps == [5.0, 5.0]


def test_pluggable_retry_after_parser_milliseconds(server_factory, clock) -> None:
    server = server_factory(scripted([Answer(503, {"Retry-After": "1500"}), OK_JSON]))
    policy = RetryPolicy(max_attempts=2, max_delay=60,
                         retry_after_parser=parse_retry_after_milliseconds)  # fmt: skip
    with make_client(clock, retry=policy) as client:
        client.get_json(f"{server.base_url}/x")
    assert clock.sleeps == [1.5]


def test_backoff_grows_exponentially_without_retry_after(server_factory, clock) -> None:
    server = server_factory(scripted([Answer(503), Answer(502), Answer(500), OK_JSON]))
    with make_client(clock) as client:
        client.get_json(f"{server.base_url}/x")
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4])


def test_backoff_jitter_stays_within_bounds_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.5)
    rng = random.Random(1)
    for retry_number, (low, high) in enumerate(
        [(0.5, 1.5), (1.0, 3.0), (2.0, 6.0), (4.0, 8.0), (4.0, 8.0)], start=1
    ):
        assert policy.backoff_bounds(retry_number) == (low, high)
        samples = [policy.backoff_delay(retry_number, rng) for _ in range(300)]
        assert all(low <= s <= high for s in samples)
        assert max(samples) - min(samples) > (high - low) * 0.5  # jitter actually spreads
    assert policy.backoff_bounds(200) == (4.0, 8.0)  # no overflow far out


def test_unusable_retry_after_falls_back_to_backoff(server_factory, clock) -> None:
    server = server_factory(scripted([Answer(503, {"Retry-After": "soon-ish"}), OK_JSON]))
    with make_client(clock) as client:
        client.get_json(f"{server.base_url}/x")
    assert clock.sleeps == [0.1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (email.utils.format_datetime(FIXED_NOW + dt.timedelta(minutes=2), usegmt=True), 120.0),
        ("Tue, 02 Jun 2026 11:00:00 GMT", 0.0),  # in the past: go now
        ("1.5", None),
        ("-3", None),
        ("", None),
        ("tomorrow", None),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, FIXED_NOW) == expected


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=10, max_delay=1)


# -- giving up ---------------------------------------------------------------------------------


def test_retries_exhausted_says_how_many_attempts_and_last_status(server_factory, clock) -> None:
    server = server_factory(scripted([Answer(503)]))
    with make_client(clock) as client, pytest.raises(RetriesExhausted) as caught:
        client.get_json(f"{server.base_url}/down", what="PTGRXML file listing")
    assert len(server.hits()) == 4
    assert caught.value.attempts == 4 and caught.value.last_status == 503
    assert "gave up after 4 attempts" in str(caught.value)
    assert "HTTP 503" in str(caught.value) and "PTGRXML file listing" in str(caught.value)
    assert len(clock.sleeps) == 3


def test_404_is_not_retried_and_names_the_resource(server_factory, clock) -> None:
    server = server_factory(scripted([Answer.json({"message": "no such file"}, status=404)]))
    with make_client(clock) as client, pytest.raises(HttpStatusError) as caught:
        client.download(f"{server.base_url}/files/ipg240102.zip", Path("/nonexistent/x.zip"))
    assert len(server.hits()) == 1 and clock.sleeps == []
    assert caught.value.status == 404
    assert "ipg240102.zip" in str(caught.value) and "not found" in str(caught.value)
    assert "no such file" in str(caught.value)  # the server's own words are quoted


@pytest.mark.parametrize(
    ("status", "phrase"), [(401, "no API key sent"), (403, "API key rejected or still activating")]
)
def test_auth_failures_are_explained_and_not_retried(
    server_factory, clock, status: int, phrase: str
) -> None:
    server = server_factory(scripted([Answer.json({"message": "nope"}, status=status)]))
    with make_client(clock) as client, pytest.raises(HttpStatusError) as caught:
        client.get_json(f"{server.base_url}/x")
    assert phrase in str(caught.value) and caught.value.status == status
    assert len(server.hits()) == 1


def test_read_timeout_is_retried_then_reported_clearly(server_factory, clock) -> None:
    server = server_factory(scripted([Answer.json({"late": True}, delay=0.6)]))
    policy = RetryPolicy(max_attempts=2, base_delay=0.1, max_delay=1, jitter=0)
    timeouts = Timeouts(connect=1, read=0.15, write=1, pool=1)
    with make_client(clock, retry=policy, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(RetriesExhausted) as caught:
            client.get_json(f"{server.base_url}/slow")
    assert time.monotonic() - started < 1.2  # two short timeouts, not the server's stall
    assert len(server.hits()) == 2 and clock.sleeps == [0.1]
    assert "read timed out (limit 0.15 s)" in str(caught.value)
    assert caught.value.last_status is None


def test_timeout_then_success(server_factory, clock) -> None:
    server = server_factory(scripted([Answer.json({}, delay=0.5), OK_JSON]))
    timeouts = Timeouts(connect=1, read=0.15, write=1, pool=1)
    with make_client(clock, timeouts=timeouts) as client:
        assert client.get_json(f"{server.base_url}/x") == {"ok": True}
    assert len(server.hits()) == 2


def test_connection_refused_is_retried(clock) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=1, jitter=0)
    with make_client(clock, retry=policy) as client, pytest.raises(RetriesExhausted) as caught:
        client.get_json(f"http://127.0.0.1:{port}/x")
    assert caught.value.attempts == 3 and clock.sleeps == pytest.approx([0.1, 0.2])
    assert "connection problem: ConnectError" in str(caught.value)


def test_invalid_json_is_a_clear_error(server_factory, clock) -> None:
    body = b"<html>Service maintenance</html>"
    server = server_factory(scripted([Answer(200, {"Content-Type": "text/html"}, body)]))
    with make_client(clock) as client, pytest.raises(InvalidResponse) as caught:
        client.get_json(f"{server.base_url}/x", what="PTGRXML file listing")
    assert "not JSON" in str(caught.value) and "text/html" in str(caught.value)
    assert "Service maintenance" in str(caught.value)


# -- rate budget -------------------------------------------------------------------------------


def test_rate_budget_spaces_requests(clock) -> None:
    budget = RateBudget(requests=2, per_seconds=1.0, burst=1, clock=clock.clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(4):
        budget.acquire()
        sent_at.append(clock.now)
    assert sent_at == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_rate_budget_allows_a_burst_then_the_steady_rate(clock) -> None:
    budget = RateBudget(requests=1, per_seconds=1.0, burst=3, clock=clock.clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(5):
        budget.acquire()
        sent_at.append(clock.now)
    assert sent_at == pytest.approx([0.0, 0.0, 0.0, 1.0, 2.0])


def test_rate_budget_refills_while_idle(clock) -> None:
    budget = RateBudget(requests=1, per_seconds=1.0, burst=2, clock=clock.clock, sleep=clock.sleep)
    budget.acquire()
    budget.acquire()
    clock.now += 10  # idle: the bucket refills, but only up to the burst
    assert [budget.acquire(), budget.acquire(), budget.acquire()] == pytest.approx([0, 0, 1.0])


def test_rate_budget_defer_pauses_everyone(clock) -> None:
    budget = RateBudget(requests=1, per_seconds=1.0, burst=5, clock=clock.clock, sleep=clock.sleep)
    budget.defer(30)
    assert budget.acquire() == pytest.approx(30)
    assert budget.acquire() == pytest.approx(1.0)  # after a throttle: steady rate, no burst


def test_rate_budget_reservations_are_thread_safe() -> None:
    frozen = FakeClock()  # time never moves: each reservation must get its own slot
    budget = RateBudget(requests=10, per_seconds=1.0, clock=frozen.clock, sleep=frozen.sleep)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            wait = budget.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w, 6) for w in waits) == [round(i * 0.1, 6) for i in range(200)]


def test_single_flight_budget_never_overlaps_requests() -> None:
    budget = RateBudget(requests=1000, per_seconds=1.0, burst=1000, single_flight=True)
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal in_flight, most
        for _ in range(5):
            with budget.slot():
                with lock:
                    in_flight += 1
                    most = max(most, in_flight)
                time.sleep(0.002)
                with lock:
                    in_flight -= 1

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1


def test_client_consults_the_budget_before_every_attempt(server_factory, clock) -> None:
    server = server_factory(scripted([OK_JSON]))
    budget = RateBudget(requests=1, per_seconds=2.0, clock=clock.clock, sleep=clock.sleep)
    with make_client(clock, budget=budget) as client:
        for _ in range(3):
            client.get_json(f"{server.base_url}/x")
    assert clock.sleeps == pytest.approx([2.0, 2.0])
    assert len(server.hits()) == 3


def test_retry_after_pushes_the_shared_budget(server_factory, clock) -> None:
    server = server_factory(scripted([Answer(429, {"Retry-After": "7"}), OK_JSON]))
    budget = RateBudget(requests=10, per_seconds=1.0, burst=10, clock=clock.clock,
                        sleep=clock.sleep)  # fmt: skip
    with make_client(clock, budget=budget) as client:
        client.get_json(f"{server.base_url}/x")
    # The client slept the 7 s itself; the budget, pushed to t=7, then had nothing left to wait.
    assert clock.sleeps == [7.0] and clock.now == pytest.approx(7.0)
    assert budget.acquire() == pytest.approx(0.1)  # steady rate after the throttle


# -- downloads ---------------------------------------------------------------------------------


def test_download_hashes_and_reports_final_url_after_redirect(
    server_factory, clock, tmp_path
) -> None:
    payload = real_zip(bytes(range(256)) * 4000)
    storage = server_factory(
        lambda r: Answer(200, {"Content-Type": "application/zip", "ETag": '"e1"'}, payload)
    )
    signed = f"{storage.base_url}/bucket/ipg240102.zip?X-Amz-Signature=deadbeef&X-Amz-Expires=5"
    api = server_factory(lambda r: Answer(302, {"Location": signed}))
    dest = tmp_path / "out" / "ipg240102.zip"
    with make_client(clock) as client:
        result = client.download(f"{api.base_url}/files/ipg240102.zip", dest)
    assert dest.read_bytes() == payload
    assert result.sha256 == hashlib.sha256(payload).hexdigest()
    assert result.size == len(payload) and result.status == 200 and result.attempts == 1
    assert result.url == (
        f"{storage.base_url}/bucket/ipg240102.zip?X-Amz-Signature=REDACTED&X-Amz-Expires=5"
    )
    assert result.requested_url == f"{api.base_url}/files/ipg240102.zip"
    assert result.headers["etag"] == '"e1"'
    assert result.headers["content-type"] == "application/zip"
    assert storage.hits()[0].header("accept-encoding") == "identity"


def test_secret_headers_stay_on_the_origin_they_were_sent_to(server_factory, clock, tmp_path):
    storage = server_factory(lambda r: Answer(200, body=b"data"))
    api = server_factory(
        lambda r: (
            Answer(302, {"Location": f"{storage.base_url}/signed"})
            if r.path == "/files/a"
            else Answer(302, {"Location": "/local-copy"})
            if r.path == "/files/b"
            else Answer(200, body=b"data")
        )
    )
    headers = {"X-API-KEY": SECRET}
    with make_client(clock) as client:
        client.download(f"{api.base_url}/files/a", tmp_path / "a", headers=headers)
        client.download(f"{api.base_url}/files/b", tmp_path / "b", headers=headers)
    assert storage.hits()[0].header("x-api-key") is None  # other origin: not forwarded
    same_origin = [r for r in api.hits() if r.path == "/local-copy"]
    assert same_origin[0].header("x-api-key") == SECRET  # same origin: kept


def test_download_streams_to_a_temp_file_without_buffering(server_factory, clock, tmp_path):
    payload = real_zip(hashlib.sha256(b"seed").digest() * (16 * 1024 * 1024 // 32))  # 16 MiB
    server = server_factory(lambda r: Answer(200, {"Content-Type": "application/zip"}, payload))
    dest = tmp_path / "ipa240104.zip"
    progress: list[tuple[int, int | None]] = []

    def on_progress(done: int, total: int | None) -> None:
        if not progress:  # mid-download: only a hidden .part file exists
            parts = list(tmp_path.glob(".ipa240104.zip.*.part"))
            assert len(parts) == 1 and not dest.exists()
        progress.append((done, total))

    with make_client(clock) as client:
        tracemalloc.start()
        try:
            result = client.download(
                f"{server.base_url}/big", dest, chunk_size=256 << 10, on_progress=on_progress
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.sha256 == hashlib.sha256(payload).hexdigest() and result.size == len(payload)
    assert (
        len(progress) >= 16
    )  # many chunks, never the body whole (their sizes vary with the network)
    assert all(total == len(payload) for _, total in progress)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert peak < 4 * 1024 * 1024, f"peak traced memory {peak:,} bytes for a 16 MiB body"
    assert list(tmp_path.iterdir()) == [dest]


def test_truncated_download_is_retried_and_never_left_at_dest(server_factory, clock, tmp_path):
    payload = b"PK\x03\x04" + b"x" * 500_000
    server = server_factory(scripted([Answer(200, body=payload, truncate_to=100_000)]))
    dest = tmp_path / "ipg240109.zip"
    policy = RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=1, jitter=0)
    with make_client(clock, retry=policy) as client, pytest.raises(RetriesExhausted) as caught:
        client.download(f"{server.base_url}/f", dest, what="PTGRXML file ipg240109.zip")
    assert len(server.hits()) == 3
    assert not dest.exists() and list(tmp_path.iterdir()) == []  # no partial, no .part
    assert "ipg240109.zip" in str(caught.value)


def test_truncated_once_then_complete(server_factory, clock, tmp_path) -> None:
    payload = real_zip(b"y" * 300_000)
    server = server_factory(
        scripted([Answer(200, body=payload, truncate_to=1000), Answer(200, body=payload)])
    )
    dest = tmp_path / "f.zip"
    with make_client(clock) as client:
        result = client.download(f"{server.base_url}/f", dest)
    assert result.attempts == 2 and dest.read_bytes() == payload
    assert list(tmp_path.iterdir()) == [dest]


def test_size_different_from_the_listing_is_not_accepted(server_factory, clock, tmp_path) -> None:
    server = server_factory(scripted([Answer(200, body=b"short")]))
    policy = RetryPolicy(max_attempts=2, base_delay=0.1, max_delay=1, jitter=0)
    with make_client(clock, retry=policy) as client, pytest.raises(RetriesExhausted) as caught:
        client.download(f"{server.base_url}/f", tmp_path / "f.zip", expected_size=1234)
    assert "received 5 bytes but the listing says 1,234" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# -- secrets -----------------------------------------------------------------------------------


def test_api_key_never_appears_in_errors_or_logs(server_factory, clock, caplog, tmp_path):
    caplog.set_level(logging.DEBUG, logger="patent_sync.acquisition")
    echo = f'{{"message": "key {SECRET} is not valid", "auth": "Bearer {SECRET}"}}'.encode()

    def respond(request: Recorded) -> Answer:
        return {
            "/bad": Answer(400, {"Content-Type": "application/json"}, echo),
            "/forbidden": Answer(403, body=echo),
            "/busy": Answer(503, {"Retry-After": "1"}, echo),
            "/quota": Answer(429, {"Retry-After": "999999"}, echo),
        }[request.path]

    server = server_factory(respond)
    errors: list[str] = []
    headers = {"X-API-KEY": SECRET, "Authorization": f"Bearer {SECRET}"}
    with make_client(clock, headers=headers) as client:
        for path in ("/bad", "/forbidden", "/busy", "/quota"):
            with pytest.raises(Exception) as caught:
                client.download(f"{server.base_url}{path}?api_key={SECRET}", tmp_path / "f")
            errors.append(str(caught.value))
            errors.append(repr(caught.value))
    assert all(r.header("x-api-key") == SECRET for r in server.hits())  # it was really sent
    assert "REDACTED" in errors[0]  # the echoed key was scrubbed, the rest quoted
    for text in [*errors, caplog.text]:
        assert SECRET not in text
    assert caplog.records, "attempts and failures should be logged"


def test_redaction_helpers() -> None:
    url = "https://u:p@s3.example/b/f.zip?X-Amz-Signature=abc&X-Amz-Expires=5&Signature=q&x=1"
    assert redact_url(url) == (
        "https://REDACTED@s3.example/b/f.zip?X-Amz-Signature=REDACTED&X-Amz-Expires=5"
        "&Signature=REDACTED&x=1"
    )
    assert redact_headers({"X-API-KEY": "k", "Accept": "a"}) == {
        "X-API-KEY": "REDACTED",
        "Accept": "a",
    }
    scrubber = SecretScrubber.from_headers({"Authorization": "Bearer tok-12345"})
    assert scrubber.scrub("got tok-12345 and Bearer tok-12345") == "got REDACTED and REDACTED"


def test_broken_attempt_hook_does_not_abort_the_request(server_factory, clock, caplog) -> None:
    server = server_factory(scripted([OK_JSON]))

    def broken(event: AttemptEvent) -> None:
        raise RuntimeError("hook bug")

    with make_client(clock, on_attempt=broken) as client:
        assert client.get_json(f"{server.base_url}/x") == {"ok": True}
    assert "on_attempt hook failed" in caplog.text


@pytest.mark.parametrize("bad_key", [f"{SECRET}\nX-Injected: 1", f"{SECRET}é"])
def test_malformed_secret_header_fails_fast_without_quoting_it(
    server_factory, clock, bad_key: str
) -> None:
    server = server_factory(scripted([OK_JSON]))
    with make_client(clock) as client, pytest.raises(AcquisitionError) as caught:
        client.get_json(f"{server.base_url}/x", headers={"X-API-KEY": bad_key})
    assert "could not be sent" in str(caught.value) and SECRET not in str(caught.value)
    assert server.hits() == [] and clock.sleeps == []
