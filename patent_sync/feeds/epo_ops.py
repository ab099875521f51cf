"""EP publications from EPO Open Patent Services: the week's European A and B documents.

The European Patent Bulletin appears on Wednesdays (14:00 Munich time); that day's EP
publications (about 4,400: applications A1/A2/A3, search reports, granted patents B1/B2) are
found with an OPS published-data search (``pd=YYYYMMDD and pn=EP``) and fetched as
bibliographic data. A delivery is the file the OPS source writes for the day,
``ep_publications_YYYYMMDD.xml`` (an OPS envelope of exchange documents). The records share
their ``doc_key`` with the DOCDB feeds, so both keep one document up to date.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from patent_sync.feeds.spec import FeedSpec, RemoteSource, ValidationProfile

OPS_SERVICE = "epo-ops"


@dataclasses.dataclass(frozen=True)
class OpsDeliveryFiles:
    """``<prefix>_YYYYMMDD.xml``: one file per publication day, as the OPS source writes it."""

    prefix: str  # "ep_publications"

    def publication_date_of(self, file_name: str) -> dt.date | None:
        match = re.fullmatch(rf"{re.escape(self.prefix)}_(\d{{8}})\.xml", file_name.lower())
        if match is None:
            return None
        try:
            return dt.datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            return None

    def pick(self, candidates: Sequence[Path]) -> list[Path]:
        return sorted(candidates, key=lambda path: path.name.lower())[:1]

    def expected(self, publication_date: dt.date) -> str:
        return f"{self.prefix}_{publication_date:%Y%m%d}.xml"


EP_PUBLICATIONS = FeedSpec(
    name="ep_publications",
    office="EP",
    label="EP publication",
    weekday=calendar.WEDNESDAY,
    timezone="Europe/Berlin",
    hour=15,  # the Bulletin is out at 14:00; OPS has the day's documents shortly after
    first_partition=dt.date(2024, 1, 3),
    wire_format="epo.ops.biblio",
    files=OpsDeliveryFiles("ep_publications"),
    remote=RemoteSource(service=OPS_SERVICE, product="EP publications"),
    validation=ValidationProfile(
        # A3 (search report) and B documents carry what DOCDB carries; titles and inventors
        # are missing from some A3/B2 records, as in DOCDB.
        required=frozenset({"publication_date", "application_number", "filing_date"}),
        at_least_one_inventor=False,
        publication_date_is_delivery_date=True,
    ),
    records_per_delivery=4_400,
)
