"""Docket engine: canonical events → docket entries (pure; no I/O, no clock).

``evaluate_docket`` walks each matter's events in date order and lets each event create, close
or supersede entries; ``patent_sync.deadlines.compute`` does every date computation, so each
entry carries the rule's citation and the working.

Which rules apply is the business of the matter's office: ``patent_sync.docket.jurisdictions``
maps an office (the part of the application key before the first ``-``) to a ``MatterDocket``
subclass that holds that office's handlers, same-day precedence and fact-derived events. This
module is the office-neutral machinery (replay, entries, closing, reporting). A matter of an
office without rules gets no entries at all, rather than another office's deadlines, and is
reported among the unhandled events.

Decisions:

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
* **What only the as-of date settles** (``MatterDocket.finish``, after the replay): an
  opportunity whose period has ended is closed as lapsed rather than left overdue (a broadening
  reissue, unitary effect once its re-establishment window is past too, a projected PCT
  publication), and a further-processing period that ended with no request opens
  re-establishment. Without ``as_of`` nothing is settled this way.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from patent_sync.deadlines import DeadlineError, compute
from patent_sync.events import taxonomy as tx
from patent_sync.model import DocketEntry, Document, Event

OPEN, CLOSED, SUPERSEDED = "open", "closed", "superseded"
MAIL_PAIRING_DAYS = 60
CORROBORATION_DAYS = 31
DEFAULT_EP_PERIOD_MONTHS = 4
MAINTENANCE_STAGES = ("3.5", "7.5", "11.5")
LAST_RENEWAL_YEAR = 20
OPEN_REASON = "no closing event on file"
DEFAULT_PRECEDENCE = 25  # events no office ranks: after closers, before grants and terminals

_SOURCE_RANK = {
    "uspto.odp.transactions": 0,
    "epo.register.procedural_steps": 0,
    "epo.ops.legal": 1,
    "epo.register.events": 2,
    "epo.register.biblio": 3,
    "epo.register.status": 4,
    # Pages read by a browser fallback come last: an office's data service, when it has the
    # same trigger, is what creates the entry.
    "epo.register.html": 8,
    "uspto.patentcenter.html": 8,
}


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


@dataclasses.dataclass(frozen=True, slots=True)
class FactEvent:
    """A fact that acts as an event when no event of the matter carries it (see
    ``MatterDocket.facts_as_events``)."""

    event: str  # canonical name of the synthetic event
    fact: str  # key in the matter facts, holding a date
    source_code: str  # where the fact came from, shown in the entry's trigger


@dataclasses.dataclass(frozen=True, slots=True)
class PublishedApplication:
    """Where a matter's published documents are in the docket store: documents of
    ``country`` whose docdb application number is ``application_number`` (and whose
    application office is ``application_country``, when that tells them apart)."""

    country: str
    application_number: str
    application_country: str | None = None


def discriminator(params: Mapping[str, Any]) -> str:
    """What tells apart entries of one rule from one trigger: the maintenance-fee stage, the
    renewal year, the office of a PCT national phase or the act of an appeal (notice or
    grounds); "" for rules with a single entry per trigger."""
    return str(
        params.get("stage") or params.get("year") or params.get("office") or params.get("act") or ""
    )


def entry_key(entry: DocketEntry) -> str:
    """The identity of an entry across runs: matter, rule, trigger date and stage/year/office."""
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
    Each matter is evaluated by the docket of its office (``jurisdictions.docket_for``); a
    matter whose office has none is reported, never evaluated by another office's rules.
    """
    # Imported here: the office dockets subclass ``MatterDocket`` from this module.
    from patent_sync.docket.jurisdictions import docket_for

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
        matter_events, matter_facts_ = by_matter[matter], facts.get(matter) or {}
        unknown += unknown_codes(matter, matter_events)
        office, docket_class = docket_for(matter, matter_events)
        if docket_class is None:
            outcome = unhandled_office(matter, office, matter_events, matter_facts_)
            unhandled += outcome.unhandled
            warnings += outcome.warnings
            continue
        docket = docket_class(matter, matter_events, matter_facts_, as_of)
        docket.run()
        entries += docket.entries()
        unhandled += docket.unhandled
        warnings += docket.warnings
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


