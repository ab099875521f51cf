"""Render a ``DocumentSpec`` as one ICE document, exactly as it sits in a weekly file.

The layout follows the real files (grant DTD v4.7, application DTD v4.6): an XML declaration
line, the DOCTYPE with an empty internal subset, one element per line in the bibliographic part,
processing instructions that bracket the description sections, and every non-ASCII character
written as a hexadecimal character reference. Templating is used instead of a tree builder
because the benchmark writes thousands of documents and a string join is several times faster.
"""

from __future__ import annotations

import datetime as dt
import random

from patent_sync.samplegen import vocabulary as vocab
from patent_sync.samplegen.uspto_spec import (
    DocumentSpec,
    OtherCitation,
    PartySpec,
    PatentCitation,
    RelationSpec,
)
from patent_sync.samplegen.vocabulary import Code, Place

GRANT_DTD_VERSION = "v4.7 2022-02-17"
APPLICATION_DTD_VERSION = "v4.6 2022-02-17"
GRANT_DOCTYPE = '<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v47-2022-02-17.dtd" [ ]>'
APPLICATION_DOCTYPE = (
    '<!DOCTYPE us-patent-application SYSTEM "us-patent-application-v46-2022-02-17.dtd" [ ]>'
)
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

_MARKUP = str.maketrans({"&": "&#x26;", "<": "&#x3c;", ">": "&#x3e;", '"': "&#x22;"})


def esc(text: str) -> str:
    """Escape text for element content or a double-quoted attribute, the way ICE files do."""
    text = text.translate(_MARKUP)
    if text.isascii():
        return text
    return "".join(c if ord(c) < 128 else f"&#x{ord(c):x};" for c in text)


def _ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _serial_number_text(number: str) -> str:
    """``17248024`` -> ``17/248,024``, as application numbers are written in prose."""
    return f"{number[:2]}/{number[2:5]},{number[5:]}"


def _patent_number_text(number: str) -> str:
    return f"{int(number):,}"


_MONTHS = (
    *("Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun."),
    *("Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec."),
)


