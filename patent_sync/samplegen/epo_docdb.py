"""Synthetic EPO DOCDB front-file deliveries (CreateDelete and Amend) in the real wire format.

A delivery is one or more zips named ``docdb_xml_{ISO year}{ISO week}_{Amend|CreateDelete}_NNN.zip``
(see ``patent_sync.acquisition.epo_docdb_files``). Each zip holds members
``Root/DOC/DOCDB-{YYYYWW}-{kind}-PubDate{YYYYMMDD}AndBefore-{CC}-{NNNN}.xml``, one
``exch:exchange-documents`` file per office and part, laid out like the real files: the XML
declaration, the DOCTYPE naming ``docdb-entities.dtd``, the root and the first record on the
first line, then one record per line, the root end tag with no newline after it. Records carry
``status`` C/D (CreateDelete) or A (Amend), ``date-of-last-exchange`` and, on amendments,
``date-of-previous-exchange``. Names use a few DOCDB character entities (``&SACUTE;``), which
only the project's own entity table resolves.

Everything is fictional (names and titles come from ``vocabulary`` and the small lists here);
numbers follow each office's real shapes so the parsers meet what they will meet in production.
Output is fully determined by the seed.

Deliberate defects, each a realistic bad record (the category is what the pipeline is expected
to give it):

=========================  ===========================================  =====================
defect                     what the record holds                        expected category
=========================  ===========================================  =====================
malformed                  an applicant name with a bare ``&``          parse_error
unknown_entity             ``&GCEDIL;``, not in docdb-entities.dtd      parse_error
unknown_kind               an EP publication of kind ``A7``             unknown_code
missing_publication_date   no publication date anywhere in the record   schema_violation
=========================  ===========================================  =====================

``write_amend_delivery`` streams a delivery-sized Amend file (365,000 records) for the benchmark.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Literal
from xml.sax.saxutils import escape

from patent_sync.acquisition.epo_docdb_files import (
    AMEND,
    CREATE_DELETE,
    check_kind,
    delivery_file_name,
    iso_week_of,
)
from patent_sync.samplegen import uspto_numbers
from patent_sync.samplegen import vocabulary as vocab

Status = Literal["C", "A", "D"]

DEFECTS: tuple[str, ...] = (
    "malformed",
    "unknown_entity",
    "unknown_kind",
    "missing_publication_date",
)
UNKNOWN_ENTITY = "GCEDIL"  # Latvian capital G with cedilla: not declared by the EPO's DTD
UNKNOWN_EP_KIND = "A7"
DTD_VERSION = "2.5.9"
NAMESPACE = "http://www.epo.org/exchange"
DOCTYPE = '<!DOCTYPE exch:exchange-documents SYSTEM "docdb-entities.dtd">'

# Share of each office in a front-file week as generated (mostly EP and WO, the firm's offices).
OFFICE_MIX: tuple[tuple[str, float], ...] = (
    ("EP", 0.40),
    ("WO", 0.30),
    ("US", 0.12),
    ("DE", 0.06),
    ("JP", 0.06),
    ("CN", 0.06),
)
# Distinct numbers an office can be given in one generated delivery, and the distance between
# the number ranges of the demo's deliveries (each draws far fewer than that).
_NUMBERS_PER_BLOCK = 400_000
_BLOCK_STRIDE = 10_000


class SampleGenError(ValueError):
    """The generator was asked for something it cannot write (wrong weekday, bad defect...)."""


# -- the record model ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Number:
    """One publication, application or priority number in DOCDB's three formats.

    ``epodoc`` and ``original`` are as DOCDB prints them; ``original`` is None where DOCDB
    gives no original form.
    """

    country: str
    number: str  # docdb form
    kind: str
    date: dt.date | None
    epodoc: str
    original: str | None
    doc_id: int | None = None


@dataclasses.dataclass(frozen=True)
class Party:
    """An applicant or inventor: ``docdb`` (normalized, upper case) and ``docdba`` (as filed).

    Both are XML text already (escaped, possibly with DOCDB entity references).
    """

    docdb: str
    docdba: str
    country: str | None


@dataclasses.dataclass(frozen=True)
class Cpc:
    symbol: str  # fixed width, 19 characters: "A61K   9/1075      "
    position: str  # F (first) or L (later)
    value: str  # I (inventive) or A (additional)
    action_date: dt.date
    office: str


@dataclasses.dataclass(frozen=True)
class CitationSpec:
    phase: str  # SEA (search), ISR, EXA (examination), APP (applicant)
    category: str
    cited_date: dt.date | None
    patent: Number | None
    patent_owner: str | None  # XML text
    npl: str | None  # XML text


@dataclasses.dataclass(frozen=True)
class RecordSpec:
    """Everything one ``exch:exchange-document`` says, before the delivery envelope."""

    publication: Number
    doc_id: int
    family_id: int
    date_added: dt.date
    application: Number
    priorities: tuple[Number, ...]
    applicants: tuple[Party, ...]
    inventors: tuple[Party, ...]
    ipcr: tuple[str, ...]  # fixed-width IPCR text
    cpc: tuple[Cpc, ...]
    titles: tuple[tuple[str, str], ...]  # (lang, XML text)
    abstracts: tuple[tuple[str, tuple[str, ...]], ...]  # (lang, XML paragraphs)
    citations: tuple[CitationSpec, ...]
    language_of_filing: str

    @property
    def doc_key(self) -> str:
        p = self.publication
        return f"{p.country}-{p.number}-{p.kind}"


@dataclasses.dataclass(frozen=True)
class Envelope:
    """How a delivery carries a record: its status and exchange dates, and any defect."""

    status: Status
    last_exchange: dt.date
    previous_exchange: dt.date | None = None
    defect: str | None = None


# -- the delivery description --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RecordInfo:
    """One record as written: where it is, its key, status, defect and what it demonstrates."""

    file: str  # the zip's name
    member: str  # the XML member's name in the zip
    position: int  # 0-based position among the member's records
    doc_key: str
    status: Status
    defect: str | None
    last_exchange: dt.date
    note: str  # "create", "amends a 2026-11-12 create (cpc, title)", "stale amendment" ...


@dataclasses.dataclass(frozen=True)
class DeliveryFileInfo:
    path: Path
    members: tuple[str, ...]
    member_sha256: tuple[str, ...]  # SHA-256 of each uncompressed member, in order
    records: int


@dataclasses.dataclass(frozen=True)
class DeliveryInfo:
    """What ``write_delivery`` wrote: the files of one delivery and every record in them."""

    kind: str
    publication_date: dt.date
    files: tuple[DeliveryFileInfo, ...]
    records: tuple[RecordInfo, ...]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.records if r.status == status)

    def defects(self) -> list[RecordInfo]:
        return [r for r in self.records if r.defect is not None]


# -- vocabulary ----------------------------------------------------------------------------

# Applicants outside the shared list: European, Japanese, Chinese and Polish organisations,
# (docdb form, filed form, residence). The Polish one is spelled with DOCDB entities.
_MORE_ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("ISARWERK ANTRIEBSTECHNIK GMBH", "Isarwerk Antriebstechnik GmbH", "DE"),
    ("RHEINAUE MEDIZINTECHNIK GMBH", "Rheinaue Medizintechnik GmbH", "DE"),
    ("LUMIERE DU RHONE SAS", "Lumi\u00e8re du Rh\u00f4ne SAS", "FR"),
    ("VELDHOVEN PRECISION B V", "Veldhoven Precision B.V.", "NL"),
    ("ALPENLICHT OPTICS AG", "Alpenlicht Optics AG", "CH"),
    ("NORRSKEN MOBILITY AB", "Norrsken Mobility AB", "SE"),
    ("SAKURAGAWA INSTR CO LTD", "SAKURAGAWA INSTRUMENTS CO., LTD.", "JP"),
    ("KAMOGAWA DENKI KK", "KAMOGAWA DENKI KABUSHIKI KAISHA", "JP"),
    ("PEARLRIVER INTELLIGENT TECH CO LTD", "PEARLRIVER INTELLIGENT TECHNOLOGY CO., LTD.", "CN"),
    ("HANGZHOU QINGSHAN NEW ENERGY CO LTD", "Hangzhou Qingshan New Energy Co., Ltd.", "CN"),
    ("UNIV TORRE DEL ORO", "UNIVERSIDAD TORRE DEL ORO", "ES"),
    ("&SACUTE;NIE&ZDOT;KA MATERIALS SA", "\u015anie\u017cka Materials S.A.", "PL"),
)

# Inventors whose docdb names DOCDB writes with its entities (docdb, filed, residence).
_ENTITY_INVENTORS: tuple[tuple[str, str, str], ...] = (
    ("KO&SACUTE;CIELNIAK &LSTROK;UCJA", "KO\u015aCIELNIAK, \u0141ucja", "PL"),
    ("DVO&RCARON;\u00c1K ZDE&ECARON;K", "DVO\u0158\u00c1K, Zden\u011bk", "CZ"),
    ("&SCARON;IMKUS &ZCARON;YDR\u016aNAS", "\u0160IMKUS, \u017dydr\u016bnas", "LT"),
    ("WI&SACUTE;NIEWSKA MARTA", "WI\u015aNIEWSKA, Marta", "PL"),
)

# Titles in the other languages of each vocabulary theme (same order as ``vocab.THEMES``).
_TITLES: tuple[dict[str, str], ...] = (
    {
        "de": "Batteriemodul mit W\u00e4rmeleitschicht",
        "fr": "Module de batterie \u00e0 couche d'interface thermique",
        "ja": "\u96fb\u6c60\u30e2\u30b8\u30e5\u30fc\u30eb",
        "zh": "\u7535\u6c60\u6a21\u5757",
    },
    {
        "de": "Verfahren zur Weiterleitung von Datenpaketen",
        "fr": "Proc\u00e9d\u00e9 de routage de paquets de donn\u00e9es",
        "ja": "\u30c7\u30fc\u30bf\u30eb\u30fc\u30c6\u30a3\u30f3\u30b0\u65b9\u6cd5",
        "zh": "\u6570\u636e\u8def\u7531\u65b9\u6cd5",
    },
    {
        "de": "Katheteranordnung mit Drucksensor",
        "fr": "Ensemble cath\u00e9ter \u00e0 capteur de pression",
        "ja": "\u30ab\u30c6\u30fc\u30c6\u30eb\u7d44\u7acb\u4f53",
        "zh": "\u5bfc\u7ba1\u7ec4\u4ef6",
    },
    {
        "de": "Abbildungsobjektiv mit Aperturblende",
        "fr": "Objectif d'imagerie \u00e0 diaphragme d'ouverture",
        "ja": "\u64ae\u50cf\u30ec\u30f3\u30ba",
        "zh": "\u6210\u50cf\u955c\u5934",
    },
    {
        "de": "S\u00e4gutdosiereinheit f\u00fcr Einzelkornsaat",
        "fr": "Unit\u00e9 de dosage de semences",
        "ja": "\u7a2e\u5b50\u8a08\u91cf\u30e6\u30cb\u30c3\u30c8",
        "zh": "\u79cd\u5b50\u8ba1\u91cf\u88c5\u7f6e",
    },
    {
        "de": "Beschleuniger f\u00fcr maschinelles Lernen",
        "fr": "Acc\u00e9l\u00e9rateur d'apprentissage automatique",
        "ja": "\u6a5f\u68b0\u5b66\u7fd2\u30a2\u30af\u30bb\u30e9\u30ec\u30fc\u30bf",
        "zh": "\u673a\u5668\u5b66\u4e60\u52a0\u901f\u5668",
    },
)

_JOURNALS: tuple[str, ...] = (
    "JOURNAL OF APPLIED ENERGY SYSTEMS",
    "IEEE TRANSACTIONS ON NETWORK ENGINEERING",
    "BIOMEDICAL DEVICE LETTERS",
    "OPTICAL DESIGN QUARTERLY",
    "PRECISION AGRICULTURE REVIEW",
    "PROCEEDINGS OF THE WORKSHOP ON EFFICIENT INFERENCE",
)
_NPL_AUTHORS: tuple[str, ...] = (
    "OKAFOR ADAEZE ET AL",
    "LINDQVIST HENRIK ET AL",
    "KO&SACUTE;CIELNIAK &LSTROK;UCJA ET AL",
    "NAKAMURA YUKI",
    "DUBOIS TH\u00c9O ET AL",
    "&SCARON;IMKUS &ZCARON;YDR\u016aNAS ET AL",
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Publication weekday (Monday = 0) and kinds each office publishes, with their weights.
_OFFICE_WEEKDAY = {"EP": 2, "WO": 3, "US": 1, "DE": 3, "JP": 3, "CN": 1}
_KINDS: dict[str, tuple[tuple[str, float], ...]] = {
    "EP": (("A1", 0.50), ("A2", 0.08), ("B1", 0.36), ("A3", 0.03), ("B2", 0.02), ("B8", 0.01)),
    "WO": (("A1", 0.85), ("A2", 0.07), ("A3", 0.05), ("A4", 0.03)),
    "US": (("B2", 0.45), ("B1", 0.10), ("A1", 0.45)),
    "DE": (("A1", 0.55), ("B4", 0.30), ("U1", 0.15)),
    "JP": (("A", 0.70), ("B2", 0.30)),
    "CN": (("A", 0.60), ("B", 0.25), ("U", 0.15)),
}


# -- drawing records -----------------------------------------------------------------------


def _ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _weighted(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    roll = rng.random() * sum(w for _, w in choices)
    for value, weight in choices:
        roll -= weight
        if roll <= 0:
            return value
    return choices[-1][0]


def _doc_id(rng: random.Random) -> int:
    return rng.randrange(600_000_000, 700_000_000)


def _publication_number(
    office: str, kind: str, block: int, serial: int, published: dt.date
) -> Number:
    if not 0 <= serial < _NUMBERS_PER_BLOCK:
        raise SampleGenError(f"serial {serial} does not fit in one delivery's {office} numbers")
    n = block * _BLOCK_STRIDE + serial
    year = published.year
    if office == "EP":
        base = 4_700_000 if kind.startswith("A") else 4_100_000
        number = f"{base + n:07d}"
        return Number("EP", number, kind, published, f"EP{number}", None)
    if office == "WO":
        seq = (200_000 + n) % 1_000_000
        return Number(
            "WO", f"{year}{seq:06d}", kind, published, f"WO{year}{seq:06d}", f"{year}/{seq:06d}"
        )
    if office == "US":
        if kind.startswith("B"):
            tuesday = _on_or_before(published, 1) - dt.timedelta(weeks=n // 6_000)
            number = str(int(uspto_numbers.utility_grant_number(tuesday, 500 + n % 6_000)))
            return Number("US", number, kind, tuesday, f"US{number}", number)
        thursday = _on_or_before(published, 3) - dt.timedelta(weeks=n // 7_000)
        eleven = uspto_numbers.application_publication_number(thursday, 500 + n % 7_000)
        number = eleven[:4] + eleven[5:]  # docdb drops the 0 after the year: 2026360007
        return Number("US", number, kind, thursday, f"US{number}", eleven)
    if office == "DE":
        number = f"10{year}{n % 1_000_000:06d}" if kind != "B4" else f"10{year - 3}{n:06d}"
        return Number("DE", number, kind, published, f"DE{number}", number)
    if office == "JP":
        number = f"{year}{100_000 + n:06d}" if kind == "A" else f"{7_800_000 + n:07d}"
        return Number("JP", number, kind, published, f"JP{number}", number)
    number = f"{120_000_000 + n}" if kind == "A" else f"{117_000_000 + n}"
    return Number("CN", number, kind, published, f"CN{number}", number)


def _application(
    rng: random.Random, office: str, filed: dt.date, serial: int, ro_country: str
) -> Number:
    year = filed.year
    doc_id = _doc_id(rng)
    if office == "EP":
        number = f"{year % 100:02d}{800_000 + serial % 200_000:06d}"
        return Number(
            "EP", number, "A", filed, f"EP{year}{800_000 + serial % 200_000:07d}", number, doc_id
        )
    if office == "WO":
        seq = 10_000 + serial % 90_000
        return Number(
            ro_country,
            f"{year}{seq:06d}",
            "W",
            filed,
            f"WO{year}{ro_country}{seq}",
            f"{ro_country}{year}/{seq:06d}",
            doc_id,
        )
    if office == "US":
        series = uspto_numbers.utility_series_code(filed)
        seq = 100_000 + serial % 900_000
        return Number(
            "US",
            f"{series}{seq:06d}",
            "A",
            filed,
            f"US{year}{seq:07d}",
            f"{series}/{seq // 1000:03d},{seq % 1000:03d}",
            doc_id,
        )
    if office == "DE":
        number = f"10{year}{100_000 + serial % 900_000:06d}"
        return Number("DE", number, "A", filed, f"DE{number}", number, doc_id)
    if office == "JP":
        number = f"{year}{10_000 + serial % 90_000:06d}"
        return Number("JP", number, "A", filed, f"JP{number}", f"{year}-{number[4:]}", doc_id)
    number = f"{year}1{serial % 10_000_000:07d}"
    return Number("CN", number, "A", filed, f"CN{number}", number, doc_id)


def _priority(rng: random.Random, country: str, filed: dt.date) -> Number:
    seq = rng.randrange(100_000, 999_999)
    year = filed.year
    if country == "US":
        number = f"63{seq:06d}"  # a provisional application
        return Number("US", number, "P", filed, f"US{year}63{seq:06d}P", f"63/{seq}", _doc_id(rng))
    if country == "EP":
        number = f"{year % 100:02d}{seq:06d}"
        return Number("EP", number, "A", filed, f"EP{year}{seq:07d}", number, _doc_id(rng))
    if country in ("JP", "CN", "KR"):
        number = f"{year}{seq:06d}"
        return Number(country, number, "A", filed, f"{country}{number}", number, _doc_id(rng))
    number = f"10{year}{seq:06d}" if country == "DE" else f"{year}{seq:06d}"
    return Number(country, number, "A", filed, f"{country}{number}", number, _doc_id(rng))


def _docdb_name(text: str) -> str:
    """DOCDB's normalized organisation name: upper case, punctuation gone, ``&`` kept."""
    cleaned = text.upper().replace(",", "").replace(".", " ")
    return escape(" ".join(cleaned.split()))


