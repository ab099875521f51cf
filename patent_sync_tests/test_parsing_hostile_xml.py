"""Hostile and broken input: nothing leaks, nothing is expanded, nothing is silently dropped."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from patent_sync.model import Document, QuarantineCategory, QuarantineRecord, canonical_json
from patent_sync.parsing.errors import (
    DeliveryError,
    HostileXmlError,
    MalformedXmlError,
    ParseError,
)
from patent_sync.parsing.safe_xml import SAFE_PARSER_OPTIONS, parse_xml_bytes, safe_iterparse
from patent_sync.parsing.uspto_fulltext import parse_us_delivery, parse_us_document
from patent_sync.parsing.weekly_file import iter_raw_documents, open_delivery

GRANT_V47 = "uspto_fulltext/grant_us11646472b2_17248024.xml"
APP_350 = "uspto_fulltext/US20220240350A1-20220728.XML"
APP_351 = "uspto_fulltext/US20220240351A1-20220728.XML"
SECRET = "TOP-SECRET-7c1f9e-do-not-leak"
TITLE = b"SELF-REGULATING ELECTRIC HEATING FILM AND PREPARATION METHOD AND USE THEREOF"
DOCTYPE = b'<!DOCTYPE us-patent-application SYSTEM "us-patent-application-v46-2022-02-17.dtd" [ ]>'

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>
"""


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "credentials.txt"
    path.write_text(SECRET + "\n")
    return path


def _xxe_document(samples_dir: Path, secret_file: Path, *, doctype: bytes | None = None) -> bytes:
    """The real application 351 with its title replaced by an external entity to a local file."""
    data = (samples_dir / APP_351).read_bytes()
    hostile_doctype = doctype or (
        b'<!DOCTYPE us-patent-application [ <!ENTITY xxe SYSTEM "'
        + secret_file.as_uri().encode()
        + b'"> ]>'
    )
    data = data.replace(DOCTYPE, hostile_doctype, 1).replace(TITLE, b"&xxe;", 1)
    assert b"&xxe;" in data and hostile_doctype in data
    return data


def _everything_visible(items: list[Document | QuarantineRecord]) -> str:
    return "\n".join(canonical_json(dataclasses.asdict(item)) for item in items)


def test_the_secret_file_is_reachable_by_an_unsafe_parser(
    samples_dir: Path, secret_file: Path
) -> None:
    # Guards the tests below: the fixture really points at the secret, so "not leaked" means
    # the hardened parser refused it, not that the path was wrong.
    unsafe = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True)
    root = etree.fromstring(_xxe_document(samples_dir, secret_file), unsafe)
    assert SECRET in etree.tostring(root, encoding="unicode")


def test_external_entity_to_a_local_file_is_refused_and_never_read(
    samples_dir: Path, secret_file: Path
) -> None:
    data = _xxe_document(samples_dir, secret_file)
    with pytest.raises(HostileXmlError) as err:
        parse_us_document(data)
    assert err.value.check == "forbidden_entity_declaration"
    assert SECRET not in str(err.value) and SECRET not in repr(err.value)

    neighbours = (samples_dir / APP_350).read_bytes() + data
    items = list(parse_us_delivery(io.BytesIO(neighbours), source_file="ipa220728.xml"))
    assert isinstance(items[0], Document)
    quarantined = items[1]
    assert isinstance(quarantined, QuarantineRecord)
    assert quarantined.category is QuarantineCategory.PARSE_ERROR
    assert quarantined.failed_checks == ("forbidden_entity_declaration",)
    assert quarantined.position == 1
    assert quarantined.payload_sha256 == hashlib.sha256(data).hexdigest()
    assert SECRET not in _everything_visible(items)


def test_entity_declaration_hidden_from_the_byte_scan_is_still_refused(
    samples_dir: Path, secret_file: Path
) -> None:
    # A ">" inside the quoted system literal ends the fast pre-parse scan early; the check of
    # the parsed internal subset must still catch the declaration.
    doctype = (
        b'<!DOCTYPE us-patent-application SYSTEM "x>y.dtd" [ <!ENTITY xxe SYSTEM "'
        + secret_file.as_uri().encode()
        + b'"> ]>'
    )
    data = _xxe_document(samples_dir, secret_file, doctype=doctype)
    with pytest.raises(HostileXmlError) as err:
        parse_xml_bytes(data)
    assert err.value.check == "forbidden_entity_declaration"
    assert SECRET not in str(err.value)


def test_parameter_entity_to_a_local_file_is_refused(secret_file: Path) -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [ <!ENTITY % p SYSTEM "'
        + secret_file.as_uri().encode()
        + b'"> %p; ]>\n<r/>\n'
    )
    with pytest.raises(HostileXmlError) as err:
        parse_xml_bytes(data)
    assert SECRET not in str(err.value)


