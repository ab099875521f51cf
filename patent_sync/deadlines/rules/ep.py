"""EPO rules: replies to communications, examination request, Rule 71(3), opposition, renewal.

Notification (EPC Rules 126(2), 127(2), 131(2)): periods set by a notified document run from
the date it is deemed notified.

* Documents dated **before 1 November 2023**: deemed notified on the tenth day after the date
  they bear (the "10-day rule"), or on the day they actually arrived if that was later. Rule
  134 does not apply to the ten days (T 2056/08: "ten days plus two months", not the reverse).
* Documents dated **1 November 2023 or later**: deemed notified on the date they bear. If the
  document reached the addressee more than 7 days after that date, the period expires later by
  the number of days beyond the seven; those days are added to the expiry date first, and Rule
  134 is applied last (as PCT Rule 80.6 is applied before Rule 80.5).

Periods triggered by a publication in the Bulletin (examination request, opposition) and the
renewal fees are not notifications and get none of this.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from patent_sync.deadlines.arithmetic import (
    add_days,
    add_months,
    describe,
    last_day_of_month,
    ordinal,
)
from patent_sync.deadlines.errors import (
    ExtensionNotAllowedError,
    InvalidParameterError,
)
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.rules.common import EP_ROLL, Notes, calendar_for, forbid_extension

NEW_NOTIFICATION_RULES = dt.date(2023, 11, 1)
_OLD_FICTION_DAYS = 10
_LATE_RECEIPT_ALLOWANCE = 7

RECEIVED_PARAM = RuleParam(
    "received_date",
    "date",
    "date the document actually reached the addressee (only matters if late)",
)

COMMUNICATION_REPLY = Rule(
    id="ep.communication_reply",
    title="Reply to an EPO communication setting a period (e.g. Art. 94(3))",
    citation="EPC Rules 126(2), 127(2), 131, 132, 134(1)",
    trigger="date the communication bears",
    params=(
        RuleParam("period_months", "int", "period set in the communication", required=True),
        RECEIVED_PARAM,
        RuleParam("extension_months", "int", "extension granted by the EPO under Rule 132(2)", 0),
    ),
    extendable=True,
    office="EPO",
    period="as set by the EPO (Rule 132(2): 2 to 4 months, up to 6)",
)

EXAMINATION_REQUEST = Rule(
    id="ep.examination_request",
    title="Request for examination and examination fee",
    citation="EPC Art. 94(1); Rule 70(1); Rule 134(1)",
    trigger="date the European Patent Bulletin mentions publication of the search report",
    params=(),
    extendable=False,
    office="EPO",
    period="6 months",
)

R71_3 = Rule(
    id="ep.r71_3",
    title="Approval of the text for grant, grant/publishing fee, claims translations",
    citation="EPC Rule 71(3); Rules 126(2), 131, 134(1)",
    trigger="date the Rule 71(3) communication bears",
    params=(
        RECEIVED_PARAM,
        RuleParam("extension_months", "int", "must be 0: the period cannot be extended", 0),
    ),
    extendable=False,
    office="EPO",
    period="4 months, not extendable",
)

OPPOSITION = Rule(
    id="ep.opposition",
    title="Notice of opposition against a European patent",
    citation="EPC Art. 99(1); Rule 134(1)",
    trigger="date the European Patent Bulletin mentions the grant",
    params=(),
    extendable=False,
    office="EPO",
    period="9 months, not extendable",
)

RENEWAL_FEE = Rule(
    id="ep.renewal_fee",
    title="Renewal fee for a pending European patent application",
    citation="EPC Art. 86(1); Rule 51(1), (2); Rule 159(1)(g); Rule 134(1); J 4/91",
    trigger="date of filing (the international filing date for a Euro-PCT application)",
    params=(
        RuleParam("year", "int", "patent year the fee is for (3 and up)", required=True),
        RuleParam("euro_pct", "bool", "the application is a Euro-PCT application", False),
        RuleParam(
            "priority_date",
            "date",
            "earliest priority date (Euro-PCT: for the 31-month deferral of the 3rd-year fee)",
        ),
    ),
    extendable=False,
    office="EPO",
    period="last day of the month of the anniversary; 6-month grace period with surcharge",
)


def notification(
    rule: Rule, notes: Notes, dated: dt.date, received: dt.date | None
) -> tuple[dt.date, int]:
    """The deemed notification date and the late-receipt days to add to the expiry."""
    if received is not None and received < dated:
        raise InvalidParameterError(
            f"{rule.id}: received_date {received.isoformat()} is before the date the "
            f"document bears ({dated.isoformat()})"
        )
    if dated < NEW_NOTIFICATION_RULES:
        deemed = add_days(dated, _OLD_FICTION_DAYS)
        if received is not None and received > deemed:
            notes.add(
                f"Dated before 1 Nov 2023: 10-day rule (former Rule 126(2)/127(2)); the "
                f"document arrived on {describe(received)}, after the tenth day "
                f"({deemed.isoformat()}), so it was notified on its arrival (the EPO bears the "
                f"burden of proof of the date)."
            )
            return received, 0
        notes.add(
            f"Dated before 1 Nov 2023: deemed notified on the tenth day after its date "
            f"(former Rule 126(2)/127(2)) → {describe(deemed)}; Rule 134 does not apply to the "
            f"ten days."
        )
        return deemed, 0
    notes.add(
        f"Dated on or after 1 Nov 2023: deemed notified on the date it bears, "
        f"{dated.isoformat()} (Rule 126(2)/127(2) as in force from 1 Nov 2023)."
    )
    if received is None:
        return dated, 0
    late = (received - dated).days
    if late <= _LATE_RECEIPT_ALLOWANCE:
        notes.add(
            f"Received {received.isoformat()}, {late} day(s) after its date: within 7 days, "
            f"no effect on the period."
        )
        return dated, 0
    extra = late - _LATE_RECEIPT_ALLOWANCE
    notes.add(
        f"Received {received.isoformat()}, {late} days after its date: the period expires "
        f"{extra} day(s) later, the days beyond seven (Rule 126(2), last sentence; the EPO "
        f"decides in case of dispute)."
    )
    return dated, extra


def period_from_notification(
    notes: Notes, notified: dt.date, months: int, why: str, extra_days: int
) -> dt.date:
    end = notes.months(notified, months, why)
    if extra_days:
        later = add_days(end, extra_days)
        notes.add(f"+{extra_days} day(s) for late receipt → {describe(later)}.")
        end = later
    return end


def due_from_notification(
    rule: Rule, notes: Notes, dated: dt.date, received: dt.date | None, months: int, why: str
) -> dt.date:
    """The due date of a ``months`` period from notification of a document dated ``dated``:
    deemed notification, late-receipt days, then the roll over EPO closed days."""
    notified, extra = notification(rule, notes, dated, received)
    end = period_from_notification(notes, notified, months, why, extra)
    return notes.roll(calendar_for("EPO"), end, EP_ROLL)


def communication_reply(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Period set by the EPO, from deemed notification, plus any extension granted."""
    period: int = params["period_months"]
    extension: int = params["extension_months"]
    if not 1 <= period <= 6:
        raise InvalidParameterError(
            f"{rule.id}: period_months must be 1 to 6 (Rule 132(2): periods set by the EPO are "
            f"2 to 4 months, up to 6 in special cases), got {period}"
        )
    if not 0 <= extension <= 6:
        raise ExtensionNotAllowedError(
            f"{rule.id}: extension_months must be 0 to 6 (an extension granted by the EPO "
            f"under Rule 132(2)), got {extension}"
        )
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: date the communication bears.")
    notified, extra = notification(rule, notes, trigger, params["received_date"])
    if extension:
        notes.add(
            f"Extension of {extension} month(s) granted under Rule 132(2): the extended period "
            f"is counted from notification, {period + extension} months in all."
        )
        if period + extension > 6:
            notes.add(
                "Note: a total above 6 months is granted only in exceptional cases; check the "
                "EPO's letter granting it."
            )
    end = period_from_notification(
        notes, notified, period + extension, "period set by the EPO; Rule 131(4)", extra
    )
    due = notes.roll(calendar_for("EPO"), end, EP_ROLL)
    notes.add(
        f"Due date {describe(due)}. Missed: further processing (Rule 135) within 2 months of "
        f"the loss-of-rights communication."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def r71_3(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """4 months from notification of the Rule 71(3) communication; not extendable."""
    forbid_extension(rule, params["extension_months"], "the Rule 71(3) period of 4 months")
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: date the Rule 71(3) communication bears.")
    due = due_from_notification(rule, notes, trigger, params["received_date"], 4, "Rule 71(3)")
    notes.add(f"Due date {describe(due)}. Not extendable; missed: further processing (Rule 135).")
    return notes.result(rule, trigger, due, None, rule.citation, params)


def examination_request(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """6 months from the Bulletin mention of the search report."""
    notes = Notes()
    notes.add(
        f"Trigger {describe(trigger)}: European Patent Bulletin mentions the publication of "
        f"the search report (a publication, not a notification: no 10-day rule)."
    )
    end = notes.months(trigger, 6, "Rule 70(1)")
    due = notes.roll(calendar_for("EPO"), end, EP_ROLL)
    notes.add(f"Due date {describe(due)}. Not extendable; missed: further processing (Rule 135).")
    return notes.result(rule, trigger, due, None, rule.citation, params)


def opposition(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """9 months from the mention of grant; no extension, no further processing."""
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: European Patent Bulletin mentions the grant.")
    end = notes.months(trigger, 9, "Art. 99(1)")
    due = notes.roll(calendar_for("EPO"), end, EP_ROLL)
    notes.add(
        f"Due date {describe(due)}. Not extendable; neither further processing nor "
        f"re-establishment is available to an opponent for this period."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


def renewal_fee(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Rule 51(1) due date, Rule 159(1)(g) deferral for Euro-PCT, Rule 51(2) grace period."""
    year: int = params["year"]
    euro_pct: bool = params["euro_pct"]
    priority: dt.date | None = params["priority_date"]
    if not 3 <= year <= 20:
        raise InvalidParameterError(
            f"{rule.id}: year must be 3 to 20 (renewal fees are due from the 3rd year, Art. "
            f"86(1)), got {year}"
        )
    if priority is not None and priority > trigger:
        raise InvalidParameterError(
            f"{rule.id}: priority_date {priority.isoformat()} is after the filing date "
            f"{trigger.isoformat()}"
        )
    notes = Notes()
    what = "international filing date (Euro-PCT)" if euro_pct else "date of filing"
    notes.add(f"Trigger {describe(trigger)}: {what}.")
    anniversary = add_months(trigger, 12 * (year - 1))
    due_day = last_day_of_month(anniversary)
    notes.add(_renewal_due_line(year, anniversary, due_day))
    grace_from_month_end = True
    if euro_pct and year == 3:
        if priority is None:
            notes.add(
                "Euro-PCT without priority_date: the Rule 159(1)(g) deferral to the 31-month "
                "limit could not be checked; the Rule 51(1) date is kept (the earlier, safe "
                "date)."
            )
        else:
            limit = add_months(priority, 31)
            if limit > due_day:
                notes.add(
                    f"Euro-PCT: the fee would fall due before the 31-month limit "
                    f"({describe(limit)}, from priority {priority.isoformat()}), so it falls "
                    f"due at that limit instead (Rule 159(1)(g))."
                )
                due_day = limit
                grace_from_month_end = False
    due, final, lines, warnings = _renewal_tail(due_day, grace_from_month_end)
    notes.extend(lines, warnings)
    return notes.result(rule, trigger, due, final, rule.citation, params)


@lru_cache(maxsize=65536)
def _renewal_due_line(year: int, anniversary: dt.date, due_day: dt.date) -> str:
    return (
        f"Year {year} fee: due on the last day of the month containing the "
        f"{ordinal(year - 1)} anniversary ({anniversary.isoformat()}) → {describe(due_day)} "
        f"(Rule 51(1))."
    )


@lru_cache(maxsize=65536)
def _renewal_tail(
    due_day: dt.date, grace_from_month_end: bool
) -> tuple[dt.date, dt.date, tuple[str, ...], tuple[str, ...]]:
    """Due date, final date and their working: they depend only on the Rule 51 due day.

    Memoised because a docket holds many renewal fees falling due on the same month end.
    """
    epo = calendar_for("EPO")
    notes = Notes()
    due = notes.roll(epo, due_day, EP_ROLL)
    notes.add(f"Due date (no surcharge) {describe(due)}.")
    if grace_from_month_end:
        grace_end = last_day_of_month(add_months(due_day, 6))
        notes.add(
            f"Grace period with the additional fee (Rule 51(2)): from the last day of the month "
            f"to the last day of the sixth month after it, counted from {due_day.isoformat()} "
            f"even if that day was a closure day (J 4/91) → {describe(grace_end)}."
        )
    else:
        grace_end = notes.months(due_day, 6, "Rule 51(2) grace period from the deferred due date")
    final = notes.roll(epo, grace_end, EP_ROLL)
    notes.add(
        f"Final date (with the 50% additional fee) {describe(final)}: unpaid, the application "
        f"is deemed withdrawn (Art. 86(1)). After the mention of grant, renewal fees are paid "
        f"to the national offices instead (Art. 86(2), 141)."
    )
    return due, final, tuple(notes.lines), tuple(notes.warnings)


RULES = (
    (COMMUNICATION_REPLY, communication_reply),
    (EXAMINATION_REQUEST, examination_request),
    (R71_3, r71_3),
    (OPPOSITION, opposition),
    (RENEWAL_FEE, renewal_fee),
)
