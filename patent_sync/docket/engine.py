"""Docket engine: canonical events → docket entries (pure; no I/O, no clock).

``evaluate_docket`` walks each matter's events in date order and lets each event create, close
or supersede entries; ``patent_sync.deadlines.compute`` does every date computation, so each
entry carries the rule's citation and the working.

Decisions (the brief left them open):

* **Which date an event counts from.** An event's ``trigger_date`` attribute when the parser set
  one (INPADOC effective date; Bulletin date of a mention of grant), else its ``event_date``.
* **Mailed, not written.** A US Office action or notice of allowance is triggered by its *mail*
  event (``MCTNF``, ``MCTFR``, ``MN/=.``). The written/counted event (``CTNF`` …) only creates an
  entry when no mail event of the same kind follows it within ``MAIL_PAIRING_DAYS``; that entry
  counts from the earlier written date (never later than the mailing, so never a late deadline)
  and says so.
* **Same day.** Events on one day run closers first (a reply or fee on the day of a new action
  does not close the new action), then creators, then grants, then terminal events (abandonment
  closes what was created that day), then reinstatements; ties by source rank, code, occurrence.
* **One entry per (matter, rule, trigger date, stage/year).** A second source reporting the same
  trigger corroborates the entry and changes nothing, whatever order the files came in.
* **Recorded-date communications.** Register "New entry" events and INPADOC despatch codes are
  dated when the office recorded them, days after the communication's own date. They create
  nothing when a better-dated source has the same kind of communication within
  ``CORROBORATION_DAYS``; otherwise they create an entry with a warning (a late-dated entry is
  flagged, not hidden).
* **Periods not in the source.** An EP communication without a time limit gets 4 months, marked
  as an assumption to verify. Periods the USPTO sets in the action itself (restriction, Quayle)
  are never guessed: the event is reported as unhandled.
* **Never silent.** Events that trigger nothing are just events. Events the engine should act on
  but cannot (no filing date for a renewal fee, a rule refusing the inputs …) are returned in
  ``DocketResult.unhandled_events`` with the reason; codes outside the taxonomy are listed in
  ``DocketResult.unknown_codes``. ``build_docket`` returns the entries alone.
* **Renewal-fee horizon.** An EP filing creates renewal-fee entries for years 3..20 whose year
  starts on or before ``as_of`` + 1 year (default: the matter's latest event + 1 year), so the
  output does not depend on the clock. Entries are never removed by later events, only closed.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from patent_sync.deadlines import DeadlineError, compute
from patent_sync.deadlines.arithmetic import add_months
from patent_sync.events import taxonomy as tx
from patent_sync.model import DocketEntry, Event

OPEN, CLOSED, SUPERSEDED = "open", "closed", "superseded"
MAIL_PAIRING_DAYS = 60
CORROBORATION_DAYS = 31
DEFAULT_EP_PERIOD_MONTHS = 4
MAINTENANCE_STAGES = ("3.5", "7.5", "11.5")
LAST_RENEWAL_YEAR = 20
OPEN_REASON = "no closing event on file"

_PRECEDENCE: dict[str, int] = {
    tx.EP_FILED: 0,
    tx.REPLY_FILED: 10,
    tx.ISSUE_FEE_PAID: 10,
    tx.MAINTENANCE_FEE_PAID: 10,
    tx.EP_REPLY_FILED: 10,
    tx.EP_R71_3_REPLY_FILED: 10,
    tx.EP_RENEWAL_FEE_PAID: 10,
    tx.OFFICE_ACTION_NON_FINAL: 20,
    tx.OFFICE_ACTION_FINAL: 20,
    tx.OFFICE_ACTION_NON_FINAL_WRITTEN: 20,
    tx.OFFICE_ACTION_FINAL_WRITTEN: 20,
    tx.NOTICE_OF_ALLOWANCE: 21,
    tx.NOTICE_OF_ALLOWANCE_WRITTEN: 21,
    tx.EP_SEARCH_REPORT_PUBLISHED: 20,
    tx.EP_EXAMINATION_REPORT: 20,
    tx.EP_R71_3_COMMUNICATION: 21,
    tx.EP_EXAMINATION_REQUESTED: 22,  # after the search report of the same day: it answers it
    tx.PATENT_GRANTED: 30,
    tx.EP_GRANT_MENTIONED: 30,
    tx.EP_OPPOSITION_FILED: 31,
    tx.EP_NO_OPPOSITION_FILED: 31,
    **{name: 40 for name in tx.TERMINAL_EVENTS},
    tx.PATENT_REINSTATED: 50,
}
_SOURCE_RANK = {
    "uspto.odp.transactions": 0,
    "epo.register.procedural_steps": 0,
    "epo.ops.legal": 1,
    "epo.register.events": 2,
    "epo.register.biblio": 3,
    "epo.register.status": 4,
}
_US_PAIRS = {  # written/counted event → the mail event that starts the period
    tx.OFFICE_ACTION_NON_FINAL_WRITTEN: tx.OFFICE_ACTION_NON_FINAL,
    tx.OFFICE_ACTION_FINAL_WRITTEN: tx.OFFICE_ACTION_FINAL,
    tx.NOTICE_OF_ALLOWANCE_WRITTEN: tx.NOTICE_OF_ALLOWANCE,
}
_PRE_GRANT_RULES_US = ("us.oa_reply", "us.issue_fee")
_PRE_GRANT_RULES_EP = ("ep.communication_reply", "ep.r71_3", "ep.examination_request")
_NO_MAINTENANCE_TYPES = {"DES": "design", "PLT": "plant"}


@dataclasses.dataclass(frozen=True, slots=True)
class UnhandledEvent:
    """An event the engine should have acted on but could not, and why."""

    event: Event
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class DocketResult:
    """Entries (deterministic order) plus everything a person must look at."""

    entries: tuple[DocketEntry, ...]
    unhandled_events: tuple[UnhandledEvent, ...]
    warnings: tuple[str, ...]
    unknown_codes: tuple[str, ...]  # "US-… uspto.odp.transactions XYZ 'desc' ×N"


def discriminator(params: Mapping[str, Any]) -> str:
    """What tells apart entries of one rule from one trigger: the maintenance-fee stage or the
    renewal year ("" for rules with a single entry per trigger)."""
    return str(params.get("stage") or params.get("year") or "")


def entry_key(entry: DocketEntry) -> str:
    """The identity of an entry across runs: matter, rule, trigger date and stage/year."""
    stage = discriminator(dict(entry.params))
    return f"{entry.matter}|{entry.rule}|{entry.trigger_date.isoformat()}|{stage}"


def build_docket(
    events: Iterable[Event],
    *,
    matter_facts: Mapping[str, Mapping[str, Any]] | None = None,
    as_of: dt.date | None = None,
) -> list[DocketEntry]:
    """The docket entries for ``events`` (see ``evaluate_docket`` for what else it finds)."""
    return list(evaluate_docket(events, matter_facts=matter_facts, as_of=as_of).entries)


def evaluate_docket(
    events: Iterable[Event],
    *,
    matter_facts: Mapping[str, Mapping[str, Any]] | None = None,
    as_of: dt.date | None = None,
) -> DocketResult:
    """Build the docket for every matter in ``events``.

    ``matter_facts`` maps an application key to facts the parsers found outside the event list
    (``filing_date``, ``grant_date``, ``application_type``, ``euro_pct``, ``priority_date``,
    ``international_filing_date``); ``as_of`` only bounds how many renewal years are listed.
    """
    by_matter: dict[str, list[Event]] = collections.defaultdict(list)
    for event in events:
        by_matter[event.application_key].append(event)
    facts = matter_facts or {}
    for matter in facts:
        by_matter.setdefault(matter, [])
    entries: list[DocketEntry] = []
    unhandled: list[UnhandledEvent] = []
    warnings: list[str] = []
    unknown: list[str] = []
    for matter in sorted(by_matter):
        docket = _MatterDocket(matter, by_matter[matter], facts.get(matter) or {}, as_of)
        docket.run()
        entries += docket.entries()
        unhandled += docket.unhandled
        warnings += docket.warnings
        unknown += docket.unknown_codes()
    entries.sort(key=lambda e: (e.matter, e.due_date, e.rule, e.trigger_date, entry_key(e)))
    return DocketResult(
        entries=tuple(entries),
        unhandled_events=tuple(unhandled),
        warnings=tuple(dict.fromkeys(warnings)),
        unknown_codes=tuple(unknown),
    )


def effective_date(event: Event) -> dt.date:
    """The date the law counts from: the ``trigger_date`` attribute, else ``event_date``."""
    value = dict(event.attributes).get("trigger_date")
    return dt.date.fromisoformat(value) if value else event.event_date


def describe(event: Event) -> str:
    """``canonical: CODE description`` — how an entry names the event behind it."""
    return f"{event.event}: {event.source_code.strip()} {event.description}".strip()


@dataclasses.dataclass(slots=True)
class _Entry:
    rule: str
    trigger_event: str
    trigger_date: dt.date
    due_date: dt.date
    final_date: dt.date | None
    extendable: bool
    citation: str
    explanation: tuple[str, ...]
    params: tuple[tuple[str, str], ...]
    status: str = OPEN
    status_reason: str = OPEN_REASON
    closed_by_terminal: bool = False
    calendar_warnings: tuple[str, ...] = ()
    corrected_notice_seen: bool = False

    def discriminator(self) -> str:
        return discriminator(dict(self.params))


class _MatterDocket:
    """The state of one matter while its events are replayed."""

    def __init__(
        self, matter: str, events: list[Event], facts: Mapping[str, Any], as_of: dt.date | None
    ) -> None:
        self.matter = matter
        self.facts = facts
        self.events = sorted(list(events) + self._facts_as_events(events), key=_order)
        self.as_of = as_of
        self._entries: dict[tuple[str, dt.date, str], _Entry] = {}
        self.unhandled: list[UnhandledEvent] = []
        self.warnings: list[str] = []
        self.filing_date: dt.date | None = None
        self.grant_date: dt.date | None = None
        self.examination_requested: dt.date | None = None
        self._precise: dict[str, list[dt.date]] = collections.defaultdict(list)
        self._mail_dates: dict[str, list[dt.date]] = collections.defaultdict(list)

    # -- driving --------------------------------------------------------------------------------

    def run(self) -> None:
        for event in self.events:
            precise = dict(event.attributes).get("date_precision") != "recorded"
            if precise and event.event in (tx.EP_EXAMINATION_REPORT, tx.EP_R71_3_COMMUNICATION):
                self._precise[event.event].append(effective_date(event))
            if event.event in _US_PAIRS.values():
                self._mail_dates[event.event].append(event.event_date)
        for event in self.events:
            handler = _HANDLERS.get(event.event)
            if handler is not None:
                handler(self, event)
        # Calendar caveats matter while an entry is open; a settled entry keeps them in its
        # explanation only (otherwise a long history buries the warnings that count).
        for entry in self._entries.values():
            if entry.status == OPEN:
                self.warnings += [
                    f"{self.matter} {entry.rule} {entry.trigger_date}: {w}"
                    for w in entry.calendar_warnings
                ]

    def _facts_as_events(self, events: list[Event]) -> list[Event]:
        """Facts that must act like events when no event carries them.

        A US grant date known only from the application metadata still starts the maintenance
        schedule; an EP filing date known only from the INPADOC/biblio application reference
        still starts the renewal-fee schedule. The synthetic event says where it came from.
        """
        names = {e.event for e in events}
        us = self._is_us()
        wanted = (
            (tx.PATENT_GRANTED, "grant_date", "applicationMetaData.grantDate", "US")
            if us
            else (tx.EP_FILED, "filing_date", "application-reference date", "EP")
        )
        name, fact, code, jurisdiction = wanted
        value = self.facts.get(fact)
        if name in names or not isinstance(value, dt.date):
            return []
        return [
            Event(
                application_key=self.matter,
                jurisdiction=jurisdiction,
                source_code=code,
                event=name,
                event_date=value,
                description=f"{fact.replace('_', ' ')} from the application data",
                source="facts",
            )
        ]

    def entries(self) -> list[DocketEntry]:
        return [
            DocketEntry(
                matter=self.matter,
                rule=e.rule,
                trigger_event=e.trigger_event,
                trigger_date=e.trigger_date,
                due_date=e.due_date,
                final_date=e.final_date,
                extendable=e.extendable,
                citation=e.citation,
                status=e.status,
                status_reason=e.status_reason,
                explanation=e.explanation,
                params=e.params,
            )
            for e in self._entries.values()
        ]

    def unknown_codes(self) -> list[str]:
        counts = collections.Counter(
            (e.source, e.source_code, e.description) for e in self.events if e.event == tx.OTHER
        )
        return [
            f"{self.matter} {source} {code!r} {description!r} x{n}"
            for (source, code, description), n in sorted(counts.items())
        ]

    def _is_us(self) -> bool:
        return self.matter.startswith("US-")

    # -- entry helpers --------------------------------------------------------------------------

    def _create(
        self,
        rule: str,
        trigger_date: dt.date,
        trigger_event: str,
        event: Event | None,
        notes: Iterable[str] = (),
        **params: Any,
    ) -> _Entry | None:
        key = (rule, trigger_date, discriminator(params))
        if key in self._entries:
            return None  # another source already reported this trigger: corroboration
        try:
            result = compute(rule, trigger_date, **params)
        except DeadlineError as exc:
            self._unhandled(event, f"{rule} from {trigger_date}: {exc}")
            return None
        entry = _Entry(
            rule=rule,
            trigger_event=trigger_event,
            trigger_date=trigger_date,
            due_date=result.due_date,
            final_date=result.final_date,
            extendable=result.extendable,
            citation=result.citation,
            explanation=tuple(notes) + tuple(result.explanation),
            params=tuple(sorted((str(k), _param_text(v)) for k, v in result.params.items())),
        )
        self._entries[key] = entry
        entry.calendar_warnings = tuple(result.warnings)
        return entry

    def _open(self, *rules: str) -> list[_Entry]:
        return [e for e in self._entries.values() if e.status == OPEN and e.rule in rules]

    def _set(self, entries: Iterable[_Entry], status: str, reason: str) -> None:
        for entry in entries:
            entry.status, entry.status_reason = status, reason

    def _unhandled(self, event: Event | None, reason: str) -> None:
        if event is None:
            self.warnings.append(f"{self.matter}: {reason}")
        else:
            self.unhandled.append(UnhandledEvent(event, reason))

    # -- United States --------------------------------------------------------------------------

    def on_office_action(self, event: Event) -> None:
        kind = "final" if event.event == tx.OFFICE_ACTION_FINAL else "non-final"
        note = (
            f"Triggered by the mailing of the {kind} Office action ({event.source_code}) on "
            f"{event.event_date}: the period runs from the mailing date (35 USC 133; "
            "37 CFR 1.134), not from the date the action was written."
        )
        self._create(
            "us.oa_reply", event.event_date, describe(event), event, [note], period_months=3
        )

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
        self._set(
            (e for e in self._open("us.oa_reply") if e.trigger_date <= event.event_date),
            CLOSED,
            f"reply filed {event.event_date} ({event.source_code} {event.description})",
        )

    def on_issue_fee_paid(self, event: Event) -> None:
        self._set(self._open("us.issue_fee"), CLOSED, f"issue fee paid {event.event_date}")

    def on_granted(self, event: Event) -> None:
        self._grant_us(event.event_date, describe(event), event)

    def _grant_us(self, grant: dt.date, trigger: str, event: Event | None = None) -> None:
        if self.grant_date is not None:
            return
        self.grant_date = grant
        for entry in self._open(*_PRE_GRANT_RULES_US):
            entry.status, entry.status_reason = CLOSED, f"patent granted {grant}"
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

    def on_terminal(self, event: Event) -> None:
        reason = f"{event.description or event.event} {event.event_date} ({event.source_code})"
        for entry in self._entries.values():
            if entry.status == OPEN:
                entry.status, entry.status_reason = CLOSED, f"closed: {reason}"
                entry.closed_by_terminal = True

    def on_reinstated(self, event: Event) -> None:
        for entry in self._entries.values():
            if entry.closed_by_terminal and entry.rule == "us.maintenance_fee":
                entry.status = OPEN
                entry.status_reason = (
                    f"reopened: {event.description} {event.event_date} ({event.source_code})"
                )
                entry.closed_by_terminal = False

    # -- European Patent Office -----------------------------------------------------------------

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
        self._set(
            (e for e in self._open("ep.communication_reply") if e.trigger_date <= event.event_date),
            CLOSED,
            f"reply filed {event.event_date} ({event.source_code} {event.description})",
        )

    def on_ep_r71_3(self, event: Event) -> None:
        notes = self._recorded_communication(event, "ep.r71_3")
        if notes is None:
            return
        when = effective_date(event)
        created = self._create("ep.r71_3", when, describe(event), event, notes)
        if created is not None:
            self._set(
                (e for e in self._open("ep.communication_reply") if e.trigger_date <= when),
                CLOSED,
                f"closed: Rule 71(3) communication dispatched {when}",
            )

    def on_ep_r71_3_reply(self, event: Event) -> None:
        self._set(
            self._open("ep.r71_3"),
            CLOSED,
            f"Rule 71(3) reply complete {event.event_date}: fees paid, translations filed",
        )

    def on_ep_search_report(self, event: Event) -> None:
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


_HANDLERS = {
    tx.OFFICE_ACTION_NON_FINAL: _MatterDocket.on_office_action,
    tx.OFFICE_ACTION_FINAL: _MatterDocket.on_office_action,
    tx.OFFICE_ACTION_NON_FINAL_WRITTEN: _MatterDocket.on_written,
    tx.OFFICE_ACTION_FINAL_WRITTEN: _MatterDocket.on_written,
    tx.NOTICE_OF_ALLOWANCE_WRITTEN: _MatterDocket.on_written,
    tx.REPLY_PERIOD_SET_IN_ACTION: _MatterDocket.on_period_set_in_action,
    tx.NOTICE_OF_ALLOWANCE: _MatterDocket.on_notice_of_allowance,
    tx.NOTICE_OF_ALLOWANCE_CORRECTED: _MatterDocket.on_corrected_allowance,
    tx.REPLY_FILED: _MatterDocket.on_reply,
    tx.ISSUE_FEE_PAID: _MatterDocket.on_issue_fee_paid,
    tx.PATENT_GRANTED: _MatterDocket.on_granted,
    tx.MAINTENANCE_FEE_PAID: _MatterDocket.on_maintenance_paid,
    tx.PATENT_REINSTATED: _MatterDocket.on_reinstated,
    tx.EP_FILED: _MatterDocket.on_ep_filed,
    tx.EP_RENEWAL_FEE_PAID: _MatterDocket.on_ep_renewal_paid,
    tx.EP_EXAMINATION_REPORT: _MatterDocket.on_ep_communication,
    tx.EP_REPLY_FILED: _MatterDocket.on_ep_reply,
    tx.EP_R71_3_COMMUNICATION: _MatterDocket.on_ep_r71_3,
    tx.EP_R71_3_REPLY_FILED: _MatterDocket.on_ep_r71_3_reply,
    tx.EP_SEARCH_REPORT_PUBLISHED: _MatterDocket.on_ep_search_report,
    tx.EP_EXAMINATION_REQUESTED: _MatterDocket.on_ep_examination_requested,
    tx.EP_GRANT_MENTIONED: _MatterDocket.on_ep_grant,
    tx.EP_OPPOSITION_FILED: _MatterDocket.on_ep_opposition,
    tx.EP_NO_OPPOSITION_FILED: _MatterDocket.on_ep_opposition,
    **{name: _MatterDocket.on_terminal for name in tx.TERMINAL_EVENTS},
}


def _order(event: Event) -> tuple[Any, ...]:
    return (
        effective_date(event),
        _PRECEDENCE.get(event.event, 25),
        _SOURCE_RANK.get(event.source, 9),
        event.source_code,
        event.description,
        event.occurrence,
    )


def _param_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _years_between(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years
