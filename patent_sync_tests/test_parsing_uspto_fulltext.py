"""USPTO full-text parsing, field by field against the real samples in ../shared/samples.

Every expected value below was read off the sample file it is checked against (the files are
listed in ../shared/samples/README.md §1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from patent_sync.formats.registry import detect_format
from patent_sync.model import Document, Party, PriorityClaim, QuarantineRecord, RelatedDocument
from patent_sync.parsing.errors import (
    InvalidContentError,
    ParseError,
    UnknownFormatError,
    UnsupportedDocumentError,
)
from patent_sync.parsing.uspto_fulltext import (
    docdb_grant_number,
    docdb_publication_number,
    parse_us_delivery,
    parse_us_document,
)
from patent_sync.parsing.weekly_file import iter_raw_documents, open_delivery

GRANT_V47 = "uspto_fulltext/grant_us11646472b2_17248024.xml"
GRANT_V45 = "uspto_fulltext/US08930553.xml"
APP_350 = "uspto_fulltext/US20220240350A1-20220728.XML"
APP_351 = "uspto_fulltext/US20220240351A1-20220728.XML"
TWO_DOCS = "uspto_fulltext/derived/ipa220728_excerpt_2docs.xml"


def _parse(samples_dir: Path, name: str) -> Document:
    return parse_us_document((samples_dir / name).read_bytes(), source_file=Path(name).name)


def _related(
    relation: str,
    role: str,
    number: str,
    date: str | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> RelatedDocument:
    return RelatedDocument(
        relation=relation,
        role=role,
        country="US",
        number=number,
        kind=kind,
        date=dt.date.fromisoformat(date) if date else None,
        status=status,
    )


# --- grant, DTD v4.7 -------------------------------------------------------------------------


def test_grant_v47_identity_and_dates(samples_dir: Path) -> None:
    data = (samples_dir / GRANT_V47).read_bytes()
    doc = parse_us_document(data, source_file="ipg230509.zip")
    assert doc.doc_key == "US-11646472-B2"
    assert (doc.country, doc.doc_number, doc.kind) == ("US", "11646472", "B2")
    assert doc.publication_date == dt.date(2023, 5, 9)
    assert doc.application_number == "17248024"
    assert doc.application_country == "US"
    assert doc.application_type == "utility"
    assert doc.filing_date == dt.date(2021, 1, 5)
    assert doc.source == "uspto.ptgrxml"
    assert doc.dtd_version == "v4.7 2022-02-17"
    assert doc.term_extension_days == 304
    assert doc.payload_sha256 == hashlib.sha256(data).hexdigest()
    assert doc.source_file == "ipg230509.zip"
    assert doc.family_id is None
    assert doc.priority_claims == ()


def test_grant_v47_title_resolves_character_references(samples_dir: Path) -> None:
    doc = _parse(samples_dir, GRANT_V47)
    # The file writes the dash as &#8212;
    assert (
        doc.title
        == "Making lithium metal\u2014seawater battery cells having protected lithium electrodes"
    )
    assert doc.title_lang == "en"


def test_grant_v47_parties(samples_dir: Path) -> None:
    doc = _parse(samples_dir, GRANT_V47)
    assert doc.applicants == (
        Party("PolyPlus Battery Company", "organization", "Berkeley", "CA", "US", "assignee"),
    )
    assert doc.inventors == (
        Party("Visco, Steven J.", "person", "Berkeley", "CA", "US"),
        Party("Katz, Bruce D.", "person", "Moraga", "CA", "US"),
        Party("Nimon, Yevgeniy S.", "person", "Danville", "CA", "US"),
        Party("De Jonghe, Lutgard C.", "person", "Lafayette", "CA", "US"),
    )
    assert doc.assignees == (
        Party("PolyPlus Battery Company", "organization", "Berkeley", "CA", "US", "02"),
    )


def test_grant_v47_classifications(samples_dir: Path) -> None:
    doc = _parse(samples_dir, GRANT_V47)
    assert doc.ipc == (
        "H01M 50/46",
        "H01M 6/34",
        "H01M 4/36",
        "H01M 4/62",
        "H01G 11/06",
        "H01G 11/52",
        "H01G 11/58",
        "H01M 4/13",
        "H01M 50/449",
        "H01M 4/587",
        "H01M 10/052",
        "H01M 10/0562",
        "H01M 8/065",
        "H01M 10/36",
        "H01M 12/08",
        "H01M 4/02",
    )
    assert doc.cpc == (
        "H01M 50/46",  # main-cpc first
        "H01G 11/06",
        "H01G 11/52",
        "H01G 11/58",
        "H01M 4/13",
        "H01M 4/366",
        "H01M 4/628",
        "H01M 50/449",
        "H01M 4/587",
        "H01M 6/34",
        "H01M 8/065",
        "H01M 10/052",
        "H01M 10/0562",
        "H01M 10/36",
        "H01M 12/08",
        "H01M 2004/027",
        "H01M 2300/0085",
        "Y02E 60/10",
        "Y02E 60/13",
    )


def test_grant_v47_related_documents_keep_the_continuity_chain(samples_dir: Path) -> None:
    doc = _parse(samples_dir, GRANT_V47)
    chain = [
        # relation, parent application (filed), parent grant (issued), child application
        ("continuation", "16695054", "2019-11-25", "10916753", None, "17248024"),
        ("continuation", "15487364", "2017-04-13", "10529971", "2020-01-07", "16695054"),
        ("continuation", "15150231", "2016-05-09", "9666850", "2017-05-30", "15487364"),
        ("continuation", "14156267", "2014-01-15", "9368775", "2016-06-14", "15150231"),
        ("continuation-in-part", "13929653", "2013-06-27", "8828580", "2014-09-09", "14156267"),
        ("continuation", "13615351", "2012-09-13", "8501339", "2013-08-09", "13929653"),
        ("continuation", "12888154", "2010-09-22", "8293398", "2012-10-23", "13615351"),
        ("continuation", "11824597", "2007-06-28", "7829212", "2010-11-09", "12888154"),
        ("division", "10824944", "2004-04-14", "7282295", "2007-10-16", "11824597"),
    ]
    expected = []
    for relation, parent, filed, grant, issued, child in chain:
        expected += [
            _related(relation, "parent", parent, filed),
            _related(relation, "parent-grant", grant, issued),
            _related(relation, "child", child),
        ]
    expected += [
        _related("provisional", "parent", "61763412", "2013-02-11"),
        _related("provisional", "parent", "60548231", "2004-02-27"),
        _related("provisional", "parent", "60542532", "2004-02-06"),
        _related("related-publication", "related", "20210210819", "2021-07-08", kind="A1"),
    ]
    assert list(doc.related_documents) == expected


# --- grant, DTD v4.5 -------------------------------------------------------------------------


def test_grant_v45_all_fields(samples_dir: Path) -> None:
    doc = _parse(samples_dir, GRANT_V45)
    assert doc.doc_key == "US-8930553-B2"  # zero padding of "08930553" dropped, as DOCDB
    assert doc.doc_number == "8930553"
    assert doc.kind == "B2"
    assert doc.publication_date == dt.date(2015, 1, 6)
    assert doc.application_number == "13648029"
    assert doc.application_type == "utility"
    assert doc.filing_date == dt.date(2012, 10, 9)
    assert doc.title == "Managing mid-dialog session initiation protocol (SIP) messages"
    assert doc.dtd_version == "v4.5 2014-04-03"
    assert doc.term_extension_days == 129
    assert doc.applicants == (
        Party(
            "International Business Machines Corporation",
            "organization",
            "Armonk",
            "NY",
            "US",
            "assignee",
        ),
    )
    assert doc.inventors == (
        Party("Nissim, Nitzan", "person", "Rehovot", None, "IL"),
        Party("Pulito, Brian", "person", "Lexington", "KY", "US"),
        Party("Zinger, Asaf", "person", "Rehovot", None, "IL"),
    )
    assert doc.assignees == (
        Party("International Business Machines Corporation", "organization", "Armonk", "NY",
              "US", "02"),
    )  # fmt: skip
    assert doc.ipc == ("G06F 15/16",)
    assert doc.cpc == ()  # this 2015 grant carries IPCR and US national classes only
    assert doc.priority_claims == ()
    assert doc.related_documents == (
        _related("related-publication", "related", "20140101323", "2014-04-10", kind="A1"),
    )


# --- applications, DTD v4.6 ------------------------------------------------------------------


def test_application_350_all_fields(samples_dir: Path) -> None:
    doc = _parse(samples_dir, APP_350)
    assert doc.doc_key == "US-2022240350-A1"  # DOCDB 10-digit form of 20220240350
    assert doc.doc_number == "2022240350"
    assert doc.kind == "A1"
    assert doc.source == "uspto.appxml"
    assert doc.dtd_version == "v4.6 2022-02-17"
    assert doc.publication_date == dt.date(2022, 7, 28)
    assert doc.application_number == "17718024"
    assert doc.application_country == "US"
    assert doc.application_type == "utility"
    assert doc.filing_date == dt.date(2022, 4, 11)
    assert (
        doc.title == "APPARATUS, SYSTEM AND METHOD OF PROVIDING A CONFORMABLE HEATER IN WEARABLES"
    )
    assert doc.title_lang == "en"
    assert doc.term_extension_days is None
    assert doc.applicants == (
        Party("JABIL INC.", "organization", "St. Petersburg", "FL", "US", "applicant"),
    )
    assert doc.assignees == (
        Party("JABIL INC.", "organization", "St. Petersburg", "FL", "US", "02"),
    )
    assert doc.ipc == ("H05B 1/02", "H05B 3/14", "H05B 3/34")
    assert doc.cpc == ("H05B 1/0272", "A41D 13/0051", "H05B 3/34", "H05B 3/145")
    assert doc.priority_claims == ()
    assert doc.related_documents == (
        _related("continuation", "parent", "15689611", "2017-08-29"),
        _related("continuation", "parent-grant", "11304263"),
        _related("continuation", "child", "17718024"),
    )


def test_application_350_repeated_inventors_are_deduplicated_in_order(samples_dir: Path) -> None:
    data = (samples_dir / APP_350).read_bytes()
    # The published file lists the same five inventors twice (sequence 00-04 and 05-09).
    assert len(etree.fromstring(data).findall(".//inventors/inventor")) == 10
    doc = parse_us_document(data)
    place = ("St. Petersburg", "FL", "US")
    assert doc.inventors == (
        Party("RETA, Arnoldo", "person", *place),
        Party("AVUTHU, Sai Guruva", "person", *place),
        Party("GILL, MaryAlice", "person", *place),
        Party("GHALIB, Nabel M.", "person", *place),
        Party("SUSSMAN, Mark Edward", "person", *place),
    )


def test_application_351_all_fields(samples_dir: Path) -> None:
    doc = _parse(samples_dir, APP_351)
    assert doc.doc_key == "US-2022240351-A1"
    assert doc.doc_number == "2022240351"
    assert doc.publication_date == dt.date(2022, 7, 28)
    assert doc.application_number == "17360846"
    assert doc.application_type == "utility"
    assert doc.filing_date == dt.date(2021, 6, 28)
    assert doc.title == (
        "SELF-REGULATING ELECTRIC HEATING FILM AND PREPARATION METHOD AND USE THEREOF"
    )
    assert doc.applicants == (
        Party("Beihang University", "organization", "Beijing", None, "CN", "assignee"),
    )
    assert doc.inventors == (
        Party("CHEN, Huawei", "person", "Beijing", None, "CN"),
        Party("ZHU, Yantong", "person", "Beijing", None, "CN"),
        Party("WANG, Zelinlan", "person", "Beijing", None, "CN"),
        Party("LIU, Xiaolin", "person", "Beijing", None, "CN"),
        Party("ZHAO, Zehui", "person", "Beijing", None, "CN"),
        Party("CHEN, Jichen", "person", "Beijing", None, "CN"),
    )
    assert doc.assignees == (
        Party("Beihang University", "organization", "Beijing", None, "CN", "03"),
    )
    assert doc.ipc == ("H05B 1/02", "H01C 7/02", "H01C 1/14", "H05B 3/06", "H05B 3/86")
    assert doc.cpc == (
        "H05B 1/0294",
        "H01C 7/02",
        "H01C 1/1406",
        "H05B 2203/035",
        "H05B 3/86",
        "H05B 2203/013",
        "H05B 2203/02",
        "H05B 3/06",
    )
    assert doc.priority_claims == (
        PriorityClaim("CN", "202110107591.2", dt.date(2021, 1, 27), "national"),
    )
    assert doc.related_documents == ()


def test_documents_survive_the_json_round_trip(samples_dir: Path) -> None:
    for name in (GRANT_V47, GRANT_V45, APP_350, APP_351):
        doc = _parse(samples_dir, name)
        assert Document.from_json_dict(doc.to_json_dict()) == doc


# --- the weekly-file layout ------------------------------------------------------------------


def test_derived_weekly_excerpt_splits_into_exactly_two_documents(samples_dir: Path) -> None:
    path = samples_dir / TWO_DOCS
    with path.open("rb") as stream:
        raws = list(iter_raw_documents(stream))
    assert [(r.position, r.line) for r in raws] == [(0, 1), (1, 498)]
    # Cutting loses no byte and each piece is exactly one of the two original files.
    assert b"".join(r.data for r in raws) == path.read_bytes()
    assert raws[0].data == (samples_dir / APP_350).read_bytes()
    assert raws[1].data == (samples_dir / APP_351).read_bytes()
    assert raws[1].sha256 == hashlib.sha256(raws[1].data).hexdigest()

    with open_delivery(path) as stream:
        items = list(parse_us_delivery(stream, source_file="ipa220728.xml"))
    assert [type(i) for i in items] == [Document, Document]
    assert [i.doc_key for i in items] == ["US-2022240350-A1", "US-2022240351-A1"]
    assert {i.source_file for i in items} == {"ipa220728.xml"}


@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_split_does_not_depend_on_where_chunks_end(samples_dir: Path, chunk_size: int) -> None:
    data = b"junk before\n" + (samples_dir / TWO_DOCS).read_bytes()
    expected = [r.data for r in iter_raw_documents(io.BytesIO(data))]
    got = [r.data for r in iter_raw_documents(io.BytesIO(data), chunk_size=chunk_size)]
    assert got == expected
    assert expected[0] == b"junk before\n"
    assert len(expected) == 3


def test_zipped_delivery_streams_its_xml_member(samples_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "ipa220728.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ipa220728.xml", (samples_dir / TWO_DOCS).read_bytes())
    with open_delivery(archive) as stream:
        keys = [d.doc_key for d in parse_us_delivery(stream, source_file=archive.name)]
    assert keys == ["US-2022240350-A1", "US-2022240351-A1"]
    assert detect_format(archive) == "uspto.appxml"


# --- normalization rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "docdb"),
    [
        ("08930553", "8930553"),
        ("11646472", "11646472"),
        ("D0701016", "D701016"),
        ("RE049000", "RE49000"),
        ("PP012345", "PP12345"),
        ("H0002345", "H2345"),
    ],
)
def test_grant_numbers_take_the_docdb_form(published: str, docdb: str) -> None:
    assert docdb_grant_number(published) == docdb


def test_publication_numbers_take_the_docdb_form() -> None:
    assert docdb_publication_number("20220240350") == "2022240350"
    assert docdb_publication_number("20011234567") == "20011234567"  # serial needs 7 digits
    with pytest.raises(InvalidContentError) as err:
        docdb_publication_number("2022-0240350")
    assert err.value.check == "invalid_doc_number"


def test_invalid_date_names_the_element_and_the_document(samples_dir: Path) -> None:
    data = (samples_dir / APP_351).read_bytes()
    broken = data.replace(b"<date>20210628</date>", b"<date>20211345</date>", 1)
    assert broken != data
    with pytest.raises(InvalidContentError) as err:
        parse_us_document(broken)
    assert err.value.check == "invalid_date"
    assert "application-reference/document-id/date" in str(err.value)
    assert "20211345" in str(err.value)
    assert err.value.doc_key == "US-2022240351-A1"

    items = list(parse_us_delivery(io.BytesIO(broken), source_file="ipa220728.xml"))
    assert len(items) == 1 and isinstance(items[0], QuarantineRecord)
    assert items[0].failed_checks == ("invalid_date",)
    assert items[0].doc_key == "US-2022240351-A1"
    assert items[0].source == "uspto.appxml"


def test_invalid_priority_date_is_reported(samples_dir: Path) -> None:
    data = (samples_dir / APP_351).read_bytes()
    broken = data.replace(b"<date>20210127</date>", b"<date>2021012</date>", 1)
    with pytest.raises(InvalidContentError, match="priority-claim/date") as err:
        parse_us_document(broken)
    assert err.value.check == "invalid_date"


def test_empty_date_is_none_not_an_error(samples_dir: Path) -> None:
    data = (samples_dir / APP_351).read_bytes()
    doc = parse_us_document(data.replace(b"<date>20210127</date>", b"<date></date>", 1))
    assert doc.priority_claims == (PriorityClaim("CN", "202110107591.2", None, "national"),)


def test_missing_publication_reference(samples_dir: Path) -> None:
    data = (samples_dir / APP_351).read_bytes()
    start = data.index(b"<publication-reference>")
    end = data.index(b"</publication-reference>") + len(b"</publication-reference>")
    with pytest.raises(InvalidContentError) as err:
        parse_us_document(data[:start] + data[end:])
    assert err.value.check == "missing_publication_reference"


def test_unsupported_root_and_dtd_version(samples_dir: Path) -> None:
    with pytest.raises(UnsupportedDocumentError) as err:
        parse_us_document(b'<?xml version="1.0"?>\n<us-sequence-listing/>\n')
    assert err.value.check == "unsupported_root"
    data = (samples_dir / GRANT_V45).read_bytes()
    with pytest.raises(UnsupportedDocumentError) as err:
        parse_us_document(data.replace(b'dtd-version="v4.5 2014-04-03"', b'dtd-version="v5.0"'))
    assert err.value.check == "unsupported_dtd_version"


def test_pre_aia_applicant_inventors_become_inventors() -> None:
    # DERIVED: the v4.0-v4.2 layout (parties/applicants/applicant[@app-type]) is not among the
    # real samples, so this is a minimal hand-written document in that shape.
    doc = parse_us_document(
        b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v42-2006-08-23.dtd" [ ]>
<us-patent-grant lang="EN" dtd-version="v4.2 2006-08-23" country="US">
<us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>D0701016</doc-number>
<kind>S</kind><date>20140318</date></document-id></publication-reference>
<application-reference appl-type="design"><document-id><country>US</country>
<doc-number>29444444</doc-number><date>20130102</date></document-id></application-reference>
<invention-title id="t">Lamp <i>shade</i></invention-title>
<parties><applicants>
<applicant sequence="001" app-type="applicant-inventor" designation="us-only"><addressbook>
<last-name>Doe</last-name><first-name>Jane</first-name><address><city>Austin</city>
<state>TX</state><country>US</country></address></addressbook></applicant>
<applicant sequence="002" app-type="applicant-inventor" designation="us-only"><addressbook>
<last-name>Doe</last-name><first-name>Jane</first-name><address><city>Austin</city>
<state>TX</state><country>US</country></address></addressbook></applicant>
</applicants></parties>
</us-bibliographic-data-grant>
</us-patent-grant>
"""
    )
    assert doc.doc_key == "US-D701016-S"
    assert doc.application_type == "design"
    assert doc.title == "Lamp shade"  # inner markup stripped
    jane = Party("Doe, Jane", "person", "Austin", "TX", "US")
    assert doc.inventors == (jane,)
    assert doc.applicants == (
        Party("Doe, Jane", "person", "Austin", "TX", "US", "applicant-inventor"),
    )


