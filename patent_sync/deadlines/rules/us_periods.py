"""The USPTO period-plus-extension computation shared by the rules whose period can be extended
by buying months under 37 CFR 1.136(a).

The extended period is counted from the last calendar day of the original period even if that
day is a weekend or holiday (MPEP 710.01(a)), i.e. it ends ``period + extension`` months after
the trigger; only the end of the period actually running is rolled under 35 USC 21(b). The
final date is the end of the longest period reachable by buying every month the law allows.

Two kinds of period use it: the period for reply to an Office action, which 35 USC 133 caps at
six months in all (``REPLY_PERIOD_PARAMS``, ``check_reply_period``, ``reply_period``), and a
two-month period set outside 35 USC 133, which 37 CFR 1.136(a)(1) extends by at most five
months (``two_month_period``).
"""

from __future__ import annotations

import datetime as dt

from patent_sync.deadlines.arithmetic import describe
from patent_sync.deadlines.errors import ExtensionNotAllowedError, InvalidParameterError
from patent_sync.deadlines.model import Rule, RuleParam
from patent_sync.deadlines.rules.common import US_ROLL, Notes, calendar_for

_STATUTORY_MONTHS = 6  # 35 USC 133: the longest period for reply to an Office action
_SET_PERIOD_MONTHS = 2  # the period a notice or the appeal rules set outside 35 USC 133
_MOST_EXTENSION = 5  # 37 CFR 1.136(a)(1)

#: The parameters of a period for reply to an Office action (35 USC 133): the shortened
#: statutory period the action sets and the months of extension bought.
REPLY_PERIOD_PARAMS = (
    RuleParam("period_months", "int", "shortened statutory period set in the action", 3),
    RuleParam(
        "extension_months",
        "int",
        "months of extension bought under 37 CFR 1.136(a); the total may not pass 6 months",
        0,
    ),
)

#: The extension parameter of a two-month period outside 35 USC 133.
TWO_MONTH_EXTENSION_PARAM = RuleParam(
    "extension_months",
    "int",
    "months of extension bought under 37 CFR 1.136(a) (at most 5: 7 months in all)",
    0,
)
#: The ``period`` a catalogue entry of such a two-month period shows.
TWO_MONTH_PERIOD = "2 months, extendable by up to 5 months under 37 CFR 1.136(a) (7 months in all)"


def check_extension(
    rule: Rule, period: int, extension: int, most_total: int, why: str, limit: str = "limit"
) -> None:
    """Refuse a negative extension or one that takes the period past ``most_total`` months
    (the ``limit`` of ``why``, e.g. the "statutory limit" of 35 USC 133)."""
    if extension < 0:
        raise InvalidParameterError(f"{rule.id}: extension_months cannot be negative")
    if period + extension > most_total:
        most = most_total - period
        raise ExtensionNotAllowedError(
            f"{rule.id}: a {period}-month period plus {extension} month(s) of extension passes "
            f"the {most_total}-month {limit} ({why}); at most {most} month(s) of extension can be "
            f"bought under 37 CFR 1.136(a)"
        )


def check_reply_period(rule: Rule, period: int, extension: int, limit: str = "limit") -> None:
    """Refuse a shortened statutory period, or an extension of it, that 35 USC 133 does not
    allow (``limit`` as in ``check_extension``)."""
    if not 1 <= period <= _STATUTORY_MONTHS:
        raise InvalidParameterError(
            f"{rule.id}: period_months must be 1 to 6 (35 USC 133 allows at most 6 months), "
            f"got {period}"
        )
    check_extension(rule, period, extension, _STATUTORY_MONTHS, "35 USC 133", limit)


def extended_period(
    notes: Notes,
    trigger: dt.date,
    period: int,
    extension: int,
    most_total: int,
    why: str,
    limit_why: str,
    *,
    trigger_name: str = "trigger",
    ceiling: str | None = None,
) -> tuple[dt.date, dt.date]:
    """(due date with the extension bought, final date with every extension), both rolled.

    ``trigger_name`` and ``ceiling`` name the trigger and the longest period in the working
    ("mailing date", "the statutory limit"); by default "trigger" and ``most_total`` months.
    """
    uspto = calendar_for("USPTO")
    original_end = notes.months(trigger, period, why)
    if extension:
        notes.add(
            f"{extension} month(s) of extension bought under 37 CFR 1.136(a): counted from the "
            f"last calendar day of the original period ({original_end.isoformat()}), even if "
            f"that day is a weekend or holiday, i.e. {period + extension} months from the "
            f"{trigger_name} (MPEP 710.01(a))."
        )
        end = notes.months(trigger, period + extension, "period plus extensions")
    else:
        end = original_end
    due = notes.roll(uspto, end, US_ROLL)
    notes.add(f"Due date {describe(due)}.")
    if period + extension < most_total:
        notes.add(
            f"Further extension possible: up to {most_total - period - extension} more "
            f"month(s) under 37 CFR 1.136(a) with the fee, never past "
            f"{ceiling or f'{most_total} months'}."
        )
    limit = notes.months(trigger, most_total, limit_why)
    final = notes.roll(uspto, limit, US_ROLL)
    return due, final


def two_month_period(
    rule: Rule, notes: Notes, trigger: dt.date, extension: int, why: str
) -> tuple[dt.date, dt.date]:
    """``extended_period`` of a two-month period outside 35 USC 133, which 37 CFR 1.136(a)(1)
    extends by at most five months (seven in all); refuses a longer extension."""
    most_total = _SET_PERIOD_MONTHS + _MOST_EXTENSION
    check_extension(
        rule,
        _SET_PERIOD_MONTHS,
        extension,
        most_total,
        "37 CFR 1.136(a)(1): at most five months of extension",
    )
    return extended_period(
        notes,
        trigger,
        _SET_PERIOD_MONTHS,
        extension,
        most_total,
        why,
        "two months plus the five months 37 CFR 1.136(a) allows",
    )


def reply_period(
    notes: Notes,
    trigger: dt.date,
    period: int,
    extension: int,
    why: str,
    *,
    trigger_name: str = "trigger",
    ceiling: str | None = None,
) -> tuple[dt.date, dt.date]:
    """``extended_period`` of a period for reply to an Office action, which 35 USC 133 caps at
    six months in all (check it first with ``check_reply_period``)."""
    return extended_period(
        notes,
        trigger,
        period,
        extension,
        _STATUTORY_MONTHS,
        why,
        "statutory limit, 35 USC 133",
        trigger_name=trigger_name,
        ceiling=ceiling,
    )
