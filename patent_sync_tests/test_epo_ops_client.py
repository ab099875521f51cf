"""The EPO OPS client against a local OPS server on 127.0.0.1: token, throttling, quota, faults."""

from __future__ import annotations

import base64
import logging
import threading
from pathlib import Path

import pytest

from patent_sync.acquisition.epo_ops import OpsClient, OpsQuotaExhausted, OpsService
from patent_sync.acquisition.epo_ops.throttling import Colour, parse_throttling_control
from patent_sync.acquisition.errors import AcquisitionError, HttpStatusError
from patent_sync.acquisition.retry import RetryPolicy
from patent_sync_tests.conftest import SAMPLES
from patent_sync_tests.fake_ops_server import FakeOpsServer

BIBLIO_SAMPLE = SAMPLES / "epo_ops" / "patent-dev" / "get_biblio" / "response.xml"
BIBLIO_PATH = "rest-services/published-data/publication/docdb/EP.2400812.A1/biblio"
KEY, SECRET = "ops-test-key-4f1c", "ops-test-secret-9a7e"


class FakeClock:
    """Monotonic time that only moves when the client sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@pytest.fixture
def server() -> FakeOpsServer:
    with FakeOpsServer(KEY, SECRET) as running:
        body = BIBLIO_SAMPLE.read_bytes() if BIBLIO_SAMPLE.exists() else _minimal_biblio()
        running.route(BIBLIO_PATH.removeprefix("rest-services/"), body)
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _client(server: FakeOpsServer, clock: FakeClock, **kwargs: object) -> OpsClient:
    return OpsClient(
        base_url=server.base_url,
        consumer_key=KEY,
        consumer_secret=SECRET,
        clock=clock.monotonic,
        sleep=clock.sleep,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05),
        **kwargs,  # type: ignore[arg-type]
    )


def _minimal_biblio() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><ops:world-patent-data '
        b'xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org"><exchange-documents>'
        b'<exchange-document system="ops.epo.org" country="EP" doc-number="2400812" kind="A1">'
        b"<bibliographic-data/></exchange-document></exchange-documents></ops:world-patent-data>"
    )


def test_token_request_is_client_credentials_with_basic_auth_and_shared(
    server: FakeOpsServer, clock: FakeClock
) -> None:
    with _client(server, clock) as client:
        for _ in range(3):
            assert client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL).status == 200
    (token_request,) = server.token_requests()
    assert token_request.method == "POST"
    assert token_request.header(
        "authorization",
    ).startswith("Basic ")
    assert token_request.body == b"grant_type=client_credentials"
    assert "x-www-form-urlencoded" in (token_request.header("content-type") or "")
    assert all(
        r.header(
            "authorization",
        ).startswith("Bearer ")
        for r in server.api_requests()
    )


def test_concurrent_requests_share_one_token_fetch(server: FakeOpsServer) -> None:
    with OpsClient(base_url=server.base_url, consumer_key=KEY, consumer_secret=SECRET) as client:
        client.pacer.observe("idle (retrieval=green:100000)")
        errors: list[BaseException] = []

        def work() -> None:
            try:
                client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(server.token_requests()) == 1
    assert len(server.api_requests()) == 8


def test_token_renewed_before_it_expires(server: FakeOpsServer, clock: FakeClock) -> None:
    with _client(server, clock) as client:
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        clock.advance(1199 - 30)  # inside the renewal margin of the 1199 s lifetime
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    assert len(server.token_requests()) == 2
    # No request was refused: the token was replaced before OPS could reject it.
    assert [r.status for r in server.api_requests()] == [200, 200]


def test_token_expiring_mid_run_is_renewed_and_the_request_sent_once_more(
    server: FakeOpsServer, clock: FakeClock
) -> None:
    with _client(server, clock) as client:
        first = client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        server.expire_tokens()  # OPS forgot the token long before the client expected
        second = client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    assert first.body == second.body
    assert [r.status for r in server.api_requests()] == [200, 400, 200]
    assert len(server.token_requests()) == 2


def test_invalid_access_token_400_renews_without_losing_the_request(
    server: FakeOpsServer, clock: FakeClock
) -> None:
    with _client(server, clock) as client:
        server.reject_next(1)
        response = client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    assert response.status == 200
    assert [r.status for r in server.api_requests()] == [400, 200]
    assert len(server.token_requests()) == 2


def test_throttle_header_parsed_including_duplicates() -> None:
    reading = parse_throttling_control(
        "idle (images=green:200, search=green:30), busy (search=yellow:15, retrieval=red:100)"
    )
    assert reading is not None
    assert reading.system_state == "busy"
    assert reading.buckets[OpsService.SEARCH].colour is Colour.YELLOW
    assert reading.buckets[OpsService.SEARCH].limit == 15
    assert reading.buckets[OpsService.RETRIEVAL].colour is Colour.RED
    assert parse_throttling_control("garbage") is None


def test_yellow_and_red_buckets_slow_the_pace(server: FakeOpsServer, clock: FakeClock) -> None:
    with _client(server, clock) as client:
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        green = client.pacer.interval(OpsService.RETRIEVAL)
        server.set_bucket("retrieval", "yellow")
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        yellow = client.pacer.interval(OpsService.RETRIEVAL)
        server.set_bucket("retrieval", "red", limit=100)
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        red = client.pacer.interval(OpsService.RETRIEVAL)
        # Back to green on this instance, but red was seen within the minute: stay slow.
        server.set_bucket("retrieval", "green", limit=200)
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        still = client.pacer.interval(OpsService.RETRIEVAL)
        clock.advance(61)
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        relaxed = client.pacer.interval(OpsService.RETRIEVAL)
    assert green == pytest.approx(60 / 200)
    assert green < yellow < red
    assert still == red
    assert relaxed == pytest.approx(60 / 200)
    # The search bucket is paced by its own limit, unaffected.
    assert client.pacer.interval(OpsService.SEARCH) == pytest.approx(60 / 30)


def test_requests_are_paced_by_the_bucket_limit(server: FakeOpsServer, clock: FakeClock) -> None:
    with _client(server, clock) as client:
        start = clock.monotonic()
        for _ in range(4):
            client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    # 200 per minute: 0.3 s apart, so 4 requests span at least 0.9 s of (fake) time.
    assert clock.monotonic() - start >= 0.9 - 1e-9


def test_black_bucket_waits_retry_after_milliseconds(
    server: FakeOpsServer, clock: FakeClock
) -> None:
    with _client(server, clock) as client:
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        server.black("retrieval", retry_after_ms=45000)
        before = clock.monotonic()
        response = client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    assert response.status == 200
    assert clock.monotonic() - before >= 45.0  # milliseconds, not 45,000 seconds
    assert clock.monotonic() - before < 60.0
    assert [r.status for r in server.api_requests()] == [200, 403, 200]


def test_fair_use_403_stops_without_retrying(server: FakeOpsServer, clock: FakeClock) -> None:
    with _client(server, clock) as client:
        server.fair_use("RegisteredQuotaPerWeek")
        with pytest.raises(OpsQuotaExhausted) as caught:
            client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    error = caught.value
    assert len(server.api_requests()) == 1  # never retried into the quota
    assert error.reason == "RegisteredQuotaPerWeek"
    assert error.resets_at is not None and error.resets_at.weekday() == 0
    message = str(error)
    assert "\n" not in message
    assert "fair-use quota exhausted" in message and "weekly" in message
    assert "EP.2400812.A1" in message  # names the request


def test_hourly_quota_says_when_it_resets(server: FakeOpsServer, clock: FakeClock) -> None:
    with _client(server, clock) as client:
        server.fair_use("IndividualQuotaPerHour", times=1)
        with pytest.raises(OpsQuotaExhausted) as caught:
            client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    assert "hourly" in str(caught.value)
    assert caught.value.resets_at is not None


def test_404_is_an_http_status_error_naming_the_request(
    server: FakeOpsServer, clock: FakeClock
) -> None:
    path = "rest-services/register/application/epodoc/EP99999999/biblio"
    with _client(server, clock) as client, pytest.raises(HttpStatusError) as caught:
        client.get(path, service=OpsService.OTHER, what="EP Register biblio of EP99999999")
    assert caught.value.status == 404
    assert "EP99999999" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("kind", ["truncated", "garbled"])
def test_damaged_body_once_is_fetched_again(
    server: FakeOpsServer, clock: FakeClock, kind: str
) -> None:
    with _client(server, clock) as client:
        server.malform("published-data", kind, times=1)
        response = client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    assert response.body == server.routes[BIBLIO_PATH.removeprefix("rest-services/")].body


@pytest.mark.parametrize("kind", ["truncated", "garbled"])
def test_damaged_body_every_time_is_a_one_line_error(
    server: FakeOpsServer, clock: FakeClock, kind: str
) -> None:
    with _client(server, clock) as client:
        server.malform("published-data", kind, times=10)
        with pytest.raises(AcquisitionError) as caught:
            client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL, what="biblio of EP2400812")
    message = str(caught.value)
    assert "biblio of EP2400812" in message and "\n" not in message


def test_quota_headers_reported(server: FakeOpsServer, clock: FakeClock) -> None:
    with _client(server, clock) as client:
        first = client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        assert client.quota.week_used == server.week_used
        second = client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        quota = client.quota
    assert quota.requests == 2
    assert quota.bytes_received == len(first.body) + len(second.body)
    assert quota.week_used == server.week_used
    assert quota.hour_used == server.hour_used
    # The first answer's figure is the baseline: the run used what came after it.
    assert quota.week_used_by_run == len(second.body)
    metadata = quota.as_metadata()
    assert metadata["ops_quota_week_used_bytes"] == server.week_used
    assert 0 < float(metadata["ops_quota_week_used_percent"]) < 1


def test_credentials_and_token_never_in_logs_or_errors(
    server: FakeOpsServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with _client(server, clock) as client:
        server.reject_next(1)
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
        server.fair_use("RegisteredQuotaPerWeek", times=1)
        with pytest.raises(OpsQuotaExhausted) as caught:
            client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    tokens = list(server.tokens)
    text = caplog.text + str(caught.value)
    for secret in (KEY, SECRET, *tokens):
        assert secret not in text


def test_wrong_credentials_are_a_clear_error(
    server: FakeOpsServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        OpsClient(
            base_url=server.base_url,
            consumer_key="wrong",
            consumer_secret="nope-nope",
            clock=clock.monotonic,
            sleep=clock.sleep,
        ) as client,
        pytest.raises(HttpStatusError) as caught,
    ):
        client.get(BIBLIO_PATH, service=OpsService.RETRIEVAL)
    assert caught.value.status == 401
    assert "EPO_OPS_CONSUMER_KEY" in str(caught.value)
    basic = base64.b64encode(b"wrong:nope-nope").decode()
    for secret in ("nope-nope", basic):
        assert secret not in str(caught.value)
        assert secret not in caplog.text


def test_recorded_cassette_replays_with_its_real_headers(
    samples_dir: Path, clock: FakeClock
) -> None:
    cassette = (
        samples_dir
        / "epo_ops"
        / "patent_client"
        / "published"
        / "TestPublishedBiblioApi.test_doc_example_biblio.yaml"
    )
    with FakeOpsServer(KEY, SECRET) as server:
        (path,) = server.load_cassette(cassette)
        with _client(server, clock) as client:
            response = client.get(f"rest-services/{path}", service=OpsService.RETRIEVAL)
            quota = client.quota
    assert b'doc-number="1000000"' in response.body
    assert response.headers["x-api"] == "ops-v3.2"
    assert quota.week_used is not None and quota.week_used > 0
    assert quota.hour_used is not None


def test_a_wrong_number_gives_404_and_is_not_retried(
    server: FakeOpsServer, clock: FakeClock
) -> None:
    with _client(server, clock) as client, pytest.raises(HttpStatusError):
        client.get(
            "rest-services/published-data/publication/docdb/EP.0000001.A1/biblio",
            service=OpsService.RETRIEVAL,
        )
    assert [r.status for r in server.api_requests()] == [404]
