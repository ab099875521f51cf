"""Synthetic WO publications as EPO OPS serves them (``wo_publications_YYYYMMDD.xml``).

One Thursday of international applications, drawn like the DOCDB demo's WO records
(``epo_docdb.draw_record``: fictional applicants and titles, real number shapes: publication
``WO 2026/2xxxxx``, application ``PCT/IB2025/0xxxxx`` as DOCDB numbers it, ``IB`` ``2025010001``
``W``) and written by ``samplegen.epo_ops`` the way OPS answers a published-data biblio
request, in the envelope the OPS source writes for a fetched day. The WO feed's demo reads
exactly what a polled run archives. Output is fully determined by the seed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from pathlib import Path

from patent_sync.samplegen.epo_docdb import RecordSpec, SampleGenError, draw_record
from patent_sync.samplegen.epo_ops import render_ops_file

DEMO_SEED = 20261119
DEMO_DATE = dt.date(2026, 11, 19)  # a Thursday: the IB's publication day
DEMO_COUNT = 30
# Mostly A1 (published with the search report), some A2 (without it) and A3 (the search
# report published later), as in a real week.
_WO_KINDS = ("A1", "A1", "A1", "A1", "A1", "A2", "A2", "A3")
_BLOCK = 3  # numbers apart from the DOCDB demo's WO documents


def draw_wo_publications(
    publication_date: dt.date, *, count: int, seed: int = DEMO_SEED
) -> list[RecordSpec]:
    """``count`` fictional WO publications of one Thursday."""
    if publication_date.weekday() != calendar.THURSDAY:
        raise SampleGenError(
            f"{publication_date} is a {publication_date:%A}: the demo's WO week is a Thursday, "
            "the IB's usual publication day"
        )
    rng = random.Random(seed)
    return [
        draw_record(
            rng,
            "WO",
            block=_BLOCK,
            serial=serial,
            published=publication_date,
            kind=_WO_KINDS[serial % len(_WO_KINDS)],
        )
        for serial in range(count)
    ]


def write_wo_publications(
    out: Path,
    publication_date: dt.date = DEMO_DATE,
    *,
    count: int = DEMO_COUNT,
    seed: int = DEMO_SEED,
) -> Path:
    """Write ``wo_publications_YYYYMMDD.xml`` into ``out``; returns its path."""
    specs = draw_wo_publications(publication_date, count=count, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"wo_publications_{publication_date:%Y%m%d}.xml"
    path.write_bytes(render_ops_file(specs, publication_date, office="WO"))
    return path


__all__ = ["DEMO_DATE", "DEMO_SEED", "draw_wo_publications", "write_wo_publications"]
