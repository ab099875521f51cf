"""EPO BDDS client: login, delivery listing, verified downloads, and no leaked credentials.

The EPO login and the BDDS API are played by a real HTTP server on 127.0.0.1
(``fake_bdds_server.FakeBdds``) speaking the recorded shapes: an Okta password-grant token
POST, the product listing of ``big_marhsall.json`` and the per-file download URL.
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

from patent_sync.acquisition.epo_bdds import (
    ENV_PASSWORD,
    ENV_USERNAME,
    BddsAuthError,
    ChecksumMismatch,
    EpoBddsClient,
    credentials_from_env,
    parse_product_deliveries,
    parse_size_label,
)
from patent_sync.acquisition.epo_docdb_files import (
    delivery_file_name,
    delivery_file_prefix,
    delivery_label,
    parse_delivery_name,
    publication_date_of,
)
from patent_sync.acquisition.errors import FeedNotPublished
from patent_sync.acquisition.http import (
    HttpClient,
    HttpStatusError,
    RateBudget,
    RetriesExhausted,
    RetryPolicy,
    Timeouts,
)
from patent_sync_tests.fake_bdds_server import FakeBdds, HostedDelivery
from patent_sync_tests.fake_odp_server import Answer

USERNAME = "docket.clerk@example.org"
PASSWORD = "s3cret-Pa55word-2b7c9e"
AMEND_DAY = dt.date(2026, 11, 17)
CRDEL_DAY = dt.date(2026, 11, 19)


def small_zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"Root/DOC/{name}", text)
    return buffer.getvalue()


class RecordingSleep:
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
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def bdds() -> Iterator[FakeBdds]:
    with FakeBdds(USERNAME, PASSWORD) as fake:
        prefix = "14.7 DOCDB - EPO worldwide bibliographic data"
        fake.deliveries = [
            HostedDelivery(
                1601,
                f"{prefix} {delivery_label('Amend', AMEND_DAY)}",
                "2026-11-17T09:00:00+01:00",
                [
                    (
                        7001,
                        delivery_file_name("Amend", AMEND_DAY, 1),
                        small_zip("a1.xml", "a" * 900),
                    ),
                    (
                        7002,
                        delivery_file_name("Amend", AMEND_DAY, 2),
                        small_zip("a2.xml", "b" * 700),
                    ),
                ],
            ),
            HostedDelivery(
                1602,
                f"{prefix} {delivery_label('CreateDelete', CRDEL_DAY)}",
                "2026-11-19T09:00:00+01:00",
                [
                    (7010, "Front-file_Bibliographic_Coherence_2026_46.csv", b"a;b\n"),
                    (
                        7011,
                        delivery_file_name("CreateDelete", CRDEL_DAY, 1),
                        small_zip("c.xml", "c"),
                    ),
                ],
            ),
            HostedDelivery(
                1500,
                "14.7 DOCDB in XML - Notifications",
                "2022-11-21T16:15:00+01:00",
                [
                    (6000, "20240207_HU_rekey_week10.zip", small_zip("n.txt", "n")),
                ],
            ),
        ]
        yield fake


def bdds_http(sleep: RecordingSleep, *, max_attempts: int = 4) -> HttpClient:
    return HttpClient(
        source="epo_bdds",
        retry=RetryPolicy(
            max_attempts=max_attempts,
            base_delay=1.0,
            max_delay=60.0,
            jitter=0.0,
            min_delay_after_429=5.0,
        ),
        budget=RateBudget(
            requests=1,
            per_seconds=2.0,
            single_flight=True,
            clock=sleep.clock,
            sleep=sleep.budget_sleep,
        ),
        timeouts=Timeouts(connect=2, read=2, write=2, pool=2),
        sleep=sleep,
        rng=random.Random(3),
    )


@pytest.fixture
def client(bdds: FakeBdds, sleep: RecordingSleep) -> Iterator[EpoBddsClient]:
    with (
        bdds_http(sleep) as http,
        EpoBddsClient(
            USERNAME,
            PASSWORD,
            base_url=bdds.base_url,
            token_url=bdds.token_url,
            http=http,
            clock=sleep.clock,
            sleep=sleep,
            rng=random.Random(1),
        ) as bdds_client,
    ):
        yield bdds_client


# -- file names --------------------------------------------------------------------------------


def test_file_names_and_labels_follow_the_iso_week() -> None:
    assert delivery_file_prefix("Amend", dt.date(2024, 3, 12)) == "docdb_xml_202411_Amend_"
    assert delivery_file_prefix("CreateDelete", dt.date(2024, 3, 7)) == (
        "docdb_xml_202410_CreateDelete_"
    )
    assert publication_date_of("docdb_xml_202411_Amend_002.zip", "Amend") == dt.date(2024, 3, 12)
    assert publication_date_of("docdb_xml_202410_CreateDelete_001.zip", "CreateDelete") == (
        dt.date(2024, 3, 7)
    )
    assert publication_date_of("docdb_xml_202410_CreateDelete_001.zip", "Amend") is None
    assert publication_date_of("docdb_xml_202453_Amend_001.zip", "Amend") is None  # no W53
    assert publication_date_of("Front-file_Bibliographic_Coherence_2024_09.csv", "Amend") is None
    # ISO year, not calendar year: Tuesday 2024-12-31 is in 2025-W01.
    assert delivery_file_prefix("Amend", dt.date(2024, 12, 31)) == "docdb_xml_202501_Amend_"
    assert delivery_label("CreateDelete", dt.date(2024, 3, 7)) == "2024/010 Cr-Del"
    assert parse_delivery_name("14.7 DOCDB - EPO worldwide bibliographic data 2024/011 Amend") == (
        "Amend",
        dt.date(2024, 3, 12),
    )
    assert parse_delivery_name("14.7 DOCDB in XML - Notifications") is None
    with pytest.raises(ValueError, match="unknown DOCDB delivery kind"):
        delivery_file_prefix("Cr-Del", dt.date(2024, 3, 7))


def test_the_recorded_product_response_parses(samples_dir: Path) -> None:
    payload = json.loads((samples_dir / "epo_docdb" / "big_marhsall.json").read_text())
    deliveries = parse_product_deliveries(payload, "3")
    amend = next(d for d in deliveries if d.name.endswith("2024/011 Amend"))
    assert (amend.kind, amend.publication_date, amend.delivery_id) == (
        "Amend",
        dt.date(2024, 3, 12),
        1536,
    )
    assert [f.file_name for f in amend.docdb_files()] == [
        "docdb_xml_202411_Amend_001.zip",
        "docdb_xml_202411_Amend_002.zip",
    ]
    assert amend.files[0].sha1 == "291B80261D3CDE23AE31A6AFE2D4C136A286E6E3"
    assert amend.files[0].published_at is None  # 0001-01-01 means "not given"
    assert amend.published_at == dt.datetime.fromisoformat("2024-03-12T09:00:00+01:00")
    crdel = next(d for d in deliveries if d.name.endswith("2024/010 Cr-Del"))
    assert crdel.publication_date == dt.date(2024, 3, 7)
    assert [f.file_name for f in crdel.docdb_files()] == ["docdb_xml_202410_CreateDelete_001.zip"]
    notifications = [d for d in deliveries if d.kind is None]
    assert [d.name for d in notifications] == ["14.7 DOCDB in XML - Notifications"]
    for delivery in deliveries:
        if delivery.kind is not None:  # every week's name agrees with its publication date
            assert delivery.published_at is not None
            assert delivery.publication_date == delivery.published_at.date()
    assert parse_size_label("2.0 GB") == 2 << 30 and parse_size_label("huge") is None


# -- listing and login --------------------------------------------------------------------------


def test_find_delivery_signs_in_and_lists(client: EpoBddsClient, bdds: FakeBdds) -> None:
    delivery = client.find_delivery("Amend", AMEND_DAY)
    assert delivery.delivery_id == 1601 and delivery.kind == "Amend"
    [token_request] = bdds.hits("/oauth2")
    assert token_request.method == "POST"
    form = {k: v for k, v in (p.split("=", 1) for p in bdds.bodies[0].decode().split("&"))}
    assert form["grant_type"] == "password" and form["scope"] == "openid"
    listing = bdds.hits("/bdds/bdds-bff-service/prod/api/products/3")[0]
    assert (listing.header("authorization") or "").startswith("Bearer ")
    # A second call re-uses the token.
    client.find_delivery("CreateDelete", CRDEL_DAY)
    assert len(bdds.hits("/oauth2")) == 1


def test_find_delivery_not_published_names_what_is_listed(client: EpoBddsClient) -> None:
    with pytest.raises(FeedNotPublished) as caught:
        client.find_delivery("Amend", dt.date(2026, 11, 24))
    message = str(caught.value)
    assert "2026/048 Amend" in message and "2026/047 Amend" in message
    assert caught.value.feed == "DOCDB Amend"


def test_expired_token_is_renewed_on_401(
    client: EpoBddsClient, bdds: FakeBdds, sleep: RecordingSleep
) -> None:
    client.list_deliveries()
    bdds.revoke_tokens()  # the service forgets the token, as when it expires mid-week
    assert len(client.list_deliveries()) == 3
    assert len(bdds.hits("/oauth2")) == 2
    sleep.now += 4000  # past expires_in: renewed before asking, without a 401
    client.list_deliveries()
    assert len(bdds.hits("/oauth2")) == 3


# -- downloads ----------------------------------------------------------------------------------


def test_download_delivery_verifies_sha1_and_returns_each_file(
    client: EpoBddsClient, bdds: FakeBdds, tmp_path: Path
) -> None:
    delivery = client.find_delivery("Amend", AMEND_DAY)
    results = client.download_delivery(delivery, tmp_path)
    hosted = bdds.deliveries[0].files
    assert [r.path.name for r in results] == [hosted[0][1], hosted[1][1]]
    for result, (_, _, content) in zip(results, hosted, strict=True):
        assert result.path.read_bytes() == content
        assert result.sha256 == hashlib.sha256(content).hexdigest()
        assert result.sha1 == hashlib.sha1(content).hexdigest().upper()
        assert result.size == len(content) and result.attempts == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(r.path.name for r in results)
    paths = [r.path for r in bdds.hits("/bdds") if r.path.endswith("/download")]
    assert paths == [
        "/bdds/bdds-bff-service/prod/api/products/3/delivery/1601/file/7001/download",
        "/bdds/bdds-bff-service/prod/api/products/3/delivery/1601/file/7002/download",
    ]


def test_create_delete_skips_the_coherence_csv(client: EpoBddsClient, tmp_path: Path) -> None:
    delivery = client.find_delivery("CreateDelete", CRDEL_DAY)
    results = client.download_delivery(delivery, tmp_path)
    assert [r.path.name for r in results] == ["docdb_xml_202647_CreateDelete_001.zip"]


def test_checksum_mismatch_is_refused_and_nothing_is_kept(
    client: EpoBddsClient, bdds: FakeBdds, tmp_path: Path
) -> None:
    second = bdds.deliveries[0].files[1][1]
    bdds.deliveries[0].checksums[second] = "0" * 40
    delivery = client.find_delivery("Amend", AMEND_DAY)
    with pytest.raises(ChecksumMismatch) as caught:
        client.download_delivery(delivery, tmp_path)
    assert second in str(caught.value) and "0" * 40 in str(caught.value)
    assert caught.value.actual == hashlib.sha1(bdds.deliveries[0].files[1][2]).hexdigest().upper()
    assert list(tmp_path.iterdir()) == []  # the first, good file was removed again too


def test_429_with_retry_after_and_503_are_retried(
    client: EpoBddsClient, bdds: FakeBdds, tmp_path: Path, sleep: RecordingSleep
) -> None:
    bdds.script(
        "download",
        Answer.json({"error": "Too Many Requests"}, 429, headers={"Retry-After": "12"}),
        Answer(503, body=b"Service Unavailable"),
    )
    delivery = client.find_delivery("Amend", AMEND_DAY)
    result = client.download_file(delivery, delivery.docdb_files()[0], tmp_path)
    assert result.attempts == 3
    assert sleep.delays[0] == 12.0 and len(sleep.delays) == 2


def test_persistent_503_gives_up(client: EpoBddsClient, bdds: FakeBdds, tmp_path: Path) -> None:
    bdds.script("listing", *[Answer(503, body=b"down")] * 4)
    with pytest.raises(RetriesExhausted, match="gave up after 4 attempts"):
        client.list_deliveries()


def test_login_429_is_retried(client: EpoBddsClient, bdds: FakeBdds, sleep: RecordingSleep) -> None:
    bdds.script("token", Answer.json({"error": "slow down"}, 429, headers={"Retry-After": "7"}))
    client.list_deliveries()
    assert sleep.delays == [7.0]


def test_wrong_password_is_a_clear_error_without_the_secret(
    bdds: FakeBdds, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="patent_sync.acquisition")
    wrong = "WRONG-pa55word-91x7"
    with bdds_http(sleep) as http:
        bdds_client = EpoBddsClient(
            USERNAME,
            wrong,
            base_url=bdds.base_url,
            token_url=bdds.token_url,
            http=http,
            sleep=sleep,
        )
        with pytest.raises(BddsAuthError) as caught:
            bdds_client.find_delivery("Amend", AMEND_DAY)
        bdds_client.close()
    assert "HTTP 400" in str(caught.value) and ENV_PASSWORD in str(caught.value)
    assert sleep.delays == []  # a refused login is not retried
    for text in (str(caught.value), repr(caught.value), caplog.text, repr(bdds_client)):
        assert wrong not in text


def test_401_from_the_api_twice_is_explained_and_nothing_leaks(
    client: EpoBddsClient, bdds: FakeBdds, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="patent_sync.acquisition")
    unauthorized = Answer.json({"error": "Unauthorized"}, 401)
    bdds.script("listing", unauthorized, unauthorized)
    with pytest.raises(HttpStatusError) as caught:
        client.list_deliveries()
    assert caught.value.status == 401
    assert "not signed in to the EPO Bulk Data Distribution Service" in str(caught.value)
    tokens = set(bdds.tokens)
    assert len(tokens) == 2
    for text in (str(caught.value), repr(caught.value), caplog.text, repr(client)):
        assert PASSWORD not in text
        for token in tokens:
            assert token not in text


def test_credentials_come_from_the_environment() -> None:
    assert credentials_from_env({ENV_USERNAME: " u ", ENV_PASSWORD: "p"}) == ("u", "p")
    with pytest.raises(BddsAuthError, match=f"set {ENV_USERNAME} and {ENV_PASSWORD}"):
        credentials_from_env({})
    with pytest.raises(BddsAuthError, match="needs an EPO login"):
        EpoBddsClient(" ", "")
