"""USPTO Open Data Portal patent file wrapper API: one application's record, and search.

Protocol (api-facts §4.1; recorded responses in ``shared/samples/uspto_odp``):

- ``GET {base}/api/v1/patent/applications/{appNo}`` (the whole record), ``…/meta-data``
  (``applicationMetaData``: status code, status date, filing date, type, entity status),
  ``…/transactions`` (``eventDataBag``) and ``…/continuity`` (parent/child bags); each answers
  ``{"count": 1, "patentFileWrapperDataBag": [{"applicationNumberText": …, …}]}``.
- ``GET {base}/api/v1/patent/applications/search`` with ``q`` (OpenSearch query string),
  ``fields`` (comma-separated, dotted paths), ``rangeFilters`` (``field from:to``), ``sort``
  (``field asc``), ``offset`` and ``limit``; ``count`` is the total. Results past the
  10,000th cannot be paged to, so ``search`` splits a query whose total exceeds that by filing
  date, recursively, until every slice fits.
- ``X-API-KEY`` on every request; no rate-limit headers. 401 means no key was accepted, 403 a
  wrong or not yet active key (or a path the API does not serve: API Gateway answers "Missing
  Authentication Token"), 404 an application the ODP does not have.
- ``lastIngestionDateTime`` and the status code and date change when the office's record does:
  ``probe`` asks for just those for many applications in one search request, so a sync can
  skip every application whose marker is unchanged.

The client shares ``HttpClient`` (retries, redaction of the key, rate budget) with the bulk
client: one request at a time per process and at least 5 s after a 429. Across processes the
Dagster pool ``uspto_odp_api`` (limit 1) keeps to one sync at a time per key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from patent_sync.acquisition.errors import AcquisitionError, HttpStatusError, InvalidResponse
from patent_sync.acquisition.http import AttemptEvent, DownloadResult, HttpClient, Timeouts
from patent_sync.acquisition.rate_budget import RateBudget
from patent_sync.acquisition.redaction import redact_url
from patent_sync.acquisition.retry import RetryPolicy
from patent_sync.acquisition.uspto_bulk import API_KEY_HEADER, DEFAULT_BASE_URL

logger = logging.getLogger("patent_sync.acquisition")

APPLICATIONS_PATH = "/api/v1/patent/applications"
SEARCH_PATH = f"{APPLICATIONS_PATH}/search"
SEARCH_RESULT_CAP = 10_000  # results past this offset cannot be paged to
DEFAULT_PAGE_SIZE = 100
PROBE_BATCH = 50  # application numbers per probe request (an OR query)
FILING_DATE_FIELD = "applicationMetaData.filingDate"
EARLIEST_FILING_DATE = dt.date(2001, 1, 1)  # file-wrapper data starts here
MIN_BACKOFF_AFTER_429 = 5.0  # seconds (the ODP asks for at least this)
CONSTITUENTS = ("meta-data", "transactions", "continuity")

PROBE_FIELDS = (
    "applicationNumberText",
    "lastIngestionDateTime",
    "applicationMetaData.applicationStatusCode",
    "applicationMetaData.applicationStatusDescriptionText",
    "applicationMetaData.applicationStatusDate",
    "applicationMetaData.filingDate",
)

_KEY_HINT = "set USPTO_ODP_API_KEY to your Open Data Portal key ('My ODP' at data.uspto.gov)"


def status_hints(subject: str) -> dict[int, str]:
    """What 401/403/404 mean for a request about ``subject`` (e.g. "application 17248024")."""
    return {
        401: f"no API key was accepted: {_KEY_HINT}",
        403: (
            "the API key was refused: it is wrong, or new and not yet active (activation can "
            "take a while), or the path is not one the Open Data Portal serves"
        ),
        404: (
            f"the Open Data Portal has no {subject}: check the number, and note that its "
            "file-wrapper data starts with applications filed in 2001"
        ),
    }


def default_odp_api_http(
    *,
    on_attempt: Callable[[AttemptEvent], None] | None = None,
    backoff_after_429: float = MIN_BACKOFF_AFTER_429,
    requests_per_second: float = 1.0,
) -> HttpClient:
    """The HTTP client the ODP API wants: single-flight, ``requests_per_second``, and at least
    ``backoff_after_429`` seconds after a 429 (5 s unless a test says otherwise).
    """
    if backoff_after_429 < 0 or requests_per_second <= 0:
        raise ValueError("backoff_after_429 must be >= 0 and requests_per_second > 0")
    return HttpClient(
        on_attempt=on_attempt,
        source="uspto_odp",
        retry=RetryPolicy(
            max_attempts=5,
            base_delay=min(2.0, max(backoff_after_429, 0.001)),
            max_delay=max(300.0, backoff_after_429),
            jitter=0.25,
            min_delay_after_429=backoff_after_429,
        ),
        budget=RateBudget(
            requests=1,
            per_seconds=1.0 / requests_per_second,
            burst=1,
            single_flight=True,
            name="odp-api",
        ),
        timeouts=Timeouts(connect=15.0, read=60.0, write=30.0, pool=30.0),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ApplicationStatus:
    """What a probe says of one application: enough to tell whether its record changed."""

    application_number: str
    last_ingestion: str | None
    status_code: int | None
    status_description: str
    status_date: dt.date | None
    filing_date: dt.date | None

    @property
    def marker(self) -> str:
        """The change marker kept between syncs (canonical JSON of the changing fields)."""
        return json.dumps(
            {
                "lastIngestionDateTime": self.last_ingestion,
                "applicationStatusCode": self.status_code,
                "applicationStatusDate": self.status_date.isoformat() if self.status_date else None,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @property
    def complete(self) -> bool:
        """True when the probe returned the ingestion time: without it a same marker proves
        nothing (a new transaction need not change the status)."""
        return bool(self.last_ingestion)


@dataclasses.dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of a search: the total the query matches and this page's wrappers."""

    count: int
    items: tuple[Mapping[str, Any], ...]


