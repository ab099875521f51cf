"""``make test`` without ``../shared`` says once, visibly, how many tests the absent real
samples skipped, instead of leaving a row of "s" to be deciphered."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from patent_sync.settings import PROJECT_ROOT


def test_the_summary_counts_the_tests_the_absent_samples_skipped(tmp_path: Path) -> None:
    env = {**os.environ, "PATENT_SYNC_SAMPLES_DIR": str(tmp_path / "absent")}
    env.pop("CI", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "patent_sync_tests/test_events_uspto_odp.py",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [
        line for line in done.stdout.splitlines() if "skipped: the real samples are absent" in line
    ]
    assert len(lines) == 1, done.stdout
    skipped = int(re.search(r"(\d+) tests? skipped: the real samples", lines[0]).group(1))
    assert skipped > 0
    assert re.search(rf"\b{skipped} skipped\b", done.stdout.splitlines()[-1]), done.stdout
    assert str(tmp_path / "absent") in lines[0]