def _organisation(rng: random.Random, office: str) -> Party:
    local = {"DE": ("DE", "CH", "PL"), "JP": ("JP",), "CN": ("CN",)}.get(office)
    pool = [o for o in _MORE_ORGANISATIONS if local is None or o[2] in local]
    if office in ("EP", "WO", "US") and rng.random() < 0.5:
        organisation = rng.choice(vocab.ORGANISATIONS)
        return Party(
            _docdb_name(organisation.name),
            escape(organisation.name),
            organisation.place.country,
        )
    docdb, filed, country = rng.choice(pool)
    return Party(docdb, escape(filed), country)


def _inventor(rng: random.Random, country: str | None) -> Party:
    if rng.random() < 0.08:
        docdb, filed, home = rng.choice(_ENTITY_INVENTORS)
        return Party(docdb, escape(filed), home)
    last, first = vocab.person_name(rng)
    return Party(
        escape(f"{last} {first}".upper().replace(".", "")),
        escape(f"{last.upper()}, {first}"),
        country,
    )


def _fixed_symbol(code: vocab.Code, subgroup: str | None = None) -> str:
    """The 19-character form: subclass, main group right-aligned in 4, "/", subgroup in 10."""
    subclass = f"{code.section}{code.klass}{code.subclass}"
    return f"{subclass}{code.main_group:>4}/{subgroup or code.subgroup:<10}"


