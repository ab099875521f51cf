"""``make bench``: throughput and memory figures for the US pipeline and the deadline engine."""

from __future__ import annotations

import sys

from patent_sync.bench import us_pipeline_bench


def main() -> int:
    status = us_pipeline_bench.main([])
    print()
    try:
        from patent_sync.bench import deadlines_bench
    except ModuleNotFoundError:
        print("deadlines: benchmark not available")
        return status
    return status or int(deadlines_bench.main() or 0)


if __name__ == "__main__":
    sys.exit(main())
