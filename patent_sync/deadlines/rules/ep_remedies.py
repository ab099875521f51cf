"""EPO remedies after a missed period: further processing (Art. 121) and re-establishment of
rights (Art. 122).

Further processing is the ordinary remedy in grant proceedings: the fee and the omitted act
within two months of the communication noting the loss of rights (Rule 135(1)), a notified
document, so the notification rules of ``ep.notification`` apply. Art. 121(4) and Rule 135(2)
rule it out for a list of periods (see ``patent_sync.deadlines.provisions``).

Re-establishment is the remedy of last resort, for the applicant or proprietor who missed a
period in spite of all due care: two months from the removal of the cause, but at the latest one
year from the expiry of the missed time limit (Rule 136(1)); for the priority period (Art.
87(1)) and the petition for review (Art. 112a(4)), two months from the expiry of that period.
It is ruled out for its own period (Art. 122(4)) and for any period for which further
processing is available (Rule 136(3)): where further processing was available and was missed
too, re-establishment is asked in respect of the further-processing period (Rule 135(1)).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import describe
from patent_sync.deadlines.errors import (
    InvalidParameterError,
    RemedyNotAvailableError,
    TimeBarredError,
)
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.provisions import (
    FURTHER_PROCESSING_AVAILABLE,
    Provision,
    further_processing_excluded,
    parse_provision,
)
from patent_sync.deadlines.rules.common import EP_ROLL, Notes, calendar_for
from patent_sync.deadlines.rules.ep import RECEIVED_PARAM, due_from_notification

_TWO_MONTHS_FROM_EXPIRY = frozenset({"Art. 87(1)", "Art. 112a(4)"})

FURTHER_PROCESSING = Rule(
    id="ep.further_processing",
    title="Request for further processing after a missed period (fee and omitted act)",
    citation="EPC Art. 121; Rule 135(1), (2); Rules 126(2), 131, 134(1)",
    trigger="date of the communication noting the loss of rights (Rule 112(1)) or the missed "
    "time limit",
    params=(
        RuleParam(
            "missed_rule",
            "provision",
            "the provision that set the missed period, e.g. 'Rule 71(3)'; refused where Art. "
            "121(4) or Rule 135(2) rules further processing out",
        ),
        RECEIVED_PARAM,
    ),
    extendable=False,
    office="EPO",
    period="2 months from notification of the communication, not extendable",
)

RE_ESTABLISHMENT = Rule(
    id="ep.re_establishment",
    title="Request for re-establishment of rights (Art. 122): fee, grounds and omitted act",
    citation="EPC Art. 122; Rule 136(1)-(3); Rules 131, 134(1)",
    trigger="date the cause of non-compliance with the missed period was removed",
    params=(
        RuleParam(
            "missed_time_limit_expiry",
            "date",
            "last day of the missed time limit (after any Rule 134 extension); the one-year "
            "outer limit runs from it",
            required=True,
        ),
        RuleParam(
            "missed_rule",
            "provision",
            "the provision that set the missed period, e.g. 'Rule 135(1)'; for Art. 87(1) and "
            "Art. 112a(4) the request is due 2 months from the expiry; refused where "
            "re-establishment is ruled out",
        ),
    ),
    extendable=False,
    office="EPO",
    period="2 months from removal of the cause, at most 1 year from the expiry of the missed "
    "time limit (Art. 87(1), 112a(4): 2 months from the expiry)",
)


def further_processing(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """2 months from notification of the loss-of-rights communication; refused where excluded."""
    missed: str | None = params["missed_rule"]
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: date of the communication noting the loss of rights "
        f"(Rule 112(1)) or the failure to observe a time limit."
    )
    if missed is None:
        notes.add(
            "No missed_rule given: check that further processing is not ruled out for the "
            "missed period (Art. 121(4), Rule 135(2): e.g. the priority period, appeal periods, "
            "the renewal-fee grace period of Rule 51(2)); if it is, re-establishment is the remedy."
        )
    else:
        provision = parse_provision(missed, f"{rule.id}: missed_rule")
        if further_processing_excluded(provision, f"{rule.id}: missed_rule"):
            raise RemedyNotAvailableError(_fp_refusal(rule, provision))
        notes.add(
            f"Missed period: {missed}. Further processing is not ruled out for it (Art. 121(4); "
            f"Rule 135(2) as in force since 1 Nov 2022)."
        )
    due = due_from_notification(rule, notes, trigger, params["received_date"], 2, "Rule 135(1)")
    notes.add(
        f"Due date {describe(due)}: pay the further-processing fee and complete the omitted act "
        f"by then (Rule 135(1); the request is not filed until the fee is paid). Not "
        f"extendable, and further processing of this period is itself ruled out (Art. 121(4)); "
        f"missed: re-establishment of rights (Art. 122, Rule 136) in respect of this period "
        f"(missed_rule=Rule 135(1))."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def _fp_refusal(rule: Rule, provision: Provision) -> str:
    text = provision.text
    if text == "Rule 136(1)":
        return (
            f"{rule.id}: the period for requesting re-establishment (Rule 136(1)) can be saved "
            f"neither by further processing (Art. 121(4)) nor by re-establishment (Art. "
            f"122(4)): there is no remedy under the EPC"
        )
    if text == "Rule 135(1)":
        return (
            f"{rule.id}: further processing cannot be requested for the further-processing "
            f"period itself (Art. 121(4)); the remedy is re-establishment of rights (Art. 122): "
            f"use ep.re_establishment with missed_rule=Rule 135(1)"
        )
    basis = "Art. 121(4)" if provision.kind == "Art." else "Rule 135(2)"
    when = (
        ", within two months of the expiry of that period (Rule 136(1))"
        if text in _TWO_MONTHS_FROM_EXPIRY
        else ""
    )
    return (
        f"{rule.id}: further processing is ruled out for the period under {text} ({basis} "
        f"EPC); the remedy is re-establishment of rights (Art. 122){when}: use "
        f"ep.re_establishment"
    )


def re_establishment(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Rule 136(1): 2 months from removal, capped at 1 year from expiry (or 2 months from expiry
    for Art. 87(1) and Art. 112a(4))."""
    expiry: dt.date = params["missed_time_limit_expiry"]
    missed: str | None = params["missed_rule"]
    if missed is not None:
        _check_re_establishment_available(rule, parse_provision(missed, f"{rule.id}"))
    if trigger < expiry:
        raise InvalidParameterError(
            f"{rule.id}: the cause of non-compliance is removed on or after the day the missed "
            f"time limit expired ({expiry.isoformat()}), got {trigger.isoformat()}; removed "
            f"earlier, the time limit could still have been observed"
        )
    epo = calendar_for("EPO")
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: date the cause of non-compliance was removed (when the "
        f"person responsible became aware, or should have become aware, that the time limit "
        f"was missed). Missed time limit expired {describe(expiry)}"
        + (f" ({missed})." if missed else ".")
    )
    if missed in _TWO_MONTHS_FROM_EXPIRY:
        end = notes.months(
            expiry, 2, f"Rule 136(1), second sentence: two months from the expiry of {missed}"
        )
        due = notes.roll(epo, end, EP_ROLL)
        if trigger > due:
            raise TimeBarredError(
                f"{rule.id}: re-establishment in respect of {missed} had to be requested within "
                f"two months of its expiry, by {due.isoformat()} (Rule 136(1)); the cause was "
                f"removed on {trigger.isoformat()}, after that"
            )
        notes.add(f"For {missed} the period runs from the expiry, whenever the cause was removed.")
    else:
        from_removal = notes.months(trigger, 2, "Rule 136(1): two months from the removal")
        outer = notes.months(expiry, 12, "Rule 136(1): at the latest one year from the expiry")
        outer_end = epo.roll_forward(outer).date
        if trigger > outer_end:
            raise TimeBarredError(
                f"{rule.id}: re-establishment had to be requested within one year of the expiry "
                f"of the missed time limit ({expiry.isoformat()}), i.e. by "
                f"{outer_end.isoformat()} (Rule 136(1)); the cause was removed on "
                f"{trigger.isoformat()}, after that"
            )
        earlier = min(from_removal, outer)
        which = "two months from the removal" if earlier == from_removal else "the one-year limit"
        notes.add(f"The earlier of the two applies: {describe(earlier)} ({which}).")
        due = notes.roll(epo, earlier, EP_ROLL)
    notes.add(
        f"Due date {describe(due)}: file the reasoned request, pay the re-establishment fee and "
        f"complete the omitted act by then (Rule 136(1), (2)). Not extendable; neither further "
        f"processing (Art. 121(4)) nor re-establishment (Art. 122(4)) is available for this "
        f"period. Granted only if the time limit was missed in spite of all due care required "
        f"by the circumstances (Art. 122(1))."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def _check_re_establishment_available(rule: Rule, provision: Provision) -> None:
    text = provision.text
    if text == "Rule 136(1)" or (provision.kind == "Art." and provision.number == "122"):
        raise RemedyNotAvailableError(
            f"{rule.id}: re-establishment is ruled out for the period for requesting "
            f"re-establishment itself (Art. 122(4); Rule 136(3))"
        )
    if provision.kind == "Art." and provision.number == "99" and provision.paragraph in (None, "1"):
        raise RemedyNotAvailableError(
            f"{rule.id}: re-establishment is not available to an opponent for the opposition "
            f"period (Art. 99(1)): Art. 122(1) helps only the applicant or proprietor (G 1/86)"
        )
    if text in FURTHER_PROCESSING_AVAILABLE:
        raise RemedyNotAvailableError(
            f"{rule.id}: re-establishment is ruled out for {text}, for which further "
            f"processing is available (Rule 136(3)): request further processing "
            f"(ep.further_processing); if the further-processing period was missed too, "
            f"re-establishment is asked in respect of that period (missed_rule=Rule 135(1))"
        )


RULES = (
    (FURTHER_PROCESSING, further_processing),
    (RE_ESTABLISHMENT, re_establishment),
)
