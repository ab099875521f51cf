"""USPTO ODP bulk client.

The ODP is played by a real HTTP server on 127.0.0.1 (``fake_odp_server.FakeOdp``) that checks
the X-API-KEY, lists files in the recorded JSON shape and answers a file URL with a 302 to a
single-use pre-signed URL on another host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from patent_sync.acquisition.errors import FeedNotPublished
from patent_sync.acquisition.http import (
    HttpClient,
    HttpStatusError,
    InvalidResponse,
    RateBudget,
    RetriesExhausted,
    RetryPolicy,
    Timeouts,
)
from patent_sync.acquisition.uspto_bulk import (
    BulkFile,
    UsptoBulkClient,
    default_odp_http,
    parse_product_files,
)
from patent_sync_tests.fake_odp_server import FILES_PREFIX, Answer, FakeOdp, HostedFile

API_KEY = "odp-key-5c0ffee5b4d9e1aa"
GRANT_DAY = dt.date(2024, 1, 2)  # a Tuesday: ipg240102.zip
APP_DAY = dt.date(2024, 1, 4)  # a Thursday: ipa240104.zip


def weekly_zip(inner_name: str, documents: int) -> bytes:
    """A small weekly zip in the published layout: one XML file of concatenated documents."""
    body = "".join(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v47-2022-02-17.dtd" [ ]>\n'
        f'<us-patent-grant file="US{11000000 + i}-20240102.XML"></us-patent-grant>\n'
        for i in range(documents)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(inner_name, body)
    return buffer.getvalue()


class RecordingSleep:
    """Fake time: the client's retry sleeps are recorded; budget waits only advance the clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def budget_sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def odp() -> Iterator[FakeOdp]:
    with FakeOdp(API_KEY) as fake:
        fake.host(HostedFile("PTGRXML", "ipg240102.zip", weekly_zip("ipg240102.xml", 3), GRANT_DAY))
        fake.host(
            HostedFile(
                "PTGRXML", "ipg240109.zip", weekly_zip("ipg240109.xml", 2), dt.date(2024, 1, 9)
            )
        )
        fake.host(HostedFile("APPXML", "ipa240104.zip", weekly_zip("ipa240104.xml", 4), APP_DAY))
        yield fake


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


def odp_http(sleep: RecordingSleep, *, max_attempts: int = 4) -> HttpClient:
    """The production ODP policy (≥5 s after a 429, backoff, budget), minus real waiting."""
    production = default_odp_http()
    production.close()
    return HttpClient(
        source="uspto_odp",
        retry=RetryPolicy(
            max_attempts=max_attempts,
            base_delay=production.retry.base_delay,
            max_delay=production.retry.max_delay,
            jitter=production.retry.jitter,
            min_delay_after_429=production.retry.min_delay_after_429,
        ),
        budget=RateBudget(
            requests=1,
            per_seconds=1.0,
            single_flight=True,
            clock=sleep.clock,
            sleep=sleep.budget_sleep,
        ),
        timeouts=Timeouts(connect=2, read=2, write=2, pool=2),
        sleep=sleep,
        rng=random.Random(3),
    )


@pytest.fixture
def client(odp: FakeOdp, sleep: RecordingSleep) -> Iterator[UsptoBulkClient]:
    with odp_http(sleep) as http:
        yield UsptoBulkClient(API_KEY, base_url=odp.base_url, http=http)


# -- listing -----------------------------------------------------------------------------------


