"""EPO periods that run from a decision or from the grant: appeal (Art. 108) and the request
for unitary effect (Rule 6(1) UPR).

A decision is a notified document: the appeal periods run from its deemed notification (see
``ep.notification``: the date it bears from 1 November 2023, ten days later before). The
mention of the grant is a publication in the Bulletin, not a notification.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import describe
from patent_sync.deadlines.errors import RemedyNotAvailableError
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.rules.common import EP_ROLL, Notes, calendar_for
from patent_sync.deadlines.rules.ep import RECEIVED_PARAM, notification, period_from_notification

#: Entry into force of the Unified Patent Court Agreement: unitary effect exists for European
#: patents whose grant is mentioned on or after this day (Art. 18(2) Reg. (EU) 1257/2012).
UNITARY_PATENT_START = dt.date(2023, 6, 1)

_APPEAL_MONTHS = {"notice": 2, "grounds": 4}

APPEAL = Rule(
    id="ep.appeal",
    title="Appeal against an EPO decision: notice of appeal and fee, or statement of grounds",
    citation="EPC Art. 106, 108; Rules 126(2), 131, 134(1)",
    trigger="date the decision bears (a notified decision of the examining or opposition division)",
    params=(
        RuleParam(
            "act",
            "choice",
            "notice (notice of appeal and appeal fee, 2 months) or grounds (statement of "
            "grounds of appeal, 4 months)",
            required=True,
            choices=("notice", "grounds"),
        ),
        RECEIVED_PARAM,
    ),
    extendable=False,
    office="EPO",
    period="notice and fee 2 months, grounds 4 months from notification; not extendable",
)

UNITARY_EFFECT = Rule(
    id="ep.unitary_effect",
    title="Request for unitary effect (Unitary Patent)",
    citation="Reg. (EU) 1257/2012 Art. 9(1)(g); Rules 6(1), 20(2)(g), 22 UPR; EPC Rules 131, "
    "134(1)",
    trigger="date the European Patent Bulletin mentions the grant",
    params=(),
    extendable=False,
    office="EPO",
    period="1 month, not extendable; no further processing",
)


def appeal(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Notice of appeal and fee within 2 months, grounds within 4, from notification."""
    act: str = params["act"]
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: date the decision bears.")
    notified, extra = notification(rule, notes, trigger, params["received_date"])
    epo = calendar_for("EPO")
    if act == "grounds":
        notice_end = period_from_notification(
            notes, notified, 2, "Art. 108, first sentence: notice of appeal and fee", extra
        )
        notice_due = notes.roll(epo, notice_end, EP_ROLL)
        notes.add(
            f"(The notice of appeal and the appeal fee are due {describe(notice_due)}; without "
            f"them the statement of grounds has no appeal to belong to.)"
        )
    end = period_from_notification(
        notes,
        notified,
        _APPEAL_MONTHS[act],
        "Art. 108, third sentence: statement of grounds"
        if act == "grounds"
        else "Art. 108, first and second sentences: notice of appeal; appeal fee",
        extra,
    )
    due = notes.roll(epo, end, EP_ROLL)
    what = (
        "statement of grounds of appeal"
        if act == "grounds"
        else "notice of appeal, with the appeal fee paid (the notice is not deemed filed "
        "until the fee is paid)"
    )
    notes.add(
        f"Due date {describe(due)}: {what}. Not extendable; further processing is ruled out "
        f"(Art. 121(4)); re-establishment (Art. 122) is open to an appellant applicant or "
        f"proprietor."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def unitary_effect(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """One month from the mention of the grant; only for grants mentioned from 1 June 2023."""
    if trigger < UNITARY_PATENT_START:
        raise RemedyNotAvailableError(
            f"{rule.id}: unitary effect can be requested only for a European patent whose "
            f"grant was mentioned on or after {UNITARY_PATENT_START.isoformat()}, when the "
            f"Unified Patent Court Agreement entered into force (Art. 18(2) Reg. (EU) "
            f"1257/2012); the grant was mentioned on {trigger.isoformat()}"
        )
    epo = calendar_for("EPO")
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: European Patent Bulletin mentions the grant (a "
        f"publication, not a notification)."
    )
    end = notes.months(trigger, 1, "Rule 6(1) UPR; Rule 131(4) EPC via Rule 20(2)(g) UPR")
    due = notes.roll(epo, end, f"{EP_ROLL} via Rule 20(2)(g) UPR")
    rescue = notes.months(
        due, 2, "Rule 22(2) UPR: two months from the expiry of the one-month period"
    )
    rescue_due = epo.roll_forward(rescue).date
    notes.add(
        f"Due date {describe(due)}: file the request for unitary effect (EPO Form 7000, with "
        f"the translation required by Art. 6 Reg. (EU) 1260/2012 during the transitional "
        f"period). Not extendable, and there is no further processing under the UPR; missed: "
        f"re-establishment of rights (Rule 22 UPR), requested with the request for unitary "
        f"effect itself by {describe(rescue_due)}, if all due care was taken."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


RULES = (
    (APPEAL, appeal),
    (UNITARY_EFFECT, unitary_effect),
)
