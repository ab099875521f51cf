"""Synthetic EP publications as EPO OPS serves them (``ep_publications_YYYYMMDD.xml``).

The documents are drawn like the DOCDB demo's (``epo_docdb.draw_record``: fictional names,
titles and classifications, real number shapes) and written the way OPS answers a
published-data biblio request: ``exchange-document`` elements in the exchange namespace with
``system="ops.epo.org"``, every number form of a reference as ``document-id
document-id-type="docdb|epodoc"`` children, the application date only on the epodoc form, CPC
split into ``section``/``class``/``subclass``/``main-group``/``subgroup``, parties as
``epodoc`` and ``original``, UTF-8 text with no DOCDB entities. The file's envelope is the one
the OPS source writes for a fetched day (``acquisition.epo_ops.weekly``), so the demo reads
exactly what a real run archives. Output is fully determined by the seed.
"""

from __future__ import annotations

import datetime as dt
import html
import random
import re
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from patent_sync.acquisition.epo_ops.weekly import ENVELOPE_END, envelope_start
from patent_sync.parsing.docdb_entities import DOCDB_ENTITIES
from patent_sync.samplegen import epo_docdb
from patent_sync.samplegen.epo_docdb import Number, RecordSpec, SampleGenError, draw_record

DEMO_SEED = 20261118
DEMO_DATE = dt.date(2026, 11, 11)  # a Wednesday: the EP Bulletin's day
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_EP_KINDS = ("A1", "A1", "A1", "A2", "A3", "B1", "B1", "B1", "B2")


