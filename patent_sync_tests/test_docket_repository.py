"""Persisting events and docket entries: idempotent, every change audited, on both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from patent_sync.audit import AuditLog
from patent_sync.docket.engine import CLOSED, OPEN, build_docket, entry_key
from patent_sync.docket.repository import (
    WITHDRAWN_REASON,
    load_events,
    open_entries,
    record_events,
    stored_entries,
    sync_docket,
)
from patent_sync.events import event_key, load_event_files, taxonomy
from patent_sync.model import Event

KEY = b"k" * 32
AS_OF = dt.date(2025, 9, 1)
US = "US-17248024"


def audit_actions(audit: AuditLog) -> list[str]:
    return [entry.action for entry in audit.entries()]


@pytest.fixture(scope="module")
def us_batch(samples_dir: Path):
    return load_event_files(
        [samples_dir / "uspto_odp/patent-dev/get_patent_transactions/response.json"]
    )


def test_events_are_recorded_once_duplicates_included(store, samples_dir: Path) -> None:
    import yaml

    from patent_sync.events.uspto_odp import parse_odp_transactions

    path = samples_dir / "uspto_odp/patent_client_v6/test_get_transactions.yaml"
    body = yaml.safe_load(path.read_text())["interactions"][0]["response"]["content"]
    events = parse_odp_transactions(body).events
    audit = AuditLog(store, KEY)
    assert record_events(store, audit, events) == 43  # both IDSC rows of 2018-02-28 kept
    assert record_events(store, audit, events) == 0
    assert audit_actions(audit) == ["events.recorded"]
    stored = load_events(store, "US-15123456")
    assert sorted(map(event_key, stored)) == sorted(map(event_key, events))
    idsc = [e for e in stored if e.source_code == "IDSC" and e.event_date == dt.date(2018, 2, 28)]
    assert [e.occurrence for e in idsc] == [1, 2]


def test_sync_creates_then_rerun_writes_nothing(store, us_batch) -> None:
    audit = AuditLog(store, KEY)
    entries = build_docket(us_batch.events, matter_facts=us_batch.facts, as_of=AS_OF)
    report = sync_docket(store, audit, US, entries)
    # issue fee, three maintenance fees, the missing-parts reply (INCD) and the reissue window
    assert report.count("created") == 6
    assert audit_actions(audit) == ["docket.entry_created"] * 6
    first = audit.entries().__next__()
    assert first.subject.startswith(f"docket:{US}|")
    assert stored_entries(store, US) == sorted(
        entries, key=lambda e: (e.matter, e.due_date, e.rule, entry_key(e))
    )

    again = sync_docket(store, audit, US, entries)
    assert again.changes == ()
    assert len(audit_actions(audit)) == 6
    assert [dict(e.params)["stage"] for e in open_entries(store, US)] == ["3.5", "7.5", "11.5"]
    assert audit.verify().ok


def test_a_closing_event_is_written_with_its_reason(store, us_batch) -> None:
    audit = AuditLog(store, KEY)
    sync_docket(
        store, audit, US, build_docket(us_batch.events, matter_facts=us_batch.facts, as_of=AS_OF)
    )
    paid = Event(
        application_key=US,
        jurisdiction="US",
        source_code="M1551",
        event=taxonomy.MAINTENANCE_FEE_PAID,
        event_date=dt.date(2026, 10, 1),
        description="Payment of Maintenance Fee, 4th Year, Large Entity",
        source="uspto.odp.transactions",
        attributes=(("stage", "3.5"),),
    )
    entries = build_docket([*us_batch.events, paid], matter_facts=us_batch.facts, as_of=AS_OF)
    report = sync_docket(store, audit, US, entries)
    (change,) = report.changes
    assert change.action == "closed" and change.reason.startswith("maintenance fee paid 2026-10-01")
    last = list(audit.entries())[-1]
    assert last.action == "docket.entry_closed"
    assert last.details["previous"]["status"] == OPEN
    assert last.details["reason"].startswith("maintenance fee paid 2026-10-01")
    assert [dict(e.params)["stage"] for e in open_entries(store, US)] == ["7.5", "11.5"]


def test_recomputed_and_withdrawn_entries_are_audited(store, us_batch) -> None:
    audit = AuditLog(store, KEY)
    entries = build_docket(us_batch.events, matter_facts=us_batch.facts, as_of=AS_OF)
    sync_docket(store, audit, US, entries)
    moved = [
        dataclasses.replace(e, due_date=e.due_date + dt.timedelta(days=1))
        if dict(e.params).get("stage") == "3.5"
        else e
        for e in entries
        if dict(e.params).get("stage") != "11.5"
    ]
    report = sync_docket(store, audit, US, moved)
    assert sorted(c.action for c in report.changes) == ["recomputed", "withdrawn"]
    recomputed = next(c for c in report.changes if c.action == "recomputed")
    assert "2026-11-09 -> 2026-11-10" in recomputed.reason
    rows = {entry_key(e): e for e in stored_entries(store, US)}
    gone = next(e for e in rows.values() if dict(e.params).get("stage") == "11.5")
    assert (gone.status, gone.status_reason) == (CLOSED, WITHDRAWN_REASON)
    assert audit_actions(audit)[-2:] == ["docket.entry_recomputed", "docket.entry_withdrawn"]


def test_entries_of_another_matter_are_refused(store, us_batch) -> None:
    entries = build_docket(us_batch.events, matter_facts=us_batch.facts, as_of=AS_OF)
    with pytest.raises(ValueError, match="other matters"):
        sync_docket(store, AuditLog(store, KEY), "US-1", entries)
