"""Hostile sizes: oversized documents, zip bombs, deep XML and oversized DOCTYPEs.

Each limit of ``patent_sync.parsing.limits`` is shown to hold through the splitter or the zip
reader, and through ``patent-sync inspect`` as a user meets it: one line, never a traceback.
Most tests shrink the limits with ``PATENT_SYNC_...`` variables to stay fast; the two tests
marked *realistic* run the command in a child process on a 300 MB document with the default
limits and bound the child's peak memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from patent_sync.cli.main import main
from patent_sync.formats.uspto_fulltext import USPTO_GRANTS_XML
from patent_sync.model import QuarantineRecord
from patent_sync.parsing import epo_docdb
from patent_sync.parsing.errors import DeliveryError, HostileXmlError, MalformedXmlError
from patent_sync.parsing.limits import (
    LimitSettingError,
    ParseLimits,
)
from patent_sync.parsing.safe_xml import XML_MAX_DEPTH, parse_xml_bytes
from patent_sync.parsing.weekly_file import (
    _ZipMemberStream,
    iter_raw_documents,
    open_delivery,
)

REPO = Path(__file__).resolve().parent.parent
WEEKLY = REPO / "data" / "uspto" / "ipg261110.zip"
KIB, MIB = 1 << 10, 1 << 20


@pytest.fixture(scope="module")
def real_documents() -> list[bytes]:
    """The first three documents of a sample weekly grant file."""
    with open_delivery(WEEKLY) as stream:
        docs = []
        for raw in iter_raw_documents(stream):
            docs.append(raw.data)
            if len(docs) == 3:
                return docs
    raise AssertionError("sample delivery too short")


def _inflate(document: bytes, size: int) -> bytes:
    """``document`` grown to about ``size`` bytes by a comment inside its root, on one line."""
    end = document.rindex(b"</us-patent-grant>")
    filler = b"<!--" + b"x" * max(0, size - len(document)) + b"-->"
    return document[:end] + filler + document[end:]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- one document larger than PATENT_SYNC_MAX_RECORD_BYTES ---------------------------------------


def test_oversized_document_is_quarantined_in_place_and_counted(
    real_documents: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATENT_SYNC_MAX_RECORD_BYTES", "64KiB")
    first, second, third = real_documents
    # The big one is followed by a stray block: one record either way, never two.
    big = _inflate(second, 300 * KIB) + b"<stray>not a document</stray>\n"
    delivery = first + big + third + b"<junk/>\n"
    for chunk_size in (7, 4096, 1 << 20):
        raws = list(iter_raw_documents(io.BytesIO(delivery), chunk_size=chunk_size))
        assert [r.oversized for r in raws] == [False, True, False, False], chunk_size
        assert raws[1].size == len(big) and len(raws[1].data) == 64 * KIB
        assert raws[2].data == third and raws[2].line == 1 + (first + big).count(b"\n")
    changes = list(USPTO_GRANTS_XML.iter_changes(io.BytesIO(delivery), source_file="t.xml"))
    assert len(changes) == USPTO_GRANTS_XML.count_raw_records(io.BytesIO(delivery)).records == 4
    record = changes[1]
    assert isinstance(record, QuarantineRecord)
    assert record.failed_checks == ("document_too_large",)
    assert record.doc_key == "US-12889001-B2" and "64 KiB" in record.detail
    assert record.payload_sha256 == hashlib.sha256(big).hexdigest()
    assert [type(c).__name__ for c in changes] == [
        "Upsert",
        "QuarantineRecord",
        "Upsert",
        "QuarantineRecord",
    ]


@pytest.mark.parametrize("extra", [-1, 0, 1, 2])
def test_record_limit_is_exact_and_the_count_agrees(
    real_documents: list[bytes], monkeypatch: pytest.MonkeyPatch, extra: int
) -> None:
    """A piece of exactly the limit is read; one byte more is quarantined; the independent
    raw count agrees at every size, with and without a stray block in the piece."""
    limit = 32 * KIB
    monkeypatch.setenv("PATENT_SYNC_MAX_RECORD_BYTES", str(limit))
    first, second, _ = real_documents
    for stray in (b"", b"<stray/>\n"):
        body = first[:-1]  # without its final newline, grown to the exact size below
        padding = limit + extra - len(body) - 1 - len(stray) - len(b"<!---->")
        doc = body.replace(
            b"</us-patent-grant>", b"<!--" + b"p" * padding + b"--></us-patent-grant>"
        )
        doc += b"\n" + stray
        assert len(doc) == limit + extra
        delivery = doc + second
        raws = list(iter_raw_documents(io.BytesIO(delivery), chunk_size=1000))
        assert raws[0].oversized is (extra > 0)
        expected = 2 + (1 if stray and extra <= 0 else 0)
        assert len(raws) == expected
        assert USPTO_GRANTS_XML.count_raw_records(io.BytesIO(delivery)).records == expected


def test_oversized_document_at_the_end_and_in_leading_garbage(monkeypatch) -> None:
    monkeypatch.setenv("PATENT_SYNC_MAX_RECORD_BYTES", "1KiB")
    blank_lead = b"\n" * 5000 + b'<?xml version="1.0"?>\n<us-patent-grant/>\n'
    raws = list(iter_raw_documents(io.BytesIO(blank_lead), chunk_size=100))
    assert len(raws) == 1 and not raws[0].oversized  # blank lines carry nothing, however many
    garbage = b"garbage " * 1000 + b'\n<?xml version="1.0"?>\n' + b"<a>" + b"y" * 5000
    raws = list(iter_raw_documents(io.BytesIO(garbage), chunk_size=100))
    assert [r.oversized for r in raws] == [True, True]
    assert raws[1].line == 2 and raws[1].data.startswith(b"<?xml")
    assert USPTO_GRANTS_XML.count_raw_records(io.BytesIO(garbage)).records == 2


def test_oversized_document_through_inspect_is_one_line(
    real_documents: list[bytes], tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("PATENT_SYNC_MAX_RECORD_BYTES", "64KiB")
    path = tmp_path / "one.xml"
    path.write_bytes(_inflate(real_documents[0], 1 * MIB))
    code, out, err = _run(["inspect", str(path)], capsys)
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "more than the 64 KiB a document may have" in err
    (line,) = [json.loads(line) for line in out.splitlines()]
    assert line["failed_checks"] == ["document_too_large"] and line["doc_key"] == "US-12889000-B2"


@pytest.mark.parametrize("chunk_size", [7, 1000, 1 << 20])
def test_docdb_splitter_uses_the_configured_record_limit(monkeypatch, chunk_size: int) -> None:
    monkeypatch.setattr(epo_docdb, "CHUNK_SIZE", chunk_size)
    monkeypatch.setenv("PATENT_SYNC_MAX_RECORD_BYTES", "16KiB")
    record = (
        b'<exch:exchange-document country="EP" doc-number="1" kind="A1" status="C">'
        + b"<x>"
        + b"z" * (40 * KIB)
        + b"</x></exch:exchange-document>"
    )
    small = b'<exch:exchange-document country="EP" doc-number="2" kind="A1" status="C"/>'
    stream = (
        b'<?xml version="1.0"?>\n<exch:exchange-documents xmlns:exch="http://www.epo.org/exchange">'
        + record
        + small
        + b"</exch:exchange-documents>\n"
    )
    pieces = list(epo_docdb.iter_docdb_pieces(io.BytesIO(stream)))
    assert [p.kind for p in pieces] == ["oversized", "record"]
    assert len(pieces[0].data) == 16 * KIB
    change = epo_docdb.docdb_change(pieces[0], source_file="d.xml", position=0)
    assert isinstance(change, QuarantineRecord) and change.failed_checks == ("record_too_large",)
    assert epo_docdb.count_docdb_records(io.BytesIO(stream)).records == 2


def test_a_bad_limit_setting_is_refused_in_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    with pytest.raises(LimitSettingError, match="PATENT_SYNC_MAX_RECORD_BYTES"):
        ParseLimits.from_env({"PATENT_SYNC_MAX_RECORD_BYTES": "lots"})
    assert (
        ParseLimits.from_env({"PATENT_SYNC_MAX_MEMBER_BYTES": "2GiB"}).max_member_bytes == 2 << 30
    )
    monkeypatch.setenv("PATENT_SYNC_MAX_RECORD_BYTES", "-5")
    path = tmp_path / "a.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<us-patent-grant/>\n')
    code, _, err = _run(["inspect", str(path)], capsys)
    assert code == 2 and err.count("\n") == 1 and "not a positive size" in err


# --- zip members: decompressed size and ratio ---------------------------------------------------


def _zip_of(path: Path, name: str, payload: bytes, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr(name, payload)
    return path


def test_zip_bomb_is_refused_from_its_header_through_inspect(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("PATENT_SYNC_RATIO_MIN_BYTES", "1MiB")
    doc = b'<?xml version="1.0"?>\n<us-patent-grant>' + b" " * (8 * MIB) + b"</us-patent-grant>\n"
    archive = _zip_of(tmp_path / "ipg261110.zip", "ipg261110.xml", doc)
    assert archive.stat().st_size < 100 * KIB
    code, out, err = _run(["inspect", str(archive)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "ipg261110.xml declares 8.0 MiB" in err and "zip bomb" in err


def test_member_size_limit_through_inspect(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PATENT_SYNC_MAX_MEMBER_BYTES", "1MiB")
    doc = b'<?xml version="1.0"?>\n<us-patent-grant>' + os.urandom(2 * MIB).hex().encode()
    archive = _zip_of(tmp_path / "big.zip", "big.xml", doc, zipfile.ZIP_STORED)
    code, _, err = _run(["inspect", str(archive)], capsys)
    assert code == 2 and err.count("\n") == 1 and "more than 1 MiB" in err


def test_decompressed_bytes_are_counted_not_taken_from_the_header() -> None:
    """A header can lie; the stream counts what comes out, including on read(-1)."""
    limits = ParseLimits(max_member_bytes=10 * MIB, ratio_min_bytes=1 * MIB)
    for reader in (lambda s: s.read(), lambda s: [s.read(64 * KIB) for _ in range(100)]):
        stream = _ZipMemberStream(
            io.BytesIO(b"\0" * (3 * MIB)),
            "bomb.zip",
            member_name="a.xml",
            compressed_size=4 * KIB,
            limits=limits,
        )
        with pytest.raises(DeliveryError) as err:
            reader(stream)
        assert err.value.check == "decompression_limit" and "at least" in err.value.message
    stream = _ZipMemberStream(
        io.BytesIO(b"\0" * (11 * MIB)),
        "big.zip",
        member_name="a.xml",
        compressed_size=11 * MIB,
        limits=limits,
    )
    with pytest.raises(DeliveryError, match="more than 10 MiB"):
        stream.read()
    # A small file that compresses very well is fine: the ratio applies past 1 MiB only.
    stream = _ZipMemberStream(
        io.BytesIO(b"\0" * (512 * KIB)), "ok.zip", compressed_size=100, limits=limits
    )
    assert len(stream.read()) == 512 * KIB


# --- XML depth and the DOCTYPE ------------------------------------------------------------------


def test_xml_depth_limit_is_libxml2s_256() -> None:
    deep = XML_MAX_DEPTH
    parse_xml_bytes(b"<a>" * deep + b"</a>" * deep)
    with pytest.raises(MalformedXmlError) as err:
        parse_xml_bytes(b"<a>" * (deep + 1) + b"</a>" * (deep + 1))
    assert err.value.check == "xml_too_deep" and "256" in err.value.message
    assert "XML_PARSE_HUGE" not in err.value.message


def test_deep_document_through_inspect_is_one_quarantine_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "deep.xml"
    path.write_bytes(
        b'<?xml version="1.0"?>\n<us-patent-grant dtd-version="v4.7">'
        + b"<a>" * 100_000
        + b"</a>" * 100_000
        + b"</us-patent-grant>\n"
    )
    code, _, err = _run(["inspect", str(path)], capsys)
    assert code == 1 and err.count("\n") == 1 and "nested more than 256 deep" in err


def _doctype_document(subset: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE us-patent-grant [\n'
        + subset
        + b']>\n<us-patent-grant dtd-version="v4.7"></us-patent-grant>\n'
    )


def test_doctype_longer_than_the_head_is_reported_as_what_it_is(tmp_path: Path, capsys) -> None:
    entities = b"".join(b'<!ENTITY e%d "%s">\n' % (i, b"x" * 60) for i in range(900))
    assert 70 * KIB > len(entities) > 64 * KIB
    (tmp_path / "entities.xml").write_bytes(_doctype_document(entities))
    code, out, err = _run(["inspect", str(tmp_path / "entities.xml")], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "the DOCTYPE declares entities" in err and "not XML" not in err

    attributes = b"".join(b'<!ATTLIST a%d b CDATA "%s">\n' % (i, b"x" * 60) for i in range(1000))
    (tmp_path / "subset.xml").write_bytes(_doctype_document(attributes))
    code, out, err = _run(["inspect", str(tmp_path / "subset.xml")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "DOCTYPE internal subset is larger than 64 KiB" in err


def test_oversized_doctype_is_refused_by_the_parser_too() -> None:
    subset = b"".join(b'<!ATTLIST a%d b CDATA "%s">\n' % (i, b"x" * 60) for i in range(1000))
    with pytest.raises(HostileXmlError) as err:
        parse_xml_bytes(_doctype_document(subset))
    assert err.value.check == "doctype_too_large"
    parse_xml_bytes(_doctype_document(b'<!ATTLIST a b CDATA "x">\n'))  # a small one still parses


# --- realistic sizes, in a child process --------------------------------------------------------

_MEASURE = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": proc.returncode, "out": proc.stdout[:2000], "err": proc.stderr,
                  "peak_mib": peak_kib / 1024}))
"""