def _ipcr_text(code: vocab.Code, first: bool, action: dt.date, office: str) -> str:
    position = "F" if first else "L"
    return f"{_fixed_symbol(code)}{code.version}A{position}I{_ymd(action)}BH{office}        "


def _title(rng: random.Random, theme_index: int, office: str) -> tuple[tuple[str, str], ...]:
    english = vocab.invention_title(rng, vocab.THEMES[theme_index])
    other = _TITLES[theme_index % len(_TITLES)]
    if office == "EP":
        return (("de", escape(other["de"])), ("en", escape(english)), ("fr", escape(other["fr"])))
    if office == "WO":
        return (("en", escape(english.upper())), ("fr", escape(other["fr"].upper())))
    if office == "DE":
        return (("de", escape(other["de"])), ("en", escape(english)))
    if office in ("JP", "CN"):
        lang = {"JP": "ja", "CN": "zh"}[office]
        return (("en", escape(english.upper())), (lang, other[lang]))
    return (("en", escape(english)),)


def _abstracts(
    rng: random.Random, theme: vocab.Theme, office: str, paragraphs: int
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if paragraphs == 0:
        return ()
    english = tuple(escape(vocab.sentence(rng, theme)) for _ in range(paragraphs))
    if office == "WO":
        french = (
            escape(
                "La pr\u00e9sente divulgation concerne un dispositif comprenant "
                f"un {rng.choice(('module', 'capteur', 'circuit', 'ensemble'))} configur\u00e9 "
                "pour r\u00e9guler un param\u00e8tre de fonctionnement."
            ),
        )
        return (("en", english), ("fr", french))
    return (("en", english),)


def _citations(
    rng: random.Random, office: str, published: dt.date, count: int, theme_index: int
) -> tuple[CitationSpec, ...]:
    phase = {"EP": "SEA", "WO": "ISR"}.get(office, "APP" if office == "US" else "SEA")
    cited_date = published - dt.timedelta(days=rng.randrange(30, 120))
    out: list[CitationSpec] = []
    for _ in range(count):
        category = rng.choice(("X", "Y", "A", "A", "XY", "D"))
        if rng.random() < 0.75:
            country = rng.choice(("EP", "WO", "US", "US", "DE", "JP", "CN", "KR", "FR", "GB"))
            year = rng.randrange(1995, published.year)
            day = dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29))
            if country == "US":
                number, kind = str(rng.randrange(6_000_000, 11_500_000)), rng.choice(("B1", "B2"))
            elif country == "WO":
                number, kind = f"{year}{rng.randrange(1, 250_000):06d}", "A1"
            else:
                number, kind = (
                    str(rng.randrange(1_000_000, 4_000_000)),
                    rng.choice(("A1", "A", "B1")),
                )
            owner = rng.choice(_MORE_ORGANISATIONS)[0] if rng.random() < 0.6 else None
            out.append(
                CitationSpec(
                    phase,
                    category,
                    cited_date if office in ("EP", "WO") else None,
                    Number(country, number, kind, day, f"{country}{number}", None, _doc_id(rng)),
                    owner,
                    None,
                )
            )
        else:
            year = rng.randrange(2005, published.year)
            month = rng.randrange(1, 13)
            day = rng.randrange(1, 29)
            xp = rng.randrange(55_000_000, 56_999_999)
            text = (
                f"{rng.choice(_NPL_AUTHORS)}: &quot;"
                f"{escape(vocab.invention_title(rng, vocab.THEMES[theme_index]))}&quot;, "
                f"{_JOURNALS[theme_index % len(_JOURNALS)]}, vol. {rng.randrange(1, 60)}, "
                f"no. {rng.randrange(1, 12)}, {day} {_MONTHS[month - 1]} {year} "
                f"({year}-{month:02d}-{day:02d}), pages {rng.randrange(1, 900)}, XP0{xp}"
            )
            if rng.random() < 0.3:
                text += (
                    ", Retrieved from the Internet &lt;URL:https://doi.example.org/10."
                    f"{rng.randrange(1000, 9999)}/{xp}&gt;"
                )
            out.append(CitationSpec(phase, category, None, None, None, text))
    return tuple(out)


