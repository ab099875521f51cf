"""The working notes a rule writes while it computes, and the shared steps (months, roll).

Every rule builds its explanation with a ``Notes`` object, so all of them read the same way:

    Trigger 2024-03-15 (Friday): mailing date of the Office action.
    +3 months from 2024-03-15 (shortened statutory period; ...) → 2024-06-15 (Saturday).
    2024-06-15 (Saturday) is not a USPTO business day (2024-06-15 to 2024-06-16 weekend) →
    next business day 2024-06-17 (Monday) (35 USC 21(b); 37 CFR 1.7).

The month steps and roll-forwards are memoised with their explanation line: a docket has many
matters but few distinct (date, period) pairs, and this is the hot path of the benchmark.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from patent_sync.deadlines.arithmetic import add_months, describe
from patent_sync.deadlines.calendars import OfficeCalendar, Roll, get_calendar
from patent_sync.deadlines.errors import ExtensionNotAllowedError
from patent_sync.deadlines.model import DeadlineResult, ReadOnlyDict, Rule

#: Roll-forward citations per office, as a rule's own provision is followed by the office's.
US_ROLL = "35 USC 21(b); 37 CFR 1.7"
EP_ROLL = "EPC Rule 134(1)"

#: The month-end rule (a period ending in a month without the trigger's day number ends on that
#: month's last day) is the same arithmetic in every system, but a working cites the law its
#: period comes from: the rule id's system first (``us.``, ``ep.``, ``pct.``), else the office
#: the rule is computed for (``paris.priority`` at the USPTO is a US filing).
_MONTH_END_BY_SYSTEM = {"us": "MPEP 710.01(a)", "ep": "EPC Rule 131(4)", "pct": "PCT Rule 80.2"}
_MONTH_END_BY_OFFICE = {"USPTO": "MPEP 710.01(a)", "EPO": "EPC Rule 131(4)", "IB": "PCT Rule 80.2"}
_MONTH_END_ANY = "MPEP 710.01(a); EPC Rule 131(4); PCT Rule 80.2"
# Stands for the month-end citation in a memoised line until the result knows its rule.
_MONTH_END_MARK = "\x00month-end\x00"

_OPEN_PHRASE = {
    "USPTO": "a USPTO business day",
    "EPO": "a day on which all EPO filing offices are open",
    "IB": "an International Bureau working day (only weekends are known)",
}
_NEXT_PHRASE = {
    "USPTO": "next business day",
    "EPO": "first day on which all EPO filing offices are open",
    "IB": "next weekday",
}
_CACHE_LIMIT = 500_000

_MonthStep = tuple[dt.date, str]
_RollStep = tuple[dt.date, str, tuple[str, ...]]
_month_steps: dict[tuple[dt.date, int, str], _MonthStep] = {}
_roll_steps: dict[tuple[str, dt.date, str], _RollStep] = {}


class Notes:
    """Collects explanation lines and calendar warnings, then builds the result."""

    __slots__ = ("_month_end", "lines", "warnings")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self._month_end = False  # a line waits for the month-end citation of its rule

    def add(self, line: str) -> None:
        """Append one line of working."""
        self.lines.append(line)

    def extend(self, lines: tuple[str, ...], warnings: tuple[str, ...]) -> None:
        """Append memoised working (lines and their warnings) computed by another ``Notes``."""
        self.lines.extend(lines)
        for warning in warnings:
            if warning not in self.warnings:
                self.warnings.append(warning)

    def months(self, start: dt.date, months: int, why: str) -> dt.date:
        """``start`` + ``months`` months, noted with the month-end rule when it applied."""
        key = (start, months, why)
        step = _month_steps.get(key)
        if step is None:
            step = _month_step(start, months, why)
            _remember(_month_steps, key, step)
        if _MONTH_END_MARK in step[1]:
            self._month_end = True
        self.lines.append(step[1])
        return step[0]

    def roll(self, calendar: OfficeCalendar, day: dt.date, citation: str) -> dt.date:
        """Roll ``day`` forward over ``calendar``'s closed days; note it and keep warnings."""
        key = (calendar.office, day, citation)
        step = _roll_steps.get(key)
        if step is None:
            rolled = calendar.roll_forward(day)
            step = (rolled.date, _roll_line(rolled, calendar.office, citation), rolled.warnings)
            _remember(_roll_steps, key, step)
        self.lines.append(step[1])
        if step[2]:
            for warning in step[2]:
                if warning not in self.warnings:
                    self.warnings.append(warning)
        return step[0]

    def result(
        self,
        rule: Rule,
        trigger: dt.date,
        due: dt.date,
        final: dt.date | None,
        citation: str,
        params: Mapping[str, Any],
    ) -> DeadlineResult:
        """The frozen result, with the warnings appended to the explanation.

        The month-end rule is cited as the rule's own law has it, and ``citation`` is given
        once per provision (``cite``).
        """
        lines = self.lines
        if self._month_end:
            month_end = month_end_citation(rule, params)
            lines = [_with_month_end(line, month_end) for line in lines]
        if self.warnings:
            lines.extend(f"WARNING: {warning}" for warning in self.warnings)
        return DeadlineResult(
            rule.id,
            trigger,
            due,
            final,
            rule.extendable,
            cite(citation),
            tuple(lines),
            tuple(self.warnings),
            json_params(params),
        )


