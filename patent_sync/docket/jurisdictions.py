"""Which docket rules apply to a matter: one handler per office, chosen from a table.

The office of a matter is the part of its application key before the first ``-`` (``US``,
``EP``, ``WO``, ``JP`` …; the event's ``jurisdiction`` when the key has none). An international
application that the USPTO reports as receiving Office (``US-PCT/US07/19317``) is a PCT
application, office ``WO``. ``OFFICES`` maps an office to the ``MatterDocket`` subclass that
knows its law; an office missing from the table has no rules, and its matters are reported as
unhandled by the engine (never docketed with another office's deadlines: an INPADOC family
brings ``JP-``, ``DE-`` … members along, and a ``WO-`` matter is not a European application).

* ``UsDocket`` — USPTO prosecution (Office actions, allowance, issue fee) and maintenance fees.
* ``EpDocket`` — EPO examination, Rule 71(3), renewal fees, opposition period.
* ``PctDocket`` — the international phase: national/regional phase entry at the USPTO
  (30 months) and the EPO (31 months) from the priority date (``pct.national_phase``).
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from patent_sync.deadlines.arithmetic import add_months
from patent_sync.docket.engine import (
    CLOSED,
    CORROBORATION_DAYS,
    DEFAULT_EP_PERIOD_MONTHS,
    LAST_RENEWAL_YEAR,
    MAIL_PAIRING_DAYS,
    MAINTENANCE_STAGES,
    OPEN,
    SUPERSEDED,
    FactEvent,
    MatterDocket,
    PublishedApplication,
    describe,
    effective_date,
)
from patent_sync.docket.ep_remedy_rules import EP_PRE_GRANT_RULES, EpRemedyRules
from patent_sync.docket.us_appeal_rules import US_PRE_GRANT_RULES, UsAppealRules
from patent_sync.events import taxonomy as tx
from patent_sync.model import Document, Event

_US_PAIRS = {  # written/counted event → the mail event that starts the period
    tx.OFFICE_ACTION_NON_FINAL_WRITTEN: tx.OFFICE_ACTION_NON_FINAL,
    tx.OFFICE_ACTION_FINAL_WRITTEN: tx.OFFICE_ACTION_FINAL,
    tx.NOTICE_OF_ALLOWANCE_WRITTEN: tx.NOTICE_OF_ALLOWANCE,
}
_PRE_GRANT_RULES_US = ("us.oa_reply", "us.issue_fee")
_PRE_GRANT_RULES_EP = (
    "ep.communication_reply",
    "ep.r71_3",
    "ep.examination_request",
    *EP_PRE_GRANT_RULES,
)
_NO_MAINTENANCE_TYPES = {"DES": "design", "PLT": "plant"}
# An international application in a matter key: "2022IB055385", or as printed "PCT/US07/19317".
_PCT_KEY = re.compile(r"(?P<year>[0-9]{4})(?P<office>[A-Z]{2})(?P<serial>[0-9]{5,6})")
_PCT_PRINTED = re.compile(
    r"PCT/?(?P<office>[A-Z]{2})(?P<year>[0-9]{2}|[0-9]{4})/?(?P<serial>[0-9]{5,6})"
)


class UsDocket(UsAppealRules):
    """A US application or patent (USPTO ODP transactions and application metadata)."""

    OFFICE: ClassVar[str] = "US"
    HANDLERS: ClassVar[Mapping[str, str]] = {
        **MatterDocket.HANDLERS,
        tx.OFFICE_ACTION_NON_FINAL: "on_office_action",
        tx.OFFICE_ACTION_FINAL: "on_office_action",
        tx.OFFICE_ACTION_NON_FINAL_WRITTEN: "on_written",
        tx.OFFICE_ACTION_FINAL_WRITTEN: "on_written",
        tx.NOTICE_OF_ALLOWANCE_WRITTEN: "on_written",
        tx.REPLY_PERIOD_SET_IN_ACTION: "on_period_set_in_action",
        tx.NOTICE_OF_ALLOWANCE: "on_notice_of_allowance",
        tx.NOTICE_OF_ALLOWANCE_CORRECTED: "on_corrected_allowance",
        tx.REPLY_FILED: "on_reply",
        tx.ISSUE_FEE_PAID: "on_issue_fee_paid",
        tx.PATENT_GRANTED: "on_granted",
        tx.MAINTENANCE_FEE_PAID: "on_maintenance_paid",
        tx.PATENT_REINSTATED: "on_reinstated",
        **UsAppealRules.EXTRA_HANDLERS,
    }
    # Same day: closers, then creators, then grants, then terminal events, then reinstatements.
    PRECEDENCE: ClassVar[Mapping[str, int]] = {
        **MatterDocket.PRECEDENCE,
        **UsAppealRules.EXTRA_PRECEDENCE,
        tx.REPLY_FILED: 10,
        tx.ISSUE_FEE_PAID: 10,
        tx.MAINTENANCE_FEE_PAID: 10,
        tx.OFFICE_ACTION_NON_FINAL: 20,
        tx.OFFICE_ACTION_FINAL: 20,
        tx.OFFICE_ACTION_NON_FINAL_WRITTEN: 20,
        tx.OFFICE_ACTION_FINAL_WRITTEN: 20,
        tx.NOTICE_OF_ALLOWANCE: 21,
        tx.NOTICE_OF_ALLOWANCE_WRITTEN: 21,
        tx.PATENT_GRANTED: 30,
        tx.PATENT_REINSTATED: 50,
    }
    FACT_EVENTS: ClassVar[tuple[FactEvent, ...]] = (
        FactEvent(tx.PATENT_GRANTED, "grant_date", "applicationMetaData.grantDate"),
    )

    def __init__(
        self, matter: str, events: list[Event], facts: Mapping[str, Any], as_of: dt.date | None
    ) -> None:
        super().__init__(matter, events, facts, as_of)
        self.grant_date: dt.date | None = None
        self._mail_dates: dict[str, list[dt.date]] = collections.defaultdict(list)

    def prepare(self) -> None:
        for event in self.events:
            if event.event in _US_PAIRS.values():
                self._mail_dates[event.event].append(event.event_date)
        self.open_priority_claim()

    def on_office_action(self, event: Event) -> None:
        kind = "final" if event.event == tx.OFFICE_ACTION_FINAL else "non-final"
        note = (
            f"Triggered by the mailing of the {kind} Office action ({event.source_code}) on "
            f"{event.event_date}: the period runs from the mailing date (35 USC 133; "
            "37 CFR 1.134), not from the date the action was written."
        )
        self.supersede_appeal(
            event.event_date, f"superseded by the Office action mailed {event.event_date}"
        )
        self._create(
            "us.oa_reply", event.event_date, describe(event), event, [note], period_months=3
        )
        if event.event == tx.OFFICE_ACTION_FINAL:
            self.open_notice_of_appeal(event, [note])

    def on_written(self, event: Event) -> None:
        mailed = _US_PAIRS[event.event]
        if any(
            0 <= (d - event.event_date).days <= MAIL_PAIRING_DAYS for d in self._mail_dates[mailed]
        ):
            return  # the mail event on file is the trigger
        note = (
            f"No mailing event on file within {MAIL_PAIRING_DAYS} days of {event.source_code} "
            f"({event.event_date}); counting from the date the action was written, which is "
            "never later than the mailing date. Verify the mailing date on the action."
        )
        self.warnings.append(f"{self.matter} {event.source_code} {event.event_date}: {note}")
        if mailed == tx.NOTICE_OF_ALLOWANCE:
            self._notice_of_allowance(event, [note])
        else:
            self._create(
                "us.oa_reply", event.event_date, describe(event), event, [note], period_months=3
            )
            if mailed == tx.OFFICE_ACTION_FINAL:
                self.open_notice_of_appeal(event, [note])

    def on_period_set_in_action(self, event: Event) -> None:
        self._unhandled(
            event,
            f"{event.source_code} ({event.description}, {event.event_date}): the reply period "
            "is set in the action itself; docket it by hand from the action",
        )

    def on_notice_of_allowance(self, event: Event) -> None:
        note = (
            f"Triggered by the mailing of the notice of allowance ({event.source_code}) on "
            f"{event.event_date} (37 CFR 1.311)."
        )
        self._notice_of_allowance(event, [note])

    def _notice_of_allowance(self, event: Event, notes: list[str]) -> None:
        reason = f"superseded by notice of allowance mailed {event.event_date}"
        self._set(
            (e for e in self._open("us.oa_reply") if e.trigger_date <= event.event_date),
            SUPERSEDED,
            reason,
        )
        self.supersede_appeal(event.event_date, reason)
        self._create("us.issue_fee", event.event_date, describe(event), event, notes)

    def on_corrected_allowance(self, event: Event) -> None:
        pending = [e for e in self._open("us.issue_fee") if not e.corrected_notice_seen]
        for entry in pending:
            entry.corrected_notice_seen = True
        if pending:
            self.warnings.append(
                f"{self.matter}: {event.source_code} {event.description} on {event.event_date}: "
                "the issue-fee period still runs from the original notice of allowance unless "
                "the corrected notice sets a new period; check the corrected notice"
            )

    def on_reply(self, event: Event) -> None:
        self._close_triggered_until(
            event.event_date,
            f"reply filed {event.event_date} ({event.source_code} {event.description})",
            "us.oa_reply",
        )

    def on_issue_fee_paid(self, event: Event) -> None:
        self._set(self._open("us.issue_fee"), CLOSED, f"issue fee paid {event.event_date}")

    def on_granted(self, event: Event) -> None:
        self._grant_us(event.event_date, describe(event), event)

    def _grant_us(self, grant: dt.date, trigger: str, event: Event | None = None) -> None:
        if self.grant_date is not None:
            return
        self.grant_date = grant
        for entry in self._open(*_PRE_GRANT_RULES_US, *US_PRE_GRANT_RULES):
            entry.status, entry.status_reason = CLOSED, f"patent granted {grant}"
        self.open_reissue_window(grant, trigger, event)
        app_type = str(self.facts.get("application_type") or "")
        kind = _NO_MAINTENANCE_TYPES.get(app_type)
        if kind is None and self.matter.startswith("US-29"):
            kind = "design"  # series code 29 is the design series
        if kind is not None:
            self.warnings.append(
                f"{self.matter}: {kind} patent granted {grant}: no maintenance fees "
                "(35 USC 41(b) applies to utility patents)"
            )
            return
        for stage in MAINTENANCE_STAGES:
            self._create(
                "us.maintenance_fee",
                grant,
                trigger,
                event,
                [f"Grant (issue) date {grant}; stage {stage} years."],
                stage=stage,
            )

    def on_maintenance_paid(self, event: Event) -> None:
        stage = dict(event.attributes).get("stage")
        targets = [
            e
            for e in self._entries.values()
            if e.rule == "us.maintenance_fee"
            and e.discriminator() == stage
            and (e.status == OPEN or e.closed_by_terminal)
        ]
        if not targets:
            if not any(e.rule == "us.maintenance_fee" for e in self._entries.values()):
                self._unhandled(
                    event,
                    f"maintenance fee (stage {stage}) paid {event.event_date} but no grant date "
                    "is on file to compute the maintenance schedule",
                )
            return
        for entry in targets:
            entry.status = CLOSED
            entry.status_reason = (
                f"maintenance fee paid {event.event_date} ({event.source_code} {event.description})"
            )
            entry.closed_by_terminal = False

    def on_reinstated(self, event: Event) -> None:
        self.reopen_after_reinstatement(event)
        self._reopen_after_terminal(event, "us.maintenance_fee")


class EpDocket(EpRemedyRules):
    """A European application or patent (EP Register, INPADOC legal events)."""

    OFFICE: ClassVar[str] = "EP"
    HANDLERS: ClassVar[Mapping[str, str]] = {
        **MatterDocket.HANDLERS,
        tx.EP_FILED: "on_ep_filed",
        tx.EP_RENEWAL_FEE_PAID: "on_ep_renewal_paid",
        tx.EP_EXAMINATION_REPORT: "on_ep_communication",
        tx.EP_REPLY_FILED: "on_ep_reply",
        tx.EP_R71_3_COMMUNICATION: "on_ep_r71_3",
        tx.EP_R71_3_REPLY_FILED: "on_ep_r71_3_reply",
        tx.EP_SEARCH_REPORT_PUBLISHED: "on_ep_search_report",
        tx.EP_EXAMINATION_REQUESTED: "on_ep_examination_requested",
        tx.EP_GRANT_MENTIONED: "on_ep_grant",
        tx.EP_OPPOSITION_FILED: "on_ep_opposition",
        tx.EP_NO_OPPOSITION_FILED: "on_ep_opposition",
        **EpRemedyRules.EXTRA_HANDLERS,
    }
    PRECEDENCE: ClassVar[Mapping[str, int]] = {
        **MatterDocket.PRECEDENCE,
        **EpRemedyRules.EXTRA_PRECEDENCE,
        tx.EP_FILED: 0,
        tx.EP_REPLY_FILED: 10,
        tx.EP_R71_3_REPLY_FILED: 10,
        tx.EP_RENEWAL_FEE_PAID: 10,
        tx.EP_SEARCH_REPORT_PUBLISHED: 20,
        tx.EP_EXAMINATION_REPORT: 20,
        tx.EP_R71_3_COMMUNICATION: 21,
        tx.EP_EXAMINATION_REQUESTED: 22,  # after the search report of the same day: it answers it
        tx.EP_GRANT_MENTIONED: 30,
        tx.EP_OPPOSITION_FILED: 31,
        tx.EP_NO_OPPOSITION_FILED: 31,
    }
    FACT_EVENTS: ClassVar[tuple[FactEvent, ...]] = (
        FactEvent(tx.EP_FILED, "filing_date", "application-reference date"),
    )

    def __init__(
        self, matter: str, events: list[Event], facts: Mapping[str, Any], as_of: dt.date | None
    ) -> None:
        super().__init__(matter, events, facts, as_of)
        self.filing_date: dt.date | None = None
        self.grant_date: dt.date | None = None
        self.examination_requested: dt.date | None = None
        self._precise: dict[str, list[dt.date]] = collections.defaultdict(list)

    def prepare(self) -> None:
        for event in self.events:
            precise = dict(event.attributes).get("date_precision") != "recorded"
            if precise and event.event in (tx.EP_EXAMINATION_REPORT, tx.EP_R71_3_COMMUNICATION):
                self._precise[event.event].append(effective_date(event))
        self.open_euro_pct_designation_fee()

    def on_ep_filed(self, event: Event) -> None:
        self._start_renewals(event.event_date, describe(event), event)

    def _start_renewals(self, filed: dt.date, trigger: str, event: Event | None = None) -> None:
        if self.filing_date is not None:
            return
        self.filing_date = filed
        euro_pct = bool(self.facts.get("euro_pct"))
        base = self.facts.get("international_filing_date") if euro_pct else None
        base = base or filed
        horizon = self._horizon()
        params: dict[str, Any] = {"euro_pct": euro_pct}
        if self.facts.get("priority_date"):
            params["priority_date"] = self.facts["priority_date"]
        for year in range(3, LAST_RENEWAL_YEAR + 1):
            if add_months(base, 12 * (year - 1)) > horizon:
                break
            self._create(
                "ep.renewal_fee",
                base,
                trigger,
                event,
                [f"Renewal fee for year {year} counted from {base} (Art. 86(1), Rule 51 EPC)."],
                year=year,
                **params,
            )

    def _horizon(self) -> dt.date:
        reference = self.as_of or max((e.event_date for e in self.events), default=None)
        reference = reference or self.facts.get("filing_date") or dt.date.min
        return add_months(reference, 12)

    def on_ep_renewal_paid(self, event: Event) -> None:
        attributes = dict(event.attributes)
        renewals = [e for e in self._entries.values() if e.rule == "ep.renewal_fee"]
        year = attributes.get("year")
        if not renewals:
            self._unhandled(
                event,
                f"renewal fee paid {event.event_date} but the filing date is unknown, so there "
                "is no renewal schedule to match it to (load the Register biblio or the INPADOC "
                "legal events with this file)",
            )
            return
        if year is not None:
            targets = [e for e in renewals if e.discriminator() == str(int(year))]
            if not targets:
                self._unhandled(
                    event,
                    f"renewal fee for year {int(year)} paid {event.event_date} but no renewal "
                    "schedule for that year (filing date unknown or beyond the horizon)",
                )
            for entry in targets:
                if entry.status == OPEN or entry.closed_by_terminal:
                    entry.status = CLOSED
                    entry.status_reason = (
                        f"renewal fee for year {int(year)} paid {event.event_date}"
                    )
                    entry.closed_by_terminal = False
            return
        # No year in this feed: match by the payment window (Rule 51(1): payable from 3 months
        # before the due date up to the end of the grace period). Never guess between two.
        window = [
            e
            for e in renewals
            if add_months(e.due_date, -3) <= event.event_date <= (e.final_date or e.due_date)
        ]
        if len(window) != 1:
            self._unhandled(
                event,
                f"renewal fee paid {event.event_date} without a year and "
                f"{'no' if not window else 'more than one'} renewal year matches the date",
            )
            return
        entry = window[0]
        if entry.status == OPEN:
            entry.status = CLOSED
            entry.status_reason = (
                f"renewal fee paid {event.event_date} ({event.source_code}: no year in the "
                f"source; matched to year {entry.discriminator()} by the payment window)"
            )

    def _recorded_communication(self, event: Event, rule: str) -> list[str] | None:
        """None when a better-dated source has this communication; else the warning notes."""
        if dict(event.attributes).get("date_precision") != "recorded":
            return []
        when = effective_date(event)
        if any(abs((d - when).days) <= CORROBORATION_DAYS for d in self._precise[event.event]):
            return None
        note = (
            f"{event.source_code} is dated {when}, the day the office recorded the "
            "communication, which can be later than the date the communication bears: the due "
            "date may be too late. Verify against the communication itself."
        )
        self.warnings.append(f"{self.matter} {rule} {when}: {note}")
        return [note]

    def on_ep_communication(self, event: Event) -> None:
        when = effective_date(event)
        self.settle_search_stage(when, f"the examining division's communication of {when}")
        notes = self._recorded_communication(event, "ep.communication_reply")
        if notes is None:
            return
        period = dict(event.attributes).get("period_months")
        if period is None:
            notes.append(
                f"ASSUMPTION: the source gives no time limit; {DEFAULT_EP_PERIOD_MONTHS} months "
                "assumed (the usual period for an examination report, Guidelines E-VIII, 1.2). "
                "Verify the period set in the communication."
            )
            period = DEFAULT_EP_PERIOD_MONTHS
        else:
            notes.append(f"Time limit {period} months as the Register records it.")
        self._create(
            "ep.communication_reply",
            effective_date(event),
            describe(event),
            event,
            notes,
            period_months=int(period),
        )

    def on_ep_reply(self, event: Event) -> None:
        self._close_triggered_until(
            event.event_date,
            f"reply filed {event.event_date} ({event.source_code} {event.description})",
            "ep.communication_reply",
        )

    def on_ep_r71_3(self, event: Event) -> None:
        when = effective_date(event)
        self.settle_search_stage(when, f"Rule 71(3) communication of {when}")
        notes = self._recorded_communication(event, "ep.r71_3")
        if notes is None:
            return
        when = effective_date(event)
        created = self._create("ep.r71_3", when, describe(event), event, notes)
        if created is not None:
            self._close_triggered_until(
                when,
                f"closed: Rule 71(3) communication dispatched {when}",
                "ep.communication_reply",
            )

    def on_ep_r71_3_reply(self, event: Event) -> None:
        self._set(
            self._open("ep.r71_3"),
            CLOSED,
            f"Rule 71(3) reply complete {event.event_date}: fees paid, translations filed",
        )

    def on_ep_search_report(self, event: Event) -> None:
        self.open_search_stage(event)
        entry = self._create(
            "ep.examination_request",
            effective_date(event),
            describe(event),
            event,
            ["Counted from the mention of the publication of the search report."],
        )
        if entry is not None and self.examination_requested is not None:
            entry.status = CLOSED
            entry.status_reason = (
                f"request for examination already filed {self.examination_requested}"
            )

    def on_ep_examination_requested(self, event: Event) -> None:
        when = effective_date(event)
        if self.examination_requested is None:
            self.examination_requested = when
        self._set(
            self._open("ep.examination_request"),
            CLOSED,
            f"request for examination filed {when}",
        )

    def on_ep_grant(self, event: Event) -> None:
        mention = effective_date(event)
        if self.grant_date is not None:
            return  # another source reporting the same grant
        self.grant_date = mention
        self._create(
            "ep.opposition",
            mention,
            describe(event),
            event,
            [f"Mention of grant published in the European Patent Bulletin on {mention}."],
        )
        self.open_unitary_effect(mention, describe(event), event)
        self._set(
            self._open(*_PRE_GRANT_RULES_EP),
            CLOSED,
            f"closed: mention of grant published {mention}",
        )
        if self.filing_date is None:
            return
        base = self.facts.get("international_filing_date") or self.filing_date
        grant_year = _years_between(base, mention) + 1  # the patent year containing the mention
        for entry in self._open("ep.renewal_fee"):
            year = int(entry.discriminator())
            if year > grant_year:
                entry.status = CLOSED
                entry.status_reason = (
                    f"closed: mention of grant published {mention} (patent year {grant_year}); "
                    f"the renewal fee for year {year} is due to the national offices "
                    "(Art. 86(2), Art. 141 EPC)"
                )

    def on_ep_opposition(self, event: Event) -> None:
        if event.event == tx.EP_OPPOSITION_FILED:
            reason = f"opposition filed (reported {event.event_date}): opposition proceedings"
        else:
            reason = f"no opposition filed within the time limit (reported {event.event_date})"
        self._set(self._open("ep.opposition"), CLOSED, reason)


class PctDocket(MatterDocket):
    """An international (PCT) application in its international phase.

    INPADOC reports little for a ``WO`` family member that the taxonomy maps (its codes are
    national-phase bookkeeping), so the docket comes from the facts: the national/regional phase
    entry deadlines at the offices the rules know, counted from the priority date.
    """

    OFFICE: ClassVar[str] = "WO"
    NATIONAL_PHASE_OFFICES: ClassVar[tuple[str, ...]] = ("USPTO", "EPO")

    @classmethod
    def published_application(cls, matter: str) -> PublishedApplication | None:
        """The WO publications of the international application ``matter`` names.

        DOCDB (and OPS) number an international application by its receiving Office and
        ``YYYY`` + the six-digit serial (``IB`` ``2022055385`` for PCT/IB2022/055385), which
        the WO publication's application reference carries; ``WO-2022IB055385``,
        ``WO-2010EP12345`` (the epodoc form, serial without its leading zero) and
        ``US-PCT/US07/19317`` (the USPTO as receiving Office) all name one such number.
        """
        number = matter.partition("-")[2].upper()
        match = _PCT_KEY.fullmatch(number) or _PCT_PRINTED.fullmatch(number)
        if match is None:
            return None
        year = match.group("year")
        if len(year) == 2:  # the PCT began in 1978; older printings give two digits
            year = ("19" if int(year) >= 78 else "20") + year
        return PublishedApplication(
            country=cls.OFFICE,
            application_number=f"{year}{int(match.group('serial')):06d}",
            application_country=match.group("office"),
        )

    @classmethod
    def facts_from_documents(cls, documents: Sequence[Document]) -> dict[str, Any]:
        """The earliest priority date and the international filing date of the publications
        (every WO publication of an application repeats them)."""
        facts: dict[str, Any] = {}
        priorities = [
            claim.date for doc in documents for claim in doc.priority_claims if claim.date
        ]
        if priorities:
            facts["priority_date"] = min(priorities)
        filed = sorted({doc.filing_date for doc in documents if doc.filing_date})
        if filed:
            facts["international_filing_date"] = filed[0]
        return facts

    def prepare(self) -> None:
        priority = self.facts.get("priority_date")
        filed = self.facts.get("international_filing_date") or self.facts.get("filing_date")
        if isinstance(priority, dt.date):
            trigger, what, notes = priority, "priority date", [f"Priority date {priority}."]
        elif isinstance(filed, dt.date):
            note = (
                f"No priority date on file: counted from the international filing date {filed} "
                "(PCT Art. 2(xi)(c)). If the application claims priority the period runs from "
                "the priority date and ends earlier: verify the priority claim."
            )
            self.warnings.append(f"{self.matter} pct.national_phase {filed}: {note}")
            trigger, what, notes = filed, "international filing date", [note]
        else:
            reason = (
                "no priority date and no international filing date on file: the national "
                "phase entry deadlines (30/31 months from priority) cannot be computed"
            )
            first = self.events[0] if self.events else None
            self._unhandled(first, reason)
            return
        for office in self.NATIONAL_PHASE_OFFICES:
            self._create(
                "pct.national_phase",
                trigger,
                f"{what} {trigger} from the application data",
                None,
                notes,
                office=office,
            )
        self._create(
            "pct.publication",
            trigger,
            f"{what} {trigger} from the application data",
            None,
            [*notes, "Informational: the projected international publication, not a time limit."],
        )
        transmitted = self.facts.get("isr_transmittal_date")
        if isinstance(transmitted, dt.date):
            self._create(
                "pct.art19_amendment",
                transmitted,
                f"international search report transmitted {transmitted} (application data)",
                None,
                notes,
                priority_date=trigger,
            )

    def finish(self) -> None:
        """A projected publication date that has passed is history, not a deadline."""
        super().finish()
        self._close_past_due(
            "pct.publication",
            lambda due: (
                f"projected publication date {due} has passed (informational entry, not a time "
                "limit)"
            ),
        )


OFFICES: Mapping[str, type[MatterDocket]] = {
    docket.OFFICE: docket for docket in (UsDocket, EpDocket, PctDocket)
}


def office_of(matter: str, events: list[Event]) -> str:
    """The office whose law governs ``matter`` (see the module docstring)."""
    office, dash, number = matter.partition("-")
    if not dash:
        office = events[0].jurisdiction if events else matter
    if number.upper().startswith("PCT/"):
        return PctDocket.OFFICE
    return office.strip().upper()


def docket_for(matter: str, events: list[Event]) -> tuple[str, type[MatterDocket] | None]:
    """The office of ``matter`` and the docket class with its rules (None: no rules)."""
    office = office_of(matter, events)
    return office, OFFICES.get(office)


def handled_offices() -> tuple[str, ...]:
    return tuple(sorted(OFFICES))


def _years_between(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years
