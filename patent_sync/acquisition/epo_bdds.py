"""EPO Bulk Data Distribution Service (BDDS): list and download the DOCDB front-file deliveries.

Protocol (as the EPO's BDDS web client speaks it; read from the public Go client
``max-planck-innovation-competition/go-epo-bdds`` and its recorded product response):

- A token comes from the EPO's Okta login: ``POST https://login.epo.org/oauth2/
  aus3up3nz0N133c0V417/v1/token`` with the form ``grant_type=password&username=…&password=…
  &scope=openid`` and ``Authorization: Basic <the BDDS web client's public id>``; the JSON
  answer holds ``access_token``, ``token_type`` ("Bearer") and ``expires_in`` (seconds).
- Every BDDS request then sends ``Authorization: <token_type> <access_token>``.
- ``GET {base}/products/{productId}`` lists a product's deliveries:
  ``{id, name, description, deliveries: [{deliveryId, deliveryName ("... 2024/011 Amend" |
  "... 2024/010 Cr-Del"), deliveryPublicationDatetime, deliveryExpiryDatetime, files: [{fileId,
  fileName, fileSize ("2.0 GB", a rounded label), fileChecksum (SHA-1, 40 hex, upper case),
  itemPublicationDatetime}]}]}``. Product 3 is the DOCDB front file.
- ``GET {base}/products/{productId}/delivery/{deliveryId}/file/{fileId}/download`` is the file.

The username and password come only from the environment (``EPO_BDDS_USERNAME`` /
``EPO_BDDS_PASSWORD``); neither they nor the token are logged, put in a message or kept with a
download. The token is fetched when first needed, renewed a minute before it expires, and once
more if the service answers 401 (a 2 GB download outlives a token).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

import httpx

from patent_sync.acquisition.epo_docdb_files import (
    check_kind,
    delivery_file_prefix,
    delivery_label,
    parse_delivery_name,
)
from patent_sync.acquisition.errors import (
    AcquisitionError,
    FeedNotPublished,
    HttpStatusError,
    InvalidResponse,
    RetriesExhausted,
)
from patent_sync.acquisition.http import DownloadResult, HttpClient, Timeouts
from patent_sync.acquisition.rate_budget import RateBudget
from patent_sync.acquisition.redaction import SecretScrubber, redact_url
from patent_sync.acquisition.retry import RetryPolicy

logger = logging.getLogger("patent_sync.acquisition")

ENV_USERNAME: Final = "EPO_BDDS_USERNAME"
ENV_PASSWORD: Final = "EPO_BDDS_PASSWORD"

DEFAULT_BASE_URL: Final = "https://publication-bdds.apps.epo.org/bdds/bdds-bff-service/prod/api"
DEFAULT_TOKEN_URL: Final = "https://login.epo.org/oauth2/aus3up3nz0N133c0V417/v1/token"
# The BDDS web application's public OAuth client id (not a secret: every browser sends it).
BDDS_CLIENT_AUTHORIZATION: Final = "Basic MG9hM3VwZG43YW41cE1JOE80MTc="
DOCDB_FRONT_FILE_PRODUCT: Final = "3"
BDDS_SERVICE: Final = "epo-bdds"

BDDS_STATUS_HINTS: Mapping[int, str] = {
    401: (
        "not signed in to the EPO Bulk Data Distribution Service: the token was refused "
        f"(check {ENV_USERNAME} / {ENV_PASSWORD})"
    ),
    403: "the EPO account is not subscribed to this BDDS product",
    404: "not found on the EPO Bulk Data Distribution Service",
}

_TOKEN_RENEW_MARGIN = 60.0  # seconds before expiry a token is renewed
_SHA1 = re.compile(r"[0-9A-Fa-f]{40}")
_SIZE_LABEL = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB)\s*", re.IGNORECASE)
_SIZE_UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class BddsAuthError(AcquisitionError):
    """No usable EPO login: credentials missing, or the login service refused them."""


class ChecksumMismatch(InvalidResponse):
    """A downloaded file's SHA-1 is not the ``fileChecksum`` the listing gives for it."""

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


@dataclasses.dataclass(frozen=True)
class BddsFile:
    """One file of a delivery, as listed. ``size_label`` is the listing's rounded "2.0 GB"."""

    file_id: int
    file_name: str
    size_label: str | None
    sha1: str | None  # upper-case hex, as listed
    published_at: dt.datetime | None

    @property
    def approximate_size(self) -> int | None:
        """Bytes the ``size_label`` stands for (rounded by the service; never a check)."""
        return parse_size_label(self.size_label)