# --- format detection ------------------------------------------------------------------------


def test_detect_format_on_real_files(samples_dir: Path) -> None:
    assert detect_format(samples_dir / GRANT_V47) == "uspto.ptgrxml"
    assert detect_format(samples_dir / GRANT_V45) == "uspto.ptgrxml"
    assert detect_format(samples_dir / APP_350) == "uspto.appxml"
    assert detect_format(samples_dir / TWO_DOCS) == "uspto.appxml"


def test_detect_format_names_what_it_is_not(samples_dir: Path, tmp_path: Path) -> None:
    assert detect_format(samples_dir / "epo_docdb/DE-backfile.xml") == "epo.docdb"
    assert detect_format(samples_dir / "epo_ops/patent-dev/get_biblio/response.xml") == (
        "epo.ops.biblio"
    )
    family = tmp_path / "family.xml"  # an OPS answer that holds no document patent_sync reads
    family.write_bytes(
        b'<?xml version="1.0"?><ops:world-patent-data xmlns:ops="http://ops.epo.org">'
        b"<ops:patent-family/></ops:world-patent-data>"
    )
    with pytest.raises(UnknownFormatError) as err:
        detect_format(family)
    assert str(err.value).startswith(
        "root element <ops:world-patent-data> is not a format patent_sync reads (it reads: "
    )
    # The scanned PDF is read by OCR; binary data that is no scan still says what it is.
    assert detect_format(samples_dir / "images/US-6103599-A.pdf") == "ocr.scan"
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary" + bytes(range(256)))
    with pytest.raises(UnknownFormatError, match="binary data, not XML"):
        detect_format(garbage)
    not_odp = tmp_path / "other.json"
    not_odp.write_text('{"results": []}')
    with pytest.raises(UnknownFormatError, match="JSON, but not a format patent_sync reads"):
        detect_format(not_odp)
    empty = tmp_path / "ipg230509.xml"
    empty.write_bytes(b"")
    with pytest.raises(UnknownFormatError, match="empty file"):
        detect_format(empty)
    # The name says grant, the content says otherwise: content wins.
    disguised = tmp_path / "ipg230509.zip"
    disguised.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(ParseError, match="not a zip"):
        detect_format(disguised)
