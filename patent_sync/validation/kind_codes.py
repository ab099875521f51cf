"""Publication kind codes each office uses (WIPO ST.16 as applied by the office).

A kind code outside these tables is quarantined as ``unknown_code`` rather than guessed at: a
new kind usually means a new document type whose deadlines nobody has reviewed yet.
"""

from __future__ import annotations

# USPTO kind codes since 2001 (ST.16 with the USPTO's national practice), and "A", the kind
# DOCDB and the USPTO's own systems give a utility patent granted before 2001 (US-6103599-A).
US_KIND_CODES: frozenset[str] = frozenset(
    {
        "A",  # utility patent granted before 2001-01-02
        "A1",  # patent application publication
        "A2",  # second or subsequent publication of an application
        "A9",  # corrected application publication
        "B1",  # utility patent, no previously published application
        "B2",  # utility patent, previously published application
        "C1",  # reexamination certificate (first, second, third ...)
        "C2",
        "C3",
        "E",  # reissue patent
        "H",  # statutory invention registration
        "P1",  # plant patent (before 2001)
        "P2",  # plant patent, no previously published application
        "P3",  # plant patent, previously published application
        "P4",  # plant patent application publication
        "P9",  # corrected plant patent application publication
        "S",  # design patent
    }
)

# EPO kind codes (ST.16 as the EPO applies it, Guidelines A-XI / OJ EPO).
EP_KIND_CODES: frozenset[str] = frozenset(
    {
        "A1",  # application published with the European search report
        "A2",  # application published without the search report
        "A3",  # search report published separately
        "A4",  # supplementary search report
        "A8",  # corrected title page of an A document
        "A9",  # complete reprint of an A document
        "B1",  # patent specification
        "B2",  # new specification after opposition
        "B3",  # specification after limitation
        "B8",  # corrected title page of a B document
        "B9",  # complete reprint of a B document
    }
)

# WIPO kind codes for PCT publications (WO).
WO_KIND_CODES: frozenset[str] = frozenset(
    {
        "A1",  # international application published with the international search report
        "A2",  # published without the search report (or with a declaration under Art. 17)
        "A3",  # search report published separately
        "A4",  # later publication of amended claims or statement (Art. 19)
        "A8",  # corrected bibliographic data on the front page
        "A9",  # corrected international application (complete reprint)
    }
)

KIND_CODES_BY_OFFICE: dict[str, frozenset[str]] = {
    "US": US_KIND_CODES,
    "EP": EP_KIND_CODES,
    "WO": WO_KIND_CODES,
}


def is_known_kind(country: str | None, kind: str | None) -> bool:
    """True when ``kind`` is a kind code the office ``country`` publishes.

    Offices without a table here accept any ST.16-shaped code; the pandera schema checks the
    shape separately.
    """
    if not kind:
        return False
    table = KIND_CODES_BY_OFFICE.get(country or "")
    return table is None or kind in table
