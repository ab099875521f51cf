"""Errors raised for deadline requests the rules do not allow.

Every message names the rule, says what is wrong in the words a docketing paralegal uses, cites
the provision where one applies, and says what was received, e.g.
``us.issue_fee: the issue fee period (37 CFR 1.311) cannot be extended; extension_months must
be 0, got 1``.
"""

from __future__ import annotations


class DeadlineError(ValueError):
    """Base class: a deadline request that cannot be computed as asked."""


class UnknownRuleError(DeadlineError):
    """The rule id is not in the catalogue (``patent_sync.deadlines.RULES``)."""


class InvalidParameterError(DeadlineError):
    """A trigger date or parameter is missing, malformed, unknown or out of range."""


class ExtensionNotAllowedError(DeadlineError):
    """An extension the rule forbids: a non-extendable period, or more than the law allows."""