@dataclasses.dataclass(frozen=True)
class BddsDelivery:
    """One delivery of a BDDS product; ``kind``/``publication_date`` when it is a DOCDB week."""

    product_id: str
    delivery_id: int
    name: str
    published_at: dt.datetime | None
    expires_at: dt.datetime | None
    files: tuple[BddsFile, ...]
    kind: str | None  # "Amend" | "CreateDelete" | None (e.g. the Notifications delivery)
    publication_date: dt.date | None

    def docdb_files(self) -> list[BddsFile]:
        """The delivery's ``docdb_xml_…_NNN.zip`` files in part order (not the coherence CSV)."""
        if self.kind is None or self.publication_date is None:
            return []
        prefix = delivery_file_prefix(self.kind, self.publication_date).lower()
        return sorted(
            (f for f in self.files if f.file_name.lower().startswith(prefix)),
            key=lambda f: f.file_name.lower(),
        )


@dataclasses.dataclass(frozen=True)
class BddsDownload:
    """A downloaded, checksum-verified delivery file."""

    file: BddsFile
    path: Path
    sha256: str
    sha1: str
    size: int
    url: str  # redacted, safe to log and audit
    attempts: int


@dataclasses.dataclass(frozen=True)
class _Token:
    header: str
    expires_at: float  # time.monotonic() value


def default_bdds_http() -> HttpClient:
    """The HTTP client BDDS gets: single-flight and unhurried (the files are GB-sized)."""
    return HttpClient(
        source="epo_bdds",
        retry=RetryPolicy(
            max_attempts=5,
            base_delay=2.0,
            max_delay=300.0,
            jitter=0.25,
            min_delay_after_429=5.0,
        ),
        budget=RateBudget(requests=1, per_seconds=2.0, burst=1, single_flight=True, name="bdds"),
        timeouts=Timeouts(connect=15.0, read=120.0, write=30.0, pool=30.0),
    )


