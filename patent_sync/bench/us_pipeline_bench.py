"""Benchmark: the whole US grants pipeline against a bare lxml parse of the same weekly file.

Generates (once, cached under ``data/bench/``) a synthetic ``ipg`` weekly file at delivery
volume, then runs two measurements, each in its own process so its peak memory is its own:

* bare:      split the file on its XML declarations and ``lxml.etree.fromstring`` each document;
* pipeline:  acquire (archive, hash) → split, parse, normalize (Parquet) → validate (pandera)
             → upsert into a fresh SQLite docket store, with the audit log.

Prints records per second, wall time, peak RSS and the pipeline / bare ratio (target ≤ 3x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

from patent_sync.bench.measure import in_subprocess, peak_rss_mib, verdict
from patent_sync.settings import PROJECT_ROOT

_MODULE = "patent_sync.bench.us_pipeline_bench"

GRANTS_PER_DELIVERY = 4_800
BENCH_DATE = dt.date(2026, 11, 17)  # a Tuesday
BENCH_SEED = 4_800


def bench_file(count: int, out_dir: Path) -> Path:
    """The synthetic weekly file for ``count`` grants, generated once and reused."""
    from patent_sync.samplegen.demo import write_benchmark_file

    out_dir.mkdir(parents=True, exist_ok=True)
    marker = out_dir / f"ipg{BENCH_DATE:%y%m%d}.{count}.ok"
    target = out_dir / f"ipg{BENCH_DATE:%y%m%d}.zip"
    if not (marker.exists() and target.exists()):
        info = write_benchmark_file(
            out_dir, count=count, publication_date=BENCH_DATE, seed=BENCH_SEED
        )
        target = Path(info.path)
        for stale in out_dir.glob("*.ok"):
            stale.unlink()
        marker.write_text(str(target))
    return target


def run_bare(path: Path) -> dict[str, float]:
    """Split on declarations and parse each document with lxml; nothing else."""
    from lxml import etree

    from patent_sync.parsing.weekly_file import iter_raw_documents, open_delivery

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    start = time.perf_counter()
    count = 0
    with open_delivery(path) as stream:
        for raw in iter_raw_documents(stream):
            etree.fromstring(raw.data, parser)
            count += 1
    seconds = time.perf_counter() - start
    return {"records": count, "seconds": seconds, "peak_rss_mib": peak_rss_mib()}


def run_pipeline(path: Path) -> dict[str, float]:
    """The full pipeline on a fresh embedded home (SQLite store, archive, lake, audit)."""
    from patent_sync.audit import AuditLog
    from patent_sync.feeds.uspto import US_GRANTS
    from patent_sync.pipeline.delivery import run_delivery
    from patent_sync.pipeline.sources import LocalSource
    from patent_sync.store import open_store

    baseline = peak_rss_mib()  # the interpreter plus pandas, pyarrow, pandera, lxml
    with tempfile.TemporaryDirectory(prefix="patent_sync_bench_") as tmp:
        home = Path(tmp)
        store = open_store(f"sqlite:///{home / 'docket.sqlite'}")
        store.migrate()
        start = time.perf_counter()
        report = run_delivery(
            US_GRANTS,
            BENCH_DATE,
            source=LocalSource(path.parent),
            store=store,
            audit=AuditLog(store, b"bench-key-" * 4),
            home=home,
        )
        seconds = time.perf_counter() - start
        store.close()
    assert report.normalized is not None and report.validated is not None
    return {
        "records": report.normalized.records_in,
        "valid": report.validated.valid,
        "quarantined": report.validated.quarantined,
        "created": report.loaded.created,
        "seconds": seconds,
        "peak_rss_mib": peak_rss_mib(),
        "baseline_rss_mib": baseline,
        **{f"{k}_seconds": v for k, v in report.seconds.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=GRANTS_PER_DELIVERY)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        print(json.dumps(run_bare(args.bare)))
        return 0
    if args.pipeline:
        print(json.dumps(run_pipeline(args.pipeline)))
        return 0

    print(f"US grants pipeline: generating a {args.count:,}-grant ipg weekly file ...", flush=True)
    path = bench_file(args.count, args.out)
    size_mib = path.stat().st_size / 2**20
    print(f"  file: {path} ({size_mib:,.1f} MiB zipped)")
    bare = in_subprocess(_MODULE, "--bare", str(path))
    pipe = in_subprocess(_MODULE, "--pipeline", str(path))
    ratio = pipe["seconds"] / bare["seconds"] if bare["seconds"] else float("inf")
    print(
        f"  bare lxml parse:  {bare['records']:>6,.0f} documents in {bare['seconds']:6.2f} s "
        f"= {bare['records'] / bare['seconds']:8,.0f} records/s, peak RSS "
        f"{bare['peak_rss_mib']:6.0f} MiB"
    )
    print(
        f"  whole pipeline:   {pipe['records']:>6,.0f} records   in {pipe['seconds']:6.2f} s "
        f"= {pipe['records'] / pipe['seconds']:8,.0f} records/s, peak RSS "
        f"{pipe['peak_rss_mib']:6.0f} MiB ({pipe['baseline_rss_mib']:.0f} MiB of it before "
        "the first record: interpreter and libraries)"
    )
    stages = ", ".join(
        f"{name} {pipe[f'{name}_seconds']:.2f} s"
        for name in ("acquire", "count", "normalize", "validate", "load")
    )
    print(f"    stages: {stages}")
    print(
        f"    {pipe['valid']:,.0f} valid, {pipe['quarantined']:,.0f} quarantined, "
        f"{pipe['created']:,.0f} created in the docket store"
    )
    print(f"  pipeline / bare parse: {verdict(ratio, 3)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
