"""The shared HTTP layer every office client is built on (USPTO ODP, EPO OPS, WIPO...).

One ``HttpClient`` per source gives:

- timeouts (connect/read/write/pool), default headers, redirects followed;
- retries on 429/500/502/503/504 and on timeouts and dropped connections, honouring
  ``Retry-After`` (seconds, HTTP-date, or a source-specific parser) and otherwise backing off
  exponentially with jitter; a ``Retry-After`` longer than the caller allows is an error;
- a ``RateBudget`` (token bucket, optionally single-flight) consulted before every attempt;
- streaming downloads hashed with SHA-256 on the fly into a temporary file that is renamed into
  place only when complete, so a partial download never sits at the destination;
- every attempt reported to an optional ``on_attempt`` hook and to the ``patent_sync.acquisition``
  logger, with URLs redacted and secret header values never shown.

A retry always starts again from the URL the caller gave, never from a redirect target: the
USPTO answers a file URL with a redirect to a pre-signed URL that expires within seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TypeVar

import httpx

from patent_sync.acquisition.errors import (
    AcquisitionError,
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
    redact_url,
)
from patent_sync.acquisition.retry import RetryPolicy

__all__ = [
    "DEFAULT_STATUS_HINTS",
    "AcquisitionError",
    "AttemptEvent",
    "DownloadResult",
    "HttpClient",
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


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for each phase; ``read`` is per chunk received, not for the whole body."""

    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 10.0

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


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
    ) -> Any:
        """GET ``url`` and return its decoded JSON body, retrying per the policy.

        ``what`` describes the resource for error messages ("PTGRXML file listing");
        ``status_hints`` override the client's explanations of statuses for this call.
        Raises ``HttpStatusError``, ``RetriesExhausted``, ``RetryAfterTooLong`` or
        ``InvalidResponse`` (a 2xx body that is not JSON).
        """

        def consume(response: httpx.Response, scrubber: SecretScrubber) -> Any:
            body = self._read_capped(response, _MAX_JSON_BYTES, what or redact_url(url))
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
        )
        return result

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
    ) -> DownloadResult:
        """Stream ``url`` into ``dest_path``, hashing SHA-256 on the way; never buffers the body.

        The body goes to a temporary ``.part`` file beside ``dest_path`` that is fsynced and
        renamed over ``dest_path`` only once complete and of the right size (``Content-Length``
        and, when given, ``expected_size``). A short or broken body is retried from ``url``; on
        any failure the temporary file is removed, so ``dest_path`` is never partial.
        ``on_progress(bytes_so_far, total_or_None)`` is called after every chunk.
        """
        dest_path = Path(dest_path)
        request_headers = {"Accept-Encoding": "identity", **(headers or {})}

        def consume(response: httpx.Response, scrubber: SecretScrubber) -> DownloadResult:
            size, sha256 = self._stream_to_file(
                response, dest_path, expected_size, chunk_size, on_progress, what
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
            )

        result, attempts = self._with_retries(
            "GET",
            url,
            params=params,
            headers=request_headers,
            what=what,
            status_hints=status_hints,
            consume=consume,
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
                result, status = self._attempt(
                    method, url, params, headers, subject, scrubber, hints, attempt, consume
                )
            except _Retryable as failure:
                last_status, last_error, last_exc = failure.status, failure.reason, failure
                delay = failure.delay
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
    ) -> tuple[T, int]:
        """One try: (consumed body, status), or raises ``_Retryable`` / ``AcquisitionError``."""
        budget_slot = self.budget.slot() if self.budget is not None else nullcontext(0.0)
        try:
            with budget_slot:
                request = self._client.build_request(method, url, params=params, headers=headers)
                self._local.origin = _origin(request.url)
                try:
                    response = self._client.send(request, stream=True)
                finally:
                    self._local.origin = None
                try:
                    status = response.status_code
                    if 200 <= status < 300:
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
    def _read_capped(response: httpx.Response, limit: int, subject: str) -> bytes:
        buffer = bytearray()
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > limit:
                raise InvalidResponse(
                    f"{subject}: response larger than {limit // (1 << 20)} MiB; "
                    "expected a small JSON document"
                )
        return bytes(buffer)

    def _stream_to_file(
        self,
        response: httpx.Response,
        dest_path: Path,
        expected_size: int | None,
        chunk_size: int,
        on_progress: Callable[[int, int | None], None] | None,
        what: str | None,
    ) -> tuple[int, str]:
        """Write the body to a temp file beside ``dest_path``; rename it in when complete."""
        declared = _declared_length(response)
        total = declared if declared is not None else expected_size
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            dir=dest_path.parent, prefix=f".{dest_path.name}.", suffix=".part"
        )
        tmp_path = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in response.iter_bytes(chunk_size):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if on_progress is not None:
                        on_progress(size, total)
                out.flush()
                os.fsync(out.fileno())
            subject = what or dest_path.name
            if declared is not None and size != declared:
                raise IncompleteDownload(
                    f"{subject}: received {size:,} bytes but Content-Length said {declared:,}"
                )
            if expected_size is not None and size != expected_size:
                raise IncompleteDownload(
                    f"{subject}: received {size:,} bytes but the listing says {expected_size:,}"
                )
            os.replace(tmp_path, dest_path)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
        return size, digest.hexdigest()

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


def _declared_length(response: httpx.Response) -> int | None:
    """Content-Length, when it describes the bytes ``iter_bytes`` will yield."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        return None  # the length is of the encoded body; httpx hands us decoded bytes
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _human_seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
