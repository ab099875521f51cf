"""Synthetic EP Register and INPADOC answers for the demo docket (``data/events``).

``python -m patent_sync.samplegen.ep_events --out data/events`` writes, for each EP matter,
the two files the EP watchlist sync (``eventsync.epo_ops``) writes for an application it
fetched from EPO Open Patent Services, with the same names and in the same wire shape:

* ``EP-<n>-register.xml``: the answer to
  ``register/application/epodoc/EP<n>/biblio,events,procedural-steps``. One line, as OPS sends
  it: the ``ns2:world-patent-data`` envelope with ``ns2:register-search``, the query echoed as
  CQL and one ``ns3:register-document`` (namespace ``http://www.epo.org/register``) holding
  the status history, the bibliographic data, the procedural steps and one ``events-data`` per
  dossier event, newest first, the order of the recorded EP 2400812 answers.
* ``EP-<n>-inpadoc.xml``: the answer to ``legal/application/epodoc/EP<n>``. Indented, as OPS
  sends it: ``ops:patent-family legal="true"`` with the application's family member, whose
  ``ops:legal`` events carry the 4-character padded code, ``desc``, ``infl``, the fixed-width
  ``ops:pre`` lines and the coded fields ``L001EP``..``L5xxEP``.

Only the recorded answers for publication numbers were available to copy, so two details of
an answer to an *application* request are inferred: the echoed query reads
``application=EP<n>`` (the recorded ``publication=EP2400812`` is ``<reference type>=<number>``)
and the legal answer names the application's A1 publication in ``ops:publication-reference``.

Every matter is invented: applicants, inventors, representatives, titles and the family are
made up, and the application and publication numbers were only picked from plausible series
for their dates (a real application with the same number is unrelated). The recipes are fixed
data, not random, so the output is identical byte for byte on every run. Bulletin dates are
Wednesdays and their issue numbers (``2026/19``) are computed from the date, as the Bulletin
numbers them. ``MATTERS`` says what each matter demonstrates (``data/README.md`` repeats it).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

# --- the recipe vocabulary -----------------------------------------------------------------------

#: EPC contracting states designated by a direct filing before Montenegro's accession
#: (1 October 2022), and from then on.
STATES_2022: tuple[str, ...] = (
    "AL", "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR",
    "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MK", "MT", "NL", "NO", "PL",
    "PT", "RO", "RS", "SE", "SI", "SK", "SM", "TR",
)  # fmt: skip
STATES_FROM_2022_10 = tuple(sorted((*STATES_2022, "ME")))
#: Member states in which a unitary effect registered in 2026 takes effect.
UNITARY_STATES: tuple[str, ...] = (
    "AT", "BE", "BG", "DE", "DK", "EE", "FI", "FR", "IT", "LT", "LU", "LV", "MT", "NL", "PT",
    "RO", "SE", "SI",
)  # fmt: skip

#: Register dossier-event texts, as the Register words them (``event-text``).
EVENT_TEXTS: dict[str, str] = {
    "0009012": "Publication in section I.1 EP Bulletin",
    "0009171": "Request for examination filed",
    "0009185": "First examination report",
    "0009210": "(Expected) grant",
    "0009250": "Lapse of the patent in a contracting state",
    "EPIDOS ABEX": "Amendment by applicant",
    "EPIDOSNRFE2": "New entry: Renewal fee paid",
    "EPIDOSNEXR2": "New entry: Despatch of examination report + time limit",
    "EPIDOSNEXR3": "New entry: Reply to examination report",
    "EPIDOSNIGR1": "New entry: Communication of intention to grant a patent",
    "EPIDOSNIGR3": "New entry: Payment of fee for grant",
    "EPIDOSNIGR5": "New entry: Payment of fee for publishing/printing",
    "EPIDOSNIGR7": "New entry: Receipt of the translation of the claim(s)",
}

#: Register status codes and their text (``ep-patent-status``).
STATUS_TEXTS: dict[int, str] = {
    7: "No opposition filed within time limit",
    8: "The patent has been granted",
    12: "Grant of patent is intended",
    14: "Examination is in progress",
}

#: INPADOC legal event codes: (``desc``, ``infl``) as OPS writes them.
LEGAL_CODES: dict[str, tuple[str, str]] = {
    "AK": ("DESIGNATED CONTRACTING STATES", "+"),
    "AKX": ("DESIGNATION FEES PAID", "+"),
    "17P": ("REQUEST FOR EXAMINATION FILED", "+"),
    "17Q": ("FIRST EXAMINATION REPORT DESPATCHED", "+"),
    "GRAP": ("DESPATCH OF COMMUNICATION OF INTENTION TO GRANT A PATENT", "+"),
    "INTG": ("INTENTION TO GRANT ANNOUNCED", "+"),
    "GRAS": ("GRANT FEE PAID", "+"),
    "GRAA": ("(EXPECTED) GRANT", "+"),
    "STAA": ("INFORMATION ON THE STATUS OF AN EP PATENT APPLICATION OR GRANTED EP PATENT", " "),
    "REG": ("REFERENCE TO A NATIONAL CODE", " "),
    "U01": ("REQUEST FOR UNITARY EFFECT FILED", "+"),
    "U07": ("UNITARY EFFECT REGISTERED", "+"),
    "PGFP": (
        "ANNUAL FEE PAID TO NATIONAL OFFICE  [ANNOUNCED VIA POSTGRANT INFORMATION FROM "
        "NATIONAL OFFICE TO EPO]",
        "+",
    ),
    "PG25": (
        "LAPSED IN A CONTRACTING STATE [ANNOUNCED VIA POSTGRANT INFORMATION FROM NATIONAL "
        "OFFICE TO EPO]",
        "-",
    ),
}

#: The coded fields of an ``ops:legal`` event's ``L500EP`` group: their ``desc``.
LEGAL_FIELDS: dict[str, str] = {
    "L501EP": "Ref Country Code",
    "L502EP": "Ref Legal Event Code",
    "L506EP": "Kind Code of Ref Document",
    "L507EP": "Designated State(s)",
    "L510EP": "Free Format Text",
    "L518EP": "Payment DATE",
    "L520EP": "Year of Fee Payment",
    "L525EP": "Effective DATE",
}

_NAMESPACES = (
    'xmlns:ns6="http://www.epo.org/cpcdefinition" xmlns:ns5="http://www.epo.org/cpcexport" '
    'xmlns:ns2="http://ops.epo.org" xmlns:ns4="http://www.w3.org/1999/xlink" '
    'xmlns:ns3="http://www.epo.org/register"'
)
_REGISTER_HEAD = (
    '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
    "<?xml-stylesheet type='text/xsl' href='../../../../../style/rplus.xsl' ?>"
)
_LEGAL_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<?xml-stylesheet type="text/xsl" href="../../../../style/legal.xsl"?>\n'
    '<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org" '
    'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
)
#: The day the Register produced the demo answers (``date-produced``); no event is later.
DATE_PRODUCED = dt.date(2026, 11, 27)


def d(text: str) -> dt.date:
    """An ISO date of a recipe."""
    return dt.date.fromisoformat(text)


def bulletin_number(day: dt.date) -> str:
    """The European Patent Bulletin issue of ``day`` (``2026/19``): issues appear on Wednesdays,
    numbered from the first Wednesday of the year."""
    if day.weekday() != 2:
        raise ValueError(f"{day} is not a Wednesday: the European Patent Bulletin has no issue")
    first = dt.date(day.year, 1, 1)
    first += dt.timedelta(days=(2 - first.weekday()) % 7)
    return f"{day.year}/{(day - first).days // 7 + 1:02d}"


@dataclasses.dataclass(frozen=True)
class Party:
    """An applicant, inventor or representative as the Register lists it."""

    name: str
    address: tuple[str, ...]
    country: str
    cdsid: str = ""  # the Register's party id; inventors have none


@dataclasses.dataclass(frozen=True)
class Step:
    """One procedural step (``procedural-step``)."""

    code: str
    description: str
    dates: tuple[tuple[str, dt.date], ...]  # (step-date-type, date)
    texts: tuple[tuple[str, str], ...] = ()  # further (step-text-type, text)
    time_limit_months: int | None = None
    phase: str = "examination"


def renewal(year: int, paid: str) -> Step:
    """The payment of the renewal fee for ``year`` (``RFEE``)."""
    return Step(
        "RFEE",
        "Renewal fee payment",
        (("DATE_OF_PAYMENT", d(paid)),),
        (("YEAR", f"{year:02d}"),),
        phase="undefined",
    )


def amendments(requested: str) -> Step:
    return Step(
        "ABEX",
        "Amendments",
        (("DATE_OF_REQUEST", d(requested)),),
        (("Kind of amendment", "(claims and/or description)"),),
    )


def communication(dispatched: str, months: int, replied: str | None = None) -> Step:
    """A communication from the examining division with its time limit (``EXRE``)."""
    dates = [("DATE_OF_DISPATCH", d(dispatched))]
    if replied is not None:
        dates.append(("DATE_OF_REPLY", d(replied)))
    return Step(
        "EXRE",
        "Communication from the examining division",
        tuple(dates),
        time_limit_months=months,
    )


def first_communication(application: str, dispatched: str) -> Step:
    """The first communication's date as the divisional-filing record keeps it (``DDIV``)."""
    return Step(
        "DDIV",
        "First communication from the examining division",
        (("DATE_OF_DISPATCH", d(dispatched)),),
        (("APPLICATION_NUMBER", application),),
    )


