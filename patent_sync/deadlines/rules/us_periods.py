"""The USPTO period-plus-extension computation shared by the rules whose period can be extended
by buying months under 37 CFR 1.136(a).

The extended period is counted from the last calendar day of the original period even if that
day is a weekend or holiday (MPEP 710.01(a)), i.e. it ends ``period + extension`` months after
the trigger; only the end of the period actually running is rolled under 35 USC 21(b). The
final date is the end of the longest period reachable by buying every month the law allows.
"""

from __future__ import annotations

import datetime as dt

from patent_sync.deadlines.arithmetic import describe
from patent_sync.deadlines.errors import ExtensionNotAllowedError, InvalidParameterError
from patent_sync.deadlines.model import Rule
from patent_sync.deadlines.rules.common import US_ROLL, Notes, calendar_for


def check_extension(rule: Rule, period: int, extension: int, most_total: int, why: str) -> None:
    """Refuse a negative extension or one that takes the period past ``most_total`` months."""
    if extension < 0:
        raise InvalidParameterError(f"{rule.id}: extension_months cannot be negative")
    if period + extension > most_total:
        most = most_total - period
        raise ExtensionNotAllowedError(
            f"{rule.id}: a {period}-month period plus {extension} month(s) of extension passes "
            f"the {most_total}-month limit ({why}); at most {most} month(s) of extension can be "
            f"bought under 37 CFR 1.136(a)"
        )


def extended_period(
    notes: Notes,
    trigger: dt.date,
    period: int,
    extension: int,
    most_total: int,
    why: str,
    limit_why: str,
) -> tuple[dt.date, dt.date]:
    """(due date with the extension bought, final date with every extension), both rolled."""
    uspto = calendar_for("USPTO")
    original_end = notes.months(trigger, period, why)
    if extension:
        notes.add(
            f"{extension} month(s) of extension bought under 37 CFR 1.136(a): counted from the "
            f"last calendar day of the original period ({original_end.isoformat()}), even if "
            f"that day is a weekend or holiday, i.e. {period + extension} months from the "
            f"trigger (MPEP 710.01(a))."
        )
        end = notes.months(trigger, period + extension, "period plus extensions")
    else:
        end = original_end
    due = notes.roll(uspto, end, US_ROLL)
    notes.add(f"Due date {describe(due)}.")
    if period + extension < most_total:
        notes.add(
            f"Further extension possible: up to {most_total - period - extension} more "
            f"month(s) under 37 CFR 1.136(a) with the fee, never past {most_total} months."
        )
    limit = notes.months(trigger, most_total, limit_why)
    final = notes.roll(uspto, limit, US_ROLL)
    return due, final