def draw_record(
    rng: random.Random,
    office: str,
    *,
    block: int,
    serial: int,
    published: dt.date,
    kind: str | None = None,
) -> RecordSpec:
    """One fictional document of ``office`` published on (or just before) ``published``."""
    kind = kind or _weighted(rng, _KINDS[office])
    published = _on_or_before(published, _OFFICE_WEEKDAY[office])
    publication = _publication_number(office, kind, block, serial, published)
    published = publication.date or published
    granted = kind.startswith("B") or kind in ("U", "U1")
    filed = published - dt.timedelta(days=rng.randrange(900, 1800) if granted else 540)
    theme_index = rng.randrange(len(vocab.THEMES))
    theme = vocab.THEMES[theme_index]

    applicant_count = 1 if rng.random() < 0.85 else 2
    applicants = tuple(_organisation(rng, office) for _ in range(applicant_count))
    home = applicants[0].country
    inventors = tuple(_inventor(rng, home) for _ in range(rng.choice((1, 1, 2, 2, 3))))
    if office == "US" and rng.random() < 0.2:
        applicants = (*applicants, inventors[0])  # an inventor who is also an applicant

    ro_country = {"US": "US", "JP": "JP", "CN": "CN", "DE": "EP"}.get(home or "", "IB")
    application = _application(rng, office, filed, serial, ro_country)
    priorities: tuple[Number, ...] = ()
    if rng.random() < 0.8:
        first_country = home if home in ("US", "DE", "JP", "CN", "KR") else "EP"
        if first_country == office and office != "US":
            first_country = "US"
        priorities = (
            _priority(rng, first_country, filed - dt.timedelta(days=rng.randrange(200, 365))),
        )
        if rng.random() < 0.1:
            priorities = (
                *priorities,
                _priority(rng, rng.choice(("US", "EP", "JP")), filed - dt.timedelta(days=150)),
            )

    codes = list(theme.codes)
    rng.shuffle(codes)
    ipc_codes = codes[: rng.choice((1, 1, 2))]
    action = published - dt.timedelta(days=rng.randrange(20, 200))
    ipcr = tuple(_ipcr_text(c, i == 0, action, "EP") for i, c in enumerate(ipc_codes))
    cpc = tuple(
        Cpc(
            _fixed_symbol(code, f"{code.subgroup}{rng.choice(('', '', '1', '5'))}"[:6]),
            "F" if i == 0 else "L",
            "I" if rng.random() < 0.8 else "A",
            action,
            rng.choice(("EP", "EP", "US")) if office != "US" else "US",
        )
        for i, code in enumerate(codes[: rng.choice((1, 1, 1, 2))])
    )
    paragraphs = rng.choice((0, 1, 1, 1, 2))
    return RecordSpec(
        publication=dataclasses.replace(publication, date=published),
        doc_id=_doc_id(rng),
        family_id=rng.randrange(70_000_000, 99_999_999),
        date_added=published + dt.timedelta(days=rng.randrange(1, 4)),
        application=application,
        priorities=priorities,
        applicants=applicants,
        inventors=inventors,
        ipcr=ipcr,
        cpc=cpc,
        titles=_title(rng, theme_index, office),
        abstracts=_abstracts(rng, theme, office, paragraphs),
        citations=_citations(rng, office, published, rng.choice((0, 0, 1, 1, 2, 4)), theme_index),
        language_of_filing={"DE": "de", "JP": "ja", "CN": "zh"}.get(office, "en"),
    )


AMENDMENTS: tuple[str, ...] = ("cpc", "citations", "title", "applicant")


def amend(rng: random.Random, spec: RecordSpec, changes: Iterable[str], on: dt.date) -> RecordSpec:
    """``spec`` as a later exchange gives it: reclassified, newly cited, retitled, transferred."""
    for change in changes:
        if change == "cpc":
            code = rng.choice(vocab.THEMES[rng.randrange(len(vocab.THEMES))].codes)
            added = Cpc(_fixed_symbol(code, f"{code.subgroup}2"[:6]), "L", "A", on, "EP")
            spec = dataclasses.replace(spec, cpc=(*spec.cpc, added))
        elif change == "citations":
            theme_index = rng.randrange(len(vocab.THEMES))
            extra = _citations(rng, spec.publication.country, on, 2, theme_index)
            extra = tuple(dataclasses.replace(c, phase="EXA", cited_date=on) for c in extra)
            spec = dataclasses.replace(spec, citations=(*spec.citations, *extra))
        elif change == "title":
            titles = tuple(
                (lang, f"{text} (corrected)" if lang == "en" else text)
                for lang, text in spec.titles
            )
            spec = dataclasses.replace(spec, titles=titles)
        elif change == "applicant":
            spec = dataclasses.replace(
                spec, applicants=(_organisation(rng, spec.publication.country),)
            )
        else:
            raise SampleGenError(f"unknown amendment {change!r}; known: {', '.join(AMENDMENTS)}")
    return spec


