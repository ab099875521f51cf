"""The synthetic ODP transaction histories in ``data/events``: reproducible and realistic.

The committed files must be exactly what the generator writes (so anyone can regenerate and
review a change), every code in them must be one the taxonomy knows (an unknown code would make
the demo docket silently thinner), and the response shape must match a real recorded ODP
application record in ../shared/samples, so the demo exercises the parser on the real layout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from patent_sync.events import load_event_files, taxonomy
from patent_sync.samplegen.events import MATTERS, main, render, write_event_files

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_EVENTS = REPO_ROOT / "data" / "events"
REAL_APP_RECORD = "uspto_odp/patent_client_v6/test_get_one_app.yaml"


def _us_files() -> list[Path]:
    """The committed US files (``data/events`` also holds the EP matters' answers, which
    ``test_samplegen_ep_events`` checks)."""
    return sorted(DATA_EVENTS.glob("us-*-transactions.json"))


def _key_paths(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        paths = set()
        for key, child in value.items():
            paths.add(f"{prefix}{key}")
            paths |= _key_paths(child, f"{prefix}{key}.")
        return paths
    if isinstance(value, list):
        return set().union(*(_key_paths(item, f"{prefix}[].") for item in value))
    return set()


def test_regenerating_gives_identical_bytes_and_matches_the_committed_files(
    tmp_path: Path,
) -> None:
    first = write_event_files(tmp_path / "a")
    second = write_event_files(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    committed = [p.name for p in _us_files()]
    assert committed == sorted(p.name for p in first), "rerun samplegen.events --out data/events"
    for path in first:
        assert (DATA_EVENTS / path.name).read_bytes() == path.read_bytes(), path.name


def test_command_line_writes_the_files(tmp_path: Path, capsys) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(m.file_name for m in MATTERS)
    assert "US 19104217: pending" in capsys.readouterr().out


def test_rows_are_newest_first_with_known_codes_and_one_repeated_row() -> None:
    for matter in MATTERS:
        body = json.loads(render(matter))
        rows = body["patentFileWrapperDataBag"][0]["eventDataBag"]
        dates = [row["eventDate"] for row in rows]
        assert dates == sorted(dates, reverse=True), matter.application_number
        for row in rows:
            info = taxonomy.classify(taxonomy.USPTO_ODP_CODES, row["eventCode"])
            assert info.event != taxonomy.OTHER, row
    batch = load_event_files(_us_files())
    repeats = [e for e in batch.events if e.occurrence > 1]
    assert [(e.application_key, e.source_code, str(e.event_date)) for e in repeats] == [
        ("US-18622913", "IDSC", "2026-05-12")
    ]
    assert sum(len(m.events) for m in MATTERS) == len(batch.events)


def test_granted_matters_carry_patent_number_and_grant_date() -> None:
    batch = load_event_files(_us_files())
    granted = {k: v for k, v in batch.facts.items() if "grant_date" in v}
    assert sorted(granted) == ["US-17366480", "US-17512338"]
    assert all(v["patent_number"] for v in granted.values())


def test_shape_matches_a_real_odp_application_record(samples_dir: Path) -> None:
    import yaml

    cassette = yaml.safe_load((samples_dir / REAL_APP_RECORD).read_text())
    real = None
    for interaction in cassette["interactions"]:
        body = interaction["response"].get("content") or interaction["response"].get("body")
        text = body if isinstance(body, str) else json.dumps(body)
        if "applicationMetaData" in text:
            real = json.loads(text)
            break
    if real is None:
        pytest.fail(f"no application record in {REAL_APP_RECORD}")
    real_paths = _key_paths(real)
    for matter in MATTERS:
        ours = _key_paths(json.loads(render(matter)))
        assert ours <= real_paths, sorted(ours - real_paths)
