"""The committed demo feed (``data/uspto``) and the benchmark file, as fixed recipes.

``DEMO_WEEKS`` is the single source of truth for what ``data/uspto`` holds; ``data/README.md``
documents the same table and the tests regenerate from it and compare digests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from patent_sync.acquisition.epo_docdb_files import delivery_file_name
from patent_sync.samplegen import epo_docdb
from patent_sync.samplegen.uspto import Feed, WeeklyFileInfo, write_weekly_file

DEMO_SEED = 20261110


@dataclasses.dataclass(frozen=True)
class WeekRecipe:
    feed: Feed
    publication_date: dt.date
    count: int
    defects: dict[int, str]


# Two grant Tuesdays and two application Thursdays; every defect kind occurs at least once.
DEMO_WEEKS: tuple[WeekRecipe, ...] = (
    WeekRecipe(
        "grants",
        dt.date(2026, 11, 10),
        24,
        {4: "truncated", 11: "bad_date", 17: "bad_country"},
    ),
    WeekRecipe(
        "applications",
        dt.date(2026, 11, 12),
        26,
        {6: "missing_title", 13: "not_xml", 20: "wrong_week"},
    ),
    WeekRecipe(
        "grants",
        dt.date(2026, 11, 17),
        25,
        {9: "duplicate_key", 15: "missing_title", 21: "not_xml"},
    ),
    WeekRecipe(
        "applications",
        dt.date(2026, 11, 19),
        28,
        {3: "bad_country", 12: "truncated", 19: "bad_date", 25: "duplicate_key"},
    ),
)

# The DOCDB demo (``data/epo_docdb``): the recipe is ``epo_docdb.demo_plans``.
DOCDB_DEMO_SEED = epo_docdb.DEMO_SEED
DOCDB_BENCH_SEED = epo_docdb.BENCH_SEED

BENCH_SEED = 4800
BENCH_PARAGRAPHS = 30  # about 65 KB a grant, the order of magnitude of real ones


def write_demo_files(out: Path, *, seed: int = DEMO_SEED) -> list[WeeklyFileInfo]:
    """Write the four demo weekly zips into ``out`` (what ``data/uspto`` holds)."""
    return [
        write_weekly_file(
            out,
            feed=week.feed,
            publication_date=week.publication_date,
            count=week.count,
            seed=seed,
            defects=week.defects,
        )
        for week in DEMO_WEEKS
    ]


def write_benchmark_file(
    out: Path,
    *,
    count: int,
    feed: Feed = "grants",
    publication_date: dt.date = dt.date(2026, 11, 17),
    seed: int = BENCH_SEED,
    defects: Sequence[str] = (),
    paragraphs: int = BENCH_PARAGRAPHS,
) -> WeeklyFileInfo:
    """One delivery-sized weekly zip (the DESIGN.md average is 4,800 grants a week)."""
    return write_weekly_file(
        out,
        feed=feed,
        publication_date=publication_date,
        count=count,
        seed=seed,
        defects=defects,
        paragraphs=paragraphs,
    )


def write_docdb_demo_files(
    out: Path, *, seed: int = DOCDB_DEMO_SEED
) -> list[epo_docdb.DeliveryInfo]:
    """Write the four DOCDB demo deliveries into ``out`` (what ``data/epo_docdb`` holds)."""
    return epo_docdb.write_demo_deliveries(out, seed=seed)


def write_docdb_benchmark_file(
    out: Path,
    *,
    count: int = 365_000,
    seed: int = DOCDB_BENCH_SEED,
    publication_date: dt.date = epo_docdb.BENCH_DATE,
    zip: bool = True,
) -> epo_docdb.BenchDeliveryInfo:
    """One delivery-sized DOCDB Amend file (the EPO's Amend week is ~365,000 records)."""
    suffix = ".zip" if zip else ".xml"
    name = f"{delivery_file_name(epo_docdb.AMEND, publication_date)[: -len('.zip')]}{suffix}"
    return epo_docdb.write_amend_delivery(
        out / name, count, seed, publication_date=publication_date, zip=zip
    )