def confidence_notes(event: Event | None) -> tuple[str, ...]:
    """What an entry must say about the event behind it when that event is less certain than an
    office's data: one read from a web page (attribute ``confidence=low``)."""
    if event is None or dict(event.attributes).get("confidence") != "low":
        return ()
    return (
        f"LOWER CONFIDENCE: triggered by an event read from the office's web page "
        f"({event.source}), not from its data service; the page's text was matched to a code. "
        "Verify the date and the step against the file before relying on this entry.",
    )


def describe(event: Event) -> str:
    """``canonical: CODE description`` — how an entry names the event behind it."""
    return f"{event.event}: {event.source_code.strip()} {event.description}".strip()


def unknown_codes(matter: str, events: Iterable[Event]) -> list[str]:
    """The codes outside the taxonomy among ``events``, counted, one line each."""
    counts = collections.Counter(
        (e.source, e.source_code, e.description) for e in events if e.event == tx.OTHER
    )
    return [
        f"{matter} {source} {code!r} {description!r} x{n}"
        for (source, code, description), n in sorted(counts.items())
    ]


@dataclasses.dataclass(frozen=True, slots=True)
class UnhandledMatter:
    """How a matter of an office without docket rules is reported."""

    unhandled: tuple[UnhandledEvent, ...]
    warnings: tuple[str, ...]


def unhandled_office(
    matter: str, office: str, events: list[Event], facts: Mapping[str, Any]
) -> UnhandledMatter:
    """One unhandled item for the whole matter (its earliest event stands for it): listing
    every event of, say, a Japanese family member would bury the one line that matters."""
    from patent_sync.docket.jurisdictions import handled_offices

    reason = (
        f"no docket rules for office {office}: no deadlines computed for {matter} "
        f"({len(events)} event(s) on file; offices with rules: {', '.join(handled_offices())})"
    )
    if events:
        return UnhandledMatter((UnhandledEvent(min(events, key=_plain_order), reason),), ())
    dated = sorted((v, k) for k, v in facts.items() if isinstance(v, dt.date))
    if not dated:
        return UnhandledMatter((), (f"{matter}: {reason}",))
    when, fact = dated[0]
    stand_in = Event(
        application_key=matter,
        jurisdiction=office,
        source_code=fact,
        event=tx.OTHER,
        event_date=when,
        description=f"{fact.replace('_', ' ')} from the application data (no events on file)",
        source="facts",
    )
    return UnhandledMatter((UnhandledEvent(stand_in, reason),), ())


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