def apply_defect(spec: RecordSpec, defect: str | None) -> RecordSpec:
    """The record as a defective delivery would carry it (see the module docstring)."""
    if defect is None:
        return spec
    if defect == "malformed":
        first, *rest = spec.applicants
        broken = Party(first.docdb, "SMITH & SONS ENGINEERING LTD", first.country)
        return dataclasses.replace(spec, applicants=(broken, *rest))
    if defect == "unknown_entity":
        first, *rest = spec.inventors
        odd = Party(f"&{UNKNOWN_ENTITY};IRTS J\u0100NIS", "\u0122IRTS, J\u0101nis", "LV")
        return dataclasses.replace(spec, inventors=(odd, first, *rest))
    if defect == "unknown_kind":
        p = spec.publication
        return dataclasses.replace(spec, publication=dataclasses.replace(p, kind=UNKNOWN_EP_KIND))
    if defect == "missing_publication_date":
        return dataclasses.replace(
            spec, publication=dataclasses.replace(spec.publication, date=None)
        )
    raise SampleGenError(f"unknown defect {defect!r}; known defects: {', '.join(DEFECTS)}")


# -- rendering -----------------------------------------------------------------------------


def _document_id(n: Number, *, full: bool, with_doc_id: bool = False, lang: bool = False) -> str:
    head = "<document-id"
    if with_doc_id and n.doc_id is not None:
        head += f' doc-id="{n.doc_id}"'
    if lang:
        head += ' lang="en"'
    if not full:
        return f"{head}><doc-number>{n.epodoc}</doc-number></document-id>"
    date = f"<date>{_ymd(n.date)}</date>" if n.date is not None else ""
    return (
        f"{head}><country>{n.country}</country><doc-number>{n.number}</doc-number>"
        f"<kind>{n.kind}</kind>{date}</document-id>"
    )


def render_record(spec: RecordSpec, envelope: Envelope) -> str:
    """One ``exch:exchange-document`` element, on one line, as a DOCDB delivery writes it."""
    p = spec.publication
    attributes = (
        f'country="{p.country}" doc-number="{p.number}" kind="{p.kind}" doc-id="{spec.doc_id}"'
    )
    if p.date is not None:
        attributes += f' date-publ="{_ymd(p.date)}"'
    attributes += (
        f' family-id="{spec.family_id}" is-representative="YES"'
        f' date-of-last-exchange="{_ymd(envelope.last_exchange)}"'
    )
    if envelope.previous_exchange is not None:
        attributes += f' date-of-previous-exchange="{_ymd(envelope.previous_exchange)}"'
    attributes += (
        f' date-added-docdb="{_ymd(spec.date_added)}" originating-office="EP"'
        f' status="{envelope.status}"'
    )
    out: list[str] = [f"<exch:exchange-document {attributes}><exch:bibliographic-data>"]
    out.append(
        '<exch:publication-reference data-format="docdb">'
        f"{_document_id(p, full=True, lang=True)}</exch:publication-reference>"
        '<exch:publication-reference data-format="epodoc">'
        f"{_document_id(p, full=False, lang=True)}</exch:publication-reference>"
    )
    if p.original is not None:
        out.append(
            '<exch:publication-reference data-format="original"><document-id>'
            f"<doc-number>{p.original}</doc-number></document-id></exch:publication-reference>"
        )
    if envelope.status == "D":
        out.append("</exch:bibliographic-data></exch:exchange-document>")
        return "".join(out)
    if p.country == "WO":
        out.append("<exch:extended-kind-code>x</exch:extended-kind-code>")
    if spec.ipcr:
        out.append("<exch:classifications-ipcr>")
        for i, text in enumerate(spec.ipcr, 1):
            out.append(
                f'<classification-ipcr sequence="{i}"><text>{text}</text></classification-ipcr>'
            )
        out.append("</exch:classifications-ipcr>")
    if spec.cpc:
        out.append("<exch:patent-classifications>")
        for i, c in enumerate(spec.cpc, 1):
            out.append(
                f'<patent-classification sequence="{i}"><classification-scheme office="EP" '
                'scheme="CPCI"><date>20130101</date></classification-scheme>'
                f"<classification-symbol>{c.symbol}</classification-symbol>"
                f"<symbol-position>{c.position}</symbol-position>"
                f"<classification-value>{c.value}</classification-value>"
                "<classification-status>B</classification-status>"
                "<classification-data-source>H</classification-data-source>"
                f"<generating-office>{c.office}</generating-office>"
                f"<action-date><date>{_ymd(c.action_date)}</date></action-date>"
                "</patent-classification>"
            )
        out.append("</exch:patent-classifications>")
    a = spec.application
    out.append(
        f'<exch:application-reference is-representative="YES" doc-id="{a.doc_id}" '
        f'data-format="docdb">{_document_id(a, full=True)}</exch:application-reference>'
        '<exch:application-reference data-format="epodoc">'
        f"{_document_id(a, full=False)}</exch:application-reference>"
    )
    if a.original is not None:
        out.append(
            '<exch:application-reference data-format="original"><document-id>'
            f"<doc-number>{a.original}</doc-number></document-id></exch:application-reference>"
        )
    out.append(f"<exch:language-of-filing>{spec.language_of_filing}</exch:language-of-filing>")
    if spec.priorities:
        out.append("<exch:priority-claims>")
        for i, n in enumerate(spec.priorities, 1):
            out.append(
                f'<exch:priority-claim sequence="{i}" data-format="docdb">'
                f"{_document_id(n, full=True, with_doc_id=True)}"
                f"<exch:priority-active-indicator>{'Y' if i == 1 else 'N'}"
                "</exch:priority-active-indicator></exch:priority-claim>"
                f'<exch:priority-claim sequence="{i}" data-format="epodoc">'
                f"{_document_id(n, full=False)}</exch:priority-claim>"
            )
        for i, n in enumerate(spec.priorities, 1):
            if n.original is not None:
                out.append(
                    f'<exch:priority-claim sequence="{i}" data-format="original"><document-id>'
                    f"<doc-number>{n.original}</doc-number></document-id></exch:priority-claim>"
                )
        out.append("</exch:priority-claims>")
    out.append("<exch:parties>")
    out.append(_parties("applicant", spec.applicants))
    out.append(_parties("inventor", spec.inventors))
    out.append("</exch:parties>")
    for lang, text in spec.titles:
        out.append(
            f'<exch:invention-title lang="{lang}" data-format="docdba">{text}'
            "</exch:invention-title>"
        )
    if spec.citations:
        out.append("<exch:references-cited>")
        for i, c in enumerate(spec.citations, 1):
            head = f'<exch:citation cited-phase="{c.phase}"'
            if c.cited_date is not None:
                head += f' cited-date="{_ymd(c.cited_date)}" srep-office="EP"'
            out.append(f'{head} sequence="{i}">')
            if c.patent is not None:
                n = c.patent
                owner = f"<name>{c.patent_owner}</name>" if c.patent_owner else ""
                date = f"<date>{_ymd(n.date)}</date>" if n.date is not None else ""
                out.append(
                    f'<patcit num="{i}" dnum="{n.country}{n.number}{n.kind}" '
                    f'dnum-type="publication number"><document-id doc-id="{n.doc_id}">'
                    f"<country>{n.country}</country><doc-number>{n.number}</doc-number>"
                    f"<kind>{n.kind}</kind>{owner}{date}</document-id></patcit>"
                )
            else:
                out.append(f'<nplcit num="{i}" npl-type="s"><text>{c.npl}</text></nplcit>')
            out.append(f"<category>{c.category}</category></exch:citation>")
        out.append("</exch:references-cited>")
    out.append("</exch:bibliographic-data>")
    for lang, paragraphs in spec.abstracts:
        source = "national office" if lang != "en" or p.country != "EP" else "EPO"
        out.append(f'<exch:abstract lang="{lang}" data-format="docdba" abstract-source="{source}">')
        out.extend(f"<exch:p>{text}</exch:p>" for text in paragraphs)
        out.append("</exch:abstract>")
    out.append("</exch:exchange-document>")
    return "".join(out)


