"""USPTO front pages: grants with bracketed INID codes (``[11] Patent Number: 6,103,599``,
before 2001) and with parenthesized ones (``(10) Patent No.: US 6,789,012 B2``), and pre-grant
application publications (``(10) Pub. No.: US 2002/0012345 A1``, ``(43) Pub. Date:``).

Canonical values match what the full-text parser gives the same publication
(``patent_sync.parsing.uspto_fulltext``): DOCDB-style numbers without zero padding
(``D412345``, ``RE36789``, application publications as year + 6 digits), ST.16 kind codes,
application numbers as their 8 digits (series code + serial, ``09089931``).

What the USPTO's own practice lets us check, beyond each value's shape:

* the number is printed twice on the front page: in the ``[11]`` field and in the caption
  under the barcode (``US006103599A``, which also gives the kind code), and again in the
  header of every later page;
* patents are issued on Tuesdays, applications published on Thursdays;
* utility patent numbers rise with the issue date: a number outside the range the USPTO
  issued in that year is a misreading of one or the other;
* the application's series code follows its filing date, and a filing date is before the
  issue date and (almost always) a business day.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

from patent_sync.model import LocalizedText, Party, PriorityClaim, RelatedDocument
from patent_sync.ocr.inid import InidField, Line
from patent_sync.ocr.offices.base import FrontPageOffice
from patent_sync.ocr.reading import FieldValue, PageFacts
from patent_sync.ocr.recognize import Word
from patent_sync.parsing.uspto_fulltext import docdb_publication_number

COUNTRY = "US"
# Kind codes of grants before 2001-01-02 by the number's prefix, as DOCDB gives them (utility
# "A", design "S", reissue "E", statutory invention registration "H"); from that day the kind
# is printed on the front page. Plant patents and defensive publications of the time are left
# to the caption or a reviewer.
_KIND_BEFORE_2001 = {"": "A", "D": "S", "RE": "E", "H": "H"}
_KIND_CODES_FROM_2001 = frozenset({"A1", "A2", "A9", "B1", "B2", "E", "H", "P2", "P3", "S"})
_FIRST_DAY_OF_KIND_CODES = dt.date(2001, 1, 2)
_FIRST_PGPUB = dt.date(2001, 3, 15)

# Letters OCR puts where a digit is printed, and the digit meant.
_DIGIT_FIXES = str.maketrans("OoDQlI|!iSsBZz", "00001111155822")
_DIGITISH = r"[0-9OoDQlI|!iSsBZz]"

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_DATE = re.compile(
    rf"(?P<month>[A-Za-z]{{3,9}})\s*[.,]?\s*(?P<day>{_DIGITISH}{{1,2}})\s*[,.]?\s*"
    rf"(?P<year>{_DIGITISH}{{4}})\b"
)
_GRANT_NUMBER = re.compile(
    rf"(?:U\s*\.?\s*S\s*\.?\s*)?(?P<prefix>Des\.?|D|Re\.?|RE|PP|Plant|H|T)?\s*"
    # Whole numbers only: never a piece cut out of a longer run of digits and commas.
    rf"(?<![0-9,.])(?P<number>{_DIGITISH}{{1,3}}(?:\s*[,.]\s*{_DIGITISH}{{3}}){{1,2}})(?![0-9])"
    rf"(?:\s*(?P<kind>[ABCEHPS][0-9]?)\b)?"
)
_PUBLICATION_NUMBER = re.compile(
    rf"(?:U\s*\.?\s*S\s*\.?\s*)?(?P<year>(?:19|20){_DIGITISH}{{2}})\s*/\s*"
    rf"(?P<serial>{_DIGITISH}{{7}})(?:\s*(?P<kind>A[129])\b)?"
)
_APPLICATION_NUMBER = re.compile(
    rf"(?P<series>{_DIGITISH}{{2}})\s*/\s*(?P<a>{_DIGITISH}{{3}})\s*[,.]\s*(?P<b>{_DIGITISH}{{3}})"
)
_BARE_SERIAL = re.compile(rf"(?<![/\d])(?P<a>{_DIGITISH}{{3}})\s*,\s*(?P<b>{_DIGITISH}{{3}})")
# The caption printed under the barcode: "US006103599A", "US00D412345S", "US 20020012345A1".
_CAPTION = re.compile(
    r"U\s?[S5]\s?(?P<body>[0-9OoDQlI|RrEPHT]{9})\s?(?P<kind>[ABCEHPS][0-9]?)\b"
    r"|U\s?[S5]\s?(?P<pub>(?:19|20)[0-9OolI]{9})\s?(?P<pubkind>A[129])\b"
)
_IPC = re.compile(
    r"(?P<section>[A-H])\s?(?P<klass>[0-9OolI]{2})\s?(?P<subclass>[A-Z])\s*"
    r"(?P<group>[0-9OolI]{1,4})\s*/\s*(?P<subgroup>[0-9OolI]{1,6})"
)
_US_CLASS = re.compile(r"\b(?P<klass>[0-9DG]{1,3})\s*/\s*(?P<sub>[0-9]{1,3}(?:\.[0-9]+)?[A-Z]?)\b")
# "Jun. 3, 1997 [JP] Japan .......... 9-145678": the office in brackets, its number last.
_PRIORITY_LINE = re.compile(
    r"\[\s*(?P<cc>[A-Z]{2})\s*\]\s*(?P<name>[A-Za-z.,' ]+?)\s*[.\s]*"
    r"(?P<number>[0-9][0-9A-Z/\-,.]*[0-9A-Z])\s*$"
)
_CLAIMS_LINE = re.compile(r"\d+\s+Claims?,\s*\d+\s+Drawing", re.IGNORECASE)

LABELS: dict[str, re.Pattern[str]] = {
    "10": re.compile(r"(?:Patent|Pub\.?)\s*No\b", re.IGNORECASE),
    "11": re.compile(r"Patent\s*Num", re.IGNORECASE),
    "21": re.compile(r"App[l1I]\.?\s*No|Application\s+No", re.IGNORECASE),
    "22": re.compile(r"(?:PCT\s+)?F[il1I]{2}ed\b", re.IGNORECASE),
    "30": re.compile(r"Foreign\s+Application", re.IGNORECASE),
    "43": re.compile(r"Pub\.?\s*Date", re.IGNORECASE),
    "45": re.compile(r"Date\s+of\s+Patent", re.IGNORECASE),
    "51": re.compile(r"Int\.?\s*C[l1I]", re.IGNORECASE),
    "52": re.compile(r"U\.?\s*S\.?\s*C[l1I]\b", re.IGNORECASE),
    "56": re.compile(r"References\s+Cited", re.IGNORECASE),
    "57": re.compile(r"ABSTRACT\b"),
    "58": re.compile(r"Field\s+of\s+(?:Classification\s+)?Search", re.IGNORECASE),
    "60": re.compile(r"Provisional\s+application", re.IGNORECASE),
    "73": re.compile(r"Assignees?\b", re.IGNORECASE),
    "75": re.compile(r"Inventors?\b|Inventor\(s\)", re.IGNORECASE),
}
# Codes that carry the same field on different vintages of the page: the number is [11]
# before 2001 and (10) after; inventors are [75], (72), or (76) when they are also applicants.
_CANONICAL_CODE = {"10": "11", "72": "75", "76": "75"}
_LABEL_PREFIX = re.compile(
    r"^(?:Patent\s*(?:Number|No)\.?|Pub\.?\s*(?:No|Date)\.?|App[l1I]\.?\s*No\.?|"
    r"(?:PCT\s+)?F[il1I]{2}ed|Date\s+of\s+Patent|Inventors?|Inventor\(s\)|Assignees?|"
    r"Int\.?\s*C[l1I]\.?\s*\d?|U\.?\s*S\.?\s*C[l1I]\.?|Field\s+of\s+(?:Classification\s+)?Search|"
    r"References\s+Cited|ABSTRACT)\s*[:;.,']*\s*",
    re.IGNORECASE,
)

# The first utility patent number issued in each year (USPTO, "Issue Years and Patent
# Numbers"). A number outside its year's range is a misreading of the number or the date.
_FIRST_NUMBER_OF_YEAR = (
    (1976, 3930271), (1977, 4000000), (1978, 4065812), (1979, 4131952), (1980, 4180867),
    (1981, 4242757), (1982, 4308622), (1983, 4366579), (1984, 4423523), (1985, 4490885),
    (1986, 4562596), (1987, 4633822), (1988, 4716594), (1989, 4794652), (1990, 4890335),
    (1991, 4980927), (1992, 5077469), (1993, 5175886), (1994, 5274846), (1995, 5377359),
    (1996, 5479658), (1997, 5590420), (1998, 5704352), (1999, 5855021), (2000, 6009555),
    (2001, 6167569), (2002, 6334220), (2003, 6502244), (2004, 6671884), (2005, 6836899),
    (2006, 6981406), (2007, 7155906), (2008, 7313829), (2009, 7472428), (2010, 7640683),
    (2011, 7861317), (2012, 8087068),
)  # fmt: skip
_TABLE_YEARS = [year for year, _ in _FIRST_NUMBER_OF_YEAR]
# Applications of each series code were filed in these years (USPTO, "Application Number
# Series Codes"); a year of slack on each side for the changeovers.
_SERIES_YEARS = {
    "05": (1970, 1978), "06": (1978, 1987), "07": (1986, 1993), "08": (1992, 1998),
    "09": (1997, 2002), "10": (2001, 2005), "11": (2004, 2008), "12": (2007, 2011),
    "13": (2010, 2014), "14": (2013, 2015), "15": (2014, 2018), "16": (2017, 2020),
    "17": (2019, 2023), "18": (2022, 2025), "19": (2024, 2027),
    "29": (1990, 2099), "60": (1995, 2099), "61": (2008, 2099), "62": (2014, 2099),
    "63": (2020, 2099),
}  # fmt: skip

# How front pages of the time wrote US states.
_STATES = {
    "ala": "AL", "alaska": "AK", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA",
    "colo": "CO", "conn": "CT", "del": "DE", "d.c": "DC", "fla": "FL", "ga": "GA",
    "hawaii": "HI", "id": "ID", "idaho": "ID", "ill": "IL", "ind": "IN", "iowa": "IA",
    "kans": "KS", "kan": "KS", "ky": "KY", "la": "LA", "me": "ME", "maine": "ME", "md": "MD",
    "mass": "MA", "mich": "MI", "minn": "MN", "miss": "MS", "mo": "MO", "mont": "MT",
    "nebr": "NE", "neb": "NE", "nev": "NV", "n.h": "NH", "n.j": "NJ", "n.mex": "NM",
    "n.m": "NM", "n.y": "NY", "n.c": "NC", "n.dak": "ND", "n.d": "ND", "ohio": "OH",
    "okla": "OK", "oreg": "OR", "ore": "OR", "pa": "PA", "r.i": "RI", "s.c": "SC",
    "s.dak": "SD", "s.d": "SD", "tenn": "TN", "tex": "TX", "utah": "UT", "vt": "VT",
    "va": "VA", "wash": "WA", "w.va": "WV", "wis": "WI", "wyo": "WY",
}  # fmt: skip
_COUNTRIES = {
    "japan": "JP", "germany": "DE", "fed. rep. of germany": "DE", "france": "FR",
    "united kingdom": "GB", "england": "GB", "great britain": "GB", "canada": "CA",
    "switzerland": "CH", "netherlands": "NL", "sweden": "SE", "italy": "IT", "israel": "IL",
    "taiwan": "TW", "korea": "KR", "rep. of korea": "KR", "china": "CN", "australia": "AU",
    "belgium": "BE", "denmark": "DK", "finland": "FI", "austria": "AT", "norway": "NO",
    "spain": "ES", "india": "IN", "singapore": "SG", "ireland": "IE", "mexico": "MX",
    "brazil": "BR", "hong kong": "HK", "scotland": "GB", "wales": "GB",
}  # fmt: skip
_LOCATION_TAIL = re.compile(r"\b(?:both|all|each)\s+of\s+(?P<place>[A-Za-z. ]+?)\.?\s*$")
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


class UsFrontPage(FrontPageOffice):
    """Front pages of US patents and pre-grant publications."""

    country: ClassVar[str] = COUNTRY
    description: ClassVar[str] = "USPTO front page (INID codes in brackets or parentheses)"
    labels: ClassVar[dict[str, re.Pattern[str]]] = LABELS

    def recognizes(self, text: str) -> bool:
        return bool(
            re.search(r"United\s+States\s+Patent", text, re.IGNORECASE)
            or re.search(r"Patent\s+Application\s+Publication", text, re.IGNORECASE)
            or _CAPTION.search(text)
        )

    # -- reading the fields ------------------------------------------------------------

    def read(
        self, fields: Sequence[InidField], preamble: Sequence[Line], page: int
    ) -> dict[str, FieldValue]:
        by_code: dict[str, InidField] = {}
        for field in fields:
            if field.code is not None:
                by_code.setdefault(_CANONICAL_CODE.get(field.code, field.code), field)
        values: dict[str, FieldValue] = {}
        number_field = by_code.get("11")
        if number_field is not None:
            values.update(self._number(number_field, page))
        caption = _caption(preamble, fields, page)
        if caption is not None:
            values["caption"] = caption
        date_field = by_code.get("45") or by_code.get("43")
        if date_field is not None:
            date = _first_date(date_field, page, "publication_date")
            if date is not None:
                values["publication_date"] = _issue_weekday_check(date, date_field.code)
        if "21" in by_code:
            application = _application_number(by_code["21"], page)
            if application is not None:
                values["application_number"] = application
        if "22" in by_code:
            filed = _first_date(by_code["22"], page, "filing_date")
            if filed is not None:
                values["filing_date"] = _business_day_check(filed)
        if "54" in by_code:
            title = _title(by_code["54"], page)
            if title is not None:
                values["title"] = _title_extent_check(title, fields, by_code["54"])
        for code, name in (("75", "inventors"), ("73", "assignees")):
            if code in by_code:
                parties = _parties(by_code[code], page, name)
                if parties is not None:
                    values[name] = parties
        if "51" in by_code:
            values["ipc"] = _ipc(by_code["51"], page)
        if "52" in by_code:
            values["us_classification"] = _us_classification(by_code["52"], page)
        related = [
            value
            for code, relation in (("60", "provisional"), ("63", None), ("62", "division"))
            if code in by_code
            for value in [_related(by_code[code], page, relation)]
            if value is not None
        ]
        if related:
            values["related_documents"] = _merge_tuple_values(related, "related_documents")
        if "30" in by_code:
            priority = _priorities(by_code["30"], page)
            if priority is not None:
                values["priority_claims"] = priority
        if "57" in by_code:
            abstract = _abstract(_with_unnamed_followers(fields, by_code["57"]), page)
            if abstract is not None:
                values["abstract"] = abstract
        return values

    def _number(self, field: InidField, page: int) -> dict[str, FieldValue]:
        words = _after_label(_first_line(field))
        text = _WordText(words)
        publication = _PUBLICATION_NUMBER.search(text.text)
        if publication is not None:
            year, fixed_year = _digits(publication["year"])
            serial, fixed_serial = _digits(publication["serial"])
            number = docdb_publication_number(year + serial)
            used = text.words_in(publication.span())
            notes = ("publication number",)
            value = _value("doc_number", number, used, page, field.code, notes)
            value = _penalize_fixes(value, fixed_year + fixed_serial)
            out = {"doc_number": value}
            if publication["kind"]:
                out["kind"] = _value("kind", publication["kind"], used, page, field.code, ())
            return out
        match = _GRANT_NUMBER.search(text.text)
        if match is None:
            return {}
        parsed = _grant_number(match)
        if parsed is None:
            return {}
        number, kind, fixes = parsed
        used = text.words_in(match.span())
        value = _penalize_fixes(_value("doc_number", number, used, page, field.code, ()), fixes)
        out = {"doc_number": value}
        if kind is not None:
            out["kind"] = _value("kind", kind, used, page, field.code, ("printed",))
        return out

    def parse_key(self, name: str, text: str) -> object | None:
        if name == "doc_number":
            publication = _PUBLICATION_NUMBER.search(text)
            if publication is not None:
                year = _digits(publication["year"])[0]
                return docdb_publication_number(year + _digits(publication["serial"])[0])
            match = _GRANT_NUMBER.search(text)
            parsed = _grant_number(match) if match is not None else None
            return None if parsed is None else parsed[0]
        if name in ("publication_date", "filing_date"):
            match = _DATE.search(text)
            return None if match is None else _date(match)[0]
        if name == "application_number":
            match = _APPLICATION_NUMBER.search(text)
            return None if match is None else _application_digits(match)[0]
        if name == "title":
            return _title_text(text) or None
        return None

    # -- other pages -------------------------------------------------------------------

    def page_facts(self, words: Sequence[Word], page: int) -> PageFacts:
        text = " ".join(w.text for w in words)
        numbers: list[tuple[str, float]] = []
        dates: list[tuple[dt.date, float]] = []
        located = _WordText(list(words))
        for match in _GRANT_NUMBER.finditer(text):
            if "," not in match["number"] and "." not in match["number"]:
                continue
            parsed = _grant_number(match)
            if parsed is None or parsed[2]:
                continue
            numbers.append((parsed[0], _min_confidence(located.words_in(match.span()))))
        for match in _DATE.finditer(text):
            date, fixes = _date(match)
            if date is not None and not fixes:
                dates.append((date, _min_confidence(located.words_in(match.span()))))
        return PageFacts(page=page, numbers=tuple(numbers), dates=tuple(dates))

    # -- checks across fields and pages --------------------------------------------------

    def cross_check(
        self, values: dict[str, FieldValue], facts: Sequence[PageFacts]
    ) -> dict[str, FieldValue]:
        checked = dict(values)
        _check_number_against_caption(checked)
        _check_against_headers(checked, facts)
        _check_number_against_year(checked)
        _check_filing(checked)
        _settle_kind(checked)
        return checked


US_FRONT_PAGE = UsFrontPage()


# -- words and their text ---------------------------------------------------------------


class _WordText:
    """The text of a run of words, and which words a span of it came from."""

    def __init__(self, words: Sequence[Word]) -> None:
        self.words = list(words)
        parts: list[str] = []
        self.starts: list[int] = []
        position = 0
        for word in self.words:
            self.starts.append(position)
            parts.append(word.text)
            position += len(word.text) + 1
        self.text = " ".join(parts)

    def words_in(self, span: tuple[int, int]) -> list[Word]:
        start, end = span
        return [
            word
            for word, at in zip(self.words, self.starts, strict=True)
            if at < end and at + len(word.text) > start
        ]


def _first_line(field: InidField) -> InidField:
    """The field's first line alone: a one-line value (a number, a date) is read there and
    nowhere else, so that a line glued on below can never supply it."""
    return dataclasses.replace(field, lines=field.lines[:1])


def _with_unnamed_followers(fields: Sequence[InidField], field: InidField) -> InidField:
    """``field`` and the unnamed fields after it in its column (an abstract's paragraphs)."""
    at = next(i for i, f in enumerate(fields) if f is field)
    lines = list(field.lines)
    for follower in fields[at + 1 :]:
        if follower.code is not None or follower.region != field.region:
            break
        lines.extend(follower.lines)
    return dataclasses.replace(field, lines=tuple(lines))


def _after_label(field: InidField) -> list[Word]:
    """The field's words after its label (``Appl. No.:``), which are not its value."""
    words = field.words
    text = _WordText(words)
    match = _LABEL_PREFIX.match(text.text)
    if match is None or match.end() == 0:
        # A label misread past recognition ("Taventors:") still ends with its colon.
        if words and words[0].text.endswith(":") and words[0].text[:-1].isalpha():
            return words[1:]
        return words
    skip = {id(w) for w in text.words_in((0, match.end()))}
    # A word that runs past the label keeps its value part (``No.:09/089,931``).
    label_end = match.end()
    kept = [
        w for w, at in zip(text.words, text.starts, strict=True)
        if id(w) not in skip or at + len(w.text) > label_end + 1
    ]  # fmt: skip
    return kept


def _min_confidence(words: Sequence[Word]) -> float:
    return min((w.confidence for w in words), default=0.0)


def _union_box(words: Sequence[Word]) -> tuple[int, int, int, int]:
    if not words:
        return (0, 0, 0, 0)
    x0 = min(w.box[0] for w in words)
    y0 = min(w.box[1] for w in words)
    x1 = max(w.right for w in words)
    y1 = max(w.bottom for w in words)
    return x0, y0, x1 - x0, y1 - y0


def _value(
    name: str,
    value: object,
    words: Sequence[Word],
    page: int,
    inid: str | None,
    notes: tuple[str, ...],
) -> FieldValue:
    recognized = round(_min_confidence(words), 3)
    return FieldValue(
        name=name,
        value=value,
        text=" ".join(w.text for w in words),
        confidence=recognized,
        page=page,
        box=_union_box(words),
        inid=inid,
        notes=notes,
        recognized=recognized,
    )


def _digits(text: str) -> tuple[str, int]:
    """Only the digits of ``text`` (OCR's letters-for-digits fixed), and how many were fixed."""
    raw = re.sub(r"[\s,.]", "", text)
    fixed = raw.translate(_DIGIT_FIXES)
    return fixed, sum(1 for a, b in zip(raw, fixed, strict=True) if a != b)


def _penalize_fixes(value: FieldValue, fixes: int) -> FieldValue:
    """A letter read where a digit must be: the digit is a guess, so the value is doubtful."""
    if not fixes:
        return value
    return value.with_confidence(value.confidence * 0.8**fixes, f"{fixes} letter(s) read as digits")


# -- numbers -------------------------------------------------------------------------------


def _grant_number(match: re.Match[str]) -> tuple[str, str | None, int] | None:
    """(DOCDB number, printed kind or None, letters fixed) of a grant number match."""
    raw = match["number"]
    groups = re.split(r"\s*[,.]\s*", raw.strip())
    if any(len(g) != 3 for g in groups[1:]):
        return None
    digits, fixes = _digits(raw)
    if not digits.isdigit():
        return None
    prefix = _prefix(match["prefix"])
    number = prefix + (digits.lstrip("0") or "0")
    if not prefix and len(number) < 4:
        return None  # page or column numbers, not a patent
    return number, match["kind"], fixes


def _prefix(raw: str | None) -> str:
    if not raw:
        return ""
    key = raw.rstrip(".").upper()
    return {"DES": "D", "D": "D", "RE": "RE", "PP": "PP", "PLANT": "PP", "H": "H", "T": "T"}[key]


def _caption(preamble: Sequence[Line], fields: Sequence[InidField], page: int) -> FieldValue | None:
    """The number and kind in the caption under the barcode (``US006103599A``)."""
    candidates = [line.words for line in preamble] + [field.words for field in fields[:4]]
    for words in candidates:
        for word in words:
            match = _CAPTION.fullmatch(word.text.strip(".,;:"))
            if match is None:
                continue
            if match["pub"]:
                digits, fixes = _digits(match["pub"])
                if not digits.isdigit():
                    continue
                number, kind = docdb_publication_number(digits), match["pubkind"]
            else:
                body = match["body"].upper()
                prefix = next((p for p in ("RE", "PP", "D", "H", "T") if p in body[:5]), "")
                tail = body.split(prefix, 1)[1] if prefix else body
                digits, fixes = _digits(tail)
                if not digits.isdigit():
                    continue
                number, kind = prefix + (digits.lstrip("0") or "0"), match["kind"]
            value = _value("caption", (number, kind), [word], page, None, ("barcode caption",))
            return _penalize_fixes(value, fixes)
    return None


# -- dates ---------------------------------------------------------------------------------


def _date(match: re.Match[str]) -> tuple[dt.date | None, int]:
    month = _MONTHS.get(match["month"].lower().rstrip("."))
    day, day_fixes = _digits(match["day"])
    year, year_fixes = _digits(match["year"])
    if month is None or not day.isdigit() or not year.isdigit():
        return None, 0
    try:
        date = dt.date(int(year), month, int(day))
    except ValueError:
        return None, 0
    if not dt.date(1836, 7, 4) <= date <= dt.date.today() + dt.timedelta(days=366):
        return None, 0
    return date, day_fixes + year_fixes


def _first_date(field: InidField, page: int, name: str) -> FieldValue | None:
    words = _after_label(_first_line(field))
    text = _WordText(words)
    for match in _DATE.finditer(text.text):
        date, fixes = _date(match)
        if date is None:
            continue
        value = _value(name, date, text.words_in(match.span()), page, field.code, ())
        return _penalize_fixes(value, fixes)
    return None


def _issue_weekday_check(value: FieldValue, code: str | None) -> FieldValue:
    """US patents are issued on Tuesdays, applications published on Thursdays."""
    date = value.value
    assert isinstance(date, dt.date)
    expected = 3 if code == "43" else 1  # Thursday for publications, else Tuesday
    if date.weekday() != expected:
        day = "Thursday" if expected == 3 else "Tuesday"
        return value.with_confidence(value.confidence * 0.3, f"not a {day}: misread?")
    return value.with_confidence(value.confidence, "on the office's publication weekday")


def _business_day_check(value: FieldValue) -> FieldValue:
    date = value.value
    assert isinstance(date, dt.date)
    if date.weekday() >= 5:
        return value.with_confidence(value.confidence * 0.6, "a weekend filing date: misread?")
    return value


# -- application numbers, titles, parties ----------------------------------------------------


def _application_digits(match: re.Match[str]) -> tuple[str | None, int]:
    series, f1 = _digits(match["series"])
    a, f2 = _digits(match["a"])
    b, f3 = _digits(match["b"])
    digits = series + a + b
    return (digits if digits.isdigit() and len(digits) == 8 else None), f1 + f2 + f3


def _application_number(field: InidField, page: int) -> FieldValue | None:
    words = _after_label(_first_line(field))
    text = _WordText(words)
    match = _APPLICATION_NUMBER.search(text.text)
    if match is not None:
        digits, fixes = _application_digits(match)
        if digits is not None:
            used = text.words_in(match.span())
            return _penalize_fixes(
                _value("application_number", digits, used, page, "21", ()), fixes
            )
    bare = _BARE_SERIAL.search(text.text)
    if bare is not None:
        # Front pages before the 1980s print the serial without its series code: the number
        # cannot be completed from the page.
        used = text.words_in(bare.span())
        value = _value("application_number", None, used, page, "21", ())
        return value.with_confidence(0.0, "no series code printed")
    return None


def _title_text(text: str) -> str:
    text = re.sub(r"-\s+(?=[A-Z])", "-", text.strip())  # a title broken after a hyphen
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,;:'\"").upper()


def _title(field: InidField, page: int) -> FieldValue | None:
    words = field.words
    # The title ends where a line holds nothing but garbage (a stray mark before the next
    # field); a title is letters, digits and a little punctuation.
    kept = [w for w in words if re.search(r"[A-Za-z0-9]", w.text)]
    if not kept:
        return None
    text = _title_text(" ".join(w.text for w in kept))
    if len(re.sub(r"[^A-Z]", "", text)) < 3:
        return None
    value = _value("title", text, kept, page, field.code, ())
    return value


# Words a title does not end with: a title read up to one of them lost its last line.
_OPEN_ENDED = frozenset(
    {"A", "AN", "AND", "AS", "AT", "BY", "FOR", "FROM", "IN", "INTO", "OF", "ON", "OR", "THE",
     "TO", "USING", "WITH", "WITHOUT"}
)  # fmt: skip


def _title_extent_check(
    title: FieldValue, fields: Sequence[InidField], field: InidField
) -> FieldValue:
    """A title is multi-line, and a line lost to the scan shortens it without any word being
    unsure: doubt it when it ends mid-phrase, or when lines no code names follow it before
    the next field (they may be its end)."""
    text = str(title.value)
    if text.split()[-1] in _OPEN_ENDED:
        return title.with_confidence(title.confidence * 0.3, "ends mid-phrase: a line is missing")
    at = next(i for i, f in enumerate(fields) if f is field)
    for follower in fields[at + 1 :]:
        if follower.region != field.region or follower.code is not None:
            break
        return title.with_confidence(
            title.confidence * 0.5, "unnamed lines follow it: the title may go on there"
        )
    return title


def _parties(field: InidField, page: int, name: str) -> FieldValue | None:
    words = _after_label(field)
    if not words:
        return None
    text = re.sub(r"\s+", " ", " ".join(w.text for w in words)).strip()
    kind = "person" if name == "inventors" else "organization"
    parties = tuple(_split_parties(text, kind, "assignee" if name == "assignees" else None))
    if not parties:
        return None
    return _value(name, parties, words, page, field.code, ())


def _split_parties(text: str, kind: str, role: str | None) -> Iterator[Party]:
    """``Francois J. Henley, Los Gatos; Nathan Cheung, Albany, both of Calif.`` → parties.

    People are written ``First Middle Last, City`` and turned into ``Last, First Middle`` as
    the full text writes them; a shared ``both of``/``all of`` place applies to everyone.
    """
    shared = _LOCATION_TAIL.search(text)
    shared_place = _place(shared["place"]) if shared else (None, None)
    body = text[: shared.start()].rstrip(" ,") if shared else text
    for chunk in re.split(r";\s*", body):
        parts = [p.strip() for p in chunk.split(",") if p.strip()]
        if not parts:
            continue
        state, country = shared_place
        city = None
        if kind == "person":
            name_parts, rest = _person_name(parts)
            name = name_parts
        else:
            # An organization's name may itself hold commas ("Foo, Inc."): the place is at the
            # end (city, and a state or country when not shared).
            rest = parts[1:]
            name = parts[0]
            while rest and rest[0].rstrip(".").lower() in ("inc", "ltd", "llc", "corp", "co"):
                name = f"{name}, {rest.pop(0)}"
        city, state, country = _city_state_country(rest, state, country, shared is not None)
        if name:
            yield Party(name=name, kind=kind, city=city, state=state, country=country, role=role)


_COUNTRY_SUFFIX = re.compile(r"\((?P<country>[A-Z]{2})\)\s*$")


def _city_state_country(
    rest: list[str], state: str | None, country: str | None, shared: bool
) -> tuple[str | None, str | None, str | None]:
    """The place after a name: ``Los Gatos`` (state shared), ``Austin, TX (US)``,
    ``Tokyo (JP)``, ``Paris, France``, ``Palo Alto, Calif.``."""
    rest = list(rest)
    if rest:
        suffix = _COUNTRY_SUFFIX.search(rest[-1])
        if suffix is not None:
            country = suffix["country"]
            rest[-1] = rest[-1][: suffix.start()].strip()
            if not rest[-1]:
                rest.pop()
            if len(rest) >= 2 and re.fullmatch(r"[A-Z]{2}", rest[-1]):
                state = rest.pop()
        elif len(rest) >= 2 and not shared:
            placed = _place(rest[-1])
            if placed != (None, None):
                state, country = placed
                rest.pop()
        elif len(rest) == 1 and not shared:
            placed = _place(rest[0])
            if placed != (None, None):
                state, country = placed
                rest.pop()
    return (", ".join(rest) or None), state, country


def _person_name(parts: list[str]) -> tuple[str, list[str]]:
    """``["Francois J. Henley", "Los Gatos"]`` → ``("Henley, Francois J.", ["Los Gatos"])``."""
    first = parts[0].split()
    rest = parts[1:]
    suffix = None
    if rest and rest[0].rstrip(".").lower() in _NAME_SUFFIXES:
        suffix = rest.pop(0)
    if len(first) < 2:
        return parts[0], rest
    name = f"{first[-1]}, {' '.join(first[:-1])}"
    return (f"{name}, {suffix}" if suffix else name), rest


_STATE_AND_COUNTRY = re.compile(r"^(?:(?P<state>[A-Z]{2})\s*)?\((?P<country>[A-Z]{2})\)$")


def _place(text: str) -> tuple[str | None, str | None]:
    """(state, country) of ``Calif.`` or ``Japan`` (before 2001), or ``TX (US)`` and ``(JP)``
    (the codes front pages print since)."""
    coded = _STATE_AND_COUNTRY.match(text.strip().rstrip("."))
    if coded is not None:
        return coded["state"], coded["country"]
    key = text.strip().rstrip(".").lower().replace(". ", ".")
    if key in _STATES:
        return _STATES[key], COUNTRY
    if key in _COUNTRIES:
        return None, _COUNTRIES[key]
    return None, None


# -- classification, related applications, priorities, abstract -----------------------------


def _ipc(field: InidField, page: int) -> FieldValue:
    words = _after_label(field)
    text = _WordText(words)
    symbols: list[str] = []
    used: list[Word] = []
    for match in _IPC.finditer(text.text):
        klass = _digits(match["klass"])[0]
        group = _digits(match["group"])[0]
        subgroup = _digits(match["subgroup"])[0]
        if not (klass.isdigit() and group.isdigit() and subgroup.isdigit()):
            continue
        symbol = (
            f"{match['section']}{klass}{match['subclass']} {group.lstrip('0') or '0'}/{subgroup}"
        )
        if symbol not in symbols:
            symbols.append(symbol)
        used += text.words_in(match.span())
    return _value("ipc", tuple(symbols), used or words, page, field.code, ())


def _us_classification(field: InidField, page: int) -> FieldValue:
    text = _WordText(_after_label(field))
    matches = list(_US_CLASS.finditer(text.text))
    classes = tuple(dict.fromkeys(f"{m['klass']}/{m['sub']}" for m in matches))
    used = [w for m in matches for w in text.words_in(m.span())]
    return _value("us_classification", classes, used or text.words, page, field.code, ())


def _related(field: InidField, page: int, relation: str | None) -> FieldValue | None:
    text = " ".join(w.text for w in field.words)
    if relation is None:
        lowered = text.lower()
        relation = (
            "continuation-in-part"
            if "in-part" in lowered or "in part" in lowered
            else "division"
            if lowered.startswith("division")
            else "continuation"
        )
    documents = []
    for match in _APPLICATION_NUMBER.finditer(text):
        digits = _application_digits(match)[0]
        if digits is None:
            continue
        after = _DATE.search(text, match.end(), match.end() + 40)
        date = _date(after)[0] if after is not None else None
        documents.append(
            RelatedDocument(
                relation=relation, role="parent", country=COUNTRY, number=digits, date=date
            )
        )
    if not documents:
        return None
    return _value("related_documents", tuple(documents), field.words, page, field.code, ())


def _priorities(field: InidField, page: int) -> FieldValue | None:
    claims = []
    for line in field.lines:
        text = " ".join(w.text for w in line)
        date_match = _DATE.search(text)
        rest = _PRIORITY_LINE.search(text)
        if date_match is None or rest is None:
            continue
        date = _date(date_match)[0]
        claims.append(
            PriorityClaim(country=rest["cc"], number=rest["number"], date=date, kind="national")
        )
    if not claims:
        return None
    return _value("priority_claims", tuple(claims), field.words, page, field.code, ())


def _abstract(field: InidField, page: int) -> FieldValue | None:
    words: list[Word] = []
    for line in field.lines:
        text = " ".join(w.text for w in line)
        if _CLAIMS_LINE.search(text):
            break
        words.extend(line)
    words = _after_label(InidField(field.code, field.region, (tuple(words),), None, "code"))
    text = " ".join(w.text for w in words)
    text = re.sub(r"(\w)- (\w)", r"\1\2", text)  # words broken at the end of a line
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) < 20:
        return None
    return _value("abstract", LocalizedText("en", text), words, page, field.code, ())


