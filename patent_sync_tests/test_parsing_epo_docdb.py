"""EPO DOCDB exchange XML: the real samples field by field, the three spellings of a record,
status handling, per-record quarantine, hostile DOCTYPEs, raw counting and number keys."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest

from patent_sync.formats.base import Delete, Head, Upsert
from patent_sync.formats.epo_docdb import EPO_DOCDB
from patent_sync.model import (
    Citation,
    Document,
    LocalizedText,
    NumberForm,
    Party,
    PriorityClaim,
    QuarantineCategory,
    QuarantineRecord,
)
from patent_sync.parsing import epo_docdb
from patent_sync.parsing.docdb_entities import DOCDB_ENTITIES
from patent_sync.parsing.epo_numbers import (
    from_docdb,
    from_epodoc,
    from_original,
    make_doc_key,
    parse_reference,
)
from patent_sync.parsing.errors import HostileXmlError, InvalidContentError
from patent_sync.validation.kind_codes import is_known_kind

DE_KEYS = [f"DE-{n}-B" for n in range(1258188, 1258198)]
EXCH = b'xmlns:exch="http://www.epo.org/exchange"'


def _sample(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / "epo_docdb" / name).read_bytes()


def _changes(data: bytes, source_file: str = "test.xml", start: int = 0) -> list:
    return list(
        EPO_DOCDB.iter_changes(io.BytesIO(data), source_file=source_file, start_position=start)
    )


def _count(data: bytes) -> int:
    return EPO_DOCDB.count_raw_records(io.BytesIO(data)).records


def _records(data: bytes) -> list[bytes]:
    return re.findall(rb"<exch:exchange-document .*?</exch:exchange-document>", data, re.S)


def _file(*records: bytes, between: bytes = b"") -> bytes:
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<!DOCTYPE exch:exchange-documents SYSTEM "docdb-entities.dtd">'
        b"<exch:exchange-documents " + EXCH + b' dtd-version="2.5.9">'
    )
    return head + between.join(records) + b"</exch:exchange-documents>"


def _document(change: object) -> Document:
    assert isinstance(change, Upsert), change
    return change.document


def _neutral(document: Document) -> Document:
    return dataclasses.replace(document, payload_sha256="", source_file=None, dtd_version=None)


@pytest.fixture(scope="module")
def de_file(samples_dir: Path) -> bytes:
    return _sample(samples_dir, "DE-backfile.xml")


@pytest.fixture(scope="module")
def de_records(de_file: bytes) -> list[bytes]:
    records = _records(de_file)
    assert len(records) == 10
    return records


# --- the real samples ----------------------------------------------------------------------


def test_de_backfile_gives_all_ten_documents_in_order(de_file: bytes) -> None:
    changes = _changes(de_file, "DE-backfile.xml", start=100)
    assert [_document(c).doc_key for c in changes] == DE_KEYS
    assert [c.position for c in changes] == list(range(100, 110))
    assert _count(de_file) == 10
    for change, raw in zip(changes, _records(de_file), strict=True):
        document = _document(change)
        assert document.payload_sha256 == hashlib.sha256(raw).hexdigest()
        assert document.source == "epo.docdb"
        assert document.source_file == "DE-backfile.xml"
        assert document.dtd_version == "2.5.9"
        assert document.date_of_last_exchange == dt.date(2024, 2, 18)
        assert document.publication_date == dt.date(1968, 1, 4)


def test_de_first_record_every_field(de_file: bytes) -> None:
    document = _document(_changes(de_file)[0])
    assert (document.country, document.doc_number, document.kind) == ("DE", "1258188", "B")
    assert document.family_id == "6979546"
    assert document.application_number == "B0077613"
    assert document.application_country == "DE"
    assert document.filing_date == dt.date(1964, 7, 10)
    assert document.title == "Kraftstoffeinspritzpumpe fuer mehrzylindrige Brennkraftmaschinen"
    assert document.title_lang == "de"
    assert document.titles == (LocalizedText("de", document.title),)
    assert document.abstracts == ()
    assert document.number_forms == (
        NumberForm("publication", "docdb", "1258188"),
        NumberForm("publication", "epodoc", "DE1258188"),
        NumberForm("application", "docdb", "B0077613"),
        NumberForm("application", "epodoc", "DE1964B077613"),
        NumberForm("application", "original", "B77613"),
    )
    assert document.applicants == (
        Party("BOSCH GMBH ROBERT", "organization", data_format="docdb"),
        Party("ROBERT BOSCH G.M.B.H.", "organization", data_format="docdba"),
    )
    assert document.inventors == (
        Party("KNAPP DIPL-PHYS DR HEINRICH", "person", data_format="docdb"),
        Party("HEISER DIPL-ING JOACHIM", "person", data_format="docdb"),
        Party("KNAPP DIPL.-PHYS. DR. HEINRICH", "person", data_format="docdba"),
        Party("HEISER DIPL.-ING. JOACHIM", "person", data_format="docdba"),
    )
    assert document.ipc == ("F02M 41/12", "F02M 59/34", "F02M 59/36")
    # Eight CPCI entries (EP and US generating offices) collapse to four symbols, in order.
    assert document.cpc == ("F02M 59/34", "F02M 41/125", "F02M 59/36", "F02M 2700/1358")
    assert document.priority_claims == (
        PriorityClaim("DE", "B0077613", dt.date(1964, 7, 10), None),
    )
    assert document.citations == (
        Citation("patent", "SEA", "DE", "814968", "C", dt.date(1951, 9, 27)),
        Citation("patent", "SEA", "DE", "1156606", "B", dt.date(1963, 10, 31)),
        Citation("patent", "SEA", "DE", "1734877", "U", dt.date(1956, 11, 29)),
        Citation("patent", "SEA", "FR", "1343388", "A", dt.date(1963, 11, 15)),
    )


def test_de_last_record_priority_linkage_and_application(de_file: bytes) -> None:
    document = _document(_changes(de_file)[9])
    assert document.doc_key == "DE-1258197-B"
    assert document.application_number == "S0100336"
    assert document.filing_date == dt.date(1965, 11, 3)
    assert document.priority_claims == (PriorityClaim("FR", "1258197X", dt.date(1964, 11, 3), "T"),)
    assert document.applicants[0] == Party("SNECMA", "organization", data_format="docdb")
    assert document.ipc == ("F02K 1/46",)


def test_ap_amend_record(samples_dir: Path) -> None:
    data = _sample(samples_dir, "AP-1206-A_302101161.xml")
    (change,) = _changes(data, "AP.xml")
    document = _document(change)  # status="A" is an upsert; the store keeps the prior version
    assert document.doc_key == "AP-1206-A"
    assert document.publication_date == dt.date(2003, 9, 18)
    assert document.date_of_last_exchange == dt.date(2022, 10, 27)
    assert document.family_id == "22179393"
    assert (document.application_country, document.application_number) == ("AP", "2000001988")
    assert document.filing_date == dt.date(1998, 8, 4)
    assert (
        document.title == "Enteric coated pharmaceutical composition and method of manufacturing."
    )
    assert document.title_lang == "en"
    assert NumberForm("publication", "original", "AP 1206") in document.number_forms
    assert NumberForm("application", "original", "AP/P/2000/001988") in document.number_forms
    assert document.applicants == (
        Party("BRISTOL MYERS SQUIBB CO", "organization", country="US", data_format="docdb"),
        Party("BRISTOL-MYERS SQUIBB COMPANY", "organization", data_format="docdba"),
    )
    assert document.inventors[0] == Party(
        "ULLAR ISMAT", "person", country="US", data_format="docdb"
    )
    assert document.inventors[2] == Party("ULLAR Ismat", "person", data_format="docdba")
    assert len(document.ipc) == 18  # IPCR wins over the old classification-ipc
    assert document.ipc[:2] == ("A61K 9/16", "A61K 9/32")
    assert document.ipc[-1] == "A61P 31/18"
    assert document.cpc[0] == "A61K 9/1652"
    assert document.priority_claims == (
        PriorityClaim("US", "8359798", dt.date(1998, 5, 22), None),
        PriorityClaim("US", "9816128", dt.date(1998, 8, 4), "W"),
    )
    assert [c.number for c in document.citations] == ["5556839", "5510114", "5326570"]
    (abstract,) = document.abstracts
    assert abstract.lang == "en"
    assert abstract.text.startswith("A high drug load enteric coated pharmaceutical composition")
    assert "  " not in abstract.text


def test_wo_record_decodes_docdb_entity(samples_dir: Path) -> None:
    data = _sample(samples_dir, "WO-2022259205-A1_544370561.xml")
    assert b"&SACUTE;" in data
    (change,) = _changes(data)
    document = _document(change)
    assert document.doc_key == "WO-2022259205-A1"
    assert document.date_of_last_exchange == dt.date(2023, 2, 19)
    assert document.family_id == "82558028"
    assert (document.application_country, document.application_number) == ("IB", "2022055385")
    assert document.filing_date == dt.date(2022, 6, 9)
    assert document.title == "SELF-EMULSIFYING COMPOSITION, PRODUCTION METHODS AND USES THEREOF"
    assert [t.lang for t in document.titles] == ["en", "fr"]
    assert [a.lang for a in document.abstracts] == ["en", "fr"]
    assert NumberForm("publication", "original", "2022/259205") in document.number_forms
    npl = [c.text for c in document.citations if c.category == "npl"]
    assert any(t and t.startswith("ANNA CZAJKOWSKA-KOŚNIK ET AL") for t in npl)  # U+015A
    assert any(t and "<URL:http://dx.doi.org/10.3109/10837450903499333>" in t for t in npl)
    patents = [c for c in document.citations if c.category == "patent"]
    assert patents[0] == Citation("patent", "ISR", "CN", "102908333", "A", dt.date(2013, 2, 6))
    assert {c.phase for c in document.citations} == {"ISR", "APP"}
    assert document.applicants[0] == Party(
        "UNIV DA BEIRA INTERIOR", "organization", country="PT", data_format="docdb"
    )
    assert document.inventors[8] == Party(
        "OLIVEIRA DOS SANTOS, Adriana", "person", data_format="docdba"
    )
    assert document.priority_claims == (
        PriorityClaim("PT", "11728321", dt.date(2021, 6, 11), None),
    )
    assert document.ipc[:2] == ("A61K 8/04", "A61K 9/00")


def test_matches_each_sample_head(samples_dir: Path) -> None:
    from patent_sync.formats.registry import _root_name

    for name in ("DE-backfile.xml", "AP-1206-A_302101161.xml", "WO-2022259205-A1_544370561.xml"):
        data = _sample(samples_dir, name)[:65536]
        assert EPO_DOCDB.matches(Head(data=data, root=_root_name(data))), name
    us = b'<?xml version="1.0"?><us-patent-grant lang="EN">'
    assert not EPO_DOCDB.matches(Head(data=us, root="us-patent-grant"))
    assert EPO_DOCDB.name == "epo.docdb"


# --- three spellings, statuses -------------------------------------------------------------


def test_prefixed_unbound_and_unprefixed_records_normalize_identically(
    de_records: list[bytes],
) -> None:
    record = de_records[0]
    bound = _file(record)
    unbound = record
    unprefixed = record.replace(b"<exch:", b"<").replace(b"</exch:", b"</")
    documents = [_neutral(_document(_changes(d)[0])) for d in (bound, unbound, unprefixed)]
    assert documents[0] == documents[1] == documents[2]
    assert documents[0].doc_key == "DE-1258188-B"


def test_status_create_amend_and_delete(de_records: list[bytes]) -> None:
    record = de_records[1]
    create = record.replace(b'originating-office="EP">', b'originating-office="EP" status="C">', 1)
    amend = record.replace(b'originating-office="EP">', b'originating-office="EP" status="A">', 1)
    delete_full = record.replace(
        b'originating-office="EP">', b'originating-office="EP" status="D">', 1
    )
    delete_bare = (
        b'<exch:exchange-document country="EP" doc-number="1234567" kind="A1" '
        b'date-of-last-exchange="20240307" status="D"/>'
    )
    changes = _changes(_file(create, amend, delete_full, delete_bare), "Cr-Del.xml", start=7)
    assert [type(c) for c in changes] == [Upsert, Upsert, Delete, Delete]
    assert _document(changes[0]).doc_key == _document(changes[1]).doc_key == "DE-1258189-B"
    assert changes[2] == Delete(
        doc_key="DE-1258189-B",
        position=9,
        source="epo.docdb",
        source_file="Cr-Del.xml",
        payload_sha256=hashlib.sha256(delete_full).hexdigest(),
        date_of_last_exchange=dt.date(2024, 2, 18),
    )
    assert changes[3] == Delete(
        doc_key="EP-1234567-A1",
        position=10,
        source="epo.docdb",
        source_file="Cr-Del.xml",
        payload_sha256=hashlib.sha256(delete_bare).hexdigest(),
        date_of_last_exchange=dt.date(2024, 3, 7),
    )
    assert _count(_file(create, amend, delete_full, delete_bare)) == 4


def test_unknown_status_is_quarantined(de_records: list[bytes]) -> None:
    record = de_records[2].replace(
        b'originating-office="EP">', b'originating-office="EP" status="X">', 1
    )
    (change,) = _changes(_file(record))
    assert isinstance(change, QuarantineRecord)
    assert change.failed_checks == ("unknown_status",)
    assert change.doc_key == "DE-1258190-B"


# --- per-record quarantine -----------------------------------------------------------------


def test_malformed_record_in_the_middle_is_quarantined_neighbours_parse(
    de_records: list[bytes],
) -> None:
    broken = de_records[5].replace(b"</exch:invention-title>", b"", 1)
    records = [*de_records[:5], broken, *de_records[6:]]
    data = _file(*records)
    changes = _changes(data, "bad.xml", start=40)
    assert len(changes) == 10 == _count(data)
    quarantined = changes[5]
    assert isinstance(quarantined, QuarantineRecord)
    assert quarantined.category is QuarantineCategory.PARSE_ERROR
    assert quarantined.failed_checks == ("xml_not_well_formed",)
    assert quarantined.position == 45
    assert quarantined.doc_key == "DE-1258193-B"
    assert quarantined.payload_sha256 == hashlib.sha256(broken).hexdigest()
    assert quarantined.raw_excerpt == broken[:2048].decode()
    assert quarantined.source == "epo.docdb" and quarantined.source_file == "bad.xml"
    assert "not well-formed" in quarantined.detail
    keys = [_document(c).doc_key for i, c in enumerate(changes) if i != 5]
    assert keys == DE_KEYS[:5] + DE_KEYS[6:]


def test_record_missing_its_end_tag_ends_at_the_next_record(de_records: list[bytes]) -> None:
    truncated = de_records[3][: -len(b"</exch:exchange-document>")]
    data = _file(de_records[2], truncated, de_records[4])
    changes = _changes(data)
    assert [type(c) for c in changes] == [Upsert, QuarantineRecord, Upsert]
    assert changes[1].payload_sha256 == hashlib.sha256(truncated).hexdigest()
    assert _count(data) == 3


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        ((b"AMERICAN BOSCH CORP", b"AMERICAN &NOSUCHENTITY; CORP"), "unknown_entity"),
        ((b"<date>19640710</date>", b"<date>19641310</date>"), "invalid_date"),
        ((b'date-of-last-exchange="20240218"', b'date-of-last-exchange="2024021"'), "invalid_date"),
        ((b"F02M  41/12  ", b"F0XM  41/12  "), "invalid_classification"),
    ],
)
def test_bad_content_is_quarantined_with_its_check(
    de_records: list[bytes], edit: tuple[bytes, bytes], check: str
) -> None:
    record = de_records[0].replace(*edit, 1)
    assert record != de_records[0]
    changes = _changes(_file(record, de_records[1]))
    assert isinstance(changes[0], QuarantineRecord)
    assert changes[0].failed_checks == (check,)
    assert changes[0].doc_key == "DE-1258188-B"
    assert _document(changes[1]).doc_key == "DE-1258189-B"
    if check == "unknown_entity":
        assert "&NOSUCHENTITY;" in changes[0].detail


def test_missing_publication_reference_is_quarantined() -> None:
    record = (
        b'<exch:exchange-document doc-id="1" family-id="2"><exch:bibliographic-data>'
        b'<exch:invention-title lang="en">x</exch:invention-title>'
        b"</exch:bibliographic-data></exch:exchange-document>"
    )
    (change,) = _changes(_file(record))
    assert isinstance(change, QuarantineRecord)
    assert change.failed_checks == ("missing_publication_reference",)
    assert change.doc_key is None


def test_stray_bytes_between_records_are_their_own_quarantined_record(
    de_records: list[bytes],
) -> None:
    data = _file(de_records[0], de_records[1], between=b"\n  GARBAGE <b>here</b>\n")
    changes = _changes(data)
    assert [type(c) for c in changes] == [Upsert, QuarantineRecord, Upsert]
    assert changes[1].failed_checks == ("stray_content",)
    assert "GARBAGE" in (changes[1].raw_excerpt or "")
    raw = EPO_DOCDB.count_raw_records(io.BytesIO(data))
    assert raw.records == 3
    assert raw.detail == {"exchange_documents": 2, "stray_segments": 1}
    # whitespace and comments between records are framing, not records
    quiet = _file(de_records[0], de_records[1], between=b"\n<!-- batch 2 -->\n")
    assert [type(c) for c in _changes(quiet)] == [Upsert, Upsert]
    assert _count(quiet) == 2


def test_tiny_chunks_cut_and_count_the_same(
    de_file: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = [_document(c).doc_key for c in _changes(de_file)]
    monkeypatch.setattr(epo_docdb, "CHUNK_SIZE", 7)
    assert [_document(c).doc_key for c in _changes(de_file)] == expected
    assert _count(de_file) == 10
    stray = _file(*_records(de_file)[:3], between=b" junk ")
    assert len(_changes(stray)) == _count(stray) == 5


# --- hostile input -------------------------------------------------------------------------


def _refused(data: bytes) -> HostileXmlError:
    with pytest.raises(HostileXmlError) as caught:
        _changes(data)
    assert "\n" not in caught.value.message
    return caught.value


def test_entity_declarations_refuse_the_whole_file(de_records: list[bytes]) -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE exch:exchange-documents SYSTEM "docdb-entities.dtd" '
        b'[<!ENTITY xxe SYSTEM "file:///etc/passwd">]><exch:exchange-documents '
        + EXCH
        + b">"
        + de_records[0]
        + b"</exch:exchange-documents>"
    )
    assert _refused(xxe).check == "forbidden_entity_declaration"


def test_billion_laughs_is_refused(de_records: list[bytes]) -> None:
    levels = b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
        + levels
        + b"]><exch:exchange-documents "
        + EXCH
        + b">"
        + de_records[0].replace(b"BOSCH GMBH ROBERT", b"&lol9;", 1)
        + b"</exch:exchange-documents>"
    )
    assert _refused(bomb).check == "forbidden_entity_declaration"


@pytest.mark.parametrize(
    "external_id",
    [
        b'SYSTEM "http://evil/x.dtd"',
        b'SYSTEM "file:///etc/passwd"',
        b'SYSTEM "../docdb-entities.dtd"',
        b'PUBLIC "-//EPO//DOCDB//EN" "docdb-entities.dtd"',
    ],
)
def test_foreign_external_dtd_is_refused(de_records: list[bytes], external_id: bytes) -> None:
    data = (
        b"<!DOCTYPE exch:exchange-documents "
        + external_id
        + b"><exch:exchange-documents "
        + EXCH
        + b">"
        + de_records[0]
        + b"</exch:exchange-documents>"
    )
    error = _refused(data)
    assert error.check == "forbidden_external_dtd"
    assert "docdb-entities.dtd" in error.message


def test_genuine_dtd_and_no_doctype_are_accepted(de_records: list[bytes]) -> None:
    assert len(_changes(_file(de_records[0]))) == 1
    no_doctype = (
        b"<exch:exchange-documents " + EXCH + b">" + de_records[0] + b"</exch:exchange-documents>"
    )
    assert isinstance(_changes(no_doctype)[0], Upsert)


# --- entity table, numbers, kind codes -----------------------------------------------------


def test_entity_table_holds_the_docdb_names() -> None:
    assert DOCDB_ENTITIES["SACUTE"] == "\u015a"  # Ś, as in the EPO's docdb-entities.dtd
    assert DOCDB_ENTITIES["sacute"] == "\u015b"
    assert DOCDB_ENTITIES["alpha"] == "\u03b1"
    assert DOCDB_ENTITIES["AGR"] == "\u0391"
    assert not {"amp", "lt", "gt", "quot", "apos"} & DOCDB_ENTITIES.keys()
    assert len(DOCDB_ENTITIES) > 2300


def test_doc_key_is_the_same_from_every_number_format() -> None:
    assert from_epodoc("WO2022259205", "A1").doc_key == "WO-2022259205-A1"
    assert from_original("WO", "2022/259205", "A1").doc_key == "WO-2022259205-A1"
    assert from_docdb("WO", "2022259205", "A1").doc_key == "WO-2022259205-A1"
    assert from_original("AP", "AP 1206", "A").doc_key == "AP-1206-A"
    assert from_epodoc("AP1206", "A").doc_key == "AP-1206-A"
    assert from_epodoc("EP1234567", "A1").doc_key == make_doc_key("EP", "1234567", "A1")
    assert from_epodoc("AU750911B").doc_key == "AU-750911-B"
    assert parse_reference("EP.2400812.A1").doc_key == "EP-2400812-A1"
    assert parse_reference("EP2400812A1").doc_key == "EP-2400812-A1"
    assert parse_reference("US-8930553-B2").doc_key == "US-8930553-B2"
    # other offices keep their zero padding, as DOCDB does
    assert make_doc_key("AR", "017747", "A1") == "AR-017747-A1"


def test_us_numbers_match_the_uspto_parser_keys() -> None:
    assert make_doc_key("US", "08930553", "B2") == "US-8930553-B2"
    assert make_doc_key("US", "8930553", "B2") == "US-8930553-B2"
    assert make_doc_key("US", "20220240350", "A1") == "US-2022240350-A1"
    assert make_doc_key("US", "2022240350", "A1") == "US-2022240350-A1"
    assert make_doc_key("US", "D0701016", "S") == "US-D701016-S"
    with pytest.raises(InvalidContentError):
        make_doc_key("US", "8930553", "")


def test_us_record_in_docdb_gives_the_uspto_key(de_records: list[bytes]) -> None:
    record = (
        de_records[0]
        .replace(
            b'country="DE" doc-number="1258188" kind="B"',
            b'country="US" doc-number="08930553" kind="B2"',
            1,
        )
        .replace(
            b"<country>DE</country><doc-number>1258188</doc-number><kind>B</kind>",
            b"<country>US</country><doc-number>8930553</doc-number><kind>B2</kind>",
            1,
        )
    )
    assert _document(_changes(_file(record))[0]).doc_key == "US-8930553-B2"


def test_kind_code_tables_for_ep_and_wo() -> None:
    for kind in ("A1", "A2", "A3", "A4", "A8", "A9", "B1", "B2", "B3", "B8", "B9"):
        assert is_known_kind("EP", kind)
    assert not is_known_kind("EP", "C1")
    for kind in ("A1", "A2", "A3", "A4", "A8", "A9"):
        assert is_known_kind("WO", kind)
    assert not is_known_kind("WO", "B1")
    assert is_known_kind("US", "B2") and not is_known_kind("US", "B3")