def _parties(role: str, parties: Sequence[Party]) -> str:
    tag = f"exch:{role}"
    out = [f"<{tag}s>"]
    for data_format in ("docdb", "docdba"):
        for i, party in enumerate(parties, 1):
            name = party.docdb if data_format == "docdb" else party.docdba
            residence = (
                f"<residence><country>{party.country}</country></residence>"
                if data_format == "docdb" and party.country
                else ""
            )
            out.append(
                f'<{tag} sequence="{i}" data-format="{data_format}"><{tag}-name><name>{name}'
                f"</name></{tag}-name>{residence}</{tag}>"
            )
    out.append(f"</{tag}s>")
    return "".join(out)


def member_name(
    kind: str, publication_date: dt.date, office: str, part: int, *, suffix: str = ".xml"
) -> str:
    """``Root/DOC/DOCDB-202647-Amend-PubDate20261110AndBefore-EP-0001.xml``.

    ``PubDate`` bounds the publications the delivery covers: the Tuesday a week before an Amend
    delivery, the Friday before a CreateDelete one (as the EPO names them).
    """
    year, week = iso_week_of(publication_date)
    days_back = 7 if kind == AMEND else 6
    bound = _ymd(publication_date - dt.timedelta(days=days_back))
    stem = f"DOCDB-{year}{week:02d}-{kind}-PubDate{bound}AndBefore-{office}-{part:04d}"
    return f"Root/DOC/{stem}{suffix}"


def file_head(member: str, exchange_date: dt.date, records: int) -> str:
    """The XML declaration, DOCTYPE and root start tag of a member (no newline after them)."""
    stem = member.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
        f"{DOCTYPE}<exch:exchange-documents "
        f'xmlns:exch="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NAMESPACE} exchange-documents-v{DTD_VERSION}.xsd" '
        f'date-of-exchange="{_ymd(exchange_date)}" dtd-version="{DTD_VERSION}" '
        f'file="{stem}" no-of-documents="{records:07d}" originating-office="EP">'
    )


FILE_TAIL = "</exch:exchange-documents>"


def render_member(member: str, exchange_date: dt.date, records: Sequence[str]) -> bytes:
    """A whole member: head and first record on line one, one record per line after that."""
    lines = [file_head(member, exchange_date, len(records)) + (records[0] if records else "")]
    lines.extend(f"    {record}" for record in records[1:])
    return ("\n".join(lines) + "\n" + FILE_TAIL).encode("utf-8")


def exchange_date_for(publication_date: dt.date) -> dt.date:
    """The DOCDB exchange a delivery carries: the Sunday before its publication."""
    return publication_date - dt.timedelta(days=publication_date.isoweekday() % 7)


def _zip_info(name: str, day: dt.date, compresslevel: int) -> zipfile.ZipInfo:
    # Fixed metadata so the archive bytes depend only on the content.
    info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 9, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    # ZipFile ignores its own level for a ZipInfo opened for writing; the attribute is
    # ``compress_level`` from Python 3.13 and ``_compresslevel`` before.
    setattr(
        info,
        "compress_level" if hasattr(info, "compress_level") else "_compresslevel",
        compresslevel,
    )
    return info


def _check_weekday(kind: str, publication_date: dt.date) -> None:
    check_kind(kind)
    weekday = 1 if kind == AMEND else 3
    if publication_date.weekday() != weekday:
        day = "Tuesday" if kind == AMEND else "Thursday"
        raise SampleGenError(
            f"DOCDB {kind} deliveries are published on a {day}; {publication_date.isoformat()} "
            f"is a {publication_date.strftime('%A')}"
        )


# -- the demo deliveries -------------------------------------------------------------------

DEMO_SEED = 20261112


@dataclasses.dataclass(frozen=True)
class _Planned:
    office: str
    spec: RecordSpec
    envelope: Envelope
    note: str


@dataclasses.dataclass(frozen=True)
class _DeliveryPlan:
    kind: str
    publication_date: dt.date
    records: tuple[_Planned, ...]
    zips: tuple[tuple[str, ...], ...]  # offices per zip file, in order
    records_per_member: int = 25


_OFFICES = tuple(office for office, _ in OFFICE_MIX)
CREATED_ON = dt.date(2026, 11, 12)
# The per-delivery (office, count) of new documents the demo writes.
_DEMO_COUNTS: dict[str, tuple[tuple[str, int], ...]] = {
    "amend-1110": (("EP", 16), ("WO", 10), ("US", 4), ("DE", 2), ("JP", 2), ("CN", 2)),
    "create-1112": (("EP", 40), ("WO", 30), ("US", 10), ("DE", 6), ("JP", 6), ("CN", 6)),
    "create-1119": (("EP", 32), ("WO", 24), ("US", 8), ("DE", 4), ("JP", 4), ("CN", 4)),
}


def _draw_many(
    seed: int,
    label: str,
    block: int,
    published: dt.date,
    counts: Sequence[tuple[str, int]],
    *,
    spread_weeks: int = 0,
) -> dict[str, list[RecordSpec]]:
    """Documents per office; with ``spread_weeks``, published up to that many weeks earlier."""
    drawn: dict[str, list[RecordSpec]] = {}
    for office, count in counts:
        drawn[office] = []
        for serial in range(count):
            rng = random.Random(f"{seed}:{label}:{office}:{serial}")
            day = (
                published - dt.timedelta(weeks=rng.randrange(spread_weeks))
                if spread_weeks
                else published
            )
            drawn[office].append(
                draw_record(rng, office, block=block, serial=serial, published=day)
            )
    return drawn


