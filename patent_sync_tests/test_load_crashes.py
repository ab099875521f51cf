"""Loads killed at random points, and two runs of one partition at once, on both backends.

Real processes, really killed (SIGKILL: no handler runs), through the CLI and through the
Dagster job. After each crash the same command runs again; the docket must then be exactly
what an uninterrupted run gives (same digest, same counts in the completed load), the audit
log must verify, no load may be left marked running, and the interrupted one must be marked
failed with an audit entry. Two runs of the same partition started together must both
succeed, and only one may apply the delivery.

``PATENT_SYNC_CRASH_TRIALS`` (default 2) sets the kills per backend and path.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from patent_sync.acquisition.epo_docdb_files import delivery_file_prefix
from patent_sync.audit import AuditLog
from patent_sync.samplegen.epo_docdb import write_amend_delivery
from patent_sync.store import open_store
from patent_sync.store.testing import temporary_store_url
from patent_sync_tests.conftest import require_postgres

DAY = "2026-11-17"  # a Tuesday: the docdb_amend feed
KEY = "5c1e0f3a9b7d2e4f8a6c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d0f"
TRIALS = int(os.environ.get("PATENT_SYNC_CRASH_TRIALS", "2"))
RECORDS = 3000

_DAGSTER_RUN = """
import dagster as dg
from patent_sync.definitions import defs
result = defs().resolve_job_def("docdb_amend_job").execute_in_process(
    partition_key="{day}", instance=dg.DagsterInstance.get(), raise_on_error=False)
raise SystemExit(0 if result.success else 1)
"""


@pytest.fixture(scope="module")
def feed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("feed")
    import datetime as dt

    name = f"{delivery_file_prefix('Amend', dt.date.fromisoformat(DAY))}001.zip"
    write_amend_delivery(directory / name, records=RECORDS, seed=7)
    return directory


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _env(home: Path, store_url: str, feed_dir: Path) -> dict[str, str]:
    (home / "dagster_home").mkdir(parents=True, exist_ok=True)
    (home / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **os.environ,
        "PATENT_SYNC_HOME": str(home),
        "PATENT_SYNC_STORE_URL": store_url,
        "PATENT_SYNC_FEED_DIR": str(feed_dir),
        "PATENT_SYNC_FEED_SOURCE": "local",
        "PATENT_SYNC_AUDIT_KEY": KEY,
        "DAGSTER_HOME": str(home / "dagster_home"),
    }


def _command(path: str) -> list[str]:
    if path == "cli":
        cli = Path(sys.executable).with_name("patent-sync")
        return [str(cli), "load", "docdb_amend", DAY]
    return [sys.executable, "-c", _DAGSTER_RUN.format(day=DAY)]


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def _outcome(store_url: str) -> tuple[str, list[dict[str, int]], int, list[str]]:
    """The docket digest, the completed loads' counts, the running loads, the failed loads'
    errors; and the audit log verifies."""
    with open_store(store_url) as store:
        loads = store.list_loads()
        assert AuditLog(store, bytes.fromhex(KEY)).verify().ok
        completed = [load.counts for load in loads if load.status == "completed"]
        running = sum(1 for load in loads if load.status == "running")
        failed = [str(load.error) for load in loads if load.status == "failed"]
        return store.digest(), completed, running, failed


def _running_loads(url: str) -> int:
    try:
        with open_store(url) as store:
            if not store.table_exists("loads"):
                return 0
            return sum(1 for load in store.list_loads() if load.status == "running")
    except Exception:  # killed before the store was created
        return 0


def _wait_for_running_load(url: str, victim: subprocess.Popen[bytes]) -> bool:
    """Poll until the victim's load is marked running (True), or it ends first (False)."""
    deadline = time.monotonic() + 120
    while victim.poll() is None and time.monotonic() < deadline:
        try:
            with open_store(url) as store:
                if store.table_exists("loads") and any(
                    load.status == "running" for load in store.list_loads()
                ):
                    return True
        except Exception:  # the victim may be creating the schema right now
            pass
        time.sleep(0.05)
    return False


@pytest.fixture
def urls(backend: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A reference store and a store for the trials."""
    with (
        temporary_store_url(backend, tmp_path / "reference", require_postgres) as reference,
        temporary_store_url(backend, tmp_path / "trials", require_postgres) as trials,
    ):
        (tmp_path / "reference").mkdir(exist_ok=True)
        (tmp_path / "trials").mkdir(exist_ok=True)
        yield reference, trials


@pytest.mark.parametrize("path", ["cli", "dagster"])
def test_a_load_killed_anywhere_is_finished_correctly_by_the_next_run(
    path: str, urls: tuple[str, str], feed_dir: Path, tmp_path: Path
) -> None:
    reference_url, trial_url = urls
    command = _command(path)
    start = time.monotonic()
    done = _run(command, _env(tmp_path / "ref_home", reference_url, feed_dir))
    whole = time.monotonic() - start
    assert done.returncode == 0, done.stderr[-2000:]
    expected_digest, expected_loads, _, _ = _outcome(reference_url)
    assert len(expected_loads) == 1 and expected_loads[0]["created"] == RECORDS

    rng = random.Random(f"{path}-{trial_url[:8]}")
    interrupted = 0
    for trial in range(TRIALS):
        home = tmp_path / f"home{trial}"
        with temporary_store_url(
            "sqlite" if trial_url.startswith("sqlite") else "postgresql",
            tmp_path / f"store{trial}",
            require_postgres,
        ) as url:
            (tmp_path / f"store{trial}").mkdir(exist_ok=True)
            env = _env(home, url, feed_dir)
            victim = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            # Every other trial waits for the load to start, to kill it inside its
            # transaction; the others kill at any point of the whole run.
            in_load = trial % 2 == 0 and _wait_for_running_load(url, victim)
            time.sleep(rng.uniform(0.0, 0.1) if in_load else rng.uniform(0.2, 1.0) * whole)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            left_running = _running_loads(url)
            again = _run(command, env)
            assert again.returncode == 0, again.stderr[-2000:]
            digest, loads, running, failed = _outcome(url)
            assert digest == expected_digest
            assert loads == expected_loads
            assert running == 0
            # Every load the crash left running, and only those, is marked interrupted.
            assert len(failed) == left_running
            assert all(error.startswith("interrupted") for error in failed)
            interrupted += left_running
    # The trials that waited for the load to start did kill a load inside its transaction.
    assert interrupted >= 1


def test_two_runs_of_one_partition_at_once_apply_it_once(
    backend: str, feed_dir: Path, tmp_path: Path
) -> None:
    with temporary_store_url(backend, tmp_path, require_postgres) as url:
        env = _env(tmp_path / "home", url, feed_dir)
        # The store exists before both start, as in production.
        with open_store(url) as store:
            store.migrate()
        command = _command("cli")
        runs = [
            subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        said = " ".join(out for out, _ in outputs)
        assert said.count(": load 1:") == 1 and "identical to load 1" in said
        _, loads, running, failed = _outcome(url)
        assert len(loads) == 1 and running == 0 and failed == []
        with open_store(url) as store:
            filed = sum(store.quarantine_counts().values())
        assert filed == loads[0]["quarantined"]
