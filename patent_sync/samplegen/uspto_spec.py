"""What one synthetic US document says, drawn from a seeded ``random.Random``.

A ``DocumentSpec`` holds every value a grant or application publication carries, with the dates
and numbers made consistent (filing before publication, parents filed before children, a parent
granted on a Tuesday while the child was pending, provisional applications within the year).
Rendering it to ICE XML is ``uspto_render``'s job; injecting defects is done on the spec (a bad
date, a missing title) or on the rendered bytes (truncation), in ``uspto``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from patent_sync.samplegen import uspto_numbers as numbers
from patent_sync.samplegen import vocabulary as vocab
from patent_sync.samplegen.vocabulary import Code, Place, Theme

DESIGN_ART_UNITS = ("2911", "2914", "2916", "2918")  # design patents: Technology Center 2900


@dataclasses.dataclass(frozen=True)
class PartySpec:
    """An applicant, inventor or agent: an organisation or a person."""

    place: Place | None
    orgname: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    authority: str | None = None  # applicant-authority-category: "assignee" | "inventor"


@dataclasses.dataclass(frozen=True)
class AssigneeSpec:
    orgname: str
    role: str  # "02" US company, "03" foreign company
    place: Place


@dataclasses.dataclass(frozen=True)
class RelationSpec:
    """One ``relation`` under continuation / division / continuation-in-part."""

    kind: str  # the element name: "continuation" | "division" | "continuation-in-part"
    parent_number: str
    parent_filing_date: dt.date
    child_number: str
    parent_status: str | None  # "PENDING" | "ABANDONED" when the parent was not granted
    parent_grant_number: str | None
    parent_grant_date: dt.date | None


@dataclasses.dataclass(frozen=True)
class PriorityClaimSpec:
    country: str
    number: str
    date: dt.date
    kind: str  # "national" | "regional"


@dataclasses.dataclass(frozen=True)
class PatentCitation:
    country: str
    number: str
    kind: str
    name: str | None
    date_text: str  # YYYYMM00, as ICE writes cited dates
    category: str


@dataclasses.dataclass(frozen=True)
class OtherCitation:
    text: str
    category: str


@dataclasses.dataclass(frozen=True)
class DocumentSpec:
    """Everything one grant or application publication says."""

    is_grant: bool
    is_design: bool
    doc_number: str
    kind: str
    publication_date: dt.date
    publication_date_text: str  # normally publication_date as YYYYMMDD; a defect may break it
    date_produced: dt.date
    application_number: str
    filing_date: dt.date
    series_code: str
    theme: Theme
    title: str | None
    term_extension_days: int | None
    priority_claims: tuple[PriorityClaimSpec, ...]
    ipcr: tuple[Code, ...]
    cpc_main: Code | None
    cpc_further: tuple[Code, ...]
    locarno: str | None  # design grants: Locarno class, e.g. "0701"
    national_class: str | None  # design grants: US design class, e.g. "D 7509"
    citations: tuple[PatentCitation | OtherCitation, ...]
    relations: tuple[RelationSpec, ...]
    provisionals: tuple[tuple[str, dt.date], ...]
    related_publication: tuple[str, dt.date] | None  # the pre-grant publication of a B2
    applicants: tuple[PartySpec, ...]
    inventors: tuple[PartySpec, ...]
    repeat_inventors: bool  # list every inventor twice, as some real v4.6 files do
    agents: tuple[PartySpec, ...]
    assignees: tuple[AssigneeSpec, ...]
    primary_examiner: tuple[str, str, str] | None  # last, first, art unit
    assistant_examiner: tuple[str, str] | None
    drawing_sheets: int
    figure_count: int
    claim_count: int
    paragraphs: int  # paragraphs per description section: the size knob for benchmarks

    @property
    def doc_key(self) -> str:
        """The canonical ``CC-NUMBER-KIND`` key the pipeline will give this document."""
        return f"US-{self.doc_number}-{self.kind}"


def draw_grant(
    rng: random.Random,
    publication_date: dt.date,
    serial: int,
    *,
    design: bool = False,
    paragraphs: int = 3,
) -> DocumentSpec:
    """Draw a utility (B1/B2) or design (S1) grant issued on ``publication_date``."""
    theme = rng.choice(vocab.THEMES)
    if design:
        doc_number = numbers.design_grant_number(publication_date, serial)
        filing = publication_date - dt.timedelta(days=rng.randint(420, 900))
        series = numbers.DESIGN_SERIES
    else:
        doc_number = numbers.utility_grant_number(publication_date, serial)
        filing = publication_date - dt.timedelta(days=rng.randint(540, 1460))
        series = numbers.utility_series_code(filing)
    application_number = _application_number(rng, series, filing)
    relations, provisionals = (
        ((), ()) if design else _continuity(rng, application_number, filing, publication_date)
    )
    related_publication = None if design else _pre_grant_publication(rng, filing, publication_date)
    kind = "S1" if design else ("B2" if related_publication else "B1")
    applicants, inventors, assignees = _parties(rng, is_grant=True)
    design_article = rng.choice(vocab.DESIGN_ARTICLES) if design else None
    codes = _codes(rng, theme)
    return DocumentSpec(
        is_grant=True,
        is_design=design,
        doc_number=doc_number,
        kind=kind,
        publication_date=publication_date,
        publication_date_text=publication_date.strftime("%Y%m%d"),
        date_produced=publication_date - dt.timedelta(days=20),
        application_number=application_number,
        filing_date=filing,
        series_code=series,
        theme=theme,
        title=design_article[0] if design_article else vocab.invention_title(rng, theme),
        term_extension_days=None if design or rng.random() < 0.4 else rng.randint(1, 900),
        priority_claims=_priority_claims(rng, applicants, filing),
        ipcr=() if design else codes,
        cpc_main=None if design else codes[0],
        cpc_further=() if design else codes[1:],
        locarno=design_article[1] if design_article else None,
        national_class=design_article[2] if design_article else None,
        citations=_citations(rng, filing),
        relations=relations,
        provisionals=provisionals,
        related_publication=related_publication,
        applicants=applicants,
        inventors=inventors,
        repeat_inventors=False,
        agents=(_agent(rng),),
        assignees=assignees,
        primary_examiner=(
            *vocab.person_name(rng),
            rng.choice(DESIGN_ART_UNITS if design else theme.art_units),
        ),
        assistant_examiner=vocab.person_name(rng) if rng.random() < 0.3 else None,
        drawing_sheets=(sheets := rng.randint(1, 4)),
        figure_count=sheets + rng.randint(0, sheets),
        claim_count=1 if design else rng.randint(3, 8 + paragraphs // 3),
        paragraphs=paragraphs,
    )


def draw_application(
    rng: random.Random,
    publication_date: dt.date,
    serial: int,
    *,
    repeat_inventors: bool = False,
    paragraphs: int = 3,
) -> DocumentSpec:
    """Draw an A1 pre-grant publication published on ``publication_date``."""
    theme = rng.choice(vocab.THEMES)
    # Publication comes about 18 months after the earliest priority date.
    earliest = publication_date - dt.timedelta(days=rng.randint(546, 600))
    applicants, inventors, assignees = _parties(rng, is_grant=False)
    is_continuation = rng.random() < 0.3
    claims_priority = not is_continuation and rng.random() < 0.5
    if is_continuation:
        filing = publication_date - dt.timedelta(days=rng.randint(90, 200))
    elif claims_priority:
        filing = earliest + dt.timedelta(days=rng.randint(200, 364))
    else:
        filing = earliest
    series = numbers.utility_series_code(filing)
    application_number = _application_number(rng, series, filing)
    relations: tuple[RelationSpec, ...] = ()
    provisionals: tuple[tuple[str, dt.date], ...] = ()
    priority_claims: tuple[PriorityClaimSpec, ...] = ()
    if is_continuation:
        relations, provisionals = _continuity(
            rng, application_number, filing, publication_date, force=True
        )
    elif claims_priority:
        if applicants[0].place and applicants[0].place.country != "US":
            priority_claims = (_foreign_priority(rng, applicants[0].place.country, earliest),)
        else:
            provisionals = ((_provisional_number(rng, earliest), earliest),)
    codes = _codes(rng, theme)
    return DocumentSpec(
        is_grant=False,
        is_design=False,
        doc_number=numbers.application_publication_number(publication_date, serial),
        kind="A1",
        publication_date=publication_date,
        publication_date_text=publication_date.strftime("%Y%m%d"),
        date_produced=publication_date - dt.timedelta(days=15),
        application_number=application_number,
        filing_date=filing,
        series_code=series,
        theme=theme,
        title=vocab.invention_title(rng, theme),
        term_extension_days=None,
        priority_claims=priority_claims,
        ipcr=codes,
        cpc_main=codes[0],
        cpc_further=codes[1:],
        locarno=None,
        national_class=None,
        citations=(),
        relations=relations,
        provisionals=provisionals,
        related_publication=None,
        applicants=applicants,
        inventors=inventors,
        repeat_inventors=repeat_inventors,
        agents=(),
        assignees=assignees,
        primary_examiner=None,
        assistant_examiner=None,
        drawing_sheets=(sheets := rng.randint(1, 4)),
        figure_count=sheets + rng.randint(0, sheets),
        claim_count=rng.randint(3, 8 + paragraphs // 3),
        paragraphs=paragraphs,
    )


def _application_number(rng: random.Random, series: str, filing: dt.date) -> str:
    # Numbers rise with the filing date inside a series, about 900 filings a day.
    days = max(0, (filing - numbers.series_start(series)).days)
    return f"{series}{(days * 900 + rng.randrange(900)) % 1_000_000:06d}"


def _provisional_number(rng: random.Random, filing: dt.date) -> str:
    series = "63" if filing >= dt.date(2020, 5, 1) else "62"
    return f"{series}{rng.randrange(1_000_000):06d}"


def _tuesday_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date | None:
    """A random Tuesday in [start, end], or None when there is none."""
    first = start + dt.timedelta(days=(1 - start.weekday()) % 7)
    if first > end:
        return None
    return first + dt.timedelta(weeks=rng.randint(0, (end - first).days // 7))


def _continuity(
    rng: random.Random,
    application_number: str,
    filing: dt.date,
    publication_date: dt.date,
    *,
    force: bool = False,
) -> tuple[tuple[RelationSpec, ...], tuple[tuple[str, dt.date], ...]]:
    """A chain of 0-2 parents (child first, as ICE lists them) and 0-1 provisionals."""
    relations: list[RelationSpec] = []
    child_number, child_filing = application_number, filing
    depth = rng.choice((1, 1, 2)) if force or rng.random() < 0.35 else 0
    for _ in range(depth):
        kind = rng.choices(("continuation", "division", "continuation-in-part"), (6, 3, 1))[0]
        parent_filing = child_filing - dt.timedelta(days=rng.randint(400, 1100))
        parent_number = _application_number(
            rng, numbers.utility_series_code(parent_filing), parent_filing
        )
        # A child must be filed while its parent is pending: the parent issues afterwards.
        latest = min(child_filing + dt.timedelta(days=200), publication_date - dt.timedelta(7))
        grant_date = _tuesday_between(rng, child_filing + dt.timedelta(days=1), latest)
        granted = grant_date is not None and rng.random() < 0.75
        relations.append(
            RelationSpec(
                kind=kind,
                parent_number=parent_number,
                parent_filing_date=parent_filing,
                child_number=child_number,
                parent_status=None if granted else rng.choice(("PENDING", "ABANDONED")),
                parent_grant_number=(
                    numbers.utility_grant_number(grant_date, rng.randrange(6_000))
                    if granted and grant_date
                    else None
                ),
                parent_grant_date=grant_date if granted else None,
            )
        )
        child_number, child_filing = parent_number, parent_filing
    provisionals: tuple[tuple[str, dt.date], ...] = ()
    if rng.random() < 0.35:
        provisional_date = child_filing - dt.timedelta(days=rng.randint(60, 364))
        provisionals = ((_provisional_number(rng, provisional_date), provisional_date),)
    return tuple(relations), provisionals


def _pre_grant_publication(
    rng: random.Random, filing: dt.date, grant_date: dt.date
) -> tuple[str, dt.date] | None:
    """The A1 a B2 grant was published as, about 18 months after filing (B1s have none)."""
    published = filing + dt.timedelta(days=rng.randint(500, 560))
    published += dt.timedelta(days=(3 - published.weekday()) % 7)  # Thursday
    if published >= grant_date - dt.timedelta(days=14) or rng.random() < 0.15:
        return None
    number = numbers.application_publication_number(published, rng.randrange(6_000))
    return number, published


def _foreign_priority(rng: random.Random, country: str, filed: dt.date) -> PriorityClaimSpec:
    year = filed.year
    formats = {
        "CN": f"{year}1{rng.randrange(10**7):07d}.{rng.randrange(10)}",
        "JP": f"{year}-{rng.randrange(10**6):06d}",
        "KR": f"10-{year}-{rng.randrange(10**7):07d}",
        "DE": f"10 {year} {rng.randrange(1000):03d} {rng.randrange(1000):03d}.{rng.randrange(10)}",
        "TW": f"{year - 1911}1{rng.randrange(10**5):05d}",
    }
    if country in formats:
        return PriorityClaimSpec(country, formats[country], filed, "national")
    # Applicants elsewhere in Europe usually claim a European application.
    return PriorityClaimSpec(
        "EP", f"{year % 100}{rng.randrange(10**6):06d}.{rng.randrange(10)}", filed, "regional"
    )


def _priority_claims(
    rng: random.Random, applicants: tuple[PartySpec, ...], filing: dt.date
) -> tuple[PriorityClaimSpec, ...]:
    place = applicants[0].place
    if place is None or place.country == "US" or rng.random() < 0.5:
        return ()
    return (_foreign_priority(rng, place.country, filing - dt.timedelta(rng.randint(200, 364))),)


def _codes(rng: random.Random, theme: Theme) -> tuple[Code, ...]:
    """The main classification first, then one or two further ones from the same field."""
    return tuple(rng.sample(theme.codes, rng.randint(1, len(theme.codes))))


def _parties(
    rng: random.Random, *, is_grant: bool
) -> tuple[tuple[PartySpec, ...], tuple[PartySpec, ...], tuple[AssigneeSpec, ...]]:
    """Applicants, inventors and assignees: an assigned organisation, or the inventors alone."""
    inventors = []
    organisation = rng.choice(vocab.ORGANISATIONS) if rng.random() < 0.75 else None
    for _ in range(rng.randint(1, 4)):
        last, first = vocab.person_name(rng)
        near_home = organisation is not None and rng.random() < 0.6
        place = organisation.place if organisation and near_home else vocab.any_place(rng)
        inventors.append(PartySpec(place=place, last_name=last, first_name=first))
    if organisation is None:
        applicants = tuple(dataclasses.replace(p, authority="inventor") for p in inventors)
        return applicants, tuple(inventors), ()
    applicant = PartySpec(place=organisation.place, orgname=organisation.name, authority="assignee")
    role = "02" if organisation.place.country == "US" else "03"
    assignee = AssigneeSpec(organisation.name, role, organisation.place)
    return (applicant,), tuple(inventors), (assignee,)


def _agent(rng: random.Random) -> PartySpec:
    if rng.random() < 0.8:
        return PartySpec(place=None, orgname=rng.choice(vocab.LAW_FIRMS))
    last, first = vocab.person_name(rng)
    return PartySpec(place=None, last_name=last, first_name=first)


def _citations(rng: random.Random, filing: dt.date) -> tuple[PatentCitation | OtherCitation, ...]:
    citations: list[PatentCitation | OtherCitation] = []
    for _ in range(rng.randint(2, 6)):
        category = rng.choice(("cited by applicant", "cited by examiner"))
        cited = filing - dt.timedelta(days=rng.randint(200, 6000))
        if rng.random() < 0.8:
            # Older US grants: roughly 6.0M in 2000 to 11.5M in 2022.
            number = 6_000_000 + (cited.year - 2000) * 250_000 + rng.randrange(200_000)
            name = rng.choice(vocab.LAST_NAMES) + (" et al." if rng.random() < 0.5 else "")
            kind = "B2" if cited.year >= 2001 else "A"
            citations.append(
                PatentCitation("US", str(number), kind, name, cited.strftime("%Y%m00"), category)
            )
        else:
            number = f"{cited.year}{rng.randrange(10**6):06d}"
            citations.append(
                PatentCitation("WO", number, "A1", None, cited.strftime("%Y%m00"), category)
            )
    if rng.random() < 0.4:
        last, _ = vocab.person_name(rng)
        citations.append(
            OtherCitation(
                f"{last} et al., \u201cNotes on {rng.choice(vocab.PURPOSES)},\u201d "
                f"Journal of Applied Engineering Practice, vol. {rng.randint(3, 40)}, "
                f"{rng.randint(1995, filing.year - 1)}, pp. {rng.randint(1, 300)}-"
                f"{rng.randint(301, 320)}.",
                "cited by examiner",
            )
        )
    return tuple(citations)
