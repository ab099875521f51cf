"""What the Dagster UI offers and shows for the feeds: partitions that can succeed, checks with
a description and their partition, a quarantine threshold an operator sets, and tables a
person reads.

Before: the UI offered ~150 weekly partitions before the first file of a local directory
(each one a run that could only fail), the checks showed "—" for their partition (it was only
in the metadata), and quarantine by category was a JSON blob.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pytest

from patent_sync.defs.feeds import build_feed_definitions, first_offered_week, weekly_partitions
from patent_sync.feeds import FEEDS
from patent_sync.feeds.uspto import US_GRANTS
from patent_sync.pipeline.sources import LocalSource
from patent_sync.resources import DocketStoreResource, FeedSourcesResource, LocalStorageResource
from patent_sync.settings import (
    ENV_QUARANTINE_RATE_WARNING,
    PROJECT_ROOT,
    SettingError,
    Settings,
    quarantine_rate_warning,
)
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

DATA = PROJECT_ROOT / "data"


def _settings(feed_dir: Path, source: str = "local") -> Settings:
    return Settings.from_env(
        {"PATENT_SYNC_FEED_DIR": str(feed_dir), "PATENT_SYNC_FEED_SOURCE": source}
    )


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.name)
def test_a_local_source_offers_weeks_from_its_first_delivery(feed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dates = LocalSource(DATA).available_dates(feed)
    if not dates:
        pytest.skip(f"data/ has no sample delivery of {feed.name}")
    first = first_offered_week(feed, _settings(DATA))
    assert first == dates[0]
    keys = weekly_partitions(feed, first).get_partition_keys(
        current_time=dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    )
    assert keys[0] == dates[0].isoformat()
    assert {d.isoformat() for d in dates} <= set(keys)
    # What is offered beyond the files is only the weeks since the newest one (the schedule's).
    assert len(keys) <= len(dates) + 3


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.name)
def test_an_empty_directory_offers_the_current_week_only(feed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    today = dt.date(2026, 11, 30)
    first = first_offered_week(feed, _settings(tmp_path), today=today)
    assert first.weekday() == feed.weekday
    assert today - dt.timedelta(days=6) <= first <= today


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.name)
def test_the_offices_offer_every_week_since_the_registry_start(feed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert first_offered_week(feed, _settings(tmp_path, "remote")) == feed.first_partition


def test_the_code_location_follows_the_local_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(DATA / "uspto" / "ipg261117.zip", tmp_path)
    monkeypatch.setenv("PATENT_SYNC_FEED_DIR", str(tmp_path))
    monkeypatch.delenv("PATENT_SYNC_FEED_SOURCE", raising=False)
    from patent_sync.definitions import defs

    graph = defs().resolve_asset_graph()
    keys = graph.get(dg.AssetKey("us_grants_raw")).partitions_def.get_partition_keys()
    assert keys[0] == "2026-11-17"
    assert "2026-11-10" not in keys


def test_every_feed_check_has_a_description_and_a_partition() -> None:
    for feed in FEEDS:
        assets = [a for a in build_feed_definitions(feed).assets or []]
        checked = 0
        for asset in assets:
            assert isinstance(asset, dg.AssetsDefinition)
            for spec in asset.check_specs:
                assert spec.description and len(spec.description) > 40, spec.key
                assert spec.partitions_def == asset.partitions_def, spec.key
                checked += 1
        assert checked >= 4, feed.name


def _materialize(tmp_path: Path, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    store_url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    return dg.materialize(
        list(build_feed_definitions(US_GRANTS).assets or []),
        partition_key="2026-11-17",
        instance=instance,
        resources={
            "feed_sources": FeedSourcesResource.local(str(DATA / "uspto")),
            "docket_store": DocketStoreResource(url=store_url, audit_key=STRONG_AUDIT_KEY.hex()),
            "storage": LocalStorageResource(home=str(tmp_path)),
        },
    )


def test_checks_report_their_partition_and_what_they_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sample week is 3 of 25 records quarantined (12%): under a 20% threshold it passes.
    monkeypatch.setenv(ENV_QUARANTINE_RATE_WARNING, "20%")
    with dg.instance_for_test() as instance:
        result = _materialize(tmp_path, instance)
        assert result.success
        evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
        assert set(evaluations) >= {
            "records_accounted_for",
            "valid_plus_quarantined_equals_input",
            "quarantine_rate_below_threshold",
            "docket_reconciles_with_validated",
        }
        for evaluation in evaluations.values():
            assert evaluation.partition == "2026-11-17", evaluation.check_name
            assert evaluation.description, evaluation.check_name
        rate = evaluations["quarantine_rate_below_threshold"]
        assert rate.passed
        assert rate.description == "3 of 25 records quarantined (12.0%; warning above 20.0%)"
        assert rate.metadata["threshold"].value == pytest.approx(0.2)
        assert "22 valid + 3 quarantined = 25" in (
            evaluations["valid_plus_quarantined_equals_input"].description or ""
        )
        # The instance keeps the evaluation under its partition, as the UI lists it.
        key = dg.AssetCheckKey(
            dg.AssetKey("us_grants_quarantine"), "quarantine_rate_below_threshold"
        )
        stored = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
        assert stored and stored[0].partition == "2026-11-17"


def test_quarantine_by_category_is_a_markdown_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_QUARANTINE_RATE_WARNING, raising=False)
    with dg.instance_for_test() as instance:
        result = _materialize(tmp_path, instance)
        quarantine = next(
            m.materialization
            for m in result.get_asset_materialization_events()
            if m.materialization.asset_key == dg.AssetKey("us_grants_quarantine")
        )
        table = quarantine.metadata["by_category"]
        assert isinstance(table, dg.MarkdownMetadataValue)
        lines = table.value.splitlines()
        assert lines[0] == "| category | records | share of the delivery |"
        assert {line.split("|")[1].strip() for line in lines[2:]} == {
            "parse_error",
            "conflict",
            "schema_violation",
        }
        rate = next(
            e
            for e in result.get_asset_check_evaluations()
            if e.check_name == "quarantine_rate_below_threshold"
        )
        assert not rate.passed  # the 2% default
        assert isinstance(rate.metadata["by_category"], dg.MarkdownMetadataValue)


@pytest.mark.parametrize(
    ("text", "expected"), [("", 0.02), ("0.05", 0.05), ("5%", 0.05), (" 12.5% ", 0.125)]
)
def test_the_threshold_setting(text: str, expected: float) -> None:
    assert quarantine_rate_warning({ENV_QUARANTINE_RATE_WARNING: text}) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["two", "150%", "-0.1", "nan"])
def test_a_bad_threshold_is_one_clear_error(text: str) -> None:
    with pytest.raises(SettingError, match=ENV_QUARANTINE_RATE_WARNING):
        quarantine_rate_warning({ENV_QUARANTINE_RATE_WARNING: text})
