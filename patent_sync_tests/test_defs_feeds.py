"""The Dagster code location: what it defines, how partitions map to publication dates, and
that `dagster definitions validate` accepts it.

The partition pitfall (DESIGN.md, dagster-style notes): a weekly partition is keyed by the start
of its window, so without `end_offset=1` Tuesday's schedule would materialize last week's file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from patent_sync.definitions import defs as build_defs
from patent_sync.defs.feeds import first_offered_week, weekly_partitions
from patent_sync.feeds import FEEDS
from patent_sync.feeds.uspto import US_APPLICATIONS, US_GRANTS
from patent_sync.settings import Settings

NEW_YORK = ZoneInfo("America/New_York")
US_GRANTS_WEEKLY = weekly_partitions(US_GRANTS)
US_APPLICATIONS_WEEKLY = weekly_partitions(US_APPLICATIONS)
FEED_ASSETS = ("raw", "normalized", "validated", "quarantine", "docket")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_defs()


def test_every_feed_asset_is_defined_with_its_weekly_partitions(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for feed in FEEDS:
        for layer in FEED_ASSETS:
            key = dg.AssetKey(f"{feed.name}_{layer}")
            assert key.to_user_string() in keys
            offered = first_offered_week(feed, Settings.from_env())
            assert graph.get(key).partitions_def == weekly_partitions(feed, offered)
            assert graph.get(key).group_name == feed.name


def test_lineage_runs_raw_to_docket(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    parents = {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert parents["us_grants_normalized"] == {"us_grants_raw"}
    assert parents["us_grants_validated"] == {"us_grants_normalized"}
    assert parents["us_grants_quarantine"] == {"us_grants_normalized"}
    assert parents["us_grants_docket"] == {"us_grants_validated", "us_grants_quarantine"}


def test_reconciliation_checks_are_named(defs: dg.Definitions) -> None:
    check_keys = {
        (key.asset_key.to_user_string(), key.name)
        for key in defs.resolve_asset_graph().asset_check_keys
    }
    for feed in (f.name for f in FEEDS):
        assert (f"{feed}_normalized", "records_accounted_for") in check_keys
        assert (f"{feed}_validated", "valid_plus_quarantined_equals_input") in check_keys
        assert (f"{feed}_quarantine", "quarantine_rate_below_threshold") in check_keys
        assert (f"{feed}_docket", "docket_reconciles_with_validated") in check_keys


@pytest.mark.parametrize(
    ("partitions", "now", "newest"),
    [
        # Tuesday morning, after midnight Eastern: that day's grant file is the newest key.
        (US_GRANTS_WEEKLY, dt.datetime(2026, 11, 17, 9, tzinfo=NEW_YORK), "2026-11-17"),
        # Monday: the newest grant file is still the previous Tuesday's.
        (US_GRANTS_WEEKLY, dt.datetime(2026, 11, 16, 23, tzinfo=NEW_YORK), "2026-11-10"),
        (US_APPLICATIONS_WEEKLY, dt.datetime(2026, 11, 19, 9, tzinfo=NEW_YORK), "2026-11-19"),
        (US_APPLICATIONS_WEEKLY, dt.datetime(2026, 11, 18, 9, tzinfo=NEW_YORK), "2026-11-12"),
    ],
)
def test_partition_key_is_the_publication_date(
    partitions: dg.WeeklyPartitionsDefinition, now: dt.datetime, newest: str
) -> None:
    keys = partitions.get_partition_keys(current_time=now)
    assert keys[-1] == newest
    assert all(
        dt.date.fromisoformat(k).weekday() == dt.date.fromisoformat(newest).weekday() for k in keys
    )


@pytest.mark.parametrize(
    ("schedule_name", "cron", "tick", "expected_key"),
    [
        ("us_grants_weekly_schedule", "0 9 * * 2", dt.datetime(2026, 11, 17, 9), "2026-11-17"),
        (
            "us_applications_weekly_schedule",
            "0 9 * * 4",
            dt.datetime(2026, 11, 19, 9),
            "2026-11-19",
        ),
        ("docdb_amend_weekly_schedule", "0 10 * * 2", dt.datetime(2026, 11, 17, 10), "2026-11-17"),
        (
            "docdb_create_delete_weekly_schedule",
            "0 10 * * 4",
            dt.datetime(2026, 11, 19, 10),
            "2026-11-19",
        ),
    ],
)
def test_schedule_tick_requests_that_days_file(
    defs: dg.Definitions, schedule_name: str, cron: str, tick: dt.datetime, expected_key: str
) -> None:
    schedule = defs.resolve_schedule_def(schedule_name)
    feed = next(f for f in FEEDS if schedule_name.startswith(f"{f.name}_weekly"))
    assert schedule.cron_schedule == cron
    assert schedule.execution_timezone == feed.timezone
    # The context is closed with its block: left open, it keeps Dagster's current state storage
    # pointing at this instance after the instance is gone, and later materializations fail.
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=tick.replace(tzinfo=ZoneInfo(feed.timezone)),
        ) as context,
    ):
        (request,) = schedule.evaluate_tick(context).run_requests or []
    assert request.partition_key == expected_key


def test_dagster_definitions_validate_passes(tmp_path: Path) -> None:
    """The CLI check CI and deployments run; it must load without any secret set."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PATENT_SYNC_AUDIT_KEY", "USPTO_ODP_API_KEY")
    }
    env["DAGSTER_HOME"] = str(home)
    root = Path(__file__).resolve().parent.parent
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", str(root / "workspace.yaml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
