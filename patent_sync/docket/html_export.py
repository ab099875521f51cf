"""The open docket as one self-contained HTML page: a list by due date and a month view.

A paralegal opens the file in a browser, from a share or an e-mail attachment, with no server
and no network: styles are inline, there are no scripts, fonts or images to fetch, and a
Content-Security-Policy forbids the page any request at all. It shows:

* the open entries by due date, each with its matter, rule, final date, whether it can be
  extended, its citation, and (unfolded on click) the working and the source events it was
  computed from; an entry past its due date on the ``as_of`` day is marked OVERDUE in words,
  not only in colour, with whether its final date has passed too;
* a month view: one calendar grid per month that has an open entry (and the ``as_of`` month),
  each entry on its due day.

Every value is escaped: matter numbers, descriptions and citations come from office data.
"""

from __future__ import annotations

import calendar
import collections
import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence

from patent_sync.deadlines import RULES
from patent_sync.docket.engine import OPEN, discriminator
from patent_sync.docket.overdue import Overdue, overdue
from patent_sync.model import DocketEntry, Event

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232b}
header{background:#1d3557;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:22px}
main{padding:8px 24px 40px;max-width:1200px}
h2{margin:28px 0 8px;font-size:18px}
.summary span{margin-right:18px}
.badge{display:inline-block;padding:1px 7px;border-radius:4px;font-size:12px;font-weight:700}
.badge.overdue{background:#b00020;color:#fff}
.badge.lost{background:#000;color:#fff}
table.entries{border-collapse:collapse;width:100%}
table.entries th{text-align:left;border-bottom:2px solid #999;padding:6px 8px;font-size:13px}
table.entries td{border-bottom:1px solid #ddd;padding:6px 8px;vertical-align:top}
tr.overdue td{background:#fdecee}
td.due{white-space:nowrap;font-weight:600}
.note{color:#b00020;font-size:13px}
details summary{cursor:pointer;color:#1d3557}
details ol,details ul{margin:4px 0 8px;padding-left:22px;font-size:13px}
.citation{font-size:13px}
.months{display:flex;flex-wrap:wrap;gap:18px}
table.month{border-collapse:collapse;font-size:12px;width:440px;table-layout:fixed}
table.month caption{font-weight:700;text-align:left;padding:4px 0}
table.month th{font-weight:600;color:#555;padding:2px}
table.month td{border:1px solid #ddd;height:48px;vertical-align:top;padding:2px}
table.month td.blank{border:none}
table.month td.today{outline:2px solid #1d3557}
table.month td .day{color:#777}
table.month td ul{list-style:none;margin:0;padding:0}
table.month td li{background:#e3ecf7;border-radius:3px;margin-top:2px;padding:0 2px;
  font-size:10px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
table.month td li.overdue{background:#b00020;color:#fff}
footer{color:#777;font-size:12px;padding:0 24px 24px}
@media print{details{display:block}details>*{display:block}}
"""
# No request of any kind: everything the page needs is in the file.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def docket_html(
    entries: Iterable[DocketEntry],
    *,
    as_of: dt.date,
    events: Iterable[Event] = (),
    title: str = "Patent docket",
    generated_at: dt.datetime | None = None,
) -> str:
    """The page for the open ``entries`` read on ``as_of``; ``events`` are the matters'
    prosecution events, from which each entry's source events are picked."""
    chosen = sorted(
        (e for e in entries if e.status == OPEN),
        key=lambda e: (e.due_date, e.matter, e.rule, discriminator(dict(e.params))),
    )
    by_matter: dict[str, list[Event]] = collections.defaultdict(list)
    for event in events:
        by_matter[event.application_key].append(event)
    late = {id(e): overdue(e, as_of) for e in chosen}
    overdue_count = sum(1 for e in chosen if late[id(e)] is not None)
    stamp = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    matters = len({e.matter for e in chosen})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} as of {as_of}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1>",
        f'<div class="summary"><span>as of <strong id="as-of">{as_of}</strong></span>',
        f'<span><strong id="open-count">{len(chosen)}</strong> open entries</span>',
        f"<span>{matters} matter{'s' if matters != 1 else ''}</span>",
        f'<span><strong id="overdue-count">{overdue_count}</strong> overdue</span></div>',
        "</header><main>",
        '<section id="entries"><h2>Open entries by due date</h2>',
        _entries_table(chosen, late, by_matter) if chosen else "<p>No open entry.</p>",
        "</section>",
        '<section id="months"><h2>Month view</h2><div class="months">',
        *_month_views(chosen, late, as_of),
        "</div></section></main>",
        f"<footer>Written by patent-sync on {stamp}. Each date is computed by the rule "
        "cited; the working under each entry shows every step. Verify before relying on it."
        "</footer></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _entries_table(
    entries: Sequence[DocketEntry],
    late: Mapping[int, Overdue | None],
    by_matter: Mapping[str, Sequence[Event]],
) -> str:
    rows = [
        '<table class="entries"><thead><tr><th>Due date</th><th>Matter</th><th>What is due</th>'
        "<th>Final date</th><th>Period</th><th>Citation and working</th></tr></thead><tbody>"
    ]
    for entry in entries:
        lateness = late[id(entry)]
        css = "entry overdue" if lateness else "entry"
        badge = ""
        if lateness is not None:
            kind = "lost" if lateness.past_final_date else "overdue"
            badge = f'<br><span class="badge {kind}">OVERDUE</span>'
        note = f'<div class="note">{_e(lateness.note())}</div>' if lateness else ""
        rows.append(
            f'<tr class="{css}" data-due="{entry.due_date}" data-matter="{_e(entry.matter)}" '
            f'data-rule="{_e(entry.rule)}">'
            f'<td class="due">{entry.due_date}<br>{entry.due_date:%a}{badge}</td>'
            f'<td class="matter">{_e(entry.matter)}</td>'
            f'<td class="what">{_e(_what(entry))}{note}</td>'
            f'<td class="final">{entry.final_date or "—"}</td>'
            f'<td class="period">{"extendable" if entry.extendable else "absolute"}</td>'
            f'<td><div class="citation">{_e(entry.citation)}</div>'
            f"{_working(entry)}{_sources(entry, by_matter.get(entry.matter, ()))}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _what(entry: DocketEntry) -> str:
    rule = RULES.get(entry.rule)
    label = rule.title if rule is not None else entry.rule
    stage = discriminator(dict(entry.params))
    params = dict(entry.params)
    if "stage" in params:
        label += f" (stage {stage})"
    elif "year" in params:
        label += f" (year {stage})"
    elif stage:
        label += f" ({stage})"
    return f"{label} [{entry.rule}]"


def _working(entry: DocketEntry) -> str:
    steps = "".join(f"<li>{_e(line)}</li>" for line in entry.explanation)
    return f'<details class="working"><summary>Working</summary><ol>{steps}</ol></details>'


def _sources(entry: DocketEntry, events: Sequence[Event]) -> str:
    """The events the entry was computed from: those of its trigger, on its trigger date."""
    name = entry.trigger_event.split(":", 1)[0].strip()
    same_day = [e for e in events if e.event_date == entry.trigger_date]
    picked = [e for e in same_day if e.event == name] or same_day
    items = [
        f"<li>{e.event_date} {_e(e.source)} <code>{_e(e.source_code.strip())}</code> "
        f"{_e(e.description)} ({_e(e.event)})</li>"
        for e in picked
    ]
    if not items:  # the store holds no event for it (e.g. a fact stood in for the event)
        items = [f"<li>{entry.trigger_date} {_e(entry.trigger_event)}</li>"]
    return (
        '<details class="sources"><summary>Source events</summary><ul>'
        + "".join(items)
        + f"</ul><div>Status: {_e(entry.status_reason)}</div></details>"
    )


def _month_views(
    entries: Sequence[DocketEntry], late: Mapping[int, Overdue | None], as_of: dt.date
) -> list[str]:
    by_day: dict[dt.date, list[DocketEntry]] = collections.defaultdict(list)
    for entry in entries:
        by_day[entry.due_date].append(entry)
    months = sorted({(d.year, d.month) for d in by_day} | {(as_of.year, as_of.month)})
    return [_month(year, month, by_day, late, as_of) for year, month in months]


def _month(
    year: int,
    month: int,
    by_day: Mapping[dt.date, Sequence[DocketEntry]],
    late: Mapping[int, Overdue | None],
    as_of: dt.date,
) -> str:
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month)
    head = "".join(f"<th>{name}</th>" for name in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"))
    rows = []
    for week in weeks:
        cells = []
        for day in week:
            if day.month != month:
                cells.append('<td class="blank"></td>')
                continue
            due = by_day.get(day, ())
            classes = ["today"] if day == as_of else []
            items = "".join(
                f'<li class="{"overdue" if late[id(e)] else "due"}" '
                f'title="{_e(_what(e))}">{_e(e.matter)}<br>{_e(e.rule)}</li>'
                for e in due
            )
            cells.append(
                f'<td class="{" ".join(classes)}" data-date="{day}">'
                f'<div class="day">{day.day}</div>{f"<ul>{items}</ul>" if items else ""}</td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    label = dt.date(year, month, 1).strftime("%B %Y")
    return (
        f'<table class="month" data-month="{year:04d}-{month:02d}"><caption>{label}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
