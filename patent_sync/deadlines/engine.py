"""``compute``: check a request against the catalogue, parse its parameters, run the rule.

Everything a user can get wrong (an unknown rule, a malformed date, a missing, unknown or
mistyped parameter, an extension the law forbids) raises a ``DeadlineError`` subclass whose
message names the rule and the parameter; nothing else escapes for bad input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from patent_sync.deadlines.calendars import normalize_office
from patent_sync.deadlines.errors import InvalidParameterError, UnknownRuleError
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.provisions import parse_provision
from patent_sync.deadlines.rules import IMPLEMENTATIONS, RULES

_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})

DeadlineRequest = tuple[str, "dt.date | str", Mapping[str, Any]]

# About 2 KB per result: the cap bounds the memo at roughly 400 MB in the worst case, and a
# docket of a million open matters typically has far fewer distinct requests (~170,000).
_RESULT_CACHE_LIMIT = 200_000
_results: dict[tuple[Any, ...], DeadlineResult] = {}


def compute(rule: str, trigger_date: dt.date | str, **params: Any) -> DeadlineResult:
    """Compute the deadline of ``rule`` triggered on ``trigger_date``.

    ``trigger_date`` is a ``datetime.date`` or an ISO 8601 ``YYYY-MM-DD`` string; ``params``
    are the rule's parameters (see ``RULES[rule].params``), as Python values or as the strings a
    command line passes. Raises ``UnknownRuleError``, ``InvalidParameterError`` or
    ``ExtensionNotAllowedError`` (all ``DeadlineError``, a ``ValueError``) for bad requests.
    """
    spec = RULES.get(rule)
    if spec is None:
        raise UnknownRuleError(f"unknown rule {rule!r}; known rules: {', '.join(sorted(RULES))}")
    if type(trigger_date) is dt.date:
        trigger = trigger_date
    else:
        trigger = parse_date(trigger_date, f"{rule}: trigger date")
    values = _parse_params(spec, params)
    # Results are immutable (frozen, tuples, a read-only params dict), so identical requests
    # (thousands of matters share each trigger date in a real docket) share one result.
    key = (rule, trigger, *values.values())
    result = _results.get(key)
    if result is None:
        result = IMPLEMENTATIONS[rule](spec, trigger, values)
        if len(_results) >= _RESULT_CACHE_LIMIT:
            _results.clear()
        _results[key] = result
    return result


def compute_many(requests: Iterable[DeadlineRequest]) -> list[DeadlineResult]:
    """``compute`` for many ``(rule, trigger_date, params)`` requests, in order.

    Identical requests share one (immutable) result object. The first bad request raises its
    ``DeadlineError``.
    """
    return [compute(rule, trigger, **params) for rule, trigger, params in requests]


def clear_cache() -> None:
    """Forget memoised results (for long-running processes that want the memory back)."""
    _results.clear()


def parse_date(value: object, what: str) -> dt.date:
    """A ``date`` from a date or a ``YYYY-MM-DD`` string; ``InvalidParameterError`` otherwise."""
    if type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):
        raise InvalidParameterError(f"{what} must be a date without a time, got {value!r}")
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        raise InvalidParameterError(f"{what} must be a calendar date as YYYY-MM-DD, got {value!r}")
    raise InvalidParameterError(
        f"{what} must be a date (YYYY-MM-DD), got {type(value).__name__} {value!r}"
    )


def _parse_params(spec: Rule, given: Mapping[str, Any]) -> dict[str, Any]:
    if given:
        for name in given:
            if spec.param(name) is None:
                declared = ", ".join(param.name for param in spec.params) or "no parameters"
                raise InvalidParameterError(
                    f"{spec.id}: unknown parameter {name!r}; this rule takes {declared}"
                )
    values: dict[str, Any] = {}
    for param in spec.params:
        raw = given.get(param.name)
        if raw is None:
            if param.required:
                raise InvalidParameterError(
                    f"{spec.id}: parameter {param.name!r} is required ({param.description})"
                )
            values[param.name] = param.default
        elif param.kind == "int" and type(raw) is int:  # the common case, without a call
            values[param.name] = raw
        else:
            values[param.name] = _parse_value(spec, param, raw)
    return values


def _parse_value(spec: Rule, param: RuleParam, raw: Any) -> Any:
    where = f"{spec.id}: {param.name}"
    kind = param.kind
    if kind == "int":
        if type(raw) is int:
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("+-").isdigit():
            return int(raw.strip())
        raise InvalidParameterError(f"{where} must be a whole number, got {raw!r}")
    if kind == "date":
        return parse_date(raw, where)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise InvalidParameterError(f"{where} must be true or false, got {raw!r}")
    if kind == "office":
        office = normalize_office(raw) if isinstance(raw, str) else None
        if office is None or (param.choices and office not in param.choices):
            raise InvalidParameterError(
                f"{where} must be one of {', '.join(param.choices)}, got {raw!r}"
            )
        return office
    if kind == "choice":
        text = raw.strip().lower() if isinstance(raw, str) else None
        if text not in param.choices:
            raise InvalidParameterError(
                f"{where} must be one of {', '.join(param.choices)}, got {raw!r}"
            )
        return text
    if kind == "provision":
        if not isinstance(raw, str):
            raise InvalidParameterError(
                f"{where} must name an EPC provision, e.g. 'Rule 51(2)', got {raw!r}"
            )
        return parse_provision(raw, where).text
    if kind == "stage":
        stage = _stage(raw)
        if stage is None or stage not in param.choices:
            raise InvalidParameterError(
                f"{where} must be one of {', '.join(param.choices)} (years after grant), "
                f"got {raw!r}"
            )
        return stage
    raise AssertionError(f"{where}: unsupported parameter kind {kind!r}")  # a catalogue bug


def _stage(raw: Any) -> str | None:
    if isinstance(raw, bool):
        return None
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return f"{number.normalize():f}" if number != number.to_integral() else str(int(number))
