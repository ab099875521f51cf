"""``python -m patent_sync.samplegen``: regenerate the demo weekly files or write a bench file.

python -m patent_sync.samplegen --out data/uspto
python -m patent_sync.samplegen --bench --count 4800 --out /tmp/bench
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
    write_benchmark_file,
    write_demo_files,
)
from patent_sync.samplegen.uspto import DEFECTS, SampleGenError, WeeklyFileInfo


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m patent_sync.samplegen",
        description="Write synthetic USPTO weekly full-text files (ipgYYMMDD / ipaYYMMDD zips).",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument(
        "--bench", action="store_true", help="write one delivery-sized file, not the demo set"
    )
    parser.add_argument("--count", type=int, default=4800, help="documents in the bench file")
    parser.add_argument("--feed", choices=("grants", "applications"), default="grants")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
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
        else:
            infos = write_demo_files(args.out, seed=DEMO_SEED if args.seed is None else args.seed)
    except (SampleGenError, OSError) as exc:
        print(f"samplegen: {exc}", file=sys.stderr)
        return 2
    for info in infos:
        print(_describe(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