def _text(xml_text: str) -> str:
    """DOCDB-escaped text (entities such as ``&SACUTE;``) as plain UTF-8, re-escaped for XML."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return DOCDB_ENTITIES.get(name) or html.unescape(match.group(0))

    return escape(_ENTITY.sub(one, xml_text))


def _ymd(day: dt.date | None) -> str:
    return "" if day is None else f"{day:%Y%m%d}"


def _ids(n: Number, *, docdb_date: bool) -> str:
    date = f"<date>{_ymd(n.date)}</date>" if n.date is not None else ""
    return (
        f'<document-id document-id-type="docdb"><country>{n.country}</country>'
        f"<doc-number>{n.number}</doc-number><kind>{n.kind}</kind>"
        f"{date if docdb_date else ''}</document-id>"
        f'<document-id document-id-type="epodoc"><doc-number>{n.epodoc}</doc-number>'
        f"{date}</document-id>"
    )


def render_ops_record(spec: RecordSpec) -> str:
    """One ``exchange-document`` as OPS serves it (published-data biblio)."""
    p, a = spec.publication, spec.application
    out = [
        f'<exchange-document system="ops.epo.org" family-id="{spec.family_id}" '
        f'country="{p.country}" doc-number="{p.number}" kind="{p.kind}">'
        f"<bibliographic-data><publication-reference>{_ids(p, docdb_date=True)}"
        "</publication-reference>"
    ]
    if spec.ipcr:
        out.append("<classifications-ipcr>")
        out.extend(
            f'<classification-ipcr sequence="{i}"><text>{escape(text)}</text></classification-ipcr>'
            for i, text in enumerate(spec.ipcr, 1)
        )
        out.append("</classifications-ipcr>")
    if spec.cpc:
        out.append("<patent-classifications>")
        for i, c in enumerate(spec.cpc, 1):
            subclass, rest = c.symbol[:4], c.symbol[4:]
            main_group, _, subgroup = rest.partition("/")
            out.append(
                f'<patent-classification sequence="{i}">'
                '<classification-scheme office="EP" scheme="CPCI"/>'
                f"<section>{subclass[0]}</section><class>{subclass[1:3]}</class>"
                f"<subclass>{subclass[3]}</subclass><main-group>{main_group.strip()}</main-group>"
                f"<subgroup>{subgroup.split()[0] if subgroup.split() else '00'}</subgroup>"
                f"<classification-value>{c.value}</classification-value>"
                f"<generating-office>{c.office}</generating-office></patent-classification>"
            )
        out.append("</patent-classifications>")
    out.append(
        f'<application-reference doc-id="{a.doc_id or 0}">{_ids(a, docdb_date=False)}'
        "</application-reference>"
    )
    if spec.priorities:
        out.append("<priority-claims>")
        for i, n in enumerate(spec.priorities, 1):
            out.append(
                f'<priority-claim sequence="{i}" kind="national">'
                f"{_ids(n, docdb_date=True)}</priority-claim>"
            )
        out.append("</priority-claims>")
    out.append("<parties>")
    for role, parties in (("applicant", spec.applicants), ("inventor", spec.inventors)):
        out.append(f"<{role}s>")
        for data_format in ("epodoc", "original"):
            for i, party in enumerate(parties, 1):
                name = party.docdb if data_format == "epodoc" else party.docdba
                suffix = f" [{party.country}]" if data_format == "epodoc" and party.country else ""
                out.append(
                    f'<{role} sequence="{i}" data-format="{data_format}"><{role}-name>'
                    f"<name>{_text(name)}{suffix}</name></{role}-name></{role}>"
                )
        out.append(f"</{role}s>")
    out.append("</parties>")
    for lang, text in spec.titles:
        out.append(f'<invention-title lang="{lang}">{_text(text)}</invention-title>')
    patents = [c for c in spec.citations if c.patent is not None]
    if patents:
        out.append("<references-cited>")
        for i, c in enumerate(patents, 1):
            assert c.patent is not None
            out.append(
                f'<citation cited-phase="search" sequence="{i}"><patcit num="{i}">'
                f"{_ids(c.patent, docdb_date=True)}</patcit>"
                f"<category>{escape(c.category)}</category></citation>"
            )
        out.append("</references-cited>")
    out.append("</bibliographic-data>")
    for lang, paragraphs in spec.abstracts:
        out.append(f'<abstract lang="{lang}">')
        out.extend(f"<p>{_text(text)}</p>" for text in paragraphs)
        out.append("</abstract>")
    out.append("</exchange-document>")
    return "".join(out)


def draw_ep_publications(
    publication_date: dt.date, *, count: int, seed: int = DEMO_SEED
) -> list[RecordSpec]:
    """``count`` fictional EP A and B publications of one Wednesday."""
    if publication_date.weekday() != 2:
        raise SampleGenError(
            f"{publication_date} is a {publication_date:%A}: EP documents are published on "
            "Wednesdays"
        )
    rng = random.Random(seed)
    return [
        draw_record(
            rng,
            "EP",
            block=7,
            serial=serial,
            published=publication_date,
            kind=_EP_KINDS[serial % len(_EP_KINDS)],
        )
        for serial in range(count)
    ]


def render_ops_file(
    specs: Sequence[RecordSpec], publication_date: dt.date, *, office: str = "EP"
) -> bytes:
    """The delivery file the OPS source would write for these documents."""
    query = f"pd={publication_date:%Y%m%d} and pn={office}"
    head = envelope_start(query=query, total=len(specs), found=len(specs))
    body = "\n".join(render_ops_record(spec) for spec in specs)
    return (head + body + "\n" + ENVELOPE_END).encode("utf-8")


def demo_specs(seed: int = epo_docdb.DEMO_SEED) -> list[RecordSpec]:
    """The EP documents of the DOCDB demo's 2026-11-19 CreateDelete delivery published on
    Wednesday 2026-11-11: OPS serves them that day, DOCDB carries them eight days later, so the
    demo shows both feeds keeping one document (defective and deleted records left out)."""
    thursday = DEMO_DATE + dt.timedelta(days=8)
    for plan in epo_docdb.demo_plans(seed):
        if plan.kind == epo_docdb.CREATE_DELETE and plan.publication_date == thursday:
            return [
                planned.spec
                for planned in plan.records
                if planned.office == "EP"
                and planned.envelope.status == "C"
                and planned.envelope.defect is None
                and planned.spec.publication.date == DEMO_DATE
            ]
    raise SampleGenError(f"the DOCDB demo has no CreateDelete delivery on {thursday}")


def write_ep_publications(
    out: Path,
    publication_date: dt.date = DEMO_DATE,
    *,
    count: int | None = None,
    seed: int = DEMO_SEED,
) -> Path:
    """Write ``ep_publications_YYYYMMDD.xml`` into ``out``; returns its path.

    Without ``count``: the demo's documents (``demo_specs``, the demo date only); with it,
    ``count`` fresh documents drawn from ``seed``.
    """
    if count is None:
        if publication_date != DEMO_DATE:
            raise SampleGenError(f"the demo EP publications are of {DEMO_DATE}; give a count")
        specs = demo_specs()
    else:
        specs = draw_ep_publications(publication_date, count=count, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"ep_publications_{publication_date:%Y%m%d}.xml"
    path.write_bytes(render_ops_file(specs, publication_date))
    return path


__all__ = [
    "DEMO_DATE",
    "DEMO_SEED",
    "demo_specs",
    "draw_ep_publications",
    "render_ops_file",
    "render_ops_record",
    "write_ep_publications",
]
