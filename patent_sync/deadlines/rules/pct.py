"""Paris Convention priority and PCT rules: national phase entry, demand for Chapter II,
Article 19 amendments and the projected international publication."""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import add_months, describe
from patent_sync.deadlines.errors import InvalidParameterError
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.rules.common import Notes, calendar_for, roll_citation

PARIS_PRIORITY = Rule(
    id="paris.priority",
    title="Later filing claiming Paris Convention priority",
    citation="Paris Convention Art. 4C(1), 4C(3)",
    trigger="filing date of the first application",
    params=(
        RuleParam(
            "office",
            "office",
            "office where the later application is filed (USPTO, EPO, or IB for a PCT "
            "application filed with the IB as receiving Office)",
            required=True,
            choices=("USPTO", "EPO", "IB"),
        ),
    ),
    extendable=False,
    office="(office parameter)",
    period="12 months",
)

NATIONAL_PHASE = Rule(
    id="pct.national_phase",
    title="Entry into the national/regional phase of a PCT application",
    citation="PCT Art. 22, 39(1); 35 USC 371 (USPTO, 30 months); EPC Rule 159(1) (EPO, 31 months)",
    trigger="priority date (the international filing date if no priority is claimed)",
    params=(
        RuleParam(
            "office",
            "office",
            "designated/elected office: USPTO (30 months) or EPO (31 months)",
            required=True,
            choices=("USPTO", "EPO"),
        ),
    ),
    extendable=False,
    office="(office parameter)",
    period="30 months (USPTO) / 31 months (EPO) from the priority date",
)

DEMAND = Rule(
    id="pct.demand",
    title="Demand for international preliminary examination (PCT Chapter II)",
    citation="PCT Rule 54bis.1(a); PCT Rule 80.5",
    trigger="date of transmittal of the international search report and written opinion",
    params=(
        RuleParam("priority_date", "date", "priority date of the application", required=True),
        RuleParam(
            "office",
            "office",
            "International Preliminary Examining Authority: USPTO or EPO",
            required=True,
            choices=("USPTO", "EPO"),
        ),
    ),
    extendable=False,
    office="(office parameter)",
    period="later of 3 months from transmittal and 22 months from priority",
)

ART19_AMENDMENT = Rule(
    id="pct.art19_amendment",
    title="Amendment of the claims under PCT Article 19 (filed with the International Bureau)",
    citation="PCT Art. 19(1); PCT Rules 46.1, 46.2; PCT Rule 80.5",
    trigger="date the international search report was transmitted",
    params=(RuleParam("priority_date", "date", "priority date of the application", required=True),),
    extendable=False,
    office="IB",
    period="later of 2 months from ISR transmittal and 16 months from priority",
)

PUBLICATION = Rule(
    id="pct.publication",
    title="International publication (projected date; informational, not a time limit)",
    citation="PCT Art. 21(2)(a); PCT Rules 48.2, 90bis.1(c)",
    trigger="priority date (the international filing date if no priority is claimed)",
    params=(),
    extendable=False,
    office="IB",
    period="promptly after 18 months from priority (projected; not rolled)",
)

_ENTRY_MONTHS = {"USPTO": 30, "EPO": 31}
_ENTRY_LAW = {"USPTO": "PCT Art. 22(1); 35 USC 371(b)", "EPO": "PCT Art. 22(3); EPC Rule 159(1)"}
_PARIS_LAW = {
    "USPTO": "35 USC 119(a)",
    "EPO": "EPC Art. 87(1)",
    "IB": "PCT Art. 8(2)(a)",
}


