"""The USPTO ODP file wrapper client against a local server replaying the recorded responses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from patent_sync.acquisition.errors import AcquisitionError, HttpStatusError, RetriesExhausted
from patent_sync.acquisition.http import AttemptEvent
from patent_sync.acquisition.uspto_odp import (
    MIN_BACKOFF_AFTER_429,
    UsptoOdpClient,
    default_odp_api_http,
)
from patent_sync.resources import UsptoOdpResource
from patent_sync_tests.fake_odp_api_server import FakeOdpApi, filed, load_samples
from patent_sync_tests.fake_odp_server import Answer

KEY = "odp-test-key-5f0c2a9e"
FAST = {"backoff_after_429": 0.05, "requests_per_second": 500.0}


@pytest.fixture
def api(samples_dir: Path) -> Iterator[FakeOdpApi]:
    server = FakeOdpApi(KEY)
    load_samples(server, samples_dir)
    with server:
        yield server


def _client(api: FakeOdpApi, key: str = KEY, **kwargs: object) -> UsptoOdpClient:
    http = default_odp_api_http(**FAST)  # type: ignore[arg-type]
    return UsptoOdpClient(key, api.base_url, http=http, **kwargs)  # type: ignore[arg-type]


def test_transactions_are_saved_byte_for_byte_with_the_key_in_the_header(
    api: FakeOdpApi, samples_dir: Path, tmp_path: Path
) -> None:
    recorded = (
        samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json"
    ).read_bytes()
    with _client(api) as client:
        result = client.download("17248024", "transactions", tmp_path / "t.json")
        rows = client.transactions("17248024")["eventDataBag"]
    assert result.path.read_bytes() == recorded
    assert len(rows) == 61 and rows[0]["eventCode"] == "EML_NTR"
    [first, _] = api.hits("17248024", "transactions")
    assert first.header("x-api-key") == KEY


def test_metadata_and_continuity_of_recorded_applications(api: FakeOdpApi) -> None:
    with _client(api) as client:
        meta = client.metadata("15123456")["applicationMetaData"]
        continuity = client.continuity("17248024")
    assert meta["applicationStatusDescriptionText"].startswith("Abandoned")
    assert meta["applicationStatusDate"] == "2018-10-02"
    assert continuity["parentContinuityBag"][0]["parentApplicationNumberText"] == "16695054"


def test_probe_asks_once_for_many_applications_and_gives_markers(api: FakeOdpApi) -> None:
    with _client(api) as client:
        statuses = client.probe(["16123456", "14230558", "15123456", "19999999"])
    [search] = api.searches()
    assert search.query["q"] == [
        "applicationNumberText:(16123456 OR 14230558 OR 15123456 OR 19999999)"
    ]
    assert "lastIngestionDateTime" in search.query["fields"][0]
    assert set(statuses) == {"16123456", "14230558", "15123456"}  # 19999999: not at the ODP
    granted = statuses["16123456"]
    assert (granted.status_code, granted.status_date) == (150, dt.date(2021, 1, 6))
    assert granted.complete and "2025-02-14T08:02:09" in granted.marker
    # The meta-data recording carries no ingestion time: a same marker would prove nothing.
    assert not statuses["15123456"].complete


def test_search_splits_by_filing_date_past_the_result_cap(api: FakeOdpApi) -> None:
    template = api.applications["16123456"]
    start = dt.date(2020, 1, 6)
    for i in range(13):
        api.add(filed(template, f"{18000000 + i}", start + dt.timedelta(days=29 * i)))
    api.result_cap = 5
    with _client(api, result_cap=5, page_size=2) as client:
        found = [
            w["applicationNumberText"]
            for w in client.search(
                "*",
                fields=["applicationNumberText", "applicationMetaData.filingDate"],
                filed_from=dt.date(2020, 1, 1),
                filed_to=dt.date(2020, 12, 31),
            )
        ]
    assert sorted(found) == [f"{18000000 + i}" for i in range(13)]  # each once, none lost
    windows = {r.query["rangeFilters"][0] for r in api.searches()}
    assert len(windows) > 3  # split more than once
    assert all(int(r.query["offset"][0]) + int(r.query["limit"][0]) <= 5 for r in api.searches())


def test_a_single_day_over_the_cap_is_an_error_not_a_truncation(api: FakeOdpApi) -> None:
    template = api.applications["16123456"]
    for i in range(4):
        api.add(filed(template, f"{18100000 + i}", dt.date(2020, 5, 5)))
    api.result_cap = 3
    with _client(api, result_cap=3, page_size=1) as client, pytest.raises(AcquisitionError) as exc:
        list(client.search("*", filed_from=dt.date(2020, 5, 1), filed_to=dt.date(2020, 5, 9)))
    assert "filed on 2020-05-05 alone" in str(exc.value) and "\n" not in str(exc.value)


def test_401_says_to_set_the_key_naming_the_application(api: FakeOdpApi) -> None:
    api.script("17248024", Answer.json({"message": "Unauthorized"}, status=401))
    with _client(api) as client, pytest.raises(HttpStatusError) as exc:
        client.transactions("17248024")
    message = str(exc.value)
    assert exc.value.status == 401 and "\n" not in message
    assert "US application 17248024" in message and "USPTO_ODP_API_KEY" in message


def test_403_names_a_wrong_or_inactive_key_and_never_shows_it(api: FakeOdpApi) -> None:
    with _client(api, key="not-the-key-7731") as client, pytest.raises(HttpStatusError) as exc:
        client.metadata("16123456")
    message = str(exc.value)
    assert exc.value.status == 403 and "\n" not in message
    assert "US application 16123456" in message
    assert "wrong" in message and "not yet active" in message and "path" in message
    assert "not-the-key-7731" not in message


def test_404_names_the_application_and_the_2001_coverage(api: FakeOdpApi) -> None:
    with _client(api) as client, pytest.raises(HttpStatusError) as exc:
        client.transactions("09876543")
    message = str(exc.value)
    assert exc.value.status == 404 and "\n" not in message
    assert "no application 09876543" in message and "filed in 2001" in message
    assert KEY not in message


def test_429_backs_off_then_succeeds(api: FakeOdpApi) -> None:
    busy = Answer.json({"message": "Too Many Requests"}, status=429)
    api.script("15123456", busy, busy)
    attempts: list[AttemptEvent] = []
    http = default_odp_api_http(on_attempt=attempts.append, **FAST)
    with UsptoOdpClient(KEY, api.base_url, http=http) as client:
        rows = client.transactions("15123456")["eventDataBag"]
    assert len(rows) == 43
    assert [a.status for a in attempts] == [429, 429, 200]
    assert all(a.retry_in is not None and a.retry_in >= 0.05 for a in attempts[:2])


def test_429_that_persists_gives_up_with_one_line(api: FakeOdpApi) -> None:
    api.script("15123456", *[Answer.json({"message": "Too Many Requests"}, status=429)] * 5)
    with _client(api) as client, pytest.raises(RetriesExhausted) as exc:
        client.transactions("15123456")
    assert "HTTP 429" in str(exc.value) and "\n" not in str(exc.value)


def test_the_default_backoff_after_429_is_at_least_five_seconds() -> None:
    assert MIN_BACKOFF_AFTER_429 >= 5.0
    assert default_odp_api_http().retry.min_delay_after_429 >= 5.0
    assert UsptoOdpResource(api_key="k").backoff_after_429 >= 5.0
    budget = default_odp_api_http().budget
    assert budget is not None and budget.single_flight  # one request at a time per key


def test_a_response_about_another_application_is_refused(api: FakeOdpApi, tmp_path: Path) -> None:
    other = json.dumps(
        {"count": 1, "patentFileWrapperDataBag": [{"applicationNumberText": "11111111"}]}
    )
    api.script("16123456", Answer(status=200, headers={"Content-Type": "application/json"},
                                  body=other.encode()))  # fmt: skip
    with _client(api) as client, pytest.raises(AcquisitionError) as exc:
        client.download("16123456", "transactions", tmp_path / "t.json")
    assert "not 16123456" in str(exc.value)
    assert not (tmp_path / "t.json").exists()


def test_missing_key_is_refused_before_any_request() -> None:
    with pytest.raises(ValueError, match="USPTO_ODP_API_KEY"):
        UsptoOdpClient("  ")
