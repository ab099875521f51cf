"""The docket assets in Dagster: ``prosecution_events`` → ``docket_entries``.

The assets are materialized in process over the project's own sample event files (regenerated
into a temporary directory) and a fresh store on SQLite and, where a server is reachable,
PostgreSQL. What is checked is what a docketing clerk relies on: the exact entries with their
dates, statuses and reasons; that a second run changes nothing and audits nothing; that a
changed history is synced with an audited reason; and that every check reports what it should
(overdue entries, unhandled events, calendar caveats, events accounted for).
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from patent_sync.audit.log import read_entries
from patent_sync.cli.main import main as cli_main
from patent_sync.definitions import defs as build_defs
from patent_sync.defs.docket import (
    CALENDAR_WARNINGS,
    EVENTS_ACCOUNTED_FOR,
    NO_OPEN_DEADLINE_IN_THE_PAST,
    NO_UNHANDLED_EVENTS,
    docket_daily_schedule,
    docket_entries,
    prosecution_events,
)
from patent_sync.docket.repository import stored_entries
from patent_sync.model import DocketEntry
from patent_sync.resources import DocketStoreResource, EventFilesResource
from patent_sync.samplegen.events import MATTERS, transactions_response, write_event_files
from patent_sync.store import open_store
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

AUDIT_KEY = STRONG_AUDIT_KEY.hex()
AS_OF = dt.date(2026, 11, 21)
SAMPLE_EVENTS = 75  # rows in the six sample files, the repeated IDSC row included

# (matter, rule, stage, trigger date, due date, final date, status, status reason) for the
# sample matters, from the rules: 3 months (extendable to 6) from the mailing of an action,
# 3 months not extendable from the notice of allowance, 3.5/7.5/11.5 years from the grant with
# a 6-month surcharge grace period; weekends and federal holidays roll forward.
EXPECTED: list[tuple[str, str, str, str, str, str | None, str, str]] = [
    ("US-17366480", "us.oa_reply", "", "2022-01-13", "2022-04-13", "2022-07-13", "closed",
     "reply filed 2022-03-30 (A... Response after Non-Final Action)"),
    ("US-17366480", "us.issue_fee", "", "2022-04-28", "2022-07-28", None, "closed",
     "issue fee paid 2022-06-21"),
    ("US-17366480", "us.maintenance_fee", "3.5", "2022-08-16", "2026-02-17", "2026-08-17",
     "closed",
     "maintenance fee paid 2025-11-04 (M2551 Payment of Maintenance Fee, 4th Year, Small Entity)"),
    ("US-17366480", "us.maintenance_fee", "7.5", "2022-08-16", "2030-02-19", "2030-08-16",
     "open", "no closing event on file"),
    ("US-17366480", "us.maintenance_fee", "11.5", "2022-08-16", "2034-02-16", "2034-08-16",
     "open", "no closing event on file"),
    ("US-17366480", "us.reissue_broadening", "", "2022-08-16", "2024-08-16", None, "closed",
     "lapsed: no broadening reissue on file by 2024-08-16 (35 USC 251(d), a statutory bar)"),
    ("US-17512338", "us.issue_fee", "", "2023-01-20", "2023-04-20", None, "closed",
     "issue fee paid 2023-03-29"),
    ("US-17512338", "us.maintenance_fee", "3.5", "2023-05-16", "2026-11-16", "2027-05-17",
     "open", "no closing event on file"),
    ("US-17512338", "us.maintenance_fee", "7.5", "2023-05-16", "2030-11-18", "2031-05-16",
     "open", "no closing event on file"),
    ("US-17512338", "us.maintenance_fee", "11.5", "2023-05-16", "2034-11-16", "2035-05-16",
     "open", "no closing event on file"),
    ("US-17512338", "us.reissue_broadening", "", "2023-05-16", "2025-05-16", None, "closed",
     "lapsed: no broadening reissue on file by 2025-05-16 (35 USC 251(d), a statutory bar)"),
    ("US-18209775", "us.oa_reply", "", "2025-07-08", "2025-10-08", "2026-01-08", "closed",
     "closed: Abandonment for Failure to Respond to Office Action 2026-01-09 (ABN2)"),
    ("US-18441052", "us.oa_reply", "", "2025-05-02", "2025-08-04", "2025-11-03", "closed",
     "reply filed 2025-07-31 (A... Response after Non-Final Action)"),
    ("US-18441052", "us.issue_fee", "", "2026-10-01", "2027-01-04", None, "open",
     "no closing event on file"),
    ("US-18622913", "us.oa_reply", "", "2025-11-25", "2026-02-25", "2026-05-26", "closed",
     "reply filed 2026-02-24 (A... Response after Non-Final Action)"),
    ("US-18622913", "us.oa_reply", "", "2026-10-06", "2027-01-06", "2027-04-06", "open",
     "no closing event on file"),
    # The final rejection also opens the notice of appeal (37 CFR 41.31(a)(1)): same period.
    ("US-18622913", "us.notice_of_appeal", "", "2026-10-06", "2027-01-06", "2027-04-06", "open",
     "no closing event on file"),
    ("US-19104217", "us.oa_reply", "", "2026-09-15", "2026-12-15", "2027-03-15", "open",
     "no closing event on file"),
]  # fmt: skip


# ##### FIXTURES


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'docket.sqlite'}"


@pytest.fixture
def events_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "events"
    write_event_files(directory)
    return directory


def _materialize(
    store_url: str,
    events_dir: Path,
    as_of: dt.date | None = AS_OF,
    assets: list[Any] | None = None,
) -> dg.ExecuteInProcessResult:
    run_config = (
        {"ops": {"docket_entries": {"config": {"as_of": as_of.isoformat()}}}} if as_of else {}
    )
    return dg.materialize(
        assets or [prosecution_events, docket_entries],
        resources={
            "docket_store": DocketStoreResource(url=store_url, audit_key=AUDIT_KEY),
            "event_files": EventFilesResource(directory=str(events_dir)),
        },
        run_config=run_config,
        raise_on_error=False,
    )


def _md_counts(table: str) -> dict[str, int]:
    """``| status | entries |`` Markdown rows back into counts."""
    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    return {key.strip(): int(value) for key, value in rows}


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    [event] = [
        e
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey(asset)
    ]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _check(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    [evaluation] = [c for c in result.get_asset_check_evaluations() if c.check_name == name]
    return evaluation


def _check_metadata(evaluation: dg.AssetCheckEvaluation) -> dict[str, Any]:
    return {k: v.value for k, v in evaluation.metadata.items()}


def _entry_row(e: DocketEntry) -> tuple[str, str, str, str, str, str | None, str, str]:
    return (
        e.matter,
        e.rule,
        dict(e.params).get("stage", ""),
        e.trigger_date.isoformat(),
        e.due_date.isoformat(),
        e.final_date.isoformat() if e.final_date else None,
        e.status,
        e.status_reason,
    )


def _stored(store_url: str) -> tuple[list[DocketEntry], list[str]]:
    with open_store(store_url) as store:
        return stored_entries(store), [e.action for e in read_entries(store)]


def _odp_file(path: Path, app_no: str, events: list[tuple[str, str, str]]) -> None:
    """An ODP transactions response with hand-written (code, date, description) rows."""
    body = {
        "count": 1,
        "patentFileWrapperDataBag": [
            {
                "applicationNumberText": app_no,
                "applicationMetaData": {"filingDate": "2025-01-15", "applicationTypeCode": "UTL"},
                "eventDataBag": [
                    {"eventCode": c, "eventDate": d, "eventDescriptionText": t}
                    for c, d, t in events
                ],
            }
        ],
    }
    path.write_text(json.dumps(body, indent=2))


# ##### TESTS


def test_docket_entries_for_the_sample_matters_and_a_second_run_changes_nothing(
    store_url: str, events_dir: Path
) -> None:
    first = _materialize(store_url, events_dir)
    assert first.success
    events_meta = _metadata(first, "prosecution_events")
    assert (events_meta["files"], events_meta["matters"]) == (len(MATTERS), len(MATTERS))
    assert (events_meta["events"], events_meta["new_events"]) == (SAMPLE_EVENTS, SAMPLE_EVENTS)
    assert events_meta["already_present"] == 0
    assert (events_meta["unknown_codes"], events_meta["undated"]) == (0, 0)
    assert _check(first, EVENTS_ACCOUNTED_FOR).passed

    entries, actions = _stored(store_url)
    assert sorted(_entry_row(e) for e in entries) == sorted(EXPECTED)
    assert actions.count("docket.entry_created") == len(EXPECTED)
    assert actions.count("events.recorded") == len(MATTERS)

    docket_meta = _metadata(first, "docket_entries")
    assert docket_meta["as_of"] == "2026-11-21"
    assert docket_meta["open_entries"] == 9
    assert docket_meta["matters_with_open_entries"] == 5
    assert _md_counts(docket_meta["entries_by_status"]) == {"closed": 9, "open": 9}
    assert _md_counts(docket_meta["changes_by_action"]) == {"created": len(EXPECTED)}
    table = docket_meta["next_10_due"].splitlines()
    assert table[2].startswith("| 2026-12-15 | 2027-03-15 | US-19104217 | us.oa_reply |")
    assert table[3].startswith("| 2027-01-04 | - | US-18441052 | us.issue_fee |")
    assert len(table) == 2 + 8  # the overdue 4th-year fee is not "next": it is in the check

    second = _materialize(store_url, events_dir)
    assert second.success
    events_meta = _metadata(second, "prosecution_events")
    assert (events_meta["new_events"], events_meta["already_present"]) == (0, SAMPLE_EVENTS)
    assert _check(second, EVENTS_ACCOUNTED_FOR).passed
    assert _metadata(second, "docket_entries")["changes"] == 0
    assert _stored(store_url) == (entries, actions)  # no row changed, no audit entry appended


def test_overdue_entries_are_named_and_past_final_dates_counted(
    sqlite_url: str, events_dir: Path
) -> None:
    on_due_date = _materialize(sqlite_url, events_dir, as_of=dt.date(2026, 11, 16))
    assert _check(on_due_date, NO_OPEN_DEADLINE_IN_THE_PAST).passed

    day_after = _check(
        _materialize(sqlite_url, events_dir, as_of=dt.date(2026, 11, 17)),
        NO_OPEN_DEADLINE_IN_THE_PAST,
    )
    assert not day_after.passed
    assert day_after.severity == dg.AssetCheckSeverity.WARN
    meta = _check_metadata(day_after)
    assert (meta["overdue"], meta["past_final_date"]) == (1, 0)
    assert (
        "| US-17512338 | us.maintenance_fee | 3.5 | 2026-11-16 | 1 | 2027-05-17 |"
        in (meta["entries"])
    )
    assert "OVERDUE: 1 open entry" in day_after.description

    much_later = _check(
        _materialize(sqlite_url, events_dir, as_of=dt.date(2027, 3, 16)),
        NO_OPEN_DEADLINE_IN_THE_PAST,
    )
    meta = _check_metadata(much_later)
    # The 4th-year fee, both open replies and the issue fee are past due; the issue fee (not
    # extendable) and the reply whose 6-month limit ended 2027-03-15 are past their final dates.
    # ... and the notice of appeal beside the final rejection's reply entry is past due too.
    assert (meta["overdue"], meta["past_final_date"]) == (5, 2)
    assert meta["entries"].count("PAST FINAL DATE") == 2


def test_calendar_caveats_are_grouped_by_message(sqlite_url: str, events_dir: Path) -> None:
    assert _check(_materialize(sqlite_url, events_dir), CALENDAR_WARNINGS).passed
    # Two Office actions mailed 2026-09-24: both replies fall due on Christmas Eve 2026, a day
    # an executive order may yet close the Office.
    for number in ("19200002", "19200003"):
        _odp_file(
            events_dir / f"us-{number}-transactions.json",
            number,
            [("MCTNF", "2026-09-24", "Mail Non-Final Rejection")],
        )
    check = _check(_materialize(sqlite_url, events_dir), CALENDAR_WARNINGS)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    distinct = _check_metadata(check)["distinct"].splitlines()  # a Markdown table
    christmas_eve = next(row for row in distinct if "Christmas Eve" in row)
    assert christmas_eve.endswith(
        "| 2 | US-19200002 us.oa_reply 2026-09-24<br>US-19200003 us.oa_reply 2026-09-24 |"
    )


def test_unhandled_events_and_unknown_codes_are_listed(sqlite_url: str, events_dir: Path) -> None:
    _odp_file(
        events_dir / "us-19200001-transactions.json",
        "19200001",
        [
            ("ZZQX", "2026-10-02", "Mystery Workflow Step"),
            ("MCTRS", "2026-10-01", "Mail Restriction Requirement"),
        ],
    )
    result = _materialize(sqlite_url, events_dir)
    assert result.success
    check = _check(result, NO_UNHANDLED_EVENTS)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    meta = _check_metadata(check)
    [unhandled] = meta["unhandled_events"]
    assert unhandled.startswith("US-19200001 MCTRS 2026-10-01: ")
    assert "set in the action itself" in unhandled
    assert meta["unknown_codes"] == [
        "US-19200001 uspto.odp.transactions 'ZZQX' 'Mystery Workflow Step' x1"
    ]
    assert _metadata(result, "prosecution_events")["unknown_codes"] == 1


def test_a_new_event_closes_its_entry_with_an_audited_reason(
    sqlite_url: str, events_dir: Path
) -> None:
    assert _materialize(sqlite_url, events_dir).success
    matter = next(m for m in MATTERS if m.application_number == "19104217")
    body = transactions_response(matter)
    body["patentFileWrapperDataBag"][0]["eventDataBag"].insert(
        0,
        {
            "eventCode": "A...",
            "eventDate": "2026-11-20",
            "eventDescriptionText": "Response after Non-Final Action",
        },
    )
    (events_dir / matter.file_name).write_text(json.dumps(body, indent=2))

    result = _materialize(sqlite_url, events_dir)
    assert result.success
    assert _metadata(result, "prosecution_events")["new_events"] == 1
    assert _md_counts(_metadata(result, "docket_entries")["changes_by_action"]) == {"closed": 1}
    with open_store(sqlite_url) as store:
        [closed] = [e for e in read_entries(store) if e.action == "docket.entry_closed"]
    assert closed.subject == "docket:US-19104217|us.oa_reply|2026-09-15|"
    assert closed.details["reason"] == (
        "reply filed 2026-11-20 (A... Response after Non-Final Action)"
    )


def test_docket_entries_refuses_events_not_recorded_yet(sqlite_url: str, events_dir: Path) -> None:
    assert _materialize(sqlite_url, events_dir).success
    _odp_file(
        events_dir / "us-19200002-transactions.json",
        "19200002",
        [("MCTNF", "2026-11-03", "Mail Non-Final Rejection")],
    )
    alone = _materialize(sqlite_url, events_dir, assets=[docket_entries])
    assert not alone.success
    failure = alone.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "1 event(s) in the event files are not in the docket store" in failure.description
    entries, _ = _stored(sqlite_url)
    assert not [e for e in entries if e.matter == "US-19200002"]


def test_an_unreadable_file_fails_the_run_naming_it(sqlite_url: str, events_dir: Path) -> None:
    (events_dir / "broken.json").write_text('{"count": 1, "patentFileWrapperDataBag": [')
    (events_dir / "notes.txt").write_text("not an event file")
    result = _materialize(sqlite_url, events_dir)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "broken.json" in failure.description
    with open_store(sqlite_url) as store:
        store.migrate()
        assert list(read_entries(store)) == []  # nothing half-recorded


def test_ignored_files_are_reported(sqlite_url: str, events_dir: Path) -> None:
    (events_dir / "notes.txt").write_text("not an event file")
    (events_dir / ".DS_Store").write_bytes(b"\x00\x01")
    result = _materialize(sqlite_url, events_dir)
    assert result.success
    assert _metadata(result, "prosecution_events")["ignored_files"] == ["notes.txt"]


def test_missing_events_directory_is_a_clear_failure(sqlite_url: str, tmp_path: Path) -> None:
    result = _materialize(sqlite_url, tmp_path / "nowhere")
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "does not exist" in failure.description and "PATENT_SYNC_EVENTS_DIR" in (
        failure.description
    )


def test_bad_as_of_is_a_clear_failure(sqlite_url: str, events_dir: Path) -> None:
    result = dg.materialize(
        [prosecution_events, docket_entries],
        resources={
            "docket_store": DocketStoreResource(url=sqlite_url, audit_key=AUDIT_KEY),
            "event_files": EventFilesResource(directory=str(events_dir)),
        },
        run_config={"ops": {"docket_entries": {"config": {"as_of": "21/11/2026"}}}},
        raise_on_error=False,
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "'21/11/2026' is not a date" in failure.description


def test_cli_sync_after_the_assets_changes_nothing(
    sqlite_url: str, events_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # The CLI and the assets share patent_sync.docket.service: same files, same docket.
    assert _materialize(sqlite_url, events_dir).success
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", AUDIT_KEY)
    files = [str(p) for p in sorted(events_dir.iterdir())]
    code = cli_main(
        ["docket", *files, "--as-of", AS_OF.isoformat(), "--sync", "--store", sqlite_url]
    )
    assert code == 0
    assert "0 new event(s), 0 docket change(s)" in capsys.readouterr().err


def test_definitions_job_and_daily_schedule() -> None:
    defs = build_defs()
    job = defs.resolve_job_def("docket_job")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} >= {
        "prosecution_events",
        "docket_entries",
    }
    for asset in (prosecution_events, docket_entries):
        assert asset.partitions_def is None  # cross-office: unpartitioned
        assert asset.group_names_by_key[asset.key] == "docket"
    assert "event_files" in defs.resources

    tick = dt.datetime(2026, 11, 23, 7, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    request = docket_daily_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert request.run_config == {"ops": {"docket_entries": {"config": {"as_of": "2026-11-23"}}}}
    assert request.run_key == "docket-2026-11-23"
    assert docket_daily_schedule.cron_schedule == "0 7 * * *"


def test_events_not_accounted_for_fail_the_blocking_check(
    sqlite_url: str, events_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store that silently keeps only some events (the failure this check exists for).
    import patent_sync.docket.service as service

    real_record = service.record_events
    monkeypatch.setattr(
        service,
        "record_events",
        lambda store, audit, events: real_record(store, audit, events[:-3]),
    )
    result = _materialize(sqlite_url, events_dir)
    check = _check(result, EVENTS_ACCOUNTED_FOR)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    meta = _check_metadata(check)
    assert (meta["parsed"], meta["new"], meta["in_store_after"]) == (
        SAMPLE_EVENTS,
        SAMPLE_EVENTS - 3,
        SAMPLE_EVENTS - 3,
    )
    assert not result.success  # blocking: the docket is not built on unaccounted events
    assert not [
        e
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey("docket_entries")
    ]
