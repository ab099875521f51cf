"""USPTO Patent Center: the public "Transaction history" of an application.

Patent Center is an Angular single-page application: the page the server sends is an empty
shell, and the transaction history appears only once the application's script has fetched the
data and rendered it, as a table with the columns *Date* (``MM/DD/YYYY``) and *Transaction
description*, newest first::

    <table mat-table class="transaction-history">
      <thead><tr mat-header-row><th mat-header-cell>Date</th>
                                <th mat-header-cell>Transaction description</th></tr></thead>
      <tbody><tr mat-row><td mat-cell>10/03/2023</td><td mat-cell>Email Notification</td></tr>…

That is why it is read in the browser (``BrowserFallbackSession``: opt-in, rate-capped, own user
agent), waiting for the table's header to render. The descriptions are the USPTO's transaction
descriptions, the same text the Open Data Portal gives as ``eventDescriptionText``; they are
matched to codes by ``taxonomy.USPTO_TRANSACTION_TEXTS``. A page without the table or its two
columns raises ``PageLayoutChanged`` rather than reading as "no transactions".

``read_transaction_history(session, application_number)`` is the entry point the US watchlist
sync calls when the ODP status date is newer than the application's last transaction.
"""

from __future__ import annotations

import datetime as dt
import re

from patent_sync.acquisition.browser_fallback import (
    BrowserFallbackSession,
    FallbackError,
    Landmark,
    PageLayoutChanged,
    PageSpec,
    RenderedPage,
    capture_page,
    cell_text,
)
from patent_sync.events.common import US_APPLICATION_NUMBER
from patent_sync.events.page_capture import CapturedRow, PageCapture

SOURCE = "uspto.patentcenter.html"
DEFAULT_BASE_URL = "https://patentcenter.uspto.gov"
FILE_SUFFIX = "patentcenter-html"

_TABLE = "//table[.//th[normalize-space(.)='Transaction description']]"
_US_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def transaction_history_url(application_number: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The Transaction history view of an application (``17248024``: eight digits)."""
    return f"{base_url.rstrip('/')}/applications/{application_number}/transactions"


def transaction_history_page(application_number: str, base_url: str = DEFAULT_BASE_URL) -> PageSpec:
    """What to load, and the landmarks without which the page is not read."""
    if not re.fullmatch(r"[0-9]{8}", application_number) or not US_APPLICATION_NUMBER.fullmatch(
        application_number
    ):
        raise FallbackError(f"{application_number!r} is not a US application number (eight digits)")
    return PageSpec(
        name=f"Patent Center transaction history of {application_number}",
        url=transaction_history_url(application_number, base_url),
        ready_selector="th:has-text('Transaction description')",
        landmarks=(
            Landmark("a table with a 'Transaction description' column", _TABLE),
            Landmark("a 'Date' column", _TABLE + "//th[normalize-space(.)='Date']"),
        ),
        not_found_xpath=(
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' alert ')]"
            "[contains(translate(normalize-space(.), 'APLICTONFUD', 'aplictonfud'), "
            "'application not found')]"
        ),
        not_found_selector=".alert:text-matches('application not found', 'i')",
    )


def read_transaction_history(
    session: BrowserFallbackSession,
    application_number: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    now: dt.datetime | None = None,
) -> PageCapture:
    """Read an application's Patent Center transaction history.

    ``capture.events()`` gives the canonical events (``confidence=low``), ``capture.to_bytes()``
    the event file to put in the events directory (``events.page_capture`` format). Raises
    ``FallbackDisabled``, ``PageNotFound``, ``PageLayoutChanged`` or ``FallbackError``.
    """
    return capture_page(
        session,
        transaction_history_page(application_number, base_url),
        parse_transaction_rows,
        source=SOURCE,
        matter=f"US-{application_number}",
        now=now,
    )


def parse_transaction_rows(page: RenderedPage) -> list[CapturedRow]:
    """The rows of a rendered Transaction history (landmarks already checked)."""
    table = page.tree.xpath(_TABLE)[0]
    header_row = (table.xpath(".//thead//tr[th]") or table.xpath(".//tr[th]"))[0]
    headers = [cell_text(th) for th in header_row.xpath("./th")]
    date_col, text_col = headers.index("Date"), headers.index("Transaction description")
    rows = []
    for tr in table.xpath(".//tr[td]"):
        texts = [cell_text(td) for td in tr.xpath("./td")]
        if len(texts) <= max(date_col, text_col):
            raise PageLayoutChanged(
                page.spec.name,
                (f"a row with Date and Transaction description cells (got {texts[:3]!r})",),
                page.url,
            )
        rows.append(CapturedRow(date=_iso(page, texts[date_col]), text=texts[text_col]))
    return rows


def _iso(page: RenderedPage, text: str) -> str:
    if match := _US_DATE.fullmatch(text):
        month, day, year = match.groups()
        return f"{year}-{month}-{day}"
    if _ISO_DATE.fullmatch(text):
        return text
    raise PageLayoutChanged(
        page.spec.name, (f"an MM/DD/YYYY date in the Date column (got {text!r})",), page.url
    )