def intention_to_grant(dispatched: str, replied: str | None = None) -> Step:
    """The Rule 71(3) communication (``IGRA``); ``replied``: fees paid, translations filed."""
    dates = [("DATE_OF_DISPATCH", d(dispatched))]
    if replied is not None:
        dates += [(kind, d(replied)) for kind in ("GRANT_FEE_PAID", "PRINT_FEE_PAID")]
        dates.append(("TRANSLATION_CLAIMS", d(replied)))
    return Step("IGRA", "Intention to grant the patent", tuple(dates))


@dataclasses.dataclass(frozen=True)
class Dossier:
    """One dossier event: the day the Register recorded it and its Bulletin mention, if any."""

    code: str
    recorded: dt.date
    bulletin: dt.date | None = None


def dossier(code: str, recorded: str, bulletin: str | None = None) -> Dossier:
    if code not in EVENT_TEXTS:
        raise ValueError(f"no Register event text for {code!r}")
    return Dossier(code, d(recorded), d(bulletin) if bulletin else None)


@dataclasses.dataclass(frozen=True)
class Legal:
    """One INPADOC legal event: code, Gazette date (``L007EP``) and its ``L500EP`` fields."""

    code: str
    gazette: dt.date
    fields: tuple[tuple[str, str], ...]  # (L5xxEP, value), in the order OPS writes them
    document_type: bool = False  # L006EP "PRS DOCUMENT TYPE": on post-grant national events


