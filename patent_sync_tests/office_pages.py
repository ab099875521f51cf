"""Office web pages the browser-fallback tests serve on 127.0.0.1 (not collected).

The project writes these pages itself, in the structure of the real ones:

* the **EP Register** "Event history" tab (``/application?number=EP…&tab=event&lng=en``): a
  server-rendered page, ``div#body`` → ``table.docList`` with the columns Date / Description /
  European Patent Bulletin date, issue number, dates ``DD.MM.YYYY`` (structure as in a Register
  page kept by EP-Register-Pro, ``tests/fixtures/cases/EP19205846/event.html``);
* **Patent Center**'s "Transaction history" (``/applications/<n>/transactions``): an Angular-style
  shell whose script fetches the transactions as JSON and only then renders a ``mat-table``
  with the columns Date (``MM/DD/YYYY``) / Transaction description, so a reader that does not
  run the page's script sees no table at all.

Each has a ``layout="changed"`` variant (the same data in another structure), which a reader
must report as unreadable, never as an empty history.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from patent_sync_tests.fake_odp_server import Answer, FakeServer, Recorded

HTML_TYPE = "text/html;charset=UTF-8"

# (date DD.MM.YYYY, description, (bulletin date DD.MM.YYYY, issue "YYYY/WW") or None)
RegisterRow = tuple[str, str, tuple[str, str] | None]
# (date MM/DD/YYYY, transaction description)
TransactionRow = tuple[str, str]


def register_event_page(
    application_number: str, rows: Iterable[RegisterRow], *, layout: str = "normal"
) -> bytes:
    """The Register's Event history page of ``EP<application_number>``."""
    number = f"EP{application_number}"
    rows = list(rows)
    if layout == "normal":
        body_rows = (
            "".join(
                f'<tr><td>{date}</td><td class="nowrap">{html.escape(text)}</td>'
                f'<td class="nowrap">{_bulletin(bulletin)}</td></tr>'
                for date, text, bulletin in rows
            )
            or '<tr class="empty"><td colspan="3">Nothing found to display.</td></tr>'
        )
        sort_link = "application?" + urlencode(
            {"d-16544-p": 1, "number": number, "tab": "event", "lng": "en", "d-16544-s": "date"}
        )
        content = (
            '<div id="body" class="clearfix"><div class="modList">'
            '<table class="application docList" id="row"><thead><tr>'
            f'<th class="sortable sorted order2"><a href="{html.escape(sort_link)}">Date</a></th>'
            "<th>Description</th><th>European Patent Bulletin  date, issue number</th>"
            f"</tr></thead><tbody>{body_rows}</tbody></table></div></div>"
        )
    elif layout == "changed":  # a redesign: the same events as a list of cards, no table
        cards = "".join(
            f'<li class="event-card"><span class="when">{date}</span>'
            f'<span class="what">{html.escape(text)}</span></li>'
            for date, text, _ in rows
        )
        content = f'<main id="register-app"><ul class="event-timeline">{cards}</ul></main>'
    elif layout == "not_found":
        content = '<div id="body" class="clearfix"><p class="error">No files were found.</p></div>'
    else:
        raise ValueError(layout)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">'
        f"<title>European Patent Register - {number}</title></head><body>"
        '<div id="header"><h1>European Patent Register</h1></div>'
        '<ul id="tabs"><li><a href="?tab=main">About this file</a></li>'
        '<li class="selected"><a href="?tab=event">Event history</a></li>'
        '<li><a href="?tab=doclist">All documents</a></li></ul>'
        f"{content}</body></html>"
    )
    return page.encode()


def _bulletin(bulletin: tuple[str, str] | None) -> str:
    if bulletin is None:
        return ""
    date, issue = bulletin
    year, week = issue.split("/")
    return (
        f'published on&nbsp;&nbsp;{date}&nbsp;&nbsp;<a href="https://www.epo.org/bulletin/'
        f'downloads/{year}/bulletin{year[2:]}{week}.pdf" target="_blank" class="ext">'
        f"[{issue}]</a>"
    )


PATENTCENTER_SHELL = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Patent Center | USPTO</title><base href="/"></head>
<body><app-root><div class="loading">Loading…</div></app-root>
<script>
(async function () {
  const number = location.pathname.split('/')[2];
  const root = document.querySelector('app-root');
  const answer = await fetch('/retrieval/public/v2/application/transactions?applicationNumberText='
                             + number);
  await new Promise((done) => setTimeout(done, 150));  // the SPA renders after its data arrives
  if (answer.status === 404) {
    root.innerHTML = '<div class="alert alert-danger">Application not found.</div>';
    return;
  }
  const data = await answer.json();
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  if (data.layout === 'changed') {
    root.innerHTML = '<section class="txn-feed">' + data.rows.map((r) =>
      '<div class="txn"><b>' + r.date + '</b> ' + esc(r.text) + '</div>').join('') + '</section>';
    return;
  }
  root.innerHTML = '<h2>Transaction history</h2>'
    + '<table mat-table class="mat-mdc-table transaction-history"><thead>'
    + '<tr mat-header-row><th mat-header-cell>Date</th>'
    + '<th mat-header-cell>Transaction description</th></tr></thead><tbody>'
    + data.rows.map((r) => '<tr mat-row><td mat-cell>' + r.date + '</td><td mat-cell>'
      + esc(r.text) + '</td></tr>').join('')
    + '</tbody></table>';
})();
</script></body></html>
"""


def transactions_json(rows: Iterable[TransactionRow], *, layout: str = "normal") -> bytes:
    return json.dumps(
        {"layout": layout, "rows": [{"date": d, "text": t} for d, t in rows]}
    ).encode()


class OfficePages:
    """A page server: Register pages by application, Patent Center data by application."""

    def __init__(self) -> None:
        self.register: dict[str, bytes] = {}
        self.patentcenter: dict[str, bytes] = {}
        self.server = FakeServer(self._respond)

    def __enter__(self) -> OfficePages:
        self.server.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.stop()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def add_register(
        self, application_number: str, rows: Iterable[RegisterRow], *, layout: str = "normal"
    ) -> None:
        self.register[f"EP{application_number}"] = register_event_page(
            application_number, rows, layout=layout
        )

    def add_patentcenter(
        self, application_number: str, rows: Iterable[TransactionRow], *, layout: str = "normal"
    ) -> None:
        self.patentcenter[application_number] = transactions_json(rows, layout=layout)

    def page_loads(self) -> list[Recorded]:
        """The requests for pages (not the SPA's data requests, not the browser's favicon)."""
        return [
            r
            for r in self.server.requests
            if not r.path.startswith("/retrieval/") and r.path != "/favicon.ico"
        ]

    def _respond(self, request: Recorded) -> Answer:
        if request.path == "/application":
            page = self.register.get(_first(request.query, "number"))
            if page is None:
                return Answer(404, {"Content-Type": HTML_TYPE}, b"<html>Not found</html>")
            return Answer(200, {"Content-Type": HTML_TYPE}, page)
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "applications" and parts[2] == "transactions":
            return Answer(200, {"Content-Type": HTML_TYPE}, PATENTCENTER_SHELL.encode())
        if request.path == "/retrieval/public/v2/application/transactions":
            data = self.patentcenter.get(_first(request.query, "applicationNumberText"))
            if data is None:
                return Answer(404, {"Content-Type": "application/json"}, b"{}")
            return Answer(200, {"Content-Type": "application/json"}, data)
        return Answer(404, {"Content-Type": HTML_TYPE}, b"<html>Not found</html>")


def _first(query: Mapping[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[0]
