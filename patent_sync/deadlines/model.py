"""The value types of the deadline engine: the rule catalogue entry and the computed result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RuleParam:
    """One parameter a rule accepts.

    ``kind`` is ``"int"``, ``"stage"`` (a maintenance-fee stage), ``"date"``, ``"bool"``,
    ``"office"``, ``"choice"`` (one of ``choices``, any case) or ``"provision"`` (an EPC article
    or rule as written in the EPC, e.g. ``Rule 51(2)``, kept in its canonical spelling).
    ``default`` is ``None`` for a parameter that is optional without a default; ``required``
    parameters have no default and must be given.
    """

    name: str
    kind: str
    description: str
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalogue entry: what the rule computes, from what, under which provision.

    ``extendable`` says whether the period can be extended on request (37 CFR 1.136(a), EPC
    Rule 132(2)); a grace period with a surcharge is not an extension and is reported as the
    result's ``final_date`` instead. ``office`` is the office whose calendar applies by default
    (rules with an ``office`` parameter use the calendar of the office given).
    """

    id: str
    title: str
    citation: str
    trigger: str
    params: tuple[RuleParam, ...]
    extendable: bool
    office: str
    period: str

    @property
    def absolute(self) -> bool:
        """True where no extension of time can be obtained (the opposite of ``extendable``)."""
        return not self.extendable

    def param(self, name: str) -> RuleParam | None:
        """The parameter called ``name``, or None."""
        for param in self.params:
            if param.name == name:
                return param
        return None


class ReadOnlyDict(dict[str, Any]):
    """A ``dict`` that refuses changes: results are shared between identical requests."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("DeadlineResult.params is read-only; copy it with dict(...)")

    __setitem__ = __delitem__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    """A computed deadline.

    ``due_date`` is the date by which the act is due (after any extension asked for and any
    roll-forward to the next day the office is open). ``final_date`` is the last date reachable
    at all: the statutory limit with every extension bought (``us.oa_reply``) or the end of a
    surcharge grace period (maintenance and renewal fees); None where the rule has none.
    ``explanation`` is the working: one line per step, each roll-forward with its reason, and any
    calendar warning. ``warnings`` repeats only the calendar warnings (a closure calendar that is
    missing or uncertain for a year/office the result depends on), so a docket can flag them.
    ``params`` holds every parameter the computation used, defaults included, as JSON-ready
    values (dates as ISO strings), in a read-only dict: identical requests share one result.
    """

    rule: str
    trigger_date: dt.date
    due_date: dt.date
    final_date: dt.date | None
    extendable: bool
    citation: str
    explanation: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=ReadOnlyDict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO 8601 strings)."""
        return {
            "rule": self.rule,
            "trigger_date": self.trigger_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "final_date": self.final_date.isoformat() if self.final_date else None,
            "extendable": self.extendable,
            "citation": self.citation,
            "explanation": list(self.explanation),
            "warnings": list(self.warnings),
            "params": dict(self.params),
        }