def test_list_files_parses_the_real_shape_and_sends_the_key(
    client: UsptoBulkClient, odp: FakeOdp
) -> None:
    files = client.list_files("PTGRXML", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert [f.file_name for f in files] == ["ipg240102.zip", "ipg240109.zip"]
    first = files[0]
    assert first.product == "PTGRXML"
    assert first.size == len(odp.files["ipg240102.zip"].content)
    assert (first.from_date, first.to_date) == (GRANT_DAY, GRANT_DAY)
    assert first.released_at == dt.datetime(2024, 1, 2, 0, 1)
    assert first.download_uri == f"{odp.base_url}{FILES_PREFIX}PTGRXML/2024/ipg240102.zip"
    request = odp.api.hits("/api/v1/datasets/products/PTGRXML")[0]
    assert request.header("x-api-key") == API_KEY
    assert request.query == {
        "fileDataFromDate": ["2024-01-01"],
        "fileDataToDate": ["2024-01-31"],
        "includeFiles": ["true"],
    }


def test_parse_the_recorded_odp_product_response(samples_dir: Path) -> None:
    cassette = samples_dir / "uspto_odp/patent_client_v6/test_bulk_data_get_product.yaml"
    recorded = yaml.safe_load(cassette.read_text())["interactions"][0]["response"]["content"]
    [bulk_file] = parse_product_files(json.loads(recorded), "PTFWPRE")
    assert bulk_file == BulkFile(
        product="PTFWPRE",
        file_name="2011-2020-patent-filewrapper-full-json.zip",
        size=27890846828,
        from_date=dt.date(2011, 1, 1),
        to_date=dt.date(2020, 12, 31),
        released_at=dt.datetime(2025, 2, 17, 1, 41),
        download_uri=(
            "https://beta-api.uspto.gov/api/v1/datasets/products/files/PTFWPRE/"
            "2011-2020-patent-filewrapper-full-json.zip"
        ),
    )


def test_truncated_or_malformed_listings_are_rejected() -> None:
    product = {"productIdentifier": "PTGRXML", "productFileBag": {"count": 2, "fileDataBag": []}}
    with pytest.raises(InvalidResponse, match="says 2 files but returned 0"):
        parse_product_files({"bulkDataProductBag": [product]}, "PTGRXML")
    with pytest.raises(InvalidResponse, match="no bulkDataProductBag"):
        parse_product_files({"count": 0}, "PTGRXML")
    with pytest.raises(InvalidResponse, match="product not in the response"):
        parse_product_files({"bulkDataProductBag": [{"productIdentifier": "APPXML"}]}, "PTGRXML")
    bad_size = {
        "productIdentifier": "PTGRXML",
        "productFileBag": {"fileDataBag": [{"fileName": "ipg240102.zip", "fileSize": "big"}]},
    }
    with pytest.raises(InvalidResponse, match=r"ipg240102.zip: fileSize 'big'"):
        parse_product_files({"bulkDataProductBag": [bad_size]}, "PTGRXML")


def test_find_weekly_file(client: UsptoBulkClient) -> None:
    found = client.find_weekly_file("APPXML", APP_DAY)
    assert found.file_name == "ipa240104.zip" and found.product == "APPXML"


def test_find_weekly_file_not_published(client: UsptoBulkClient) -> None:
    with pytest.raises(FeedNotPublished) as caught:
        client.find_weekly_file("PTGRXML", dt.date(2024, 1, 16))
    message = str(caught.value)
    assert "ipg240116.zip" in message and "2024-01-16" in message
    assert "ipg240109.zip" in message  # what *was* listed nearby
    assert caught.value.feed == "us_grants"
    with pytest.raises(FeedNotPublished, match="Wednesday; us_grants is published on Tuesdays"):
        client.find_weekly_file("PTGRXML", dt.date(2024, 1, 3))


# -- download ----------------------------------------------------------------------------------


def test_download_follows_the_signed_redirect(
    client: UsptoBulkClient, odp: FakeOdp, tmp_path: Path, sleep: RecordingSleep
) -> None:
    bulk_file = client.find_weekly_file("PTGRXML", GRANT_DAY)
    result = client.download(bulk_file, tmp_path)
    content = odp.files["ipg240102.zip"].content
    assert result.path == tmp_path / "ipg240102.zip"
    assert result.path.read_bytes() == content
    assert result.sha256 == hashlib.sha256(content).hexdigest() and result.size == len(content)
    assert result.attempts == 1
    assert result.url.startswith(f"{odp.storage.base_url}/signed/ipg240102.zip?")
    assert "X-Amz-Signature=REDACTED" in result.url
    assert result.requested_url == f"{odp.base_url}{FILES_PREFIX}PTGRXML/2024/ipg240102.zip"
    assert odp.api.hits(FILES_PREFIX)[0].path.endswith("/PTGRXML/2024/ipg240102.zip")
    assert odp.storage.hits()[0].header("x-api-key") is None  # key not leaked to storage
    with zipfile.ZipFile(result.path) as archive:
        assert archive.namelist() == ["ipg240102.xml"]
    assert sleep.delays == [] and sleep.now == pytest.approx(1.0)  # 1 request/s budget


def test_a_retry_asks_for_a_fresh_signed_url(
    client: UsptoBulkClient, odp: FakeOdp, tmp_path: Path, sleep: RecordingSleep
) -> None:
    content = odp.files["ipa240104.zip"].content
    odp.script("storage", Answer(503), Answer(200, body=content, truncate_to=100))
    result = client.download(client.find_weekly_file("APPXML", APP_DAY), tmp_path)
    assert result.attempts == 3 and result.path.read_bytes() == content
    file_requests = odp.api.hits(FILES_PREFIX)
    assert len(file_requests) == 3  # every retry went back to the ODP file URL
    assert len(odp.used) == 3 and odp.used <= odp.issued  # three signatures, none re-used
    assert len(sleep.delays) == 2


def test_429_on_the_file_url_backs_off_at_least_5_seconds(
    client: UsptoBulkClient, odp: FakeOdp, tmp_path: Path, sleep: RecordingSleep
) -> None:
    odp.script(
        "file", Answer.json({"message": "Too Many Requests"}, 429, headers={"Retry-After": "1"})
    )
    odp.script(
        "file", Answer.json({"message": "Too Many Requests"}, 429, headers={"Retry-After": "12"})
    )
    result = client.download(client.find_weekly_file("PTGRXML", GRANT_DAY), tmp_path)
    assert result.attempts == 3
    assert sleep.delays == [5.0, 12.0]  # ODP asks for ≥5 s; a longer Retry-After wins


def test_listed_file_missing_on_download_is_a_404_naming_it(
    client: UsptoBulkClient, odp: FakeOdp, tmp_path: Path, sleep: RecordingSleep
) -> None:
    ghost = BulkFile("PTGRXML", "ipg240123.zip", 10, None, None, None, None)
    with pytest.raises(HttpStatusError) as caught:
        client.download(ghost, tmp_path)
    assert caught.value.status == 404 and sleep.delays == []
    assert "PTGRXML file ipg240123.zip" in str(caught.value)
    assert "not found on the USPTO Open Data Portal" in str(caught.value)
    assert len(odp.api.hits(FILES_PREFIX)) == 1
    assert odp.api.hits(FILES_PREFIX)[0].path == f"{FILES_PREFIX}PTGRXML/ipg240123.zip"
    assert list(tmp_path.iterdir()) == []


def test_wrong_key_is_rejected_with_a_clear_message_and_no_leak(
    odp: FakeOdp, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="patent_sync.acquisition")
    wrong = "odp-key-WRONG-123456789"
    with odp_http(sleep) as http:
        bulk = UsptoBulkClient(wrong, base_url=odp.base_url, http=http)
        with pytest.raises(HttpStatusError) as caught:
            bulk.find_weekly_file("PTGRXML", GRANT_DAY)
    assert caught.value.status == 403
    assert "API key rejected or still activating" in str(caught.value)
    assert "USPTO_ODP_API_KEY" in str(caught.value)
    assert len(odp.api.hits()) == 1 and sleep.delays == []  # not retried
    for text in (str(caught.value), repr(caught.value), caplog.text, repr(bulk)):
        assert wrong not in text


def test_no_key_gets_401_explained(odp: FakeOdp, sleep: RecordingSleep) -> None:
    with odp_http(sleep) as http, pytest.raises(HttpStatusError) as caught:
        http.get_json(f"{odp.base_url}/api/v1/datasets/products/PTGRXML", {"fileDataFromDate": "x"})
    assert caught.value.status == 401 and "no API key sent" in str(caught.value)


def test_empty_api_key_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="needs an API key"):
        UsptoBulkClient("  ")


