"""USPTO Open Data Portal bulk datasets: list and download the weekly PTGRXML / APPXML files.

Protocol (api-facts §4.1, recorded ``get_bulk_product`` response):

- ``GET {base}/api/v1/datasets/products/{product}`` with ``fileDataFromDate``,
  ``fileDataToDate``, ``includeFiles=true`` and ``X-API-KEY`` returns
  ``{"count", "bulkDataProductBag": [{"productIdentifier", "productFileBag": {"count",
  "fileDataBag": [{"fileName", "fileSize", "fileDataFromDate", "fileDataToDate",
  "fileDownloadURI", "fileReleaseDate", ...}]}}]}``.
- ``GET {base}/api/v1/datasets/products/files/{product}[/{year}]/{fileName}`` answers with a
  redirect to a pre-signed URL that expires in about 5 s; the HTTP layer follows it and, on a
  retry, asks the file URL again for a fresh signature.
- No rate-limit headers: the default client is single-flight at one request per second and
  waits at least 5 s after a 429.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from patent_sync.acquisition.errors import FeedNotPublished, InvalidResponse
from patent_sync.acquisition.http import AttemptEvent, DownloadResult, HttpClient, Timeouts
from patent_sync.acquisition.rate_budget import RateBudget
from patent_sync.acquisition.redaction import redact_url
from patent_sync.acquisition.retry import RetryPolicy
from patent_sync.feeds.registry import feed_for_product
from patent_sync.feeds.uspto import WeeklyFile

logger = logging.getLogger("patent_sync.acquisition")

DEFAULT_BASE_URL = "https://api.uspto.gov"
ODP_SERVICE = "uspto-odp"  # RemoteSource.service of the feeds this client fetches
API_KEY_HEADER = "X-API-KEY"

# ODP-specific readings of the statuses that are not retried.
ODP_STATUS_HINTS: Mapping[int, str] = {
    401: (
        "no API key sent: the USPTO Open Data Portal needs the X-API-KEY header "
        "(set USPTO_ODP_API_KEY)"
    ),
    403: (
        "API key rejected or still activating: check USPTO_ODP_API_KEY against 'My ODP' "
        "at data.uspto.gov (a new key can take a while to become active)"
    ),
    404: "not found on the USPTO Open Data Portal",
}

# How far around a publication date to list files: the meaning of fileDataFromDate for a
# weekly file is not documented, so match by file name within a fortnight either side.
_LISTING_WINDOW = dt.timedelta(days=14)

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"


@dataclasses.dataclass(frozen=True)
class BulkFile:
    """One file of an ODP bulk product, as listed.

    ``released_at`` / ``last_modified_at`` are as the ODP prints them (no time zone given, so
    naive). ``download_uri`` is the listed ``fileDownloadURI`` (None when absent).
    """

    product: str
    file_name: str
    size: int | None
    from_date: dt.date | None
    to_date: dt.date | None
    released_at: dt.datetime | None
    download_uri: str | None
    last_modified_at: dt.datetime | None = None


def default_odp_http(*, on_attempt: Callable[[AttemptEvent], None] | None = None) -> HttpClient:
    """The HTTP client the ODP wants: single-flight, 1 request/s, ≥5 s after a 429.

    ``on_attempt`` receives every attempt (e.g. to log it to a Dagster context).
    """
    return HttpClient(
        on_attempt=on_attempt,
        source="uspto_odp",
        retry=RetryPolicy(
            max_attempts=5,
            base_delay=2.0,
            max_delay=300.0,
            jitter=0.25,
            min_delay_after_429=5.0,
        ),
        budget=RateBudget(requests=1, per_seconds=1.0, burst=1, single_flight=True, name="odp"),
        timeouts=Timeouts(connect=15.0, read=120.0, write=30.0, pool=30.0),
    )


class UsptoBulkClient:
    """Lists and downloads files of the ODP bulk products (PTGRXML, APPXML...).

    The API key goes only in the ``X-API-KEY`` header of requests to ``base_url``; it is never
    logged, never put in a message and never forwarded to the pre-signed storage URL.
    Pass ``http`` to share a client (and its rate budget) or to inject test doubles; a client
    created here is closed by ``close()``.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        http: HttpClient | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError(
                "the USPTO Open Data Portal needs an API key (USPTO_ODP_API_KEY is empty)"
            )
        self._api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL, got {redact_url(base_url)!r}")
        self._owns_http = http is None
        self.http = http if http is not None else default_odp_http()

    def __repr__(self) -> str:  # never show the key
        return f"UsptoBulkClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> UsptoBulkClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- listing -----------------------------------------------------------------------------

    def list_files(self, product: str, from_date: dt.date, to_date: dt.date) -> list[BulkFile]:
        """Files of ``product`` whose data dates fall in [from_date, to_date], as listed."""
        if from_date > to_date:
            raise ValueError(f"from_date {from_date} is after to_date {to_date}")
        url = f"{self.base_url}/api/v1/datasets/products/{quote(product, safe='')}"
        payload = self.http.get_json(
            url,
            params={
                "fileDataFromDate": from_date.isoformat(),
                "fileDataToDate": to_date.isoformat(),
                "includeFiles": "true",
            },
            headers={API_KEY_HEADER: self._api_key},
            what=f"{product} file listing {from_date}..{to_date}",
            status_hints=ODP_STATUS_HINTS,
        )
        return parse_product_files(payload, product)

    def find_weekly_file(self, product: str, publication_date: dt.date) -> BulkFile:
        """The ``ipgYYMMDD.zip`` / ``ipaYYMMDD.zip`` of ``product`` for ``publication_date``.

        Raises ``FeedNotPublished`` (naming the file and what was listed nearby) when the ODP
        does not list it, e.g. before release or for a date that is not a publication day.
        """
        feed = feed_for_product(ODP_SERVICE, product)
        if not isinstance(feed.files, WeeklyFile):
            raise ValueError(f"{feed.name} is not a weekly-file feed of the USPTO")
        product = feed.remote.product
        wanted = feed.files.file_name_for(publication_date)
        files = self.list_files(
            product, publication_date - _LISTING_WINDOW, publication_date + _LISTING_WINDOW
        )
        for bulk_file in files:
            if bulk_file.file_name.lower() == wanted:
                return bulk_file
        nearby = ", ".join(sorted(f.file_name for f in files)) or "none"
        weekday_note = feed.weekday_note(publication_date)
        raise FeedNotPublished(
            f"{product}: {wanted} for {publication_date.isoformat()}{weekday_note} is not "
            f"listed on the USPTO Open Data Portal (yet); files listed within "
            f"{_LISTING_WINDOW.days} days: {nearby}",
            feed=feed.name,
            publication_date=publication_date,
            looked_at=[f"{self.base_url}/api/v1/datasets/products/{product}"],
        )

    # -- download ----------------------------------------------------------------------------

    def file_url(self, bulk_file: BulkFile) -> str:
        """Where to ask for ``bulk_file``: its listed URI, but always on ``base_url``'s host.

        The listed URI may carry a year segment (``.../PTGRXML/2026/ipg260602.zip``), so its
        path is kept; its host is not trusted with the API key (old listings name
        ``beta-api.uspto.gov``), so the request goes to ``base_url``.
        """
        fallback = (
            f"{self.base_url}/api/v1/datasets/products/files/"
            f"{quote(bulk_file.product, safe='')}/{quote(bulk_file.file_name, safe='')}"
        )
        if not bulk_file.download_uri:
            return fallback
        listed = urlsplit(bulk_file.download_uri)
        if not listed.path.startswith("/api/v1/datasets/products/files/"):
            logger.warning(
                "uspto_odp: unexpected fileDownloadURI %s for %s; using %s",
                redact_url(bulk_file.download_uri),
                bulk_file.file_name,
                fallback,
            )
            return fallback
        base = urlsplit(self.base_url)
        if (listed.scheme, listed.netloc) != (base.scheme, base.netloc):
            logger.info(
                "uspto_odp: listed URI for %s is on %s; requesting it from %s",
                bulk_file.file_name,
                listed.netloc,
                base.netloc,
            )
        return urlunsplit((base.scheme, base.netloc, listed.path, listed.query, ""))

    def download(self, bulk_file: BulkFile, dest_dir: Path) -> DownloadResult:
        """Download ``bulk_file`` to ``dest_dir / file_name``; SHA-256 and size in the result.

        The file appears at its destination only when complete, of the listed size, and (for a
        ``.zip``) starting with a zip signature; otherwise nothing is left there.
        """
        _check_plain_file_name(bulk_file.file_name)
        dest_path = Path(dest_dir) / bulk_file.file_name
        what = f"{bulk_file.product} file {bulk_file.file_name}"
        result = self.http.download(
            self.file_url(bulk_file),
            dest_path,
            headers={API_KEY_HEADER: self._api_key},
            what=what,
            status_hints=ODP_STATUS_HINTS,
            expected_size=bulk_file.size or None,
        )
        if bulk_file.file_name.lower().endswith(".zip"):
            with result.path.open("rb") as handle:
                magic = handle.read(4)
            if magic not in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
                result.path.unlink(missing_ok=True)
                raise InvalidResponse(
                    f"{what}: the download from {result.url} is not a zip file "
                    f"(starts with {magic!r}; content-type "
                    f"{result.headers.get('content-type', 'unknown')!r})"
                )
        logger.info(
            "uspto_odp: downloaded %s (%d bytes, sha256 %s) in %d attempt(s)",
            bulk_file.file_name,
            result.size,
            result.sha256,
            result.attempts,
        )
        return result