def paris_priority(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """12 months from the first filing, rolled over the closed days of the office of filing."""
    office: str = params["office"]
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: filing date of the first application.")
    end = notes.months(trigger, 12, f"priority period; Paris Art. 4C(1), {_PARIS_LAW[office]}")
    citation = roll_citation(office, "Paris Art. 4C(3)")
    due = notes.roll(calendar_for(office), end, citation)
    notes.add(
        f"Due date {describe(due)} at the {office}. Not extendable; restoration of priority "
        f"(up to 2 months more, on request and showing) is a remedy, not an extension."
    )
    return notes.result(rule, trigger, due, None, f"{rule.citation}; {citation}", params)


def national_phase(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """30 months (USPTO) or 31 months (EPO) from the priority date."""
    office: str = params["office"]
    months = _ENTRY_MONTHS[office]
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: priority date.")
    end = notes.months(trigger, months, f"{office} national phase; {_ENTRY_LAW[office]}")
    citation = roll_citation(office, "PCT Rule 80.5")
    due = notes.roll(calendar_for(office), end, citation)
    remedy = (
        "further processing (EPC Rule 135) after the loss-of-rights communication"
        if office == "EPO"
        else "revival by petition (37 CFR 1.137)"
    )
    notes.add(f"Due date {describe(due)}. Not extendable; late entry only by {remedy}.")
    return notes.result(rule, trigger, due, None, f"{_ENTRY_LAW[office]}; {citation}", params)


def demand(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """The later of 3 months from transmittal and 22 months from the priority date."""
    priority: dt.date = params["priority_date"]
    office: str = params["office"]
    _check_priority_first(rule, priority, trigger)
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: transmittal of the international search report and "
        f"written opinion; priority date {priority.isoformat()}."
    )
    later, which = _later_of_transmittal_and_priority(
        notes, trigger, 3, priority, 22, "PCT Rule 54bis.1(a)"
    )
    notes.add(f"The later of the two applies: {describe(later)} ({which}).")
    citation = roll_citation(office, "PCT Rule 80.5")
    due = notes.roll(calendar_for(office), later, citation)
    notes.add(
        f"Due date {describe(due)} (demand filed with the {office} as IPEA). Not extendable; a "
        f"late demand is considered not to have been submitted (PCT Rule 54bis.1(b))."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def art19_amendment(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """The later of 2 months from ISR transmittal and 16 months from priority (Rule 46.1)."""
    priority: dt.date = params["priority_date"]
    _check_priority_first(rule, priority, trigger)
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: transmittal of the international search report to the "
        f"applicant and the International Bureau; priority date {priority.isoformat()}."
    )
    later, which = _later_of_transmittal_and_priority(
        notes, trigger, 2, priority, 16, "PCT Rule 46.1"
    )
    notes.add(f"The later of the two applies (Rule 46.1): {describe(later)} ({which}).")
    due = notes.roll(calendar_for("IB"), later, "PCT Rule 80.5")
    notes.add(
        f"Due date {describe(due)}: amendments of the claims (once, with a letter and an "
        f"optional statement) filed directly with the International Bureau (Rule 46.2). Not "
        f"extendable; amendments reaching the IB later still count if they arrive before the "
        f"technical preparations for international publication are completed (Rule 46.1)."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def publication(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """18 months from the priority date, not rolled: a projection, not a time limit."""
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: priority date.")
    projected = add_months(trigger, 18)
    notes.add(f"+18 months from {trigger.isoformat()} (PCT Art. 21(2)(a)) → {describe(projected)}.")
    notes.add(
        f"Projected publication date {describe(projected)}. Informational: this is not a time "
        f"limit for the applicant, so it is not moved over weekends or closure days; the IB "
        f"publishes promptly after this date, on a Thursday (PCT Gazette). To stop publication "
        f"a withdrawal must reach the IB before the technical preparations are completed (Rule "
        f"90bis.1(c)); early publication can be requested (Art. 21(2)(b))."
    )
    return notes.result(rule, trigger, projected, None, rule.citation, params)


def _check_priority_first(rule: Rule, priority: dt.date, transmittal: dt.date) -> None:
    """Refuse a priority date after the transmittal of the international search report."""
    if priority > transmittal:
        raise InvalidParameterError(
            f"{rule.id}: priority_date {priority.isoformat()} is after the transmittal date "
            f"{transmittal.isoformat()}; the priority date always comes first"
        )


def _later_of_transmittal_and_priority(
    notes: Notes,
    transmittal: dt.date,
    transmittal_months: int,
    priority: dt.date,
    priority_months: int,
    why: str,
) -> tuple[dt.date, str]:
    """The later end of a period from the ISR transmittal and one from the priority date (both
    under the rule ``why`` cites), and which one it is in words."""
    from_transmittal = notes.months(transmittal, transmittal_months, why)
    from_priority = notes.months(priority, priority_months, why)
    later = max(from_transmittal, from_priority)
    if later == from_transmittal:
        return later, f"{transmittal_months} months from transmittal"
    return later, f"{priority_months} months from priority"


RULES = (
    (PARIS_PRIORITY, paris_priority),
    (NATIONAL_PHASE, national_phase),
    (DEMAND, demand),
    (ART19_AMENDMENT, art19_amendment),
    (PUBLICATION, publication),
)
