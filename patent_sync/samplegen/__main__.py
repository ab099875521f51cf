"""``python -m patent_sync.samplegen``: regenerate the demo weekly files or write a bench file.

python -m patent_sync.samplegen --out data/uspto   (also writes data/epo_docdb, data/epo_ops)
python -m patent_sync.samplegen --bench --count 4800 --out /tmp/bench
python -m patent_sync.samplegen --bench --feed docdb-amend --count 365000 --out /tmp/bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from patent_sync.samplegen.demo import (
    BENCH_PARAGRAPHS,
    BENCH_SEED,
    DEMO_SEED,
    DOCDB_BENCH_SEED,
    DOCDB_DEMO_SEED,
    write_benchmark_file,
    write_demo_files,
    write_docdb_benchmark_file,
    write_docdb_demo_files,
)
from patent_sync.samplegen.epo_docdb import DeliveryInfo
from patent_sync.samplegen.epo_docdb import SampleGenError as DocdbSampleGenError
from patent_sync.samplegen.epo_ops import write_ep_publications
from patent_sync.samplegen.uspto import DEFECTS, SampleGenError, WeeklyFileInfo
from patent_sync.samplegen.wipo import write_wo_publications


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m patent_sync.samplegen",
        description=(
            "Write synthetic USPTO weekly full-text files (ipgYYMMDD / ipaYYMMDD zips) and "
            "EPO DOCDB front-file deliveries (docdb_xml_YYYYWW_Amend|CreateDelete_NNN.zip)."
        ),
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument(
        "--bench", action="store_true", help="write one delivery-sized file, not the demo set"
    )
    parser.add_argument("--count", type=int, default=4800, help="documents in the bench file")
    parser.add_argument(
        "--feed", choices=("grants", "applications", "docdb-amend"), default="grants"
    )
    parser.add_argument(
        "--docdb-out",
        type=Path,
        help="demo only: where the DOCDB deliveries go (default: epo_docdb beside --out)",
    )
    parser.add_argument(
        "--xml", action="store_true", help="docdb-amend bench: write plain XML, not a zip"
    )
    parser.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        help="bench publication date (default: 2026-11-17 for grants, 2026-11-19 for applications)",
    )
    parser.add_argument(
        "--seed", type=int, help=f"default {DEMO_SEED} (demo), {BENCH_SEED} (bench)"
    )
    parser.add_argument(
        "--defects",
        default="",
        help=f"bench only: comma-separated defects spread over the file ({', '.join(DEFECTS)})",
    )
    parser.add_argument("--paragraphs", type=int, default=BENCH_PARAGRAPHS, help="bench doc size")
    return parser


def _describe(info: WeeklyFileInfo) -> str:
    defects = ", ".join(f"{p}:{d}" for p, d in info.defects_at.items()) or "none"
    return (
        f"{info.path}  {info.documents} positions  {info.xml_bytes:,} XML bytes  "
        f"defects {defects}  xml sha256 {info.xml_sha256}"
    )


def _describe_delivery(info: DeliveryInfo) -> str:
    statuses = " ".join(f"{s}:{info.count(s)}" for s in ("C", "A", "D") if info.count(s))
    defects = ", ".join(f"{r.doc_key}:{r.defect}" for r in info.defects()) or "none"
    files = " ".join(f.path.name for f in info.files)
    return f"{files}  {statuses}  defects {defects}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.bench and args.feed == "docdb-amend":
            bench = write_docdb_benchmark_file(
                args.out,
                count=args.count,
                seed=DOCDB_BENCH_SEED if args.seed is None else args.seed,
                publication_date=args.date or dt.date(2026, 11, 17),
                zip=not args.xml,
            )
            print(f"{bench.path}  {bench.records} records  {bench.xml_bytes:,} XML bytes")
            return 0
        if args.bench:
            default_date = dt.date(2026, 11, 17 if args.feed == "grants" else 19)
            infos = [
                write_benchmark_file(
                    args.out,
                    count=args.count,
                    feed=args.feed,
                    publication_date=args.date or default_date,
                    seed=BENCH_SEED if args.seed is None else args.seed,
                    defects=[d for d in args.defects.split(",") if d],
                    paragraphs=args.paragraphs,
                )
            ]
            deliveries: list[DeliveryInfo] = []
            ops_files: list[Path] = []
        else:
            infos = write_demo_files(args.out, seed=DEMO_SEED if args.seed is None else args.seed)
            docdb_out = args.docdb_out or args.out.parent / "epo_docdb"
            deliveries = write_docdb_demo_files(
                docdb_out, seed=DOCDB_DEMO_SEED if args.seed is None else args.seed
            )
            # The WO publications week (data/wipo), in the OPS envelope the WO feed archives.
            ops_files = [write_wo_publications(args.out.parent / "wipo")]
            ops_file = write_ep_publications(args.out.parent / "epo_ops")
            print(f"{ops_file}  EP publications as EPO OPS serves them")
    except (SampleGenError, DocdbSampleGenError, OSError) as exc:
        print(f"samplegen: {exc}", file=sys.stderr)
        return 2
    for info in infos:
        print(_describe(info))
    for delivery in deliveries:
        print(_describe_delivery(delivery))
    for path in ops_files:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
