"""Publication kind codes each office uses (WIPO ST.16 as applied by the office).

A kind code outside these tables is quarantined as ``unknown_code`` rather than guessed at: a
new kind usually means a new document type whose deadlines nobody has reviewed yet.
"""

from __future__ import annotations

# USPTO kind codes since 2001 (ST.16 with the USPTO's national practice).
US_KIND_CODES: frozenset[str] = frozenset(
    {
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

KIND_CODES_BY_OFFICE: dict[str, frozenset[str]] = {"US": US_KIND_CODES}


def is_known_kind(country: str | None, kind: str | None) -> bool:
    """True when ``kind`` is a kind code the office ``country`` publishes.

    Offices without a table here accept any ST.16-shaped code; the pandera schema checks the
    shape separately.
    """
    if not kind:
        return False
    table = KIND_CODES_BY_OFFICE.get(country or "")
    return table is None or kind in table