def legal(code: str, gazette: str, *fields: tuple[str, str], document_type: bool = False) -> Legal:
    if code not in LEGAL_CODES:
        raise ValueError(f"no INPADOC description for {code!r}")
    unknown = [f for f, _ in fields if f not in LEGAL_FIELDS]
    if unknown:
        raise ValueError(f"{code}: no description for fields {unknown}")
    return Legal(code, d(gazette), tuple(fields), document_type)


def effective(day: str) -> tuple[str, str]:
    return ("L525EP", day.replace("-", ""))


def original_code(code: str) -> tuple[str, str]:
    return ("L510EP", f"ORIGINAL CODE: {code}")


def states(codes: Sequence[str]) -> tuple[str, str]:
    return ("L507EP", " ".join(codes))


@dataclasses.dataclass(frozen=True)
class EpMatterRecipe:
    """One fictional European application, its Register file and its INPADOC legal events."""

    application_number: str
    demonstrates: str
    filed: dt.date
    publication_number: str
    a1_published: dt.date  # with the search report (A1): the search report mention
    titles: tuple[tuple[str, str], ...]  # (lang, title): de, en, fr
    ipc: str
    applicant: Party
    inventors: tuple[Party, ...]
    representative: Party
    designated: tuple[str, ...]
    examination_requested: dt.date
    statuses: tuple[tuple[int, dt.date], ...]  # (status code, change date), oldest first
    steps: tuple[Step, ...]
    events: tuple[Dossier, ...]
    legal_events: tuple[Legal, ...]
    family_id: str
    family_size: int
    ids: int  # base of the Register's and INPADOC's internal ids for this matter
    b1_published: dt.date | None = None  # the mention of grant
    lapses: tuple[tuple[str, dt.date, dt.date], ...] = ()  # (country, lapse, Register change)

    @property
    def register_file_name(self) -> str:
        return f"EP-{self.application_number}-register.xml"

    @property
    def inpadoc_file_name(self) -> str:
        return f"EP-{self.application_number}-inpadoc.xml"

    @property
    def first_communication(self) -> dt.date | None:
        dispatches = [
            day
            for step in self.steps
            if step.code == "EXRE"
            for kind, day in step.dates
            if kind == "DATE_OF_DISPATCH"
        ]
        return min(dispatches, default=None)


# --- the matters ---------------------------------------------------------------------------------