def _prose_date(day: dt.date) -> str:
    """``Nov. 15, 2024``: how US specifications write dates (locale-independent)."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def render(spec: DocumentSpec, rng: random.Random) -> bytes:
    """One complete document, from its XML declaration to the root end tag and a newline.

    ``rng`` only draws the prose (description sentences, figure sizes), so the bibliographic
    content is fixed by the spec alone.
    """
    out: list[str] = []
    root = "us-patent-grant" if spec.is_grant else "us-patent-application"
    file_name = (
        f"US{spec.doc_number}-{spec.publication_date_text}.XML"
        if spec.is_grant
        else f"US{spec.doc_number}{spec.kind}-{spec.publication_date_text}.XML"
    )
    out.append(XML_DECLARATION)
    out.append(GRANT_DOCTYPE if spec.is_grant else APPLICATION_DOCTYPE)
    out.append(
        f'<{root} lang="EN" dtd-version="'
        f'{GRANT_DTD_VERSION if spec.is_grant else APPLICATION_DTD_VERSION}" '
        f'file="{esc(file_name)}" status="PRODUCTION" id="{root}" country="US" '
        f'date-produced="{_ymd(spec.date_produced)}" date-publ="{esc(spec.publication_date_text)}">'
    )
    _bibliographic(out, spec)
    _abstract(out, spec, rng)
    _drawings(out, spec, rng, file_name[:-4])
    _description(out, spec, rng)
    _claims(out, spec, rng)
    out.append(f"</{root}>\n")
    return "\n".join(out).encode("ascii")


def _bibliographic(out: list[str], spec: DocumentSpec) -> None:
    if spec.is_grant:
        out.append("<us-bibliographic-data-grant>")
    else:
        out.append('<us-bibliographic-data-application lang="EN" country="US">')
    out += [
        "<publication-reference>",
        "<document-id>",
        "<country>US</country>",
        f"<doc-number>{spec.doc_number}</doc-number>",
        f"<kind>{spec.kind}</kind>",
        f"<date>{esc(spec.publication_date_text)}</date>",
        "</document-id>",
        "</publication-reference>",
        f'<application-reference appl-type="{"design" if spec.is_design else "utility"}">',
        "<document-id>",
        "<country>US</country>",
        f"<doc-number>{spec.application_number}</doc-number>",
        f"<date>{_ymd(spec.filing_date)}</date>",
        "</document-id>",
        "</application-reference>",
        f"<us-application-series-code>{spec.series_code}</us-application-series-code>",
    ]
    if spec.priority_claims:
        out.append("<priority-claims>")
        for index, claim in enumerate(spec.priority_claims, start=1):
            out += [
                f'<priority-claim sequence="{index:02d}" kind="{claim.kind}">',
                f"<country>{esc(claim.country)}</country>",
                f"<doc-number>{esc(claim.number)}</doc-number>",
                f"<date>{_ymd(claim.date)}</date>",
                "</priority-claim>",
            ]
        out.append("</priority-claims>")
    if spec.is_design:
        out.append("<us-term-of-grant><length-of-grant>15</length-of-grant></us-term-of-grant>")
    elif spec.term_extension_days is not None:
        out.append(
            f"<us-term-of-grant><us-term-extension>{spec.term_extension_days}"
            "</us-term-extension></us-term-of-grant>"
        )
    if spec.ipcr:
        out.append("<classifications-ipcr>")
        for index, code in enumerate(spec.ipcr):
            _ipcr(out, code, spec, "F" if index == 0 else "L")
        out.append("</classifications-ipcr>")
    if spec.locarno:
        out += [
            "<classification-locarno>",
            "<edition>15</edition>",
            f"<main-classification>{spec.locarno}</main-classification>",
            "</classification-locarno>",
        ]
    if spec.national_class:
        out += [
            "<classification-national>",
            "<country>US</country>",
            f"<main-classification>{spec.national_class}</main-classification>",
            "</classification-national>",
        ]
    if spec.cpc_main:
        out.append("<classifications-cpc>")
        out.append("<main-cpc>")
        _cpc(out, spec.cpc_main, spec, "F")
        out.append("</main-cpc>")
        if spec.cpc_further:
            out.append("<further-cpc>")
            for code in spec.cpc_further:
                _cpc(out, code, spec, "L")
            out.append("</further-cpc>")
        out.append("</classifications-cpc>")
    if spec.title is not None:
        out.append(f'<invention-title id="d2e43">{esc(spec.title)}</invention-title>')
    if spec.is_grant:
        _grant_only_front(out, spec)
    _related_documents(out, spec)
    _parties(out, spec)
    if spec.is_grant:
        _examiners(out, spec)
    out.append(
        "</us-bibliographic-data-grant>"
        if spec.is_grant
        else "</us-bibliographic-data-application>"
    )


def _classification_fields(code: Code, spec: DocumentSpec, position: str) -> list[str]:
    return [
        f"<section>{code.section}</section>",
        f"<class>{code.klass}</class>",
        f"<subclass>{code.subclass}</subclass>",
        f"<main-group>{code.main_group}</main-group>",
        f"<subgroup>{code.subgroup}</subgroup>",
        f"<symbol-position>{position}</symbol-position>",
        "<classification-value>I</classification-value>",
        f"<action-date><date>{_ymd(spec.publication_date)}</date></action-date>",
        "<generating-office><country>US</country></generating-office>",
        "<classification-status>B</classification-status>",
        "<classification-data-source>H</classification-data-source>",
    ]


def _ipcr(out: list[str], code: Code, spec: DocumentSpec, position: str) -> None:
    out.append("<classification-ipcr>")
    out.append(f"<ipc-version-indicator><date>{code.version}</date></ipc-version-indicator>")
    out.append("<classification-level>A</classification-level>")
    out += _classification_fields(code, spec, position)
    out.append("</classification-ipcr>")


def _cpc(out: list[str], code: Code, spec: DocumentSpec, position: str) -> None:
    out.append("<classification-cpc>")
    out.append(f"<cpc-version-indicator><date>{code.version}</date></cpc-version-indicator>")
    out += _classification_fields(code, spec, position)
    out.append("<scheme-origination-code>C</scheme-origination-code>")
    out.append("</classification-cpc>")


def _grant_only_front(out: list[str], spec: DocumentSpec) -> None:
    """References cited, claim counts, field of search and figures: grants only."""
    if spec.citations:
        out.append("<us-references-cited>")
        for index, citation in enumerate(spec.citations, start=1):
            out.append("<us-citation>")
            if isinstance(citation, PatentCitation):
                out += [
                    f'<patcit num="{index:05d}">',
                    "<document-id>",
                    f"<country>{citation.country}</country>",
                    f"<doc-number>{citation.number}</doc-number>",
                    f"<kind>{citation.kind}</kind>",
                ]
                if citation.name:
                    out.append(f"<name>{esc(citation.name)}</name>")
                out += [f"<date>{citation.date_text}</date>", "</document-id>", "</patcit>"]
            elif isinstance(citation, OtherCitation):
                out.append(f'<nplcit num="{index:05d}">')
                out.append(f"<othercit>{esc(citation.text)}</othercit>")
                out.append("</nplcit>")
            out.append(f"<category>{citation.category}</category>")
            out.append("</us-citation>")
        out.append("</us-references-cited>")
    out += [
        f"<number-of-claims>{spec.claim_count}</number-of-claims>",
        "<us-exemplary-claim>1</us-exemplary-claim>",
        "<us-field-of-classification-search>",
        "<classification-national>",
        "<country>US</country>",
        f"<main-classification>{spec.national_class or 'None'}</main-classification>",
        "</classification-national>",
        "</us-field-of-classification-search>",
        "<figures>",
        f"<number-of-drawing-sheets>{spec.drawing_sheets}</number-of-drawing-sheets>",
        f"<number-of-figures>{spec.figure_count}</number-of-figures>",
        "</figures>",
    ]


def _document_id(number: str, day: dt.date | None = None, kind: str | None = None) -> list[str]:
    lines = ["<document-id>", "<country>US</country>", f"<doc-number>{number}</doc-number>"]
    if kind:
        lines.append(f"<kind>{kind}</kind>")
    if day:
        lines.append(f"<date>{_ymd(day)}</date>")
    lines.append("</document-id>")
    return lines


def _relation(out: list[str], relation: RelationSpec) -> None:
    out += [f"<{relation.kind}>", "<relation>", "<parent-doc>"]
    out += _document_id(relation.parent_number, relation.parent_filing_date)
    if relation.parent_status:
        out.append(f"<parent-status>{relation.parent_status}</parent-status>")
    if relation.parent_grant_number:
        out.append("<parent-grant-document>")
        out += _document_id(relation.parent_grant_number, relation.parent_grant_date)
        out.append("</parent-grant-document>")
    out += ["</parent-doc>", "<child-doc>"]
    out += _document_id(relation.child_number)
    out += ["</child-doc>", "</relation>", f"</{relation.kind}>"]


def _related_documents(out: list[str], spec: DocumentSpec) -> None:
    if not (spec.relations or spec.provisionals or spec.related_publication):
        return
    out.append("<us-related-documents>")
    for relation in spec.relations:
        _relation(out, relation)
    for number, day in spec.provisionals:
        out.append("<us-provisional-application>")
        out += _document_id(number, day)
        out.append("</us-provisional-application>")
    if spec.related_publication:
        number, day = spec.related_publication
        out.append("<related-publication>")
        out += _document_id(number, day, kind="A1")
        out.append("</related-publication>")
    out.append("</us-related-documents>")


def _address(place: Place | None) -> list[str]:
    if place is None:  # agents: the Office publishes no address for them
        return ["<address>", "<country>unknown</country>", "</address>"]
    lines = ["<address>", f"<city>{esc(place.city)}</city>"]
    if place.state:
        lines.append(f"<state>{place.state}</state>")
    lines += [f"<country>{esc(place.country)}</country>", "</address>"]
    return lines


def _addressbook(party: PartySpec) -> list[str]:
    lines = ["<addressbook>"]
    if party.orgname:
        lines.append(f"<orgname>{esc(party.orgname)}</orgname>")
    else:
        lines.append(f"<last-name>{esc(party.last_name or '')}</last-name>")
        lines.append(f"<first-name>{esc(party.first_name or '')}</first-name>")
    lines += _address(party.place)
    lines.append("</addressbook>")
    return lines


def _sequence(spec: DocumentSpec, index: int) -> str:
    # Grants number parties from 001, application publications from 00 (as the real files do).
    return f"{index + 1:03d}" if spec.is_grant else f"{index:02d}"


def _parties(out: list[str], spec: DocumentSpec) -> None:
    out += ["<us-parties>", "<us-applicants>"]
    for index, applicant in enumerate(spec.applicants):
        out.append(
            f'<us-applicant sequence="{_sequence(spec, index)}" app-type="applicant" '
            f'designation="us-only" applicant-authority-category="{applicant.authority}">'
        )
        out += _addressbook(applicant)
        country = applicant.place.country if applicant.place else "US"
        out += ["<residence>", f"<country>{esc(country)}</country>", "</residence>"]
        out.append("</us-applicant>")
    out += ["</us-applicants>", "<inventors>"]
    listed = spec.inventors * 2 if spec.repeat_inventors else spec.inventors
    for index, inventor in enumerate(listed):
        out.append(f'<inventor sequence="{_sequence(spec, index)}" designation="us-only">')
        out += _addressbook(inventor)
        out.append("</inventor>")
    out.append("</inventors>")
    if spec.agents:
        out.append("<agents>")
        for index, agent in enumerate(spec.agents, start=1):
            out.append(f'<agent sequence="{index:02d}" rep-type="attorney">')
            out += _addressbook(agent)
            out.append("</agent>")
        out.append("</agents>")
    out.append("</us-parties>")
    if spec.assignees:
        out.append("<assignees>")
        for assignee in spec.assignees:
            out += [
                "<assignee>",
                "<addressbook>",
                f"<orgname>{esc(assignee.orgname)}</orgname>",
                f"<role>{assignee.role}</role>",
            ]
            out += _address(assignee.place)
            out += ["</addressbook>", "</assignee>"]
        out.append("</assignees>")


def _examiners(out: list[str], spec: DocumentSpec) -> None:
    if not spec.primary_examiner:
        return
    last, first, art_unit = spec.primary_examiner
    out += [
        "<examiners>",
        "<primary-examiner>",
        f"<last-name>{esc(last)}</last-name>",
        f"<first-name>{esc(first)}</first-name>",
        f"<department>{art_unit}</department>",
        "</primary-examiner>",
    ]
    if spec.assistant_examiner:
        last, first = spec.assistant_examiner
        out += [
            "<assistant-examiner>",
            f"<last-name>{esc(last)}</last-name>",
            f"<first-name>{esc(first)}</first-name>",
            "</assistant-examiner>",
        ]
    out.append("</examiners>")


def _abstract(out: list[str], spec: DocumentSpec, rng: random.Random) -> None:
    if spec.is_design:  # design patents carry no abstract
        return
    theme = spec.theme
    subject = rng.choice(theme.subjects)
    first, second = rng.sample(theme.components, 2)
    text = (
        f"{_a(subject).capitalize()} includes {_a(first)} and {_a(second)}. The {first} is "
        "configured to "
        f"{rng.choice(theme.actions)} {rng.choice(theme.objects)} and the {second} is configured "
        f"to {rng.choice(theme.actions)} {rng.choice(theme.objects)}. " + vocab.sentence(rng, theme)
    )
    out += ['<abstract id="abstract">', f'<p id="p-0001" num="0000">{esc(text)}</p>', "</abstract>"]


def _drawings(out: list[str], spec: DocumentSpec, rng: random.Random, file_stem: str) -> None:
    out.append('<drawings id="DRAWINGS">')
    for sheet in range(spec.drawing_sheets + 1):
        height, width = rng.uniform(100, 250), rng.uniform(60, 180)
        out += [
            f'<figure id="Fig-EMI-D{sheet:05d}" num="{sheet:05d}">',
            f'<img id="EMI-D{sheet:05d}" he="{height:.2f}mm" wi="{width:.2f}mm" '
            f'file="{esc(file_stem)}-D{sheet:05d}.TIF" alt="embedded image" '
            'img-content="drawing" img-format="tif"/>',
            "</figure>",
        ]
    out.append("</drawings>")


class _Paragraphs:
    """Numbers description paragraphs the way ICE does: p-0002/0001 after the abstract."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, body: str) -> str:
        self.count += 1
        return f'<p id="p-{self.count + 1:04d}" num="{self.count:04d}">{body}</p>'