def _merge_tuple_values(values: list[FieldValue], name: str) -> FieldValue:
    merged: tuple[object, ...] = ()
    for value in values:
        merged += tuple(value.value)  # type: ignore[arg-type]
    first = values[0]
    return FieldValue(
        name=name,
        value=merged,
        text=" | ".join(v.text for v in values),
        confidence=min(v.confidence for v in values),
        page=first.page,
        box=first.box,
        inid=first.inid,
    )


# -- cross-checks ------------------------------------------------------------------------------


def _agree(value: FieldValue, confidence: float, source: str) -> FieldValue:
    """Two printed sources agree: the value is wrong only if both were misread the same way."""
    combined = 1.0 - (1.0 - value.confidence) * (1.0 - confidence)
    return value.with_confidence(max(value.confidence, combined), f"matches {source}")


def _check_number_against_caption(values: dict[str, FieldValue]) -> None:
    caption = values.get("caption")
    number = values.get("doc_number")
    if caption is None:
        return
    caption_number, caption_kind = caption.value  # type: ignore[misc]
    if number is None:
        # The field was lost; the caption alone names the document, as one reading.
        values["doc_number"] = FieldValue(
            "doc_number", caption_number, caption.text, caption.confidence * 0.8, caption.page,
            caption.box, None, ("read from the barcode caption only",),
        )  # fmt: skip
    elif number.value == caption_number:
        values["doc_number"] = _agree(number, caption.confidence, "the barcode caption")
    else:
        values["doc_number"] = number.with_confidence(
            min(number.confidence, caption.confidence) * 0.3,
            f"the barcode caption reads {caption_number}",
        )
    if caption_kind:
        values["caption_kind"] = FieldValue(
            "caption_kind", caption_kind, caption.text, caption.confidence, caption.page,
            caption.box, None, ("barcode caption",),
        )  # fmt: skip


