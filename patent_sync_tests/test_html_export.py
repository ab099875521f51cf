"""``patent-sync export html`` and the ``docket_html`` asset: the docket as a page people read.

The page must open with no server and no network, list the open entries by due date with the
overdue ones marked in words, give each its citation, working and source events, and show a
month view. It is checked as HTML (every entry accounted for, escaped) and in a real headless
Chromium with every network request refused (screenshots kept as test artifacts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import lxml.html
import pytest

from patent_sync.cli.main import main
from patent_sync.defs.docket import docket_entries, docket_html, prosecution_events
from patent_sync.docket.html_export import docket_html as render
from patent_sync.docket.service import docket_for_batch, overdue_entries
from patent_sync.events import load_event_files
from patent_sync.model import DocketEntry
from patent_sync.resources import DocketStoreResource, EventFilesResource, LocalStorageResource
from patent_sync.settings import PROJECT_ROOT
from patent_sync_tests.browser_pages import artifacts_dir
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

if TYPE_CHECKING:
    from playwright.sync_api import Browser

EVENTS = PROJECT_ROOT / "data" / "events"
AS_OF = dt.date(2026, 11, 30)  # one sample maintenance fee fell due on 2026-11-16


@pytest.fixture(scope="module")
def sample_docket() -> tuple[list[DocketEntry], list]:
    files = sorted(EVENTS.glob("*.json"))
    build = docket_for_batch(load_event_files(files), files, AS_OF)
    return list(build.result.entries), list(build.batch.events)


def _cls(name: str) -> str:
    """An XPath test for an element having the CSS class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _open(entries: list[DocketEntry]) -> list[DocketEntry]:
    return [e for e in entries if e.status == "open"]


def test_open_entries_by_due_date_with_overdue_marked(sample_docket) -> None:  # type: ignore[no-untyped-def]
    entries, events = sample_docket
    page = lxml.html.fromstring(render(entries, as_of=AS_OF, events=events))
    rows = page.xpath(f"//section[@id='entries']//tr[{_cls('entry')}]")
    wanted = _open(entries)
    assert len(rows) == len(wanted) > 0
    dues = [row.get("data-due") for row in rows]
    assert dues == sorted(dues) == sorted(e.due_date.isoformat() for e in wanted)
    late = overdue_entries(wanted, AS_OF)
    assert late, "the sample docket should hold an overdue entry on this day"
    marked = [row for row in rows if "overdue" in row.get("class").split()]
    assert [(r.get("data-matter"), r.get("data-due")) for r in marked] == [
        (e.matter, e.due_date.isoformat()) for e in sorted(late, key=lambda e: e.due_date)
    ]
    for row in marked:
        text = row.text_content()
        assert "OVERDUE" in text and f"as of {AS_OF}" in text
    assert page.get_element_by_id("overdue-count").text == str(len(late))
    assert page.get_element_by_id("open-count").text == str(len(wanted))


def test_each_entry_has_its_citation_working_and_source_events(sample_docket) -> None:  # type: ignore[no-untyped-def]
    entries, events = sample_docket
    page = lxml.html.fromstring(render(entries, as_of=AS_OF, events=events))
    by_key = {
        (e.matter, e.due_date.isoformat(), e.rule): e for e in _open(entries)
    }  # one entry per (matter, due date, rule) in the samples
    for row in page.xpath(f"//tr[{_cls('entry')}]"):
        entry = by_key[(row.get("data-matter"), row.get("data-due"), row.get("data-rule"))]
        assert row.xpath(f".//*[{_cls('citation')}]")[0].text_content() == entry.citation
        steps = [li.text_content() for li in row.xpath(f".//details[{_cls('working')}]//li")]
        assert steps == list(entry.explanation)
        sources = row.xpath(f".//details[{_cls('sources')}]//li")
        code = entry.trigger_event.split(":", 1)[1].split("/")[0].strip()
        assert sources and any(code in li.text_content() for li in sources), entry.trigger_event
        assert entry.trigger_date.isoformat() in sources[0].text_content()


def test_the_month_view_puts_every_open_entry_on_its_day(sample_docket) -> None:  # type: ignore[no-untyped-def]
    entries, events = sample_docket
    wanted = _open(entries)
    page = lxml.html.fromstring(render(entries, as_of=AS_OF, events=events))
    months = {table.get("data-month") for table in page.xpath(f"//table[{_cls('month')}]")}
    assert months == {f"{e.due_date:%Y-%m}" for e in wanted} | {f"{AS_OF:%Y-%m}"}
    placed = [
        (cell.get("data-date"), li.text_content())
        for cell in page.xpath(f"//table[{_cls('month')}]//td[@data-date]")
        for li in cell.xpath(".//li")
    ]
    assert sorted(placed) == sorted((e.due_date.isoformat(), f"{e.matter}{e.rule}") for e in wanted)
    overdue_days = {
        cell.get("data-date")
        for cell in page.xpath(f"//table[{_cls('month')}]//td[@data-date]")
        if cell.xpath(f".//li[{_cls('overdue')}]")
    }
    assert overdue_days == {e.due_date.isoformat() for e in overdue_entries(wanted, AS_OF)}
    assert page.xpath(f"//table[{_cls('month')}]//td[{_cls('today')} and @data-date='{AS_OF}']")


