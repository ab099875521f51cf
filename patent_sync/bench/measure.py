"""What every benchmark shares: peak memory, and running one measurement in its own process
(so that its peak memory is its own and no import or cache of another one helps it)."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_subprocess(module: str, *args: str) -> dict[str, float]:
    """Run ``python -m module args...``; its last stdout line is the JSON result."""
    out = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x ({'within' if ratio <= target else 'OVER'} the {target:g}x target)"


def postgres_dsn() -> str | None:
    """The PostgreSQL server the tests use, when one answers; else None (SQLite is used)."""
    import psycopg2

    dsn = os.environ.get(
        "PATENT_SYNC_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test user=postgres"
    )
    try:
        psycopg2.connect(dsn, connect_timeout=3).close()
    except psycopg2.OperationalError:
        return None
    return dsn


@contextlib.contextmanager
def bench_store_url(home: Path, dsn: str | None) -> Iterator[str]:
    """A fresh store: a PostgreSQL schema dropped afterwards, or a SQLite file in ``home``."""
    if dsn is None:
        yield f"sqlite:///{home / 'docket.sqlite'}"
        return
    from patent_sync.store.testing import postgres_schema_url

    with postgres_schema_url(dsn) as url:
        yield url
