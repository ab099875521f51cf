"""Reading an office's public web page when its data service lags: the shared machinery.

A browser fallback is the last resort for a watched application whose office data service
(EPO OPS, the USPTO Open Data Portal) lags behind or lacks a step. It drives the system Chromium
(``acquisition.browser.headless_chromium``) through Playwright, because the pages it reads are
rendered in the browser (Patent Center is a single-page application). The office modules
(``epo_register_html``, ``patentcenter_html``) say which page to load and how to read it; this
module makes every such read behave the same way:

* **Opt-in per source.** A session is only opened for a source the firm enabled
  (``FallbackSettings.enabled_sources``); otherwise ``FallbackDisabled`` is raised before any
  browser starts. Offices tolerate people on these pages, not robots: reading them is a choice
  the firm makes per source, not a default.
* **Rate cap.** At least ``min_seconds_between_pages`` between two page loads of a session
  (``RateCap``, with an injectable clock so the cap can be measured).
* **Its own user agent.** ``patent_sync/<version> (+docket sync; contact <contact>)``: the office
  can see who is reading and whom to ask to stop.
* **Layout check.** A page is only read when the landmarks the office module expects are there
  (``Landmark``: an XPath on the rendered page). When they are not, ``PageLayoutChanged`` names
  the page and what is missing: a page that changed its structure is reported as unreadable,
  never read as "no events".
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from lxml import etree
from lxml import html as lxml_html

import patent_sync
from patent_sync.acquisition.errors import AcquisitionError
from patent_sync.events.page_capture import CapturedRow, PageCapture, capture_rows

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

DEFAULT_MIN_SECONDS_BETWEEN_PAGES = 10.0
DEFAULT_PAGE_TIMEOUT_SECONDS = 30.0
MAX_PAGE_BYTES = 20 * 1024 * 1024


class FallbackError(AcquisitionError):
    """A page could not be read; the message (one line) names the page and the cause."""


class FallbackDisabled(FallbackError):
    """The firm has not opted in to reading this source's web pages."""


class PageNotFound(FallbackError):
    """The office's page says there is no such application (or answered HTTP 404)."""


class PageLayoutChanged(FallbackError):
    """The page lacks the landmarks its reader expects: it cannot be read, and is not empty."""

    def __init__(self, page: str, missing: tuple[str, ...], url: str) -> None:
        self.page, self.missing, self.url = page, missing, url
        super().__init__(
            f"{page}: the page layout changed, it could not be read (missing: "
            f"{'; '.join(missing)}) at {url}"
        )


def user_agent(contact: str) -> str:
    """The user agent of every fallback page load."""
    who = contact.strip() or "the firm running patent_sync"
    return f"patent_sync/{patent_sync.__version__} (+docket sync; contact {who})"


@dataclasses.dataclass(frozen=True, slots=True)
class FallbackSettings:
    """How the browser fallbacks may be used (from ``BrowserFallbackResource``)."""

    enabled_sources: frozenset[str] = frozenset()
    min_seconds_between_pages: float = DEFAULT_MIN_SECONDS_BETWEEN_PAGES
    page_timeout_seconds: float = DEFAULT_PAGE_TIMEOUT_SECONDS
    contact: str = ""

    def __post_init__(self) -> None:
        if self.min_seconds_between_pages < 0:
            raise ValueError("min_seconds_between_pages must not be negative")
        if self.page_timeout_seconds <= 0:
            raise ValueError("page_timeout_seconds must be positive")

    def enabled(self, source: str) -> bool:
        return source in self.enabled_sources

    @property
    def user_agent(self) -> str:
        return user_agent(self.contact)


class RateCap:
    """At least ``min_interval`` seconds between the starts of two page loads.

    ``clock`` (monotonic seconds) and ``sleep`` are injectable: tests measure the cap with a
    fake clock instead of waiting.
    """

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self._clock, self._sleep = clock, sleep
        self._last: float | None = None

    def wait(self) -> float:
        """Sleep until the next load may start, mark it started, return the seconds slept."""
        waited = 0.0
        if self._last is not None:
            remaining = self._last + self.min_interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
                waited = remaining
        self._last = self._clock()
        return waited


@dataclasses.dataclass(frozen=True, slots=True)
class Landmark:
    """Something the rendered page must contain for its reader to trust it."""

    description: str  # for the error: "a table whose header has a 'Date' column"
    xpath: str


@dataclasses.dataclass(frozen=True, slots=True)
class PageSpec:
    """One page to load and how to tell that it rendered as its reader expects."""

    name: str  # "EP Register event history of EP19205846"
    url: str
    ready_selector: str  # CSS: the page has rendered its content once this appears
    landmarks: tuple[Landmark, ...]
    # The office's "no such application" message, if the page has one: XPath to recognise it,
    # CSS to stop waiting for the content as soon as it shows.
    not_found_xpath: str | None = None
    not_found_selector: str | None = None

    @property
    def settled_selector(self) -> str:
        """CSS that appears once the page has rendered either its content or "not found"."""
        if self.not_found_selector is None:
            return self.ready_selector
        return f"{self.ready_selector}, {self.not_found_selector}"