def test_utf16_encoded_attack_is_refused_before_parsing(secret_file: Path) -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE r [ <!ENTITY x SYSTEM "'
        + secret_file.as_uri()
        + '"> ]>\n<r>&x;</r>\n'
    )
    with pytest.raises(MalformedXmlError) as err:
        parse_xml_bytes(text.encode("utf-16"))
    assert err.value.check == "unsupported_encoding"


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(HostileXmlError) as err:
        parse_xml_bytes(BILLION_LAUGHS)
    assert err.value.check == "forbidden_entity_declaration"
    items = list(
        parse_us_delivery(
            io.BytesIO(BILLION_LAUGHS), source_file="ipg230509.xml", default_source="uspto.ptgrxml"
        )
    )
    assert len(items) == 1 and isinstance(items[0], QuarantineRecord)
    assert items[0].failed_checks == ("forbidden_entity_declaration",)
    assert items[0].source == "uspto.ptgrxml"  # the delivery's: no USPTO root here
    assert "lollol" not in _everything_visible(items)


def test_undeclared_entity_reference_is_refused(samples_dir: Path) -> None:
    data = (samples_dir / APP_351).read_bytes().replace(TITLE, b"HEATING&nbsp;FILM", 1)
    with pytest.raises(HostileXmlError) as err:
        parse_us_document(data)
    assert err.value.check == "forbidden_entity_reference"
    # Without any DOCTYPE libxml2 fails hard on it; still reported as the same check.
    with pytest.raises(HostileXmlError) as err:
        parse_xml_bytes(b'<?xml version="1.0"?>\n<r>&foo;</r>\n')
    assert err.value.check == "forbidden_entity_reference"
    # Predefined and numeric references are fine.
    assert parse_xml_bytes(b"<r>&amp;&lt;&#65;&#x42;</r>").text == "&<AB"


def test_parser_options_are_the_hardened_ones() -> None:
    assert SAFE_PARSER_OPTIONS["resolve_entities"] is False
    assert SAFE_PARSER_OPTIONS["load_dtd"] is False
    assert SAFE_PARSER_OPTIONS["no_network"] is True
    assert SAFE_PARSER_OPTIONS["huge_tree"] is False
    assert SAFE_PARSER_OPTIONS["dtd_validation"] is False


def test_safe_iterparse_refuses_entities_before_yielding(secret_file: Path) -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [ <!ENTITY x SYSTEM "'
        + secret_file.as_uri().encode()
        + b'"> ]>\n<r><a>&x;</a><a>2</a></r>\n'
    )
    seen = []
    with pytest.raises(HostileXmlError):
        for _, element in safe_iterparse(io.BytesIO(data), tag="a"):
            seen.append(element.text)
    assert seen == []
    ok = b'<?xml version="1.0"?>\n<r><a>1</a><a>&#50;</a></r>\n'
    assert [e.text for _, e in safe_iterparse(io.BytesIO(ok), tag="a")] == ["1", "2"]


# --- broken deliveries -----------------------------------------------------------------------