class UsptoOdpClient:
    """The patent file wrapper API of the USPTO Open Data Portal for one API key.

    The key goes only in the ``X-API-KEY`` header and is never logged or put in a message.
    Pass ``http`` to share a client (and its rate budget) or to tune it for tests; a client
    created here is closed by ``close()``. ``result_cap`` and ``page_size`` exist so tests can
    exercise query splitting without 10,000 records.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        http: HttpClient | None = None,
        *,
        result_cap: int = SEARCH_RESULT_CAP,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError(f"the USPTO Open Data Portal needs an API key: {_KEY_HINT}")
        if not 1 <= page_size <= result_cap:
            raise ValueError(f"page_size must be between 1 and {result_cap}, got {page_size}")
        self._api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL, got {redact_url(base_url)!r}")
        self.result_cap = result_cap
        self.page_size = page_size
        self._owns_http = http is None
        self.http = http if http is not None else default_odp_api_http()

    def __repr__(self) -> str:  # never show the key
        return f"UsptoOdpClient(base_url={self.base_url!r})"

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> UsptoOdpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- one application ---------------------------------------------------------------------

    def application_url(self, number: str, constituent: str | None = None) -> str:
        """The URL of ``number``'s record, or of one constituent (``transactions``...)."""
        number = _plain_number(number)
        url = f"{self.base_url}{APPLICATIONS_PATH}/{quote(number, safe='')}"
        if constituent is None:
            return url
        if constituent not in CONSTITUENTS:
            raise ValueError(f"unknown constituent {constituent!r}; one of {CONSTITUENTS}")
        return f"{url}/{constituent}"

    def application(self, number: str) -> Mapping[str, Any]:
        """The whole record of application ``number`` (metadata, events, continuity...)."""
        return self._wrapper(number, None)

    def metadata(self, number: str) -> Mapping[str, Any]:
        """``applicationMetaData`` of ``number``: status, status date, filing date, type."""
        return self._wrapper(number, "meta-data")

    def transactions(self, number: str) -> Mapping[str, Any]:
        """The transaction history of ``number`` (``eventDataBag``)."""
        return self._wrapper(number, "transactions")

    def continuity(self, number: str) -> Mapping[str, Any]:
        """Parent and child continuity of ``number``."""
        return self._wrapper(number, "continuity")

    def download(self, number: str, constituent: str | None, dest_path: Path) -> DownloadResult:
        """Save the raw response for ``number`` (and ``constituent``) at ``dest_path``, as sent.

        The bytes are checked to be an ODP response for ``number`` before this returns, so an
        error page or another application's record never reaches the events directory.
        """
        subject = _subject(number, constituent)
        result = self.http.download(
            self.application_url(number, constituent),
            Path(dest_path),
            headers={API_KEY_HEADER: self._api_key, "Accept": "application/json"},
            what=subject,
            status_hints=status_hints(f"application {number}"),
        )
        try:
            with result.path.open("rb") as handle:
                document = json.load(handle)
            wrapper_of(document, number, subject)
        except (ValueError, InvalidResponse) as exc:
            result.path.unlink(missing_ok=True)
            if isinstance(exc, InvalidResponse):
                raise
            raise InvalidResponse(f"{subject}: the response is not JSON ({exc})") from None
        return result

    def _wrapper(self, number: str, constituent: str | None) -> Mapping[str, Any]:
        subject = _subject(number, constituent)
        payload = self.http.get_json(
            self.application_url(number, constituent),
            headers={API_KEY_HEADER: self._api_key},
            what=subject,
            status_hints=status_hints(f"application {number}"),
        )
        return wrapper_of(payload, number, subject)

    # -- search ------------------------------------------------------------------------------

    def search_page(
        self,
        q: str,
        *,
        offset: int = 0,
        limit: int | None = None,
        fields: Sequence[str] = (),
        range_filter: tuple[str, dt.date, dt.date] | None = None,
        sort: str | None = None,
        what: str | None = None,
    ) -> SearchPage:
        """One page of ``GET …/applications/search`` (``what`` names it in errors)."""
        limit = self.page_size if limit is None else limit
        if offset < 0 or limit < 1:
            raise ValueError("offset must be >= 0 and limit >= 1")
        if offset + limit > self.result_cap:
            raise ValueError(
                f"results past {self.result_cap} cannot be paged to (offset {offset} + limit "
                f"{limit}); narrow the query"
            )
        params: dict[str, str] = {"q": q, "offset": str(offset), "limit": str(limit)}
        if fields:
            params["fields"] = ",".join(fields)
        if range_filter is not None:
            field, start, end = range_filter
            params["rangeFilters"] = f"{field} {start.isoformat()}:{end.isoformat()}"
        if sort:
            params["sort"] = sort
        what = what or f"ODP search {q[:80]!r} (offset {offset})"
        try:
            payload = self.http.get_json(
                f"{self.base_url}{SEARCH_PATH}",
                params=params,
                headers={API_KEY_HEADER: self._api_key},
                what=what,
                status_hints=status_hints("search endpoint"),
            )
        except HttpStatusError as exc:
            if exc.status == 404:  # the ODP answers a search without hits with a 404
                return SearchPage(count=0, items=())
            raise
        return parse_search_page(payload, what)

    def search(
        self,
        q: str,
        *,
        fields: Sequence[str] = (),
        filed_from: dt.date = EARLIEST_FILING_DATE,
        filed_to: dt.date | None = None,
    ) -> Iterator[Mapping[str, Any]]:
        """Every application matching ``q`` filed in [filed_from, filed_to], each once.

        A slice whose total is over ``result_cap`` is split in two by filing date, and so on,
        until every slice can be paged to the end; a single day that is still over the cap is
        an error naming it (narrow ``q``), never a silent truncation.
        """
        filed_to = filed_to or dt.date.today()
        if filed_from > filed_to:
            raise ValueError(f"filed_from {filed_from} is after filed_to {filed_to}")
        seen: set[str] = set()
        for item in self._search_slice(q, tuple(fields), filed_from, filed_to):
            number = str(item.get("applicationNumberText") or "")
            if number and number in seen:
                continue  # shifted between pages while we paged: already returned
            seen.add(number)
            yield item

    def _search_slice(
        self, q: str, fields: tuple[str, ...], start: dt.date, end: dt.date
    ) -> Iterator[Mapping[str, Any]]:
        window = (FILING_DATE_FIELD, start, end)
        sort = f"{FILING_DATE_FIELD} asc"
        first = self.search_page(q, fields=fields, range_filter=window, sort=sort)
        if first.count > self.result_cap:
            if start == end:
                raise AcquisitionError(
                    f"ODP search {q[:80]!r}: {first.count} applications filed on {start} alone, "
                    f"more than the {self.result_cap} the API returns for one query; narrow q"
                )
            middle = start + (end - start) // 2
            logger.info(
                "uspto_odp: %d results for %s..%s; splitting at %s", first.count, start, end, middle
            )
            yield from self._search_slice(q, fields, start, middle)
            yield from self._search_slice(q, fields, middle + dt.timedelta(days=1), end)
            return
        yield from first.items
        offset = len(first.items)
        while offset < first.count and first.items:
            limit = min(self.page_size, self.result_cap - offset)
            page = self.search_page(
                q, offset=offset, limit=limit, fields=fields, range_filter=window, sort=sort
            )
            if not page.items:
                break  # the total shrank while paging
            yield from page.items
            offset += len(page.items)

    def probe(self, numbers: Sequence[str]) -> dict[str, ApplicationStatus]:
        """Status and last ingestion time of each of ``numbers`` (one request per
        ``PROBE_BATCH``); numbers the ODP does not have are absent from the result."""
        found: dict[str, ApplicationStatus] = {}
        wanted = [_plain_number(n) for n in numbers]
        for start in range(0, len(wanted), PROBE_BATCH):
            batch = wanted[start : start + PROBE_BATCH]
            q = f"applicationNumberText:({' OR '.join(batch)})"
            shown = ", ".join(batch[:3]) + (f" and {len(batch) - 3} more" if len(batch) > 3 else "")
            page = self.search_page(
                q, limit=len(batch), fields=PROBE_FIELDS, what=f"status of US application {shown}"
            )
            for item in page.items:
                status = parse_status(item)
                if status.application_number in batch:
                    found[status.application_number] = status
        return found


