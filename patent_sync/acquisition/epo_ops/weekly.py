"""One office's publications of one day from OPS, written as a delivery file.

The week's search and biblio answers become one XML file in the OPS envelope
(``ops:world-patent-data`` / ``exchange-documents``), each ``exchange-document`` as OPS sent
it, so the raw archive keeps what was fetched and ``inspect``, the pipeline and a replay read
it like any delivery. The file is written beside its destination and renamed in only when
complete, so a run that stops half-way (quota, throttle, bad answer) leaves no partial file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from patent_sync.acquisition.epo_ops.client import OpsClient
from patent_sync.acquisition.epo_ops.published import (
    BiblioBatch,
    SearchOutcome,
    fetch_all_biblio,
    search_publications,
)

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org" '
    'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
)
ENVELOPE_END = "</exchange-documents>\n</ops:world-patent-data>\n"


def envelope_start(*, query: str, total: int, found: int) -> str:
    """The delivery file up to its first record: declaration, envelope, what was searched."""
    metas = "".join(
        f"<ops:meta name={quoteattr(name)} value={quoteattr(value)}/>\n"
        for name, value in (
            ("patent_sync.query", query),
            ("patent_sync.search-total", str(total)),
            ("patent_sync.publications-found", str(found)),
        )
    )
    return f"{_HEADER}{metas}<exchange-documents>\n"


@dataclasses.dataclass(frozen=True)
class WeekDelivery:
    """The delivery file written for one publication day, and how it was reconciled."""

    path: Path
    query: str
    search: SearchOutcome
    documents: int
    missing: tuple[str, ...]  # found by the search, but OPS returned no biblio for them

    def metadata(self) -> dict[str, int | str]:
        return {
            "ops_query": self.query,
            "ops_search_total": self.search.total,
            "ops_search_queries": len(self.search.parts),
            "ops_search_unreached": self.search.unreached,
            "ops_publications_found": len(self.search.numbers),
            "ops_documents_fetched": self.documents,
            "ops_biblio_missing": len(self.missing),
        }


def publication_query(office: str, publication_date: dt.date) -> str:
    """The CQL for one office's publications of one day."""
    return f"pd={publication_date:%Y%m%d} and pn={office}"


def fetch_publication_day(
    client: OpsClient, *, office: str, publication_date: dt.date, dest: Path
) -> WeekDelivery:
    """Search ``office``'s publications of ``publication_date``, fetch their biblio, write
    ``dest``. Raises what the client raises (quota, throttle, 4xx); ``dest`` is then absent."""
    query = publication_query(office, publication_date)
    outcome = search_publications(client, query)
    return write_publication_day(dest, query, outcome, fetch_all_biblio(client, outcome.numbers))


def write_publication_day(
    dest: Path, query: str, outcome: SearchOutcome, batches: Iterable[BiblioBatch]
) -> WeekDelivery:
    """Write the delivery file of one search's biblio ``batches`` (streamed, in order) to
    ``dest``, atomically. Shared by the sequential fetch above and the asynchronous one of the
    polled feeds (``patent_sync.pipeline.ops_publications``)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    documents = 0
    missing: list[str] = []
    try:
        with os.fdopen(fd, "wb") as out:
            start = envelope_start(query=query, total=outcome.total, found=len(outcome.numbers))
            out.write(start.encode())
            for batch in batches:
                for document in batch.documents:
                    out.write(document)
                    out.write(b"\n")
                    documents += 1
                missing.extend(n.ops for n in batch.missing)
            out.write(ENVELOPE_END.encode())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return WeekDelivery(
        path=dest, query=query, search=outcome, documents=documents, missing=tuple(missing)
    )
