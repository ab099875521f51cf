"""EP Register procedural steps, dossier events and biblio against the recorded responses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from patent_sync.events import load_event_files, taxonomy
from patent_sync.events.ep_register import (
    SOURCE_BIBLIO,
    SOURCE_EVENTS,
    SOURCE_STEPS,
    parse_ep_register,
)

OPS = Path("epo_ops/patent-dev")


def _read(samples_dir: Path, endpoint: str) -> bytes:
    return (samples_dir / OPS / endpoint / "response.xml").read_bytes()


@pytest.fixture(scope="module")
def steps(samples_dir: Path):
    return parse_ep_register(_read(samples_dir, "get_register_procedural_steps"))


@pytest.fixture(scope="module")
def dossier(samples_dir: Path):
    return parse_ep_register(_read(samples_dir, "get_register_events"))


def test_renewal_fee_steps_carry_year_and_payment_date(steps) -> None:
    renewals = [e for e in steps.events if e.source_code == "RFEE:DATE_OF_PAYMENT"]
    assert len(renewals) == 8
    years = {int(dict(e.attributes)["year"]): e.event_date for e in renewals}
    assert years[3] == dt.date(2012, 6, 20)
    assert years[5] == dt.date(2014, 3, 31)
    assert years[10] == dt.date(2019, 6, 24)
    assert sorted(years) == list(range(3, 11))
    assert {e.event for e in renewals} == {taxonomy.EP_RENEWAL_FEE_PAID}
    assert {e.description for e in renewals} == {"Renewal fee payment"}
    assert dict(renewals[0].attributes)["step_id"] == "RENEWAL_52865823"


def test_examination_communications_carry_the_time_limit_and_reply(steps) -> None:
    dispatched = [e for e in steps.events if e.source_code == "EXRE:DATE_OF_DISPATCH"]
    assert [(e.event_date, dict(e.attributes)["period_months"]) for e in dispatched] == [
        (dt.date(2017, 2, 1), "4"),
        (dt.date(2018, 3, 15), "6"),
        (dt.date(2019, 1, 3), "4"),
    ]
    assert {e.event for e in dispatched} == {taxonomy.EP_EXAMINATION_REPORT}
    replies = [e for e in steps.events if e.source_code == "EXRE:DATE_OF_REPLY"]
    assert [e.event_date for e in replies] == [
        dt.date(2017, 6, 1),
        dt.date(2018, 8, 24),
        dt.date(2019, 5, 9),
    ]
    assert {e.event for e in replies} == {taxonomy.EP_REPLY_FILED}


def test_rule_71_3_step_and_its_completed_reply(steps) -> None:
    by_code = {e.source_code: e for e in steps.events}
    assert by_code["IGRA:DATE_OF_DISPATCH"].event == taxonomy.EP_R71_3_COMMUNICATION
    assert by_code["IGRA:DATE_OF_DISPATCH"].event_date == dt.date(2019, 6, 27)
    assert by_code["IGRA:REPLY"].event == taxonomy.EP_R71_3_REPLY_FILED
    assert by_code["IGRA:REPLY"].event_date == dt.date(2019, 10, 16)


def test_steps_without_dates_are_listed_not_dropped(steps) -> None:
    assert len(steps.undated) == 2
    assert any("PROL" in item for item in steps.undated)
    assert any("ISAT" in item for item in steps.undated)


def test_events_and_steps_are_keyed_by_publication_until_the_biblio_is_loaded(
    steps, dossier
) -> None:
    assert {e.application_key for e in steps.events} == {"EP-2400812"}
    assert {e.application_key for e in dossier.events} == {"EP-2400812"}
    assert any("names only the publication" in w for w in steps.warnings)


def test_dossier_events_with_gazette_and_mention_of_grant(dossier) -> None:
    events = [e for e in dossier.events if e.source == SOURCE_EVENTS]
    assert len(events) == 55
    grant = next(e for e in events if e.source_code == "0009210")
    assert grant.event == taxonomy.EP_GRANT_MENTIONED
    assert grant.event_date == dt.date(2019, 10, 25)
    attributes = dict(grant.attributes)
    assert attributes["gazette_num"] == "2019/48"
    assert attributes["gazette_date"] == "2019-11-27"
    assert attributes["trigger_date"] == "2019-11-27"  # Art. 97(3): the Bulletin date
    lapses = [e for e in events if e.source_code == "0009250"]
    assert len(lapses) == 22 and {e.event for e in lapses} == {taxonomy.EP_LAPSED_IN_STATE}
    recorded = next(e for e in events if e.source_code == "EPIDOSNEXR2")
    assert dict(recorded.attributes)["date_precision"] == "recorded"
    renewal = [e for e in events if e.source_code == "EPIDOSNRFE2"]
    assert len(renewal) == 8 and all("year" not in dict(e.attributes) for e in renewal)


def test_statuses_are_events(dossier) -> None:
    statuses = sorted(
        (e.event_date, e.source_code) for e in dossier.events if e.event == "ep_status_changed"
    )
    assert statuses == [
        (dt.date(2017, 2, 3), "STATUS:14"),
        (dt.date(2019, 6, 26), "STATUS:12"),
        (dt.date(2019, 10, 25), "STATUS:8"),
        (dt.date(2020, 10, 2), "STATUS:7"),
    ]


def test_biblio_gives_the_application_filing_and_grant(samples_dir: Path) -> None:
    parsed = parse_ep_register(_read(samples_dir, "get_register_biblio"))
    assert parsed.aliases == {"EP-2400812": "EP-10167109"}
    facts = parsed.facts["EP-10167109"]
    assert facts["filing_date"] == dt.date(2010, 6, 24)
    assert facts["euro_pct"] is False
    by_code = {e.source_code: e for e in parsed.events if e.source == SOURCE_BIBLIO}
    assert by_code["BIBLIO:FILING"].event == taxonomy.EP_FILED
    assert by_code["BIBLIO:FILING"].event_date == dt.date(2010, 6, 24)
    assert by_code["BIBLIO:PUBLICATION:B1"].event == taxonomy.EP_GRANT_MENTIONED
    assert by_code["BIBLIO:PUBLICATION:B1"].event_date == dt.date(2019, 11, 27)
    assert by_code["BIBLIO:SEARCH_REPORT_PUBLICATION"].event_date == dt.date(2011, 12, 28)
    assert by_code["BIBLIO:REQUEST_FOR_EXAMINATION"].event_date == dt.date(2012, 6, 6)
    assert by_code["BIBLIO:OPPOSITION_NOT_FILED"].event_date == dt.date(2020, 8, 28)


def test_loading_all_register_files_rekeys_by_application(samples_dir: Path) -> None:
    paths = [
        samples_dir / OPS / name / "response.xml"
        for name in ("get_register_procedural_steps", "get_register_events", "get_register_biblio")
    ]
    batch = load_event_files(paths)
    assert {e.application_key for e in batch.events} == {"EP-10167109"}
    assert not batch.warnings  # the publication-key warning is resolved
    # the four statuses appear in all three responses but are one set of events
    assert sum(1 for e in batch.events if e.event == "ep_status_changed") == 4
    assert sum(1 for e in batch.events if e.source == SOURCE_STEPS) == 28 - 4


def test_prefixes_do_not_matter_only_namespaces(samples_dir: Path) -> None:
    data = _read(samples_dir, "get_register_procedural_steps")
    renamed = data.replace(b"ns3:", b"reg:").replace(b"xmlns:ns3=", b"xmlns:reg=")
    assert renamed != data
    original = parse_ep_register(data).events
    again = parse_ep_register(renamed).events
    assert [(e.source_code, e.event_date) for e in again] == [
        (e.source_code, e.event_date) for e in original
    ]
