"""The browser fallbacks: the EP Register's Event history and Patent Center's Transaction history,
read in the system Chromium from pages the project writes in the offices' structure and serves on
127.0.0.1 (``office_pages``).

What a docketing clerk relies on: the rows are read with the right dates and meanings; a page
whose layout changed is reported as unreadable (``PageLayoutChanged``), never read as "no
events"; the fallback is off unless the firm opted in; page loads respect the rate cap and
carry the project's own user agent; everything read is marked low confidence and a docket
entry made from it says so.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from patent_sync.acquisition import epo_register_html, patentcenter_html
from patent_sync.acquisition.browser_fallback import (
    BrowserFallbackSession,
    FallbackDisabled,
    FallbackSettings,
    PageLayoutChanged,
    PageNotFound,
    RateCap,
    fallback_session,
    user_agent,
)
from patent_sync.docket.engine import evaluate_docket
from patent_sync.events import parse_event_bytes, taxonomy
from patent_sync.events.common import EventParseError
from patent_sync.events.page_capture import CapturedRow, PageCapture
from patent_sync.resources import BrowserFallbackResource
from patent_sync_tests.office_pages import OfficePages

if TYPE_CHECKING:
    from playwright.sync_api import Browser

NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
EP_APP = "19205846"
US_APP = "17248024"
# The Register page EP-Register-Pro keeps for EP19205846 (its rows, newest first).
REGISTER_ROWS = [
    ("14.06.2024", "Application deemed to be withdrawn", ("17.07.2024", "2024/29")),
    (
        "14.03.2024",
        "New entry: Application deemed to be withdrawn: despatch of communication + time limit",
        None,
    ),
    ("20.10.2023", "New entry: Renewal fee paid", None),
    ("09.10.2023", "New entry: Communication of intention to grant a patent", None),
    ("12.11.2021", "Request for examination filed", ("15.12.2021", "2021/50")),
    ("03.04.2021", "Publication in section I.1 EP Bulletin", ("05.05.2021", "2021/18")),
]
TRANSACTIONS = [
    ("10/03/2023", "Email Notification"),
    ("10/03/2023", "Mail Non-Final Rejection"),
    ("09/29/2023", "Non-Final Rejection"),
    ("09/29/2023", "Email Notification"),
]
FAST = dict(min_seconds_between_pages=0.0, page_timeout_seconds=10.0)
QUICK_FAIL = dict(min_seconds_between_pages=0.0, page_timeout_seconds=1.5)


def _settings(*sources: str, **kwargs: float) -> FallbackSettings:
    return FallbackSettings(
        enabled_sources=frozenset(sources), contact="docketing@firm.example", **kwargs
    )


# --- EP Register ---------------------------------------------------------------------------------


def test_register_event_history_is_read_with_dates_meanings_and_bulletin(chromium: Browser) -> None:
    with OfficePages() as pages:
        pages.add_register(EP_APP, REGISTER_ROWS)
        settings = _settings(epo_register_html.SOURCE, **FAST)
        with BrowserFallbackSession(chromium, settings, source=epo_register_html.SOURCE) as s:
            capture = epo_register_html.read_event_history(
                s, EP_APP, base_url=pages.base_url, now=NOW
            )
        loads = pages.page_loads()
    assert capture.matter == "EP-19205846" and capture.source == "epo.register.html"
    assert capture.rows[0] == CapturedRow(
        "2024-06-14", "Application deemed to be withdrawn", "2024-07-17", "2024/29"
    )
    assert [r.date for r in capture.rows] == [
        "2024-06-14", "2024-03-14", "2023-10-20", "2023-10-09", "2021-11-12", "2021-04-03",
    ]  # fmt: skip
    events = {e.description: e for e in capture.events()}
    assert len(events) == len(REGISTER_ROWS)
    r71 = events["New entry: Communication of intention to grant a patent"]
    assert (r71.event, r71.source_code, r71.event_date) == (
        taxonomy.EP_R71_3_COMMUNICATION, "EPIDOSNIGR1", dt.date(2023, 10, 9)
    )  # fmt: skip
    assert events["Application deemed to be withdrawn"].event == (
        taxonomy.EP_APPLICATION_DEEMED_WITHDRAWN
    )
    assert events["New entry: Renewal fee paid"].event == taxonomy.EP_RENEWAL_FEE_PAID
    # A text no table knows is kept as an unknown event, not dropped.
    unknown = events[
        "New entry: Application deemed to be withdrawn: despatch of communication + time limit"
    ]
    assert (unknown.event, unknown.source_code) == (taxonomy.OTHER, taxonomy.UNMAPPED_TEXT)
    for event in capture.events():
        attributes = dict(event.attributes)
        assert attributes["confidence"] == "low" and attributes["read_from"] == "html"
        assert event.source == "epo.register.html"
    assert dict(events["Request for examination filed"].attributes)["gazette_num"] == "2021/50"
    # One page load, with the project's own user agent naming the contact.
    assert len(loads) == 1
    agent = loads[0].header("user-agent")
    assert agent == user_agent("docketing@firm.example")
    assert agent.startswith("patent_sync/") and "docketing@firm.example" in agent


def test_register_page_whose_layout_changed_is_reported_not_read_as_empty(
    chromium: Browser,
) -> None:
    with OfficePages() as pages:
        pages.add_register(EP_APP, REGISTER_ROWS, layout="changed")
        settings = _settings(epo_register_html.SOURCE, **QUICK_FAIL)
        with (
            BrowserFallbackSession(chromium, settings, source=epo_register_html.SOURCE) as s,
            pytest.raises(PageLayoutChanged) as caught,
        ):
            epo_register_html.read_event_history(s, EP_APP, base_url=pages.base_url)
    message = str(caught.value)
    assert "EP Register event history of EP19205846" in message
    assert "layout changed" in message and "docList" in message
    assert "\n" not in message


def test_register_page_without_the_application_is_not_found(chromium: Browser) -> None:
    with OfficePages() as pages:
        pages.add_register(EP_APP, [], layout="not_found")
        settings = _settings(epo_register_html.SOURCE, **QUICK_FAIL)
        with BrowserFallbackSession(chromium, settings, source=epo_register_html.SOURCE) as s:
            with pytest.raises(PageNotFound, match="EP19205846"):
                epo_register_html.read_event_history(s, EP_APP, base_url=pages.base_url)
            with pytest.raises(PageNotFound, match="HTTP 404"):  # the server has no such page
                epo_register_html.read_event_history(s, "11111111", base_url=pages.base_url)


def test_register_history_without_events_is_an_empty_capture(chromium: Browser) -> None:
    # The landmarks are there and the table says it is empty: that, and only that, is "none".
    with OfficePages() as pages:
        pages.add_register(EP_APP, [])
        settings = _settings(epo_register_html.SOURCE, **FAST)
        with BrowserFallbackSession(chromium, settings, source=epo_register_html.SOURCE) as s:
            capture = epo_register_html.read_event_history(s, EP_APP, base_url=pages.base_url)
    assert capture.rows == () and capture.events() == ()


# --- Patent Center ---------------------------------------------------------------------------


def test_patentcenter_transaction_history_is_read_after_the_app_renders(
    chromium: Browser,
) -> None:
    with OfficePages() as pages:
        pages.add_patentcenter(US_APP, TRANSACTIONS)
        settings = _settings(patentcenter_html.SOURCE, **FAST)
        with BrowserFallbackSession(chromium, settings, source=patentcenter_html.SOURCE) as s:
            capture = patentcenter_html.read_transaction_history(
                s, US_APP, base_url=pages.base_url, now=NOW
            )
    assert capture.matter == "US-17248024"
    assert sorted((r.date, r.text) for r in capture.rows) == sorted(
        (f"{d[6:]}-{d[:2]}-{d[3:5]}", t) for d, t in TRANSACTIONS
    )
    events = capture.events()
    mailed = [e for e in events if e.source_code == "MCTNF"]
    assert len(mailed) == 1 and mailed[0].event == taxonomy.OFFICE_ACTION_NON_FINAL
    assert mailed[0].event_date == dt.date(2023, 10, 3)
    assert all(dict(e.attributes)["confidence"] == "low" for e in events)
    # The same text twice on different days is two events; the file parses to the same events.
    assert parse_event_bytes(capture.to_bytes()).events == events


def test_patentcenter_layout_changed_and_not_found(chromium: Browser) -> None:
    with OfficePages() as pages:
        pages.add_patentcenter(US_APP, TRANSACTIONS, layout="changed")
        settings = _settings(patentcenter_html.SOURCE, **QUICK_FAIL)
        with BrowserFallbackSession(chromium, settings, source=patentcenter_html.SOURCE) as s:
            with pytest.raises(PageLayoutChanged, match="Transaction description"):
                patentcenter_html.read_transaction_history(s, US_APP, base_url=pages.base_url)
            with pytest.raises(PageNotFound, match="18000000"):
                patentcenter_html.read_transaction_history(s, "18000000", base_url=pages.base_url)


# --- opt-in and rate cap ---------------------------------------------------------------------


def test_fallback_is_not_used_unless_the_source_is_opted_in(
    chromium: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = BrowserFallbackResource()
    assert not off.enabled(epo_register_html.SOURCE) and not off.enabled(patentcenter_html.SOURCE)
    with pytest.raises(FallbackDisabled, match=r"epo\.register\.html is not enabled"):
        BrowserFallbackSession(chromium, off.settings(), source=epo_register_html.SOURCE)

    # Refused before any browser starts.
    def no_browser() -> None:
        raise AssertionError("a browser was started for a source that is not opted in")

    monkeypatch.setattr("patent_sync.acquisition.browser.headless_chromium", no_browser)
    only_ep = BrowserFallbackResource(epo_register=True).settings()
    with pytest.raises(FallbackDisabled), fallback_session(only_ep, patentcenter_html.SOURCE):
        pass
    with pytest.raises(ValueError, match="unknown source"):
        BrowserFallbackResource.from_env({"PATENT_SYNC_BROWSER_FALLBACK": "epo.register"})
    on = BrowserFallbackResource.from_env(
        {"PATENT_SYNC_BROWSER_FALLBACK": "uspto.patentcenter.html"}
    )
    assert on.enabled(patentcenter_html.SOURCE) and not on.enabled(epo_register_html.SOURCE)


class FakeClock:
    """Monotonic seconds that move only when the code sleeps (or a test says time passed)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_cap_spaces_page_loads(chromium: Browser) -> None:
    clock = FakeClock()
    cap = RateCap(10.0, clock=clock, sleep=clock.sleep)
    assert cap.wait() == 0.0  # the first load starts at once
    clock.now += 4.0  # four seconds of work on the first page
    assert cap.wait() == pytest.approx(6.0)
    clock.now += 12.0  # longer than the cap: no wait
    assert cap.wait() == 0.0
    assert clock.slept == [pytest.approx(6.0)]

    # Through the session: three page loads, ten seconds apart by the session's clock.
    clock = FakeClock()
    with OfficePages() as pages:
        pages.add_register(EP_APP, REGISTER_ROWS)
        settings = _settings(
            epo_register_html.SOURCE, min_seconds_between_pages=10.0, page_timeout_seconds=10.0
        )
        with BrowserFallbackSession(
            chromium, settings, source=epo_register_html.SOURCE, clock=clock, sleep=clock.sleep
        ) as session:
            for _ in range(3):
                epo_register_html.read_event_history(session, EP_APP, base_url=pages.base_url)
        assert len(pages.page_loads()) == 3
    assert clock.slept == [pytest.approx(10.0), pytest.approx(10.0)]


