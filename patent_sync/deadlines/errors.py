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


class RemedyNotAvailableError(DeadlineError):
    """The law rules out what was asked for: a remedy excluded for the missed period (further
    processing under Rule 135(2) EPC, re-establishment under Art. 122(4)/Rule 136(3) EPC) or
    a right that did not exist on the trigger date (unitary effect before 1 June 2023)."""


class TimeBarredError(DeadlineError):
    """The outer limit has already passed on the trigger date: re-establishment asked for after
    the one-year limit of Rule 136(1) EPC, a priority claim for an application filed after
    the priority year and its restoration period."""


class NoTimeLimitError(DeadlineError):
    """The law sets no time limit to compute for this request (a priority claim in a US design
    application, a Rule 70a reply to a search report drawn up before Rule 70a existed); the
    message says what applies instead."""
