"""The rule catalogue: every rule's definition and the function that computes it.

``RULES`` maps a rule id to its ``Rule`` (title, citation, trigger, parameters, extendable,
office); ``IMPLEMENTATIONS`` maps it to ``fn(rule, trigger_date, params) -> DeadlineResult``,
called by ``patent_sync.deadlines.engine.compute`` with parameters already parsed and defaulted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from patent_sync.deadlines.model import DeadlineResult, Rule
from patent_sync.deadlines.rules import (
    ep,
    ep_decisions,
    ep_remedies,
    ep_search,
    pct,
    us,
    us_appeal,
    us_filing,
    us_reissue,
)

Implementation = Callable[[Rule, Any, dict[str, Any]], DeadlineResult]

_ALL = (
    *us.RULES,
    *us_appeal.RULES,
    *us_filing.RULES,
    *us_reissue.RULES,
    *pct.RULES,
    *ep.RULES,
    *ep_search.RULES,
    *ep_decisions.RULES,
    *ep_remedies.RULES,
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule, _ in _ALL})
IMPLEMENTATIONS: Mapping[str, Implementation] = MappingProxyType(
    {rule.id: function for rule, function in _ALL}
)


def list_rules() -> list[Rule]:
    """Every rule in the catalogue, ordered by id."""
    return [RULES[rule_id] for rule_id in sorted(RULES)]


__all__ = ["IMPLEMENTATIONS", "RULES", "list_rules"]