def demo_plans(seed: int = DEMO_SEED) -> list[_DeliveryPlan]:
    """The four demo deliveries, consistent with each other over the two weeks.

    * Amend Tue 2026-11-10: amendments of older documents nobody has created in this data set
      (the pipeline takes them as creates); one record has no publication date.
    * CreateDelete Thu 2026-11-12: creates; one malformed record, one unknown entity.
    * Amend Tue 2026-11-17: amendments of 11-12 creates (later exchange, changed classes,
      citations, titles, applicants), and one stale amendment of an 11-12 create whose
      date-of-last-exchange is older than the create's.
    * CreateDelete Thu 2026-11-19, two zips: creates (one EP of unknown kind A7), a delete of an
      11-12 create and a delete of a document nobody has.
    """
    amend_1110, create_1112 = dt.date(2026, 11, 10), CREATED_ON
    amend_1117, create_1119 = dt.date(2026, 11, 17), dt.date(2026, 11, 19)
    ex_1110, ex_1112 = exchange_date_for(amend_1110), exchange_date_for(create_1112)
    ex_1117, ex_1119 = exchange_date_for(amend_1117), exchange_date_for(create_1119)

    # Amend 11-10: older documents (published 1-3 years ago), amended this week.
    old = _draw_many(
        seed, "old", 1, dt.date(2026, 9, 30), _DEMO_COUNTS["amend-1110"], spread_weeks=110
    )
    plan_1110: list[_Planned] = []
    for office in _OFFICES:
        for i, spec in enumerate(old[office]):
            rng = random.Random(f"{seed}:amend-1110:{office}:{i}")
            defect = "missing_publication_date" if (office, i) == ("EP", 5) else None
            previous = ex_1110 - dt.timedelta(weeks=rng.randrange(3, 40))
            plan_1110.append(
                _Planned(
                    office,
                    apply_defect(spec, defect),
                    Envelope("A", ex_1110, previous, defect),
                    "amendment of a document not created in this data set (taken as a create)",
                )
            )

    # CreateDelete 11-12: this week's new documents.
    new_1112 = _draw_many(
        seed, "new-1112", 0, create_1112 - dt.timedelta(days=6), _DEMO_COUNTS["create-1112"]
    )
    plan_1112: list[_Planned] = []
    for office in _OFFICES:
        for i, spec in enumerate(new_1112[office]):
            defect = {("EP", 13): "malformed", ("WO", 7): "unknown_entity"}.get((office, i))
            plan_1112.append(
                _Planned(
                    office,
                    apply_defect(spec, defect),
                    Envelope("C", ex_1112, None, defect),
                    "create",
                )
            )

    # Amend 11-17: amendments of 11-12 creates, and one stale amendment.
    plan_1117: list[_Planned] = []
    amended = {
        "EP": range(0, 18),
        "WO": range(0, 14),
        "US": range(0, 4),
        "DE": range(0, 2),
        "JP": range(0, 1),
        "CN": range(0, 1),
    }
    for office in _OFFICES:
        for i in amended[office]:
            if (office, i) in (("EP", 13), ("WO", 7)):
                continue  # the defective creates never made it into the store
            rng = random.Random(f"{seed}:amend-1117:{office}:{i}")
            changes = rng.sample(AMENDMENTS, rng.randrange(1, 3))
            spec = amend(rng, new_1112[office][i], changes, ex_1117)
            plan_1117.append(
                _Planned(
                    office,
                    spec,
                    Envelope("A", ex_1117, ex_1112),
                    f"amends a {create_1112} create ({', '.join(changes)})",
                )
            )
    stale_rng = random.Random(f"{seed}:stale")
    stale = amend(stale_rng, new_1112["EP"][20], ["title"], ex_1112 - dt.timedelta(weeks=2))
    plan_1117.append(
        _Planned(
            "EP",
            stale,
            Envelope("A", ex_1112 - dt.timedelta(weeks=2), ex_1112 - dt.timedelta(weeks=4)),
            f"stale amendment: date-of-last-exchange older than the {create_1112} create's",
        )
    )

    # CreateDelete 11-19: new documents, a delete of an 11-12 create, a delete of a stranger.
    new_1119 = _draw_many(
        seed, "new-1119", 2, create_1119 - dt.timedelta(days=6), _DEMO_COUNTS["create-1119"]
    )
    plan_1119: list[_Planned] = []
    for office in _OFFICES:
        for i, spec in enumerate(new_1119[office]):
            defect = "unknown_kind" if (office, i) == ("EP", 9) else None
            plan_1119.append(
                _Planned(
                    office,
                    apply_defect(spec, defect),
                    Envelope("C", ex_1119, None, defect),
                    "create",
                )
            )
    deleted = new_1112["EP"][30]  # created on 11-12, never amended
    plan_1119.append(
        _Planned(
            "EP", deleted, Envelope("D", ex_1119, ex_1112), f"delete of a {create_1112} create"
        )
    )
    stranger = draw_record(
        random.Random(f"{seed}:stranger"),
        "WO",
        block=3,
        serial=0,
        published=dt.date(2026, 5, 7),
        kind="A1",
    )
    plan_1119.append(
        _Planned(
            "WO",
            stranger,
            Envelope("D", ex_1119, dt.date(2026, 5, 10)),
            "delete of a document nobody has (recorded, not an error)",
        )
    )

    return [
        _DeliveryPlan(AMEND, amend_1110, tuple(plan_1110), (_OFFICES,)),
        _DeliveryPlan(CREATE_DELETE, create_1112, tuple(plan_1112), (_OFFICES,)),
        _DeliveryPlan(AMEND, amend_1117, tuple(plan_1117), (_OFFICES,)),
        _DeliveryPlan(
            CREATE_DELETE, create_1119, tuple(plan_1119), (("EP", "WO"), ("US", "DE", "JP", "CN"))
        ),
    ]


def write_delivery(out: Path, plan: _DeliveryPlan) -> DeliveryInfo:
    """Write one planned delivery's zips into ``out``; records grouped by office and part."""
    _check_weekday(plan.kind, plan.publication_date)
    out.mkdir(parents=True, exist_ok=True)
    exchange = exchange_date_for(plan.publication_date)
    files: list[DeliveryFileInfo] = []
    infos: list[RecordInfo] = []
    for part, offices in enumerate(plan.zips, 1):
        name = delivery_file_name(plan.kind, plan.publication_date, part)
        members: list[str] = []
        digests: list[str] = []
        count = 0
        path = out / name
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for office in offices:
                planned = [p for p in plan.records if p.office == office]
                for chunk_index in range(0, len(planned), plan.records_per_member):
                    chunk = planned[chunk_index : chunk_index + plan.records_per_member]
                    member = member_name(
                        plan.kind,
                        plan.publication_date,
                        office,
                        chunk_index // plan.records_per_member + 1,
                    )
                    data = render_member(
                        member, exchange, [render_record(p.spec, p.envelope) for p in chunk]
                    )
                    zf.writestr(_zip_info(member, plan.publication_date, 9), data)
                    members.append(member)
                    digests.append(hashlib.sha256(data).hexdigest())
                    count += len(chunk)
                    for position, p in enumerate(chunk):
                        infos.append(
                            RecordInfo(
                                file=name,
                                member=member,
                                position=position,
                                doc_key=p.spec.doc_key,
                                status=p.envelope.status,
                                defect=p.envelope.defect,
                                last_exchange=p.envelope.last_exchange,
                                note=p.note,
                            )
                        )
        files.append(DeliveryFileInfo(path, tuple(members), tuple(digests), count))
    return DeliveryInfo(plan.kind, plan.publication_date, tuple(files), tuple(infos))


