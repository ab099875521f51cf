"""USPTO ODP transaction parsing against the recorded responses, field by field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from patent_sync.events import EventParseError, taxonomy
from patent_sync.events.uspto_odp import SOURCE, parse_odp_transactions


def cassette_body(path: Path, index: int) -> str:
    """The JSON body of interaction ``index`` of a vcrpy cassette."""
    cassette = yaml.safe_load(path.read_text())
    return cassette["interactions"][index]["response"]["content"]


@pytest.fixture(scope="module")
def app_17248024(samples_dir: Path):
    path = samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json"
    return parse_odp_transactions(path.read_bytes())


@pytest.fixture(scope="module")
def app_15123456(samples_dir: Path):
    path = samples_dir / "uspto_odp/patent_client_v6/test_get_transactions.yaml"
    return parse_odp_transactions(cassette_body(path, 0))


def test_every_row_of_17248024_becomes_an_event(app_17248024) -> None:
    events = app_17248024.events
    assert len(events) == 61
    assert {e.application_key for e in events} == {"US-17248024"}
    assert {e.jurisdiction for e in events} == {"US"}
    assert {e.source for e in events} == {SOURCE}
    first = events[0]
    assert (first.source_code, first.event_date, first.description) == (
        "EML_NTR",
        dt.date(2023, 10, 3),
        "Email Notification",
    )
    assert len({e.payload_sha256 for e in events}) == 1 and len(first.payload_sha256) == 64


def test_17248024_allowance_and_grant_codes_map_to_canonical_names(app_17248024) -> None:
    by_code = {e.source_code: e for e in app_17248024.events}
    assert by_code["MN/=."].event == taxonomy.NOTICE_OF_ALLOWANCE
    assert by_code["MN/=."].event_date == dt.date(2023, 1, 3)
    assert by_code["N/=."].event == taxonomy.NOTICE_OF_ALLOWANCE_WRITTEN
    assert by_code["IFEE"].event == taxonomy.ISSUE_FEE_PAID
    assert by_code["IFEE"].event_date == dt.date(2023, 3, 30)
    assert by_code["PGM/"].event == taxonomy.PATENT_GRANTED
    assert by_code["PGM/"].event_date == dt.date(2023, 5, 9)
    assert by_code["MC/N="].event == taxonomy.NOTICE_OF_ALLOWANCE_CORRECTED


def test_15123456_mail_and_written_office_action_are_distinct(app_15123456) -> None:
    by_code = {e.source_code: e for e in app_15123456.events}
    assert by_code["CTNF"].event == taxonomy.OFFICE_ACTION_NON_FINAL_WRITTEN
    assert by_code["CTNF"].event_date == dt.date(2018, 2, 28)
    assert by_code["MCTNF"].event == taxonomy.OFFICE_ACTION_NON_FINAL
    assert by_code["MCTNF"].event_date == dt.date(2018, 3, 14)
    assert by_code["MCTNF"].description == "Mail Non-Final Rejection"
    assert by_code["ABN2"].event == taxonomy.ABANDONED
    assert by_code["ABN2"].event_date == dt.date(2018, 10, 2)
    assert by_code["MABN2"].event == taxonomy.ABANDONED


def test_exact_duplicates_are_kept_with_an_occurrence_counter(app_15123456) -> None:
    events = app_15123456.events
    assert len(events) == 43
    idsc = [e for e in events if e.source_code == "IDSC" and e.event_date == dt.date(2018, 2, 28)]
    assert [e.occurrence for e in idsc] == [1, 2]
    m844 = [e for e in events if e.source_code == "M844" and e.event_date == dt.date(2017, 11, 8)]
    assert [e.occurrence for e in m844] == [1, 2]
    keys = {(e.source_code, e.event_date, e.description, e.occurrence) for e in events}
    assert len(keys) == len(events)  # the occurrence makes every event distinct


def test_occurrence_is_by_content_not_position(samples_dir: Path) -> None:
    path = samples_dir / "uspto_odp/patent_client_v6/test_get_transactions.yaml"
    document = json.loads(cassette_body(path, 0))
    document["patentFileWrapperDataBag"][0]["eventDataBag"].reverse()
    forward = parse_odp_transactions(cassette_body(path, 0)).events
    backward = parse_odp_transactions(json.dumps(document)).events

    def identities(events):
        return sorted((e.source_code, e.event_date, e.description, e.occurrence) for e in events)

    assert identities(forward) == identities(backward)


def test_full_record_facts_and_maintenance_stage(samples_dir: Path) -> None:
    path = samples_dir / "uspto_odp/patent_client_v6/test_get_one_app.yaml"
    parsed = parse_odp_transactions(cassette_body(path, 2))
    assert len(parsed.events) == 58
    facts = parsed.facts["US-16123456"]
    assert facts["grant_date"] == dt.date(2021, 1, 26)
    assert facts["filing_date"] == dt.date(2018, 9, 6)
    assert facts["patent_number"] == "10902286"
    assert facts["application_type"] == "UTL"
    fee = next(e for e in parsed.events if e.source_code == "M1551")
    assert fee.event == taxonomy.MAINTENANCE_FEE_PAID
    assert dict(fee.attributes) == {"stage": "3.5"}
    assert fee.event_date == dt.date(2024, 7, 10)


def test_unknown_code_is_kept_as_other() -> None:
    body = {
        "count": 1,
        "patentFileWrapperDataBag": [
            {
                "applicationNumberText": "99999999",
                "eventDataBag": [
                    {"eventCode": "ZZZ9", "eventDate": "2024-01-02", "eventDescriptionText": "?"}
                ],
            }
        ],
    }
    (event,) = parse_odp_transactions(json.dumps(body)).events
    assert event.event == taxonomy.OTHER and event.source_code == "ZZZ9"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[1, 2", "not JSON"),
        ('{"results": []}', "not a USPTO ODP response"),
        ('{"patentFileWrapperDataBag": [{"eventDataBag": []}]}', "no applicationNumberText"),
        (
            '{"patentFileWrapperDataBag": [{"applicationNumberText": "1", "eventDataBag": '
            '[{"eventCode": "CTNF", "eventDate": "03/14/2018"}]}]}',
            "is not a date",
        ),
        (
            '{"patentFileWrapperDataBag": [{"applicationNumberText": "1", "eventDataBag": '
            '[{"eventDate": "2018-03-14"}]}]}',
            "has no eventCode",
        ),
    ],
)
def test_malformed_responses_fail_with_a_clear_message(body: str, message: str) -> None:
    with pytest.raises(EventParseError, match=message):
        parse_odp_transactions(body)
