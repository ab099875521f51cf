"""Validation of canonical documents: which defect lands in which quarantine category.

The rules matter to docketing staff: a record with an unknown kind code or a foreign country
code must be set aside for review with a category that tells them why, and nothing may vanish:
every batch splits exactly into valid + quarantined.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from patent_sync.feeds.uspto import US_GRANTS
from patent_sync.model import Document, Party, PriorityClaim, QuarantineCategory
from patent_sync.validation.documents import DeliveryValidator, category_for

DELIVERY = dt.date(2026, 11, 17)


def _doc(number: str = "12345678", **changes: object) -> Document:
    base = Document(
        doc_key=f"US-{number}-B2",
        country="US",
        doc_number=number,
        kind="B2",
        publication_date=DELIVERY,
        application_number="17248024",
        filing_date=dt.date(2021, 1, 5),
        title="Battery cell with a cooled separator",
        title_lang="en",
        source="uspto.ptgrxml",
        payload_sha256=f"{int(number):064x}",
        applicants=(Party(name="Acme Cells Inc.", kind="organization", country="US"),),
        inventors=(Party(name="Doe, Jane", kind="person", city="Austin", country="US"),),
        ipc=("H01M 50/46",),
        cpc=("H01M 50/463",),
        priority_claims=(
            PriorityClaim(country="JP", number="2020-001234", date=dt.date(2020, 2, 1)),
        ),
    )
    return dataclasses.replace(base, **changes)


def _validate(*docs: Document) -> tuple[list[Document], dict[int, tuple[str, tuple[str, ...]]]]:
    validator = DeliveryValidator(US_GRANTS.validation, delivery_date=DELIVERY)
    result = validator.validate(list(docs), list(range(len(docs))))
    assert len(result.valid) + len(result.quarantined) == len(docs)
    return result.valid, {
        q.position: (str(q.category), q.failed_checks) for q in result.quarantined
    }


def test_a_clean_document_passes() -> None:
    valid, quarantined = _validate(_doc())
    assert [d.doc_key for d in valid] == ["US-12345678-B2"]
    assert quarantined == {}


@pytest.mark.parametrize(
    ("changes", "category", "check"),
    [
        ({"title": "   "}, "schema_violation", "title_present"),
        ({"title": None}, "schema_violation", "title_present"),
        ({"filing_date": None}, "schema_violation", "filing_date_present"),
        ({"publication_date": None}, "schema_violation", "publication_date_present"),
        ({"filing_date": dt.date(2027, 1, 1)}, "schema_violation", "filing_not_after_publication"),
        ({"application_number": "17/248,024"}, "schema_violation", "application_number_format"),
        ({"inventors": ()}, "schema_violation", "at_least_one_inventor"),
        ({"ipc": ("H01M50",)}, "schema_violation", "ipc_format"),
        ({"kind": "Z9", "doc_key": "US-12345678-Z9"}, "unknown_code", "kind_known"),
        ({"country": "QQ", "doc_key": "QQ-12345678-B2"}, "unknown_code", "country_st3"),
        (
            {"applicants": (Party(name="Acme", kind="organization", country="U$"),)},
            "unknown_code",
            "party_country_st3",
        ),
        (
            {"priority_claims": (PriorityClaim(country="ZZ", number="1", date=None),)},
            "unknown_code",
            "priority_country_st3",
        ),
        (
            {"publication_date": dt.date(2026, 11, 10)},
            "reference_integrity",
            "publication_date_matches_delivery",
        ),
        ({"doc_key": "US-99999999-B2"}, "reference_integrity", "doc_key_matches_fields"),
    ],
)
def test_each_defect_is_quarantined_with_its_category(
    changes: dict[str, object], category: str, check: str
) -> None:
    valid, quarantined = _validate(_doc("11111111"), _doc("22222222", **changes))
    assert [d.doc_number for d in valid] == ["11111111"]
    got_category, got_checks = quarantined[1]
    assert got_category == category
    assert check in got_checks


def test_a_document_twice_in_one_delivery_is_a_conflict_even_across_batches() -> None:
    validator = DeliveryValidator(US_GRANTS.validation, delivery_date=DELIVERY)
    first = validator.validate([_doc("11111111")], [0])
    second = validator.validate([_doc("22222222"), _doc("11111111")], [1, 2])
    assert len(first.valid) == 1
    assert [d.doc_number for d in second.valid] == ["22222222"]
    (conflict,) = second.quarantined
    assert conflict.category is QuarantineCategory.CONFLICT
    assert conflict.position == 2
    assert "already appeared at position 0" in conflict.detail
    assert conflict.payload is not None and conflict.payload["doc_key"] == "US-11111111-B2"


def test_several_failures_keep_every_check_and_the_most_fundamental_category() -> None:
    _, quarantined = _validate(_doc(title=None, kind="Z9", doc_key="US-12345678-Z9"))
    category, checks = quarantined[0]
    assert category == "schema_violation"
    assert {"title_present", "kind_known"} <= set(checks)


def test_category_precedence() -> None:
    assert category_for({"kind_known", "duplicate_doc_key_in_delivery"}) is (
        QuarantineCategory.UNKNOWN_CODE
    )
    assert category_for({"publication_date_matches_delivery"}) is (
        QuarantineCategory.REFERENCE_INTEGRITY
    )


def test_without_a_delivery_date_the_publication_date_is_not_compared() -> None:
    validator = DeliveryValidator(US_GRANTS.validation, delivery_date=None)
    result = validator.validate([_doc(publication_date=dt.date(2023, 5, 9))], [0])
    assert len(result.valid) == 1
