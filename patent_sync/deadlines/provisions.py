"""EPC provisions as a paralegal writes them (``Rule 51(2)``, ``Art. 87(1)``), and the periods
the EPC excludes from its remedies.

``parse_provision`` turns the text into a ``Provision`` (article or rule, number, paragraph,
letter) and back into one canonical spelling, so ``R. 51 (2) EPC`` and ``rule 51(2)`` are the same
request. The exclusion tables are the law as in force since 1 November 2022:

* **Further processing is ruled out** (Art. 121(4), Rule 135(2) EPC, as amended by CA/D 2/21,
  OJ EPO 2022, A3) for Art. 87(1) (priority period), Art. 108 (appeal), Art. 112a(4) (petition
  for review), the periods for requesting further processing (Rule 135(1)) and
  re-establishment (Rule 136(1)), and Rules 6(1), 16(1)(a), 31(2), 36(2), 40(3), 51(2) to (5),
  52(2) and (3), 55, 56, 56a(1) and (3) to (7), 58, 59, 62a, 63, 64, 112(2), 164(1) and (2).
* **Re-establishment is ruled out** for its own period (Art. 122(4); Rule 136(1)), for any
  period for which further processing is available (Rule 136(3)) and, for want of standing,
  for the opposition period (Art. 99(1): Art. 122(1) helps only the applicant or proprietor,
  G 1/86). Which periods further processing covers cannot be listed exhaustively, so
  ``FURTHER_PROCESSING_AVAILABLE`` holds only the common grant-procedure periods for which it
  certainly is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from patent_sync.deadlines.errors import InvalidParameterError

_PATTERN = re.compile(
    r"""^\s*(?P<kind>art(?:icle)?|r(?:ule)?)\s*\.?\s*
    (?P<number>\d{1,3})(?P<suffix>[a-z]?)\s*
    (?:\(\s*(?P<paragraph>\d{1,2})\s*\))?\s*
    (?:\(\s*(?P<letter>[a-z])\s*\))?\s*
    (?:,\s*(?:first|second|third|fourth|last)\s+sentence\s*)?
    (?:epc)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_HIGHEST = {"Art.": 178, "Rule": 165}  # EPC 2000: Articles 1-178, Implementing Rules 1-165


@dataclass(frozen=True, slots=True)
class Provision:
    """An EPC article or rule, optionally down to a paragraph and a lettered item."""

    kind: str  # "Art." or "Rule"
    number: str  # "87", "112a", "56a"
    paragraph: str | None = None
    letter: str | None = None

    @property
    def text(self) -> str:
        """The canonical spelling: ``Rule 16(1)(a)``, ``Art. 108``."""
        out = f"{self.kind} {self.number}"
        if self.paragraph:
            out += f"({self.paragraph})"
        if self.letter:
            out += f"({self.letter})"
        return out


def parse_provision(value: str, what: str) -> Provision:
    """The provision written in ``value``; ``InvalidParameterError`` naming ``what`` otherwise."""
    match = _PATTERN.match(value)
    if match is None:
        raise InvalidParameterError(
            f"{what} must name an EPC provision as written in the EPC, e.g. 'Rule 51(2)' or "
            f"'Art. 87(1)', got {value!r}"
        )
    kind = "Art." if match["kind"].lower().startswith("a") else "Rule"
    number = int(match["number"])
    if not 1 <= number <= _HIGHEST[kind]:
        name = "Article" if kind == "Art." else "Rule"
        raise InvalidParameterError(
            f"{what}: the EPC has no {name} {number} (Articles 1-178, Rules 1-165), got {value!r}"
        )
    return Provision(
        kind,
        f"{number}{match['suffix'].lower()}",
        match["paragraph"],
        match["letter"].lower() if match["letter"] else None,
    )


# (kind, number) → the excluded paragraphs ("1", "1(a)") or None when the whole provision is.
_NO_FURTHER_PROCESSING: dict[tuple[str, str], frozenset[str] | None] = {
    ("Art.", "87"): frozenset({"1"}),
    ("Art.", "108"): None,
    ("Art.", "112a"): frozenset({"4"}),
    ("Rule", "6"): frozenset({"1"}),
    ("Rule", "16"): frozenset({"1(a)"}),
    ("Rule", "31"): frozenset({"2"}),
    ("Rule", "36"): frozenset({"2"}),
    ("Rule", "40"): frozenset({"3"}),
    ("Rule", "51"): frozenset({"2", "3", "4", "5"}),
    ("Rule", "52"): frozenset({"2", "3"}),
    ("Rule", "55"): None,
    ("Rule", "56"): None,
    ("Rule", "56a"): frozenset({"1", "3", "4", "5", "6", "7"}),
    ("Rule", "58"): None,
    ("Rule", "59"): None,
    ("Rule", "62a"): None,
    ("Rule", "63"): None,
    ("Rule", "64"): None,
    ("Rule", "112"): frozenset({"2"}),
    ("Rule", "135"): frozenset({"1"}),
    ("Rule", "136"): frozenset({"1"}),
    ("Rule", "164"): frozenset({"1", "2"}),
}

#: Grant-procedure periods for which further processing is certainly available (so Rule 136(3)
#: rules out re-establishment for them): replies to examination and search communications,
#: the examination and designation fees, Rule 71(3), the Euro-PCT Rules 161/162 reply.
FURTHER_PROCESSING_AVAILABLE = frozenset(
    {
        "Art. 94(3)",
        "Rule 39(1)",
        "Rule 70(1)",
        "Rule 70(2)",
        "Rule 70a(1)",
        "Rule 70a(2)",
        "Rule 71(3)",
        "Rule 161(1)",
        "Rule 161(2)",
        "Rule 162(2)",
    }
)


def further_processing_excluded(provision: Provision, what: str) -> bool:
    """True when Art. 121(4)/Rule 135(2) rule out further processing for ``provision``.

    Raises ``InvalidParameterError`` when the answer depends on a paragraph (or lettered item)
    the text does not give, e.g. ``Rule 51`` (51(1) is open to it, 51(2) is not).
    """
    key = (provision.kind, provision.number)
    if key not in _NO_FURTHER_PROCESSING:
        return False
    excluded = _NO_FURTHER_PROCESSING[key]
    if excluded is None:
        return True
    given = provision.paragraph or ""
    if provision.letter:
        given += f"({provision.letter})"
    needs_letter = any(item.startswith(f"{provision.paragraph}(") for item in excluded)
    if not provision.paragraph or (needs_letter and not provision.letter):
        part = "paragraph" if not provision.paragraph else "lettered item"
        raise InvalidParameterError(
            f"{what}: give the {part} of {provision.text}: further processing is ruled out "
            f"for {_spell(provision, excluded)} only (Rule 135(2) EPC)"
        )
    return given in excluded


def _spell(provision: Provision, items: frozenset[str]) -> str:
    parts = []
    for item in sorted(items):
        paragraph, _, letter = item.partition("(")
        parts.append(
            f"{provision.kind} {provision.number}({paragraph})" + (f"({letter}" if letter else "")
        )
    return ", ".join(parts)
