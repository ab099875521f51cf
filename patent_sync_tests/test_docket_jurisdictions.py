"""Each matter is docketed by the rules of its own office, and only by those."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from patent_sync.docket.engine import CLOSED, OPEN, entry_key, evaluate_docket
from patent_sync.docket.jurisdictions import OFFICES, EpDocket, PctDocket, UsDocket, office_of
from patent_sync.events import load_event_files, taxonomy
from patent_sync.model import DocketEntry, Event

D = dt.date
AS_OF = D(2025, 9, 1)
OPS = Path("epo_ops/patent-dev")


def legal(key: str, code: str, when: str, name: str) -> Event:
    return Event(
        application_key=key,
        jurisdiction=key.split("-", 1)[0],
        source_code=code,
        event=name,
        event_date=D.fromisoformat(when),
        description=code,
        source="epo.ops.legal",
    )


def test_offices_table() -> None:
    assert dict(OFFICES) == {"US": UsDocket, "EP": EpDocket, "WO": PctDocket}
    assert office_of("US-17248024", []) == "US"
    assert office_of("EP-10167109", []) == "EP"
    assert office_of("WO-2010EP12345", []) == "WO"
    assert office_of("US-PCT/US07/19317", []) == "WO"  # the USPTO as receiving Office
    assert office_of("JP-2010123456", []) == "JP"


def test_wo_matter_gets_national_phase_entries_and_no_ep_renewal_fees() -> None:
    matter = "WO-2010EP12345"
    events = [legal(matter, "WWE", "2011-03-02", taxonomy.OTHER)]
    result = evaluate_docket(
        events,
        matter_facts={matter: {"filing_date": D(2010, 6, 24), "priority_date": D(2009, 6, 25)}},
        as_of=AS_OF,
    )
    assert not [e for e in result.entries if e.rule.startswith("ep.")]
    entries = [e for e in result.entries if e.rule == "pct.national_phase"]
    assert [(e.rule, dict(e.params)["office"]) for e in entries] == [
        ("pct.national_phase", "USPTO"),
        ("pct.national_phase", "EPO"),
    ]
    us, ep = entries
    assert us.trigger_date == ep.trigger_date == D(2009, 6, 25)
    assert us.due_date == D(2011, 12, 27)  # 30 months: Sun 25 Dec, Mon 26 Dec federal holiday
    assert ep.due_date == D(2012, 1, 25)  # 31 months
    assert {e.status for e in entries} == {OPEN}
    assert len({entry_key(e) for e in entries}) == 2  # one identity per office
    # The projected publication (18 months, 2010-12-25) is informational and long past.
    (publication,) = [e for e in result.entries if e.rule == "pct.publication"]
    assert (publication.due_date, publication.status) == (D(2010, 12, 25), CLOSED)
    assert result.unhandled_events == ()
    assert not [w for w in result.warnings if "priority" in w]


def test_wo_matter_without_priority_counts_from_filing_and_says_so() -> None:
    matter = "WO-2010EP12345"
    result = evaluate_docket([], matter_facts={matter: {"filing_date": D(2010, 6, 24)}})
    assert {e.trigger_date for e in result.entries} == {D(2010, 6, 24)}
    assert {e.rule for e in result.entries} == {"pct.national_phase", "pct.publication"}
    assert any("No priority date on file" in w for w in result.warnings)
    assert all(any("verify the priority" in n for n in e.explanation) for e in result.entries)


def test_wo_matter_ignores_events_of_other_offices_rules() -> None:
    """INPADOC codes are EP codes: one on a WO member must not start an EP schedule."""
    matter = "WO-2010EP12345"
    events = [
        legal(matter, "17Q", "2012-01-10", taxonomy.EP_EXAMINATION_REPORT),
        legal(matter, "RFEE", "2012-06-10", taxonomy.EP_RENEWAL_FEE_PAID),
    ]
    result = evaluate_docket(events, as_of=AS_OF)
    assert result.entries == ()
    (item,) = result.unhandled_events
    assert "no priority date and no international filing date" in item.reason


def test_jp_matter_is_unhandled_with_no_entries() -> None:
    matter = "JP-2010123456"
    events = [
        legal(matter, "17Q", "2012-01-10", taxonomy.EP_EXAMINATION_REPORT),
        legal(matter, "REG", "2011-01-10", taxonomy.EP_INFORMATIONAL),
    ]
    result = evaluate_docket(
        events, matter_facts={matter: {"filing_date": D(2010, 6, 24)}}, as_of=AS_OF
    )
    assert result.entries == ()
    (item,) = result.unhandled_events
    assert item.event.application_key == matter
    assert item.event.event_date == D(2011, 1, 10)  # the earliest event stands for the matter
    assert "no docket rules for office JP" in item.reason


def test_matter_known_only_by_facts_is_unhandled_too() -> None:
    result = evaluate_docket([], matter_facts={"DE-102010001": {"filing_date": D(2010, 6, 24)}})
    assert result.entries == ()
    (item,) = result.unhandled_events
    assert "no docket rules for office DE" in item.reason
    assert item.event.source == "facts" and item.event.event_date == D(2010, 6, 24)


def test_family_mix_each_member_by_its_own_office(samples_dir: Path) -> None:
    batch = load_event_files(
        [
            samples_dir / OPS / "get_legal/response.xml",
            samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json",
        ]
    )
    alone_ep = evaluate_docket(
        [e for e in batch.events if e.application_key.startswith("EP-")],
        matter_facts={k: v for k, v in batch.facts.items() if k.startswith("EP-")},
        as_of=AS_OF,
    )
    alone_us = evaluate_docket(
        [e for e in batch.events if e.application_key.startswith("US-")],
        matter_facts={k: v for k, v in batch.facts.items() if k.startswith("US-")},
        as_of=AS_OF,
    )
    jp = "JP-2010999999"
    mixed = evaluate_docket(
        [*batch.events, legal(jp, "REG", "2011-01-10", taxonomy.EP_INFORMATIONAL)],
        matter_facts={**batch.facts, jp: {"filing_date": D(2010, 6, 24)}},
        as_of=AS_OF,
    )
    assert mixed.entries == tuple(sorted(alone_ep.entries + alone_us.entries, key=_order))
    assert {e.rule.split(".")[0] for e in mixed.entries if e.matter.startswith("EP-")} == {"ep"}
    assert {e.rule.split(".")[0] for e in mixed.entries if e.matter.startswith("US-")} == {"us"}
    assert [u.event.application_key for u in mixed.unhandled_events if "office" in u.reason] == [jp]


def _order(entry: DocketEntry) -> tuple[object, ...]:  # the engine's documented entry order
    return (entry.matter, entry.due_date, entry.rule, entry.trigger_date, entry_key(entry))