def month_end_citation(rule: Rule, params: Mapping[str, Any]) -> str:
    """The month-end rule of ``rule``'s own law (``MPEP 710.01(a)`` for a US rule)."""
    system = rule.id.partition(".")[0]
    found = _MONTH_END_BY_SYSTEM.get(system)
    if found is None:
        office = params.get("office", rule.office)
        found = _MONTH_END_BY_OFFICE.get(office) if isinstance(office, str) else None
    return found or _MONTH_END_ANY


def _with_month_end(line: str, citation: str) -> str:
    if _MONTH_END_MARK not in line:
        return line
    before = line.split(_MONTH_END_MARK, 1)[0]
    if citation in before:  # the period's own reason already cites it
        return line.replace(f" ({_MONTH_END_MARK})", "")
    return line.replace(_MONTH_END_MARK, citation)


_PROVISION = re.compile(
    r"^(?P<law>.*?\b(?:Art\.|Arts\.|Rule|Rules|USC|CFR|MPEP))\s+(?P<items>\S.*)$"
)
# Two names of one instrument, as rules happen to write them.
_SAME_LAW = {"Paris Convention Art.": "Paris Art.", "Rules": "Rule", "Arts.": "Art."}


@lru_cache(maxsize=4096)  # a catalogue has few distinct citations; results are many
def cite(citation: str) -> str:
    """``citation`` with every provision given once, in first-mention order.

    ``Paris Convention Art. 4C(1), 4C(3); Paris Art. 4C(3); 35 USC 21(b)`` becomes
    ``Paris Convention Art. 4C(1), 4C(3); 35 USC 21(b)``: a part whose provisions were all
    cited before (under either name of the same law) is left out.
    """
    seen: set[tuple[str, str]] = set()
    kept: list[str] = []
    for part in (p.strip() for p in citation.split(";")):
        if not part:
            continue
        provisions = _provisions(part)
        if provisions and provisions <= seen:
            continue
        if part in kept:
            continue
        seen |= provisions
        kept.append(part)
    return "; ".join(kept)


def _provisions(part: str) -> set[tuple[str, str]]:
    """``EPC Rules 126(2), 131`` → {("EPC Rule", "126(2)"), ("EPC Rule", "131")}."""
    match = _PROVISION.match(part)
    if match is None:
        return set()
    law = match["law"]
    for name, same in _SAME_LAW.items():
        law = law.replace(name, same)
    items = [item.strip() for item in re.split(r",\s*(?![^()]*\))", match["items"])]
    return {(law, item) for item in items if item}


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with dates as ISO strings (JSON-ready)."""
    for value in params.values():
        if isinstance(value, dt.date):
            return ReadOnlyDict(
                (name, value.isoformat() if isinstance(value, dt.date) else value)
                for name, value in params.items()
            )
    return ReadOnlyDict(params)


def forbid_extension(rule: Rule, extension: int, period: str) -> None:
    """Refuse an extension of a period the law makes absolute, in words a paralegal reads."""
    if extension != 0:
        raise ExtensionNotAllowedError(
            f"{rule.id}: {period} cannot be extended; extension_months must be 0, got {extension}"
        )


def calendar_for(office: str) -> OfficeCalendar:
    """The shared calendar instance of ``office``."""
    return get_calendar(office)


def roll_citation(office: str, own: str) -> str:
    """The rule's own roll-forward provision followed by the office's, e.g. PCT Rule 80.5."""
    if office == "USPTO":
        return f"{own}; {US_ROLL}"
    if office == "EPO":
        return f"{own}; {EP_ROLL}"
    return own


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:  # bound memory on pathological inputs
        cache.clear()
    cache[key] = value


def _month_step(start: dt.date, months: int, why: str) -> _MonthStep:
    end = add_months(start, months)
    unit = "month" if months == 1 else "months"
    line = f"+{months} {unit} from {start.isoformat()} ({why}) → {describe(end)}"
    if end.day != start.day:
        line += (
            f"; that month has no day {start.day}, so the period ends on its last day "
            f"({_MONTH_END_MARK})"
        )
    return end, line + "."


def _roll_line(rolled: Roll, office: str, citation: str) -> str:
    if not rolled.moved:
        return f"{describe(rolled.start)} is {_OPEN_PHRASE[office]}: no roll-forward."
    groups: list[list[Any]] = []  # [first, last, label]
    for day, reason in rolled.closed:
        label = "weekend" if reason in ("Saturday", "Sunday") else reason
        if groups and groups[-1][2] == label and (day - groups[-1][1]).days == 1:
            groups[-1][1] = day
        else:
            groups.append([day, day, label])
    closed = "; ".join(
        f"{first.isoformat()} {label}"
        if first == last
        else f"{first.isoformat()} to {last.isoformat()} {label}"
        for first, last, label in groups
    )
    return (
        f"{describe(rolled.start)} is not {_OPEN_PHRASE[office]} ({closed}) → "
        f"{_NEXT_PHRASE[office]} {describe(rolled.date)} ({citation})."
    )