@dataclasses.dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page as the browser rendered it, checked against its landmarks."""

    spec: PageSpec
    url: str  # after redirects
    status: int | None
    html: str
    sha256: str
    tree: etree._Element


class BrowserFallbackSession:
    """Page loads for one source, in one browser context with the project's user agent."""

    def __init__(
        self,
        browser: Browser,
        settings: FallbackSettings,
        *,
        source: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not settings.enabled(source):
            raise FallbackDisabled(
                f"the browser fallback for {source} is not enabled (opt in per source in the "
                "browser_fallback resource)"
            )
        self.source = source
        self.settings = settings
        self.rate_cap = RateCap(settings.min_seconds_between_pages, clock=clock, sleep=sleep)
        self._browser = browser
        self._context: BrowserContext | None = None
        self.pages_loaded = 0

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None

    def __enter__(self) -> BrowserFallbackSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def load(self, spec: PageSpec) -> RenderedPage:
        """Load ``spec``'s page (rate-capped), wait for it to render, check its landmarks."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        if self._context is None:
            self._context = self._browser.new_context(
                user_agent=self.settings.user_agent, java_script_enabled=True
            )
        timeout_ms = self.settings.page_timeout_seconds * 1000
        self.rate_cap.wait()
        page = self._context.new_page()
        try:
            try:
                response = page.goto(spec.url, timeout=timeout_ms, wait_until="load")
            except PlaywrightTimeout:
                raise FallbackError(
                    f"{spec.name}: no answer within {self.settings.page_timeout_seconds:g} s "
                    f"from {spec.url}"
                ) from None
            except PlaywrightError as exc:
                raise FallbackError(f"{spec.name}: {_first_line(exc)} ({spec.url})") from None
            self.pages_loaded += 1
            status = response.status if response is not None else None
            if status == 404:
                raise PageNotFound(f"{spec.name}: the office answered HTTP 404 at {spec.url}")
            if status is not None and status >= 400:
                raise FallbackError(f"{spec.name}: the office answered HTTP {status} at {spec.url}")
            rendered = True
            try:
                page.wait_for_selector(spec.settled_selector, timeout=timeout_ms, state="attached")
            except PlaywrightTimeout:
                rendered = False
            content = page.content()
            final_url = page.url
        finally:
            page.close()
        return _checked(spec, final_url, status, content, rendered)


def _checked(
    spec: PageSpec, url: str, status: int | None, content: str, rendered: bool
) -> RenderedPage:
    data = content.encode("utf-8")
    if len(data) > MAX_PAGE_BYTES:
        raise FallbackError(f"{spec.name}: the page is larger than {MAX_PAGE_BYTES} bytes")
    tree = lxml_html.document_fromstring(content or "<html></html>")
    if spec.not_found_xpath and tree.xpath(spec.not_found_xpath):
        raise PageNotFound(f"{spec.name}: the office's page says there is no such application")
    missing = tuple(lm.description for lm in spec.landmarks if not tree.xpath(lm.xpath))
    if not rendered:
        missing = (f"content ({spec.ready_selector}) never rendered", *missing)
    if missing:
        raise PageLayoutChanged(spec.name, missing, url)
    return RenderedPage(
        spec=spec,
        url=url,
        status=status,
        html=content,
        sha256=hashlib.sha256(data).hexdigest(),
        tree=tree,
    )


def capture_page(
    session: BrowserFallbackSession,
    spec: PageSpec,
    read_rows: Callable[[RenderedPage], Sequence[CapturedRow]],
    *,
    source: str,
    matter: str,
    now: dt.datetime | None = None,
) -> PageCapture:
    """Load ``spec``'s page in ``session`` and capture the rows ``read_rows`` finds on it, with
    the page's address and digest and when it was read (``now``, else the current time)."""
    page = session.load(spec)
    return PageCapture(
        source=source,
        matter=matter,
        page_url=page.url,
        retrieved_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        page_sha256=page.sha256,
        rows=capture_rows(read_rows(page)),
    )


def cell_text(element: etree._Element) -> str:
    """The visible text of a table cell, whitespace (no-break spaces included) collapsed."""
    return " ".join("".join(element.itertext()).split())


@contextlib.contextmanager
def fallback_session(
    settings: FallbackSettings,
    source: str,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[BrowserFallbackSession]:
    """A session on a freshly started headless Chromium (closed on exit).

    ``FallbackDisabled`` is raised before the browser starts when ``source`` is not enabled.
    """
    from patent_sync.acquisition.browser import headless_chromium

    if not settings.enabled(source):
        raise FallbackDisabled(
            f"the browser fallback for {source} is not enabled (opt in per source in the "
            "browser_fallback resource)"
        )
    with (
        headless_chromium() as browser,
        BrowserFallbackSession(
            browser, settings, source=source, clock=clock, sleep=sleep
        ) as session,
    ):
        yield session


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