def _cross_reference_text(spec: DocumentSpec) -> str:
    parts = []
    for relation in spec.relations:
        kind = {"continuation-in-part": "continuation-in-part", "division": "divisional"}.get(
            relation.kind, "continuation"
        )
        text = (
            f"{_a(kind)} of U.S. patent application Ser. No. "
            f"{_serial_number_text(relation.parent_number)}, filed "
            f"{_prose_date(relation.parent_filing_date)}"
        )
        if relation.parent_grant_number:
            text += f", now U.S. Pat. No. {_patent_number_text(relation.parent_grant_number)}"
        parts.append(text)
    sentence = "This application is " + ", which is ".join(parts) if parts else "This application"
    for number, day in spec.provisionals:
        sentence += (
            f"{', which' if parts else ''} claims the benefit of U.S. Provisional Application No. "
            f"{_serial_number_text(number)}, filed {_prose_date(day)}"
        )
    return esc(sentence + ". Each of these applications is incorporated herein by reference.")


def _description(out: list[str], spec: DocumentSpec, rng: random.Random) -> None:
    p = _Paragraphs()
    theme = spec.theme
    # Grants and publications name the section processing instructions differently.
    names = (
        {
            "related": ("RELAPP", "Other Patent Relations"),
            "summary": ("BRFSUM", "Brief Summary"),
            "detailed": ("DETDESC", "Detailed Description"),
        }
        if spec.is_grant
        else {
            "related": (
                "cross-reference-to-related-applications",
                "Cross Reference To Related Applications",
            ),
            "summary": ("summary-of-invention", "Summary of Invention"),
            "detailed": ("detailed-description", "Detailed Description"),
        }
    )

    def section(key: str, end: str) -> str:
        target, label = names[key]
        return f'<?{target} description="{label}" end="{end}"?>'

    heading_count = 0

    def heading(text: str) -> str:
        nonlocal heading_count
        heading_count += 1
        return f'<heading id="h-{heading_count:04d}" level="1">{text}</heading>'

    out.append('<description id="description">')
    if spec.relations or spec.provisionals:
        out += [
            section("related", "lead"),
            heading("CROSS-REFERENCE TO RELATED APPLICATIONS"),
            p(_cross_reference_text(spec)),
            section("related", "tail"),
        ]
    if not spec.is_design:
        out += [section("summary", "lead"), heading("BACKGROUND")]
        out += [p(esc(vocab.sentence(rng, theme))) for _ in range(spec.paragraphs)]
        out.append(heading("SUMMARY"))
        out += [p(_prose(rng, spec)) for _ in range(spec.paragraphs)]
        out.append(section("summary", "tail"))
    out += [
        '<?brief-description-of-drawings description="Brief Description of Drawings" end="lead"?>',
        "<description-of-drawings>",
        heading("BRIEF DESCRIPTION OF THE DRAWINGS"),
    ]
    subject = esc(spec.title or rng.choice(theme.subjects)).lower()
    views = ("a perspective view", "a side view", "a schematic diagram", "a flow chart")
    for figure in range(1, spec.figure_count + 1):
        out.append(
            p(
                f'<figref idref="DRAWINGS">FIG. {figure}</figref> is {rng.choice(views)} '
                f"of the {subject} according to an embodiment."
            )
        )
    out += [
        "</description-of-drawings>",
        '<?brief-description-of-drawings description="Brief Description of Drawings" end="tail"?>',
    ]
    if spec.is_design:
        out.append(p("The broken lines show environment and form no part of the claimed design."))
    else:
        out += [section("detailed", "lead"), heading("DETAILED DESCRIPTION")]
        out += [p(_prose(rng, spec, numerals=True)) for _ in range(spec.paragraphs * 2)]
        out.append(section("detailed", "tail"))
    out.append("</description>")