def write_demo_deliveries(out: Path, *, seed: int = DEMO_SEED) -> list[DeliveryInfo]:
    """Write the four demo deliveries (what ``data/epo_docdb`` holds) into ``out``."""
    return [write_delivery(out, plan) for plan in demo_plans(seed)]


# -- the benchmark delivery ----------------------------------------------------------------

BENCH_SEED = 365_000
BENCH_DATE = dt.date(2026, 11, 17)


@dataclasses.dataclass(frozen=True)
class BenchDeliveryInfo:
    path: Path
    member_name: str
    records: int
    xml_bytes: int
    xml_sha256: str


# Distinct record bodies the bench file cycles through; each record still gets its own number.
_BENCH_TEMPLATES = 4096
_SPLIT_SENTINELS = re.compile(rb"(@@[NOD]@@)")


def _bench_number(office: str, kind: str, serial: int, year: int) -> tuple[str, str]:
    """(docdb number, original number) of the ``serial``-th bench document of ``office``."""
    if office == "EP":
        return str((4_700_000 if kind.startswith("A") else 4_100_000) + serial), ""
    if office == "WO":
        seq = f"{200_000 + serial % 800_000:06d}"
        return f"{year}{seq}", f"{year}/{seq}"
    if office == "US":
        if kind.startswith("B"):
            number = str(11_000_000 + serial)
            return number, number
        return f"{year}{300_000 + serial % 700_000:06d}", f"{year}0{300_000 + serial:06d}"
    if office == "DE":
        return f"10{year}{100_000 + serial % 900_000:06d}", ""
    if office == "JP":
        return f"{year}{100_000 + serial % 900_000:06d}", ""
    return str(120_000_000 + serial), ""


def _bench_templates(
    seed: int, publication_date: dt.date
) -> list[tuple[str, str, int, list[bytes]]]:
    """Rendered Amend records with their number and doc-id left as sentinels.

    Drawing a record costs ~100 µs in Python; a delivery-sized file needs 365,000 of them in
    seconds, so a few thousand bodies are drawn once and every record is one of them with its
    own publication number, original number and doc-id spliced in.
    """
    exchange = exchange_date_for(publication_date)
    templates: list[tuple[str, str, int, list[bytes]]] = []
    for index in range(_BENCH_TEMPLATES):
        rng = random.Random(f"{seed}:bench:{index}")
        office = _weighted(rng, OFFICE_MIX)
        published = publication_date - dt.timedelta(weeks=1 + rng.randrange(150))
        spec = draw_record(rng, office, block=0, serial=index, published=published)
        p = spec.publication
        sentinel = Number(
            p.country,
            "@@N@@",
            p.kind,
            p.date,
            f"{p.country}@@N@@",
            "@@O@@" if p.original is not None else None,
        )
        spec = dataclasses.replace(spec, publication=sentinel)
        previous = exchange - dt.timedelta(weeks=rng.randrange(1, 60))
        text = render_record(spec, Envelope("A", exchange, previous))
        text = text.replace(f'doc-id="{spec.doc_id}"', 'doc-id="@@D@@"', 1)
        year = (p.date or published).year
        templates.append((office, p.kind, year, _SPLIT_SENTINELS.split(text.encode("utf-8"))))
    return templates


def _bench_records(records: int, seed: int, publication_date: dt.date) -> Iterator[bytes]:
    """``records`` Amend records (UTF-8), one at a time, so nothing is held in memory."""
    templates = _bench_templates(seed, publication_date)
    rng = random.Random(f"{seed}:bench-order")
    serials: dict[tuple[str, str], int] = {}
    doc_id = 700_000_000
    pick = rng.randrange
    for _ in range(records):
        office, kind, year, parts = templates[pick(_BENCH_TEMPLATES)]
        key = (office, kind[0])
        serial = serials.get(key, 0)
        serials[key] = serial + 1
        if serial >= _NUMBERS_PER_BLOCK:
            raise SampleGenError(f"more than {_NUMBERS_PER_BLOCK:,} {office} {kind} documents")
        number, original = _bench_number(office, kind, serial, year)
        doc_id += 1 + pick(7)
        values = {
            b"@@N@@": number.encode("ascii"),
            b"@@O@@": (original or number).encode("ascii"),
            b"@@D@@": str(doc_id).encode("ascii"),
        }
        yield b"".join(values.get(part, part) for part in parts)


def write_amend_delivery(
    path: Path,
    records: int,
    seed: int = BENCH_SEED,
    *,
    publication_date: dt.date = BENCH_DATE,
    zip: bool = True,
    compresslevel: int = 1,
) -> BenchDeliveryInfo:
    """Stream one delivery-sized Amend file of ``records`` records to ``path``.

    ``zip=True`` writes a zip holding one EP-style member (``Root/DOC/...-EP-0001.xml``);
    ``zip=False`` writes that member as a plain XML file. Records are rendered and written one
    batch at a time, so memory stays flat for 365,000 records (~1 GB of XML); deflate level 1
    keeps bench setup fast.
    """
    _check_weekday(AMEND, publication_date)
    if records < 1:
        raise SampleGenError(f"records must be at least 1, not {records}")
    path.parent.mkdir(parents=True, exist_ok=True)
    member = member_name(AMEND, publication_date, "EP", 1)
    exchange = exchange_date_for(publication_date)
    digest = hashlib.sha256()
    size = 0

    def emit(stream: BinaryIO, data: bytes) -> None:
        nonlocal size
        stream.write(data)
        digest.update(data)
        size += len(data)

    def body(stream: BinaryIO) -> None:
        pieces = _bench_records(records, seed, publication_date)
        emit(stream, file_head(member, exchange, records).encode("utf-8") + next(pieces))
        batch: list[bytes] = []
        for record in pieces:
            batch.append(record)
            if len(batch) == 500:
                emit(stream, b"\n    " + b"\n    ".join(batch))
                batch.clear()
        if batch:
            emit(stream, b"\n    " + b"\n    ".join(batch))
        emit(stream, b"\n" + FILE_TAIL.encode("ascii"))

    if zip:
        with zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as zf:
            info = _zip_info(member, publication_date, compresslevel)
            with zf.open(info, "w", force_zip64=True) as stream:
                body(stream)
    else:
        with path.open("wb") as stream:
            body(stream)
    return BenchDeliveryInfo(path, member, records, size, digest.hexdigest())
