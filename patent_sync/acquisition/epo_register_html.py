"""The public European Patent Register's "Event history" page of an application.

``https://register.epo.org/application?number=EP19205846&tab=event&lng=en`` renders one table
(``div#body`` → ``table.docList``) with the columns *Date*, *Description* and *European Patent
Bulletin date, issue number*; each row is one Register event, newest first::

    <tr><td>14.06.2024</td><td class="nowrap">Application deemed to be withdrawn</td>
        <td class="nowrap">published on&nbsp;&nbsp;17.07.2024&nbsp;&nbsp;<a>[2024/29]</a></td>
    </tr>

The description is the same text OPS gives as a dossier event's ``event-text`` (dates are
``DD.MM.YYYY``, the day the Register recorded the event). The page is only read through a
``BrowserFallbackSession`` (opt-in, rate-capped, own user agent); a page without the table or
its Date/Description columns raises ``PageLayoutChanged``, and a history that spans several
pages is refused rather than read in part.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from lxml import etree

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
from patent_sync.events.common import EP_APPLICATION_NUMBER
from patent_sync.events.page_capture import CapturedRow, PageCapture

SOURCE = "epo.register.html"
DEFAULT_BASE_URL = "https://register.epo.org"
FILE_SUFFIX = "register-html"

_TABLE = (
    "//div[@id='body']//table[contains(concat(' ', normalize-space(@class), ' '), ' docList ')]"
)
_HEADER = _TABLE + "/thead//th"
_DATE = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")
_PUBLISHED = re.compile(r"published on\s+([0-9]{2}\.[0-9]{2}\.[0-9]{4})", re.I)
_ISSUE = re.compile(r"\[([0-9]{4}/[0-9]{1,2})\]")
# The Register's table library prints this in a single cell when a list is empty.
_EMPTY_LIST = "nothing found to display"


def event_history_url(application_number: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The Event history page of ``EP<application_number>``."""
    query = urlencode({"number": f"EP{application_number}", "tab": "event", "lng": "en"})
    return f"{base_url.rstrip('/')}/application?{query}"


def event_history_page(application_number: str, base_url: str = DEFAULT_BASE_URL) -> PageSpec:
    """What to load, and the landmarks without which the page is not read."""
    if not EP_APPLICATION_NUMBER.fullmatch(application_number):
        raise FallbackError(
            f"{application_number!r} is not an EP application number (6 to 10 digits)"
        )
    return PageSpec(
        name=f"EP Register event history of EP{application_number}",
        url=event_history_url(application_number, base_url),
        ready_selector="#body table.docList",
        landmarks=(
            Landmark("the event history table (div#body table.docList)", _TABLE),
            Landmark("a 'Date' column", _HEADER + "[normalize-space(.)='Date']"),
            Landmark("a 'Description' column", _HEADER + "[normalize-space(.)='Description']"),
        ),
        not_found_xpath="//*[@id='body']//*[contains(normalize-space(.), 'No files were found')]",
        not_found_selector="#body :text('No files were found')",
    )


def read_event_history(
    session: BrowserFallbackSession,
    application_number: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    now: dt.datetime | None = None,
) -> PageCapture:
    """Read the Event history of ``EP<application_number>`` (digits only, as in the matter key).

    Raises ``FallbackDisabled`` (not opted in), ``PageNotFound``, ``PageLayoutChanged`` or
    ``FallbackError``; never returns an empty capture for a page it could not read.
    """
    return capture_page(
        session,
        event_history_page(application_number, base_url),
        parse_event_rows,
        source=SOURCE,
        matter=f"EP-{application_number}",
        now=now,
    )


def parse_event_rows(page: RenderedPage) -> list[CapturedRow]:
    """The rows of a rendered Event history page (landmarks already checked)."""
    table = page.tree.xpath(_TABLE)[0]
    headers = [cell_text(th) for th in table.xpath("./thead//th")]
    date_col, text_col = headers.index("Date"), headers.index("Description")
    bulletin_col = next((i for i, h in enumerate(headers) if "bulletin" in h.lower()), None)
    if page.tree.xpath("//span[contains(@class, 'pagelinks')]//a[contains(., 'Next')]"):
        raise FallbackError(
            f"{page.spec.name}: the history spans several pages and only the first is shown; "
            "not read in part"
        )
    rows = []
    for tr in table.xpath("./tbody/tr"):
        cells = tr.xpath("./td")
        if len(cells) == 1 and cell_text(cells[0]).lower().startswith(_EMPTY_LIST):
            continue
        rows.append(_row(page, cells, date_col, text_col, bulletin_col))
    return rows


def _row(
    page: RenderedPage,
    cells: list[etree._Element],
    date_col: int,
    text_col: int,
    bulletin_col: int | None,
) -> CapturedRow:
    texts = [cell_text(c) for c in cells]
    if len(texts) <= max(date_col, text_col):
        raise PageLayoutChanged(
            page.spec.name,
            (f"a row with Date and Description cells (got {texts[:3]!r})",),
            page.url,
        )
    date = _DATE.fullmatch(texts[date_col])
    if date is None:
        raise PageLayoutChanged(
            page.spec.name,
            (f"a DD.MM.YYYY date in the Date column (got {texts[date_col]!r})",),
            page.url,
        )
    bulletin = texts[bulletin_col] if bulletin_col is not None and bulletin_col < len(texts) else ""
    published = _PUBLISHED.search(bulletin)
    issue = _ISSUE.search(bulletin)
    return CapturedRow(
        date=_iso(date),
        text=texts[text_col],
        published_on=_iso(_DATE.fullmatch(published.group(1))) if published else None,
        publication_ref=issue.group(1) if issue else None,
    )


def _iso(match: re.Match[str] | None) -> str:
    assert match is not None
    day, month, year = match.groups()
    return f"{year}-{month}-{day}"
