"""Format detection, the hardened XML settings, bad files, and the taxonomy tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from patent_sync.events import (
    EventParseError,
    detect_event_format,
    load_event_file,
    load_event_files,
    taxonomy,
)
from patent_sync.events.common import parse_xml

SAMPLE_FORMATS = [
    ("uspto_odp/patent-dev/get_patent_transactions/response.json", "uspto-odp-transactions"),
    ("epo_ops/patent-dev/get_register_procedural_steps/response.xml", "epo-register"),
    ("epo_ops/patent-dev/get_register_events/response.xml", "epo-register"),
    ("epo_ops/patent-dev/get_register_biblio/response.xml", "epo-register"),
    ("epo_ops/patent-dev/get_legal/response.xml", "epo-inpadoc-legal"),
]


@pytest.mark.parametrize(("relative", "expected"), SAMPLE_FORMATS)
def test_formats_are_detected_from_content(samples_dir: Path, relative: str, expected: str) -> None:
    assert detect_event_format((samples_dir / relative).read_bytes()) == expected


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("epo_ops/patent-dev/search/response.xml", "neither an EP Register response nor INPADOC"),
        ("uspto_odp/patent-dev/get_status_codes/response.json", "not a USPTO ODP transactions"),
        ("uspto_fulltext/US08930553.xml", "neither an EP Register response nor INPADOC"),
    ],
)
def test_other_office_files_are_refused_with_one_line(
    samples_dir: Path, relative: str, message: str
) -> None:
    with pytest.raises(EventParseError, match=message) as caught:
        load_event_file(samples_dir / relative)
    assert "\n" not in str(caught.value)
    assert relative.rsplit("/", 1)[-1] in str(caught.value)  # the message names the file


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(EventParseError, match="cannot read"):
        load_event_file(tmp_path / "missing.json")
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(EventParseError, match="empty file"):
        load_event_file(empty)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(EventParseError, match="not an event file"):
        load_event_file(text)
    broken = tmp_path / "broken.xml"
    broken.write_text("<a><b></a>")
    with pytest.raises(EventParseError, match="not well-formed XML"):
        load_event_file(broken)


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<r xmlns="http://www.epo.org/register">&x;</r>'
    ).encode()
    with pytest.raises(EventParseError) as caught:
        parse_xml(xxe)
    assert "TOP-SECRET" not in str(caught.value)


def test_billion_laughs_is_refused_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        b"]><l>&c;</l>"
    )
    with pytest.raises(EventParseError, match="entity"):
        parse_xml(bomb)


def test_loading_the_same_file_twice_adds_nothing(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE_FORMATS[0][0]
    once = load_event_files([path])
    twice = load_event_files([path, path])
    assert len(twice.events) == len(once.events) == 61


def test_every_odp_code_in_the_samples_is_in_the_taxonomy(samples_dir: Path) -> None:
    import yaml

    from patent_sync.events.uspto_odp import parse_odp_transactions

    bodies = [(samples_dir / SAMPLE_FORMATS[0][0]).read_bytes()]
    for name, index in (
        ("test_get_transactions.yaml", 0),
        ("test_get_one_app.yaml", 2),
        ("test_can_get_old_applications.yaml", 0),
    ):
        cassette = yaml.safe_load((samples_dir / "uspto_odp/patent_client_v6" / name).read_text())
        bodies.append(cassette["interactions"][index]["response"]["content"].encode())
    unknown = {
        e.source_code
        for body in bodies
        for e in parse_odp_transactions(body).events
        if e.event == taxonomy.OTHER
    }
    assert unknown == set()


def test_taxonomy_tables_only_use_declared_names() -> None:
    declared = {
        value
        for name, value in vars(taxonomy).items()
        if name.isupper() and isinstance(value, str) and name != "OTHER"
    }
    for source, table in taxonomy.all_tables().items():
        for code, info in table.items():
            assert info.event in declared, (source, code, info.event)
    assert taxonomy.classify(taxonomy.USPTO_ODP_CODES, "NOPE").event == taxonomy.OTHER
    # ABN9 looks like an abandonment but is the disposal of an RCE: it must not close anything
    assert taxonomy.USPTO_ODP_CODES["ABN9"].event not in taxonomy.TERMINAL_EVENTS
    # a lapse in one contracting state is national: it must not close the EP docket
    assert taxonomy.EP_LAPSED_IN_STATE not in taxonomy.TERMINAL_EVENTS
