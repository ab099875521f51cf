"""The docket engine on real histories (exact dates) and on the close/supersede semantics."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest
import yaml

from patent_sync.docket.engine import (
    CLOSED,
    OPEN,
    SUPERSEDED,
    build_docket,
    entry_key,
    evaluate_docket,
)
from patent_sync.events import load_event_files, taxonomy
from patent_sync.events.uspto_odp import parse_odp_transactions
from patent_sync.model import DocketEntry, Event

D = dt.date
OPS = Path("epo_ops/patent-dev")
AS_OF = D(2025, 9, 1)


def ev(key: str, code: str, when: str, name: str, description: str = "", **attrs: str) -> Event:
    return Event(
        application_key=key,
        jurisdiction=key[:2],
        source_code=code,
        event=name,
        event_date=D.fromisoformat(when),
        description=description or code,
        source="uspto.odp.transactions"
        if key.startswith("US")
        else "epo.register.procedural_steps",
        attributes=tuple(sorted(attrs.items())),
    )


def pick(entries, rule: str, **params: str) -> DocketEntry:
    found = [
        e
        for e in entries
        if e.rule == rule and all(dict(e.params).get(k) == v for k, v in params.items())
    ]
    assert len(found) == 1, (rule, params, found)
    return found[0]


def odp_cassette(samples_dir: Path, name: str, index: int):
    path = samples_dir / "uspto_odp/patent_client_v6" / name
    body = yaml.safe_load(path.read_text())["interactions"][index]["response"]["content"]
    return parse_odp_transactions(body)


# --- real histories ----------------------------------------------------------------------------


def test_17248024_issue_fee_closed_and_three_maintenance_fees(samples_dir: Path) -> None:
    batch = load_event_files(
        [samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json"]
    )
    entries = build_docket(batch.events, matter_facts=batch.facts, as_of=AS_OF)
    assert [e.rule for e in entries].count("us.oa_reply") == 0  # this history has no action
    issue = pick(entries, "us.issue_fee")
    assert (issue.trigger_date, issue.due_date, issue.final_date) == (
        D(2023, 1, 3),
        D(2023, 4, 3),
        None,
    )
    assert (issue.status, issue.status_reason) == (CLOSED, "issue fee paid 2023-03-30")
    assert issue.extendable is False
    expected = {
        "3.5": (D(2026, 11, 9), D(2027, 5, 10)),
        "7.5": (D(2030, 11, 12), D(2031, 5, 9)),  # Sat 9 Nov, Mon 11 Nov Veterans Day
        "11.5": (D(2034, 11, 9), D(2035, 5, 9)),
    }
    for stage, (due, final) in expected.items():
        fee = pick(entries, "us.maintenance_fee", stage=stage)
        assert (fee.trigger_date, fee.due_date, fee.final_date) == (D(2023, 5, 9), due, final)
        assert fee.status == OPEN
        assert "41(b)" in fee.citation


def test_15123456_reply_entry_from_mailing_closed_by_abandonment(samples_dir: Path) -> None:
    parsed = odp_cassette(samples_dir, "test_get_transactions.yaml", 0)
    result = evaluate_docket(parsed.events, matter_facts=parsed.facts, as_of=AS_OF)
    (reply,) = result.entries  # CTNF and MCTNF are one action: one entry
    assert reply.rule == "us.oa_reply"
    assert reply.trigger_date == D(2018, 3, 14)  # MCTNF, not CTNF 2018-02-28
    assert "MCTNF" in reply.trigger_event
    assert (reply.due_date, reply.final_date, reply.extendable) == (
        D(2018, 6, 14),
        D(2018, 9, 14),
        True,
    )
    assert reply.status == CLOSED
    assert reply.status_reason.startswith("closed: Aband. for Failure to Respond")
    assert "2018-10-02" in reply.status_reason and "ABN2" in reply.status_reason
    assert any("mailing date" in line for line in reply.explanation)
    assert result.unhandled_events == () and result.unknown_codes == ()


def test_16123456_reply_allowance_grant_and_one_fee_paid(samples_dir: Path) -> None:
    parsed = odp_cassette(samples_dir, "test_get_one_app.yaml", 2)
    entries = build_docket(parsed.events, matter_facts=parsed.facts, as_of=AS_OF)
    reply = pick(entries, "us.oa_reply")
    assert (reply.trigger_date, reply.due_date, reply.final_date) == (
        D(2020, 3, 27),
        D(2020, 6, 29),  # 27 June 2020 was a Saturday
        D(2020, 9, 28),
    )
    assert reply.status_reason.startswith("reply filed 2020-06-26 (A...")
    issue = pick(entries, "us.issue_fee")
    assert (issue.due_date, issue.status) == (D(2020, 12, 23), CLOSED)
    first = pick(entries, "us.maintenance_fee", stage="3.5")
    assert (first.due_date, first.final_date, first.status) == (
        D(2024, 7, 26),
        D(2025, 1, 27),
        CLOSED,
    )
    assert "M1551" in first.status_reason and "2024-07-10" in first.status_reason
    assert pick(entries, "us.maintenance_fee", stage="7.5").status == OPEN
    assert pick(entries, "us.maintenance_fee", stage="11.5").due_date == D(2032, 7, 26)


@pytest.fixture(scope="module")
def ep_docket(samples_dir: Path):
    names = (
        "get_register_procedural_steps",
        "get_register_events",
        "get_register_biblio",
        "get_legal",
    )
    batch = load_event_files([samples_dir / OPS / n / "response.xml" for n in names])
    return evaluate_docket(batch.events, matter_facts=batch.facts, as_of=AS_OF)


def test_ep2400812_renewal_fees_paid_then_national_after_grant(ep_docket) -> None:
    entries = ep_docket.entries
    assert {e.matter for e in entries} == {"EP-10167109"}
    paid = {3: "2012-06-20", 4: "2013-06-12", 5: "2014-03-31", 10: "2019-06-24"}
    for year, day in paid.items():
        fee = pick(entries, "ep.renewal_fee", year=str(year))
        assert fee.trigger_date == D(2010, 6, 24)
        assert (fee.status, fee.status_reason) == (
            CLOSED,
            f"renewal fee for year {year} paid {day}",
        )
    year3 = pick(entries, "ep.renewal_fee", year="3")
    assert (year3.due_date, year3.final_date) == (D(2012, 7, 2), D(2012, 12, 31))  # 30 June = Sat
    for year in range(11, 18):
        fee = pick(entries, "ep.renewal_fee", year=str(year))
        assert fee.status == CLOSED
        assert "mention of grant published 2019-11-27" in fee.status_reason
        assert "national offices" in fee.status_reason
    assert not [e for e in entries if e.status == OPEN]


def test_ep2400812_rule_71_3_and_opposition(ep_docket) -> None:
    entries = ep_docket.entries
    r71 = pick(entries, "ep.r71_3")
    assert r71.trigger_date == D(2019, 6, 27)  # IGRA dispatch, not the Register entry 2019-06-26
    assert r71.extendable is False
    assert r71.status_reason.startswith("Rule 71(3) reply complete 2019-10-16")
    opposition = pick(entries, "ep.opposition")
    assert (opposition.trigger_date, opposition.due_date) == (D(2019, 11, 27), D(2020, 8, 27))
    assert opposition.status == CLOSED and "no opposition" in opposition.status_reason
    exam = pick(entries, "ep.examination_request")
    assert (exam.trigger_date, exam.due_date) == (D(2011, 12, 28), D(2012, 6, 28))
    assert exam.status_reason == "request for examination filed 2012-06-06"


def test_ep2400812_communications_from_the_best_dated_source_only(ep_docket) -> None:
    replies = [e for e in ep_docket.entries if e.rule == "ep.communication_reply"]
    assert [(e.trigger_date, dict(e.params)["period_months"]) for e in replies] == [
        (D(2017, 2, 1), "4"),
        (D(2018, 3, 15), "6"),
        (D(2019, 1, 3), "4"),
    ]
    assert all(e.status == CLOSED and e.status_reason.startswith("reply filed") for e in replies)
    assert ep_docket.unhandled_events == ()


def test_register_events_feed_alone_flags_recorded_dates(samples_dir: Path) -> None:
    names = ("get_register_events", "get_register_biblio")
    batch = load_event_files([samples_dir / OPS / n / "response.xml" for n in names])
    result = evaluate_docket(batch.events, matter_facts=batch.facts, as_of=AS_OF)
    replies = [e for e in result.entries if e.rule == "ep.communication_reply"]
    assert [e.trigger_date for e in replies] == [D(2017, 2, 10), D(2018, 3, 27), D(2019, 1, 4)]
    assert all(any("ASSUMPTION" in line for line in e.explanation) for e in replies)
    assert sum("may be too late" in w for w in result.warnings) >= 3
    # renewal payments without a year are matched by their payment window, never guessed
    year8 = pick(result.entries, "ep.renewal_fee", year="8")
    assert year8.status_reason.startswith("renewal fee paid 2017-07-05")
    assert "matched to year 8" in year8.status_reason


# --- semantics ---------------------------------------------------------------------------------

US = "US-99000001"


def test_notice_of_allowance_supersedes_an_open_reply() -> None:
    events = [
        ev(US, "MCTNF", "2023-02-01", taxonomy.OFFICE_ACTION_NON_FINAL),
        ev(US, "MN/=.", "2023-04-10", taxonomy.NOTICE_OF_ALLOWANCE),
    ]
    entries = build_docket(events)
    reply = pick(entries, "us.oa_reply")
    assert reply.status == SUPERSEDED
    assert reply.status_reason == "superseded by notice of allowance mailed 2023-04-10"
    assert pick(entries, "us.issue_fee").status == OPEN


def test_written_action_without_mailing_counts_from_the_written_date() -> None:
    result = evaluate_docket([ev(US, "CTFR", "2023-02-01", taxonomy.OFFICE_ACTION_FINAL_WRITTEN)])
    # A final rejection opens the notice-of-appeal entry beside the reply entry.
    assert sorted(e.rule for e in result.entries) == ["us.notice_of_appeal", "us.oa_reply"]
    entry = pick(result.entries, "us.oa_reply")
    assert entry.trigger_date == D(2023, 2, 1) and entry.status == OPEN
    assert any("No mailing event" in line for line in entry.explanation)
    assert any("CTFR" in w for w in result.warnings)


def test_reply_on_the_day_of_a_new_action_leaves_the_new_action_open() -> None:
    events = [
        ev(US, "MCTNF", "2023-01-05", taxonomy.OFFICE_ACTION_NON_FINAL),
        ev(US, "MCTFR", "2023-06-01", taxonomy.OFFICE_ACTION_FINAL),
        ev(US, "A...", "2023-06-01", taxonomy.REPLY_FILED),
    ]
    entries = build_docket(events)
    old, new = sorted((e for e in entries if e.rule == "us.oa_reply"), key=lambda e: e.trigger_date)
    assert old.status == CLOSED and new.status == OPEN


def test_period_set_in_the_action_is_reported_not_guessed() -> None:
    result = evaluate_docket([ev(US, "MCTRS", "2023-02-01", taxonomy.REPLY_PERIOD_SET_IN_ACTION)])
    assert result.entries == ()
    (item,) = result.unhandled_events
    assert "set in the action" in item.reason


def test_expiry_closes_and_reinstatement_reopens_unpaid_stages() -> None:
    events = [
        ev(US, "PGM/", "2013-06-04", taxonomy.PATENT_GRANTED),
        ev(US, "EXP.", "2017-07-04", taxonomy.PATENT_EXPIRED, "Expire Patent"),
        ev(US, "M2551", "2018-09-20", taxonomy.MAINTENANCE_FEE_PAID, stage="3.5"),
        ev(US, "PMFG", "2018-09-20", taxonomy.PATENT_REINSTATED, "Petition granted"),
    ]
    entries = build_docket(events)
    assert pick(entries, "us.maintenance_fee", stage="3.5").status_reason.startswith(
        "maintenance fee paid 2018-09-20"
    )
    later = pick(entries, "us.maintenance_fee", stage="7.5")
    assert later.status == OPEN and later.status_reason.startswith("reopened: Petition granted")


def test_fee_without_a_grant_on_file_is_unhandled() -> None:
    result = evaluate_docket(
        [ev(US, "M1552", "2020-01-02", taxonomy.MAINTENANCE_FEE_PAID, stage="7.5")]
    )
    assert result.entries == ()
    assert "no grant date" in result.unhandled_events[0].reason


def test_grant_date_from_metadata_starts_the_schedule() -> None:
    entries = build_docket([], matter_facts={US: {"grant_date": D(2021, 1, 26)}})
    fees = [e for e in entries if e.rule == "us.maintenance_fee"]
    assert [dict(e.params)["stage"] for e in fees] == ["3.5", "7.5", "11.5"]
    assert all("applicationMetaData.grantDate" in e.trigger_event for e in entries)
    # The grant also opens the two-year broadening-reissue window (35 USC 251(d)).
    assert pick(entries, "us.reissue_broadening").due_date == D(2023, 1, 26)


def test_design_patents_get_no_maintenance_fees() -> None:
    result = evaluate_docket([ev("US-29123456", "PGM/", "2020-01-07", taxonomy.PATENT_GRANTED)])
    assert [e.rule for e in result.entries] == ["us.reissue_broadening"]  # designs too: 35 USC 251
    assert any("design patent" in w for w in result.warnings)


EP = "EP-20000001"


def test_deemed_withdrawn_closes_everything_open() -> None:
    events = [
        ev(EP, "BIBLIO:FILING", "2020-03-10", taxonomy.EP_FILED),
        ev(
            EP,
            "EXRE:DATE_OF_DISPATCH",
            "2022-05-02",
            taxonomy.EP_EXAMINATION_REPORT,
            period_months="4",
        ),
        ev(EP, "18D", "2022-11-30", taxonomy.EP_APPLICATION_DEEMED_WITHDRAWN, "DEEMED WITHDRAWN"),
    ]
    entries = build_docket(events, as_of=D(2023, 1, 1))
    assert entries and all(e.status == CLOSED for e in entries)
    assert all(
        "DEEMED WITHDRAWN 2022-11-30" in e.status_reason
        for e in entries
        if e.trigger_date < D(2022, 11, 30)
    )
    assert [dict(e.params)["year"] for e in entries if e.rule == "ep.renewal_fee"] == ["3", "4"]


def test_rule_71_3_closes_open_communication_replies() -> None:
    events = [
        ev(
            EP,
            "EXRE:DATE_OF_DISPATCH",
            "2022-05-02",
            taxonomy.EP_EXAMINATION_REPORT,
            period_months="4",
        ),
        ev(EP, "IGRA:DATE_OF_DISPATCH", "2022-07-01", taxonomy.EP_R71_3_COMMUNICATION),
    ]
    entries = build_docket(events)
    assert pick(entries, "ep.communication_reply").status_reason == (
        "closed: Rule 71(3) communication dispatched 2022-07-01"
    )
    assert pick(entries, "ep.r71_3").status == OPEN


def test_communication_without_a_period_assumes_four_months() -> None:
    result = evaluate_docket(
        [ev(EP, "17Q", "2021-03-10", taxonomy.EP_EXAMINATION_REPORT, trigger_date="2021-02-01")]
    )
    (entry,) = result.entries
    assert entry.trigger_date == D(2021, 2, 1)
    assert dict(entry.params)["period_months"] == "4"
    assert any(line.startswith("ASSUMPTION") for line in entry.explanation)


def test_a_rule_refusing_the_inputs_is_reported() -> None:
    bad = ev(
        EP, "EXRE:DATE_OF_DISPATCH", "2022-05-02", taxonomy.EP_EXAMINATION_REPORT, period_months="9"
    )
    result = evaluate_docket([bad])
    assert result.entries == ()
    assert result.unhandled_events[0].event == bad
    assert "period_months" in result.unhandled_events[0].reason


def test_unknown_codes_are_listed() -> None:
    result = evaluate_docket([ev(US, "ZZZ9", "2022-05-02", taxonomy.OTHER, "Mystery")])
    assert result.unknown_codes == ("US-99000001 uspto.odp.transactions 'ZZZ9' 'Mystery' x1",)


def test_output_does_not_depend_on_input_order(samples_dir: Path) -> None:
    names = (
        "get_register_procedural_steps",
        "get_register_events",
        "get_register_biblio",
        "get_legal",
    )
    batch = load_event_files([samples_dir / OPS / n / "response.xml" for n in names])
    events = list(batch.events)
    expected = build_docket(events, matter_facts=batch.facts, as_of=AS_OF)
    random.Random(7).shuffle(events)
    assert build_docket(events, matter_facts=batch.facts, as_of=AS_OF) == expected
    assert len({entry_key(e) for e in expected}) == len(expected)


def test_entry_key_ignores_the_descriptive_fields() -> None:
    (entry,) = build_docket([ev(US, "MCTNF", "2023-02-01", taxonomy.OFFICE_ACTION_NON_FINAL)])
    other = dataclasses.replace(entry, trigger_event="something else", status=CLOSED)
    assert entry_key(other) == entry_key(entry) == "US-99000001|us.oa_reply|2023-02-01|"


def test_register_events_without_a_filing_date_report_the_renewal_payments(
    samples_dir: Path,
) -> None:
    batch = load_event_files([samples_dir / OPS / "get_register_events" / "response.xml"])
    result = evaluate_docket(batch.events, matter_facts=batch.facts, as_of=AS_OF)
    renewals = [u for u in result.unhandled_events if u.event.source_code == "EPIDOSNRFE2"]
    assert len(renewals) == 8
    assert all("filing date is unknown" in u.reason for u in renewals)
    assert {e.matter for e in result.entries} == {"EP-2400812"}  # keyed by the publication