def _inspect_in_child(path: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    """``patent-sync inspect PATH`` in a grandchild whose own peak RSS is measured alone."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "patent_sync.cli", "inspect"]
    environment = {**os.environ, **(env or {})}
    for name in list(environment):
        if name.startswith("PATENT_SYNC_MAX") or name.startswith("PATENT_SYNC_RATIO"):
            environment.pop(name)  # the defaults, as a user runs it
    result = subprocess.run(
        [*command, str(path)], capture_output=True, text=True, env=environment, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _write_big_zip(path: Path, size: int, method: int, level: int | None = None) -> None:
    """One document of ``size`` bytes, streamed into a zip (never held in memory)."""
    line = b"<p>" + b"claim text " * 90 + b"</p>\n"  # about 1 KiB, highly compressible
    block = line * 1024
    with (
        zipfile.ZipFile(path, "w", compression=method, compresslevel=level) as archive,
        archive.open("ipg261110.xml", "w", force_zip64=True) as member,
    ):
        member.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<us-patent-grant>\n')
        for _ in range(size // len(block)):
            member.write(block)
        member.write(b"</us-patent-grant>\n")


def test_realistic_zip_bomb_300mb_document_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    archive = tmp_path / "ipg261110.zip"
    _write_big_zip(archive, 300 * MIB, zipfile.ZIP_DEFLATED, 9)  # about 350:1
    assert archive.stat().st_size < 10 * MIB
    result = _inspect_in_child(archive)
    assert result["code"] == 2 and result["out"] == ""
    err = str(result["err"])
    assert err.count("\n") == 1 and "Traceback" not in err and "zip bomb" in err
    assert float(result["peak_mib"]) < 400, result


def test_realistic_300mb_document_is_quarantined_in_bounded_memory(tmp_path: Path) -> None:
    # Stored, not compressed: the zip passes the ratio check and the splitter meets the
    # document itself, with the default 64 MiB record limit.
    archive = tmp_path / "ipg261110.zip"
    _write_big_zip(archive, 300 * MIB, zipfile.ZIP_STORED)
    result = _inspect_in_child(archive)
    err = str(result["err"])
    assert result["code"] == 1, result
    (line,) = [json.loads(line) for line in str(result["out"]).splitlines()]
    assert line["failed_checks"] == ["document_too_large"]
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "more than the 64 MiB a document may have" in err
    assert float(result["peak_mib"]) < 400, result