# --- what the docket makes of it ---------------------------------------------------------------


def test_docket_entry_from_a_page_event_says_it_is_lower_confidence() -> None:
    capture = PageCapture(
        source=epo_register_html.SOURCE,
        matter="EP-19205846",
        page_url="https://register.epo.org/application?number=EP19205846&tab=event&lng=en",
        retrieved_at=NOW.isoformat(),
        page_sha256="0" * 64,
        rows=(
            CapturedRow("2023-10-09", "New entry: Communication of intention to grant a patent"),
        ),
    )
    result = evaluate_docket(capture.events(), as_of=dt.date(2023, 11, 1))
    (entry,) = [e for e in result.entries if e.rule == "ep.r71_3"]
    assert entry.trigger_date == dt.date(2023, 10, 9)
    assert entry.explanation[0].startswith("LOWER CONFIDENCE")
    assert "epo.register.html" in entry.explanation[0]


def test_page_capture_files_are_checked() -> None:
    good = PageCapture(
        source=patentcenter_html.SOURCE,
        matter="US-17248024",
        page_url="https://patentcenter.uspto.gov/applications/17248024/transactions",
        retrieved_at=NOW.isoformat(),
        page_sha256="0" * 64,
        rows=(CapturedRow("2023-10-03", "Mail Non-Final Rejection"),),
    ).to_bytes()
    assert parse_event_bytes(good).format == "page-capture"
    for bad, message in (
        (good.replace(b'"uspto.patentcenter.html"', b'"uspto.odp"'), "source"),
        (good.replace(b'"US-17248024"', b'"US-1"'), "not a valid US application number"),
        (good.replace(b'"2023-10-03"', b'"2023-13-03"'), "is not a date"),
        (
            good.replace(b'"patent_sync_page_capture": 1', b'"patent_sync_page_capture": 2'),
            "version",
        ),
    ):
        with pytest.raises(EventParseError, match=message):
            parse_event_bytes(bad)