# -- parsing ---------------------------------------------------------------------------------


def wrapper_of(payload: Any, number: str, subject: str) -> Mapping[str, Any]:
    """The ``patentFileWrapperDataBag`` entry for ``number`` in an ODP response."""
    if not isinstance(payload, Mapping):
        raise InvalidResponse(f"{subject}: expected a JSON object, got {type(payload).__name__}")
    bag = payload.get("patentFileWrapperDataBag")
    if not isinstance(bag, list):
        raise InvalidResponse(f"{subject}: no patentFileWrapperDataBag in the response")
    for wrapper in bag:
        if isinstance(wrapper, Mapping) and wrapper.get("applicationNumberText") == number:
            return wrapper
    listed = [w.get("applicationNumberText") for w in bag if isinstance(w, Mapping)][:5]
    raise InvalidResponse(f"{subject}: the response is about {listed}, not {number}")


def parse_search_page(payload: Any, what: str) -> SearchPage:
    if not isinstance(payload, Mapping):
        raise InvalidResponse(f"{what}: expected a JSON object, got {type(payload).__name__}")
    count = payload.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidResponse(f"{what}: count {count!r} is not a number of results")
    bag = payload.get("patentFileWrapperDataBag") or []
    if not isinstance(bag, list) or not all(isinstance(w, Mapping) for w in bag):
        raise InvalidResponse(f"{what}: patentFileWrapperDataBag is not a list of objects")
    return SearchPage(count=count, items=tuple(bag))


def parse_status(item: Mapping[str, Any]) -> ApplicationStatus:
    number = str(item.get("applicationNumberText") or "")
    meta = item.get("applicationMetaData") or {}
    if not isinstance(meta, Mapping):
        raise InvalidResponse(f"application {number}: applicationMetaData is not an object")
    code = meta.get("applicationStatusCode")
    ingested = item.get("lastIngestionDateTime")
    return ApplicationStatus(
        application_number=number,
        last_ingestion=str(ingested) if ingested else None,
        status_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        status_description=str(meta.get("applicationStatusDescriptionText") or ""),
        status_date=_date(meta.get("applicationStatusDate"), number, "applicationStatusDate"),
        filing_date=_date(meta.get("filingDate"), number, "filingDate"),
    )


def _date(value: Any, number: str, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidResponse(
            f"application {number}: {field} {value!r} is not a yyyy-MM-dd date"
        ) from None


def _plain_number(number: str) -> str:
    text = str(number).strip()
    if not text or not text.isalnum() or not text.isascii():
        raise ValueError(f"{number!r} is not an application number the ODP takes (digits only)")
    return text


def _subject(number: str, constituent: str | None) -> str:
    return f"US application {number}" + (f" {constituent}" if constituent else "")
