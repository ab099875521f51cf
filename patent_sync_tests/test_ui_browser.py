"""The Dagster UI on the demo's storage, in a real headless Chromium.

``patent-sync demo`` runs into a fresh home, ``dagster-webserver`` serves that instance on a
free port of 127.0.0.1, and Chromium (Debian's, through Playwright) opens it the way an
operator does. What must be on screen: every feed group of the registry in the lineage, a
partitioned asset's materialized partitions (and only weeks that can succeed), and a check
with its result, its description and its partition. Screenshots are kept as test artifacts
(``browser_pages.artifacts_dir``).
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pytest

from patent_sync.defs.feeds import QUARANTINE_RATE, RECORDS_ACCOUNTED_FOR
from patent_sync.feeds import FEEDS, FeedSpec
from patent_sync.pipeline.sources import LocalSource
from patent_sync.settings import PROJECT_ROOT
from patent_sync_tests.browser_pages import artifacts_dir, free_port, wait_until_answering

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SAMPLES = PROJECT_ROOT / "data"
DEMO_THRESHOLD = "0.20"  # what the demo sets for its deliberately defective samples
SHOTS = artifacts_dir("ui")


def _environment(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PATENT_SYNC_", "DAGSTER_"))
    }
    env.update(
        PATENT_SYNC_HOME=str(home),
        PATENT_SYNC_AUDIT_CHECKPOINTS=str(home / "audit.checkpoints"),
        PATENT_SYNC_QUARANTINE_RATE_WARNING=DEMO_THRESHOLD,
        DAGSTER_HOME=str(home / "dagster_home"),
    )
    return env


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo")
    env = _environment(home)
    del env["DAGSTER_HOME"]  # the demo points it at its own instance
    done = subprocess.run(
        [sys.executable, "-m", "patent_sync.cli", "demo"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return home


@pytest.fixture(scope="module")
def ui_url(demo_home: Path) -> Iterator[str]:
    """One dagster-webserver on the demo's instance for the whole module."""
    port = free_port()
    log = (demo_home / "webserver.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_webserver",
            "-w",
            str(PROJECT_ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=demo_home / "dagster_home",
        env=_environment(demo_home),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stopped with its code server as one group
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/server_info", 180, alive=lambda: server.poll() is None)
        yield url
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(server.pid, sig)
                server.wait(timeout=15)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        log.close()


@pytest.fixture(scope="module")
def definitions(demo_home: Path) -> dg.Definitions:
    """The code location as the webserver loads it (same environment)."""
    saved = dict(os.environ)
    os.environ.update(_environment(demo_home))
    try:
        from patent_sync.definitions import defs

        return defs()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    skip = page.get_by_role("button", name="Skip")  # Dagster's newsletter prompt
    if skip.count():
        skip.click()


def _text(page: Page) -> str:
    return " ".join(page.inner_text("body").split())


def _fed(feed: FeedSpec) -> list[str]:
    return [d.isoformat() for d in LocalSource(SAMPLES).available_dates(feed)]


FEEDS_WITH_SAMPLES = [feed for feed in FEEDS if _fed(feed)]


def test_the_lineage_shows_every_feed_group(
    chromium: Browser, ui_url: str, definitions: dg.Definitions
) -> None:
    graph = definitions.resolve_asset_graph()
    assets_per_group = collections.Counter(
        graph.get(key).group_name for key in graph.get_all_asset_keys()
    )
    page = chromium.new_page(viewport={"width": 1600, "height": 1000})
    _open(page, f"{ui_url}/asset-groups")
    groups = page.locator("svg foreignObject.group")
    groups.first.wait_for(timeout=60_000)
    page.wait_for_function(
        f"document.querySelectorAll('svg foreignObject.group').length >= {len(assets_per_group)}",
        timeout=60_000,
    )
    page.screenshot(path=str(SHOTS / "lineage.png"))
    # A collapsed group node reads "<group><number of assets>" (an SVG foreignObject).
    shown = ["".join(text.split()) for text in groups.all_text_contents()]

    def on_graph(group: str) -> bool:
        return any(text.startswith(f"{group}{assets_per_group[group]}") for text in shown)

    for feed in FEEDS:
        assert on_graph(feed.name), (feed.name, shown)
    assert on_graph("docket"), shown


@pytest.mark.parametrize("feed", FEEDS_WITH_SAMPLES, ids=lambda f: f.name)
def test_a_partitioned_asset_shows_its_materialized_partitions(
    feed: FeedSpec, chromium: Browser, ui_url: str, definitions: dg.Definitions
) -> None:
    materialized = _fed(feed)
    raw = dg.AssetKey(f"{feed.name}_raw")
    offered = definitions.resolve_asset_graph().get(raw).partitions_def.get_partition_keys()
    page = chromium.new_page(viewport={"width": 1600, "height": 1000})
    _open(page, f"{ui_url}/assets/{raw.to_user_string()}?view=partitions")
    page.get_by_text(f"Materialized ({len(materialized)})").wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / f"partitions_{feed.name}.png"))
    text = _text(page)
    # Only the weeks from the first sample delivery on are offered, not two years of weeks
    # the local directory cannot produce.
    assert f"{len(offered)} Partitions Selected" in text
    assert offered[0] == materialized[0]
    assert f"Missing ({len(offered) - len(materialized)})" in text
    assert "Failed (0)" in text
    for key in materialized:
        assert key in text


def test_a_check_shows_its_result_description_and_partition(
    chromium: Browser, ui_url: str, definitions: dg.Definitions
) -> None:
    feed = FEEDS_WITH_SAMPLES[0]
    latest = _fed(feed)[-1]
    specs = {
        (spec.asset_key.to_user_string(), spec.name): spec
        for asset in definitions.assets or []
        if isinstance(asset, dg.AssetsDefinition)
        for spec in asset.check_specs
    }
    page = chromium.new_page(viewport={"width": 1600, "height": 1100})
    for asset, check in (
        (f"{feed.name}_quarantine", QUARANTINE_RATE),
        (
            f"{feed.name}_normalized",
            RECORDS_ACCOUNTED_FOR,
        ),
    ):
        _open(page, f"{ui_url}/assets/{asset}?view=checks")
        page.get_by_text("Evaluation result").wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / f"check_{asset}_{check}.png"), full_page=True)
        text = _text(page)
        description = " ".join((specs[(asset, check)].description or "").split())
        assert description and description in text, text
        assert "No description provided" not in text
        assert "Evaluation result Passed" in text
        assert f"Partition {latest}" in text  # not "—": the check knows its week
    # The demo's rate check passes under its own threshold and says what it counted.
    _open(page, f"{ui_url}/assets/{feed.name}_quarantine?view=checks")
    page.get_by_text("Evaluation result").wait_for(timeout=60_000)
    assert re.search(
        r"\d+ of \d+ records quarantined \([\d.]+%; warning above 20\.0%\)", _text(page)
    )
