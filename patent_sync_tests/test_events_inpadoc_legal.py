"""INPADOC legal events against the recorded OPS responses."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import pytest
import yaml

from patent_sync.events import taxonomy
from patent_sync.events.inpadoc_legal import SOURCE, parse_inpadoc_legal


@pytest.fixture(scope="module")
def legal(samples_dir: Path):
    path = samples_dir / "epo_ops/patent-dev/get_legal/response.xml"
    return parse_inpadoc_legal(path.read_bytes())


def test_every_legal_event_is_kept_under_the_application(legal) -> None:
    assert len(legal.events) == 69
    assert {e.application_key for e in legal.events} == {"EP-10167109"}
    assert {e.source for e in legal.events} == {SOURCE}
    assert legal.facts["EP-10167109"]["filing_date"] == dt.date(2010, 6, 24)
    codes = collections.Counter(e.source_code for e in legal.events)
    assert codes["PG25"] == 32 and codes["AK"] == 2  # padding stripped: "AK  " → "AK"


def test_events_are_dated_by_the_gazette_date(legal) -> None:
    by_code = {e.source_code: e for e in legal.events}
    exam = by_code["17Q"]
    assert exam.event == taxonomy.EP_EXAMINATION_REPORT
    assert exam.event_date == dt.date(2017, 3, 8)  # L007EP, not L018EP/L019EP
    assert dict(exam.attributes)["effective_date"] == "2017-02-01"
    assert dict(exam.attributes)["trigger_date"] == "2017-02-01"
    assert by_code["INTG"].event_date == dt.date(2019, 7, 24)
    assert dict(by_code["INTG"].attributes)["trigger_date"] == "2019-06-27"
    assert by_code["GRAA"].event == taxonomy.EP_GRANT_DECIDED
    assert by_code["26N"].event == taxonomy.EP_NO_OPPOSITION_FILED


def test_designation_with_kind_b1_is_the_mention_of_grant(legal) -> None:
    ak = sorted((e.event_date, e.event) for e in legal.events if e.source_code == "AK")
    assert ak == [
        (dt.date(2011, 12, 28), taxonomy.EP_INFORMATIONAL),
        (dt.date(2019, 11, 27), taxonomy.EP_GRANT_MENTIONED),
    ]


def test_national_fees_and_lapses_keep_state_and_year(legal) -> None:
    fees = [e for e in legal.events if e.source_code == "PGFP"]
    assert len(fees) == 4
    fi = next(e for e in fees if dict(e.attributes)["state"] == "FI")
    assert fi.event == taxonomy.EP_NATIONAL_RENEWAL_FEE_PAID
    assert dict(fi.attributes)["year"] == "16"
    assert fi.event_date == dt.date(2025, 7, 8)
    assert fi.description.endswith("[FI]")
    lapse = next(e for e in legal.events if e.source_code == "PG25")
    assert lapse.event == taxonomy.EP_LAPSED_IN_STATE


def test_same_day_repeats_get_occurrences(legal) -> None:
    ric = [e for e in legal.events if e.source_code == "RIC1"]
    assert [e.occurrence for e in ric] == [1, 2]


def test_patent_client_cassette(samples_dir: Path) -> None:
    path = samples_dir / "epo_ops/patent_client/legal/test_async_example.yaml"
    body = yaml.safe_load(path.read_text())["interactions"][0]["response"]["content"]
    parsed = parse_inpadoc_legal(body.encode())
    assert {e.application_key for e in parsed.events} == {"EP-99203729"}
    assert len(parsed.events) == 50
    codes = collections.Counter(e.source_code for e in parsed.events)
    assert codes["PG25"] == 19 and codes["GRAH"] == 2
    exam = next(e for e in parsed.events if e.source_code == "17Q")
    assert exam.event_date == dt.date(2002, 6, 5)
    assert dict(exam.attributes)["trigger_date"] == "2002-04-23"


_MINIMAL = """<?xml version="1.0"?>
<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">
 <ops:patent-family><ops:family-member>
  <application-reference><document-id document-id-type="docdb">
   <country>EP</country><doc-number>12345678</doc-number><date>20200102</date>
  </document-id></application-reference>
  <ops:legal code="17Q " desc="FIRST EXAMINATION REPORT DESPATCHED">
   <ops:L007EP desc="Gazette DATE">2021-03-10</ops:L007EP>
  </ops:legal>
  <ops:legal code="XYZ9" desc="SOMETHING NEW"><ops:L007EP>2021-04-01</ops:L007EP></ops:legal>
  <ops:legal code="18D " desc="APPLICATION DEEMED TO BE WITHDRAWN"/>
 </ops:family-member></ops:patent-family>
</ops:world-patent-data>"""


def test_without_effective_date_the_gazette_date_is_flagged_as_recorded() -> None:
    parsed = parse_inpadoc_legal(_MINIMAL.encode())
    exam, unknown = parsed.events
    assert dict(exam.attributes)["date_precision"] == "recorded"
    assert "trigger_date" not in dict(exam.attributes)
    assert unknown.event == taxonomy.OTHER and unknown.source_code == "XYZ9"
    assert parsed.undated == ("EP-12345678 legal event 18D (no L007EP)",)
    assert all(isinstance(e.event_date, dt.date) for e in parsed.events)
