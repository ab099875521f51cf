"""The shared HTTP layer every office client is built on (USPTO ODP, EPO OPS, WIPO...).

One ``HttpClient`` per source gives:

- timeouts (connect/read/write/pool), default headers, redirects followed;
- retries on 429/500/502/503/504 and on timeouts and dropped connections, honouring
  ``Retry-After`` (seconds, HTTP-date, or a source-specific parser) and otherwise backing off
  exponentially with jitter; a ``Retry-After`` longer than the caller allows is an error;
- a ``RateBudget`` (token bucket, optionally single-flight) consulted before every attempt;
- streaming downloads hashed with SHA-256 on the fly into a temporary file that is renamed into
  place only when complete, so a partial download never sits at the destination. "Complete" is
  checked without trusting the listing: the exact ``Content-Length`` (no byte short, no byte
  extra), a whole gzip stream under ``Content-Encoding: gzip``, and for zip and gzip payloads
  their own structure (every zip member's CRC, the gzip trailer's CRC and length);
- an overall deadline (``Timeouts.total``) on every request, attempts and waits included, so a
  server that drips a byte at a time ends in ``DownloadDeadlineExceeded`` instead of a hang;
- every attempt reported to an optional ``on_attempt`` hook and to the ``patent_sync.acquisition``
  logger, with URLs redacted and secret header values never shown; httpx's and httpcore's own
  loggers get a redacting filter too (they print signed redirect URLs at INFO/DEBUG).

A retry always starts again from the URL the caller gave, never from a redirect target: the
USPTO answers a file URL with a redirect to a pre-signed URL that expires within seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import random
import select
import socket
import ssl
import struct
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import Any, TypeVar

import httpx

from patent_sync.acquisition.errors import (
    AcquisitionError,
    DownloadDeadlineExceeded,
    HttpStatusError,
    IncompleteDownload,
    InvalidResponse,
    RetriesExhausted,
    RetryAfterTooLong,
)
from patent_sync.acquisition.rate_budget import RateBudget
from patent_sync.acquisition.redaction import (
    SECRET_HEADER_NAMES,
    SecretScrubber,
    install_log_redaction,
    redact_url,
)
from patent_sync.acquisition.retry import RetryPolicy

__all__ = [
    "DEFAULT_STATUS_HINTS",
    "AcquisitionError",
    "AttemptEvent",
    "DownloadDeadlineExceeded",
    "DownloadResult",
    "HttpClient",
    "HttpResponse",
    "HttpStatusError",
    "IncompleteDownload",
    "InvalidResponse",
    "RateBudget",
    "RetriesExhausted",
    "RetryAfterTooLong",
    "RetryPolicy",
    "Timeouts",
]

logger = logging.getLogger("patent_sync.acquisition")

T = TypeVar("T")

# What a non-retryable status most likely means, shown in HttpStatusError messages.
DEFAULT_STATUS_HINTS: Mapping[int, str] = {
    400: "the server rejected the request as malformed",
    401: "no API key sent (or no credentials the server accepts)",
    403: "API key rejected or still activating",
    404: "not found",
    405: "method not allowed for this URL",
    410: "gone: the resource was removed",
    413: "request too large",
    414: "URL too long",
}

# Response headers worth keeping with a download (provenance, debugging with the office).
KEPT_RESPONSE_HEADERS: tuple[str, ...] = (
    "content-type",
    "content-length",
    "content-encoding",
    "etag",
    "last-modified",
    "date",
    "x-amzn-requestid",
    "x-amz-apigw-id",
    "x-amz-request-id",
)

DEFAULT_CHUNK_SIZE = 1 << 20  # 1 MiB
_MAX_JSON_BYTES = 64 << 20  # a JSON listing larger than this is not a listing
_ERROR_BODY_EXCERPT = 300  # characters of an error body quoted in a message
_ERROR_BODY_READ_LIMIT = 8 << 10
# Multi-GB weekly files over a slow link take hours; a day-long hang is what this rules out.
DEFAULT_DEADLINE_SECONDS = 6 * 3600.0
_VERIFY_CHUNK = 256 << 10  # bytes read at a time when checking a finished zip or gzip payload
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # first local header; empty archive
_GZIP_SIGNATURE = b"\x1f\x8b"
_DECODED_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})

try:  # optional in some Python builds; zip members may use it
    import lzma

    _LZMA_ERRORS: tuple[type[Exception], ...] = (lzma.LZMAError,)
except ImportError:  # pragma: no cover
    _LZMA_ERRORS = ()

# What reading a damaged zip or gzip file raises (CRC mismatch, missing end, bad header).
_ARCHIVE_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    gzip.BadGzipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    *_LZMA_ERRORS,
)


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for each phase.

    ``read`` is per chunk received, not for the whole body. ``total`` is the overall deadline
    of one ``get_json``/``download`` call: every attempt, every wait between attempts and the
    check of the finished payload; None means no deadline (not recommended).
    """

    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 10.0
    total: float | None = DEFAULT_DEADLINE_SECONDS

    def __post_init__(self) -> None:
        if self.total is not None and self.total <= 0:
            raise ValueError(f"Timeouts.total must be positive seconds or None, got {self.total}")

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)

    def within(self, remaining: float | None) -> httpx.Timeout:
        """The per-phase timeouts, none longer than ``remaining`` seconds (the deadline)."""
        if remaining is None:
            return self.to_httpx()
        cap = max(remaining, 0.001)
        return httpx.Timeout(
            connect=min(self.connect, cap),
            read=min(self.read, cap),
            write=min(self.write, cap),
            pool=min(self.pool, cap),
        )


