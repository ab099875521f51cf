"""Front-page fields from recognized words, without Tesseract: INID codes, the USPTO's number,
date and party formats, and the checks that make a confidence honest.

The words are laid out as Tesseract returns them for the two vintages of US front pages:
bracketed codes before 2001 (``[11] Patent Number: 6,103,599``) and parenthesized ones after
(``(10) Patent No.: US 6,789,012 B2``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from patent_sync.ocr.inid import find_fields, group_lines, inid_code
from patent_sync.ocr.offices import office_for
from patent_sync.ocr.offices.us import US_FRONT_PAGE
from patent_sync.ocr.reader import _combine
from patent_sync.ocr.reading import KEY_FIELD_THRESHOLD, FieldValue, PageFacts
from patent_sync.ocr.recognize import Word

LINE_HEIGHT = 34


def _line(y: int, x: int, *texts: str, confidence: float = 0.95) -> list[Word]:
    words, at = [], x
    for text in texts:
        width = 16 * len(text)
        words.append(Word(text, confidence, (at, y, width, 30), (1, 1, y)))
        at += width + 14
    return words


def _read(left: list[list[Word]], right: list[list[Word]]) -> dict[str, FieldValue]:
    fields, preamble = [], []
    for name, lines in (("left", left), ("right", right)):
        grouped = group_lines([w for line in lines for w in line], name)
        found, before = find_fields(grouped, US_FRONT_PAGE.labels, 24.0)
        fields += found
        preamble += before
    values = US_FRONT_PAGE.read(fields, preamble, 1)
    return US_FRONT_PAGE.cross_check(values, [])


def _page_2004() -> tuple[list[list[Word]], list[list[Word]]]:
    """A grant of 2004, with parenthesized codes and the kind printed after the number."""
    left = [
        _line(100, 100, "(12)", "United", "States", "Patent"),
        _line(150, 100, "Smith", "et", "al."),
        _line(250, 100, "(54)", "SELF-ALIGNED", "WIDGET", "FOR"),
        _line(250 + LINE_HEIGHT + 6, 200, "MEASURING", "FLUID", "FLOW"),
        _line(370, 100, "(75)", "Inventors:", "John", "Q.", "Smith,", "Austin,", "TX", "(US);"),
        _line(370 + LINE_HEIGHT + 6, 330, "Taro", "Yamada,", "Tokyo", "(JP)"),
        _line(490, 100, "(73)", "Assignee:", "Widget", "Corp.,", "Austin,", "TX", "(US)"),
        _line(570, 100, "(21)", "Appl.", "No.:", "10/123,456"),
        _line(630, 100, "(22)", "Filed:", "Mar.", "4,", "2002"),
        _line(710, 100, "(51)", "Int.", "Cl.7", "..........", "G01F", "1/00"),
    ]
    right = [
        _line(60, 1300, "US006789012B2"),
        _line(100, 1250, "(10)", "Patent", "No.:", "US", "6,789,012", "B2"),
        _line(150, 1250, "(45)", "Date", "of", "Patent:", "Sep.", "7,", "2004"),
    ]
    return left, right


def test_inid_codes_are_read_through_the_usual_misreadings() -> None:
    assert inid_code("[21]", line_start=False) == "21"
    assert inid_code("(21)", line_start=False) == "21"
    assert inid_code("[2l]", line_start=False) == "21"  # l for 1
    assert inid_code("{S4]", line_start=False) == "54"  # S for 5
    assert inid_code("121]", line_start=True) == "21"  # the opening bracket read as 1
    assert inid_code("121]", line_start=False) is None
    assert inid_code("(1)", line_start=True) is None
    assert inid_code("[95]", line_start=False) is None  # no such ST.9 code
    assert inid_code("1998", line_start=True) is None


def test_a_2004_grant_is_read_field_by_field() -> None:
    assert office_for("(12) United States Patent") is US_FRONT_PAGE
    values = _read(*_page_2004())
    assert values["doc_number"].value == "6789012"
    assert values["kind"].value == "B2"  # printed, and repeated by the caption
    assert values["publication_date"].value == dt.date(2004, 9, 7)
    assert values["application_number"].value == "10123456"
    assert values["filing_date"].value == dt.date(2002, 3, 4)
    assert values["title"].value == "SELF-ALIGNED WIDGET FOR MEASURING FLUID FLOW"
    assert values["ipc"].value == ("G01F 1/00",)
    inventors = [(p.name, p.city, p.state, p.country) for p in values["inventors"].value]
    assert inventors == [
        ("Smith, John Q.", "Austin", "TX", "US"),
        ("Yamada, Taro", "Tokyo", None, "JP"),
    ]
    (assignee,) = values["assignees"].value
    assert (assignee.name, assignee.state, assignee.kind) == ("Widget Corp.", "TX", "organization")
    for name in ("doc_number", "kind", "publication_date", "application_number", "filing_date"):
        assert values[name].confidence >= KEY_FIELD_THRESHOLD, name


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("doc_number", "6,103,599", "6103599"),
        ("doc_number", "Des. 412,345", "D412345"),
        ("doc_number", "Re. 36,789", "RE36789"),
        ("doc_number", "US 2002/0012345 A1", "2002012345"),
        ("doc_number", "6,1O3,599", "6103599"),  # an O for a zero
        ("doc_number", "6,10,3599", None),  # digits grouped wrong: not a number
        ("publication_date", "Aug. 15, 2000", dt.date(2000, 8, 15)),
        ("publication_date", "Sept. 5, 1995", dt.date(1995, 9, 5)),
        ("publication_date", "Feb. 30, 2000", None),
        ("application_number", "09/089,931", "09089931"),
        ("application_number", "O9/O89,931", "09089931"),
        (
            "title",
            "PLANARIZING  TECHNIQUE FOR\nMULTILAYERED SUBSTRATES.",
            "PLANARIZING TECHNIQUE FOR MULTILAYERED SUBSTRATES",
        ),
    ],
)
def test_the_key_fields_parse_in_the_full_texts_canonical_form(
    name: str, text: str, expected: object
) -> None:
    assert US_FRONT_PAGE.parse_key(name, text) == expected


def _value(name: str, value: object, confidence: float = 0.95, **kw: object) -> FieldValue:
    return FieldValue(
        name, value, str(value), confidence, 1, (0, 0, 10, 10), recognized=confidence, **kw
    )  # type: ignore[arg-type]


def _checked(**values: FieldValue) -> dict[str, FieldValue]:
    return US_FRONT_PAGE.cross_check(dict(values), [])


def test_a_number_the_caption_contradicts_is_doubtful() -> None:
    checked = _checked(
        doc_number=_value("doc_number", "6108599"),
        caption=_value("caption", ("6103599", "A")),
        publication_date=_value("publication_date", dt.date(2000, 8, 15)),
    )
    assert checked["doc_number"].confidence < KEY_FIELD_THRESHOLD
    assert "the barcode caption reads 6103599" in checked["doc_number"].notes
    agreed = _checked(
        doc_number=_value("doc_number", "6103599", 0.8),
        caption=_value("caption", ("6103599", "A"), 0.8),
        publication_date=_value("publication_date", dt.date(2000, 8, 15)),
    )
    # Two printed sources agreeing: wrong only if both were misread the same way.
    assert agreed["doc_number"].confidence == pytest.approx(0.96)
    assert agreed["kind"].value == "A"


def test_a_number_outside_its_years_range_makes_number_and_date_doubtful() -> None:
    # 6,103,599 was issued in 2000; a date read as 1994 cannot be its date.
    checked = _checked(
        doc_number=_value("doc_number", "6103599"),
        publication_date=_value("publication_date", dt.date(1994, 8, 16)),
    )
    assert checked["doc_number"].confidence < KEY_FIELD_THRESHOLD
    assert checked["publication_date"].confidence < KEY_FIELD_THRESHOLD


def test_filing_dates_must_fit_the_issue_date_and_the_series_code() -> None:
    after = _checked(
        publication_date=_value("publication_date", dt.date(2000, 8, 15)),
        filing_date=_value("filing_date", dt.date(2000, 9, 1)),
    )
    assert after["filing_date"].confidence < KEY_FIELD_THRESHOLD
    # Series 09 applications were filed from 1997 to 2002, not in 1988.
    wrong_series = _checked(
        publication_date=_value("publication_date", dt.date(2000, 8, 15)),
        filing_date=_value("filing_date", dt.date(1988, 6, 3)),
        application_number=_value("application_number", "09089931"),
    )
    assert wrong_series["application_number"].confidence < KEY_FIELD_THRESHOLD
    assert wrong_series["filing_date"].confidence < KEY_FIELD_THRESHOLD


def test_a_grant_date_that_is_not_a_tuesday_is_doubtful() -> None:
    left, right = _page_2004()
    right[2] = _line(150, 1250, "(45)", "Date", "of", "Patent:", "Sep.", "8,", "2004")
    values = _read(left, right)
    assert values["publication_date"].value == dt.date(2004, 9, 8)
    assert values["publication_date"].confidence < KEY_FIELD_THRESHOLD
    assert "not a Tuesday: misread?" in values["publication_date"].notes


def test_a_title_cut_short_or_followed_by_unnamed_lines_is_doubtful() -> None:
    left, right = _page_2004()
    cut = [line for line in left if line[0].text != "MEASURING"]
    assert _read(cut, right)["title"].confidence < KEY_FIELD_THRESHOLD
    # A last line that drifted away from the title, with no code of its own.
    left[3] = _line(250 + 3 * LINE_HEIGHT, 200, "MEASURING", "FLUID", "FLOW")
    title = _read(left, right)["title"]
    assert title.value == "SELF-ALIGNED WIDGET FOR"
    assert title.confidence < KEY_FIELD_THRESHOLD


def test_a_value_only_on_a_following_line_is_never_taken_for_the_field() -> None:
    left, right = _page_2004()
    # "(22) Filed:" lost its date; the next line's date belongs to another field.
    left[8] = _line(630, 100, "(22)", "Filed:")
    left.insert(9, _line(630 + LINE_HEIGHT + 4, 200, "Mar.", "4,", "2002"))
    assert "filing_date" not in _read(left, right)


def test_readings_that_disagree_make_any_value_doubtful() -> None:
    value = _value("application_number", "09089931", 0.97)
    assert _combine(value, [("09089981", 0.96), ("09089931", 0.9)]).confidence < 0.5
    confirmed = _combine(value, [("09089931", 0.99), (None, 0.0)])
    assert confirmed.confidence == pytest.approx(0.99)
    # A second reading confirms the recognition, never what a check found.
    checked = value.with_confidence(0.3, "ends mid-phrase")
    assert _combine(checked, [("09089931", 0.99)]).confidence < KEY_FIELD_THRESHOLD


def test_later_pages_confirm_or_contradict_the_number() -> None:
    number = _value("doc_number", "6103599", 0.8)
    confirmed = US_FRONT_PAGE.cross_check(
        {"doc_number": number}, [PageFacts(2, (("6103599", 0.9),), ())]
    )
    assert confirmed["doc_number"].confidence >= KEY_FIELD_THRESHOLD
    contradicted = US_FRONT_PAGE.cross_check(
        {"doc_number": number}, [PageFacts(2, (("6108599", 0.95),), ())]
    )
    assert contradicted["doc_number"].confidence < KEY_FIELD_THRESHOLD