def parse_product_files(payload: Any, product: str) -> list[BulkFile]:
    """The files of ``product`` in an ODP ``GET /datasets/products/{id}`` response.

    Strict: a missing bag, a product missing from the response or a file entry without a name
    is an ``InvalidResponse``, and so is a listing that says it holds more files than it does
    (a silently truncated listing would drop a week).
    """
    if not isinstance(payload, Mapping):
        raise InvalidResponse(f"{product} listing: expected a JSON object, got {_kind(payload)}")
    products = payload.get("bulkDataProductBag")
    if not isinstance(products, list):
        raise InvalidResponse(f"{product} listing: no bulkDataProductBag in the response")
    matching = [
        p
        for p in products
        if isinstance(p, Mapping) and str(p.get("productIdentifier", "")).upper() == product.upper()
    ]
    if not matching:
        listed = [p.get("productIdentifier") for p in products if isinstance(p, Mapping)]
        raise InvalidResponse(f"{product} listing: product not in the response (got {listed})")
    files: list[BulkFile] = []
    for entry in matching:
        bag = entry.get("productFileBag") or {}
        if not isinstance(bag, Mapping):
            raise InvalidResponse(f"{product} listing: productFileBag is not an object")
        file_data = bag.get("fileDataBag") or []
        if not isinstance(file_data, list):
            raise InvalidResponse(f"{product} listing: fileDataBag is not a list")
        declared = bag.get("count")
        if isinstance(declared, int) and declared > len(file_data):
            raise InvalidResponse(
                f"{product} listing: says {declared} files but returned {len(file_data)}; "
                "narrow the date range so nothing is left out"
            )
        for position, item in enumerate(file_data):
            files.append(_parse_file(item, product, position))
    return files


