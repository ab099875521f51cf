"""Synthetic USPTO ODP transaction histories for the demo docket (``data/events``).

``python -m patent_sync.samplegen.events --out data/events`` writes one JSON file per matter in
the shape of ``GET /api/v1/patent/applications/{appNo}/transactions`` with the application
metadata included: ``{"count": 1, "patentFileWrapperDataBag": [{"applicationNumberText",
"applicationMetaData", "eventDataBag"}], "requestIdentifier"}``. Rows are newest first, as the
ODP returns them, and the office's own event descriptions are used.

Every matter is invented: the applicants, inventors, titles and docket numbers are made up, and
the application and patent numbers are only picked from plausible series for their dates (any
real application with the same number is unrelated). The recipes are fixed data, not random,
so the output is identical byte for byte on every run; ``MATTERS`` documents what each one
demonstrates (``data/README.md`` repeats it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The ODP's ``eventDescriptionText`` for every code the recipes use.
ODP_DESCRIPTIONS: dict[str, str] = {
    "FTFS": "FITF set to YES - revise initial setting",
    "COMP": "Application Is Now Complete",
    "FLRCPT.O": "Filing Receipt",
    "OIPE": "Application Dispatched from OIPE",
    "PG-ISSUE": "PG-Pub Issue Notification",
    "DOCK": "Case Docketed to Examiner in GAU",
    "EIDS.": "Electronic Information Disclosure Statement",
    "WIDS": "Information Disclosure Statement (IDS) Filed",
    "IDSC": "Information Disclosure Statement considered",
    "CTNF": "Non-Final Rejection",
    "MCTNF": "Mail Non-Final Rejection",
    "CTFR": "Final Rejection",
    "MCTFR": "Mail Final Rejection",
    "A...": "Response after Non-Final Action",
    "EX.R": "Reasons for Allowance",
    "N/=.": "Notice of Allowance Data Verification Completed",
    "MN/=.": "Mail Notice of Allowance",
    "IFEE": "Issue Fee Payment Received",
    "N084": "Issue Fee Payment Verified",
    "WPIR": "Issue Notification Mailed",
    "PTAC": "Patent Issue Date Used in PTA Calculation",
    "PGM/": "Recordation of Patent Grant Mailed",
    "EML_NTR": "Email Notification",
    "M2551": "Payment of Maintenance Fee, 4th Year, Small Entity",
    "ABN2": "Abandonment for Failure to Respond to Office Action",
    "MABN2": "Mail Abandonment for Failure to Respond to Office Action",
}

_REQUEST_NAMESPACE = uuid.UUID("6f1c2d0e-5b1a-4f43-9a57-2b8e0c7d4e11")  # fixed: stable output


@dataclasses.dataclass(frozen=True)
class MatterRecipe:
    """One fictional application: its metadata and its events, oldest first."""

    application_number: str
    demonstrates: str
    metadata: dict[str, Any]
    events: tuple[tuple[str, str], ...]  # (eventCode, eventDate); repeats are deliberate

    @property
    def file_name(self) -> str:
        return f"us-{self.application_number}-transactions.json"


def _meta(
    *,
    filed: str,
    title: str,
    applicant: str,
    inventor: str,
    entity: str,
    art_unit: str,
    docket: str,
    status: tuple[int, str, str],
    grant: tuple[str, str] | None = None,
) -> dict[str, Any]:
    code, text, status_date = status
    meta: dict[str, Any] = {
        "firstInventorToFileIndicator": "Y",
        "applicationStatusCode": code,
        "applicationTypeCode": "UTL",
        "entityStatusData": {
            "smallEntityStatusIndicator": entity == "Small",
            "businessEntityStatusCategory": entity,
        },
        "filingDate": filed,
        "effectiveFilingDate": filed,
        "nationalStageIndicator": False,
        "firstInventorName": inventor,
        "applicationTypeLabelName": "Utility",
        "applicationStatusDate": status_date,
        "applicationTypeCategory": "REGULAR",
        "applicationStatusDescriptionText": text,
    }
    if grant is not None:
        meta["patentNumber"], meta["grantDate"] = grant
    meta.update(
        {
            "firstApplicantName": applicant,
            "customerNumber": 214739,
            "groupArtUnitNumber": art_unit,
            "inventionTitle": title,
            "docketNumber": docket,
        }
    )
    return meta


MATTERS: tuple[MatterRecipe, ...] = (
    MatterRecipe(
        application_number="19104217",
        demonstrates=(
            "pending; non-final Office action written 2026-09-10 and mailed 2026-09-15: the "
            "reply entry is open and counts from the mailing date"
        ),
        metadata=_meta(
            filed="2025-03-14",
            title="Tunable optical isolator with a segmented magneto-optic waveguide",
            applicant="Northwind Photonics, Inc.",
            inventor="Maren Okafor",
            entity="Regular Undiscounted",
            art_unit="2874",
            docket="NWP-0117-US",
            status=(41, "Non Final Action Mailed", "2026-09-15"),
        ),
        events=(
            ("FTFS", "2025-03-14"),
            ("COMP", "2025-03-18"),
            ("FLRCPT.O", "2025-04-02"),
            ("OIPE", "2025-04-03"),
            ("DOCK", "2025-06-20"),
            ("EIDS.", "2025-07-01"),
            ("WIDS", "2025-07-01"),
            ("CTNF", "2026-09-10"),
            ("MCTNF", "2026-09-15"),
            ("EML_NTR", "2026-09-15"),
        ),
    ),
    MatterRecipe(
        application_number="18622913",
        demonstrates=(
            "non-final action mailed 2025-11-25, answered 2026-02-24 (entry closed by the reply), "
            "then a final rejection mailed 2026-10-06 (a new reply entry, open); two IDS "
            "considered on one day appear as two identical rows, as the ODP lists them"
        ),
        metadata=_meta(
            filed="2024-03-29",
            title="Battery pack thermal runaway barrier with intumescent spacer sheets",
            applicant="Halvorsen Energy Systems AS",
            inventor="Ingrid Halvorsen",
            entity="Regular Undiscounted",
            art_unit="1729",
            docket="HES-0042-US",
            status=(61, "Final Rejection Mailed", "2026-10-06"),
        ),
        events=(
            ("FTFS", "2024-03-29"),
            ("FLRCPT.O", "2024-04-10"),
            ("OIPE", "2024-04-11"),
            ("PG-ISSUE", "2024-10-03"),
            ("DOCK", "2025-06-02"),
            ("CTNF", "2025-11-20"),
            ("MCTNF", "2025-11-25"),
            ("EML_NTR", "2025-11-25"),
            ("A...", "2026-02-24"),
            ("EIDS.", "2026-02-24"),
            ("IDSC", "2026-05-12"),
            ("IDSC", "2026-05-12"),
            ("CTFR", "2026-10-01"),
            ("MCTFR", "2026-10-06"),
            ("EML_NTR", "2026-10-06"),
        ),
    ),
    MatterRecipe(
        application_number="18441052",
        demonstrates=(
            "allowed: the first action's reply entry is closed by the response, and the notice "
            "of allowance mailed 2026-10-01 opens the issue-fee entry, due 2027-01-04 (three "
            "months end on New Year's Day, a federal holiday: rolled to Monday)"
        ),
        metadata=_meta(
            filed="2024-02-14",
            title="Self-calibrating flow sensor for low-pressure irrigation lines",
            applicant="Cardenas Agritech LLC",
            inventor="Luis Cardenas",
            entity="Small",
            art_unit="2855",
            docket="CAG-0008-US",
            status=(
                93,
                "Notice of Allowance Mailed -- Application Received in Office of Publications",
                "2026-10-01",
            ),
        ),
        events=(
            ("FTFS", "2024-02-14"),
            ("FLRCPT.O", "2024-03-01"),
            ("OIPE", "2024-03-04"),
            ("PG-ISSUE", "2024-08-22"),
            ("DOCK", "2025-01-27"),
            ("CTNF", "2025-04-29"),
            ("MCTNF", "2025-05-02"),
            ("EML_NTR", "2025-05-02"),
            ("A...", "2025-07-31"),
            ("EX.R", "2026-09-24"),
            ("N/=.", "2026-09-24"),
            ("MN/=.", "2026-10-01"),
            ("EML_NTR", "2026-10-01"),
        ),
    ),
    MatterRecipe(
        application_number="17366480",
        demonstrates=(
            "granted 2022-08-16; the 4th-year maintenance fee was paid 2025-11-04 (that entry "
            "closed), the 8th- and 12th-year fees are open; the action and issue-fee entries "
            "of its prosecution are closed"
        ),
        metadata=_meta(
            filed="2021-07-02",
            title="Modular scaffold coupling with a captive wedge lock",
            applicant="Brightwater Structures Ltd.",
            inventor="Owen Tremblay",
            entity="Small",
            art_unit="3678",
            docket="BWS-0021-US",
            status=(150, "Patented Case", "2022-07-27"),
            grant=("11418217", "2022-08-16"),
        ),
        events=(
            ("FLRCPT.O", "2021-07-20"),
            ("OIPE", "2021-07-21"),
            ("DOCK", "2021-11-08"),
            ("CTNF", "2022-01-10"),
            ("MCTNF", "2022-01-13"),
            ("A...", "2022-03-30"),
            ("N/=.", "2022-04-25"),
            ("MN/=.", "2022-04-28"),
            ("IFEE", "2022-06-21"),
            ("N084", "2022-06-23"),
            ("WPIR", "2022-07-27"),
            ("PTAC", "2022-08-16"),
            ("PGM/", "2022-08-16"),
            ("EML_NTR", "2022-08-16"),
            ("M2551", "2025-11-04"),
        ),
    ),
    MatterRecipe(
        application_number="18209775",
        demonstrates=(
            "abandoned: the non-final action mailed 2025-07-08 was never answered; the "
            "abandonment of 2026-01-09 closes its reply entry"
        ),
        metadata=_meta(
            filed="2023-06-14",
            title="Collapsible pet carrier with a ventilated hinge panel",
            applicant="Pemberton Home Goods Corp.",
            inventor="Alice Pemberton",
            entity="Regular Undiscounted",
            art_unit="3644",
            docket="PHG-0003-US",
            status=(161, "Abandoned -- Failure to Respond to an Office Action", "2026-02-05"),
        ),
        events=(
            ("FTFS", "2023-06-14"),
            ("FLRCPT.O", "2023-06-29"),
            ("OIPE", "2023-06-30"),
            ("PG-ISSUE", "2024-12-19"),
            ("DOCK", "2025-03-10"),
            ("CTNF", "2025-07-03"),
            ("MCTNF", "2025-07-08"),
            ("EML_NTR", "2025-07-08"),
            ("ABN2", "2026-01-09"),
            ("MABN2", "2026-02-05"),
        ),
    ),
    MatterRecipe(
        application_number="17512338",
        demonstrates=(
            "granted 2023-05-16, 4th-year maintenance fee not paid: its window without "
            "surcharge closed 2026-11-16 and the surcharge grace period runs to 2027-05-17, so "
            "from 2026-11-17 it is an open entry past its due date (the docket asset's "
            "no_open_deadline_in_the_past check names it)"
        ),
        metadata=_meta(
            filed="2021-10-27",
            title="Low-drift reference voltage circuit with chopper-stabilized trimming",
            applicant="Kestrel Microsystems GmbH",
            inventor="Jonas Albrecht",
            entity="Regular Undiscounted",
            art_unit="2838",
            docket="KMS-0064-US",
            status=(150, "Patented Case", "2023-04-26"),
            grant=("11652904", "2023-05-16"),
        ),
        events=(
            ("FLRCPT.O", "2021-11-12"),
            ("OIPE", "2021-11-15"),
            ("PG-ISSUE", "2022-05-05"),
            ("DOCK", "2022-06-06"),
            ("EX.R", "2023-01-17"),
            ("N/=.", "2023-01-17"),
            ("MN/=.", "2023-01-20"),
            ("EML_NTR", "2023-01-20"),
            ("IFEE", "2023-03-29"),
            ("WPIR", "2023-04-26"),
            ("PTAC", "2023-05-16"),
            ("PGM/", "2023-05-16"),
        ),
    ),
)


def transactions_response(matter: MatterRecipe) -> dict[str, Any]:
    """The ODP transactions response body for one matter (rows newest first)."""
    unknown = sorted({code for code, _ in matter.events} - set(ODP_DESCRIPTIONS))
    if unknown:
        raise ValueError(f"{matter.application_number}: no ODP description for {unknown}")
    # Newest first, as the ODP lists them; rows of one day keep their recipe order reversed,
    # which is also how the office lists same-day rows (latest recorded first).
    rows = [
        {"eventCode": code, "eventDate": date, "eventDescriptionText": ODP_DESCRIPTIONS[code]}
        for code, date in reversed(matter.events)
    ]
    rows.sort(key=lambda row: row["eventDate"], reverse=True)  # stable: same-day order kept
    return {
        "count": 1,
        "patentFileWrapperDataBag": [
            {
                "applicationNumberText": matter.application_number,
                "applicationMetaData": matter.metadata,
                "eventDataBag": rows,
            }
        ],
        "requestIdentifier": str(uuid.uuid5(_REQUEST_NAMESPACE, matter.application_number)),
    }


def render(matter: MatterRecipe) -> bytes:
    """The file's bytes: two-space indented JSON, UTF-8, one trailing newline."""
    text = json.dumps(transactions_response(matter), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_event_files(out: Path, matters: Sequence[MatterRecipe] = MATTERS) -> list[Path]:
    """Write one transactions file per matter into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for matter in matters:
        path = out / matter.file_name
        path.write_bytes(render(matter))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m patent_sync.samplegen.events --out DIR``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m patent_sync.samplegen.events",
        description="Write the synthetic USPTO ODP transaction histories of the demo docket.",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    args = parser.parse_args(argv)
    try:
        paths = write_event_files(args.out)
    except OSError as exc:
        print(f"samplegen.events: {exc}", file=sys.stderr)
        return 2
    for path, matter in zip(paths, MATTERS, strict=True):
        print(f"{path}  US {matter.application_number}: {matter.demonstrates}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
