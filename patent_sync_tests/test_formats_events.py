"""Event formats in the format registry, on the recorded responses, and ``inspect`` of them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from patent_sync.cli.errors import CliError
from patent_sync.cli.inspect_events import inspect_event_file
from patent_sync.formats import registry
from patent_sync.formats.base import EventFormat
from patent_sync.formats.events import (
    EP_REGISTER,
    EVENT_FORMATS,
    INPADOC_LEGAL,
    USPTO_ODP_TRANSACTIONS,
)
from patent_sync.parsing.errors import UnknownFormatError

OPS = "epo_ops/patent-dev"

BARE_SAMPLES = [
    ("uspto_odp/patent-dev/get_patent_transactions/response.json", USPTO_ODP_TRANSACTIONS),
    ("uspto_odp/patent-dev/get_patent_continuity/response.json", USPTO_ODP_TRANSACTIONS),
    (f"{OPS}/get_register_biblio/response.xml", EP_REGISTER),
    (f"{OPS}/get_register_events/response.xml", EP_REGISTER),
    (f"{OPS}/get_register_procedural_steps/response.xml", EP_REGISTER),
    (f"{OPS}/search_register/response.xml", EP_REGISTER),
    (f"{OPS}/get_legal/response.xml", INPADOC_LEGAL),
]

# (cassette, interaction index, format): vcrpy YAML, whose response body is the wire format
CASSETTE_SAMPLES = [
    ("uspto_odp/patent_client_v6/test_get_transactions.yaml", 0, USPTO_ODP_TRANSACTIONS),
    ("uspto_odp/patent_client_v6/test_get_one_app.yaml", 2, USPTO_ODP_TRANSACTIONS),
    ("uspto_odp/patent_client_v6/test_can_get_old_applications.yaml", 0, USPTO_ODP_TRANSACTIONS),
    ("wipo/test_can_get_pct_application.yaml", 0, USPTO_ODP_TRANSACTIONS),
    ("epo_ops/patent_client/legal/test_async_example.yaml", 0, INPADOC_LEGAL),
]

# OPS responses in the same envelope that are publications, not events
NOT_EVENTS = [
    f"{OPS}/get_biblio/response.xml",
    f"{OPS}/get_family/response.xml",
    f"{OPS}/search/response.xml",
]


def cassette_body(samples_dir: Path, relative: str, index: int, tmp_path: Path) -> Path:
    cassette = yaml.safe_load((samples_dir / relative).read_text())
    body = cassette["interactions"][index]["response"]["content"]
    suffix = ".xml" if body.lstrip().startswith("<") else ".json"
    path = tmp_path / f"{Path(relative).stem}-{index}{suffix}"
    path.write_text(body, encoding="utf-8")
    return path


def run_inspect(path: Path, fmt: EventFormat) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = inspect_event_file(path, fmt, out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


# --- detection ---------------------------------------------------------------------------------


def test_names_are_the_parsers_format_constants() -> None:
    from patent_sync.events import ep_register, inpadoc_legal, page_capture, uspto_odp

    assert [f.name for f in EVENT_FORMATS] == [
        uspto_odp.FORMAT,
        ep_register.FORMAT,
        inpadoc_legal.FORMAT,
        page_capture.FORMAT,
    ]
    assert all(f in registry.FORMATS for f in EVENT_FORMATS)
    assert all(registry.is_event_format(f) for f in EVENT_FORMATS)


@pytest.mark.parametrize(("relative", "expected"), BARE_SAMPLES)
def test_registry_detects_each_event_sample(
    samples_dir: Path, relative: str, expected: EventFormat
) -> None:
    assert registry.detect(samples_dir / relative) is expected


@pytest.mark.parametrize(("relative", "index", "expected"), CASSETTE_SAMPLES)
def test_registry_detects_cassette_bodies(
    samples_dir: Path, tmp_path: Path, relative: str, index: int, expected: EventFormat
) -> None:
    path = cassette_body(samples_dir, relative, index, tmp_path)
    assert registry.detect(path) is expected


@pytest.mark.parametrize("relative", NOT_EVENTS)
def test_ops_publication_responses_are_not_event_files(samples_dir: Path, relative: str) -> None:
    head = registry.read_head(samples_dir / relative)
    assert head.root_local_name == "world-patent-data"
    assert [f.name for f in EVENT_FORMATS if f.matches(head)] == []


def test_formats_exclude_each_other_on_every_sample(samples_dir: Path) -> None:
    for relative, expected in BARE_SAMPLES:
        head = registry.read_head(samples_dir / relative)
        assert [f for f in EVENT_FORMATS if f.matches(head)] == [expected], relative


def test_other_json_is_not_claimed(samples_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UnknownFormatError):
        registry.detect(samples_dir / "uspto_odp/patent-dev/get_status_codes/response.json")
    error_body = cassette_body(
        samples_dir, "uspto_odp/patent_client_v6/test_can_get_old_applications.yaml", 1, tmp_path
    )
    with pytest.raises(UnknownFormatError):
        registry.detect(error_body)


def test_register_namespace_is_matched_whatever_the_prefix(tmp_path: Path) -> None:
    path = tmp_path / "register.xml"
    path.write_text(
        '<?xml version="1.0"?><x:world-patent-data xmlns:x="http://ops.epo.org" '
        'xmlns:r="http://www.epo.org/register"><r:register-documents/></x:world-patent-data>'
    )
    assert registry.detect(path) is EP_REGISTER


def test_a_family_with_legal_events_is_legal(tmp_path: Path) -> None:
    path = tmp_path / "family-legal.xml"
    path.write_text(
        '<o:world-patent-data xmlns:o="http://ops.epo.org"><o:patent-family legal="true">'
        '<o:family-member><o:legal code="AK  "/></o:family-member></o:patent-family>'
        "</o:world-patent-data>"
    )
    assert registry.detect(path) is INPADOC_LEGAL
    path.write_text(path.read_text().replace('<o:legal code="AK  "/>', ""))
    assert not any(f.matches(registry.read_head(path)) for f in EVENT_FORMATS)


# --- inspect -----------------------------------------------------------------------------------


def test_inspect_odp_transactions_numbers_repeated_rows(samples_dir: Path, tmp_path: Path) -> None:
    path = cassette_body(
        samples_dir, "uspto_odp/patent_client_v6/test_get_transactions.yaml", 0, tmp_path
    )
    code, lines, summary = run_inspect(path, USPTO_ODP_TRANSACTIONS)
    assert code == 0
    assert {line["status"] for line in lines} == {"valid"}
    assert [line["position"] for line in lines] == list(range(len(lines)))
    idsc = [
        line["occurrence"]
        for line in lines
        if (line["source_code"], line["event_date"]) == ("IDSC", "2018-02-28")
    ]
    assert idsc == [1, 2]
    first = lines[0]
    assert first["application_key"] == "US-15123456"
    assert first["jurisdiction"] == "US"
    assert first["source"] == "uspto.odp.transactions"
    mailed = next(line for line in lines if line["source_code"] == "MCTNF")
    assert (mailed["event"], mailed["event_date"]) == ("office_action_non_final", "2018-03-14")
    assert summary.startswith(
        f"{path}: uspto-odp-transactions, {len(lines)} events: {len(lines)} valid, 0 quarantined; "
        "a prosecution-event file"
    )
    assert summary.count("\n") == 1


def test_inspect_keeps_file_order(samples_dir: Path) -> None:
    path = samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json"
    rows = json.loads(path.read_text())["patentFileWrapperDataBag"][0]["eventDataBag"]
    _, lines, _ = run_inspect(path, USPTO_ODP_TRANSACTIONS)
    assert [line["source_code"] for line in lines] == [row["eventCode"] for row in rows]


def test_unknown_codes_undated_items_and_warnings_are_quarantined_not_dropped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "legal.xml"
    path.write_text(
        """<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">
 <ops:patent-family><ops:family-member>
  <application-reference><document-id document-id-type="docdb">
   <country>EP</country><doc-number>19123456</doc-number><date>20190301</date>
  </document-id></application-reference>
  <ops:legal code="17Q " desc="FIRST EXAMINATION REPORT DESPATCHED">
   <ops:L007EP desc="Gazette DATE">2021-03-10</ops:L007EP>
  </ops:legal>
  <ops:legal code="XYZ9" desc="SOMETHING NEW"><ops:L007EP>2021-04-01</ops:L007EP></ops:legal>
  <ops:legal code="18D " desc="APPLICATION DEEMED TO BE WITHDRAWN"/>
 </ops:family-member></ops:patent-family>