@dataclasses.dataclass(frozen=True)
class AttemptEvent:
    """One attempt at a request, as reported to ``on_attempt`` (URL already redacted)."""

    source: str
    method: str
    url: str
    attempt: int
    max_attempts: int
    status: int | None  # None when no response arrived (timeout, connection error)
    error: str | None  # what went wrong, None on success
    retry_in: float | None  # seconds until the next attempt, None if there is none
    elapsed: float  # seconds this attempt took

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclasses.dataclass(frozen=True)
class DownloadResult:
    """A completed download.

    ``url`` is the final URL after redirects and ``requested_url`` the one asked for, both with
    credential-like query parameters redacted so they are safe to log and to audit.
    """

    path: Path
    sha256: str
    size: int
    url: str
    requested_url: str
    status: int
    headers: Mapping[str, str]
    attempts: int
    # What was checked before the file was accepted: "content-length", "listing-size",
    # "content-encoding", "zip", "gzip". Empty means only that the connection ended cleanly.
    verified: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class HttpResponse:
    """A whole (small) response body returned by ``HttpClient.request``.

    ``url`` is redacted; ``headers`` are the response's headers with lower-cased names.
    """

    status: int
    body: bytes
    headers: Mapping[str, str]
    url: str
    attempts: int = 1


class _Deadline:
    """The overall deadline of one call, on the monotonic clock."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def passed(self, margin: float = 0.0) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= margin

    def check(self, doing: str) -> None:
        if self.passed():
            raise _DeadlinePassed(doing)


class _DeadlinePassed(Exception):
    """Internal: the overall deadline passed while ``doing``; turned into the public error."""

    def __init__(self, doing: str) -> None:
        super().__init__(doing)
        self.doing = doing


class _Retryable(Exception):
    """Internal: this attempt failed in a way another attempt may fix."""

    def __init__(self, reason: str, *, status: int | None, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.delay = delay


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class HttpClient:
    """An httpx client with retries, a rate budget, redaction and streaming downloads.

    One instance per source (its budget is that source's budget). Safe to share between
    threads. Use as a context manager or call ``close()``.

    Args:
        source: short name used in logs and attempt events ("uspto_odp", "epo_ops").
        retry: the retry policy; a default ``RetryPolicy()`` when None.
        budget: the source's rate budget; None sends without budgeting.
        timeouts: per-phase timeouts.
        headers: default headers for every request (secret ones are never logged).
        secret_headers: header names whose values are secrets (case-insensitive); they are
            scrubbed from messages and not forwarded when a redirect leaves the origin.
        status_hints: status -> explanation used in ``HttpStatusError`` messages.
        on_attempt: called after every attempt with an ``AttemptEvent``.
        sleep: how to wait between attempts (tests pass a recorder). After a retryable
            failure the client sleeps here *and* defers the budget by the same delay, so a
            fake ``sleep`` should advance the budget's fake clock.
        now: the current UTC time, for ``Retry-After`` HTTP-dates.
        rng: randomness for jitter (tests pass a seeded ``random.Random``).
        transport: an httpx transport (tests, proxies); None for the default.
        user_agent: the ``User-Agent`` header.
    """

    def __init__(
        self,
        *,
        source: str = "http",
        retry: RetryPolicy | None = None,
        budget: RateBudget | None = None,
        timeouts: Timeouts | None = None,
        headers: Mapping[str, str] | None = None,
        secret_headers: Iterable[str] = SECRET_HEADER_NAMES,
        status_hints: Mapping[int, str] | None = None,
        on_attempt: Callable[[AttemptEvent], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = _utc_now,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = "patent_sync (patent docket synchronisation)",
    ) -> None:
        self.source = source
        self.retry = retry or RetryPolicy()
        self.budget = budget
        self.timeouts = timeouts or Timeouts()
        self.on_attempt = on_attempt
        self.status_hints = {**DEFAULT_STATUS_HINTS, **(status_hints or {})}
        self._secret_headers = frozenset(name.lower() for name in secret_headers)
        self._default_headers = {"User-Agent": user_agent, **(headers or {})}
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._local = threading.local()  # the origin the current thread's request started at
        install_log_redaction()  # httpx logs signed redirect URLs; idempotent
        self._client = httpx.Client(
            timeout=self.timeouts.to_httpx(),
            follow_redirects=True,
            headers=self._default_headers,
            transport=transport,
            event_hooks={"request": [self._drop_secrets_off_origin]},
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public API --------------------------------------------------------------------------

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        what: str | None = None,
        status_hints: Mapping[int, str] | None = None,
        deadline_seconds: float | None = None,
    ) -> Any:
        """GET ``url`` and return its decoded JSON body, retrying per the policy.

        ``what`` describes the resource for error messages ("PTGRXML file listing");
        ``status_hints`` override the client's explanations of statuses for this call;
        ``deadline_seconds`` overrides ``Timeouts.total`` for this call.
        Raises ``HttpStatusError``, ``RetriesExhausted`` (``DownloadDeadlineExceeded`` when the
        deadline passed), ``RetryAfterTooLong`` or ``InvalidResponse`` (a 2xx body that is not
        JSON).
        """
        deadline = _Deadline(self._deadline_seconds(deadline_seconds))

        def consume(response: httpx.Response, scrubber: SecretScrubber) -> Any:
            body = self._read_capped(response, _MAX_JSON_BYTES, what or redact_url(url), deadline)
            try:
                return json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                excerpt = scrubber.scrub(body[:_ERROR_BODY_EXCERPT].decode("utf-8", "replace"))
                raise InvalidResponse(
                    f"{what or 'response'} from {redact_url(response.url)} is not JSON "
                    f"(content-type {response.headers.get('content-type', 'unknown')!r}): "
                    f"{exc.__class__.__name__}; body starts {excerpt!r}"
                ) from None

        result, _attempts = self._with_retries(
            "GET",
            url,
            params=params,
            headers=headers,
            what=what,
            status_hints=status_hints,
            consume=consume,
            deadline=deadline,
        )
        return result

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        what: str | None = None,
        status_hints: Mapping[int, str] | None = None,
        pass_statuses: Iterable[int] = (),
        max_bytes: int = _MAX_JSON_BYTES,
        deadline_seconds: float | None = None,
    ) -> HttpResponse:
        """Send ``method`` (GET or POST) and return the whole body, retrying per the policy.

        ``form`` is sent as an ``application/x-www-form-urlencoded`` body (an OAuth2 token
        request). A 2xx answer is returned; so is any status in ``pass_statuses``, for protocols
        that carry meaning in an error body (EPO OPS says "invalid_access_token" with a 400).
        Other statuses raise as in ``get_json``; a body over ``max_bytes`` is ``InvalidResponse``.
        """
        deadline = _Deadline(self._deadline_seconds(deadline_seconds))
        subject = what or redact_url(url)

        def consume(response: httpx.Response, scrubber: SecretScrubber) -> HttpResponse:
            body = self._read_capped(response, max_bytes, subject, deadline, kind="response")
            return HttpResponse(
                status=response.status_code,
                body=body,
                headers={name.lower(): value for name, value in response.headers.items()},
                url=redact_url(response.url),
            )

        result, attempts = self._with_retries(
            method,
            url,
            params=params,
            headers=headers,
            what=what,
            status_hints=status_hints,
            consume=consume,
            deadline=deadline,
            form=form,
            pass_statuses=frozenset(pass_statuses),
        )
        return dataclasses.replace(result, attempts=attempts)

    def download(
        self,
        url: str,
        dest_path: Path,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        what: str | None = None,
        status_hints: Mapping[int, str] | None = None,
        expected_size: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        on_progress: Callable[[int, int | None], None] | None = None,
        deadline_seconds: float | None = None,
    ) -> DownloadResult:
        """Stream ``url`` into ``dest_path``, hashing SHA-256 on the way; never buffers the body.

        The body goes to a temporary ``.part`` file beside ``dest_path`` that is fsynced and
        renamed over ``dest_path`` only once it is known complete:

        - exactly ``Content-Length`` bytes arrived, and nothing after them;
        - a ``Content-Encoding: gzip``/``deflate`` body decoded to the end of its stream;
        - ``expected_size`` (from a listing), when given, matches;
        - a zip payload (named ``.zip`` or starting with a zip signature) opens, and every
          member decompresses with the CRC its central directory records; a gzip payload
          (``.gz``/``.tgz`` or the gzip signature) decompresses to its trailer, CRC and length
          checked.

        A short, long or damaged body raises ``IncompleteDownload`` inside and is retried from
        ``url``; a body that is not the promised kind at all (an HTML page saved as ``.zip``) is
        an ``InvalidResponse`` and is not retried. The whole call, retries and waits included,
        must finish within ``deadline_seconds`` (default ``Timeouts.total``), else
        ``DownloadDeadlineExceeded``. On any failure the temporary file is removed, so
        ``dest_path`` is never partial. ``on_progress(bytes_so_far, total_or_None)`` is called
        about every ``chunk_size`` bytes and at the end.
        """
        dest_path = Path(dest_path)
        request_headers = {"Accept-Encoding": "identity", **(headers or {})}
        deadline = _Deadline(self._deadline_seconds(deadline_seconds))

        def consume(response: httpx.Response, scrubber: SecretScrubber) -> DownloadResult:
            size, sha256, verified = self._stream_to_file(
                response, dest_path, expected_size, chunk_size, on_progress, what, deadline
            )
            kept = {
                name: response.headers[name]
                for name in KEPT_RESPONSE_HEADERS
                if name in response.headers
            }
            return DownloadResult(
                path=dest_path,
                sha256=sha256,
                size=size,
                url=redact_url(response.url),
                requested_url=redact_url(_first_request_url(response)),
                status=response.status_code,
                headers=kept,
                attempts=0,  # filled in below
                verified=verified,
            )

        result, attempts = self._with_retries(
            "GET",
            url,
            params=params,
            headers=request_headers,
            what=what,
            status_hints=status_hints,
            consume=consume,
            deadline=deadline,
        )
        return dataclasses.replace(result, attempts=attempts)

    # -- the retry loop ----------------------------------------------------------------------

    def _with_retries(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        what: str | None,
        status_hints: Mapping[int, str] | None,
        consume: Callable[[httpx.Response, SecretScrubber], T],
        deadline: _Deadline,
        form: Mapping[str, str] | None = None,
        pass_statuses: frozenset[int] = frozenset(),
    ) -> tuple[T, int]:
        policy = self.retry
        hints = {**self.status_hints, **(status_hints or {})}
        all_headers = {**self._default_headers, **(headers or {})}
        scrubber = SecretScrubber.from_headers(all_headers, self._secret_headers)
        shown_url = redact_url(url)
        subject = what or shown_url
        last_status: int | None = None
        last_error = ""
        last_exc: BaseException | None = None
        for attempt in range(1, policy.max_attempts + 1):
            started = time.monotonic()
            logger.debug(
                "%s %s %s (attempt %d/%d)",
                self.source,
                method,
                shown_url,
                attempt,
                policy.max_attempts,
            )
            try:
                deadline.check("before sending the request")
                result, status = self._attempt(
                    method,
                    url,
                    params,
                    headers,
                    subject,
                    scrubber,
                    hints,
                    attempt,
                    consume,
                    deadline,
                    form,
                    pass_statuses,
                )
            except _Retryable as failure:
                last_status, last_error, last_exc = failure.status, failure.reason, failure
                delay = failure.delay
            except _DeadlinePassed as passed:
                raise self._deadline_error(
                    deadline, passed.doing, attempt, last_status, last_error, subject,
                    shown_url, scrubber, started, method,
                ) from None  # fmt: skip
            except AcquisitionError as exc:
                status = getattr(exc, "status", None)
                self._report(method, shown_url, attempt, status, str(exc), None, started)
                raise
            else:
                self._report(method, shown_url, attempt, status, None, None, started)
                return result, attempt

            has_next = attempt < policy.max_attempts
            self._report(
                method,
                shown_url,
                attempt,
                last_status,
                last_error,
                delay if has_next else None,
                started,
            )
            if not has_next:
                break
            remaining = deadline.remaining()
            if remaining is not None and delay >= remaining:
                # Sleeping would end past the deadline; say so now rather than after the wait.
                raise self._deadline_error(
                    deadline,
                    f"before waiting {_human_seconds(delay)} for the next attempt",
                    attempt, last_status, last_error, subject, shown_url, scrubber, None, method,
                ) from last_exc  # fmt: skip
            logger.warning(
                "%s: %s for %s (attempt %d/%d); retrying in %.1f s",
                self.source,
                last_error,
                scrubber.scrub(subject),
                attempt,
                policy.max_attempts,
                delay,
            )
            if self.budget is not None:
                self.budget.defer(delay)  # everyone on this source backs off, not only us
            self._sleep(delay)

        plural = "s" if policy.max_attempts != 1 else ""
        message = scrubber.scrub(
            f"{subject}: gave up after {policy.max_attempts} attempt{plural}; "
            f"last problem: {last_error} [{shown_url}]"
        )
        logger.error("%s: %s", self.source, message)
        raise RetriesExhausted(
            message,
            attempts=policy.max_attempts,
            last_status=last_status,
            last_error=last_error,
        ) from last_exc

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        subject: str,
        scrubber: SecretScrubber,
        hints: Mapping[int, str],
        attempt: int,
        consume: Callable[[httpx.Response, SecretScrubber], T],
        deadline: _Deadline,
        form: Mapping[str, str] | None = None,
        pass_statuses: frozenset[int] = frozenset(),
    ) -> tuple[T, int]:
        """One try: (consumed body, status), or raises ``_Retryable`` / ``AcquisitionError``."""
        budget_slot = self.budget.slot() if self.budget is not None else nullcontext(0.0)
        try:
            with budget_slot:
                deadline.check("waiting for the rate budget")
                request = self._client.build_request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    data=form,
                    timeout=self.timeouts.within(deadline.remaining()),
                )
                self._local.origin = _origin(request.url)
                try:
                    response = self._client.send(request, stream=True)
                finally:
                    self._local.origin = None
                try:
                    status = response.status_code
                    if 200 <= status < 300 or status in pass_statuses:
                        return consume(response, scrubber), status
                    if status in self.retry.retry_statuses:
                        delay = self._delay_for(response, attempt, subject, scrubber)
                        raise _Retryable(
                            f"HTTP {status} {response.reason_phrase}".strip(),
                            status=status,
                            delay=delay,
                        )
                    raise self._status_error(response, subject, scrubber, hints)
                finally:
                    response.close()
        except IncompleteDownload as exc:
            raise _Retryable(str(exc), status=None, delay=self._backoff(attempt)) from exc
        except (httpx.LocalProtocolError, UnicodeEncodeError):
            # Our own request is malformed (e.g. a line break in a header value); the exception
            # text may quote that header, which could be the API key, so it is not repeated.
            raise AcquisitionError(
                f"{subject}: the request to {redact_url(url)} could not be sent: a header or "
                "the URL is not valid HTTP (check the API key for stray characters)"
            ) from None
        except httpx.InvalidURL:
            raise AcquisitionError(f"{subject}: invalid URL {redact_url(url)}") from None
        except httpx.UnsupportedProtocol as exc:
            raise AcquisitionError(
                f"{subject}: unsupported URL scheme in {redact_url(url)} ({exc})"
            ) from None
        except httpx.TimeoutException as exc:
            kind = _TIMEOUT_KINDS.get(type(exc), "timed out")
            if deadline.passed(margin=0.001):  # the timeout was cut short by the deadline
                raise _DeadlinePassed(f"while waiting for the server ({kind})") from None
            raise _Retryable(
                f"{kind} (limit {self._timeout_for(exc):g} s)",
                status=None,
                delay=self._backoff(attempt),
            ) from exc
        except httpx.TransportError as exc:
            reason = scrubber.scrub(str(exc)) or exc.__class__.__name__
            raise _Retryable(
                f"connection problem: {exc.__class__.__name__}: {reason}",
                status=None,
                delay=self._backoff(attempt),
            ) from exc
        except httpx.TooManyRedirects:
            raise AcquisitionError(
                f"{subject}: too many redirects starting from {redact_url(url)}"
            ) from None
        except httpx.HTTPError as exc:  # InvalidURL, DecodingError, StreamError...
            raise AcquisitionError(
                f"{subject}: {exc.__class__.__name__}: {scrubber.scrub(str(exc))}"
            ) from None

    # -- helpers -----------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return self.retry.backoff_delay(attempt, self._rng)

    def _delay_for(
        self, response: httpx.Response, attempt: int, subject: str, scrubber: SecretScrubber
    ) -> float:
        """Seconds to wait after a retryable status: Retry-After if usable, else backoff."""
        policy = self.retry
        status = response.status_code
        floor = policy.min_delay_after_429 if status == 429 else 0.0
        header = response.headers.get("retry-after")
        if header is None:
            return max(self._backoff(attempt), floor)
        requested = policy.retry_after_parser(header, self._now())
        if requested is None:
            logger.warning(
                "%s: ignoring unusable Retry-After %r on HTTP %d; backing off instead",
                self.source,
                scrubber.scrub(header)[:80],
                status,
            )
            return max(self._backoff(attempt), floor)
        limit = policy.retry_after_limit
        if requested > limit:
            message = scrubber.scrub(
                f"{subject}: HTTP {status} from {redact_url(response.url)} asks to wait "
                f"{_human_seconds(requested)} (Retry-After: {header[:80]}), "
                f"longer than the {_human_seconds(limit)} this client may wait; "
                "a quota is probably exhausted, try again later"
            )
            logger.error("%s: %s", self.source, message)
            raise RetryAfterTooLong(
                message, status=status, requested_delay=requested, allowed_delay=limit
            )
        return max(requested, floor)

    def _status_error(
        self,
        response: httpx.Response,
        subject: str,
        scrubber: SecretScrubber,
        hints: Mapping[int, str],
    ) -> HttpStatusError:
        status = response.status_code
        hint = hints.get(status, "not retried")
        excerpt = self._error_excerpt(response, scrubber)
        message = (
            f"{subject}: HTTP {status} {response.reason_phrase} from "
            f"{redact_url(response.url)}: {hint}"
        )
        if excerpt:
            message += f"; server said: {excerpt!r}"
        message = scrubber.scrub(message)
        logger.error("%s: %s", self.source, message)
        return HttpStatusError(message, status=status, url=redact_url(response.url))

    @staticmethod
    def _error_excerpt(response: httpx.Response, scrubber: SecretScrubber) -> str:
        """The start of an error body, whitespace-collapsed and scrubbed of secrets."""
        try:
            raw = HttpClient._read_prefix(response, _ERROR_BODY_READ_LIMIT)
        except httpx.HTTPError:
            return ""
        text = " ".join(raw.decode("utf-8", "replace").split())
        return scrubber.scrub(text)[:_ERROR_BODY_EXCERPT]

    @staticmethod
    def _read_prefix(response: httpx.Response, limit: int) -> bytes:
        buffer = bytearray()
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) >= limit:
                break
        return bytes(buffer[:limit])

    @staticmethod
    def _read_capped(
        response: httpx.Response,
        limit: int,
        subject: str,
        deadline: _Deadline,
        kind: str = "JSON document",
    ) -> bytes:
        buffer = bytearray()
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > limit:
                raise InvalidResponse(
                    f"{subject}: response larger than {limit // (1 << 20)} MiB; "
                    f"expected a small {kind}"
                )
            deadline.check("while receiving the body")
            _tighten_read_timeout(response, deadline)
        return bytes(buffer)

    def _deadline_seconds(self, override: float | None) -> float | None:
        seconds = self.timeouts.total if override is None else override
        if seconds is not None and seconds <= 0:
            raise ValueError(f"deadline_seconds must be positive, got {seconds}")
        return seconds

    def _deadline_error(
        self,
        deadline: _Deadline,
        doing: str,
        attempt: int,
        last_status: int | None,
        last_error: str | None,
        subject: str,
        shown_url: str,
        scrubber: SecretScrubber,
        started: float | None,
        method: str,
    ) -> DownloadDeadlineExceeded:
        limit = deadline.seconds or 0.0
        plural = "s" if attempt != 1 else ""
        message = (
            f"{subject}: not finished within its {_human_seconds(limit)} deadline "
            f"(Timeouts.total); gave up {doing} after {attempt} attempt{plural}"
        )
        if last_error:
            message += f"; last problem: {last_error}"
        message = scrubber.scrub(f"{message} [{shown_url}]")
        logger.error("%s: %s", self.source, message)
        if started is not None:
            self._report(method, shown_url, attempt, last_status, message, None, started)
        return DownloadDeadlineExceeded(
            message,
            attempts=attempt,
            last_status=last_status,
            last_error=last_error or f"deadline passed {doing}",
            deadline=limit,
        )

    def _stream_to_file(
        self,
        response: httpx.Response,
        dest_path: Path,
        expected_size: int | None,
        chunk_size: int,
        on_progress: Callable[[int, int | None], None] | None,
        what: str | None,
        deadline: _Deadline,
    ) -> tuple[int, str, tuple[str, ...]]:
        """Write the body to a temp file beside ``dest_path``; rename it in once verified.

        Returns (size, SHA-256, what was verified). Raw (still encoded) bytes are read as they
        arrive, not in ``chunk_size`` pieces: a server dripping a byte at a time must still
        meet the deadline check after every read.
        """
        subject = what or dest_path.name
        declared = _content_length(response)
        decoder = _BodyDecoder.for_response(response, subject)
        total = declared if decoder is None and declared is not None else expected_size
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            dir=dest_path.parent, prefix=f".{dest_path.name}.", suffix=".part"
        )
        tmp_path = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = wire = reported = 0
            with os.fdopen(fd, "wb") as out:

                def take(data: bytes) -> None:
                    nonlocal size, reported
                    if not data:
                        return
                    out.write(data)
                    digest.update(data)
                    size += len(data)
                    if on_progress is not None and size - reported >= chunk_size:
                        reported = size
                        on_progress(size, total)

                # The raw stream, not ``iter_raw``: that one hands the connection back to the
                # pool as soon as the body ends, before the check for bytes after the body
                # below could keep another request from reading them.
                for raw in _raw_body(response):
                    wire += len(raw)
                    take(decoder.decompress(raw) if decoder is not None else raw)
                    deadline.check("while receiving the body")
                    _tighten_read_timeout(response, deadline)
                if decoder is not None:
                    take(decoder.flush())
                if on_progress is not None and reported != size:
                    on_progress(size, total)
                out.flush()
                os.fsync(out.fileno())
            verified: list[str] = []
            if declared is not None:
                if wire != declared:  # h11 normally catches this first; never trust it alone
                    raise IncompleteDownload(
                        f"{subject}: received {wire:,} bytes but Content-Length said {declared:,}"
                    )
                extra = _bytes_after_body(response)
                if extra:
                    _discard_connection(response)  # the stray bytes would poison the next reply
                    raise IncompleteDownload(
                        f"{subject}: the server sent more bytes than the {declared:,} its "
                        "Content-Length announced, so the body cannot be trusted"
                    )
                verified.append("content-length")
            if decoder is not None:
                decoder.require_complete()
                verified.append("content-encoding")
            if expected_size is not None:
                if size != expected_size:
                    raise IncompleteDownload(
                        f"{subject}: received {size:,} bytes but the listing says {expected_size:,}"
                    )
                verified.append("listing-size")
            verified.extend(
                _verify_payload(tmp_path, dest_path.name, subject, response, size, deadline)
            )
            if declared is None and not _is_chunked(response) and not verified:
                # Close-delimited: a dropped connection looks exactly like the end of the body.
                logger.warning(
                    "%s: %s arrived without Content-Length or chunked framing and is not a zip "
                    "or gzip file; its completeness could not be verified",
                    self.source,
                    subject,
                )
            os.replace(tmp_path, dest_path)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
        return size, digest.hexdigest(), tuple(verified)

    def _timeout_for(self, exc: httpx.TimeoutException) -> float:
        t = self.timeouts
        return {
            httpx.ConnectTimeout: t.connect,
            httpx.ReadTimeout: t.read,
            httpx.WriteTimeout: t.write,
            httpx.PoolTimeout: t.pool,
        }.get(type(exc), t.read)

    def _drop_secrets_off_origin(self, request: httpx.Request) -> None:
        """httpx request hook: never forward API keys to a redirect target on another origin.

        httpx already drops ``Authorization`` there, but not ``X-API-KEY``; a pre-signed
        storage URL needs neither.
        """
        started_at = getattr(self._local, "origin", None)
        if started_at is None or _origin(request.url) == started_at:
            return
        for name in list(request.headers.keys()):
            if name.lower() in self._secret_headers:
                del request.headers[name]

    def _report(
        self,
        method: str,
        shown_url: str,
        attempt: int,
        status: int | None,
        error: str | None,
        retry_in: float | None,
        started: float,
    ) -> None:
        if self.on_attempt is None:
            return
        event = AttemptEvent(
            source=self.source,
            method=method,
            url=shown_url,
            attempt=attempt,
            max_attempts=self.retry.max_attempts,
            status=status,
            error=error,
            retry_in=retry_in,
            elapsed=time.monotonic() - started,
        )
        try:
            self.on_attempt(event)
        except Exception:  # a broken progress hook must not abort a download; say so loudly
            logger.exception("%s: on_attempt hook failed for attempt %d", self.source, attempt)


_TIMEOUT_KINDS: Mapping[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connect timed out",
    httpx.ReadTimeout: "read timed out",
    httpx.WriteTimeout: "write timed out",
    httpx.PoolTimeout: "timed out waiting for a pooled connection",
}


def _first_request_url(response: httpx.Response) -> httpx.URL:
    """The URL of the first request in a redirect chain (with its query parameters)."""
    return response.history[0].request.url if response.history else response.request.url


def _content_length(response: httpx.Response) -> int | None:
    """Content-Length: the bytes on the wire, before any Content-Encoding is undone."""
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _is_chunked(response: httpx.Response) -> bool:
    return "chunked" in response.headers.get("transfer-encoding", "").lower()


def _raw_body(response: httpx.Response) -> Iterator[bytes]:
    """The body as received (after chunked framing, before Content-Encoding), left open."""
    stream = response.stream
    if not isinstance(stream, httpx.SyncByteStream):  # pragma: no cover - sync client only
        raise TypeError("a synchronous response stream was expected")
    response.is_stream_consumed = True
    yield from stream


def _tighten_read_timeout(response: httpx.Response, deadline: _Deadline) -> None:
    """Shorten the read timeout of the rest of this body so no read outlives the deadline.

    httpcore looks the read timeout up in the request's extensions before every read, so a
    stream started hours before the deadline cannot block for a full read timeout past it.
    """
    remaining = deadline.remaining()
    if remaining is None:
        return
    timeouts = response.request.extensions.get("timeout")
    if not isinstance(timeouts, dict):
        return
    read = timeouts.get("read")
    cap = max(remaining, 0.001)
    if read is None or read > cap:
        response.request.extensions["timeout"] = {**timeouts, "read": cap}


class _BodyDecoder:
    """Undoes ``Content-Encoding: gzip``/``deflate`` and knows whether the stream ended.

    httpx's own decoders accept a gzip stream cut off before its trailer; this one refuses it.
    A gzip body may hold several members back to back (RFC 1952); each is decoded in turn.
    """

    def __init__(self, encoding: str, subject: str) -> None:
        self.encoding = encoding
        self.subject = subject
        self._gzip = encoding in ("gzip", "x-gzip")
        self._obj = self._new()
        self._started = False

    @classmethod
    def for_response(cls, response: httpx.Response, subject: str) -> _BodyDecoder | None:
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            return None
        if encoding not in _DECODED_ENCODINGS:
            raise InvalidResponse(
                f"{subject}: the server answered with Content-Encoding {encoding[:40]!r}, which "
                "cannot be checked for completeness (identity was asked for)"
            )
        return cls(encoding, subject)

    def _new(self, raw_deflate: bool = False) -> Any:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)

    def decompress(self, data: bytes) -> bytes:
        out = bytearray()
        while data:
            if self._obj.eof:
                if not self._gzip:
                    raise IncompleteDownload(
                        f"{self.subject}: bytes follow the end of the deflate-encoded body"
                    )
                self._obj = self._new()  # the next gzip member
            try:
                out += self._obj.decompress(data)
            except zlib.error as exc:
                if not self._gzip and not self._started:
                    # "deflate" is sometimes sent without its zlib header; httpx allows it too.
                    self._obj = self._new(raw_deflate=True)
                    self._started = True
                    continue
                raise IncompleteDownload(
                    f"{self.subject}: the {self.encoding}-encoded body is damaged ({exc})"
                ) from None
            self._started = True
            data = self._obj.unused_data if self._obj.eof else b""
        return bytes(out)

    def flush(self) -> bytes:
        try:
            return self._obj.flush()
        except zlib.error as exc:
            raise IncompleteDownload(
                f"{self.subject}: the {self.encoding}-encoded body is damaged ({exc})"
            ) from None

    def require_complete(self) -> None:
        if not self._obj.eof:
            raise IncompleteDownload(
                f"{self.subject}: the {self.encoding}-encoded body ended before the end of its "
                "compressed stream (truncated)"
            )


def _h11_state(response: httpx.Response) -> Any:
    """The h11 connection a response was read from, or None (another transport or version).

    Reached through httpx/httpcore internals, each step checked, because h11 is the only
    place that knows about bytes received after the body.
    """
    stream: Any = response.stream
    for attribute in ("_stream", "_httpcore_stream", "_stream", "_connection", "_h11_state"):
        stream = getattr(stream, attribute, None)
        if stream is None:
            return None
    return stream


def _bytes_after_body(response: httpx.Response) -> int:
    """How many bytes the server sent after the body it announced (0 when none seen).

    Counts what h11 has buffered past the end of the message plus, on a plain-TCP socket, a
    byte already waiting in the kernel (peeked without waiting). Bytes still in flight are not
    seen; the zip and gzip checks cover the payloads this matters most for.
    """
    extra = 0
    state = _h11_state(response)
    if state is not None:
        try:
            data, _closed = state.trailing_data
            extra += len(data)
        except (AttributeError, TypeError, ValueError):
            pass
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    sock = get_extra_info("socket") if callable(get_extra_info) else None
    if isinstance(sock, socket.socket) and not isinstance(sock, ssl.SSLSocket):
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:  # data, or the peer closed: recv returns b"" then
                extra += len(sock.recv(1, socket.MSG_PEEK))
        except (OSError, ValueError):
            pass
    return extra


def _discard_connection(response: httpx.Response) -> None:
    """Make sure the connection under ``response`` is closed, never reused.

    Marking the h11 state as failed makes httpcore close the connection when the response is
    closed (as after any broken exchange); without h11 access the socket is closed directly.
    """
    state = _h11_state(response)
    send_failed = getattr(state, "send_failed", None)
    if callable(send_failed):
        send_failed()
        return
    stream = response.extensions.get("network_stream")
    close = getattr(stream, "close", None)
    if callable(close):
        with suppress(OSError):
            close()


def _verify_payload(
    path: Path,
    name: str,
    subject: str,
    response: httpx.Response,
    size: int,
    deadline: _Deadline,
) -> tuple[str, ...]:
    """Check a finished zip or gzip payload end to end; () for other payloads."""
    lower = name.lower()
    named_zip = lower.endswith(".zip")
    named_gzip = lower.endswith((".gz", ".tgz"))
    with path.open("rb") as handle:
        magic = handle.read(4)
    is_zip = magic in _ZIP_SIGNATURES
    is_gzip = magic.startswith(_GZIP_SIGNATURE)
    if (named_zip or named_gzip) and size < len(_ZIP_SIGNATURES[0]):
        raise IncompleteDownload(f"{subject}: only {size} bytes arrived; that is no archive")
    content_type = response.headers.get("content-type", "unknown")
    if named_zip and not is_zip:
        raise InvalidResponse(
            f"{subject}: the download from {redact_url(response.url)} is not a zip file "
            f"(starts with {magic!r}; content-type {content_type!r})"
        )
    if named_gzip and not is_gzip:
        raise InvalidResponse(
            f"{subject}: the download from {redact_url(response.url)} is not a gzip file "
            f"(starts with {magic!r}; content-type {content_type!r})"
        )
    if is_zip:
        _verify_zip(path, subject, deadline)
        return ("zip",)
    if is_gzip:
        _verify_gzip(path, subject, deadline)
        return ("gzip",)
    return ()


def _verify_zip(path: Path, subject: str, deadline: _Deadline) -> None:
    """Open the central directory and read every member through its CRC check.

    ``ZipFile.testzip`` would do the same, but with 1 MiB reads and without the deadline.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                try:
                    with archive.open(info) as member:
                        while member.read(_VERIFY_CHUNK):
                            deadline.check("while checking the downloaded zip")
                except (NotImplementedError, RuntimeError) as exc:
                    # An unsupported compression method or an encrypted member: not damage,
                    # but nothing here can vouch for it either.
                    logger.warning(
                        "%s: zip member %r could not be checked: %s", subject, info.filename, exc
                    )
    except _ARCHIVE_ERRORS as exc:
        raise IncompleteDownload(
            f"{subject}: the zip archive is damaged or incomplete "
            f"({exc.__class__.__name__}: {str(exc)[:200]})"
        ) from None


def _verify_gzip(path: Path, subject: str, deadline: _Deadline) -> None:
    """Decompress every gzip member to its trailer (CRC-32 and length are checked there)."""
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(_VERIFY_CHUNK):
                deadline.check("while checking the downloaded gzip file")
    except _ARCHIVE_ERRORS as exc:
        raise IncompleteDownload(
            f"{subject}: the gzip file is damaged or incomplete "
            f"({exc.__class__.__name__}: {str(exc)[:200]})"
        ) from None


def _human_seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
