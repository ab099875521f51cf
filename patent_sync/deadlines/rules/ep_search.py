"""EPO periods of the search stage: designation fee, the reply to the extended (supplementary)
European search report, and the Euro-PCT Rules 161/162 communication.

Two kinds of trigger: a *publication* (the Bulletin mention of the search report, the
international publication of the ISR) counts from its date; a *communication* is notified and
counts from its deemed notification (``ep.notification``). For a Euro-PCT application the
international search report and its publication take the place of the European search report
and the mention of its publication (Art. 153(6) EPC).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import describe
from patent_sync.deadlines.errors import InvalidParameterError, NoTimeLimitError
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.rules.common import EP_ROLL, Notes, calendar_for
from patent_sync.deadlines.rules.ep import (
    RECEIVED_PARAM,
    due_from_notification,
    notification,
    period_from_notification,
)

#: Rule 70a applies to search reports drawn up on or after this day (CA/D 3/09).
RULE_70A_START = dt.date(2010, 4, 1)
#: The six-month period of Rules 161/162 applies to communications from this day (CA/D 2/10).
RULE_161_SIX_MONTHS_START = dt.date(2011, 5, 1)
_FLAT_DESIGNATION_FEE_START = dt.date(2009, 4, 1)

R161_162 = Rule(
    id="ep.r161_162",
    title="Euro-PCT: reply to the Rules 161/162 communication (amendments, comments, claims fees)",
    citation="EPC Rules 161(1), (2), 162(2), (4); Rules 126(2), 131, 134(1)",
    trigger="date the Rules 161/162 communication bears",
    params=(RECEIVED_PARAM,),
    extendable=False,
    office="EPO",
    period="6 months from notification, not extendable",
)

DESIGNATION_FEE = Rule(
    id="ep.designation_fee",
    title="Designation fee",
    citation="EPC Art. 79(2); Rule 39(1); Rule 159(1)(d), Art. 153(6) (Euro-PCT); Rule 134(1)",
    trigger="date the Bulletin mentions the European search report (Euro-PCT: date the "
    "international search report was published)",
    params=(
        RuleParam("euro_pct", "bool", "the application is a Euro-PCT application", False),
        RuleParam(
            "priority_date",
            "date",
            "Euro-PCT only, and then required: the priority date (the international filing "
            "date if no priority is claimed), for the 31-month limit",
        ),
    ),
    extendable=False,
    office="EPO",
    period="6 months from the search report mention (Euro-PCT: the later of 31 months from "
    "priority and 6 months from the ISR publication)",
)

R70A_RESPONSE = Rule(
    id="ep.r70a_response",
    title="Reply to the extended/supplementary European search report and the Rule 70(2) "
    "invitation",
    citation="EPC Rules 70(1), (2), 70a(1)-(3); Rules 126(2), 131, 134(1)",
    trigger="direct: date the Bulletin mentions the search report; euro_pct: date the Rules "
    "70(2)/70a(2) communication bears (after a supplementary search)",
    params=(
        RuleParam(
            "variant",
            "choice",
            "direct (6 months from the search report mention) or euro_pct (6 months from "
            "notification of the Rules 70(2)/70a(2) communication)",
            required=True,
            choices=("direct", "euro_pct"),
        ),
        RuleParam(
            "received_date",
            "date",
            "euro_pct only: date the communication actually reached the addressee (only "
            "matters if late)",
        ),
    ),
    extendable=False,
    office="EPO",
    period="6 months, not extendable",
)


def r161_162(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Six months from notification of the Rules 161/162 communication."""
    if trigger < RULE_161_SIX_MONTHS_START:
        raise NoTimeLimitError(
            f"{rule.id}: the six-month period applies to Rules 161/162 communications issued on "
            f"or after {RULE_161_SIX_MONTHS_START.isoformat()} (CA/D 2/10); an earlier "
            f"communication set its own period: compute it with ep.communication_reply"
        )
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: date the Rules 161/162 communication bears.")
    due = due_from_notification(
        rule, notes, trigger, params["received_date"], 6, "Rules 161(1), (2) and 162(2)"
    )
    notes.add(
        f"Due date {describe(due)}: reply to the written opinion/IPER where the communication "
        f"requires it, file any amendments, pay the claims fees. Not extendable; a required "
        f"reply missed: the application is deemed withdrawn (Rule 161(1)); claims fees missed: "
        f"the claims are deemed abandoned (Rule 162(4)); further processing (Rule 135) is "
        f"available."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def designation_fee(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Rule 39(1); for Euro-PCT the later of that period and 31 months (Rule 159(1)(d))."""
    euro_pct: bool = params["euro_pct"]
    priority: dt.date | None = params["priority_date"]
    notes = Notes()
    if not euro_pct:
        if priority is not None:
            raise InvalidParameterError(
                f"{rule.id}: priority_date only matters for a Euro-PCT application (Rule "
                f"159(1)(d)); for a direct European application the period runs from the "
                f"search report mention alone (give euro_pct=true if it is a Euro-PCT "
                f"application)"
            )
        notes.add(
            f"Trigger {describe(trigger)}: European Patent Bulletin mentions the publication of "
            f"the European search report (a publication, not a notification)."
        )
        end = notes.months(trigger, 6, "Rule 39(1)")
    else:
        if priority is None:
            raise InvalidParameterError(
                f"{rule.id}: priority_date is required for a Euro-PCT application (Rule "
                f"159(1)(d): 31 months from the priority date, or from the international "
                f"filing date if no priority is claimed)"
            )
        if priority > trigger:
            raise InvalidParameterError(
                f"{rule.id}: priority_date {priority.isoformat()} is after the publication of "
                f"the international search report ({trigger.isoformat()})"
            )
        notes.add(
            f"Trigger {describe(trigger)}: publication of the international search report, "
            f"which takes the place of the mention of the European search report (Art. "
            f"153(6)); priority date {priority.isoformat()}."
        )
        from_isr = notes.months(trigger, 6, "Rule 39(1) with Art. 153(6)")
        from_priority = notes.months(priority, 31, "Rule 159(1)(d)")
        end = max(from_isr, from_priority)
        which = "31 months from priority" if end == from_priority else "6 months from the ISR"
        notes.add(
            f"The later of the two applies (Rule 159(1)(d): the Rule 39(1) period if it "
            f"expires later): {describe(end)} ({which})."
        )
    due = notes.roll(calendar_for("EPO"), end, EP_ROLL)
    if trigger < _FLAT_DESIGNATION_FEE_START:
        notes.add(
            "Note: the search report was mentioned before 1 April 2009: check whether the "
            "former regime applies (a fee per designated state and a grace period with "
            "surcharge under former Rule 85a)."
        )
    notes.add(
        f"Due date {describe(due)}. Not extendable; no grace period with surcharge; missed: "
        f"the application is deemed withdrawn (Rule 39(2)); further processing (Rule 135) is "
        f"available."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def r70a_response(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Six months from the search report mention (direct) or from notification (Euro-PCT)."""
    variant: str = params["variant"]
    received: dt.date | None = params["received_date"]
    if trigger < RULE_70A_START:
        raise NoTimeLimitError(
            f"{rule.id}: Rule 70a applies to search reports drawn up on or after "
            f"{RULE_70A_START.isoformat()}; before that there was no search opinion to reply "
            f"to: the period to docket is the request for examination (ep.examination_request)"
        )
    notes = Notes()
    if variant == "direct":
        if received is not None:
            raise InvalidParameterError(
                f"{rule.id}: received_date only applies to variant euro_pct (a notified "
                f"communication); for variant direct the period runs from the Bulletin mention, "
                f"a publication"
            )
        notes.add(
            f"Trigger {describe(trigger)}: European Patent Bulletin mentions the publication of "
            f"the search report (a publication, not a notification)."
        )
        end = notes.months(trigger, 6, "Rule 70a(1) with the period of Rule 70(1)")
        missed = "Rule 70a(3)"
    else:
        notes.add(
            f"Trigger {describe(trigger)}: date of the communication under Rules 70(2) and "
            f"70a(2) after the supplementary European search report (Guidelines C-II, 1.2.1)."
        )
        notified, extra = notification(rule, notes, trigger, received)
        end = period_from_notification(
            notes, notified, 6, "period specified under Rule 70(2); Rule 70a(2)", extra
        )
        missed = "Rules 70(3) and 70a(3)"
    due = notes.roll(calendar_for("EPO"), end, EP_ROLL)
    notes.add(
        f"Due date {describe(due)}: reply to the search opinion (comments and/or amendments; "
        f"required where the opinion is negative) and, where invited under Rule 70(2), "
        f"confirm that examination is to proceed. Not extendable; missed: the application is "
        f"deemed withdrawn ({missed}); further processing (Rule 135) is available."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


RULES = (
    (R161_162, r161_162),
    (DESIGNATION_FEE, designation_fee),
    (R70A_RESPONSE, r70a_response),
)
