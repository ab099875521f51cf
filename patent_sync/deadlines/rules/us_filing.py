"""USPTO filing-stage rules: the reply to a notice to file missing parts (37 CFR 1.53(f)) and the
time to claim foreign priority or domestic benefit (37 CFR 1.55(d), 1.78).

The missing-parts period is the two months the notice sets (Form PTO-1533), extendable under
37 CFR 1.136(a) by up to five months: it is not a 35 USC 133 period, so seven months in all.

The priority/benefit claim must be made in an application data sheet within the later of four
months from the application's actual filing date and sixteen months from the earlier
application's filing date (37 CFR 1.55(d)(1); 1.78(a)(4) for a provisional parent, 1.78(d)(3)
for a nonprovisional or international one). The period is not extendable; a late claim needs a
petition for an unintentionally delayed claim (37 CFR 1.55(e), 1.78(c), (e)). The periods do
not apply to design applications (MPEP 214.01), which claim at any time while pending.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import add_months, describe
from patent_sync.deadlines.errors import InvalidParameterError, NoTimeLimitError, TimeBarredError
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.rules.common import US_ROLL, Notes, calendar_for
from patent_sync.deadlines.rules.us_periods import (
    TWO_MONTH_EXTENSION_PARAM,
    TWO_MONTH_PERIOD,
    two_month_period,
)

_PRIORITY_YEAR = {"utility": 12, "design": 6}  # 35 USC 119(a); 35 USC 172
_RESTORATION_MONTHS = 2  # 37 CFR 1.55(c), 1.78(b)

MISSING_PARTS = Rule(
    id="us.missing_parts",
    title="Reply to a notice to file missing parts (fees, oath or declaration)",
    citation="35 USC 111(a)(3), (4); 37 CFR 1.53(f), 1.136(a); 35 USC 21(b)",
    trigger="mailing date of the notice to file missing parts",
    params=(TWO_MONTH_EXTENSION_PARAM,),
    extendable=True,
    office="USPTO",
    period=TWO_MONTH_PERIOD,
)

PRIORITY_CLAIM = Rule(
    id="us.priority_claim",
    title="Claim for foreign priority or domestic benefit (in an application data sheet)",
    citation="35 USC 119(b), 120, 119(e); 37 CFR 1.55(d)(1), 1.78(a)(4), (d)(3); 35 USC 21(b)",
    trigger="actual filing date of the application",
    params=(
        RuleParam(
            "priority_date",
            "date",
            "filing date of the earlier (foreign or domestic) application",
            required=True,
        ),
        RuleParam(
            "application_type",
            "choice",
            "utility or design (the 4/16-month period does not apply to design applications)",
            "utility",
            choices=("utility", "design"),
        ),
        RuleParam(
            "basis",
            "choice",
            "foreign (priority, 35 USC 119(a)) or domestic (benefit, 35 USC 119(e) or 120)",
            "foreign",
            choices=("foreign", "domestic"),
        ),
    ),
    extendable=False,
    office="USPTO",
    period="later of 4 months from filing and 16 months from the earlier application; not "
    "extendable",
)


def missing_parts(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Two months from the notice, extendable by up to five months."""
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: mailing date of the notice to file missing parts (37 CFR "
        f"1.53(f)); the notice sets two months. Not a 35 USC 133 period."
    )
    due, final = two_month_period(
        rule, notes, trigger, params["extension_months"], "period set in the notice; 37 CFR 1.53(f)"
    )
    notes.add(
        f"Final date {describe(final)}: file the missing fees (with the surcharge of 37 CFR "
        f"1.16(f)) and/or parts by then, or the application is abandoned (37 CFR 1.53(f)). "
        f"The inventor's oath or declaration may be postponed until allowance if an "
        f"application data sheet naming the inventors is on file (37 CFR 1.53(f)(3))."
    )
    return notes.result(rule, trigger, due, final, rule.citation, params)


