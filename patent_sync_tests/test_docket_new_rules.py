"""The docket entries of the appeal, remedy, unitary-effect, search-stage, missing-parts,
priority-claim, reissue and publication rules: which event opens each, which closes it, and
with what reason (the reason is what the audit log records when the entry changes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from patent_sync.docket.engine import CLOSED, OPEN, SUPERSEDED, build_docket, evaluate_docket
from patent_sync.events import load_event_files, taxonomy
from patent_sync.model import DocketEntry, Event

D = dt.date
US = "US-99000002"
EP = "EP-20000002"
WO = "WO-2024EP000123"


def ev(key: str, code: str, when: str, name: str, description: str = "", **attrs: str) -> Event:
    source = {
        "US": "uspto.odp.transactions",
        "EP": "epo.register.procedural_steps",
    }.get(key[:2], "epo.ops.legal")
    return Event(
        application_key=key,
        jurisdiction=key[:2],
        source_code=code,
        event=name,
        event_date=D.fromisoformat(when),
        description=description or code,
        source=source,
        attributes=tuple(sorted(attrs.items())),
    )


def one(entries, rule: str, **params: str) -> DocketEntry:
    found = [
        e
        for e in entries
        if e.rule == rule and all(dict(e.params).get(k) == v for k, v in params.items())
    ]
    assert len(found) == 1, (rule, params, [(e.rule, e.params) for e in entries])
    return found[0]


# --- US: final rejection → notice of appeal → brief ----------------------------------------------

FINAL = ev(US, "MCTFR", "2024-03-15", taxonomy.OFFICE_ACTION_FINAL, "Mail Final Rejection")


def test_final_rejection_opens_the_notice_of_appeal_beside_the_reply() -> None:
    entries = build_docket([FINAL])
    reply, notice = one(entries, "us.oa_reply"), one(entries, "us.notice_of_appeal")
    # Both: Sat 15 Jun 2024 → Mon 17 Jun; final Sun 15 Sep → Mon 16 Sep 2024.
    for entry in (reply, notice):
        assert (entry.due_date, entry.final_date, entry.status) == (
            D(2024, 6, 17),
            D(2024, 9, 16),
            OPEN,
        )
    assert "41.31(a)(1)" in notice.citation


def test_notice_of_appeal_closes_both_and_opens_the_brief_which_the_brief_closes() -> None:
    events = [
        FINAL,
        ev(US, "N/AP", "2024-06-10", taxonomy.NOTICE_OF_APPEAL_FILED, "Notice of Appeal Filed"),
        ev(US, "AP.B", "2024-08-05", taxonomy.APPEAL_BRIEF_FILED, "Appeal Brief Filed"),
    ]
    entries = build_docket(events)
    reason = "notice of appeal filed 2024-06-10 (N/AP Notice of Appeal Filed)"
    assert one(entries, "us.oa_reply").status_reason == reason
    assert one(entries, "us.notice_of_appeal").status_reason == reason
    brief = one(entries, "us.appeal_brief")
    # 10 Jun 2024 + 2 months = Sat 10 Aug → Mon 12 Aug 2024; + 7 months = Fri 10 Jan 2025.
    assert (brief.trigger_date, brief.due_date, brief.final_date) == (
        D(2024, 6, 10),
        D(2024, 8, 12),
        D(2025, 1, 10),
    )
    assert (brief.status, brief.status_reason) == (CLOSED, "appeal brief filed 2024-08-05 (AP.B)")


def test_rce_closes_the_reply_and_the_appeal() -> None:
    events = [
        FINAL,
        ev(US, "N/AP", "2024-06-10", taxonomy.NOTICE_OF_APPEAL_FILED),
        ev(US, "RCEX", "2024-07-01", taxonomy.RCE_FILED, "Request for Continued Examination"),
    ]
    brief = one(build_docket(events), "us.appeal_brief")
    assert brief.status == CLOSED
    assert brief.status_reason.startswith("RCE filed 2024-07-01 (RCEX)")
    assert "37 CFR 1.114(d)" in brief.status_reason


def test_an_after_final_reply_leaves_the_notice_of_appeal_open() -> None:
    events = [FINAL, ev(US, "A.NE", "2024-05-01", taxonomy.REPLY_FILED, "Amendment After Final")]
    entries = build_docket(events)
    assert one(entries, "us.oa_reply").status == CLOSED
    assert one(entries, "us.notice_of_appeal").status == OPEN  # the period keeps running


def test_allowance_and_new_action_supersede_the_appeal() -> None:
    allowed = build_docket([FINAL, ev(US, "MN/=.", "2024-05-20", taxonomy.NOTICE_OF_ALLOWANCE)])
    notice = one(allowed, "us.notice_of_appeal")
    assert (notice.status, notice.status_reason) == (
        SUPERSEDED,
        "superseded by notice of allowance mailed 2024-05-20",
    )
    reopened = build_docket(
        [FINAL, ev(US, "MCTNF", "2024-05-20", taxonomy.OFFICE_ACTION_NON_FINAL)]
    )
    assert one(reopened, "us.notice_of_appeal").status_reason == (
        "superseded by the Office action mailed 2024-05-20"
    )


# --- US: missing parts (real history of US 17/248,024) --------------------------------------------


def test_missing_parts_from_the_recorded_history(samples_dir: Path) -> None:
    batch = load_event_files(
        [samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json"]
    )
    result = evaluate_docket(batch.events, matter_facts=batch.facts, as_of=D(2025, 9, 1))
    parts = one(result.entries, "us.missing_parts")
    # INCD mailed Fri 29 Jan 2021 → Mon 29 Mar 2021; + 7 months = Sun 29 Aug → Mon 30 Aug 2021.
    assert (parts.trigger_date, parts.due_date, parts.final_date) == (
        D(2021, 1, 29),
        D(2021, 3, 29),
        D(2021, 8, 30),
    )
    assert parts.status == CLOSED
    assert parts.status_reason.startswith("application complete 2021-03-30 (COMP")
    # Granted Tue 9 May 2023: the broadening-reissue window ended Fri 9 May 2025, before the
    # as-of date: closed as lapsed, not left overdue.
    reissue = one(result.entries, "us.reissue_broadening")
    assert reissue.due_date == D(2025, 5, 9)
    assert (reissue.status, reissue.status_reason) == (
        CLOSED,
        "lapsed: no broadening reissue on file by 2025-05-09 (35 USC 251(d), a statutory bar)",
    )
    assert result.unhandled_events == ()


# --- US: reissue window and priority claim ----------------------------------------------------


def test_reissue_window_open_until_its_date_closed_by_expiry_reopened_by_reinstatement() -> None:
    grant = ev(US, "PGM/", "2024-03-12", taxonomy.PATENT_GRANTED)
    entry = one(build_docket([grant], as_of=D(2025, 1, 1)), "us.reissue_broadening")
    assert (entry.due_date, entry.status) == (D(2026, 3, 12), OPEN)
    events = [
        grant,
        ev(US, "EXP.", "2025-04-15", taxonomy.PATENT_EXPIRED, "Expire Patent"),
        ev(US, "PMFG", "2025-06-02", taxonomy.PATENT_REINSTATED, "Petition granted"),
    ]
    entry = one(build_docket(events[:2], as_of=D(2025, 5, 1)), "us.reissue_broadening")
    assert entry.status_reason == "closed: Expire Patent 2025-04-15 (EXP.)"
    entry = one(build_docket(events, as_of=D(2025, 7, 1)), "us.reissue_broadening")
    assert entry.status == OPEN and entry.status_reason.startswith("reopened: Petition granted")


def test_priority_claim_from_the_facts_is_on_file() -> None:
    facts = {US: {"filing_date": D(2024, 3, 15), "priority_date": D(2023, 3, 20)}}
    entry = one(build_docket([], matter_facts=facts), "us.priority_claim")
    assert entry.due_date == D(2024, 7, 22)  # 16 months: Sat 20 Jul 2024 → Mon 22 Jul
    assert entry.status == CLOSED and entry.status_reason.startswith("priority claim on file")
    design = {US: {**facts[US], "application_type": "DES"}}
    assert build_docket([], matter_facts=design) == []  # no time limit for a design


# --- EP: search stage -----------------------------------------------------------------------------

SEARCH = ev(
    EP, "BIBLIO:SEARCH_REPORT_PUBLICATION", "2024-01-10", taxonomy.EP_SEARCH_REPORT_PUBLISHED
)


def test_search_report_mention_opens_fee_and_reply_which_their_events_close() -> None:
    entries = build_docket([SEARCH])
    fee, reply = one(entries, "ep.designation_fee"), one(entries, "ep.r70a_response")
    assert fee.due_date == reply.due_date == D(2024, 7, 10)  # + 6 months, Wed 10 Jul 2024
    assert dict(reply.params)["variant"] == "direct"
    events = [
        SEARCH,
        ev(EP, "AKX", "2024-07-17", taxonomy.EP_DESIGNATION_FEE_PAID, "Designation fees paid"),
        ev(EP, "ABEX:DATE_OF_REQUEST", "2024-06-20", taxonomy.EP_AMENDMENTS_FILED),
    ]
    entries = build_docket(events)
    assert one(entries, "ep.designation_fee").status_reason == (
        "designation fee paid (reported 2024-07-17, AKX)"
    )
    assert one(entries, "ep.r70a_response").status_reason == (
        "amendments filed 2024-06-20 (ABEX:DATE_OF_REQUEST): taken as the reply"
    )


def test_examination_settles_the_search_stage() -> None:
    events = [
        SEARCH,
        ev(
            EP,
            "EXRE:DATE_OF_DISPATCH",
            "2024-09-02",
            taxonomy.EP_EXAMINATION_REPORT,
            period_months="4",
        ),
    ]
    reply = one(build_docket(events), "ep.r70a_response")
    assert reply.status_reason == "the examining division's communication of 2024-09-02"


def test_euro_pct_search_stage_from_its_own_triggers() -> None:
    facts = {
        EP: {
            "euro_pct": True,
            "priority_date": D(2022, 9, 20),
            "isr_publication_date": D(2024, 3, 14),
        }
    }
    events = [
        SEARCH,  # a supplementary search report mention: no Rule 39(1) fee from it
        ev(EP, "R161", "2024-01-12", taxonomy.EP_R161_COMMUNICATION),
        ev(EP, "R70(2)", "2024-02-15", taxonomy.EP_R70_2_COMMUNICATION),
    ]
    entries = build_docket(events, matter_facts=facts)
    fee = one(entries, "ep.designation_fee")
    # Later of 31 months from priority (Sun 20 Apr 2025 → Tue 22 Apr) and 6 months from the ISR.
    assert (fee.trigger_date, fee.due_date) == (D(2024, 3, 14), D(2025, 4, 22))
    assert one(entries, "ep.r161_162").due_date == D(2024, 7, 12)
    reply = one(entries, "ep.r70a_response")
    assert dict(reply.params)["variant"] == "euro_pct"
    assert reply.due_date == D(2024, 8, 16)  # Thu 15 Aug Assumption Day → Fri 16 Aug 2024


# --- EP: grant → unitary effect -----------------------------------------------------------------

GRANT = ev(EP, "0009210", "2024-05-29", taxonomy.EP_GRANT_MENTIONED, trigger_date="2024-05-29")


def test_grant_mention_opens_unitary_effect_closed_by_the_request() -> None:
    entry = one(build_docket([GRANT], as_of=D(2024, 6, 1)), "ep.unitary_effect")
    assert (entry.due_date, entry.status) == (D(2024, 7, 1), OPEN)
    requested = ev(EP, "U01", "2024-06-20", taxonomy.EP_UNITARY_EFFECT_REQUESTED, "Request filed")
    entry = one(build_docket([GRANT, requested]), "ep.unitary_effect")
    assert entry.status_reason == "request for unitary effect filed (reported 2024-06-20, U01)"


def test_unitary_effect_overdue_while_rescuable_then_lapsed() -> None:
    # Due Mon 1 Jul 2024; re-establishment (Rule 22(2) UPR) until Mon 2 Sep 2024.
    assert one(build_docket([GRANT], as_of=D(2024, 8, 1)), "ep.unitary_effect").status == OPEN
    lapsed = one(build_docket([GRANT], as_of=D(2024, 9, 3)), "ep.unitary_effect")
    assert lapsed.status == CLOSED and "2024-09-02" in lapsed.status_reason


def test_no_unitary_effect_for_a_grant_before_june_2023() -> None:
    old = ev(EP, "0009210", "2023-05-31", taxonomy.EP_GRANT_MENTIONED, trigger_date="2023-05-31")
    result = evaluate_docket([old])
    assert not [e for e in result.entries if e.rule == "ep.unitary_effect"]
    assert result.unhandled_events == ()


# --- EP: refusal → appeal -----------------------------------------------------------------------


def test_refusal_opens_the_appeal_from_the_decision_date() -> None:
    filed = ev(EP, "BIBLIO:FILING", "2021-03-10", taxonomy.EP_FILED)
    refused = ev(
        EP,
        "18R",
        "2024-04-03",
        taxonomy.EP_APPLICATION_REFUSED,
        "REFUSED",
        effective_date="2024-03-28",
    )
    entries = build_docket([filed, refused], as_of=D(2024, 4, 10))
    notice, grounds = (
        one(entries, "ep.appeal", act="notice"),
        one(entries, "ep.appeal", act="grounds"),
    )
    # Decision dated 28 Mar 2024: notice Tue 28 May 2024, grounds Sun 28 Jul → Mon 29 Jul.
    assert (notice.due_date, grounds.due_date) == (D(2024, 5, 28), D(2024, 7, 29))
    assert notice.status == grounds.status == OPEN
    # Everything else ended with the refusal.
    assert all(e.status == CLOSED for e in entries if e.rule != "ep.appeal")
    assert one(entries, "ep.renewal_fee", year="3").status_reason.startswith("closed: REFUSED")


def test_refusal_reported_after_the_periods_and_without_a_decision_date() -> None:
    late = ev(EP, "18R", "2024-09-04", taxonomy.EP_APPLICATION_REFUSED, effective_date="2024-03-28")
    entries = build_docket([late], as_of=D(2024, 9, 10))
    assert {e.status for e in entries if e.rule == "ep.appeal"} == {CLOSED}
    assert "before the refusal was reported on 2024-09-04" in entries[0].status_reason
    undated = evaluate_docket([ev(EP, "18R", "2024-09-04", taxonomy.EP_APPLICATION_REFUSED)])
    assert undated.entries == ()
    assert any("without the date of the decision" in w for w in undated.warnings)
    # A Register refusal event without the date is answered by the INPADOC event that has it.
    register = ev(EP, "0009181", "2024-04-05", taxonomy.EP_APPLICATION_REFUSED)
    dated = ev(
        EP, "18R", "2024-04-10", taxonomy.EP_APPLICATION_REFUSED, effective_date="2024-03-28"
    )
    both = evaluate_docket([register, dated])
    assert [e.due_date for e in both.entries] == [D(2024, 5, 28), D(2024, 7, 29)]
    assert not any("without the date of the decision" in w for w in both.warnings)


# --- EP: loss of rights → further processing → re-establishment ---------------------------------

REPORT = ev(
    EP, "EXRE:DATE_OF_DISPATCH", "2024-01-10", taxonomy.EP_EXAMINATION_REPORT, period_months="4"
)
LOSS = ev(EP, "ADWI:DATE_OF_DISPATCH", "2024-06-05", taxonomy.EP_LOSS_OF_RIGHTS_NOTED)


def test_loss_of_rights_opens_further_processing_for_the_missed_reply() -> None:
    entries = build_docket([REPORT, LOSS], as_of=D(2024, 6, 10))
    reply = one(entries, "ep.communication_reply")  # due Fri 10 May 2024
    assert reply.status_reason == (
        "missed: loss of rights noted 2024-06-05 (ADWI:DATE_OF_DISPATCH); see the "
        "further-processing entry"
    )
    fp = one(entries, "ep.further_processing")
    # Notified 5 Jun 2024 (new Rule 126(2)) + 2 months = Mon 5 Aug 2024.
    assert (fp.due_date, fp.status, dict(fp.params)["missed_rule"]) == (
        D(2024, 8, 5),
        OPEN,
        "Art. 94(3)",
    )
    requested = ev(
        EP, "RFPR:DATE_OF_REQUEST", "2024-07-20", taxonomy.EP_FURTHER_PROCESSING_REQUESTED
    )
    fp = one(build_docket([REPORT, LOSS, requested]), "ep.further_processing")
    assert fp.status_reason == "further processing requested 2024-07-20 (RFPR:DATE_OF_REQUEST)"


def test_missed_further_processing_opens_re_establishment() -> None:
    entries = build_docket([REPORT, LOSS], as_of=D(2024, 9, 1))
    fp = one(entries, "ep.further_processing")
    assert fp.status == CLOSED
    assert fp.status_reason.startswith("further-processing period ended 2024-08-05")
    again = one(entries, "ep.re_establishment")
    # In respect of the further-processing period (Rule 135(1)), ended Mon 5 Aug 2024; cause
    # taken as removed that day: + 2 months = Sat 5 Oct → Mon 7 Oct 2024.
    assert (again.trigger_date, again.due_date, again.status) == (
        D(2024, 8, 5),
        D(2024, 10, 7),
        OPEN,
    )
    assert dict(again.params)["missed_rule"] == "Rule 135(1)"
    assert any(line.startswith("ASSUMPTION") for line in again.explanation)
    # A year after the further-processing period ended (Tue 5 Aug 2025), no request on file:
    # re-establishment is no longer possible.
    later = one(build_docket([REPORT, LOSS], as_of=D(2025, 8, 6)), "ep.re_establishment")
    assert later.status == CLOSED and "ended 2025-08-05" in later.status_reason


def test_deemed_withdrawal_after_missed_further_processing_keeps_the_remedy_open() -> None:
    withdrawn = ev(
        EP, "18D", "2024-09-11", taxonomy.EP_APPLICATION_DEEMED_WITHDRAWN, "DEEMED WITHDRAWN"
    )
    entries = build_docket([REPORT, LOSS, withdrawn])
    assert one(entries, "ep.further_processing").status_reason.endswith(
        "the application is deemed withdrawn (18D); re-establishment of rights opened"
    )
    assert one(entries, "ep.re_establishment").status == OPEN


def test_missed_renewal_fee_goes_straight_to_re_establishment() -> None:
    # Filed 10 Mar 2021: year-3 fee due Fri 31 Mar 2023; grace period to Sat 30 Sep 2023 →
    # Mon 2 Oct 2023. Rule 51(2) is excluded from further processing (Rule 135(2)).
    events = [
        ev(EP, "BIBLIO:FILING", "2021-03-10", taxonomy.EP_FILED),
        ev(EP, "ADWI:DATE_OF_DISPATCH", "2023-11-15", taxonomy.EP_LOSS_OF_RIGHTS_NOTED),
    ]
    entries = build_docket(events, as_of=D(2023, 11, 20))
    fee = one(entries, "ep.renewal_fee", year="3")
    assert fee.status_reason.endswith("see the re-establishment entry")
    assert not [e for e in entries if e.rule == "ep.further_processing"]
    again = one(entries, "ep.re_establishment")
    # Cause taken as removed on 15 Nov 2023: + 2 months = Mon 15 Jan 2024 (one year from the
    # expiry, 2 Oct 2024, is later).
    assert (again.due_date, dict(again.params)["missed_rule"]) == (D(2024, 1, 15), "Rule 51(2)")
    assert dict(again.params)["missed_time_limit_expiry"] == "2023-10-02"


# --- PCT: projected publication -------------------------------------------------------------


def test_wo_matter_gets_the_projected_publication() -> None:
    facts = {WO: {"priority_date": D(2024, 2, 29)}}
    entry = one(build_docket([], matter_facts=facts, as_of=D(2025, 1, 1)), "pct.publication")
    assert (entry.due_date, entry.status) == (D(2025, 8, 29), OPEN)
    passed = one(build_docket([], matter_facts=facts, as_of=D(2025, 9, 1)), "pct.publication")
    assert passed.status == CLOSED and "informational" in passed.status_reason
    with_isr = {WO: {**facts[WO], "isr_transmittal_date": D(2024, 11, 5)}}
    art19 = one(build_docket([], matter_facts=with_isr), "pct.art19_amendment")
    # Later of Sun 5 Jan 2025 (2 months) and Sat 29 Jun 2025 (16 months) → Mon 30 Jun 2025.
    assert art19.due_date == D(2025, 6, 30)
