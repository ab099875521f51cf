"""The EP docket's search-stage, decision and remedy entries.

``EpRemedyRules`` is the base of ``jurisdictions.EpDocket``; it holds the handlers of the events
behind these rules:

* the **search report mention** of a direct application opens ``ep.designation_fee`` and
  ``ep.r70a_response`` (variant ``direct``) beside the examination request; a Euro-PCT
  application's designation fee runs from the ISR publication instead (facts
  ``isr_publication_date`` and ``priority_date``), its Rule 70a reply from the Rules 70(2)/70a(2)
  communication, and the Rules 161/162 communication opens ``ep.r161_162``. Amendments, the
  examining division's first communication, Rule 71(3) and the grant settle them; the fee entry
  is closed by the payment (INPADOC ``AKX``) or the grant;
* the **mention of the grant** (on or after 1 June 2023) opens ``ep.unitary_effect``, closed by
  the request (INPADOC ``U01``) or the registration (``U07``). Unitary effect is a choice, so
  once the as-of date is past the re-establishment period as well (Rule 22(2) UPR) the entry
  is closed as lapsed instead of staying overdue;
* a **refusal** (a decision of the examining division) closes what was open, like any end of
  the proceedings, and opens ``ep.appeal`` for the notice and for the grounds, counted from the
  decision date the source gives (never from the later date the refusal was reported);
* the **loss-of-rights communication** (Rule 112(1), Register ``ADWI`` dispatch) settles the
  entries whose period had ended and opens ``ep.further_processing``, or, when Rule 135(2) rules
  that out for the missed period, ``ep.re_establishment`` directly. A further-processing period
  that ends with no request on file (at a deemed-withdrawal event or at the as-of date) is
  closed and ``ep.re_establishment`` opened in respect of it (``missed_rule=Rule 135(1)``).
* A **deemed withdrawal** or **refusal** closes everything else but leaves the remedies open:
  they are how the application comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from patent_sync.deadlines.arithmetic import add_months
from patent_sync.deadlines.calendars import get_calendar
from patent_sync.deadlines.provisions import further_processing_excluded, parse_provision
from patent_sync.deadlines.rules.ep_decisions import UNITARY_PATENT_START
from patent_sync.docket.engine import CLOSED, OPEN, MatterDocket, describe, effective_date
from patent_sync.events import taxonomy as tx
from patent_sync.model import Event

if TYPE_CHECKING:
    from patent_sync.docket.engine import _Entry

REMEDY_RULES = ("ep.further_processing", "ep.re_establishment", "ep.appeal")
SEARCH_STAGE_RULES = ("ep.r70a_response", "ep.r161_162")
#: Entries a grant settles, besides the examination-stage ones.
EP_PRE_GRANT_RULES = (*SEARCH_STAGE_RULES, "ep.designation_fee")

#: The provision whose period an entry of a rule tracks (for a missed period's remedy).
_MISSED_PROVISION = {
    "ep.communication_reply": "Art. 94(3)",
    "ep.r71_3": "Rule 71(3)",
    "ep.examination_request": "Rule 70(1)",
    "ep.designation_fee": "Rule 39(1)",
    "ep.r161_162": "Rule 161(1)",
    "ep.renewal_fee": "Rule 51(2)",
}


class EpRemedyRules(MatterDocket):
    """Handlers for the EP search-stage, appeal, unitary-effect and remedy entries."""

    EXTRA_HANDLERS: ClassVar[Mapping[str, str]] = {
        tx.EP_DESIGNATION_FEE_PAID: "on_ep_designation_fee_paid",
        tx.EP_AMENDMENTS_FILED: "on_ep_amendments",
        tx.EP_R161_COMMUNICATION: "on_ep_r161",
        tx.EP_R70_2_COMMUNICATION: "on_ep_r70_2",
        tx.EP_LOSS_OF_RIGHTS_NOTED: "on_ep_loss_of_rights",
        tx.EP_FURTHER_PROCESSING_REQUESTED: "on_ep_further_processing_requested",
        tx.EP_RE_ESTABLISHMENT_REQUESTED: "on_ep_re_establishment_requested",
        tx.EP_APPEAL_FILED: "on_ep_appeal_filed",
        tx.EP_APPLICATION_REFUSED: "on_ep_refused",
        tx.EP_APPLICATION_DEEMED_WITHDRAWN: "on_ep_deemed_withdrawn",
        tx.EP_UNITARY_EFFECT_REQUESTED: "on_ep_unitary_effect",
        tx.EP_UNITARY_EFFECT_REGISTERED: "on_ep_unitary_effect",
    }
    EXTRA_PRECEDENCE: ClassVar[Mapping[str, int]] = {
        tx.EP_DESIGNATION_FEE_PAID: 10,
        tx.EP_AMENDMENTS_FILED: 10,
        tx.EP_FURTHER_PROCESSING_REQUESTED: 10,
        tx.EP_RE_ESTABLISHMENT_REQUESTED: 10,
        tx.EP_APPEAL_FILED: 10,
        tx.EP_R161_COMMUNICATION: 20,
        tx.EP_R70_2_COMMUNICATION: 20,
        tx.EP_UNITARY_EFFECT_REQUESTED: 35,  # after the grant of the same day
        tx.EP_UNITARY_EFFECT_REGISTERED: 35,
        tx.EP_LOSS_OF_RIGHTS_NOTED: 38,  # after the day's creators, before terminal events
    }

    def __init__(
        self, matter: str, events: list[Event], facts: Mapping[str, Any], as_of: dt.date | None
    ) -> None:
        super().__init__(matter, events, facts, as_of)
        self.unitary_requested: str | None = None
        self._undated_refusal: Event | None = None

    # -- search stage -----------------------------------------------------------------------------

    def open_search_stage(self, event: Event) -> None:
        """Designation fee and Rule 70a reply from the search report mention (direct only)."""
        if self.facts.get("euro_pct"):
            return  # Euro-PCT: from the ISR publication and the Rule 70(2) communication
        when = effective_date(event)
        self._create(
            "ep.designation_fee",
            when,
            describe(event),
            event,
            ["Counted from the mention of the publication of the search report (Rule 39(1))."],
        )
        self._create(
            "ep.r70a_response",
            when,
            describe(event),
            event,
            ["Counted from the mention of the publication of the search report (Rule 70a(1))."],
            variant="direct",
        )

    def open_euro_pct_designation_fee(self) -> None:
        """The Euro-PCT designation fee from the facts (ISR publication and priority date)."""
        published = self.facts.get("isr_publication_date")
        priority = self.facts.get("priority_date") or self.facts.get("international_filing_date")
        if not self.facts.get("euro_pct") or not isinstance(published, dt.date):
            return
        if not isinstance(priority, dt.date):
            self.warnings.append(
                f"{self.matter}: ep.designation_fee: the international search report was "
                f"published {published} but no priority or international filing date is on "
                "file for the 31-month limit (Rule 159(1)(d)); docket the fee by hand"
            )
            return
        self._create(
            "ep.designation_fee",
            published,
            f"international search report published {published} (application data)",
            None,
            ["Euro-PCT: the ISR publication takes the place of the search report mention."],
            euro_pct=True,
            priority_date=priority,
        )

    def settle_search_stage(self, when: dt.date, reason: str) -> None:
        """The examining division has taken the application up: the search stage is over."""
        self._close_triggered_until(when, reason, *SEARCH_STAGE_RULES)

    def on_ep_amendments(self, event: Event) -> None:
        when = effective_date(event)
        self._close_triggered_until(
            when,
            f"amendments filed {when} ({event.source_code}): taken as the reply",
            *SEARCH_STAGE_RULES,
        )

    def on_ep_designation_fee_paid(self, event: Event) -> None:
        self._set(
            self._open("ep.designation_fee"),
            CLOSED,
            f"designation fee paid (reported {event.event_date}, {event.source_code})",
        )

    def on_ep_r161(self, event: Event) -> None:
        when = effective_date(event)
        self._create("ep.r161_162", when, describe(event), event, [])

    def on_ep_r70_2(self, event: Event) -> None:
        when = effective_date(event)
        self._create("ep.r70a_response", when, describe(event), event, [], variant="euro_pct")

    # -- grant: unitary effect --------------------------------------------------------------------

    def open_unitary_effect(self, mention: dt.date, trigger: str, event: Event | None) -> None:
        if mention < UNITARY_PATENT_START:
            return  # no unitary effect before the Unified Patent Court Agreement
        entry = self._create(
            "ep.unitary_effect",
            mention,
            trigger,
            event,
            ["A choice of the proprietor: docketed so that the one-month period is not missed."],
        )
        if entry is not None and self.unitary_requested is not None:
            entry.status, entry.status_reason = CLOSED, self.unitary_requested

    def on_ep_unitary_effect(self, event: Event) -> None:
        what = (
            "request for unitary effect filed"
            if event.event == tx.EP_UNITARY_EFFECT_REQUESTED
            else "unitary effect registered"
        )
        reason = f"{what} (reported {event.event_date}, {event.source_code})"
        self.unitary_requested = self.unitary_requested or reason
        self._set(self._open("ep.unitary_effect"), CLOSED, reason)

    # -- decisions and the end of the proceedings -------------------------------------------------

    def close_all_but_remedies(self, event: Event) -> None:
        """What a terminal event does, except to the remedies against it."""
        reason = f"{event.description or event.event} {event.event_date} ({event.source_code})"
        for entry in self._entries.values():
            if entry.status == OPEN and entry.rule not in REMEDY_RULES:
                entry.status, entry.status_reason = CLOSED, f"closed: {reason}"
                entry.closed_by_terminal = True

    def on_ep_deemed_withdrawn(self, event: Event) -> None:
        for entry in self._open("ep.further_processing"):
            if entry.due_date < event.event_date:
                self.further_processing_missed(
                    entry, f"; the application is deemed withdrawn ({event.source_code})"
                )
        self.close_all_but_remedies(event)

    def on_ep_refused(self, event: Event) -> None:
        self.close_all_but_remedies(event)
        attributes = dict(event.attributes)
        decided = attributes.get("trigger_date") or attributes.get("effective_date")
        if not decided:
            # Another source (INPADOC 18R) may give the decision date: warn only if none did.
            self._undated_refusal = self._undated_refusal or event
            return
        decision = dt.date.fromisoformat(str(decided))
        for act in ("notice", "grounds"):
            entry = self._create(
                "ep.appeal",
                decision,
                describe(event),
                event,
                [f"Decision to refuse dated {decision} (reported {event.event_date})."],
                act=act,
            )
            if entry is not None and entry.due_date < event.event_date:
                entry.status = CLOSED
                entry.status_reason = (
                    f"the period ended {entry.due_date}, before the refusal was reported on "
                    f"{event.event_date}; no appeal on file"
                )

    def on_ep_appeal_filed(self, event: Event) -> None:
        self._set(
            (e for e in self._open("ep.appeal") if e.discriminator() == "notice"),
            CLOSED,
            f"notice of appeal filed (reported {event.event_date}, {event.source_code})",
        )

    # -- loss of rights and its remedies ----------------------------------------------------------

    def on_ep_loss_of_rights(self, event: Event) -> None:
        when = effective_date(event)
        missed = [
            e
            for e in self._entries.values()
            if e.status == OPEN
            and e.rule not in REMEDY_RULES
            and (e.final_date or e.due_date) < when
        ]
        provision = _MISSED_PROVISION.get(missed[0].rule) if len(missed) == 1 else None
        if missed and missed[0].rule == "ep.r70a_response":
            variant = dict(missed[0].params).get("variant")
            provision = "Rule 70a(1)" if variant == "direct" else "Rule 70a(2)"
        excluded = provision is not None and further_processing_excluded(
            parse_provision(provision, "missed_rule"), "missed_rule"
        )
        remedy = "re-establishment" if excluded else "further-processing"
        for entry in missed:
            entry.status = CLOSED
            entry.status_reason = (
                f"missed: loss of rights noted {when} ({event.source_code}); see the {remedy} entry"
            )
        notes = [f"Loss of rights noted {when} ({event.source_code} {event.description})."]
        notes += [f"Missed: {e.rule} due {e.final_date or e.due_date}." for e in missed]
        if not excluded:
            params: dict[str, Any] = {"missed_rule": provision} if provision else {}
            self._create("ep.further_processing", when, describe(event), event, notes, **params)
            return
        expiry = missed[0].final_date or missed[0].due_date
        notes.append(
            f"Further processing is ruled out for {provision} (Rule 135(2)). ASSUMPTION: the "
            f"cause of non-compliance was removed when this communication was notified ({when}),"
            " the earliest date it can be known; verify the actual date."
        )
        self._create(
            "ep.re_establishment",
            when,
            describe(event),
            event,
            notes,
            missed_time_limit_expiry=expiry,
            missed_rule=provision,
        )

    def further_processing_missed(self, entry: _Entry, context: str = "") -> None:
        """Close a further-processing entry whose period ended; open re-establishment for it."""
        entry.status = CLOSED
        entry.status_reason = (
            f"further-processing period ended {entry.due_date} with no request on file"
            f"{context}; re-establishment of rights opened"
        )
        self._create(
            "ep.re_establishment",
            entry.due_date,
            f"further-processing period ended {entry.due_date} (ep.further_processing)",
            None,
            [
                f"Re-establishment in respect of the further-processing period (Rule 135(1)), "
                f"which ended {entry.due_date}.",
                "ASSUMPTION: the cause of non-compliance was removed on that day, the earliest "
                "possible, which gives the earliest due date; the two months run from the real "
                "removal, at most one year from the expiry (Rule 136(1)). Verify the date.",
            ],
            missed_time_limit_expiry=entry.due_date,
            missed_rule="Rule 135(1)",
        )

    def on_ep_further_processing_requested(self, event: Event) -> None:
        when = effective_date(event)
        self._close_triggered_until(
            when,
            f"further processing requested {when} ({event.source_code})",
            "ep.further_processing",
        )

    def on_ep_re_establishment_requested(self, event: Event) -> None:
        when = effective_date(event)
        self._set(
            self._open("ep.re_establishment"),
            CLOSED,
            f"re-establishment requested {when} ({event.source_code})",
        )

    # -- what the as-of date settles --------------------------------------------------------------

    def finish(self) -> None:
        super().finish()
        refusal = self._undated_refusal
        if refusal is not None and not any(e.rule == "ep.appeal" for e in self._entries.values()):
            self.warnings.append(
                f"{self.matter}: refusal reported {refusal.event_date} ({refusal.source_code}) "
                "without the date of the decision: the appeal periods (Art. 108) run from the "
                "decision's notification and cannot be computed from the report; check the "
                "decision"
            )
        if self.as_of is None:
            return
        as_of = self.as_of
        epo = get_calendar("EPO")
        for entry in self._open("ep.further_processing"):
            if entry.due_date < as_of:
                self.further_processing_missed(entry)
        for entry in self._open("ep.re_establishment", "ep.appeal"):
            expiry = dict(entry.params).get("missed_time_limit_expiry") or entry.due_date
            outer = epo.roll_forward(add_months(dt.date.fromisoformat(str(expiry)), 12)).date
            if outer < as_of:
                entry.status = CLOSED
                entry.status_reason = (
                    f"no request on file; re-establishment is no longer possible: the one-year "
                    f"limit from {expiry} (Rule 136(1)) ended {outer}"
                )
        for entry in self._open("ep.unitary_effect"):
            rescue = epo.roll_forward(add_months(entry.due_date, 2)).date
            if rescue < as_of:
                entry.status = CLOSED
                entry.status_reason = (
                    f"lapsed: no request for unitary effect on file; the period ended "
                    f"{entry.due_date} and re-establishment (Rule 22(2) UPR) {rescue}: the "
                    "patent has no unitary effect"
                )
