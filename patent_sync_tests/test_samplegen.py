"""The synthetic USPTO weekly files: determinism, fidelity to the real ICE format, defects.

Fidelity is checked against the real published documents in ../shared/samples: the generated
root, DOCTYPE and dtd-version must match the real v4.7 grant and v4.6 application, and every
bibliographic element path (and attribute) the generator writes must occur in a real document of
the same type, so the generator cannot drift away from the format the parsers are tested on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from patent_sync.samplegen.__main__ import main as samplegen_main
from patent_sync.samplegen.demo import DEMO_WEEKS, write_demo_files
from patent_sync.samplegen.uspto import (
    DEFECTS,
    SampleGenError,
    WeeklyFileInfo,
    make_application,
    make_grant,
    write_weekly_file,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data" / "uspto"
STRAY_MARKER = b"--ICE-TRANSFER-SEGMENT--"
_SAFE_PARSER = etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True)

# Paths real ICE files carry that none of the four samples happens to contain, with why.
DOCUMENTED_EXTRAS = {
    # The parent-doc of an unpatented parent states its status (PENDING, ABANDONED).
    "BIB/us-related-documents/RELATION/relation/parent-doc/parent-status",
    # Design grants: a 15-year term and the Locarno class instead of IPC/CPC.
    "BIB/us-term-of-grant/length-of-grant",
    "BIB/classification-locarno",
    "BIB/classification-locarno/edition",
    "BIB/classification-locarno/main-classification",
}
# Subtrees whose content model is shared by grants and application publications.
_SHARED_SUBTREES = ("BIB/us-related-documents", "BIB/priority-claims")


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[WeeklyFileInfo]:
    return write_demo_files(tmp_path_factory.mktemp("demo"))


def _member_bytes(zip_path: Path) -> tuple[list[str], bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        return names, archive.read(names[0])


def _pieces(data: bytes) -> list[bytes]:
    """Split a weekly file the documented way: on lines that begin with ``<?xml ``."""
    return [piece for piece in re.split(rb"(?m)^(?=<\?xml )", data) if piece]


def _positions(info: WeeklyFileInfo) -> list[int]:
    """The position each ``<?xml`` piece starts with (stray blocks are not pieces)."""
    return [p for p in range(info.documents) if info.defects_at.get(p) != "not_xml"]


def _documents(info: WeeklyFileInfo) -> Iterator[tuple[int, bytes]]:
    """(position, bytes) for each piece, with a trailing stray block cut off."""
    _, data = _member_bytes(info.path)
    for position, piece in zip(_positions(info), _pieces(data), strict=True):
        if STRAY_MARKER in piece:
            piece = piece[: piece.index(STRAY_MARKER)]
        yield position, piece


def _parse(piece: bytes) -> etree._Element:
    return etree.fromstring(piece, _SAFE_PARSER)


def _normalised(path: str) -> str:
    path = re.sub(r"^us-bibliographic-data-(grant|application)", "BIB", path)
    path = re.sub(
        r"us-related-documents/(continuation|division|continuation-in-part)/",
        "us-related-documents/RELATION/",
        path,
    )
    # An addressbook holds the same name elements wherever a party appears.
    return re.sub(r"^BIB/.*/addressbook/(last-name|first-name|orgname)$", r"PARTY/\1", path)


def _bibliographic_paths(root: etree._Element) -> dict[str, set[str]]:
    bib = root[0]
    paths: dict[str, set[str]] = {}
    for element in bib.iter():
        if not isinstance(element.tag, str):
            continue
        names = [a.tag for a in reversed(list(element.iterancestors())) if a is not root]
        path = _normalised("/".join([*names, element.tag]))
        paths.setdefault(path, set()).update(element.attrib.keys())
    return paths


def _real_paths(*files: Path) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {}
    for file in files:
        for path, attributes in _bibliographic_paths(_parse(file.read_bytes())).items():
            merged.setdefault(path, set()).update(attributes)
    return merged


def _text(root: etree._Element, xpath: str) -> str | None:
    found = root.find(xpath)
    return None if found is None else found.text


def _ymd(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


# --- determinism -------------------------------------------------------------------------------


def test_regenerating_reproduces_the_committed_demo_files(demo: list[WeeklyFileInfo]) -> None:
    committed = sorted(p.name for p in DATA_DIR.glob("*.zip"))
    assert committed == sorted(info.path.name for info in demo)
    readme = (REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for info in demo:
        names, data = _member_bytes(DATA_DIR / info.path.name)
        assert names == [info.member_name]
        # The uncompressed content is the contract; zip bytes also depend on the zlib build.
        assert hashlib.sha256(data).hexdigest() == info.xml_sha256, info.path.name
        assert info.xml_sha256 in readme, f"data/README.md does not list {info.path.name}"


def test_zip_container_bytes_are_deterministic(tmp_path: Path) -> None:
    first = write_demo_files(tmp_path / "a")
    second = write_demo_files(tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


def test_a_different_seed_gives_different_documents(tmp_path: Path) -> None:
    week = DEMO_WEEKS[0]
    infos = [
        write_weekly_file(
            tmp_path / str(seed),
            feed=week.feed,
            publication_date=week.publication_date,
            count=5,
            seed=seed,
        )
        for seed in (1, 2)
    ]
    assert infos[0].xml_sha256 != infos[1].xml_sha256
    # Patent numbers depend on the week and the position, not on the seed.
    numbers = [[key.split("-")[1] for key in info.doc_keys if key] for info in infos]
    assert numbers[0] == numbers[1]


# --- fidelity to the real format ---------------------------------------------------------------


def test_layout_splits_into_the_expected_documents(demo: list[WeeklyFileInfo]) -> None:
    for info in demo:
        _, data = _member_bytes(info.path)
        assert (
            len(_pieces(data))
            == len(_positions(info))
            == len(info.doc_keys) - sum(1 for d in info.defects_at.values() if d == "not_xml")
        )
        assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        assert data.endswith(b">\n")


@pytest.mark.parametrize(
    ("feed", "sample"),
    [
        ("grants", "grant_us11646472b2_17248024.xml"),
        ("applications", "US20220240350A1-20220728.XML"),
    ],
)
def test_headers_and_root_match_the_real_files(
    demo: list[WeeklyFileInfo], samples_dir: Path, feed: str, sample: str
) -> None:
    real_bytes = (samples_dir / "uspto_fulltext" / sample).read_bytes()
    real = _parse(real_bytes)
    real_header = real_bytes.split(b"\n")[:2]
    checked = 0
    for info, week in zip(demo, DEMO_WEEKS, strict=True):
        if week.feed != feed:
            continue
        for position, piece in _documents(info):
            if info.defects_at.get(position) == "truncated":
                continue
            assert piece.split(b"\n")[:2] == real_header
            root = _parse(piece)
            assert root.tag == real.tag
            assert list(root.attrib) == list(real.attrib)
            assert root.get("dtd-version") == real.get("dtd-version")
            assert [child.tag for child in root][1:] in (
                [child.tag for child in real][1:],
                [c.tag for c in real if c.tag != "abstract"][1:],  # designs have no abstract
            )
            assert root[0].tag == real[0].tag
            assert dict(root[0].attrib) == dict(real[0].attrib)
            checked += 1
    assert checked > 40


def test_every_bibliographic_path_occurs_in_a_real_document(
    demo: list[WeeklyFileInfo], samples_dir: Path
) -> None:
    folder = samples_dir / "uspto_fulltext"
    real_grant = _real_paths(folder / "grant_us11646472b2_17248024.xml", folder / "US08930553.xml")
    real_application = _real_paths(
        folder / "US20220240350A1-20220728.XML", folder / "US20220240351A1-20220728.XML"
    )
    written: dict[str, dict[str, set[str]]] = {"grants": {}, "applications": {}}
    for info, week in zip(demo, DEMO_WEEKS, strict=True):
        for position, piece in _documents(info):
            if info.defects_at.get(position) == "truncated":
                continue
            for path, attributes in _bibliographic_paths(_parse(piece)).items():
                written[week.feed].setdefault(path, set()).update(attributes)

    for feed, same, other in (
        ("grants", real_grant, real_application),
        ("applications", real_application, real_grant),
    ):
        for path, attributes in sorted(written[feed].items()):
            if path in DOCUMENTED_EXTRAS:
                assert feed == "grants" or "locarno" not in path
                continue
            shared = path.startswith(_SHARED_SUBTREES)
            known = same.get(path, other.get(path) if shared else None)
            assert known is not None, f"{feed}: {path} occurs in no real {feed} sample"
            assert attributes <= known, f"{feed}: {path} has attributes {attributes - known}"

    # And the generator exercises the structures a parser must handle.
    must_write = {
        "grants": {
            "BIB/us-related-documents/RELATION/relation/parent-doc/parent-grant-document",
            "BIB/us-related-documents/us-provisional-application/document-id/doc-number",
            "BIB/us-related-documents/related-publication/document-id/kind",
            "BIB/us-term-of-grant/us-term-extension",
            "BIB/classification-locarno/main-classification",
            "BIB/examiners/assistant-examiner/last-name",
            "BIB/us-references-cited/us-citation/nplcit/othercit",
            "PARTY/last-name",
            "PARTY/orgname",
        },
        "applications": {
            "BIB/priority-claims/priority-claim/doc-number",
            "BIB/us-related-documents/RELATION/relation/child-doc/document-id/doc-number",
            "BIB/us-related-documents/us-provisional-application/document-id/date",
            "BIB/assignees/assignee/addressbook/role",
        },
    }
    for feed, paths in must_write.items():
        assert paths <= set(written[feed]), f"{feed} never writes {paths - set(written[feed])}"


def test_related_documents_use_each_relation_kind(demo: list[WeeklyFileInfo]) -> None:
    kinds: set[str] = set()
    for info in demo:
        for position, piece in _documents(info):
            if info.defects_at.get(position) != "truncated":
                kinds |= {e.tag for e in _parse(piece).iterfind(".//us-related-documents/*")}
    assert {"continuation", "division", "us-provisional-application"} <= kinds


def test_some_application_lists_an_inventor_twice(demo: list[WeeklyFileInfo]) -> None:
    repeated = 0
    for info, week in zip(demo, DEMO_WEEKS, strict=True):
        if week.feed != "applications":
            continue
        for position, piece in _documents(info):
            if info.defects_at.get(position) == "truncated":
                continue
            names = [
                (_text(i, "addressbook/last-name"), _text(i, "addressbook/first-name"))
                for i in _parse(piece).iterfind(".//inventors/inventor")
            ]
            repeated += len(names) != len(set(names))
    assert repeated >= 1


def test_clean_documents_have_consistent_numbers_and_dates(demo: list[WeeklyFileInfo]) -> None:
    for info, week in zip(demo, DEMO_WEEKS, strict=True):
        seen: set[str] = set()
        for position, piece in _documents(info):
            if position in info.defects_at:
                continue
            root = _parse(piece)
            bib = root[0]
            number = _text(bib, "publication-reference/document-id/doc-number") or ""
            kind = _text(bib, "publication-reference/document-id/kind")
            assert info.doc_keys[position] == f"US-{number}-{kind}"
            assert number not in seen
            seen.add(number)
            published = _ymd(_text(bib, "publication-reference/document-id/date") or "")
            assert published == week.publication_date == _ymd(root.get("date-publ"))
            assert published.weekday() == (1 if week.feed == "grants" else 3)
            filed = _ymd(_text(bib, "application-reference/document-id/date") or "")
            assert filed < published
            if week.feed == "grants":
                assert re.fullmatch(r"[0-9]{8}|D[0-9]{7}", number)
                assert kind in {"B1", "B2", "S1"}
                assert (kind == "B2") == (bib.find(".//related-publication") is not None)
                assert _text(bib, "number-of-claims") == str(len(root.findall("claims/claim")))
            else:
                assert re.fullmatch(rf"{published.year}[0-9]{{7}}", number)
                assert kind == "A1"
            assert _text(bib, "invention-title")
            for country in bib.iterfind(".//country"):
                assert re.fullmatch(r"[A-Z]{2}|unknown", country.text or ""), country.text
            for relation in bib.iterfind("us-related-documents/*/relation"):
                parent_filed = _ymd(_text(relation, "parent-doc/document-id/date") or "")
                assert parent_filed < filed
                granted = _text(relation, "parent-doc/parent-grant-document/document-id/date")
                if granted:
                    assert parent_filed < _ymd(granted) < published
            for element in bib.iterfind(".//date"):
                text = element.text or ""
                if text.endswith("00"):  # cited documents give only year and month
                    dt.datetime.strptime(text[:6], "%Y%m")
                else:
                    _ymd(text)


def test_single_documents_from_the_public_helpers() -> None:
    tuesday, thursday = dt.date(2026, 11, 10), dt.date(2026, 11, 12)
    design = _parse(make_grant(random.Random(5), tuesday, 7, design=True))
    assert _text(design, ".//publication-reference/document-id/doc-number") == "D1152007"
    assert _text(design, ".//publication-reference/document-id/kind") == "S1"
    assert design.find(".//application-reference").get("appl-type") == "design"
    assert design.find("abstract") is None
    utility = make_grant(random.Random(5), tuesday, 7, paragraphs=20)
    assert _text(_parse(utility), ".//publication-reference/document-id/doc-number") == "12889007"
    assert len(utility) > len(make_grant(random.Random(5), tuesday, 7, paragraphs=2))
    application = _parse(make_application(random.Random(5), thursday, 0, repeat_inventors=True))
    assert _text(application, ".//publication-reference/document-id/doc-number") == "20260360001"
    inventors = application.findall(".//inventors/inventor")
    assert len(inventors) % 2 == 0
    half = len(inventors) // 2
    assert [etree.tostring(i[0]) for i in inventors[:half]] == [
        etree.tostring(i[0]) for i in inventors[half:]
    ]


# --- defects -------------------------------------------------------------------------------


def test_every_defect_kind_is_in_the_demo(demo: list[WeeklyFileInfo]) -> None:
    assert {d for info in demo for d in info.defects_at.values()} == set(DEFECTS)


def test_defects_are_where_defects_at_says(demo: list[WeeklyFileInfo]) -> None:
    for info, week in zip(demo, DEMO_WEEKS, strict=True):
        assert info.defects_at == week.defects
        _, data = _member_bytes(info.path)
        raw = dict(zip(_positions(info), _pieces(data), strict=True))
        docs = dict(_documents(info))
        for position, defect in info.defects_at.items():
            if defect == "not_xml":
                before = raw[position - 1]
                assert info.doc_keys[position] is None
                assert STRAY_MARKER in before
                with pytest.raises(etree.XMLSyntaxError, match="Extra content"):
                    _parse(before)
                _parse(docs[position - 1])  # the document before it is intact
                continue
            if defect == "truncated":
                assert raw[position].startswith(b"<?xml ")
                with pytest.raises(etree.XMLSyntaxError):
                    _parse(raw[position])
                continue
            bib = _parse(docs[position])[0]
            published = _text(bib, "publication-reference/document-id/date") or ""
            if defect == "bad_date":
                assert published == f"{week.publication_date.year}1345"
                with pytest.raises(ValueError):
                    _ymd(published)
            elif defect == "wrong_week":
                assert _ymd(published) == week.publication_date - dt.timedelta(weeks=1)
            elif defect == "missing_title":
                assert bib.find("invention-title") is None
            elif defect == "bad_country":
                first = bib.find("us-parties/us-applicants/us-applicant")
                assert _text(first, "addressbook/address/country") == "USA"
            elif defect == "duplicate_key":
                previous = _parse(docs[position - 1])[0]
                assert info.doc_keys[position] == info.doc_keys[position - 1]
                for same in ("publication-reference", "application-reference"):
                    assert etree.tostring(bib.find(same)) == etree.tostring(previous.find(same))
                path = "assignees/assignee/addressbook/orgname"
                assert _text(bib, path) != _text(previous, path)
        for position, piece in docs.items():
            if position not in info.defects_at:
                _parse(piece)


def test_defect_names_are_spread_evenly_when_no_positions_are_given(tmp_path: Path) -> None:
    info = write_weekly_file(
        tmp_path,
        feed="applications",
        publication_date=dt.date(2026, 11, 19),
        count=12,
        seed=7,
        defects=["truncated", "missing_title", "not_xml"],
        zip=False,
    )
    assert info.path.name == "ipa261119.xml"
    assert info.defects_at == {3: "truncated", 6: "missing_title", 9: "not_xml"}
    assert len(_pieces(info.path.read_bytes())) == 11
    assert hashlib.sha256(info.path.read_bytes()).hexdigest() == info.xml_sha256


# --- scale and errors ----------------------------------------------------------------------


def test_a_larger_week_keeps_numbers_unique(tmp_path: Path) -> None:
    info = write_weekly_file(
        tmp_path, feed="grants", publication_date=dt.date(2026, 11, 17), count=300, seed=3
    )
    _, data = _member_bytes(info.path)
    roots = [_parse(piece) for piece in _pieces(data)]
    applications = [_text(r[0], "application-reference/document-id/doc-number") for r in roots]
    assert len(set(info.doc_keys)) == 300
    assert len(set(applications)) == 300
    assert sum(1 for key in info.doc_keys if key and key.endswith("-S1")) == 24


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"publication_date": dt.date(2026, 11, 11)}, "published on a Tuesday"),
        ({"defects": {0: "duplicate_key"}}, "needs a real document"),
        ({"defects": {2: "gibberish"}}, "unknown defect 'gibberish'"),
        ({"defects": {9: "truncated"}}, "outside 0..4"),
        ({"count": 0}, "count must be between 1 and 7,000"),
        ({"feed": "reissues"}, "unknown feed"),
    ],
)
def test_impossible_requests_are_refused(tmp_path: Path, kwargs: dict, message: str) -> None:
    request = {
        "feed": "grants",
        "publication_date": dt.date(2026, 11, 10),
        "count": 5,
        "seed": 1,
    } | kwargs
    with pytest.raises(SampleGenError, match=message):
        write_weekly_file(tmp_path, **request)


def test_command_line_writes_the_demo_and_reports_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert samplegen_main(["--out", str(tmp_path / "demo")]) == 0
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == sorted(
        p.name for p in DATA_DIR.glob("*.zip")
    )
    bench = ["--bench", "--count", "30", "--out", str(tmp_path / "bench"), "--paragraphs", "2"]
    assert samplegen_main([*bench, "--defects", "truncated,bad_date"]) == 0
    assert (tmp_path / "bench" / "ipg261117.zip").is_file()
    assert samplegen_main([*bench, "--date", "2026-11-18"]) == 2
    assert "2026-11-18 is a Wednesday" in capsys.readouterr().err
