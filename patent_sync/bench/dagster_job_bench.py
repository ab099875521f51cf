"""Benchmark: a week of US grants through the whole Dagster job (raw → docket, PostgreSQL).

Runs ``us_grants_job`` for one partition, in process, on the synthetic 4,800-grant ``ipg`` week
of ``us_pipeline_bench``, against the bare lxml parse of the same file; then the same partition
again, which must recognise the delivery by its SHA-256 and parse nothing. Targets: the job
within 2x the bare parse, the unchanged re-run at most 5% of the first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from patent_sync.bench import us_pipeline_bench
from patent_sync.bench.measure import (
    bench_store_url,
    in_subprocess,
    peak_rss_mib,
    postgres_dsn,
    verdict,
)
from patent_sync.settings import PROJECT_ROOT

_MODULE = "patent_sync.bench.dagster_job_bench"
_BENCH_KEY = "9d4c2b7e1f0a8c6e3b5d7f9a1c3e5b7d0f2a4c6e8b1d3f5a7c9e0b2d4f6a8c1e"


def run_job(path: Path, store_dsn: str | None) -> dict[str, float]:
    import dagster as dg

    from patent_sync.defs.feeds import build_feed_definitions
    from patent_sync.feeds.uspto import US_GRANTS
    from patent_sync.resources import (
        DocketStoreResource,
        FeedSourcesResource,
        LocalStorageResource,
    )

    key = us_pipeline_bench.BENCH_DATE.isoformat()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with tempfile.TemporaryDirectory(prefix="patent_sync_bench_") as tmp:
        home = Path(tmp)
        with bench_store_url(home, store_dsn) as url, dg.instance_for_test() as instance:
            defs = dg.Definitions.merge(
                build_feed_definitions(US_GRANTS),
                dg.Definitions(
                    resources={
                        "feed_sources": FeedSourcesResource.local(str(path.parent)),
                        "docket_store": DocketStoreResource(url=url, audit_key=_BENCH_KEY),
                        "storage": LocalStorageResource(home=str(home)),
                    }
                ),
            )
            job = defs.resolve_job_def("us_grants_job")
            timings, step_times = [], []
            for _ in range(2):
                start = time.perf_counter()
                result = job.execute_in_process(
                    partition_key=key, instance=instance, run_config=quiet
                )
                timings.append(time.perf_counter() - start)
                assert result.success
                step_times.append(
                    sum(
                        event.event_specific_data.duration_ms / 1000  # type: ignore[union-attr]
                        for event in result.all_events
                        if event.is_step_success
                    )
                )
    return {
        "seconds": timings[0],
        "again_seconds": timings[1],
        "step_seconds": step_times[0],
        "again_step_seconds": step_times[1],
        "peak_rss_mib": peak_rss_mib(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=us_pipeline_bench.GRANTS_PER_DELIVERY)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job:
        print(json.dumps(run_job(args.job, args.dsn)))
        return 0
    path = us_pipeline_bench.bench_file(args.count, args.out)
    dsn = postgres_dsn()
    backend = "PostgreSQL" if dsn else "SQLite (no PostgreSQL reachable)"
    print(f"US grants through the Dagster job ({backend}), {args.count:,} grants:", flush=True)
    bare = in_subprocess("patent_sync.bench.us_pipeline_bench", "--bare", str(path))
    job = in_subprocess(_MODULE, "--job", str(path), *(["--dsn", dsn] if dsn else []))
    print(f"  bare lxml parse: {bare['seconds']:7.2f} s")
    print(f"  us_grants_job:   {job['seconds']:7.2f} s, peak RSS {job['peak_rss_mib']:.0f} MiB")
    print(f"  job / bare parse: {verdict(job['seconds'] / bare['seconds'], 2.0)}")
    again = job["again_step_seconds"] / job["step_seconds"]
    print(
        f"  the same partition again: steps {job['again_step_seconds']:.2f} s = {again:.1%} of "
        f"the first run's {job['step_seconds']:.2f} s ({'within' if again <= 0.05 else 'OVER'} "
        f"the 5% target); the whole run {job['again_seconds']:.2f} s with Dagster's own "
        "run bookkeeping"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
