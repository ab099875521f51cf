"""What ``make demo`` tells a new user: what this run did as well as the totals, a second run
that plainly loaded nothing new, and a quarantine threshold that is honest about the samples.

The demo is run for real (as ``patent-sync demo`` in a fresh home), twice.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg

from patent_sync.cli.demo_cmd import RunTally
from patent_sync.feeds import FEEDS
from patent_sync.pipeline.sources import LocalSource
from patent_sync.settings import PROJECT_ROOT

DELIVERIES = sum(len(LocalSource(PROJECT_ROOT / "data").available_dates(f)) for f in FEEDS)


def _demo(home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENT_SYNC_", "DAGSTER_"))}
    env.update(PATENT_SYNC_HOME=str(home), PATENT_SYNC_AUDIT_CHECKPOINTS=str(home / "checkpoints"))
    done = subprocess.run(
        [sys.executable, "-m", "patent_sync.cli", "demo"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _block(out: str, start: str) -> list[str]:
    """The summary line starting with ``start`` and its indented continuation lines."""
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    block = [lines[first]]
    for line in lines[first + 1 :]:
        if not line.startswith(" " * 16):
            break
        block.append(line.strip())
    return block


def test_the_demo_says_what_each_run_did(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    delivery_lines = re.findall(
        r"^  \d{4}-\d\d-\d\d \S+ +run \w+ ok  load (\d+): (.*)$", first, re.M
    )
    assert len(delivery_lines) == DELIVERIES
    run = _block(first, "this run:")
    assert run[0] == f"this run:       {DELIVERIES} new loads (loads 1-{DELIVERIES})"
    created = sum(int(m) for m in re.findall(r"created (\d+)", first))
    quarantined = sum(int(m) for m in re.findall(r"quarantined (\d+)", first))
    assert run[1].startswith(f"{created} documents created, ")
    assert run[2] == f"{quarantined} records quarantined"
    assert re.fullmatch(r"docket: \d+ entries changed", run[3])
    # The totals follow, under their own heading.
    assert "in total:" in first
    assert re.search(rf"^quarantined: +{quarantined} \(", first, re.M)
    # The threshold: said, with the reason, and the checks did pass under it.
    assert "quarantine check: warns above 20% here, not 2%" in first
    assert "defective on purpose" in first
    page = re.search(r"Read the docket in a browser \(no server needed\): +(\S+)", first)
    assert page and Path(page.group(1)) == tmp_path / "exports" / "docket.html"
    assert Path(page.group(1)).is_file()
    _assert_rate_checks_passed(tmp_path / "dagster_home")

    second = _demo(tmp_path)
    assert second.count("nothing to do") == DELIVERIES
    run = _block(second, "this run:")
    assert run == [
        f"this run:       nothing new was loaded: all {DELIVERIES} deliveries are identical "
        f"to loads already applied (loads 1-{DELIVERIES})",
        "docket: no entry changed",
    ]


def _assert_rate_checks_passed(dagster_home: Path) -> None:
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        for feed in FEEDS:
            if not LocalSource(PROJECT_ROOT / "data").available_dates(feed):
                continue
            key = dg.AssetCheckKey(
                dg.AssetKey(f"{feed.name}_quarantine"), "quarantine_rate_below_threshold"
            )
            history = instance.event_log_storage.get_asset_check_execution_history(key, limit=50)
            assert history, feed.name
            for record in history:
                evaluation = record.event.dagster_event.event_specific_data
                assert evaluation.passed, (feed.name, evaluation.description)


def test_the_tally_words_a_mixed_run() -> None:
    tally = RunTally()
    metadata = {
        "load_id": dg.MetadataValue.int(9),
        "created": dg.MetadataValue.int(4),
        "modified": dg.MetadataValue.int(1),
        "quarantined": dg.MetadataValue.int(2),
        "skipped_identical_delivery": dg.MetadataValue.bool(False),
    }
    assert tally.add(metadata) == "load 9: created 4, modified 1, quarantined 2"
    skipped = {"load_id": dg.MetadataValue.int(3), "skipped_identical_delivery": True}
    skipped["skipped_identical_delivery"] = dg.MetadataValue.bool(True)
    assert tally.add(skipped) == "identical to load 3: nothing to do"
    assert tally.summary(1).splitlines() == [
        "this run:       1 new load (load 9); 1 deliveries identical to earlier loads",
        "                4 documents created, 1 modified, 0 unchanged, 0 deleted",
        "                2 records quarantined",
        "                docket: 1 entry changed",
    ]
    assert RunTally().summary(0).splitlines()[0] == "this run:       no delivery was loaded"
