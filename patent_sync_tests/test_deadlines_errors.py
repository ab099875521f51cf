"""Every request the rules forbid raises a DeadlineError subclass with a clear message."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from patent_sync.deadlines import (
    RULES,
    DeadlineError,
    ExtensionNotAllowedError,
    InvalidParameterError,
    UnknownRuleError,
    compute,
    compute_many,
    list_rules,
)


def test_issue_fee_extension_message() -> None:
    with pytest.raises(ExtensionNotAllowedError) as caught:
        compute("us.issue_fee", "2024-03-01", extension_months=1)
    assert str(caught.value) == (
        "us.issue_fee: the issue fee period (37 CFR 1.311) cannot be extended; "
        "extension_months must be 0, got 1"
    )


@pytest.mark.parametrize(
    ("rule", "trigger", "params", "error", "words"),
    [
        ("us.oa_reply", "2024-03-01", {"extension_months": 4}, ExtensionNotAllowedError,
         "at most 3 month(s) of extension"),
        ("us.oa_reply", "2024-03-01", {"period_months": 7}, InvalidParameterError, "1 to 6"),
        ("us.oa_reply", "2024-03-01", {"extension_months": -1}, InvalidParameterError,
         "negative"),
        ("ep.r71_3", "2024-03-01", {"extension_months": 2}, ExtensionNotAllowedError,
         "cannot be extended"),
        ("ep.communication_reply", "2024-03-01", {}, InvalidParameterError,
         "'period_months' is required"),
        ("ep.communication_reply", "2024-03-01",
         {"period_months": 4, "received_date": "2024-02-28"}, InvalidParameterError,
         "before the date the document bears"),
        ("ep.communication_reply", "2024-03-01", {"period_months": 4, "extension_months": 9},
         ExtensionNotAllowedError, "0 to 6"),
        ("ep.renewal_fee", "2020-01-01", {"year": 2}, InvalidParameterError, "3 to 20"),
        ("ep.renewal_fee", "2020-01-01", {"year": 3, "euro_pct": "maybe"},
         InvalidParameterError, "true or false"),
        ("us.maintenance_fee", "2020-01-07", {"stage": "4"}, InvalidParameterError,
         "3.5, 7.5, 11.5"),
        ("us.maintenance_fee", "2020-01-07", {}, InvalidParameterError, "'stage' is required"),
        ("pct.national_phase", "2023-01-01", {"office": "JPO"}, InvalidParameterError,
         "USPTO, EPO"),
        ("pct.national_phase", "2023-01-01", {"office": "IB"}, InvalidParameterError,
         "USPTO, EPO"),
        ("pct.demand", "2023-01-01", {"priority_date": "2023-02-01", "office": "EPO"},
         InvalidParameterError, "after the transmittal date"),
        ("paris.priority", "2023-01-01", {}, InvalidParameterError, "'office' is required"),
        ("us.issue_fee", "2024-03-01", {"office": "EPO"}, InvalidParameterError,
         "unknown parameter 'office'"),
        ("us.provisional_conversion", "2024-03-01", {"x": 1}, InvalidParameterError,
         "takes no parameters"),
        ("us.oa_reply", "2024-03-01", {"period_months": 3.5}, InvalidParameterError,
         "whole number"),
        ("us.oa_reply", "2024-02-30", {}, InvalidParameterError, "YYYY-MM-DD"),
        ("us.oa_reply", "15/03/2024", {}, InvalidParameterError, "YYYY-MM-DD"),
        ("us.oa_reply", dt.datetime(2024, 3, 1, 12), {}, InvalidParameterError, "without a time"),
        ("us.oa_reply", 20240301, {}, InvalidParameterError, "must be a date"),
        ("nope.rule", "2024-03-01", {}, UnknownRuleError, "us.oa_reply"),
    ],
)  # fmt: skip
def test_forbidden_requests(
    rule: str, trigger: Any, params: dict[str, Any], error: type[DeadlineError], words: str
) -> None:
    with pytest.raises(error) as caught:
        compute(rule, trigger, **params)
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert words in message
    if error is not UnknownRuleError:
        assert message.startswith(rule)


def test_catalogue_is_complete_and_cited() -> None:
    expected = {
        "us.oa_reply", "us.issue_fee", "us.maintenance_fee", "us.provisional_conversion",
        "paris.priority", "pct.national_phase", "pct.demand", "ep.communication_reply",
        "ep.examination_request", "ep.r71_3", "ep.opposition", "ep.renewal_fee",
    }  # fmt: skip
    assert expected <= set(RULES)
    assert [rule.id for rule in list_rules()] == sorted(RULES)
    for rule in list_rules():
        assert rule.citation and rule.trigger and rule.title
        assert rule.absolute is not rule.extendable


def test_results_are_shared_but_read_only() -> None:
    first, second = compute_many(
        [("us.oa_reply", "2024-03-15", {}), ("us.oa_reply", dt.date(2024, 3, 15), {})]
    )
    assert first.due_date == second.due_date
    with pytest.raises(TypeError):
        first.params["period_months"] = 6  # type: ignore[index]
    assert dict(first.params) == {"period_months": 3, "extension_months": 0}
    assert first.to_dict()["due_date"] == "2024-06-17"
