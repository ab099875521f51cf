"""``make bench``: throughput and memory figures for every pipeline and the deadline engine.

``make bench`` runs them all; ``python -m patent_sync.bench us|job|docdb|deadlines|ocr`` runs one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from patent_sync.bench import (
    dagster_job_bench,
    deadlines_bench,
    docdb_bench,
    ocr_bench,
    us_pipeline_bench,
)

BENCHES: dict[str, Callable[[], int]] = {
    "us": lambda: us_pipeline_bench.main([]),
    "job": lambda: dagster_job_bench.main([]),
    "docdb": lambda: docdb_bench.main([]),
    "deadlines": lambda: int(deadlines_bench.main([]) or 0),
    "ocr": lambda: ocr_bench.main([]),
}


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHES)
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
        return 2
    status = 0
    for name in chosen:
        status |= BENCHES[name]()
        print()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