def credentials_from_env(env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(username, password) from ``EPO_BDDS_USERNAME`` / ``EPO_BDDS_PASSWORD``."""
    env = os.environ if env is None else env
    username = (env.get(ENV_USERNAME) or "").strip()
    password = env.get(ENV_PASSWORD) or ""
    missing = [n for n, v in ((ENV_USERNAME, username), (ENV_PASSWORD, password)) if not v]
    if missing:
        raise BddsAuthError(
            "the EPO Bulk Data Distribution Service needs an EPO login: "
            f"set {' and '.join(missing)}"
        )
    return username, password


class EpoBddsClient:
    """Finds and downloads the DOCDB front-file deliveries of the EPO BDDS.

    Pass ``http`` to share a client (and its rate budget) or to inject test doubles; a client
    created here is closed by ``close()``. ``transport`` is the login's httpx transport,
    ``clock`` measures token lifetimes and ``sleep`` waits between login attempts (tests pass
    fakes).
    """

    def __init__(
        self,
        username: str,
        password: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        token_url: str = DEFAULT_TOKEN_URL,
        product_id: str = DOCDB_FRONT_FILE_PRODUCT,
        http: HttpClient | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not username.strip() or not password:
            raise BddsAuthError(
                f"the EPO Bulk Data Distribution Service needs an EPO login "
                f"({ENV_USERNAME} / {ENV_PASSWORD} are empty)"
            )
        self._username = username.strip()
        self._password = password
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        for url in (self.base_url, token_url):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"not an http(s) URL: {redact_url(url)!r}")
        self.product_id = product_id
        self._owns_http = http is None
        self.http = http if http is not None else default_bdds_http()
        # The token POST needs a form body, which HttpClient does not send; a small client of
        # its own with the same retry policy and rate budget does it.
        self._login = httpx.Client(
            timeout=self.http.timeouts.to_httpx(), transport=transport, follow_redirects=False
        )
        self._clock = clock
        self._sleep = sleep  # between login attempts (tests pass a recorder)
        self._rng = rng or random.Random()
        self._token: _Token | None = None
        self._token_lock = threading.Lock()
        self._scrubber = SecretScrubber([self._password, self._username])

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> EpoBddsClient:
        """A client signed in with ``EPO_BDDS_USERNAME`` / ``EPO_BDDS_PASSWORD``."""
        username, password = credentials_from_env(env)
        return cls(username, password, **kwargs)

    def __repr__(self) -> str:  # never show the login
        return f"EpoBddsClient(base_url={self.base_url!r}, product_id={self.product_id!r})"

    def close(self) -> None:
        self._login.close()
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> EpoBddsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- authentication ----------------------------------------------------------------------

    def _authorization(self, *, renew: bool = False) -> str:
        with self._token_lock:
            token = self._token
            if renew or token is None or self._clock() >= token.expires_at - _TOKEN_RENEW_MARGIN:
                token = self._token = self._fetch_token()
            return token.header

    def _fetch_token(self) -> _Token:
        """POST the login form; retried on 429/5xx and dropped connections like any request."""
        policy = self.http.retry
        form = {
            "grant_type": "password",
            "username": self._username,
            "password": self._password,
            "scope": "openid",
        }
        headers = {
            "Authorization": BDDS_CLIENT_AUTHORIZATION,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        shown = redact_url(self.token_url)
        problem = ""
        for attempt in range(1, policy.max_attempts + 1):
            budget = self.http.budget
            try:
                if budget is not None:
                    budget.acquire()
                response = self._login.post(self.token_url, data=form, headers=headers)
            except httpx.HTTPError as exc:
                problem = f"connection problem: {type(exc).__name__}"
                delay = policy.backoff_delay(attempt, self._rng)
            else:
                status = response.status_code
                if status == 200:
                    return self._parse_token(response)
                if status not in policy.retry_statuses:
                    excerpt = self._scrubber.scrub(" ".join(response.text[:300].split()))
                    raise BddsAuthError(
                        f"EPO login at {shown} refused with HTTP {status}: check {ENV_USERNAME} "
                        f"and {ENV_PASSWORD}; server said: {excerpt!r}"
                    )
                problem = f"HTTP {status}"
                delay = policy.backoff_delay(attempt, self._rng)
                retry_after = response.headers.get("retry-after")
                if retry_after is not None:
                    asked = policy.retry_after_parser(retry_after, dt.datetime.now(dt.UTC))
                    if asked is not None:
                        delay = asked
                if status == 429:
                    delay = max(delay, policy.min_delay_after_429)
            if attempt == policy.max_attempts:
                break
            logger.warning(
                "epo_bdds: login %s (attempt %d/%d); retrying in %.1f s",
                problem,
                attempt,
                policy.max_attempts,
                delay,
            )
            if budget is not None:
                budget.defer(delay)
            self._sleep(delay)
        raise RetriesExhausted(
            f"EPO login at {shown}: gave up after {policy.max_attempts} attempts; last "
            f"problem: {problem}",
            attempts=policy.max_attempts,
            last_status=None,
            last_error=problem,
        )

    def _parse_token(self, response: httpx.Response) -> _Token:
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BddsAuthError("EPO login answered 200 without a JSON token") from None
        if not isinstance(payload, Mapping):
            raise BddsAuthError("EPO login answered 200 without a JSON token")
        access, kind = payload.get("access_token"), payload.get("token_type")
        if not isinstance(access, str) or not access or not isinstance(kind, str) or not kind:
            raise BddsAuthError("EPO login answer has no access_token / token_type")
        expires_in = payload.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        self._scrubber = SecretScrubber([self._password, self._username, access])
        return _Token(f"{kind} {access}", self._clock() + lifetime)

    def _authorized(self, call: Callable[[dict[str, str]], Any]) -> Any:
        """Run ``call(headers)``; on a 401 sign in again once (the token may have lapsed)."""
        try:
            return call({"Authorization": self._authorization()})
        except HttpStatusError as exc:
            if exc.status != 401:
                raise
            logger.info("epo_bdds: token refused (HTTP 401); signing in again")
            return call({"Authorization": self._authorization(renew=True)})

    # -- listing -----------------------------------------------------------------------------

    def list_deliveries(self) -> list[BddsDelivery]:
        """Every delivery the product lists now (the BDDS keeps only recent weeks)."""
        url = f"{self.base_url}/products/{quote(self.product_id, safe='')}"
        payload = self._authorized(
            lambda headers: self.http.get_json(
                url,
                headers=headers,
                what=f"BDDS product {self.product_id} deliveries",
                status_hints=BDDS_STATUS_HINTS,
            )
        )
        return parse_product_deliveries(payload, self.product_id)

    def find_delivery(self, kind: str, publication_date: dt.date) -> BddsDelivery:
        """The ``kind`` delivery ("Amend" / "CreateDelete") of ``publication_date``'s ISO week.

        Raises ``FeedNotPublished`` naming what was listed when it is not (yet) there, or when
        it is listed without any ``docdb_xml`` zip.
        """
        check_kind(kind)
        wanted = delivery_label(kind, publication_date)
        deliveries = self.list_deliveries()
        for delivery in deliveries:
            if delivery.kind != kind or delivery.publication_date is None:
                continue
            if delivery_label(kind, delivery.publication_date) != wanted:
                continue
            if not delivery.docdb_files():
                raise FeedNotPublished(
                    f"BDDS delivery {delivery.name!r} lists no "
                    f"{delivery_file_prefix(kind, publication_date)}NNN.zip file "
                    f"(files: {', '.join(f.file_name for f in delivery.files) or 'none'})",
                    feed=_feed_label(kind),
                    publication_date=publication_date,
                    looked_at=[f"{self.base_url}/products/{self.product_id}"],
                )
            return delivery
        listed = (
            ", ".join(
                delivery_label(d.kind, d.publication_date)
                for d in deliveries
                if d.kind is not None and d.publication_date is not None
            )
            or "none"
        )
        raise FeedNotPublished(
            f"DOCDB {wanted} (for {publication_date.isoformat()}) is not listed on the EPO "
            f"Bulk Data Distribution Service (yet); listed: {listed}",
            feed=_feed_label(kind),
            publication_date=publication_date,
            looked_at=[f"{self.base_url}/products/{self.product_id}"],
        )

    # -- download ----------------------------------------------------------------------------

    def file_url(self, delivery: BddsDelivery, bdds_file: BddsFile) -> str:
        return (
            f"{self.base_url}/products/{quote(delivery.product_id, safe='')}/delivery/"
            f"{delivery.delivery_id}/file/{bdds_file.file_id}/download"
        )

    def download_file(
        self, delivery: BddsDelivery, bdds_file: BddsFile, dest_dir: Path
    ) -> BddsDownload:
        """Download one file to ``dest_dir / file_name``, verified against its listed SHA-1.

        The file lands under its name only once complete and matching ``fileChecksum``; on a
        mismatch nothing is left behind and ``ChecksumMismatch`` says which file and both sums.
        """
        _check_plain_file_name(bdds_file.file_name)
        dest_dir = Path(dest_dir)
        final = dest_dir / bdds_file.file_name
        staging = dest_dir / f".{bdds_file.file_name}.unverified"
        what = f"BDDS file {bdds_file.file_name} ({delivery.name})"
        url = self.file_url(delivery, bdds_file)
        result: DownloadResult = self._authorized(
            lambda headers: self.http.download(
                url, staging, headers=headers, what=what, status_hints=BDDS_STATUS_HINTS
            )
        )
        try:
            # HttpClient hashes SHA-256 as it streams; the listing's SHA-1 is checked in one
            # more pass over the finished file, before it is given its real name.
            sha1 = _sha1_of(staging)
            if bdds_file.sha1 is not None and sha1.upper() != bdds_file.sha1.upper():
                raise ChecksumMismatch(
                    f"{what}: SHA-1 of the download is {sha1.upper()} but the listing says "
                    f"{bdds_file.sha1.upper()}; the file was discarded",
                    expected=bdds_file.sha1.upper(),
                    actual=sha1.upper(),
                )
            if bdds_file.file_name.lower().endswith(".zip"):
                with staging.open("rb") as handle:
                    magic = handle.read(4)
                if magic not in _ZIP_MAGIC:
                    raise InvalidResponse(
                        f"{what}: the download is not a zip file (starts with {magic!r}; "
                        f"content-type {result.headers.get('content-type', 'unknown')!r})"
                    )
            os.replace(staging, final)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
        logger.info(
            "epo_bdds: downloaded %s (%d bytes, sha1 %s) in %d attempt(s)",
            bdds_file.file_name,
            result.size,
            sha1.upper(),
            result.attempts,
        )
        return BddsDownload(
            file=bdds_file,
            path=final,
            sha256=result.sha256,
            sha1=sha1.upper(),
            size=result.size,
            url=result.url,
            attempts=result.attempts,
        )

    def download_delivery(self, delivery: BddsDelivery, work_dir: Path) -> list[BddsDownload]:
        """Download every ``docdb_xml`` zip of ``delivery`` into ``work_dir``, in part order.

        All or nothing: when one file fails, the files already fetched for this delivery are
        removed again, so a half delivery is never mistaken for a whole one.
        """
        files = delivery.docdb_files()
        if not files:
            raise FeedNotPublished(
                f"BDDS delivery {delivery.name!r} has no docdb_xml zip to download",
                feed=_feed_label(delivery.kind or "Amend"),
                publication_date=delivery.publication_date or dt.date.min,
            )
        done: list[BddsDownload] = []
        try:
            for bdds_file in files:
                done.append(self.download_file(delivery, bdds_file, work_dir))
        except BaseException:
            for download in done:
                download.path.unlink(missing_ok=True)
            raise
        return done


def _feed_label(kind: str) -> str:
    # The service's own name for the feed; the pipeline names its feed in its own messages.
    return f"DOCDB {kind}"


def _sha1_of(path: Path) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def parse_size_label(label: str | None) -> int | None:
    """``"2.0 GB"`` → 2147483648; None for a missing or unreadable label."""
    if not label:
        return None
    match = _SIZE_LABEL.fullmatch(label)
    if match is None:
        return None
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).upper()])


def parse_product_deliveries(payload: Any, product_id: str) -> list[BddsDelivery]:
    """The deliveries of a BDDS ``GET /products/{id}`` answer; strict about what it needs."""
    where = f"BDDS product {product_id}"
    if not isinstance(payload, Mapping):
        raise InvalidResponse(f"{where}: expected a JSON object, got {type(payload).__name__}")
    deliveries = payload.get("deliveries")
    if not isinstance(deliveries, list):
        raise InvalidResponse(f"{where}: no deliveries list in the response")
    out: list[BddsDelivery] = []
    for position, item in enumerate(deliveries):
        if not isinstance(item, Mapping):
            raise InvalidResponse(f"{where}, delivery #{position + 1}: not an object")
        delivery_id, name = item.get("deliveryId"), item.get("deliveryName")
        if isinstance(delivery_id, bool) or not isinstance(delivery_id, int):
            raise InvalidResponse(f"{where}, delivery #{position + 1}: deliveryId is missing")
        if not isinstance(name, str) or not name.strip():
            raise InvalidResponse(f"{where}, delivery {delivery_id}: deliveryName is missing")
        files = item.get("files") or []
        if not isinstance(files, list):
            raise InvalidResponse(f"{where}, {name}: files is not a list")
        parsed = parse_delivery_name(name)
        out.append(
            BddsDelivery(
                product_id=product_id,
                delivery_id=delivery_id,
                name=name.strip(),
                published_at=_datetime(item.get("deliveryPublicationDatetime"), name),
                expires_at=_datetime(item.get("deliveryExpiryDatetime"), name),
                files=tuple(_file(f, name) for f in files),
                kind=None if parsed is None else parsed[0],
                publication_date=None if parsed is None else parsed[1],
            )
        )
    return out


def _file(item: Any, delivery_name: str) -> BddsFile:
    if not isinstance(item, Mapping):
        raise InvalidResponse(f"BDDS delivery {delivery_name}: a file entry is not an object")
    file_id, name = item.get("fileId"), item.get("fileName")
    if isinstance(file_id, bool) or not isinstance(file_id, int):
        raise InvalidResponse(f"BDDS delivery {delivery_name}: a file has no fileId")
    if not isinstance(name, str) or not name.strip():
        raise InvalidResponse(f"BDDS delivery {delivery_name}: file {file_id} has no fileName")
    checksum = item.get("fileChecksum")
    if checksum is not None and not (isinstance(checksum, str) and _SHA1.fullmatch(checksum)):
        raise InvalidResponse(
            f"BDDS delivery {delivery_name}, {name}: fileChecksum {checksum!r} is not a SHA-1"
        )
    size = item.get("fileSize")
    return BddsFile(
        file_id=file_id,
        file_name=name.strip(),
        size_label=size if isinstance(size, str) else None,
        sha1=checksum.upper() if isinstance(checksum, str) else None,
        published_at=_datetime(item.get("itemPublicationDatetime"), delivery_name),
    )


def _datetime(value: Any, where: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidResponse(f"BDDS delivery {where}: {value!r} is not a date-time") from None
    return None if parsed.year <= 1 else parsed  # "0001-01-01T00:00:00Z" means "not given"


def _check_plain_file_name(name: str) -> None:
    """A listed file name becomes a local path: refuse anything that could escape dest_dir."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise InvalidResponse(f"refusing to save a file listed as {name!r}: not a plain file name")


def deliveries_by_kind(deliveries: Sequence[BddsDelivery], kind: str) -> list[BddsDelivery]:
    """The DOCDB deliveries of ``kind``, oldest first."""
    return sorted(
        (d for d in deliveries if d.kind == kind and d.publication_date is not None),
        key=lambda d: d.publication_date or dt.date.min,
    )
