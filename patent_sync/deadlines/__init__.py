"""Deadline engine: cited, holiday-aware deadlines from prosecution events.

Public API::

    compute(rule: str, trigger_date: datetime.date | str, **params) -> DeadlineResult
    compute_many(requests: Iterable[tuple[str, date | str, Mapping[str, Any]]])
        -> list[DeadlineResult]
    RULES: Mapping[str, Rule]          # the catalogue, keyed by rule id
    list_rules() -> list[Rule]         # the catalogue in a stable order
    DeadlineResult                     # frozen: rule, trigger_date, due_date, final_date,
                                       # extendable, citation, explanation, warnings, params
    DeadlineError(ValueError)          # base; subclasses UnknownRuleError,
                                       # InvalidParameterError, ExtensionNotAllowedError,
                                       # RemedyNotAvailableError, TimeBarredError,
                                       # NoTimeLimitError (what the law forbids or lacks)

Rule ids and their parameters (``*`` = required; dates as ``datetime.date`` or ISO strings):

=============================  ===================================  ==============================
rule                           trigger date                         parameters
=============================  ===================================  ==============================
``us.oa_reply``                mailing date of the Office action    ``period_months`` (3),
                                                                    ``extension_months`` (0)
``us.issue_fee``               mailing date of notice of allowance  ``extension_months`` (must be 0)
``us.maintenance_fee``         grant (issue) date                   ``stage``* 3.5 | 7.5 | 11.5
``us.provisional_conversion``  provisional filing date              —
``paris.priority``             first filing date                    ``office``* USPTO | EPO | IB
``pct.national_phase``         priority date                        ``office``* USPTO | EPO
``pct.demand``                 ISR + written opinion transmittal    ``priority_date``*,
                                                                    ``office``* USPTO | EPO (IPEA)
``ep.communication_reply``     date the communication bears         ``period_months``*,
                                                                    ``received_date``,
                                                                    ``extension_months`` (0)
``ep.examination_request``     Bulletin mention of search report    —
``ep.r71_3``                   date the R71(3) communication bears  ``received_date``,
                                                                    ``extension_months`` (must be 0)
``ep.opposition``              Bulletin mention of grant            —
``ep.renewal_fee``             EP filing date (int. filing date     ``year``* (3..20),
                               for Euro-PCT)                        ``euro_pct`` (False),
                                                                    ``priority_date``
``ep.further_processing``      date of the loss-of-rights           ``missed_rule`` (e.g.
                               communication                        ``Rule 71(3)``),
                                                                    ``received_date``
``ep.re_establishment``        date the cause of non-compliance     ``missed_time_limit_expiry``*,
                               was removed                          ``missed_rule``
``ep.appeal``                  date the decision bears              ``act``* notice | grounds,
                                                                    ``received_date``
``ep.unitary_effect``          Bulletin mention of grant            —
``ep.r161_162``                date of the Rules 161/162            ``received_date``
                               communication
``ep.designation_fee``         Bulletin mention of search report    ``euro_pct`` (False),
                               (Euro-PCT: ISR publication)          ``priority_date`` (Euro-PCT)
``ep.r70a_response``           search report mention (direct) or    ``variant``* direct |
                               Rules 70(2)/70a(2) communication     euro_pct, ``received_date``
``us.notice_of_appeal``        mailing date of the final rejection  ``period_months`` (3),
                                                                    ``extension_months`` (0)
``us.appeal_brief``            date the notice of appeal was filed  ``extension_months`` (0..5)
``us.missing_parts``           mailing date of the notice           ``extension_months`` (0..5)
``us.priority_claim``          filing date of the application       ``priority_date``*,
                                                                    ``application_type`` utility |
                                                                    design, ``basis`` foreign |
                                                                    domestic
``us.reissue_broadening``      grant (issue) date                   —
``pct.art19_amendment``        ISR transmittal date                 ``priority_date``*
``pct.publication``            priority date                        — (projected date, not rolled)
=============================  ===================================  ==============================

Offices accept aliases (``US`` → ``USPTO``, ``EP`` → ``EPO``, ``WIPO``/``WO`` → ``IB``).
Parameters may be given as Python values or as the strings a command line passes ("3", "true",
"2024-01-31"). ``result.params`` echoes every parameter used (defaults included, dates as ISO
strings) in a read-only dict: identical requests share one memoised result.

Calendars: the due and final dates are rolled forward over the closed days of the office where
the act is due (35 USC 21(b)/37 CFR 1.7, EPC Rule 134(1), PCT Rule 80.5, Paris Art. 4C(3)).
A result that depends on a year or office whose closure data is missing or uncertain says so in
``warnings`` (and in ``explanation``) rather than guessing; uncertain EPO closure days are
treated as open, giving the earlier date. In a year without a shipped EPO table the closing days
that recur by law every year (New Year's Day, Easter, 1 May, Ascension, Whit Monday, 3 October,
Christmas, the Munich and Berlin statutory holidays) are applied as certain.
"""

from __future__ import annotations

from patent_sync.deadlines.engine import compute, compute_many
from patent_sync.deadlines.errors import (
    DeadlineError,
    ExtensionNotAllowedError,
    InvalidParameterError,
    NoTimeLimitError,
    RemedyNotAvailableError,
    TimeBarredError,
    UnknownRuleError,
)
from patent_sync.deadlines.model import DeadlineResult, Rule, RuleParam
from patent_sync.deadlines.rules import RULES, list_rules

__all__ = [
    "RULES",
    "DeadlineError",
    "DeadlineResult",
    "ExtensionNotAllowedError",
    "InvalidParameterError",
    "NoTimeLimitError",
    "RemedyNotAvailableError",
    "Rule",
    "RuleParam",
    "TimeBarredError",
    "UnknownRuleError",
    "compute",
    "compute_many",
    "list_rules",
]