def test_the_page_is_self_contained_and_escaped() -> None:
    hostile = DocketEntry(
        matter='US-1<script>alert("x")</script>',
        rule="us.oa_reply",
        trigger_event="oa_mailed: CTNF/ <img src=http://example.com/x.png>",
        trigger_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 12, 1),
        final_date=dt.date(2027, 3, 1),
        extendable=True,
        citation="35 USC 133 & <b>more</b>",
        status="open",
        status_reason="no closing event on file",
        explanation=("<iframe src='https://example.com'></iframe>",),
    )
    text = render([hostile], as_of=AS_OF)
    lowered = text.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<img" not in lowered
    assert "http://" not in lowered.replace("&lt;img src=http://", "")
    assert "<link" not in lowered and "@import" not in lowered and "url(" not in lowered
    page = lxml.html.fromstring(text)
    csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
    assert "default-src 'none'" in csp
    assert page.xpath(f"//tr[{_cls('entry')}]")[0].get("data-matter") == hostile.matter
    assert page.xpath(f"//*[{_cls('citation')}]")[0].text_content() == hostile.citation


def test_an_empty_docket_still_makes_a_page() -> None:
    page = lxml.html.fromstring(render([], as_of=AS_OF))
    assert "No open entry." in page.text_content()
    assert page.xpath(f"//table[@data-month='{AS_OF:%Y-%m}']")


# --- the command ---------------------------------------------------------------------------


def test_export_html_from_event_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "docket.html"
    files = [str(p) for p in sorted(EVENTS.glob("*.json"))]
    code = main(["export", "html", *files, "--as-of", AS_OF.isoformat(), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    rows = page.xpath(f"//tr[{_cls('entry')}]")
    assert f"{len(rows)} open entries exported (1 overdue as of {AS_OF})" in err


def test_export_html_from_the_store_and_for_one_matter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", STRONG_AUDIT_KEY.hex())
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    files = [str(p) for p in sorted(EVENTS.glob("*.json"))]
    assert main(["docket", *files, "--as-of", AS_OF.isoformat(), "--sync", "--store", url]) == 0
    capsys.readouterr()
    out = tmp_path / "one.html"
    argv = ["export", "html", "--store", url, "--as-of", AS_OF.isoformat(), "--out", str(out)]
    assert main([*argv, "--matter", "US-17512338"]) == 0
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    assert {row.get("data-matter") for row in page.xpath(f"//tr[{_cls('entry')}]")} == {
        "US-17512338"
    }
    sources = page.xpath(f"//tr[{_cls('entry')}]//details[{_cls('sources')}]//li")
    assert sources and "uspto.odp.transactions" in sources[0].text_content()
    capsys.readouterr()

    assert main([*argv, "--matter", "US-99999999"]) == 0
    err = capsys.readouterr().err
    assert "matter US-99999999: no open entry: the docket has no entry for it" in err
    assert "0 open entries exported" in err
    assert (
        lxml.html.fromstring(out.read_text(encoding="utf-8")).xpath(f"//tr[{_cls('entry')}]") == []
    )


def test_docket_html_asset_writes_the_page_and_docket_entries_links_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    home = tmp_path / "home"
    result = dg.materialize(
        [prosecution_events, docket_entries, docket_html],
        resources={
            "docket_store": DocketStoreResource(url=url, audit_key=STRONG_AUDIT_KEY.hex()),
            "event_files": EventFilesResource(directory=str(EVENTS)),
            "storage": LocalStorageResource(home=str(home)),
        },
        run_config={
            "ops": {
                "docket_entries": {"config": {"as_of": AS_OF.isoformat()}},
                "docket_html": {"config": {"as_of": AS_OF.isoformat()}},
            }
        },
    )
    assert result.success
    metadata = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    link = metadata["docket_entries"]["html_export"]
    assert isinstance(link, dg.DagsterAssetMetadataValue)
    assert link.value == dg.AssetKey("docket_html")
    page_meta = metadata["docket_html"]
    path = Path(page_meta["path"].value)
    assert path == home / "exports" / "docket.html" and path.is_file()
    assert page_meta["open_in_browser"].value == path.resolve().as_uri()
    page = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    assert len(page.xpath(f"//tr[{_cls('entry')}]")) == page_meta["open_entries"].value > 0
    assert page_meta["overdue"].value == 1


# --- in the browser ------------------------------------------------------------------------


def test_the_page_in_a_browser_without_network(
    chromium: Browser, sample_docket, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    entries, events = sample_docket
    path = tmp_path / "docket.html"
    path.write_text(render(entries, as_of=AS_OF, events=events), encoding="utf-8")
    shots = artifacts_dir("html_export")
    requests: list[str] = []
    context = chromium.new_context(viewport={"width": 1300, "height": 900}, offline=True)
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert requests == [path.as_uri()]  # the page itself, nothing else

    rows = page.locator("tr.entry")
    wanted = _open(entries)
    assert rows.count() == len(wanted)
    overdue_rows = page.locator("tr.entry.overdue")
    assert overdue_rows.count() == len(overdue_entries(wanted, AS_OF))
    badge = overdue_rows.first.locator(".badge")
    assert badge.is_visible() and badge.inner_text() == "OVERDUE"
    # Marked in colour as well as in words.
    background = overdue_rows.first.locator("td").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")

    first = rows.first
    working = first.locator("details.working li")
    assert not working.first.is_visible()  # folded until asked for
    first.locator("details.working summary").click()
    first.locator("details.sources summary").click()
    assert working.first.is_visible()
    assert first.locator("details.sources li").first.is_visible()
    page.screenshot(path=str(shots / "docket_list.png"), full_page=True)

    months = page.locator("section#months")
    months.scroll_into_view_if_needed()
    assert months.locator("table.month li").count() == len(wanted)
    assert months.locator("table.month li.overdue").first.is_visible()
    months.screenshot(path=str(shots / "docket_months.png"))
    assert requests == [path.as_uri()]
    context.close()
