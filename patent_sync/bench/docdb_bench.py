"""Benchmark: a DOCDB amendment delivery at weekly volume against a bare lxml ``iterparse``.

Generates (once, cached under ``data/bench/``) a synthetic ``docdb_xml_..._Amend_001.zip`` of
365,000 amendment records made by varying the project's own sample documents, then measures,
each in its own process:

* bare:      ``lxml.etree.iterparse`` over the same bytes, clearing every record;
* pipeline:  acquire → count → parse, normalize → validate → load into PostgreSQL (COPY into a
             staging table, set-based upserts), then the same delivery again (recognised by
             its SHA-256: nothing is parsed), and the whole pipeline at a quarter of the volume
             (peak memory must not grow with the delivery);
* inspect:   ``patent-sync inspect`` on the same file (parse, normalize, validate, print).

Targets: pipeline and inspect within 2.5x the bare parse, peak memory at most 1 GiB, an
unchanged re-delivery at most 5% of the first load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from patent_sync.bench.measure import (
    bench_store_url,
    in_subprocess,
    peak_rss_mib,
    postgres_dsn,
    verdict,
)
from patent_sync.settings import PROJECT_ROOT

AMEND_RECORDS = 365_000
BENCH_DATE = dt.date(2026, 11, 17)  # a Tuesday, ISO week 47
BENCH_SEED = 365_000
_MODULE = "patent_sync.bench.docdb_bench"


def bench_delivery(records: int, out_dir: Path) -> Path:
    """The synthetic amendment delivery of ``records`` records, generated once and reused."""
    from patent_sync.acquisition.epo_docdb_files import delivery_file_prefix
    from patent_sync.samplegen.epo_docdb import write_amend_delivery

    directory = out_dir / f"docdb_amend_{records}"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{delivery_file_prefix('Amend', BENCH_DATE)}001.zip"
    marker = directory / ".complete"
    if not (marker.exists() and target.exists()):
        write_amend_delivery(target, records=records, seed=BENCH_SEED)
        marker.write_text(target.name)
    return target


def run_bare(path: Path) -> dict[str, float]:
    """Every record of every member through ``iterparse``, cleared as it ends; nothing else."""
    from lxml import etree

    from patent_sync.parsing.weekly_file import iter_members

    tag = "{http://www.epo.org/exchange}exchange-document"
    start = time.perf_counter()
    count = 0
    with iter_members(path) as members:
        for member in members:
            for _, element in etree.iterparse(
                member.stream,
                events=("end",),
                tag=tag,
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
            ):
                count += 1
                element.clear(keep_tail=True)
                while element.getprevious() is not None:
                    del element.getparent()[0]
    seconds = time.perf_counter() - start
    return {"records": count, "seconds": seconds, "peak_rss_mib": peak_rss_mib()}


def run_pipeline(path: Path, store_dsn: str | None) -> dict[str, float]:
    """The pipeline into a fresh store (a PostgreSQL schema when ``store_dsn`` is given), then
    the same delivery again."""
    from patent_sync.audit import AuditLog
    from patent_sync.feeds.epo_docdb import DOCDB_AMEND
    from patent_sync.pipeline.delivery import run_delivery
    from patent_sync.pipeline.sources import LocalSource
    from patent_sync.store import open_store

    baseline = peak_rss_mib()
    with tempfile.TemporaryDirectory(prefix="patent_sync_bench_") as tmp:
        home = Path(tmp)
        with bench_store_url(home, store_dsn) as url, open_store(url) as store:
            store.migrate()
            audit = AuditLog(store, b"bench-key-" * 4)
            kwargs = {"source": LocalSource(path.parent), "store": store, "audit": audit}
            start = time.perf_counter()
            report = run_delivery(DOCDB_AMEND, BENCH_DATE, home=home, **kwargs)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            again = run_delivery(DOCDB_AMEND, BENCH_DATE, home=home, **kwargs)
            again_seconds = time.perf_counter() - start
    assert report.normalized is not None and report.validated is not None
    assert again.loaded.skipped_identical
    return {
        "records": report.normalized.records_in,
        "valid": report.validated.valid,
        "quarantined": report.validated.quarantined,
        "loaded": report.loaded.documents,
        "seconds": seconds,
        "again_seconds": again_seconds,
        "peak_rss_mib": peak_rss_mib(),
        "baseline_rss_mib": baseline,
        **{f"{k}_seconds": v for k, v in report.seconds.items()},
    }


def run_inspect(path: Path) -> dict[str, float]:
    cli = Path(sys.executable).with_name("patent-sync")
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        proc = subprocess.run([str(cli), "inspect", str(path)], stdout=sink, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"inspect failed: {proc.stderr.decode()[-500:]}")
    return {"seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=AMEND_RECORDS)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        print(json.dumps(run_bare(args.bare)))
        return 0
    if args.pipeline:
        print(json.dumps(run_pipeline(args.pipeline, args.dsn)))
        return 0

    print(f"DOCDB amend pipeline: a {args.records:,}-record delivery ...", flush=True)
    path = bench_delivery(args.records, args.out)
    quarter = bench_delivery(args.records // 4, args.out)
    print(f"  file: {path} ({path.stat().st_size / 2**20:,.1f} MiB zipped)")
    dsn = postgres_dsn()
    store_args = ["--dsn", dsn] if dsn else []
    backend = "PostgreSQL" if dsn else "SQLite (no PostgreSQL reachable)"
    bare = in_subprocess(_MODULE, "--bare", str(path))
    pipe = in_subprocess(_MODULE, "--pipeline", str(path), *store_args)
    small = in_subprocess(_MODULE, "--pipeline", str(quarter), *store_args)
    inspect = run_inspect(path)
    ratio = pipe["seconds"] / bare["seconds"]
    print(
        f"  bare lxml iterparse: {bare['records']:>8,.0f} records in {bare['seconds']:7.2f} s "
        f"= {bare['records'] / bare['seconds']:8,.0f} records/s"
    )
    print(
        f"  whole pipeline ({backend}): {pipe['records']:,.0f} records in "
        f"{pipe['seconds']:.2f} s = {pipe['records'] / pipe['seconds']:,.0f} records/s"
    )
    stages = ", ".join(
        f"{name} {pipe[f'{name}_seconds']:.2f} s"
        for name in ("acquire", "count", "normalize", "validate", "load")
    )
    print(f"    stages: {stages}")
    print(
        f"    {pipe['valid']:,.0f} valid, {pipe['quarantined']:,.0f} quarantined, "
        f"{pipe['loaded']:,.0f} loaded"
    )
    print(f"  pipeline / bare parse: {verdict(ratio, 2.5)}")
    print(
        f"  peak RSS: {pipe['peak_rss_mib']:.0f} MiB at {pipe['records']:,.0f} records, "
        f"{small['peak_rss_mib']:.0f} MiB at {small['records']:,.0f} "
        f"({pipe['baseline_rss_mib']:.0f} MiB before the first record); target 1,024 MiB"
    )
    again = pipe["again_seconds"] / pipe["seconds"]
    print(
        f"  unchanged re-delivery: {pipe['again_seconds']:.2f} s = {again:.1%} of the first "
        f"load ({'within' if again <= 0.05 else 'OVER'} the 5% target)"
    )
    print(
        f"  patent-sync inspect: {inspect['seconds']:.2f} s = "
        f"{verdict(inspect['seconds'] / bare['seconds'], 2.5)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