MATTERS: tuple[EpMatterRecipe, ...] = (
    EpMatterRecipe(
        application_number="23173518",
        demonstrates=(
            "examination: the examining division's first communication (Art. 94(3)) dispatched "
            "2026-09-16 with a 4-month time limit is open (due 2027-01-18); renewal fees for "
            "years 3 and 4 paid, year 5 open (due 2027-05-31); the examination request, "
            "designation fee and search-opinion reply entries are closed"
        ),
        filed=d("2023-05-17"),
        publication_number="4446203",
        a1_published=d("2024-11-20"),
        titles=(
            ("de", "Faseroptischer Dehnungssensor mit temperaturkompensierten Bragg-Gittern"),
            ("en", "Fibre-optic strain sensor with temperature-compensated Bragg gratings"),
            (
                "fr",
                "Capteur de déformation à fibre optique avec réseaux de Bragg compensés en "
                "température",
            ),
        ),
        ipc="G01L1/24",
        applicant=Party(
            "Lindqvist Aerospace Sensors AB",
            ("Teknikringen 14", "583 30 Linköping"),
            "SE",
            "0102277310",
        ),
        inventors=(
            Party("Lindqvist, Sofia", ("Ågatan 3", "582 22, Linköping"), "SE"),
            Party("Öberg, Mattias", ("Storgatan 41", "602 20, Norrköping"), "SE"),
        ),
        representative=Party(
            "Bergström & Falk Patentbyrå AB",
            ("Box 5117", "102 43 Stockholm"),
            "SE",
            "0102068845",
        ),
        designated=tuple(STATES_FROM_2022_10),
        examination_requested=d("2025-05-06"),
        statuses=((14, d("2026-09-18")),),
        steps=(
            renewal(3, "2025-05-12"),
            renewal(4, "2026-05-11"),
            amendments("2025-05-06"),
            communication("2026-09-16", 4),
            first_communication("23173518", "2026-09-16"),
        ),
        events=(
            dossier("0009012", "2024-11-20", "2024-11-20"),
            dossier("EPIDOS ABEX", "2025-05-07"),
            dossier("0009171", "2025-05-09", "2025-06-11"),
            dossier("EPIDOSNRFE2", "2025-05-14"),
            dossier("EPIDOSNRFE2", "2026-05-13"),
            dossier("EPIDOSNEXR2", "2026-09-17"),
            dossier("0009185", "2026-09-18"),
        ),
        legal_events=(
            legal("AK", "2024-11-20", ("L506EP", "A1"), states(STATES_FROM_2022_10)),
            legal("17P", "2025-06-11", effective("2025-05-06")),
            legal("AKX", "2025-06-11", states(STATES_FROM_2022_10)),
            legal("17Q", "2026-10-21", effective("2026-09-16")),
        ),
        family_id="88104215",
        family_size=3,
        ids=61_480_000,
    ),
    EpMatterRecipe(
        application_number="22156384",
        demonstrates=(
            "intention to grant: the Rule 71(3) communication dispatched 2026-10-22 is open "
            "(4 months, not extendable: due 2027-02-22); the one communication of examination "
            "was answered (closed); renewal fees for years 3 to 5 paid, year 6 open (due "
            "2027-03-01)"
        ),
        filed=d("2022-02-09"),
        publication_number="4231558",
        a1_published=d("2023-08-16"),
        titles=(
            ("de", "Katheteransatz mit selbstdichtendem Septum und Spülanzeige"),
            ("en", "Catheter hub with a self-sealing septum and a flush indicator"),
            (
                "fr",
                "Embase de cathéter comportant un septum auto-obturant et un indicateur de rinçage",
            ),
        ),
        ipc="A61M39/06",
        applicant=Party(
            "Vásquez Medical Devices S.L.",
            ("Calle de Alcalá 214", "28028 Madrid"),
            "ES",
            "0101995402",
        ),
        inventors=(
            Party("Vásquez Ortega, Lucía", ("Calle de Goya 12", "28001, Madrid"), "ES"),
            Party("Brenner, Tobias", ("Rosenheimer Straße 30", "81669, München"), "DE"),
        ),
        representative=Party(
            "Hoffmann Kreuz Patentanwälte PartG mbB",
            ("Leopoldstraße 88", "80802 München"),
            "DE",
            "0101870276",
        ),
        designated=tuple(STATES_2022),
        examination_requested=d("2024-01-25"),
        statuses=((14, d("2024-10-10")), (12, d("2026-10-23"))),
        steps=(
            renewal(3, "2024-02-14"),
            renewal(4, "2025-02-11"),
            renewal(5, "2026-02-10"),
            amendments("2024-01-25"),
            communication("2024-10-08", 4, replied="2025-02-05"),
            intention_to_grant("2026-10-22"),
            first_communication("22156384", "2024-10-08"),
        ),
        events=(
            dossier("0009012", "2023-08-16", "2023-08-16"),
            dossier("EPIDOS ABEX", "2024-01-26"),
            dossier("0009171", "2024-01-31", "2024-02-28"),
            dossier("EPIDOSNRFE2", "2024-02-16"),
            dossier("EPIDOSNEXR2", "2024-10-09"),
            dossier("0009185", "2024-10-10"),
            dossier("EPIDOSNEXR3", "2025-02-06"),
            dossier("EPIDOSNRFE2", "2025-02-13"),
            dossier("EPIDOSNRFE2", "2026-02-12"),
            dossier("EPIDOSNIGR1", "2026-10-23"),
        ),
        legal_events=(
            legal("AK", "2023-08-16", ("L506EP", "A1"), states(STATES_2022)),
            legal("17P", "2024-02-28", effective("2024-01-25")),
            legal("AKX", "2024-02-28", states(STATES_2022)),
            legal("17Q", "2024-11-13", effective("2024-10-08")),
            legal("GRAP", "2026-10-22", original_code("EPIDOSNIGR1")),
            legal("INTG", "2026-11-18", effective("2026-10-22")),
        ),
        family_id="85390417",
        family_size=4,
        ids=58_230_000,
    ),
    EpMatterRecipe(
        application_number="22195730",
        demonstrates=(
            "granted: mention of grant in Bulletin 2026/19 (2026-05-13) opens the opposition "
            "period (9 months: due 2027-02-15, open) and the request for unitary effect (1 "
            "month), closed by the request filed 2026-05-29 (INPADOC U01, then U07); renewal "
            "fees for years 3 and 4 paid to the EPO, later years go to the national offices "
            "(closed at grant); INPADOC reports the GB annual fee for year 5 and the lapse in "
            "TR (no translation filed)"
        ),
        filed=d("2022-09-14"),
        publication_number="4344871",
        a1_published=d("2024-03-20"),
        titles=(
            ("de", "Greiferfinger mit adaptivem Reibbelag zur Handhabung verformbarer Teile"),
            ("en", "Gripper finger with an adaptive friction pad for handling deformable parts"),
            (
                "fr",
                "Doigt de préhension avec un patin de friction adaptatif pour la manipulation "
                "de pièces déformables",
            ),
        ),
        ipc="B25J15/08",
        applicant=Party(
            "Aurelian Robotics GmbH",
            ("Am Technologiepark 7", "44227 Dortmund"),
            "DE",
            "0102143987",
        ),
        inventors=(
            Party("Keller, Jonas", ("Hohe Straße 19", "44139, Dortmund"), "DE"),
            Party("Moreau, Camille", ("12 rue des Tanneurs", "67000, Strasbourg"), "FR"),
        ),
        representative=Party(
            "Richter & Lang Patentanwälte",
            ("Königsallee 61", "40215 Düsseldorf"),
            "DE",
            "0101754129",
        ),
        designated=tuple(STATES_2022),
        examination_requested=d("2024-07-03"),
        statuses=((14, d("2025-02-14")), (12, d("2025-12-04")), (8, d("2026-04-10"))),
        steps=(
            renewal(3, "2024-09-10"),
            renewal(4, "2025-09-09"),
            amendments("2024-07-03"),
            communication("2025-02-12", 4, replied="2025-06-10"),
            intention_to_grant("2025-12-03", replied="2026-03-24"),
            first_communication("22195730", "2025-02-12"),
        ),
        events=(
            dossier("0009012", "2024-03-20", "2024-03-20"),
            dossier("EPIDOS ABEX", "2024-07-04"),
            dossier("0009171", "2024-07-12", "2024-08-07"),
            dossier("EPIDOSNRFE2", "2024-09-12"),
            dossier("EPIDOSNEXR2", "2025-02-13"),
            dossier("0009185", "2025-02-14"),
            dossier("EPIDOSNEXR3", "2025-06-11"),
            dossier("EPIDOSNRFE2", "2025-09-11"),
            dossier("EPIDOSNIGR1", "2025-12-04"),
            dossier("EPIDOSNIGR7", "2026-03-25"),
            dossier("EPIDOSNIGR3", "2026-03-26"),
            dossier("EPIDOSNIGR5", "2026-03-26"),
            dossier("0009210", "2026-04-10", "2026-05-13"),
            dossier("0009250", "2026-10-23", "2026-10-28"),
        ),
        legal_events=(
            legal("AK", "2024-03-20", ("L506EP", "A1"), states(STATES_2022)),
            legal("17P", "2024-08-07", effective("2024-07-03")),
            legal("AKX", "2024-08-07", states(STATES_2022)),
            legal("17Q", "2025-03-19", effective("2025-02-12")),
            legal("GRAP", "2025-12-03", original_code("EPIDOSNIGR1")),
            legal("INTG", "2025-12-31", effective("2025-12-03")),
            legal("GRAS", "2026-03-26", original_code("EPIDOSNIGR3")),
            legal("GRAA", "2026-04-10", original_code("0009210")),
            legal("STAA", "2026-04-10", ("L510EP", "STATUS: THE PATENT HAS BEEN GRANTED")),
            legal("AK", "2026-05-13", ("L506EP", "B1"), states(STATES_2022)),
            legal("REG", "2026-05-13", ("L501EP", "GB"), ("L502EP", "FG4D")),
            legal("U01", "2026-06-03", effective("2026-05-29")),
            legal("U07", "2026-06-10", states(UNITARY_STATES), effective("2026-05-13")),
            legal(
                "PGFP",
                "2026-10-09",
                ("L501EP", "GB"),
                ("L518EP", "20260922"),
                ("L520EP", "5"),
                document_type=True,
            ),
            legal(
                "PG25",
                "2026-10-28",
                ("L501EP", "TR"),
                (
                    "L510EP",
                    "LAPSE BECAUSE OF FAILURE TO SUBMIT A TRANSLATION OF THE DESCRIPTION OR TO "
                    "PAY THE FEE WITHIN THE PRESCRIBED TIME-LIMIT",
                ),
                effective("2026-05-13"),
            ),
        ),
        family_id="87215593",
        family_size=5,
        ids=60_114_000,
        b1_published=d("2026-05-13"),
        lapses=(("TR", d("2026-05-13"), d("2026-10-23")),),
    ),
)