def _prose(rng: random.Random, spec: DocumentSpec, *, numerals: bool = False) -> str:
    """A paragraph of 2-4 sentences; detailed-description ones cite reference numerals."""
    sentences = [esc(vocab.sentence(rng, spec.theme)) for _ in range(rng.randint(2, 4))]
    if numerals:
        component = esc(rng.choice(spec.theme.components))
        numeral = rng.randrange(10, 80, 2)
        housing = numeral + 2
        lead = f"The {component} <b>{numeral}</b> may be coupled to the housing <b>{housing}</b>."
        sentences.insert(0, lead)
    return " ".join(sentences)


def _claims(out: list[str], spec: DocumentSpec, rng: random.Random) -> None:
    out += ["<us-claim-statement>What is claimed is:</us-claim-statement>", '<claims id="claims">']
    theme = spec.theme
    if spec.is_design:
        article = esc((spec.title or "article").lower())
        out += [
            '<claim id="CLM-00001" num="00001">',
            f"<claim-text>The ornamental design for {_a(article)}, as shown and described."
            "</claim-text>",
            "</claim>",
            "</claims>",
        ]
        return
    subject = esc(rng.choice(theme.subjects))
    parts = rng.sample(theme.components, 3)
    elements = [
        f"<claim-text>{_a(esc(part))} configured to {esc(rng.choice(theme.actions))} "
        f"{esc(rng.choice(theme.objects))};</claim-text>"
        for part in parts[:-1]
    ]
    elements.append(
        f"<claim-text>and {_a(esc(parts[-1]))} coupled to the {esc(parts[0])}.</claim-text>"
    )
    out += [
        '<claim id="CLM-00001" num="00001">',
        f"<claim-text>1. {_a(subject).capitalize()}, comprising:",
        *elements,
        "</claim-text>",
        "</claim>",
    ]
    for number in range(2, spec.claim_count + 1):
        parent = 1 if number < 4 else rng.randrange(1, number)
        out += [
            f'<claim id="CLM-{number:05d}" num="{number:05d}">',
            f'<claim-text>{number}. The {subject} of <claim-ref idref="CLM-{parent:05d}">claim '
            f"{parent}</claim-ref>, wherein the {esc(rng.choice(parts))} is further configured "
            f"to {esc(rng.choice(theme.actions))} {esc(rng.choice(theme.objects))}.</claim-text>",
            "</claim>",
        ]
    out.append("</claims>")
