"""The synthetic EP Register and INPADOC answers in ``data/events``: reproducible, in the wire
shape of the recorded OPS answers, readable by the real parsers, and giving the demo docket the
EP entries ``data/README.md`` promises.

The committed files must be exactly what the generator writes (anyone can regenerate and
review a change); every event in them must be dated and carry a code the taxonomy knows (an
unknown code would make the demo docket silently thinner); and the docket engine must find the
deadlines each matter is there to demonstrate, worked out by hand below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pytest
from lxml import etree

from patent_sync.deadlines import RULES
from patent_sync.docket.engine import OPEN, discriminator, evaluate_docket
from patent_sync.docket.overdue import overdue
from patent_sync.docket.service import docket_for_batch, list_event_files
from patent_sync.events import load_event_file, load_event_files, taxonomy
from patent_sync.eventsync.epo_ops import event_file_names
from patent_sync.model import DocketEntry
from patent_sync.samplegen.ep_events import (
    MATTERS,
    bulletin_number,
    d,
    inpadoc_answer,
    main,
    register_answer,
    write_ep_event_files,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_EVENTS = REPO_ROOT / "data" / "events"
#: The day data/README.md states the demo docket for (the US matters' table uses it too).
AS_OF = dt.date(2026, 11, 21)
#: (matter, rule, year/stage, trigger, due, final, status) of a docket entry.
Row = tuple[str, str, str, str, str, str | None, str]
RECORDED_REGISTER = ("get_register_biblio", "get_register_events", "get_register_procedural_steps")

# (matter, rule, year/stage, trigger, due, final, status). Periods from a Bulletin mention are
# not notifications; communications dated from 1 Nov 2023 are notified on the date they bear
# (Rule 126(2)). Rule 134(1) moves an end on a Saturday, Sunday or EPO closure day to the next
# working day. Renewal fees: due the last day of the month of the anniversary, grace to the last
# day of the sixth month after it (Rule 51(1), (2)); years listed up to AS_OF + 1 year.
EXPECTED = [
    # EP 23 173 518, filed 2023-05-17, A1 with the search report mentioned 2024-11-20.
    # 2024-11-20 + 6 months = 2025-05-20 (Tue): examination request (Rule 70(1)), designation
    # fee (Rule 39(1)), reply to the search opinion (Rule 70a(1)); all answered before.
    ("EP-23173518", "ep.designation_fee", "", "2024-11-20", "2025-05-20", None, "closed"),
    ("EP-23173518", "ep.examination_request", "", "2024-11-20", "2025-05-20", None, "closed"),
    ("EP-23173518", "ep.r70a_response", "", "2024-11-20", "2025-05-20", None, "closed"),
    # Year 3: anniversary 2025-05-17 → 2025-05-31 (Sat) → Mon 2025-06-02; grace 2025-11-30
    # (Sun) → 2025-12-01. Paid 2025-05-12.
    ("EP-23173518", "ep.renewal_fee", "3", "2023-05-17", "2025-06-02", "2025-12-01", "closed"),
    # Year 4: 2026-05-31 (Sun) → 2026-06-01; grace 2026-11-30 (Mon). Paid 2026-05-11.
    ("EP-23173518", "ep.renewal_fee", "4", "2023-05-17", "2026-06-01", "2026-11-30", "closed"),
    # Year 5: 2027-05-31 (Mon); grace 2027-11-30 (Tue). Not yet paid: OPEN.
    ("EP-23173518", "ep.renewal_fee", "5", "2023-05-17", "2027-05-31", "2027-11-30", "open"),
    # Art. 94(3) communication dispatched 2026-09-16, time limit 4 months (EXRE time-limit 04):
    # 2027-01-16 (Sat) → Mon 2027-01-18. No reply on file: OPEN.
    ("EP-23173518", "ep.communication_reply", "", "2026-09-16", "2027-01-18", None, "open"),
    # EP 22 156 384, filed 2022-02-09, A1 with the search report mentioned 2023-08-16.
    # 2023-08-16 + 6 months = 2024-02-16 (Fri); requested, paid and amended 2024-01-25.
    ("EP-22156384", "ep.designation_fee", "", "2023-08-16", "2024-02-16", None, "closed"),
    ("EP-22156384", "ep.examination_request", "", "2023-08-16", "2024-02-16", None, "closed"),
    ("EP-22156384", "ep.r70a_response", "", "2023-08-16", "2024-02-16", None, "closed"),
    # Year 3: 2024-02-29 (Thu); grace 2024-08-31 (Sat) → 2024-09-02. Paid 2024-02-14.
    ("EP-22156384", "ep.renewal_fee", "3", "2022-02-09", "2024-02-29", "2024-09-02", "closed"),
    # Year 4: 2025-02-28 (Fri); grace 2025-08-31 (Sun) → 2025-09-01. Paid 2025-02-11.
    ("EP-22156384", "ep.renewal_fee", "4", "2022-02-09", "2025-02-28", "2025-09-01", "closed"),
    # Year 5: 2026-02-28 (Sat) → 2026-03-02; grace 2026-08-31 (Mon). Paid 2026-02-10.
    ("EP-22156384", "ep.renewal_fee", "5", "2022-02-09", "2026-03-02", "2026-08-31", "closed"),
    # Year 6: 2027-02-28 (Sun) → 2027-03-01; grace 2027-08-31 (Tue). OPEN.
    ("EP-22156384", "ep.renewal_fee", "6", "2022-02-09", "2027-03-01", "2027-08-31", "open"),
    # Communication of 2024-10-08, 4 months: 2025-02-08 (Sat) → 2025-02-10; replied 2025-02-05.
    ("EP-22156384", "ep.communication_reply", "", "2024-10-08", "2025-02-10", None, "closed"),
    # Rule 71(3) communication of 2026-10-22: 4 months, not extendable → 2027-02-22 (Mon). OPEN.
    ("EP-22156384", "ep.r71_3", "", "2026-10-22", "2027-02-22", None, "open"),
    # EP 22 195 730, filed 2022-09-14, A1 with the search report mentioned 2024-03-20, grant
    # mentioned in Bulletin 2026/19 of 2026-05-13. 2024-03-20 + 6 months = 2024-09-20 (Fri).
    ("EP-22195730", "ep.designation_fee", "", "2024-03-20", "2024-09-20", None, "closed"),
    ("EP-22195730", "ep.examination_request", "", "2024-03-20", "2024-09-20", None, "closed"),
    ("EP-22195730", "ep.r70a_response", "", "2024-03-20", "2024-09-20", None, "closed"),
    # Year 3: 2024-09-30 (Mon), grace 2025-03-31. Year 4: 2025-09-30, grace 2026-03-31. Paid.
    ("EP-22195730", "ep.renewal_fee", "3", "2022-09-14", "2024-09-30", "2025-03-31", "closed"),
    ("EP-22195730", "ep.renewal_fee", "4", "2022-09-14", "2025-09-30", "2026-03-31", "closed"),
    # The mention falls in patent year 4 (2025-09-14..2026-09-13): years 5 and 6 are due to the
    # national offices (Art. 86(2), 141), closed at the grant.
    ("EP-22195730", "ep.renewal_fee", "5", "2022-09-14", "2026-09-30", "2027-03-31", "closed"),
    ("EP-22195730", "ep.renewal_fee", "6", "2022-09-14", "2027-09-30", "2028-03-31", "closed"),
    # Communication of 2025-02-12, 4 months: 2025-06-12 (Thu); replied 2025-06-10.
    ("EP-22195730", "ep.communication_reply", "", "2025-02-12", "2025-06-12", None, "closed"),
    # Rule 71(3) of 2025-12-03: 2026-04-03 is Good Friday and 04-06 Easter Monday (EPO closed)
    # → 2026-04-07. Fees paid and translations filed 2026-03-24.
    ("EP-22195730", "ep.r71_3", "", "2025-12-03", "2026-04-07", None, "closed"),
    # Opposition (Art. 99(1)): 2026-05-13 + 9 months = 2027-02-13 (Sat) → Mon 2027-02-15. OPEN.
    ("EP-22195730", "ep.opposition", "", "2026-05-13", "2027-02-15", None, "open"),
]
# Request for unitary effect (Rule 6(1) UPR): 2026-05-13 + 1 month = 2026-06-13 (Sat) →
# 2026-06-15; the request was filed 2026-05-29 (INPADOC U01 of 2026-06-03).
UNITARY = ("EP-22195730", "ep.unitary_effect", "", "2026-05-13", "2026-06-15", None, "closed")


def _expected() -> set[Row]:
    rows = EXPECTED + ([UNITARY] if "ep.unitary_effect" in RULES else [])
    return set(rows)


def _ep_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("EP-*.xml"))


# --- files ---------------------------------------------------------------------------------------


def test_regenerating_gives_identical_bytes_and_matches_the_committed_files(
    tmp_path: Path,
) -> None:
    first = write_ep_event_files(tmp_path / "a")
    second = write_ep_event_files(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    committed = [p.name for p in _ep_files(DATA_EVENTS)]
    assert committed == sorted(p.name for p in first), (
        "rerun python -m patent_sync.samplegen.ep_events --out data/events"
    )
    for path in first:
        assert (DATA_EVENTS / path.name).read_bytes() == path.read_bytes(), path.name


def test_files_are_named_as_the_ep_watchlist_sync_names_them() -> None:
    for matter in MATTERS:
        assert event_file_names(matter.application_number) == (
            matter.register_file_name,
            matter.inpadoc_file_name,
        )


def test_command_line_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        name for m in MATTERS for name in (m.register_file_name, m.inpadoc_file_name)
    )
    assert "EP 22156384: intention to grant" in capsys.readouterr().out


def test_impossible_recipes_are_refused_with_the_reason() -> None:
    matter = MATTERS[0]
    on_a_tuesday = dataclasses.replace(matter, a1_published=d("2024-11-19"))
    with pytest.raises(ValueError, match="2024-11-19 is not a Wednesday"):
        register_answer(on_a_tuesday)
    in_the_future = dataclasses.replace(matter, examination_requested=d("2027-01-05"))
    with pytest.raises(ValueError, match="dates after 2026-11-27"):
        inpadoc_answer(in_the_future)


def test_bulletin_numbers_match_the_recorded_register_answers() -> None:
    # The recorded EP 2400812 answers: A1 in 2011/52, B1 in 2019/48, no opposition 2020/45.
    assert bulletin_number(dt.date(2011, 12, 28)) == "2011/52"
    assert bulletin_number(dt.date(2019, 11, 27)) == "2019/48"
    assert bulletin_number(dt.date(2020, 11, 4)) == "2020/45"
    assert bulletin_number(dt.date(2026, 1, 7)) == "2026/01"


# --- read by the real parsers --------------------------------------------------------------------


def test_every_event_is_dated_and_known_and_keyed_by_the_application() -> None:
    by_matter: dict[str, set[str]] = {}
    for path in _ep_files(DATA_EVENTS):
        parsed = load_event_file(path)
        want = "epo-register" if path.name.endswith("-register.xml") else "epo-inpadoc-legal"
        assert parsed.format == want, path.name
        assert parsed.undated == () and parsed.warnings == (), path.name
        unknown = [(e.source_code, e.description) for e in parsed.events if e.event == "other"]
        assert unknown == [], path.name
        for event in parsed.events:
            by_matter.setdefault(event.application_key, set()).add(event.source)
    # Each matter is one key (the Register file names the application, not only the
    # publication), fed by all four Register parts and INPADOC.
    assert sorted(by_matter) == sorted(f"EP-{m.application_number}" for m in MATTERS)
    for sources in by_matter.values():
        assert sources == {
            "epo.register.biblio",
            "epo.register.status",
            "epo.register.procedural_steps",
            "epo.register.events",
            "epo.ops.legal",
        }
    batch = load_event_files(_ep_files(DATA_EVENTS))
    assert {k: v["filing_date"] for k, v in batch.facts.items()} == {
        "EP-23173518": dt.date(2023, 5, 17),
        "EP-22156384": dt.date(2022, 2, 9),
        "EP-22195730": dt.date(2022, 9, 14),
    }
    assert all(v["euro_pct"] is False for v in batch.facts.values())


def test_the_files_use_only_elements_and_attributes_of_the_recorded_answers(
    samples_dir: Path,
) -> None:
    """Nothing in the synthetic answers is shaped differently from what OPS sent for
    EP 2400812 (Register biblio, events and procedural steps; INPADOC legal events)."""

    def paths(path: Path) -> set[str]:
        found: set[str] = set()

        def walk(element: etree._Element, prefix: str) -> None:
            if not isinstance(element.tag, str):
                return
            here = f"{prefix}/{element.tag}"
            found.add(here)
            found.update(f"{here}@{name}" for name in element.attrib)
            for child in element:
                walk(child, here)

        walk(etree.parse(str(path)).getroot(), "")
        return found

    recorded = samples_dir / "epo_ops" / "patent-dev"
    register = set().union(*(paths(recorded / n / "response.xml") for n in RECORDED_REGISTER))
    legal = paths(recorded / "get_legal" / "response.xml")
    for path in _ep_files(DATA_EVENTS):
        real = register if path.name.endswith("-register.xml") else legal
        assert sorted(paths(path) - real) == [], path.name
    # The wrappers are the recorded ones, byte for byte up to the root element.
    real_head = (recorded / "get_register_events" / "response.xml").read_bytes()
    for matter in MATTERS:
        ours = (DATA_EVENTS / matter.register_file_name).read_bytes()
        cut = real_head.index(b"<ns2:register-search")
        assert ours[:cut] == real_head[:cut]


# --- the docket they give ------------------------------------------------------------------------


def _rows(entries: Iterable[DocketEntry]) -> set[Row]:
    return {
        (
            e.matter,
            e.rule,
            discriminator(dict(e.params)),
            e.trigger_date.isoformat(),
            e.due_date.isoformat(),
            e.final_date.isoformat() if e.final_date else None,
            e.status,
        )
        for e in entries
    }


def test_docket_entries_are_the_ones_worked_out_by_hand() -> None:
    batch = load_event_files(_ep_files(DATA_EVENTS))
    result = evaluate_docket(batch.events, matter_facts=batch.facts, as_of=AS_OF)
    assert result.unhandled_events == () and result.unknown_codes == ()
    # Every Register "New entry" communication (dated when recorded) is corroborated by the
    # procedural step with the real dispatch date, so no entry carries a late-date warning.
    assert result.warnings == ()
    assert _rows(result.entries) == _expected()
    extendable = {(e.matter, e.rule): e.extendable for e in result.entries if e.status == OPEN}
    assert extendable[("EP-22156384", "ep.r71_3")] is False  # Rule 71(3): not extendable
    assert extendable[("EP-23173518", "ep.communication_reply")] is True  # Rule 132(2)


def test_closing_reasons_name_what_closed_each_entry() -> None:
    batch = load_event_files(_ep_files(DATA_EVENTS))
    entries = evaluate_docket(batch.events, matter_facts=batch.facts, as_of=AS_OF).entries
    reason = {(e.matter, e.rule, discriminator(dict(e.params))): e.status_reason for e in entries}
    assert (
        reason[("EP-23173518", "ep.renewal_fee", "4")] == "renewal fee for year 4 paid 2026-05-11"
    )
    assert reason[("EP-23173518", "ep.designation_fee", "")].endswith("AKX)")
    assert "reply filed 2025-02-05" in reason[("EP-22156384", "ep.communication_reply", "")]
    assert "Rule 71(3) reply complete 2026-03-24" in reason[("EP-22195730", "ep.r71_3", "")]
    assert "national offices" in reason[("EP-22195730", "ep.renewal_fee", "5")]
    if "ep.unitary_effect" in RULES:
        assert "U01" in reason[("EP-22195730", "ep.unitary_effect", "")]


def test_demo_directory_has_open_ep_deadlines_and_at_most_one_overdue_entry() -> None:
    """The whole of data/events as the demo's docket job reads it: the EP matters add open,
    upcoming entries and nothing overdue (the one overdue entry is a US maintenance fee)."""
    listing = list_event_files(DATA_EVENTS)
    assert listing.ignored == ()
    for as_of in (AS_OF, dt.date(2026, 11, 30)):
        build = docket_for_batch(load_event_files(listing.files), listing.files, as_of)
        ep_open = sorted(
            (e.due_date.isoformat(), e.matter, e.rule)
            for e in build.result.entries
            if e.status == OPEN and e.matter.startswith("EP-")
        )
        assert ep_open == [
            ("2027-01-18", "EP-23173518", "ep.communication_reply"),
            ("2027-02-15", "EP-22195730", "ep.opposition"),
            ("2027-02-22", "EP-22156384", "ep.r71_3"),
            ("2027-03-01", "EP-22156384", "ep.renewal_fee"),
            ("2027-05-31", "EP-23173518", "ep.renewal_fee"),
        ]
        late = [(e.matter, e.rule) for e in build.result.entries if overdue(e, as_of)]
        assert late == [("US-17512338", "us.maintenance_fee")]
        assert not [u for u in build.result.unhandled_events if u.event.jurisdiction == "EP"]
        assert taxonomy.OTHER not in {
            e.event for e in build.batch.events if e.application_key.startswith("EP-")
        }