def priority_claim(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """The later of 4 months from filing and 16 months from the earlier application."""
    priority: dt.date = params["priority_date"]
    kind: str = params["application_type"]
    basis: str = params["basis"]
    if priority > trigger:
        raise InvalidParameterError(
            f"{rule.id}: priority_date {priority.isoformat()} is after the filing date "
            f"{trigger.isoformat()}; the earlier application always comes first"
        )
    uspto = calendar_for("USPTO")
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: actual filing date of the {kind} application; earlier "
        f"application filed {priority.isoformat()} ({basis} "
        f"{'priority' if basis == 'foreign' else 'benefit'})."
    )
    if basis == "foreign":
        _check_priority_year(rule, notes, trigger, priority, kind)
    if kind == "design":
        what = (
            "foreign priority"
            if basis == "foreign"
            else "domestic benefit (35 USC 120; a design cannot claim a provisional "
            "application, 35 USC 172)"
        )
        raise NoTimeLimitError(
            f"{rule.id}: a design application has no time limit for claiming {what}: the "
            f"4/16-month periods of 37 CFR 1.55(d)(1) and 1.78(d)(3) do not apply to design "
            f"applications (MPEP 214.01); the claim can be made at any time while the "
            f"application is pending"
        )
    if basis == "domestic":
        notes.add(
            "Domestic benefit: a provisional parent must have been filed no more than 12 "
            "months earlier (35 USC 119(e); restoration within 2 more months, 37 CFR 1.78(b)); "
            "a nonprovisional or international parent must be copending (35 USC 120)."
        )
    from_filing = notes.months(trigger, 4, "4 months from the actual filing date")
    from_earlier = notes.months(priority, 16, "16 months from the earlier application")
    later = max(from_filing, from_earlier)
    which = "4 months from filing" if later == from_filing else "16 months from the earlier filing"
    provision = "37 CFR 1.55(d)(1)" if basis == "foreign" else "37 CFR 1.78(a)(4), (d)(3)"
    notes.add(f"The later of the two applies ({provision}): {describe(later)} ({which}).")
    due = notes.roll(uspto, later, US_ROLL)
    late = "37 CFR 1.55(e)" if basis == "foreign" else "37 CFR 1.78(c), (e)"
    notes.add(
        f"Due date {describe(due)}: present the claim in an application data sheet. Not "
        f"extendable; a later claim only with a petition for an unintentionally delayed claim "
        f"and its fee ({late})."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def _check_priority_year(
    rule: Rule, notes: Notes, filed: dt.date, priority: dt.date, kind: str
) -> None:
    """Refuse a filing after the priority year and its restoration period; note restoration."""
    uspto = calendar_for("USPTO")
    months = _PRIORITY_YEAR[kind]
    year_end = uspto.roll_forward(add_months(priority, months)).date
    if filed <= year_end:
        notes.add(
            f"Filed within the {months}-month priority period, which ended "
            f"{describe(year_end)} (35 USC 119(a){', 172' if kind == 'design' else ''}, 21(b))."
        )
        return
    restoration_end = uspto.roll_forward(add_months(year_end, _RESTORATION_MONTHS)).date
    if filed > restoration_end:
        raise TimeBarredError(
            f"{rule.id}: no right of priority: the application was filed on "
            f"{filed.isoformat()}, after the {months}-month priority period (ended "
            f"{year_end.isoformat()}) and after the two months in which it can be restored "
            f"(ended {restoration_end.isoformat()}; 35 USC 119(a), 37 CFR 1.55(c))"
        )
    notes.add(
        f"Filed after the {months}-month priority period (ended {year_end.isoformat()}) but "
        f"within the two months after it: the right of priority must be restored by a petition "
        f"under 37 CFR 1.55(c) (unintentional delay), filed within the period for the claim."
    )


RULES = (
    (MISSING_PARTS, missing_parts),
    (PRIORITY_CLAIM, priority_claim),
)