class MatterDocket:
    """The state of one matter while its events are replayed; subclassed per office.

    A subclass names its office (``OFFICE``), the canonical events it acts on and the method
    that does (``HANDLERS``: event name → method name), how events of one day are ordered
    (``PRECEDENCE``: lower first) and which facts stand in for missing events
    (``FACT_EVENTS``). Events no handler names trigger nothing: they are just events.
    """

    OFFICE: ClassVar[str] = ""
    HANDLERS: ClassVar[Mapping[str, str]] = {name: "on_terminal" for name in tx.TERMINAL_EVENTS}
    PRECEDENCE: ClassVar[Mapping[str, int]] = {name: 40 for name in tx.TERMINAL_EVENTS}
    FACT_EVENTS: ClassVar[tuple[FactEvent, ...]] = ()

    @classmethod
    def published_application(cls, matter: str) -> PublishedApplication | None:
        """Where this office's published documents of ``matter`` are (None: facts come from
        the event files only). See ``docket.document_facts``."""
        return None

    @classmethod
    def facts_from_documents(cls, documents: Sequence[Document]) -> dict[str, Any]:
        """The matter facts (``priority_date`` …) its published documents give."""
        return {}

    def __init__(
        self, matter: str, events: list[Event], facts: Mapping[str, Any], as_of: dt.date | None
    ) -> None:
        self.matter = matter
        self.facts = facts
        self.events = sorted(list(events) + self.facts_as_events(events), key=self._order)
        self.as_of = as_of
        self._entries: dict[tuple[str, dt.date, str], _Entry] = {}
        self.unhandled: list[UnhandledEvent] = []
        self.warnings: list[str] = []

    # -- driving --------------------------------------------------------------------------------

    def run(self) -> None:
        self.prepare()
        for event in self.events:
            method = self.HANDLERS.get(event.event)
            if method is not None:
                getattr(self, method)(event)
        self.finish()
        # Calendar caveats matter while an entry is open; a settled entry keeps them in its
        # explanation only (otherwise a long history buries the warnings that count).
        for entry in self._entries.values():
            if entry.status == OPEN:
                self.warnings += [
                    f"{self.matter} {entry.rule} {entry.trigger_date}: {w}"
                    for w in entry.calendar_warnings
                ]

    def prepare(self) -> None:
        """Look at the whole history before replaying it (an office hook; nothing by default)."""

    def finish(self) -> None:
        """Settle what only the as-of date can tell once every event is replayed (an office
        hook; nothing by default): an opportunity whose period has ended, a remedy missed."""

    def facts_as_events(self, events: list[Event]) -> list[Event]:
        """Facts that must act like events when no event carries them (``FACT_EVENTS``).

        A US grant date known only from the application metadata still starts the maintenance
        schedule; an EP filing date known only from the INPADOC/biblio application reference
        still starts the renewal-fee schedule. The synthetic event says where it came from.
        """
        names = {e.event for e in events}
        synthetic = []
        for wanted in self.FACT_EVENTS:
            value = self.facts.get(wanted.fact)
            if wanted.event in names or not isinstance(value, dt.date):
                continue
            synthetic.append(
                Event(
                    application_key=self.matter,
                    jurisdiction=self.OFFICE,
                    source_code=wanted.source_code,
                    event=wanted.event,
                    event_date=value,
                    description=f"{wanted.fact.replace('_', ' ')} from the application data",
                    source="facts",
                )
            )
        return synthetic

    def _order(self, event: Event) -> tuple[Any, ...]:
        return (
            effective_date(event),
            self.PRECEDENCE.get(event.event, DEFAULT_PRECEDENCE),
            _SOURCE_RANK.get(event.source, 9),
            event.source_code,
            event.description,
            event.occurrence,
        )

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
            explanation=confidence_notes(event) + tuple(notes) + tuple(result.explanation),
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

    def _close_triggered_until(self, when: dt.date, reason: str, *rules: str) -> None:
        """Close the open entries of ``rules`` triggered on or before ``when`` (the act that
        answers them happened on ``when``; a later trigger is a new period it does not answer)."""
        self._set((e for e in self._open(*rules) if e.trigger_date <= when), CLOSED, reason)

    def _close_past_due(self, rule: str, reason: Callable[[dt.date], str]) -> None:
        """Close the open entries of ``rule`` due before the as-of date, with ``reason(due)``:
        for an opportunity or a projection, not an obligation, a passed date is history."""
        if self.as_of is None:
            return
        for entry in self._open(rule):
            if entry.due_date < self.as_of:
                entry.status = CLOSED
                entry.status_reason = reason(entry.due_date)

    def _unhandled(self, event: Event | None, reason: str) -> None:
        if event is None:
            self.warnings.append(f"{self.matter}: {reason}")
        else:
            self.unhandled.append(UnhandledEvent(event, reason))

    # -- every office ---------------------------------------------------------------------------

    def on_terminal(self, event: Event) -> None:
        reason = f"{event.description or event.event} {event.event_date} ({event.source_code})"
        for entry in self._entries.values():
            if entry.status == OPEN:
                entry.status, entry.status_reason = CLOSED, f"closed: {reason}"
                entry.closed_by_terminal = True

    def _reopen_after_terminal(self, event: Event, *rules: str) -> None:
        """Reopen the entries of ``rules`` that a terminal event closed, now that ``event``
        (a reinstatement) has brought the matter back."""
        for entry in self._entries.values():
            if entry.closed_by_terminal and entry.rule in rules:
                entry.status = OPEN
                entry.status_reason = (
                    f"reopened: {event.description} {event.event_date} ({event.source_code})"
                )
                entry.closed_by_terminal = False


def _plain_order(event: Event) -> tuple[Any, ...]:
    """Order of events without any office's precedence (date, source, code, occurrence)."""
    return (
        effective_date(event),
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