def test_truncated_document_is_quarantined_and_its_neighbours_still_parse(
    samples_dir: Path,
) -> None:
    first = (samples_dir / APP_350).read_bytes()
    full = (samples_dir / APP_351).read_bytes()
    truncated = full[: len(full) // 2] + b"\n"
    last = (samples_dir / GRANT_V47).read_bytes()
    delivery = first + truncated + last

    raw_count = sum(1 for _ in iter_raw_documents(io.BytesIO(delivery)))
    items = list(parse_us_delivery(io.BytesIO(delivery), source_file="ipa220728.xml"))
    valid = [i for i in items if isinstance(i, Document)]
    quarantined = [i for i in items if isinstance(i, QuarantineRecord)]
    assert raw_count == len(items) == len(valid) + len(quarantined) == 3
    assert [d.doc_key for d in valid] == ["US-2022240350-A1", "US-11646472-B2"]

    (bad,) = quarantined
    assert bad.position == 1
    assert bad.failed_checks == ("xml_not_well_formed",)
    assert bad.payload_sha256 == hashlib.sha256(truncated).hexdigest()
    assert bad.doc_key == "US-2022240351-A1"  # named for the reviewer, from the raw head
    assert bad.source == "uspto.appxml"
    assert bad.source_file == "ipa220728.xml"
    assert bad.detail.startswith("document 1 at line 498: not well-formed XML")
    assert bad.raw_excerpt is not None and bad.raw_excerpt.startswith("<?xml")
    assert bad.payload is None


def test_garbage_before_the_first_document_is_quarantined_not_dropped(samples_dir: Path) -> None:
    delivery = b"HTTP/1.1 200 OK\r\nX-Junk: 1\r\n\r\n" + (samples_dir / APP_350).read_bytes()
    items = list(parse_us_delivery(io.BytesIO(delivery), source_file="ipa220728.zip"))
    assert len(items) == 2
    assert isinstance(items[0], QuarantineRecord)
    assert items[0].position == 0
    assert items[0].failed_checks == ("xml_not_well_formed",)
    assert items[0].raw_excerpt is not None and "X-Junk" in items[0].raw_excerpt
    assert isinstance(items[1], Document) and items[1].doc_key == "US-2022240350-A1"


def test_stray_block_between_documents_is_its_own_record(samples_dir: Path) -> None:
    first = (samples_dir / APP_350).read_bytes()
    second = (samples_dir / APP_351).read_bytes()
    stray = b"--MIME-BOUNDARY-42\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\x02\n"
    delivery = first + stray + second
    raws = list(iter_raw_documents(io.BytesIO(delivery)))
    assert [r.data for r in raws] == [first, stray, second]
    assert [r.line for r in raws] == [1, 498, 502]

    items = list(parse_us_delivery(io.BytesIO(delivery), source_file="ipa220728.xml"))
    assert [type(i) for i in items] == [Document, QuarantineRecord, Document]
    assert items[1].position == 1
    assert items[1].payload_sha256 == hashlib.sha256(stray).hexdigest()
    # A comment after the root end tag is legal XML: it stays with its document.
    commented = first + b"<!-- end of record -->\n" + second
    assert len(list(iter_raw_documents(io.BytesIO(commented)))) == 2


def test_bytes_that_are_not_xml() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    with pytest.raises(MalformedXmlError):
        parse_us_document(png)
    items = list(parse_us_delivery(io.BytesIO(png), source_file="ipg230509.zip"))
    assert len(items) == 1 and isinstance(items[0], QuarantineRecord)
    assert items[0].failed_checks[0] in {"xml_not_well_formed", "unsupported_encoding"}
    with pytest.raises(MalformedXmlError) as err:
        parse_us_document(b"just some text\n")
    assert err.value.check == "xml_not_well_formed"


def test_empty_input(tmp_path: Path) -> None:
    with pytest.raises(MalformedXmlError) as err:
        parse_us_document(b"")
    assert err.value.check == "empty_document"
    assert list(iter_raw_documents(io.BytesIO(b""))) == []
    assert list(iter_raw_documents(io.BytesIO(b"\n\n  \n"))) == []
    empty = tmp_path / "ipg230509.xml"
    empty.write_bytes(b"")
    with pytest.raises(DeliveryError) as derr, open_delivery(empty):
        pass
    assert derr.value.check == "empty_file"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("members", "check"),
    [
        ({}, "empty_zip"),
        ({"ipg230509.txt": b"hello", "readme.pdf": b"%PDF"}, "zip_without_xml"),
        ({"a.xml": b"<a/>", "b.xml": b"<b/>"}, "zip_multiple_xml"),
    ],
)
def test_unusable_zip_deliveries(tmp_path: Path, members: dict[str, bytes], check: str) -> None:
    archive = _zip(tmp_path / "ipg230509.zip", members)
    with pytest.raises(DeliveryError) as err, open_delivery(archive):
        pass
    assert err.value.check == check
    assert "ipg230509.zip" in str(err.value)


def test_file_named_zip_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "ipg230509.zip"
    path.write_bytes(b"<html>Service Unavailable</html>")
    with pytest.raises(DeliveryError) as err, open_delivery(path):
        pass
    assert err.value.check == "not_a_zip"


def test_zip_corrupted_inside_the_member_fails_loudly(samples_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "ipa220728.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("ipa220728.xml", (samples_dir / APP_350).read_bytes())
    raw = bytearray(archive.read_bytes())
    at = raw.index(b"JABIL INC.")
    raw[at : at + 5] = b"XXXXX"  # same length: the archive opens, the CRC no longer matches
    archive.write_bytes(bytes(raw))
    with pytest.raises(ParseError) as err, open_delivery(archive) as stream:
        list(parse_us_delivery(stream, source_file=archive.name))
    assert err.value.check == "corrupt_zip"


# --- memory ----------------------------------------------------------------------------------


class _GeneratedDelivery(io.RawIOBase):
    """A weekly file that exists only as a generator: documents are produced as they are read."""

    def __init__(self, documents: Iterator[bytes]) -> None:
        self._documents = documents
        self._pending = b""
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._documents)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.produced += size
        return size


def test_splitting_memory_is_bounded_by_a_document_not_the_file() -> None:
    body = b"<p>" + b"x" * 20_000 + b"</p>\n"
    count = 3_000  # about 60 MB in all

    def documents() -> Iterator[bytes]:
        for n in range(count):
            yield (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<us-patent-grant n="%d">\n' % n
                + body
                + b"</us-patent-grant>\n"
            )

    stream = _GeneratedDelivery(documents())
    seen = 0
    tracemalloc.start()
    try:
        for raw in iter_raw_documents(io.BufferedReader(stream, buffer_size=1 << 16)):
            assert raw.position == seen
            seen += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert stream.produced > 50_000_000
    # The splitter holds about one read chunk (1 MiB) plus the current document: a few MiB
    # at most, whatever the size of the file.
    assert peak < 8_000_000, f"peak {peak:,} bytes for a {stream.produced:,}-byte delivery"