def _parse_file(item: Any, product: str, position: int) -> BulkFile:
    where = f"{product} listing, file #{position + 1}"
    if not isinstance(item, Mapping):
        raise InvalidResponse(f"{where}: expected an object, got {_kind(item)}")
    name = item.get("fileName")
    if not isinstance(name, str) or not name.strip():
        raise InvalidResponse(f"{where}: fileName is missing")
    where = f"{product} listing, {name}"
    size = item.get("fileSize")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise InvalidResponse(f"{where}: fileSize {size!r} is not a byte count")
    uri = item.get("fileDownloadURI")
    return BulkFile(
        product=product.upper(),
        file_name=name.strip(),
        size=size,
        from_date=_parse_date(item.get("fileDataFromDate"), where, "fileDataFromDate"),
        to_date=_parse_date(item.get("fileDataToDate"), where, "fileDataToDate"),
        released_at=_parse_datetime(item.get("fileReleaseDate"), where, "fileReleaseDate"),
        download_uri=uri if isinstance(uri, str) and uri.strip() else None,
        last_modified_at=_parse_datetime(
            item.get("fileLastModifiedDateTime"), where, "fileLastModifiedDateTime"
        ),
    )


def _parse_date(value: Any, where: str, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidResponse(f"{where}: {field} {value!r} is not a yyyy-MM-dd date") from None


def _parse_datetime(value: Any, where: str, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return dt.datetime.fromisoformat(str(value))  # ODP prints "2025-02-17 01:41:00"
    except ValueError:
        raise InvalidResponse(f"{where}: {field} {value!r} is not a date-time") from None


def _check_plain_file_name(name: str) -> None:
    """A listed file name becomes a local path: refuse anything that could escape dest_dir."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise InvalidResponse(f"refusing to save a file listed as {name!r}: not a plain file name")


def _kind(value: Any) -> str:
    return type(value).__name__