def _check_against_headers(values: dict[str, FieldValue], facts: Sequence[PageFacts]) -> None:
    number = values.get("doc_number")
    if number is not None and facts:
        confirming = [c for f in facts for n, c in f.numbers if n == number.value]
        others = [n for f in facts for n, c in f.numbers if n != number.value and c >= 0.85]
        if confirming:
            values["doc_number"] = _agree(
                number, max(confirming), f"the header of {len(confirming)} later page(s)"
            )
        elif others:
            values["doc_number"] = number.with_confidence(
                number.confidence * 0.3, f"later pages' headers read {others[0]}"
            )
    date = values.get("publication_date")
    if date is not None and facts:
        confirming = [c for f in facts for d, c in f.dates if d == date.value]
        if confirming:
            values["publication_date"] = _agree(
                date, max(confirming), f"the header of {len(confirming)} later page(s)"
            )


def _check_number_against_year(values: dict[str, FieldValue]) -> None:
    number = values.get("doc_number")
    date = values.get("publication_date")
    if number is None or date is None or not str(number.value).isdigit():
        return
    issued = date.value
    assert isinstance(issued, dt.date)
    if not (_TABLE_YEARS[0] <= issued.year < _TABLE_YEARS[-1]) or len(str(number.value)) > 8:
        return
    if len(str(number.value)) == 8 and str(number.value).startswith("20"):
        return  # an application publication number
    at = bisect.bisect_right(_TABLE_YEARS, issued.year) - 1
    low = _FIRST_NUMBER_OF_YEAR[at][1]
    high = _FIRST_NUMBER_OF_YEAR[at + 1][1]
    if low <= int(str(number.value)) < high:
        return
    note = f"utility patents issued in {issued.year} are numbered {low:,} to {high - 1:,}"
    values["doc_number"] = number.with_confidence(number.confidence * 0.3, note)
    values["publication_date"] = date.with_confidence(date.confidence * 0.3, note)


