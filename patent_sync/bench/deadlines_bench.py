"""Benchmark: deadlines computed per second for a million synthetic open matters.

``python -m patent_sync.bench.deadlines_bench [--matters N] [--seed S]`` builds N open matters
(a mix of every rule, trigger dates spread over 2015-2027, realistic parameters), computes each
deadline with ``compute`` one by one (the engine starts cold: every distinct trigger date, roll
and result is worked out on first sight, then shared), then recomputes the same docket with
``compute_many``, as a re-sync does, and prints deadlines per second for both. The target is at
least 100,000 per second for the first, cold pass; the figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Sequence
from typing import Any

from patent_sync.deadlines import compute, compute_many

_FIRST_TRIGGER = dt.date(2015, 1, 1)
_TRIGGER_DAYS = (dt.date(2027, 12, 31) - _FIRST_TRIGGER).days

# (rule, weight, parameter maker); weights roughly follow an IP firm's open docket.
_MIX: tuple[tuple[str, int, Any], ...] = (
    ("us.oa_reply", 30, lambda r: {"period_months": 3, "extension_months": r.choice((0, 0, 1, 2))}),
    ("us.issue_fee", 5, lambda r: {}),
    ("us.maintenance_fee", 15, lambda r: {"stage": r.choice(("3.5", "7.5", "11.5"))}),
    ("us.provisional_conversion", 3, lambda r: {}),
    ("paris.priority", 3, lambda r: {"office": r.choice(("USPTO", "EPO"))}),
    ("pct.national_phase", 5, lambda r: {"office": r.choice(("USPTO", "EPO"))}),
    ("pct.demand", 2, lambda r: {"office": r.choice(("USPTO", "EPO"))}),
    ("ep.communication_reply", 15, lambda r: {"period_months": r.choice((2, 4, 4, 6))}),
    ("ep.examination_request", 3, lambda r: {}),
    ("ep.r71_3", 5, lambda r: {}),
    ("ep.opposition", 3, lambda r: {}),
    ("ep.renewal_fee", 13, lambda r: {"year": r.randint(3, 20)}),
)


def synthetic_matters(count: int, seed: int = 1) -> list[tuple[str, dt.date, dict[str, Any]]]:
    """``count`` (rule, trigger date, params) requests, reproducible for a seed."""
    rng = random.Random(seed)
    rules = [rule for rule, _, _ in _MIX]
    weights = [weight for _, weight, _ in _MIX]
    makers = {rule: maker for rule, _, maker in _MIX}
    matters = []
    for rule in rng.choices(rules, weights, k=count):
        trigger = _FIRST_TRIGGER + dt.timedelta(days=rng.randrange(_TRIGGER_DAYS))
        params = makers[rule](rng)
        if rule == "pct.demand":  # the ISR is transmitted some 9-18 months after priority
            params["priority_date"] = trigger - dt.timedelta(days=rng.randrange(270, 540))
        matters.append((rule, trigger, params))
    return matters


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print deadlines per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    matters = synthetic_matters(args.matters, args.seed)
    start = time.perf_counter()
    for rule, trigger, params in matters:
        compute(rule, trigger, **params)
    one_by_one = time.perf_counter() - start

    start = time.perf_counter()
    results = compute_many(matters)
    batched = time.perf_counter() - start
    assert len(results) == len(matters)

    count = len(matters)
    distinct = len({(rule, trigger, *params.values()) for rule, trigger, params in matters})
    print(f"deadlines: {count:,} synthetic open matters, {len(_MIX)} rules, {distinct:,} distinct")
    print(f"  first pass, compute():   {count / one_by_one:,.0f} deadlines/s ({one_by_one:.2f} s)")
    print(f"  re-sync, compute_many(): {count / batched:,.0f} deadlines/s ({batched:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
