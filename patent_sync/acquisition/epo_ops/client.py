"""The EPO Open Patent Services (OPS 3.2) client every OPS source goes through.

It adds to the shared HTTP layer (timeouts, retries on 5xx and dropped connections, redaction)
what OPS needs: the OAuth2 token (renewed before expiry and on 400 ``invalid_access_token``,
the request then sent again once with the new token), pacing per throttle bucket by the
``X-Throttling-Control`` headers of the last minute, waiting out a black bucket for its
``Retry-After`` milliseconds, stopping cleanly on the fair-use 403, and tracking the quota
figures so the assets can show what a run used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping

import httpx

from patent_sync.acquisition.epo_ops.quota import (
    OpsQuotaExhausted,
    QuotaUsage,
    is_fair_use_rejection,
    parse_quota_header,
    quota_resets_at,
)
from patent_sync.acquisition.epo_ops.throttling import Colour, OpsService, ThrottlePacer
from patent_sync.acquisition.epo_ops.token import TOKEN_PATH, AccessTokens
from patent_sync.acquisition.errors import (
    AcquisitionError,
    HttpStatusError,
    InvalidResponse,
    RetryAfterTooLong,
)
from patent_sync.acquisition.http import HttpClient, HttpResponse, Timeouts
from patent_sync.acquisition.redaction import SecretScrubber
from patent_sync.acquisition.retry import RetryPolicy, parse_retry_after_milliseconds
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.safe_xml import parse_xml_bytes

logger = logging.getLogger("patent_sync.acquisition.epo_ops")

DEFAULT_BASE_URL = "https://ops.epo.org/3.2"
ENV_CONSUMER_KEY = "EPO_OPS_CONSUMER_KEY"
ENV_CONSUMER_SECRET = "EPO_OPS_CONSUMER_SECRET"

OPS_STATUS_HINTS: Mapping[int, str] = {
    400: "OPS rejected the request (a malformed query or number)",
    403: "OPS refused the request",
    404: "OPS has no such document or application (or the search matched nothing)",
    413: "the request asks for too much at once (OPS allows at most 100 documents)",
}

# Statuses the client reads itself instead of letting the HTTP layer raise: OPS puts the
# token problem in a 400 body and the quota/throttle rejection in 403 headers.
_READ_STATUSES = frozenset({400, 403, 404, 429})
_MAX_BODY = 64 << 20


@dataclasses.dataclass(frozen=True)
class OpsResponse:
    """A successful OPS answer. ``url`` is redacted; ``headers`` have lower-case names."""

    status: int
    body: bytes
    headers: Mapping[str, str]
    url: str


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OpsClient:
    """One OPS account's client. Thread-safe; use as a context manager or call ``close()``.

    Args:
        base_url: ``https://ops.epo.org/3.2`` (or a test server's equivalent).
        consumer_key, consumer_secret: the OPS application's credentials (never logged).
        renew_margin: renew the token this many seconds before it expires.
        throttle_window: how long a throttle header counts (OPS instances differ).
        max_throttle_wait: the longest black-bucket ``Retry-After`` to sit through.
        max_throttle_retries: how many black answers in a row one request may meet.
        clock, sleep, now: injectable time, so tests run without real waiting.
        retry, timeouts, transport: passed to the shared HTTP layer.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        consumer_key: str,
        consumer_secret: str,
        renew_margin: float = 60.0,
        throttle_window: float = 60.0,
        max_throttle_wait: float = 600.0,
        max_throttle_retries: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = _utc_now,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not consumer_key or not consumer_secret:
            raise AcquisitionError(
                f"EPO OPS needs a consumer key and secret ({ENV_CONSUMER_KEY}, "
                f"{ENV_CONSUMER_SECRET}); register an application at developers.epo.org"
            )
        self.base_url = base_url.rstrip("/")
        self._sleep = sleep
        self._now = now
        self._max_throttle_wait = max_throttle_wait
        self._max_throttle_retries = max_throttle_retries
        self._http = HttpClient(
            source="epo_ops",
            retry=retry
            or RetryPolicy(
                max_attempts=4,
                base_delay=2.0,
                max_delay=120.0,
                retry_after_parser=parse_retry_after_milliseconds,
            ),
            timeouts=timeouts or Timeouts(read=120.0, total=1800.0),
            status_hints=OPS_STATUS_HINTS,
            sleep=sleep,
            now=now,
            transport=transport,
        )
        self._scrubber = SecretScrubber([consumer_key, consumer_secret])
        self.tokens = AccessTokens(
            self._http,
            f"{self.base_url}/{TOKEN_PATH}",
            consumer_key,
            consumer_secret,
            renew_margin=renew_margin,
            clock=clock,
        )
        self.pacer = ThrottlePacer(window=throttle_window, clock=clock, sleep=sleep)
        self._quota = QuotaUsage()
        self._quota_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OpsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public API --------------------------------------------------------------------------

    @property
    def quota(self) -> QuotaUsage:
        """The latest fair-use figures OPS reported, and what this client fetched."""
        with self._quota_lock:
            return self._quota

    def get(
        self,
        path: str,
        *,
        service: OpsService,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        what: str | None = None,
        expect_xml: bool = True,
    ) -> OpsResponse:
        """GET ``{base_url}/{path}`` billed to ``service``'s bucket.

        ``what`` names the request in errors (default: "EPO OPS <path>"). An XML answer is
        checked to be well-formed (a truncated or garbled body is fetched once more, then is an
        ``InvalidResponse``). Raises ``HttpStatusError`` (404: nothing there), ``
        OpsQuotaExhausted`` (fair-use quota spent; never retried), ``RetryAfterTooLong`` (a
        throttle wait longer than allowed) and the HTTP layer's other ``AcquisitionError``s.
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        subject = what or f"EPO OPS {path.lstrip('/')}"
        renewals = throttled = malformed = 0
        while True:
            self.pacer.wait_turn(service)
            token = self.tokens.current()
            response = self._http.request(
                "GET",
                url,
                params=params,
                headers={
                    "Accept": "application/xml",
                    **(headers or {}),
                    "Authorization": f"Bearer {token}",
                },
                what=subject,
                pass_statuses=_READ_STATUSES,
                max_bytes=_MAX_BODY,
            )
            self._observe(response)
            if response.status == 400 and _says_invalid_token(response.body):
                # Expired or revoked: renew (once per request and then some) and send again.
                self.tokens.invalidate(token)
                renewals += 1
                if renewals > 2:
                    raise AcquisitionError(
                        f"{subject}: OPS keeps answering invalid_access_token to fresh tokens "
                        f"[{response.url}]"
                    )
                logger.info("epo_ops: access token rejected; renewing it for %s", subject)
                continue
            if response.status == 404:
                raise self._refusal(response, subject)
            if response.status in _READ_STATUSES:
                delay = self._throttle_delay(response, service)
                if delay is None:
                    raise self._refusal(response, subject)
                throttled += 1
                self._wait_throttled(response, service, subject, delay, throttled)
                continue
            if expect_xml and _looks_xml(response):
                problem = _xml_problem(response.body)
                if problem is not None:
                    malformed += 1
                    if malformed <= 1:
                        logger.warning("epo_ops: %s: %s; fetching it again", subject, problem)
                        continue
                    raise InvalidResponse(
                        f"{subject}: OPS answered with XML that is not well-formed ({problem}) "
                        f"twice in a row; nothing from it was used [{response.url}]"
                    )
            return OpsResponse(
                status=response.status,
                body=response.body,
                headers=response.headers,
                url=response.url,
            )

    # -- helpers -----------------------------------------------------------------------------

    def _observe(self, response: HttpResponse) -> None:
        self.pacer.observe(response.headers.get("x-throttling-control"))
        hour = parse_quota_header(response.headers.get("x-individualquotaperhour-used"))
        week = parse_quota_header(response.headers.get("x-registeredquotaperweek-used"))
        paying = parse_quota_header(response.headers.get("x-registeredpayingquotaperweek-used"))
        with self._quota_lock:
            q = self._quota
            self._quota = dataclasses.replace(
                q,
                hour_used=hour if hour is not None else q.hour_used,
                week_used=week if week is not None else q.week_used,
                paying_week_used=paying if paying is not None else q.paying_week_used,
                week_used_at_start=q.week_used_at_start
                if q.week_used_at_start is not None
                else week,
                requests=q.requests + 1,
                bytes_received=q.bytes_received + len(response.body),
            )

    def _throttle_delay(self, response: HttpResponse, service: OpsService) -> float | None:
        """Seconds to wait if ``response`` is a throttle rejection, else None."""
        if response.status == 400:
            return None  # a malformed request: waiting will not fix it
        if response.status == 403 and is_fair_use_rejection(
            response.headers.get("x-rejection-reason"), response.body
        ):
            return None
        header = response.headers.get("x-throttling-control", "")
        reading = self.pacer.effective(service)
        black = reading.colour is Colour.BLACK or f"{service.value}=black" in header.lower()
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            parsed = parse_retry_after_milliseconds(retry_after, self._now())
            # A refusal that is not the fair-use quota but names a wait is throttling too
            # (a per-minute rejection reason, or a black light on another OPS instance).
            if parsed is not None:
                return parsed
        if black or response.status == 429:
            return 60.0  # no usable Retry-After: a rolling minute is the longest a light lasts
        return None

    def _wait_throttled(
        self,
        response: HttpResponse,
        service: OpsService,
        subject: str,
        delay: float,
        throttled: int,
    ) -> None:
        if delay > self._max_throttle_wait:
            raise RetryAfterTooLong(
                f"{subject}: OPS suspended the {service.value} service for {delay:.0f} s "
                f"(longer than the {self._max_throttle_wait:.0f} s allowed) [{response.url}]",
                status=response.status,
                requested_delay=delay,
                allowed_delay=self._max_throttle_wait,
            )
        if throttled > self._max_throttle_retries:
            raise AcquisitionError(
                f"{subject}: OPS kept the {service.value} service black through "
                f"{self._max_throttle_retries} waits; try again later [{response.url}]"
            )
        logger.warning(
            "epo_ops: %s service is black (HTTP %d); waiting %.1f s before %s",
            service.value,
            response.status,
            delay,
            subject,
        )
        self.pacer.suspend(service, delay)  # every request to the bucket waits, not only this

    def _refusal(self, response: HttpResponse, subject: str) -> AcquisitionError:
        reason = response.headers.get("x-rejection-reason", "")
        excerpt = self._scrubber.scrub(
            " ".join(response.body[:600].decode("utf-8", "replace").split())
        )[:200]
        if response.status == 403 and is_fair_use_rejection(reason, response.body):
            now = self._now()
            resets = quota_resets_at(reason, now)
            which = {
                "individualquotaperhour": "the hourly fair-use volume (about 450 MB per hour)",
                "registeredquotaperweek": "the registered account's weekly volume",
                "registeredpayingquotaperweek": "the paying account's weekly volume",
            }.get(reason.strip().lower(), "a fair-use quota")
            when = (
                f"OPS should accept requests again by {resets:%Y-%m-%d %H:%M} UTC"
                if resets is not None
                else "OPS did not say which quota, so when it resets is unknown"
            )
            message = (
                f"{subject}: fair-use quota exhausted ({reason or 'no reason given'}: "
                f"{which}); stopped without retrying; {when} [{response.url}]"
            )
            logger.error("epo_ops: %s", message)
            return OpsQuotaExhausted(message, reason=reason, resets_at=resets)
        hint = OPS_STATUS_HINTS.get(response.status, "not retried")
        message = f"{subject}: HTTP {response.status} from {response.url}: {hint}"
        if reason:
            message += f" (X-Rejection-Reason: {reason[:80]})"
        if excerpt:
            message += f"; server said: {excerpt!r}"
        # A 404 is an ordinary answer (a search without hits, an unknown number): the caller
        # decides whether it is an error.
        logger.log(
            logging.INFO if response.status == 404 else logging.ERROR, "epo_ops: %s", message
        )
        return HttpStatusError(message, status=response.status, url=response.url)


def _says_invalid_token(body: bytes) -> bool:
    return b"invalid_access_token" in body[:4096]


def _looks_xml(response: HttpResponse) -> bool:
    content_type = response.headers.get("content-type", "").lower()
    return "xml" in content_type or response.body.lstrip()[:5] == b"<?xml"


def _xml_problem(body: bytes) -> str | None:
    try:
        parse_xml_bytes(body)
    except ParseError as exc:
        return str(exc).splitlines()[0][:200] if str(exc) else exc.__class__.__name__
    return None
