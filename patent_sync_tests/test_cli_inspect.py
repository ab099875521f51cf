"""`patent-sync inspect FILE`: canonical JSON Lines for good records, categories for bad ones,
and a one-line error with a non-zero exit for unreadable or hostile input, never a traceback
and never a byte of a file an entity pointed at.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patent_sync.cli.main import main
from patent_sync.samplegen.demo import DEMO_WEEKS
from patent_sync.settings import PROJECT_ROOT

SECRET = "s3cr3t-from-a-local-file"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], str]:
    code = main(["inspect", *args])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert "Traceback" not in captured.err
    return code, lines, captured.err


def test_a_real_grant_prints_its_canonical_record(
    samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = _run(
        capsys, str(samples_dir / "uspto_fulltext" / "grant_us11646472b2_17248024.xml")
    )
    assert code == 0
    (line,) = lines
    assert line["status"] == "valid"
    doc = line["document"]
    assert doc["doc_key"] == "US-11646472-B2"
    assert doc["application_number"] == "17248024"
    assert doc["publication_date"] == "2023-05-09"
    assert doc["term_extension_days"] == 304
    assert "1 records: 1 valid, 0 quarantined" in err


def test_the_concatenated_layout_gives_one_line_per_document_in_order(
    samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = samples_dir / "uspto_fulltext" / "derived" / "ipa220728_excerpt_2docs.xml"
    code, lines, _ = _run(capsys, str(path))
    assert code == 0
    assert [line["document"]["doc_key"] for line in lines] == [
        "US-2022240350-A1",
        "US-2022240351-A1",
    ]


def test_a_demo_week_reports_every_record_with_its_category(
    capsys: pytest.CaptureFixture[str],
) -> None:
    week = next(w for w in DEMO_WEEKS if w.publication_date.isoformat() == "2026-11-19")
    path = PROJECT_ROOT / "data" / "uspto" / "ipa261119.zip"
    code, lines, err = _run(capsys, str(path))
    assert code == 1  # something was quarantined
    assert [line["position"] for line in lines] == list(range(week.count))
    quarantined = {line["position"] for line in lines if line["status"] == "quarantined"}
    assert quarantined == set(week.defects)
    assert f"{week.count} records" in err


def test_an_external_entity_is_refused_without_reading_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    hostile = tmp_path / "US-xxe.xml"
    hostile.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE us-patent-grant [ <!ENTITY leak SYSTEM "file://{secret}"> ]>\n'
        '<us-patent-grant lang="EN" dtd-version="v4.7 2022-02-17">'
        "<us-bibliographic-data-grant><invention-title>&leak;</invention-title>"
        "</us-bibliographic-data-grant></us-patent-grant>\n"
    )
    code = main(["inspect", str(hostile)])
    captured = capsys.readouterr()
    assert code == 1
    assert SECRET not in captured.out + captured.err
    assert "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "entit" in captured.err


def test_billion_laughs_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE us-patent-grant [<!ENTITY l0 "lol">{entities}]>\n'
        '<us-patent-grant lang="EN" dtd-version="v4.7 2022-02-17">&l9;</us-patent-grant>\n'
    )
    code = main(["inspect", str(bomb)])
    captured = capsys.readouterr()
    assert code != 0
    assert "lollol" not in captured.out + captured.err
    assert len(captured.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not XML"),
        (
            b'<?xml version="1.0"?>\n<ops:world-patent-data xmlns:ops="http://ops.epo.org"/>',
            "not a format patent_sync reads",
        ),
    ],
)
def test_unreadable_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "input.xml"
    path.write_bytes(content)
    code = main(["inspect", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("patent-sync inspect: error:")
    assert message in line


def test_a_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(tmp_path / "nope.zip")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_inspect_reads_a_docdb_delivery_with_deletes_and_quarantine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = PROJECT_ROOT / "data" / "epo_docdb" / "docdb_xml_202647_CreateDelete_001.zip"
    code = main(["inspect", str(path)])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 1  # the sample carries a labelled unknown kind code
    assert [line["position"] for line in lines] == list(range(len(lines)))
    deletes = [line["doc_key"] for line in lines if line.get("change") == "delete"]
    assert deletes == ["EP-4100030-B1", "WO-2026230000-A1"]
    (bad,) = [line for line in lines if line["status"] == "quarantined"]
    assert (bad["doc_key"], bad["category"]) == ("EP-4720009-A7", "unknown_code")
    summary = captured.err.strip()
    assert "epo.docdb (docdb_create_delete profile)" in summary
    assert f"{len(lines)} records" in summary and "2 deletes" in summary


def test_inspect_refuses_a_hostile_docdb_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = tmp_path / "docdb_xml_202646_CreateDelete_001.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE exch:exchange-documents [<!ENTITY x SYSTEM '
        f'"file://{secret}">]><exch:exchange-documents xmlns:exch="http://www.epo.org/exchange">'
        '<exch:exchange-document country="EP" doc-number="1" kind="A1">&x;'
        "</exch:exchange-document></exch:exchange-documents>"
    )
    code = main(["inspect", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    (line,) = captured.err.strip().splitlines()
    assert "entit" in line and "TOP-SECRET" not in captured.out + captured.err
    external = tmp_path / "other.xml"
    external.write_text(
        '<?xml version="1.0"?><!DOCTYPE exch:exchange-documents SYSTEM "http://evil.example/x.dtd">'
        '<exch:exchange-documents xmlns:exch="http://www.epo.org/exchange"/>'
    )
    assert main(["inspect", str(external)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "DTD" in line or "dtd" in line


def test_inspect_reads_an_event_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = next((PROJECT_ROOT / "data" / "events").glob("us-*-transactions.json"))
    code = main(["inspect", str(path)])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code in (0, 1) and lines
    assert {"source_code", "event_date", "occurrence"} <= set(lines[0])
    assert "uspto-odp-transactions" in captured.err
