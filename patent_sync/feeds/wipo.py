"""WO publications: the international applications the IB publishes each week, via EPO OPS.

The International Bureau publishes PCT applications on Thursdays (PCT Art. 21; about 4,000 a
week), on another day when it announces one in the PCT Newsletter (a Thursday on which the IB
is closed). WIPO's own data service is a paid subscription and its public pages forbid
automated queries, so the week's WO documents come the way a firm can get them without one:
EPO Open Patent Services published data (a ``pn=WO and pd=YYYYMMDD`` search, then the
bibliographic data of every hit), as OPS exchange documents with the same docdb numbers as the
DOCDB front file. A WO document therefore gets the same ``doc_key`` from this feed and from
DOCDB, and the two deliveries update one document.

OPS loads a week's WO publications some hours after the IB publishes them and answers "no
results" until then, so the batch is polled for (``AVAILABILITY``): never before noon Geneva
time on the publication day, then with growing intervals until the cut-off, after which the
week is reported late on its partition and fetched by a later run.

A delivery is the file the OPS source writes for the day searched,
``wo_publications_YYYYMMDD.xml`` (an OPS envelope of exchange documents, as for the EP
publications feed); the biblio requests are made through a bounded asynchronous queue
(``patent_sync.pipeline.ops_publications``).
"""

from __future__ import annotations

import calendar
import datetime as dt

from patent_sync.acquisition.async_polling import PollPolicy
from patent_sync.feeds.epo_ops import OPS_SERVICE, OpsDeliveryFiles
from patent_sync.feeds.spec import FeedSpec, RemoteSource, ValidationProfile

# OPS answers "no results" until it has loaded the week: ask from noon Geneva time, first
# after 15 minutes, then doubling up to every two hours, for 12 hours. A run started up to two
# hours early waits for the publication time; one started earlier (a manual run on Wednesday)
# asks nothing and says when to run again.
AVAILABILITY = PollPolicy(
    window=dt.timedelta(hours=12),
    first_delay=15 * 60,
    max_delay=2 * 60 * 60,
    jitter=0.25,
    max_embargo_wait=dt.timedelta(hours=2),
)

# An OPS WO record always has its publication and application numbers; a publication of the
# search report alone (A3) or a corrected one (A8, A9) may have no title or inventors. The
# documents are asked for by publication day, but a week the IB moves keeps its partition
# date, so a document's date is not checked against the partition's.
_WO_PROFILE = ValidationProfile(
    required=frozenset({"publication_date", "application_number"}),
    at_least_one_inventor=False,
    publication_date_is_delivery_date=False,
)

WO_PUBLICATIONS = FeedSpec(
    name="wo_publications",
    office="WO",
    label="WO international application publication",
    weekday=calendar.THURSDAY,
    timezone="Europe/Zurich",  # the International Bureau, Geneva
    hour=12,
    first_partition=dt.date(2024, 1, 1),
    wire_format="epo.ops.biblio",
    files=OpsDeliveryFiles("wo_publications"),
    remote=RemoteSource(service=OPS_SERVICE, product="WO publications", availability=AVAILABILITY),
    validation=_WO_PROFILE,
    records_per_delivery=4_000,
)