#: ``descData`` of a national code in a ``REG`` event (``L502EP``), as OPS gives it.
_NATIONAL_CODES = {"FG4D": "EUROPEAN PATENT GRANTED"}


# --- the EP Register answer ----------------------------------------------------------------------


def _x(text: str) -> str:
    return escape(text)


def _a(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _ymd(day: dt.date) -> str:
    return f"{day:%Y%m%d}"


def _el(name: str, content: str = "", **attributes: str) -> str:
    """``<ns3:name attr="…">content</ns3:name>`` (attributes in the given order; a trailing
    ``_`` is dropped and ``_`` becomes ``-`` in names)."""
    attrs = "".join(f' {k.rstrip("_").replace("_", "-")}="{_a(v)}"' for k, v in attributes.items())
    return f"<ns3:{name}{attrs}>{content}</ns3:{name}>"


def _gazette(day: dt.date) -> dict[str, str]:
    return {"change_gazette_num": bulletin_number(day)}


def _changed(day: dt.date) -> dict[str, str]:
    return {"change_date": _ymd(day), "change_gazette_num": bulletin_number(day)}


def _document_id(number: str, kind: str | None, day: dt.date | None, *, lang: bool) -> str:
    inner = _el("country", "EP") + _el("doc-number", number)
    if kind:
        inner += _el("kind", kind)
    if day is not None:
        inner += _el("date", _ymd(day))
    return _el("document-id", inner, lang="en") if lang else _el("document-id", inner)


def _address(party: Party) -> str:
    lines = "".join(_el(f"address-{i}", _x(line)) for i, line in enumerate(party.address, 1))
    return _el("address", lines + _el("country", party.country))


def _addressbook(party: Party) -> str:
    content = _el("name", _x(party.name)) + _address(party)
    if party.cdsid:
        return _el("addressbook", content, cdsid=party.cdsid)
    return _el("addressbook", content)


def _parties(m: EpMatterRecipe) -> str:
    published = _changed(m.a1_published)
    applicant = _el(
        "applicant",
        _addressbook(m.applicant)
        + _el("nationality", _el("country"))
        + _el("residence", _el("country")),
        app_type="applicant",
        designation="all",
        sequence="1",
    )
    inventors = "".join(
        _el("inventor", _addressbook(p), sequence=f"{i:02d}") for i, p in enumerate(m.inventors, 1)
    )
    agent = _el("agent", _addressbook(m.representative), rep_type="agent", sequence="1")
    return _el(
        "parties",
        _el("applicants", applicant, **published)
        + _el("inventors", inventors, **published)
        + _el("agents", agent, **published),
    )


def _biblio(m: EpMatterRecipe, status: str) -> str:
    out = [
        _el(
            "publication-reference",
            _document_id(m.publication_number, "A1", m.a1_published, lang=True),
            **_gazette(m.a1_published),
        )
    ]
    if m.b1_published is not None:
        out.append(
            _el(
                "publication-reference",
                _document_id(m.publication_number, "B1", m.b1_published, lang=True),
                **_gazette(m.b1_published),
            )
        )
    out.append(
        _el(
            "classifications-ipcr",
            _el("classification-ipcr", _el("text", m.ipc), id=f"CLASSIFICATION_{m.ids + 1}"),
            **_changed(m.a1_published),
        )
    )
    out.append(
        _el(
            "application-reference",
            _document_id(m.application_number, None, m.filed, lang=False),
            **_gazette(m.a1_published),
        )
    )
    out.append(_el("language-of-filing", "en"))
    out.append(_parties(m))
    regional = _el("region", _el("country", "EP")) + "".join(
        _el("country", c) for c in m.designated
    )
    out.append(
        _el(
            "designation-of-states",
            _el("designation-pct", _el("regional", regional)),
            **_changed(m.a1_published),
        )
    )
    out += [
        _el("invention-title", _x(title), lang=lang, **_changed(m.a1_published))
        for lang, title in m.titles
    ]
    for country, lapsed, changed in m.lapses:
        lapse = _el("lapsed-in-country", _el("country", country) + _el("date", _ymd(lapsed)))
        out.append(
            _el(
                "term-of-grant",
                lapse,
                change_date=_ymd(changed),
                **_gazette(_next_wednesday(changed)),
            )
        )
    mentioned = [e.bulletin for e in m.events if e.code == "0009171" and e.bulletin]
    rights = _el(
        "request-for-examination",
        _el("date", _ymd(m.examination_requested)),
        **(_gazette(mentioned[0]) if mentioned else {}),
    )
    if m.first_communication is not None:
        rights += _el(
            "first-examination-report-despatched", _el("date", _ymd(m.first_communication))
        )
    out.append(_el("dates-rights-effective", rights))
    report = _el(
        "search-report-publication",
        _document_id(m.publication_number, "A1", m.a1_published, lang=True),
    )
    out.append(
        _el(
            "search-reports-information",
            _el(
                "search-report-information",
                report,
                office="EP",
                search_type="national",
                declaration_of_no_search="not-determined",
                **_gazette(m.a1_published),
            ),
        )
    )
    return _el(
        "bibliographic-data",
        "".join(out),
        country="EP",
        id=f"EP{m.application_number}P",
        lang="en",
        status=status,
    )


def _next_wednesday(day: dt.date) -> dt.date:
    """The first Bulletin issue on or after ``day``."""
    return day + dt.timedelta(days=(2 - day.weekday()) % 7)


def _step(step: Step, step_id: str) -> str:
    out = [_el("procedural-step-code", step.code)]
    out.append(_el("procedural-step-text", _x(step.description), step_text_type="STEP_DESCRIPTION"))
    out += [_el("procedural-step-text", _x(text), step_text_type=kind) for kind, text in step.texts]
    out += [
        _el("procedural-step-date", _el("date", _ymd(day)), step_date_type=kind)
        for kind, day in step.dates
    ]
    if step.time_limit_months is not None:
        out.append(_el("time-limit", f"{step.time_limit_months:02d}", time_limit_unit="months"))
    return _el("procedural-step", "".join(out), id=step_id, procedure_step_phase=step.phase)


def _steps(m: EpMatterRecipe) -> str:
    # Renewal payments first (by year), then the other steps, as the recorded answer lists them.
    renewals = [s for s in m.steps if s.code == "RFEE"]
    others = [s for s in m.steps if s.code != "RFEE"]
    out = [_step(s, f"RENEWAL_{m.ids + 100 + i}") for i, s in enumerate(renewals)]
    out += [_step(s, f"STEP_{s.code}_{m.ids + 200 + i}") for i, s in enumerate(others)]
    return _el("procedural-data", "".join(out))


def _dossier_events(m: EpMatterRecipe) -> str:
    newest_first = sorted(m.events, key=lambda e: e.recorded, reverse=True)  # stable
    out = []
    for i, event in enumerate(newest_first):
        content = _el("event-date", _el("date", _ymd(event.recorded)))
        content += _el("event-code", event.code)
        content += _el("event-text", _x(EVENT_TEXTS[event.code]), event_text_type="DESCRIPTION")
        if event.bulletin is not None:
            content += _el(
                "gazette-reference",
                _el("gazette-num", bulletin_number(event.bulletin))
                + _el("date", _ymd(event.bulletin)),
            )
        dossier_event = _el("dossier-event", content, id=f"EVT_{m.ids + 500 + i}", event_type="new")
        out.append(_el("events-data", dossier_event))
    return "".join(out)


def register_answer(m: EpMatterRecipe) -> bytes:
    """The OPS answer to ``register/application/epodoc/EP<n>/biblio,events,procedural-steps``."""
    _check_dates(m)
    history = sorted(m.statuses, key=lambda s: s[1], reverse=True)
    status = STATUS_TEXTS[history[0][0]]
    statuses = "".join(
        _el("ep-patent-status", STATUS_TEXTS[code], change_date=_ymd(day), status_code=str(code))
        for code, day in history
    )
    document = _el(
        "register-document",
        _el("ep-patent-statuses", statuses) + _biblio(m, status) + _steps(m) + _dossier_events(m),
        date_produced=_ymd(DATE_PRODUCED),
        dtd_version="1.3.3",
        lang="en",
        produced_by="RO",
        status=status,
    )
    text = (
        f"{_REGISTER_HEAD}<ns2:world-patent-data {_NAMESPACES}>"
        '<ns2:register-search total-result-count="1">'
        f'<ns2:query syntax="CQL">application=EP{m.application_number}</ns2:query>'
        '<ns2:range begin="1" end="1"/>'
        f'<ns3:register-documents produced-by="RO">{document}</ns3:register-documents>'
        "</ns2:register-search></ns2:world-patent-data>"
    )
    return text.encode("utf-8")


# --- the INPADOC legal answer --------------------------------------------------------------------


def _legal_event(m: EpMatterRecipe, event: Legal) -> list[str]:
    desc, infl = LEGAL_CODES[event.code]
    code = f"{event.code:<4}"
    gazette = event.gazette.isoformat()
    prefix = f"{'EP':<6}{m.application_number}{'A':<3}{gazette}{code}{infl}{desc}"
    pre = [f"{prefix} {LEGAL_FIELDS[field]} {value}" for field, value in event.fields]
    lines = [
        f'<ops:legal code="{code}" desc="{_a(desc)}" infl="{infl}" dateMigr="00010101">',
        *(f'    <ops:pre line="{i:05d}">{_x(text)}</ops:pre>' for i, text in enumerate(pre, 1)),
        '    <ops:L001EP desc="Country Code">EP</ops:L001EP>',
        '    <ops:L002EP desc="Filing / Published Document">F</ops:L002EP>',
        f'    <ops:L003EP desc="Document Number">{m.application_number:>12}</ops:L003EP>',
        '    <ops:L004EP desc="Kind Code">A </ops:L004EP>',
        '    <ops:L005EP desc="IPR Type">PI</ops:L005EP>',
    ]
    if event.document_type:
        lines.append('    <ops:L006EP desc="PRS DOCUMENT TYPE">A </ops:L006EP>')
    lines += [
        f'    <ops:L007EP desc="Gazette DATE">{gazette}</ops:L007EP>',
        f'    <ops:L008EP desc="Legal Event Code 1">{event.code}</ops:L008EP>',
        # Exchange bookkeeping: first created the day after the Gazette, last exchanged 3 days.
        '    <ops:L018EP desc="DATE last exchanged">'
        f"{(event.gazette + dt.timedelta(days=3)).isoformat()}</ops:L018EP>",
        '    <ops:L019EP desc="DATE first created">'
        f"{(event.gazette + dt.timedelta(days=1)).isoformat()}</ops:L019EP>",
        "    <ops:L500EP>",
    ]
    for field, value in event.fields:
        extra = ""
        if field == "L502EP":
            extra = f' descData="{_a(_NATIONAL_CODES[value])}" infl="+"'
        lines.append(
            f'        <ops:{field} desc="{LEGAL_FIELDS[field]}"{extra}>{_x(value)}</ops:{field}>'
        )
    lines += ["    </ops:L500EP>", "</ops:legal>"]
    return lines


def inpadoc_answer(m: EpMatterRecipe) -> bytes:
    """The OPS answer to ``legal/application/epodoc/EP<n>``: the family member's legal events,
    oldest first."""
    _check_dates(m)
    a1 = _ymd(m.a1_published)
    filed = _ymd(m.filed)
    member = [
        "<publication-reference>",
        '    <document-id document-id-type="docdb">',
        "        <country>EP</country>",
        f"        <doc-number>{m.publication_number}</doc-number>",
        "        <kind>A1</kind>",
        f"        <date>{a1}</date>",
        "    </document-id>",
        '    <document-id document-id-type="epodoc">',
        f"        <doc-number>EP{m.publication_number}</doc-number>",
        f"        <date>{a1}</date>",
        "    </document-id>",
        "</publication-reference>",
        f'<application-reference doc-id="{m.ids + 900}" is-representative="YES">',
        '    <document-id document-id-type="docdb">',
        "        <country>EP</country>",
        f"        <doc-number>{m.application_number}</doc-number>",
        "        <kind>A</kind>",
        f"        <date>{filed}</date>",
        "    </document-id>",
        "</application-reference>",
        '<priority-claim sequence="1" kind="regional">',
        '    <document-id document-id-type="docdb">',
        "        <country>EP</country>",
        f"        <doc-number>{m.application_number}</doc-number>",
        "        <kind>A</kind>",
        f"        <date>{filed}</date>",
        "    </document-id>",
        "    <priority-active-indicator>YES</priority-active-indicator>",
        "</priority-claim>",
    ]
    for event in sorted(m.legal_events, key=lambda e: e.gazette):  # stable: same day keeps order
        member += _legal_event(m, event)
    lines = [
        f'<ops:patent-family legal="true" total-result-count="{m.family_size}">',
        "    <ops:publication-reference>",
        '        <document-id document-id-type="docdb">',
        "            <country>EP</country>",
        f"            <doc-number>{m.publication_number}</doc-number>",
        "            <kind>A1</kind>",
        "        </document-id>",
        "    </ops:publication-reference>",
        f'    <ops:family-member family-id="{m.family_id}">',
        *(f"        {line}" for line in member),
        "    </ops:family-member>",
        "</ops:patent-family>",
    ]
    body = "".join(f"    {line}\n" for line in lines)
    return (_LEGAL_HEAD + body + "</ops:world-patent-data>").encode("utf-8")


# --- checks, files, command line -----------------------------------------------------------------


def _check_dates(m: EpMatterRecipe) -> None:
    """A recipe must be possible: nothing after the day the answers were produced, Bulletin
    mentions on Wednesdays (``bulletin_number`` refuses other days)."""
    days = [m.filed, m.a1_published, m.examination_requested]
    days += [day for _, day in m.statuses]
    days += [day for step in m.steps for _, day in step.dates]
    days += [e.recorded for e in m.events] + [e.gazette for e in m.legal_events]
    days += [e.bulletin for e in m.events if e.bulletin is not None]
    late = [day for day in days if day > DATE_PRODUCED]
    if late:
        raise ValueError(f"EP {m.application_number}: dates after {DATE_PRODUCED}: {late}")
    for day in (m.a1_published, m.b1_published):
        if day is not None:
            bulletin_number(day)


def write_ep_event_files(out: Path, matters: Sequence[EpMatterRecipe] = MATTERS) -> list[Path]:
    """Write each matter's Register and INPADOC answers into ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for matter in matters:
        for name, body in (
            (matter.register_file_name, register_answer(matter)),
            (matter.inpadoc_file_name, inpadoc_answer(matter)),
        ):
            path = out / name
            path.write_bytes(body)
            paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m patent_sync.samplegen.ep_events --out DIR``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m patent_sync.samplegen.ep_events",
        description=(
            "Write the synthetic EP Register and INPADOC legal-event answers of the demo docket."
        ),
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    args = parser.parse_args(argv)
    try:
        write_ep_event_files(args.out)
    except (OSError, ValueError) as exc:
        print(f"samplegen.ep_events: {exc}", file=sys.stderr)
        return 2
    for matter in MATTERS:
        print(
            f"{args.out / matter.register_file_name}, {matter.inpadoc_file_name}  "
            f"EP {matter.application_number}: {matter.demonstrates}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
