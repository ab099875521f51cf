"""The synthetic DOCDB deliveries: determinism, wire layout, well-formedness, labelled defects."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from patent_sync.acquisition.epo_docdb_files import (
    delivery_file_prefix,
    delivery_part_of,
    publication_date_of,
)
from patent_sync.parsing.docdb_entities import DOCDB_ENTITIES
from patent_sync.samplegen.epo_docdb import (
    UNKNOWN_ENTITY,
    DeliveryInfo,
    SampleGenError,
    write_amend_delivery,
    write_demo_deliveries,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data" / "epo_docdb"
_RECORD = re.compile(rb"<exch:exchange-document .*?</exch:exchange-document>", re.DOTALL)
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_SAFE = etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True)
_WRAP = b'<exch:exchange-documents xmlns:exch="http://www.epo.org/exchange">%s</exch:exchange-documents>'


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[DeliveryInfo]:
    return write_demo_deliveries(tmp_path_factory.mktemp("docdb"))


def _members(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _numeric_entities(record: bytes) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode()
        if name in ("amp", "lt", "gt", "quot", "apos") or name not in DOCDB_ENTITIES:
            return match.group(0)
        return "".join(f"&#x{ord(c):X};" for c in DOCDB_ENTITIES[name]).encode()

    return _ENTITY.sub(replace, record)


def test_generation_is_deterministic_to_the_byte(tmp_path: Path) -> None:
    first = write_demo_deliveries(tmp_path / "a")
    second = write_demo_deliveries(tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        for fa, fb in zip(a.files, b.files, strict=True):
            assert fa.path.name == fb.path.name
            assert fa.path.read_bytes() == fb.path.read_bytes()


def test_committed_demo_equals_what_the_generator_writes(demo: list[DeliveryInfo]) -> None:
    written = {f.path.name: f.path for d in demo for f in d.files}
    assert sorted(p.name for p in DATA_DIR.glob("*.zip")) == sorted(written)
    for name, path in written.items():
        # Uncompressed members are the contract; zip bytes also depend on the zlib build.
        assert _members(DATA_DIR / name) == _members(path), name


def test_file_names_round_trip(demo: list[DeliveryInfo]) -> None:
    for delivery in demo:
        for part, file in enumerate(delivery.files, 1):
            name = file.path.name
            assert name.startswith(delivery_file_prefix(delivery.kind, delivery.publication_date))
            assert publication_date_of(name, delivery.kind) == delivery.publication_date
            assert delivery_part_of(name) == part
    names = [f.path.name for d in demo for f in d.files]
    assert names == [
        "docdb_xml_202646_Amend_001.zip",
        "docdb_xml_202646_CreateDelete_001.zip",
        "docdb_xml_202647_Amend_001.zip",
        "docdb_xml_202647_CreateDelete_001.zip",
        "docdb_xml_202647_CreateDelete_002.zip",
    ]


def test_member_layout_is_the_real_one(demo: list[DeliveryInfo]) -> None:
    for delivery in demo:
        for file in delivery.files:
            for member, data in _members(file.path).items():
                assert re.fullmatch(
                    r"Root/DOC/DOCDB-2026(46|47)-(Amend|CreateDelete)-PubDate2026[0-9]{4}"
                    r"AndBefore-(EP|WO|US|DE|JP|CN)-[0-9]{4}\.xml",
                    member,
                )
                assert data.startswith(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
                    b'<!DOCTYPE exch:exchange-documents SYSTEM "docdb-entities.dtd">'
                    b"<exch:exchange-documents "
                )
                assert data.endswith(b"</exch:exchange-document>\n</exch:exchange-documents>")
                records = _RECORD.findall(data)
                declared = re.search(rb'no-of-documents="([0-9]{7})"', data)
                assert declared is not None and int(declared.group(1)) == len(records)
                assert data.count(b"\n") == len(records)  # one record per line


def test_every_record_is_well_formed_except_the_labelled_ones(demo: list[DeliveryInfo]) -> None:
    broken: set[tuple[str, int]] = set()
    for delivery in demo:
        for file in delivery.files:
            for member, data in _members(file.path).items():
                for position, record in enumerate(_RECORD.findall(data)):
                    try:
                        etree.fromstring(_WRAP % _numeric_entities(record), _SAFE)
                    except etree.XMLSyntaxError:
                        broken.add((member, position))
    labelled = {
        (r.member, r.position)
        for d in demo
        for r in d.records
        if r.defect in ("malformed", "unknown_entity")
    }
    assert broken == labelled and len(labelled) == 2


def test_the_demo_story(demo: list[DeliveryInfo]) -> None:
    amend_1110, create_1112, amend_1117, create_1119 = demo
    assert [(d.count("C"), d.count("A"), d.count("D")) for d in demo] == [
        (0, 36, 0),
        (98, 0, 0),
        (0, 39, 0),
        (76, 0, 2),
    ]
    created = {r.doc_key: r for r in create_1112.records}
    assert not {r.doc_key for r in amend_1110.records} & set(created)
    stale = [r for r in amend_1117.records if r.note.startswith("stale")]
    assert len(stale) == 1 and stale[0].last_exchange < created[stale[0].doc_key].last_exchange
    for record in amend_1117.records:
        assert record.doc_key in created
        if record not in stale:
            assert record.last_exchange > created[record.doc_key].last_exchange
    deletes = [r for r in create_1119.records if r.status == "D"]
    assert deletes[0].doc_key in created
    assert deletes[1].doc_key not in created and deletes[1].doc_key not in {
        r.doc_key for d in demo for r in d.records if r.status != "D"
    }
    assert {(r.doc_key, r.defect) for d in demo for r in d.defects()} == {
        ("EP-4710005-A1", "missing_publication_date"),
        ("EP-4100013-B1", "malformed"),
        ("WO-2026200007-A1", "unknown_entity"),
        ("EP-4720009-A7", "unknown_kind"),
    }
    assert len(create_1119.files) == 2
    assert UNKNOWN_ENTITY not in DOCDB_ENTITIES


def test_the_docdb_parser_quarantines_exactly_the_parse_defects(demo: list[DeliveryInfo]) -> None:
    formats = pytest.importorskip("patent_sync.formats.epo_docdb")
    quarantined: set[tuple[str, int]] = set()
    for delivery in demo:
        for file in delivery.files:
            for member, data in _members(file.path).items():
                for change in formats.EPO_DOCDB.iter_changes(io.BytesIO(data), source_file=member):
                    if type(change).__name__ == "QuarantineRecord":
                        quarantined.add((member, change.position))
    labelled = {
        (r.member, r.position)
        for d in demo
        for r in d.records
        if r.defect in ("malformed", "unknown_entity")
    }
    assert quarantined == labelled


def test_large_amend_writer_streams_zip_or_xml(tmp_path: Path) -> None:
    zipped = write_amend_delivery(tmp_path / "a.zip", 1200, 5)
    plain = write_amend_delivery(tmp_path / "a.xml", 1200, 5, zip=False)
    assert zipped.xml_sha256 == plain.xml_sha256  # same content, two containers
    data = plain.path.read_bytes()
    records = _RECORD.findall(data)
    assert len(records) == 1200
    assert (
        len({re.search(rb'doc-number="([^"]+)" kind="([^"]+)"', r).groups() for r in records})
        == 1200
    )
    sizes = sorted(len(r) for r in records)
    assert 1_000 <= sizes[len(sizes) // 2] <= 6_000
    with zipfile.ZipFile(zipped.path) as archive:
        assert archive.namelist() == [zipped.member_name]
    with pytest.raises(SampleGenError, match="Tuesday"):
        write_amend_delivery(tmp_path / "b.zip", 10, 5, publication_date=dt.date(2026, 11, 18))