</ops:world-patent-data>"""
    )
    code, lines, summary = run_inspect(path, INPADOC_LEGAL)
    assert code == 1
    assert [(line["status"], line.get("category")) for line in lines] == [
        ("valid", None),
        ("quarantined", "unknown_code"),
        ("quarantined", "schema_violation"),
    ]
    assert lines[1]["source_code"] == "XYZ9" and lines[1]["event_date"] == "2021-04-01"
    assert "not in the taxonomy" in lines[1]["detail"]
    assert "18D" in lines[2]["detail"] and "undated" in lines[2]["detail"]
    assert "epo-inpadoc-legal, 3 events: 1 valid, 2 quarantined; " in summary


def test_register_file_without_biblio_warns_as_a_quarantined_line(samples_dir: Path) -> None:
    path = samples_dir / OPS / "get_register_events/response.xml"
    code, lines, _ = run_inspect(path, EP_REGISTER)
    assert code == 1
    assert lines[-1]["status"] == "quarantined"
    assert lines[-1]["category"] == "schema_violation"
    assert "names only the publication" in lines[-1]["detail"]
    assert all(line["status"] == "valid" for line in lines[:-1])


def test_a_file_that_does_not_parse_is_one_parse_error_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"count": 1, "patentFileWrapperDataBag": [')
    code, lines, summary = run_inspect(path, USPTO_ODP_TRANSACTIONS)
    assert code == 1
    assert len(lines) == 1
    assert (lines[0]["status"], lines[0]["category"]) == ("quarantined", "parse_error")
    assert "not JSON" in lines[0]["detail"]
    assert "1 events: 0 valid, 1 quarantined" in summary


def test_an_unreadable_file_is_a_cli_error(tmp_path: Path) -> None:
    with pytest.raises(CliError) as caught:
        run_inspect(tmp_path / "missing.json", USPTO_ODP_TRANSACTIONS)
    assert caught.value.exit_code == 2
    assert "missing.json" in str(caught.value)
