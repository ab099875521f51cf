"""The EPO DOCDB front-file deliveries: worldwide bibliographic data, weekly.

Two feeds from the EPO's Bulk Data Distribution Service (product "14.7 DOCDB front file"):
CreateDelete (Thursday, ~125,000 records, ``status`` C or D) and Amend (Tuesday, ~365,000
records, ``status`` A). A delivery is one or more zips named for the ISO week of its
publication date (``docdb_xml_202411_Amend_001.zip``, ``..._002.zip``); the service publishes
it at 09:00 Munich time. DOCDB carries every office's documents, amended long after their
publication, so a record's publication date is never checked against the delivery's.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from patent_sync.acquisition.epo_docdb_files import delivery_file_prefix, publication_date_of
from patent_sync.feeds.spec import FeedSpec, RemoteSource, ValidationProfile

BDDS_PRODUCT = "14.7 DOCDB front file"


@dataclasses.dataclass(frozen=True)
class DocdbDeliveryFiles:
    """``docdb_xml_<ISO year><ISO week>_<kind>_<NNN>.zip``: every part is the delivery."""

    kind: str  # "Amend" | "CreateDelete"

    def publication_date_of(self, file_name: str) -> dt.date | None:
        return publication_date_of(file_name, self.kind)

    def pick(self, candidates: Sequence[Path]) -> list[Path]:
        return sorted(candidates, key=lambda path: path.name.lower())

    def expected(self, publication_date: dt.date) -> str:
        return f"{delivery_file_prefix(self.kind, publication_date)}NNN.zip"


_DOCDB_PROFILE = ValidationProfile(
    required=frozenset({"publication_date", "application_number"}),
    at_least_one_inventor=False,
    publication_date_is_delivery_date=False,
)
_EPO_TIMEZONE = "Europe/Berlin"
_FIRST_WEEK = dt.date(2024, 1, 1)

DOCDB_CREATE_DELETE = FeedSpec(
    name="docdb_create_delete",
    office="EP",
    label="EPO DOCDB create/delete record",
    weekday=calendar.THURSDAY,
    timezone=_EPO_TIMEZONE,
    hour=10,
    first_partition=_FIRST_WEEK,
    wire_format="epo.docdb",
    files=DocdbDeliveryFiles("CreateDelete"),
    remote=RemoteSource(service="epo-bdds", product=BDDS_PRODUCT, delivery_kind="CreateDelete"),
    validation=_DOCDB_PROFILE,
    records_per_delivery=125_000,
)

DOCDB_AMEND = FeedSpec(
    name="docdb_amend",
    office="EP",
    label="EPO DOCDB amendment",
    weekday=calendar.TUESDAY,
    timezone=_EPO_TIMEZONE,
    hour=10,
    first_partition=_FIRST_WEEK,
    wire_format="epo.docdb",
    files=DocdbDeliveryFiles("Amend"),
    remote=RemoteSource(service="epo-bdds", product=BDDS_PRODUCT, delivery_kind="Amend"),
    validation=_DOCDB_PROFILE,
    records_per_delivery=365_000,
)