def _check_filing(values: dict[str, FieldValue]) -> None:
    filed = values.get("filing_date")
    issued = values.get("publication_date")
    application = values.get("application_number")
    if filed is not None and issued is not None and filed.value >= issued.value:  # type: ignore[operator]
        values["filing_date"] = filed.with_confidence(
            filed.confidence * 0.3, "not before the publication date"
        )
    if filed is not None and application is not None and application.value:
        series = str(application.value)[:2]
        years = _SERIES_YEARS.get(series)
        year = filed.value.year  # type: ignore[attr-defined]
        if years is None or not years[0] <= year <= years[1]:
            note = f"series code {series} does not fit a filing in {year}"
            values["application_number"] = application.with_confidence(
                application.confidence * 0.3, note
            )
            values["filing_date"] = values["filing_date"].with_confidence(
                values["filing_date"].confidence * 0.3, note
            )


def _settle_kind(values: dict[str, FieldValue]) -> None:
    """The kind code: printed beside the number (from 2001), or, before 2001, the one the
    number's prefix implies; the barcode caption confirms or contradicts either, or is the
    only source."""
    caption = values.pop("caption_kind", None)
    kind = values.get("kind")
    number = values.get("doc_number")
    date = values.get("publication_date")
    before_2001 = date is not None and date.value < _FIRST_DAY_OF_KIND_CODES  # type: ignore[operator]
    if kind is None and number is not None and date is not None and before_2001:
        prefix = re.match(r"[A-Z]*", str(number.value)).group()  # type: ignore[union-attr]
        inferred = _KIND_BEFORE_2001.get(prefix)
        if inferred is not None:
            kind = FieldValue(
                "kind", inferred, number.text, min(number.confidence, date.confidence),
                number.page, number.box, number.inid,
                ("the USPTO's kind code for this type of patent before 2001",),
            )  # fmt: skip
    printed_era = date is not None and not before_2001
    if kind is not None and printed_era and kind.value not in _KIND_CODES_FROM_2001:
        kind = kind.with_confidence(0.0, "not a kind code the USPTO prints")
    if caption is not None:
        if kind is None:
            kind = caption
        elif kind.value == caption.value:
            kind = _agree(kind, caption.confidence, "the barcode caption")
        else:
            kind = kind.with_confidence(0.0, f"the barcode caption reads {caption.value}")
    if kind is not None:
        values["kind"] = kind
