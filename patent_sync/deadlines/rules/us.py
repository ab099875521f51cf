"""USPTO rules: Office action reply, issue fee, maintenance fees, provisional conversion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import add_months, describe
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.rules.common import US_ROLL, Notes, calendar_for, forbid_extension
from patent_sync.deadlines.rules.us_periods import (
    REPLY_PERIOD_PARAMS,
    check_reply_period,
    reply_period,
)

OA_REPLY = Rule(
    id="us.oa_reply",
    title="Reply to a USPTO Office action (non-final or final)",
    citation="35 USC 133; 37 CFR 1.134, 1.136(a); MPEP 710.01(a); 35 USC 21(b)",
    trigger="mailing (notification) date of the Office action",
    params=REPLY_PERIOD_PARAMS,
    extendable=True,
    office="USPTO",
    period="shortened statutory period (usually 3 months), extendable to 6 months",
)

ISSUE_FEE = Rule(
    id="us.issue_fee",
    title="Payment of the issue fee after a notice of allowance",
    citation="35 USC 151(a); 37 CFR 1.311(a); 35 USC 21(b)",
    trigger="mailing date of the notice of allowance",
    params=(RuleParam("extension_months", "int", "must be 0: the period cannot be extended", 0),),
    extendable=False,
    office="USPTO",
    period="3 months, not extendable",
)

MAINTENANCE_FEE = Rule(
    id="us.maintenance_fee",
    title="US maintenance fee (3.5, 7.5 or 11.5 years after grant)",
    citation="35 USC 41(b); 37 CFR 1.362(d), (e); MPEP 2506; 35 USC 21(b)",
    trigger="grant (issue) date of the patent",
    params=(
        RuleParam(
            "stage",
            "stage",
            "which fee: 3.5, 7.5 or 11.5 (years after grant)",
            required=True,
            choices=("3.5", "7.5", "11.5"),
        ),
    ),
    extendable=False,
    office="USPTO",
    period="window closes 3.5/7.5/11.5 years after grant; 6-month grace with surcharge",
)

PROVISIONAL_CONVERSION = Rule(
    id="us.provisional_conversion",
    title="Nonprovisional filing claiming a provisional application",
    citation="35 USC 119(e)(1), (3); 37 CFR 1.7(b), 1.78(a)",
    trigger="filing date of the provisional application",
    params=(),
    extendable=False,
    office="USPTO",
    period="12 months",
)

_STAGES = {"3.5": (36, 42, 48), "7.5": (84, 90, 96), "11.5": (132, 138, 144)}


def oa_reply(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Reply due at the end of the period plus extensions bought; final at 6 months."""
    period: int = params["period_months"]
    extension: int = params["extension_months"]
    check_reply_period(rule, period, extension, limit="statutory limit")
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: mailing date of the Office action.")
    due, final = reply_period(
        notes,
        trigger,
        period,
        extension,
        "shortened statutory period; 37 CFR 1.134, MPEP 710.01(a)",
        trigger_name="mailing date",
        ceiling="the statutory limit",
    )
    notes.add(
        f"Final date {describe(final)}: without a reply by then the application is abandoned."
    )
    return notes.result(rule, trigger, due, final, rule.citation, params)


def issue_fee(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Issue fee due 3 months after the notice of allowance; never extendable."""
    forbid_extension(rule, params["extension_months"], "the issue fee period (37 CFR 1.311)")
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: mailing date of the notice of allowance.")
    end = notes.months(trigger, 3, "35 USC 151(a); 37 CFR 1.311(a)")
    due = notes.roll(calendar_for("USPTO"), end, US_ROLL)
    notes.add(
        f"Due date {describe(due)}. Not extendable (37 CFR 1.311(a)); unpaid, the application "
        f"is abandoned (revival only by petition under 37 CFR 1.137)."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def maintenance_fee(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Due at the end of the no-surcharge window; final at the end of the grace period."""
    stage: str = params["stage"]
    opens, closes, grace = _STAGES[stage]
    uspto = calendar_for("USPTO")
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: grant (issue) date of the patent.")
    notes.add(
        f"Window without surcharge opens {add_months(trigger, opens).isoformat()} "
        f"({opens // 12} years after grant; 37 CFR 1.362(d)); the fee cannot be paid earlier."
    )
    window_end = notes.months(
        trigger, closes, f"{stage}-year due date, end of the window; 35 USC 41(b), MPEP 2506"
    )
    due = notes.roll(uspto, window_end, US_ROLL)
    notes.add(f"Due date (no surcharge) {describe(due)}.")
    grace_end = notes.months(
        trigger, grace, "end of the 6-month grace period with surcharge; 37 CFR 1.362(e)"
    )
    final = notes.roll(uspto, grace_end, US_ROLL)
    notes.add(
        f"Final date (with surcharge, 37 CFR 1.20(h)) {describe(final)}: unpaid, the patent "
        f"expires at the end of the grace period (35 USC 41(b)); reinstatement only by "
        f"petition (37 CFR 1.378)."
    )
    return notes.result(rule, trigger, due, final, rule.citation, params)


def provisional_conversion(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """The nonprovisional must be filed within 12 months of the provisional."""
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: filing date of the provisional application.")
    end = notes.months(trigger, 12, "35 USC 119(e)(1)")
    due = notes.roll(calendar_for("USPTO"), end, "35 USC 119(e)(3); 37 CFR 1.7(b)")
    notes.add(
        f"Due date {describe(due)}. Not extendable; the benefit can only be restored by "
        f"petition within 2 months after it (37 CFR 1.78(b)), which is not a period extension."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


RULES = (
    (OA_REPLY, oa_reply),
    (ISSUE_FEE, issue_fee),
    (MAINTENANCE_FEE, maintenance_fee),
    (PROVISIONAL_CONVERSION, provisional_conversion),
)