def test_listed_uri_on_another_host_is_requested_from_base_url(
    client: UsptoBulkClient, odp: FakeOdp, tmp_path: Path
) -> None:
    odp.files[
        "ipg240109.zip"
    ].listed_uri = (
        "https://beta-api.uspto.gov/api/v1/datasets/products/files/PTGRXML/2024/ipg240109.zip"
    )
    bulk_file = client.find_weekly_file("PTGRXML", dt.date(2024, 1, 9))
    assert client.file_url(bulk_file) == f"{odp.base_url}{FILES_PREFIX}PTGRXML/2024/ipg240109.zip"
    assert client.download(bulk_file, tmp_path).size == len(odp.files["ipg240109.zip"].content)


def test_a_non_zip_body_is_rejected_and_removed(
    client: UsptoBulkClient, odp: FakeOdp, tmp_path: Path
) -> None:
    html = b"<html>Scheduled maintenance</html>"
    odp.files["ipg240102.zip"].listed_size = len(html)
    odp.script("storage", Answer(200, {"Content-Type": "text/html"}, html))
    with pytest.raises(InvalidResponse, match="not a zip file") as caught:
        client.download(client.find_weekly_file("PTGRXML", GRANT_DAY), tmp_path)
    assert "text/html" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_size_mismatch_with_listing_never_lands(
    client: UsptoBulkClient, odp: FakeOdp, tmp_path: Path
) -> None:
    odp.files["ipg240102.zip"].listed_size = 999_999_999
    with pytest.raises(RetriesExhausted, match="the listing says 999,999,999"):
        client.download(client.find_weekly_file("PTGRXML", GRANT_DAY), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_file_names_that_escape_the_destination_are_refused(
    client: UsptoBulkClient, tmp_path: Path
) -> None:
    evil = BulkFile("PTGRXML", "../ipg240102.zip", 1, None, None, None, None)
    with pytest.raises(InvalidResponse, match="not a plain file name"):
        client.download(evil, tmp_path)
