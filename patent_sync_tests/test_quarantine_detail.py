"""What a reviewer reads about a quarantined record: the field and the value that failed, and
the raw bytes without a wall of replacement characters.

"failed checks: party_country_st3" sends the reviewer searching the payload for the bad code;
the detail must name it (``applicants[0].country 'USA'``). A binary record's raw excerpt,
decoded with replacement, is mostly U+FFFD: ``quarantine show`` says how much binary data it
leaves out instead of printing it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest

from patent_sync.audit import AuditLog
from patent_sync.cli.main import main
from patent_sync.feeds.uspto import US_GRANTS
from patent_sync.model import Document, Party, PriorityClaim, QuarantineCategory
from patent_sync.pipeline.delivery import run_delivery
from patent_sync.pipeline.sources import LocalSource
from patent_sync.quarantine.excerpt import readable_excerpt
from patent_sync.store import open_store
from patent_sync.validation.documents import DeliveryValidator
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

DELIVERY = dt.date(2026, 11, 17)
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "uspto"


def _doc(**changes: object) -> Document:
    base = Document(
        doc_key="US-12345678-B2",
        country="US",
        doc_number="12345678",
        kind="B2",
        publication_date=DELIVERY,
        application_number="17248024",
        filing_date=dt.date(2021, 1, 5),
        title="Battery cell with a cooled separator",
        title_lang="en",
        source="uspto.ptgrxml",
        payload_sha256="ab" * 32,
        applicants=(Party(name="Acme Cells Inc.", kind="organization", country="US"),),
        inventors=(Party(name="Doe, Jane", kind="person", city="Austin", country="US"),),
        ipc=("H01M 50/46",),
        priority_claims=(PriorityClaim(country="JP", number="2020-001", date=dt.date(2020, 2, 1)),),
    )
    return dataclasses.replace(base, **changes)


def _detail(doc: Document) -> tuple[QuarantineCategory, str]:
    validator = DeliveryValidator(US_GRANTS.validation, delivery_date=DELIVERY)
    result = validator.validate([doc], [0])
    assert not result.valid and len(result.quarantined) == 1
    return result.quarantined[0].category, result.quarantined[0].detail


@pytest.mark.parametrize(
    ("changes", "category", "expected"),
    [
        (
            {
                "inventors": (
                    Party(name="Doe, Jane", kind="person", country="US"),
                    Party(name="Roe, Rick", kind="person", country="USA"),
                )
            },
            QuarantineCategory.UNKNOWN_CODE,
            "party_country_st3 (inventors[1].country 'USA' is not an ST.3 country code)",
        ),
        (
            {"priority_claims": (PriorityClaim(country="XQ", number="1", date=None),)},
            QuarantineCategory.UNKNOWN_CODE,
            "priority_country_st3 (priority_claims[0].country 'XQ' is not an ST.3 country code)",
        ),
        (
            {"kind": "B7", "doc_key": "US-12345678-B7"},
            QuarantineCategory.UNKNOWN_CODE,
            "kind_known (kind 'B7' is not a kind code US uses)",
        ),
        ({"title": None}, QuarantineCategory.SCHEMA_VIOLATION, "title_present (title is missing)"),
        (
            {"title": "  "},
            QuarantineCategory.SCHEMA_VIOLATION,
            "title_present (title '  ' is blank)",
        ),
        (
            {"application_number": "17-24"},
            QuarantineCategory.SCHEMA_VIOLATION,
            "application_number_format (application_number '17-24' is not a US application",
        ),
        (
            {"filing_date": dt.date(2026, 12, 1)},
            QuarantineCategory.SCHEMA_VIOLATION,
            "filing_not_after_publication (filing_date 2026-12-01 is after publication_date "
            "2026-11-17)",
        ),
        (
            {"publication_date": dt.date(2026, 11, 10)},
            QuarantineCategory.REFERENCE_INTEGRITY,
            "publication_date_matches_delivery (publication_date 2026-11-10 is not the "
            "delivery's date 2026-11-17)",
        ),
        (
            {"ipc": ("H01M 50/46", "not-ipc")},
            QuarantineCategory.SCHEMA_VIOLATION,
            "ipc_format (ipc 'not-ipc' is not an IPC symbol)",
        ),
        (
            {"doc_key": "US-12345679-B2"},
            QuarantineCategory.REFERENCE_INTEGRITY,
            "doc_key_matches_fields (doc_key 'US-12345679-B2' but the fields give "
            "'US-12345678-B2')",
        ),
    ],
)
def test_detail_names_the_field_and_the_value(
    changes: dict[str, object], category: QuarantineCategory, expected: str
) -> None:
    got_category, detail = _detail(_doc(**changes))
    assert got_category == category
    assert detail.startswith("failed checks: ")
    assert expected in detail


def test_every_failed_check_is_explained_once() -> None:
    _, detail = _detail(
        _doc(title=None, applicants=(Party(name="X", kind="organization", country="ZZ"),))
    )
    assert detail == (
        "failed checks: party_country_st3 (applicants[0].country 'ZZ' is not an ST.3 country "
        "code); title_present (title is missing)"
    )


def test_inspect_prints_the_field_and_value(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # The sample application delivery of 2026-11-19 holds a party coded "USA".
    assert main(["inspect", str(DATA_DIR / "ipa261119.zip")]) == 1
    out = capsys.readouterr().out
    assert "party_country_st3 (applicants[0].country 'USA' is not an ST.3 country code)" in out


def _binary_excerpt(seed: int, size: int = 400) -> str:
    noise = random.Random(seed).randbytes(size)
    return (b"--ICE-TRANSFER-SEGMENT--\r\n" + noise).decode("utf-8", "replace")


@pytest.mark.parametrize("seed", range(5))
def test_binary_tail_is_summarised_not_printed(seed: int) -> None:
    shown = readable_excerpt(_binary_excerpt(seed))
    assert "\ufffd" not in shown
    assert shown.startswith("--ICE-TRANSFER-SEGMENT--\n[")
    assert shown.endswith("characters of binary data not shown]")
    assert shown.count("\n") == 1


def test_text_is_kept_and_stray_bytes_escaped() -> None:
    text = '<?xml version="1.0"?>\r\n<us-patent-grant>caf\ufffd\x07 au lait</us-patent-grant>\ufffd'
    assert readable_excerpt(text) == (
        '<?xml version="1.0"?>\n<us-patent-grant>caf?\\x07 au lait</us-patent-grant>'
    )


def test_text_around_a_binary_run_is_kept() -> None:
    garbage = "\ufffd\x01\ufffd\ufffdZ\ufffd\x02\ufffd"
    text = f"<doc>\nbefore\n{garbage}\nafter</doc>"
    assert readable_excerpt(text) == (
        f"<doc>\nbefore\n[{len(garbage)} characters of binary data not shown]\nafter</doc>"
    )


def test_quarantine_show_prints_a_readable_excerpt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The sample grants of 2026-11-17 hold one record of binary garbage (a parse error)."""
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    with open_store(url) as store:
        store.migrate()
        run_delivery(
            US_GRANTS,
            DELIVERY,
            source=LocalSource(DATA_DIR),
            store=store,
            audit=AuditLog(store, STRONG_AUDIT_KEY, actor="test"),
            home=tmp_path,
        )
        binary = next(
            item
            for item in store.list_quarantine()
            if item.record.category == QuarantineCategory.PARSE_ERROR
        )
        assert "\ufffd" in (binary.record.raw_excerpt or "")  # what the excerpt holds
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", STRONG_AUDIT_KEY.hex())
    assert main(["quarantine", "show", str(binary.id), "--store", url]) == 0
    out = capsys.readouterr().out
    excerpt = out.split("raw excerpt:\n", 1)[1]
    assert "\ufffd" not in excerpt
    assert "--ICE-TRANSFER-SEGMENT--" in excerpt
    assert "characters of binary data not shown]" in excerpt
