"""USPTO ex parte appeal: notice of appeal (37 CFR 41.31) and appeal brief (37 CFR 41.37).

The notice of appeal is due within the period for reply to the action appealed from (usually
a final rejection), so it shares that period's 35 USC 133 limit of six months. The appeal brief
period (two months from the filing of the notice) is not a period for reply to an Office action:
35 USC 133 does not cap it, and 37 CFR 1.136(a) allows five months of extension, seven months
in all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import describe
from patent_sync.deadlines.model import DeadlineResult, Rule
from patent_sync.deadlines.rules.common import Notes
from patent_sync.deadlines.rules.us_periods import (
    REPLY_PERIOD_PARAMS,
    TWO_MONTH_EXTENSION_PARAM,
    TWO_MONTH_PERIOD,
    check_reply_period,
    reply_period,
    two_month_period,
)

NOTICE_OF_APPEAL = Rule(
    id="us.notice_of_appeal",
    title="Notice of appeal to the PTAB (and the appeal fee) after a final rejection",
    citation="35 USC 134(a), 133; 37 CFR 41.31(a)(1), 41.20(b)(1), 1.134, 1.136(a); 35 USC 21(b)",
    trigger="mailing date of the final rejection (or of the action twice rejecting the claims)",
    params=REPLY_PERIOD_PARAMS,
    extendable=True,
    office="USPTO",
    period="the period for reply to the action (usually 3 months), extendable to 6 months",
)

APPEAL_BRIEF = Rule(
    id="us.appeal_brief",
    title="Appeal brief to the PTAB",
    citation="37 CFR 41.37(a), (e); 37 CFR 1.136(a); MPEP 1205; 35 USC 21(b)",
    trigger="date the notice of appeal was filed (received by the Office)",
    params=(TWO_MONTH_EXTENSION_PARAM,),
    extendable=True,
    office="USPTO",
    period=TWO_MONTH_PERIOD,
)


def notice_of_appeal(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """The period for reply to the final rejection, extendable to the 6-month statutory limit."""
    period: int = params["period_months"]
    extension: int = params["extension_months"]
    check_reply_period(rule, period, extension)
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: mailing date of the final rejection; the notice of "
        f"appeal is due within the period for reply to it (37 CFR 41.31(a)(1))."
    )
    due, final = reply_period(
        notes, trigger, period, extension, "shortened statutory period; 37 CFR 1.134, 41.31(a)(1)"
    )
    notes.add(
        f"Final date {describe(final)}: file the notice of appeal with the fee of 37 CFR "
        f"41.20(b)(1) by then. An amendment after final does not stop the period; if a first "
        f"reply was filed within 2 months of the final rejection and the advisory action is "
        f"mailed after the period ends, the period ends on the advisory action's mailing date, "
        f"extension fees still counted from the original end (MPEP 706.07(f)). Without a "
        f"notice of appeal, an RCE or an allowance the application is abandoned (35 USC 133)."
    )
    return notes.result(rule, trigger, due, final, rule.citation, params)


def appeal_brief(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Two months from the notice of appeal, extendable by up to five months."""
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: date the notice of appeal was filed (37 CFR 41.37(a)). "
        f"Not a period for reply to an Office action, so 35 USC 133's six months do not cap it "
        f"(37 CFR 41.37(e))."
    )
    due, final = two_month_period(
        rule, notes, trigger, params["extension_months"], "37 CFR 41.37(a)"
    )
    notes.add(
        f"Final date {describe(final)}: without a brief by then the appeal is dismissed, and "
        f"the application abandoned unless it has allowed claims (MPEP 1205); a longer "
        f"extension only by petition under 37 CFR 1.136(b) for sufficient cause."
    )
    return notes.result(rule, trigger, due, final, rule.citation, params)


RULES = (
    (NOTICE_OF_APPEAL, notice_of_appeal),
    (APPEAL_BRIEF, appeal_brief),
)
