"""Hostile prosecution-event files through ``docket``, ``export ics`` and ``inspect``.

Whatever an event file holds, a person gets either one line on stderr (exit status 2 for
``docket`` and ``export ics``) or, from ``inspect``, a quarantine row: never a traceback, and
never an identifier that could forge a line of a report or of a calendar.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from patent_sync.cli.main import main
from patent_sync.events import EventParseError, parse_event_bytes

ODP: dict[str, object] = {
    "count": 1,
    "patentFileWrapperDataBag": [
        {
            "applicationNumberText": "17366480",
            "applicationMetaData": {
                "filingDate": "2021-07-02",
                "applicationTypeCode": "UTL",
                "entityStatusData": {"businessEntityStatusCategory": "Small"},
                "patentNumber": "11418217",
                "grantDate": "2022-08-16",
            },
            "eventDataBag": [
                {
                    "eventCode": "CTNF",
                    "eventDate": "2025-03-14",
                    "eventDescriptionText": "Non-Final Rejection",
                }
            ],
        }
    ],
}

REGISTER = """<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data xmlns:ops="http://ops.epo.org" xmlns:reg="http://www.epo.org/register">
<reg:register-documents><reg:register-document>
<reg:bibliographic-data>
<reg:application-reference><reg:document-id><reg:country>EP</reg:country>
<reg:doc-number>{number}</reg:doc-number><reg:date>20100624</reg:date></reg:document-id>
</reg:application-reference>
</reg:bibliographic-data>
<reg:procedural-data><reg:procedural-step id="S1">
<reg:procedural-step-code>EXRE</reg:procedural-step-code>
<reg:procedural-step-text step-text-type="STEP_DESCRIPTION">Examination report
</reg:procedural-step-text>
<reg:time-limit time-limit-unit="months">{months}</reg:time-limit>
<reg:procedural-step-date step-date-type="DATE_OF_DISPATCH"><reg:date>20240105</reg:date>
</reg:procedural-step-date>
</reg:procedural-step></reg:procedural-data>
</reg:register-document></reg:register-documents>
</ops:world-patent-data>
"""

LEGAL = """<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">
<ops:patent-family><ops:family-member>
<application-reference><document-id document-id-type="docdb">
<country>{country}</country><doc-number>{number}</doc-number><date>20100624</date>
</document-id></application-reference>
<ops:legal code="17P " desc="REQUEST FOR EXAMINATION FILED">
<ops:L007EP>20120104</ops:L007EP><ops:L525EP>20111104</ops:L525EP>
</ops:legal>
</ops:family-member></ops:patent-family>
</ops:world-patent-data>
"""


def _odp(change: Callable[[dict], None]) -> bytes:
    body = copy.deepcopy(ODP)
    change(body["patentFileWrapperDataBag"][0])  # type: ignore[index]
    return json.dumps(body).encode()


def _set(path: str, value: object) -> Callable[[dict], None]:
    def change(wrapper: dict) -> None:
        *parents, last = path.split(".")
        target = wrapper
        for name in parents:
            target = target[name] if not name.isdigit() else target[int(name)]
        target[last if not last.isdigit() else int(last)] = value

    return change


HOSTILE: dict[str, tuple[bytes, str]] = {
    "newline in the application number": (
        _odp(_set("applicationNumberText", "17366480\nX-INJECTED:1")),
        "is not a valid US application number",
    ),
    "bidi override in the application number": (
        _odp(_set("applicationNumberText", "1736\u202e6480")),
        "is not a valid US application number",
    ),
    "application number that is an object": (
        _odp(_set("applicationNumberText", {"a": 1})),
        "is not a valid US application number",
    ),
    "over-long application number": (
        _odp(_set("applicationNumberText", "1" * 10_000)),
        "is not a valid US application number",
    ),
    "JSON nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "nested more than 64 levels"),
    "JSON nested 100,000 deep inside an ODP body": (
        b'{"patentFileWrapperDataBag": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested more than 64 levels",
    ),
    "JSON nested 70 deep": (
        _odp(_set("applicationMetaData.deep", json.loads("[" * 70 + "]" * 70))),
        "nested more than 64 levels",
    ),
    "integer longer than Python converts": (
        b'{"patentFileWrapperDataBag": [], "count": ' + b"9" * 5000 + b"}",
        "not JSON",
    ),
    "newline in an event code": (
        _odp(_set("eventDataBag.0.eventCode", "CTNF\nunhandled: forged")),
        "is not an event code",
    ),
    "event code that is a list": (_odp(_set("eventDataBag.0.eventCode", [1])), "not a string"),
    "event date that is a number": (
        _odp(_set("eventDataBag.0.eventDate", 20250314)),
        "is not a date",
    ),
    "event date in the year 9999": (
        _odp(_set("eventDataBag.0.eventDate", "9999-12-31")),
        "not a plausible date",
    ),
    "eventDataBag that is a number": (_odp(_set("eventDataBag", 5)), "is not a list"),
    "applicationMetaData that is a list": (
        _odp(_set("applicationMetaData", [1, 2])),
        "is not an object",
    ),
    "entityStatusData that is a string": (
        _odp(_set("applicationMetaData.entityStatusData", "Small")),
        "is not an object",
    ),
    "Register application number with letters": (
        REGISTER.format(number="1016A7109", months="4").encode(),
        "is not a valid EP application number",
    ),
    "Register time limit that is not a number": (
        REGISTER.format(number="10167109", months="four").encode(),
        "is not a number of months",
    ),
    "Register time limit of a billion months": (
        REGISTER.format(number="10167109", months="999999999").encode(),
        "is not a number of months",
    ),
    "INPADOC country that is not a country": (
        LEGAL.format(country="E P", number="10167109").encode(),
        "is not a two-letter code",
    ),
    "INPADOC number with a space": (
        LEGAL.format(country="EP", number="1016 7109").encode(),
        "is not a valid EP application number",
    ),
    "XML nested 100,000 deep": (
        REGISTER.format(number="10167109", months="4")
        .replace("<reg:register-documents>", "<x>" * 100_000 + "<reg:register-documents>")
        .replace("</ops:world", "</x>" * 100_000 + "</ops:world")
        .encode(),
        "nested more than 256 deep",
    ),
    "DOCTYPE of 70 KiB declaring entities": (
        REGISTER.format(number="10167109", months="4")
        .replace(
            "<ops:world-patent-data",
            "<!DOCTYPE ops:world-patent-data [\n"
            + "".join(f'<!ENTITY e{i} "{"x" * 60}">\n' for i in range(900))
            + "]>\n<ops:world-patent-data",
            1,
        )
        .encode(),
        "the DOCTYPE declares entities",
    ),
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(params=sorted(HOSTILE), ids=lambda name: name.replace(" ", "-"))
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    data, message = HOSTILE[request.param]
    path = tmp_path / ("events.json" if data.lstrip()[:1] in (b"{", b"[") else "events.xml")
    path.write_bytes(data)
    return path, message


def _assert_one_line(code: int, out: str, err: str, message: str) -> None:
    assert "Traceback" not in err
    assert code == 2 and out == "", (code, err)
    assert err.count("\n") == 1 and message in err, err


def test_docket_refuses_in_one_line(hostile: tuple[Path, str], capsys) -> None:
    path, message = hostile
    _assert_one_line(*_run(["docket", str(path), "--as-of", "2025-09-01"], capsys), message)


def test_export_ics_refuses_in_one_line(hostile: tuple[Path, str], tmp_path: Path, capsys) -> None:
    path, message = hostile
    out_file = tmp_path / "docket.ics"
    argv = ["export", "ics", str(path), "--out", str(out_file), "--as-of", "2025-09-01"]
    _assert_one_line(*_run(argv, capsys), message)
    assert not out_file.exists()


def test_inspect_gives_one_line_or_a_quarantine_row(hostile: tuple[Path, str], capsys) -> None:
    path, message = hostile
    code, out, err = _run(["inspect", str(path)], capsys)
    assert "Traceback" not in err and err.count("\n") == 1, err
    if code == 2:  # not recognised as an event file at all: the reason, in one line
        assert out == ""
        return
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(row["status"] == "quarantined" for row in rows), rows
    assert any(message in row["detail"] for row in rows), rows


def test_control_characters_in_descriptions_are_replaced_and_the_calendar_is_written(
    tmp_path: Path, capsys
) -> None:
    data = _odp(_set("eventDataBag.0.eventDescriptionText", "Non-Final\nRejection\x1b[31m"))
    (event,) = parse_event_bytes(data).events
    assert event.description == "Non-Final Rejection [31m"
    path = tmp_path / "us.json"
    path.write_bytes(data)
    out_file = tmp_path / "docket.ics"
    code, _, err = _run(
        ["export", "ics", str(path), "--out", str(out_file), "--as-of", "2025-04-01"], capsys
    )
    assert code == 0 and "Traceback" not in err and out_file.read_bytes().startswith(b"BEGIN")


def test_a_valid_file_still_loads() -> None:
    parsed = parse_event_bytes(json.dumps(ODP).encode())
    assert [e.application_key for e in parsed.events] == ["US-17366480"]
    assert parse_event_bytes(REGISTER.format(number="10167109", months="4").encode()).events
    legal = parse_event_bytes(LEGAL.format(country="EP", number="10167109").encode())
    assert [e.application_key for e in legal.events] == ["EP-10167109"]


def test_an_event_file_larger_than_the_limit_is_refused_unread(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("PATENT_SYNC_MAX_EVENT_FILE_BYTES", "1KiB")
    path = tmp_path / "big.json"
    path.write_bytes(_odp(_set("eventDataBag.0.eventDescriptionText", "x" * 2000)))
    code, out, err = _run(["docket", str(path)], capsys)
    _assert_one_line(code, out, err, "larger than the 1 KiB an event file may have")
    with pytest.raises(EventParseError, match="PATENT_SYNC_MAX_EVENT_FILE_BYTES"):
        parse_event_bytes(path.read_bytes())
