"""Events with a code no table knows go to the event quarantine as ``unknown_code``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from patent_sync.audit import AuditLog
from patent_sync.audit.log import read_entries
from patent_sync.cli.main import main as cli_main
from patent_sync.docket.event_quarantine import list_quarantined_events
from patent_sync.docket.repository import load_events
from patent_sync.docket.service import record_batch, unaccounted_events
from patent_sync.events import taxonomy
from patent_sync.events.uspto_odp import parse_odp_transactions
from patent_sync.model import Event
from patent_sync.store.base import DocketStore
from patent_sync_tests.conftest import STRONG_AUDIT_KEY


def _odp(rows: list[tuple[str, str, str]]) -> bytes:
    return json.dumps(
        {
            "count": 1,
            "patentFileWrapperDataBag": [
                {
                    "applicationNumberText": "19200001",
                    "eventDataBag": [
                        {"eventCode": c, "eventDate": d, "eventDescriptionText": t}
                        for c, d, t in rows
                    ],
                }
            ],
        }
    ).encode()


ROWS = [
    ("ZZQX", "2026-10-02", "Mystery Workflow Step"),
    ("ZZQX", "2026-10-02", "Mystery Workflow Step"),  # an exact repeat: a second occurrence
    ("MCTNF", "2026-09-15", "Mail Non-Final Rejection"),
    ("CTNF", "2026-09-10", "Non-Final Rejection"),
]


def test_unknown_codes_are_quarantined_and_everything_is_accounted_for(
    store: DocketStore,
) -> None:
    events = parse_odp_transactions(_odp(ROWS)).events
    audit = AuditLog(store, STRONG_AUDIT_KEY)
    recording = record_batch(store, audit, events)
    assert (recording.parsed, recording.new, recording.quarantined) == (4, 2, 2)
    assert recording.newly_quarantined == 2 and recording.balanced
    assert {e.source_code for e in load_events(store, "US-19200001")} == {"MCTNF", "CTNF"}
    parked = list_quarantined_events(store)
    assert [(p.field, p.value, p.occurrence, p.category) for p in parked] == [
        ("eventCode", "ZZQX", 1, "unknown_code"),
        ("eventCode", "ZZQX", 2, "unknown_code"),
    ]
    assert parked[0].event_date == dt.date(2026, 10, 2)
    assert "eventCode 'ZZQX' (Mystery Workflow Step)" in parked[0].detail
    assert unaccounted_events(store, events) == []
    [entry] = [e for e in read_entries(store) if e.action == "events.quarantined"]
    assert entry.details["quarantined_events"] == 2

    again = record_batch(store, audit, events)
    assert (again.new, again.newly_quarantined, again.already_present) == (0, 0, 2)
    assert again.balanced and len(list_quarantined_events(store)) == 2


def test_every_source_is_quarantined_the_same_way(store: DocketStore) -> None:
    legal = Event(
        application_key="EP-19123456",
        jurisdiction="EP",
        source_code="ZZ9",
        event=taxonomy.OTHER,
        event_date=dt.date(2026, 3, 4),
        description="Something new",
        source="epo.ops.legal",
    )
    recording = record_batch(store, None, [legal])
    assert recording.quarantined == 1 and recording.balanced
    [parked] = list_quarantined_events(store)
    assert (parked.application_key, parked.field, parked.value) == (
        "EP-19123456",
        "legal/@code",
        "ZZ9",
    )


def test_quarantine_list_shows_events_with_field_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from patent_sync.store import open_store

    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    with open_store(url) as store:
        store.migrate()
        record_batch(store, None, parse_odp_transactions(_odp(ROWS)).events)
    assert cli_main(["quarantine", "list", "--store", url]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("ID\tLOAD\tSTATUS\tCATEGORY")
    first = lines[1].split("\t")
    assert first[:6] == ["event:1", "-", "open", "unknown_code", "US-19200001", "eventCode=ZZQX"]
    assert len(lines) == 3 and "2 quarantined event(s)" in err

    assert cli_main(["quarantine", "list", "--store", url, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["kind"], r["field"], r["value"], r["occurrence"]) for r in rows} == {
        ("event", "eventCode", "ZZQX", 1),
        ("event", "eventCode", "ZZQX", 2),
    }
    # Records of a load are listed by load: events belong to none.
    assert cli_main(["quarantine", "list", "--store", url, "--load", "1"]) == 0
    assert "event:" not in capsys.readouterr().out
