"""Word, name and place lists the sample generator composes its synthetic documents from.

Everything here was written for this project: the organisations, people and law firms are
fictional, and titles, abstracts, descriptions and claims are composed from these lists, never
copied from published documents. A few names carry non-ASCII letters on purpose, because real
weekly files write them as numeric character references (``&#xfc;``) and parsers must cope.
"""

from __future__ import annotations

import random
from typing import NamedTuple


class Place(NamedTuple):
    city: str
    state: str | None  # US state or Canadian province; None where the office gives none
    country: str  # WIPO ST.3


class Organisation(NamedTuple):
    name: str
    place: Place


class Code(NamedTuple):
    """One IPC/CPC symbol split the way ICE writes it: section, class, subclass, groups."""

    section: str
    klass: str
    subclass: str
    main_group: str
    subgroup: str
    version: str  # the version-indicator date, YYYYMMDD


class Theme(NamedTuple):
    """A technical field: the words its titles, claims and descriptions are built from."""

    subjects: tuple[str, ...]  # what the invention is ("battery module")
    components: tuple[str, ...]  # parts a claim recites ("current collector")
    actions: tuple[str, ...]  # what the parts do ("regulate", "sense")
    objects: tuple[str, ...]  # what they act on ("cell temperature")
    codes: tuple[Code, ...]  # plausible classification symbols for the field
    art_units: tuple[str, ...]  # USPTO art units examining the field


PLACES_US: tuple[Place, ...] = (
    Place("Austin", "TX", "US"),
    Place("Raleigh", "NC", "US"),
    Place("Boise", "ID", "US"),
    Place("Madison", "WI", "US"),
    Place("Rochester", "NY", "US"),
    Place("San Jose", "CA", "US"),
    Place("Ann Arbor", "MI", "US"),
    Place("Pittsburgh", "PA", "US"),
    Place("Boulder", "CO", "US"),
    Place("Cambridge", "MA", "US"),
    Place("Chandler", "AZ", "US"),
    Place("Beaverton", "OR", "US"),
    Place("St. Paul", "MN", "US"),
    Place("Durham", "NC", "US"),
)

PLACES_ABROAD: tuple[Place, ...] = (
    Place("Eindhoven", None, "NL"),
    Place("Kyoto", None, "JP"),
    Place("Suwon-si", None, "KR"),
    Place("M\u00fcnchen", None, "DE"),
    Place("Hsinchu", None, "TW"),
    Place("Shenzhen", None, "CN"),
    Place("Grenoble", None, "FR"),
    Place("Toronto", "ON", "CA"),
    Place("Link\u00f6ping", None, "SE"),
    Place("Haifa", None, "IL"),
    Place("Bengaluru", None, "IN"),
    Place("Z\u00fcrich", None, "CH"),
)

ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation("Northwind Photonics, Inc.", PLACES_US[0]),
    Organisation("Bluefield Robotics LLC", PLACES_US[1]),
    Organisation("Kestrel Medical Devices Corporation", PLACES_US[8]),
    Organisation("Ardent & Vale Semiconductor Co., Ltd.", PLACES_ABROAD[4]),
    Organisation("Quillon Energy Systems, Inc.", PLACES_US[6]),
    Organisation("Tessary Networks Corp.", PLACES_US[5]),
    Organisation("Hollowmere Biologics, Inc.", PLACES_US[9]),
    Organisation("Veldhoven Precision B.V.", PLACES_ABROAD[0]),
    Organisation("Sakuragawa Instruments Co., Ltd.", PLACES_ABROAD[1]),
    Organisation("Hanbit Display Co., Ltd.", PLACES_ABROAD[2]),
    Organisation("Isarwerk Antriebstechnik GmbH", PLACES_ABROAD[3]),
    Organisation("Pearlriver Intelligent Technology Co., Ltd.", PLACES_ABROAD[5]),
    Organisation("Alpenlicht Optics AG", PLACES_ABROAD[11]),
    Organisation("Carmine Ridge Agritech LLC", PLACES_US[2]),
    Organisation("Lakeshore Fluidics Inc.", PLACES_US[3]),
    Organisation("Sable & Finch Consumer Products LLC", PLACES_US[10]),
    Organisation("Norrsken Mobility AB", PLACES_ABROAD[8]),
    Organisation("Maple Crescent Therapeutics Inc.", PLACES_ABROAD[7]),
)

LAW_FIRMS: tuple[str, ...] = (
    "Harlow Penn & Whitcombe LLP",
    "Marrick IP Group PLLC",
    "Oakhurst Lindqvist LLP",
    "Brennan, Sato & Achterberg P.C.",
    "Fenwright Patent Law",
    "Calder Ross & Nkemelu LLP",
)

LAST_NAMES: tuple[str, ...] = (
    "Okafor",
    "Lindqvist",
    "Nakamura",
    "Haddad",
    "Kowalski",
    "Garc\u00eda",
    "M\u00fcller",
    "Chen",
    "Patel",
    "O'Brien",
    "Novak",
    "Rossi",
    "Ivanova",
    "Dubois",
    "Kim",
    "Singh",
    "Van der Berg",
    "Abernathy",
    "Toivonen",
    "Mendoza",
    "Achterberg",
    "Whitlock",
    "Osei",
    "Fairbanks",
)

FIRST_NAMES: tuple[str, ...] = (
    "Adaeze",
    "Henrik",
    "Yuki",
    "Samir",
    "Agnieszka",
    "Luc\u00eda",
    "J\u00fcrgen",
    "Wei",
    "Priya",
    "Declan",
    "Marek",
    "Giulia",
    "Olga",
    "Th\u00e9o",
    "Min-jun",
    "Harpreet",
    "Pieter",
    "Rosalind",
    "Eero",
    "Camila",
    "Bram",
    "Nathaniel",
    "Kwame",
    "Evelyn",
)

MIDDLE_INITIALS: tuple[str, ...] = ("", "", "", " A.", " J.", " M.", " R.", " T.")

THEMES: tuple[Theme, ...] = (
    Theme(
        subjects=("battery module", "energy storage system", "charging circuit"),
        components=("cell stack", "current collector", "thermal interface layer", "busbar"),
        actions=("regulate", "monitor", "dissipate", "balance"),
        objects=("cell temperature", "state of charge", "charge current", "terminal voltage"),
        codes=(
            Code("H", "01", "M", "10", "0525", "20100101"),
            Code("H", "01", "M", "50", "204", "20210101"),
            Code("H", "02", "J", "7", "00", "20060101"),
        ),
        art_units=("1727", "1729", "2859"),
    ),
    Theme(
        subjects=("data routing method", "network controller", "packet scheduler"),
        components=("ingress queue", "forwarding table", "processor", "memory"),
        actions=("classify", "buffer", "forward", "throttle"),
        objects=("data packets", "flow identifiers", "latency budget", "link capacity"),
        codes=(
            Code("H", "04", "L", "47", "125", "20220101"),
            Code("H", "04", "L", "45", "00", "20220101"),
            Code("G", "06", "F", "9", "50", "20060101"),
        ),
        art_units=("2413", "2445", "2457"),
    ),
    Theme(
        subjects=("catheter assembly", "infusion pump", "wearable monitor"),
        components=("flexible shaft", "pressure sensor", "drug reservoir", "housing"),
        actions=("deliver", "measure", "stabilize", "detect"),
        objects=("fluid flow", "blood pressure", "dosage rate", "skin contact"),
        codes=(
            Code("A", "61", "M", "25", "09", "20060101"),
            Code("A", "61", "B", "5", "0205", "20060101"),
            Code("A", "61", "M", "5", "142", "20060101"),
        ),
        art_units=("3783", "3791", "3781"),
    ),
    Theme(
        subjects=("imaging lens", "optical sensor", "projection module"),
        components=("lens element", "image sensor", "aperture stop", "light guide"),
        actions=("focus", "filter", "collimate", "detect"),
        objects=("incident light", "infrared radiation", "image distortion", "stray reflections"),
        codes=(
            Code("G", "02", "B", "13", "0045", "20060101"),
            Code("G", "02", "B", "9", "62", "20060101"),
            Code("H", "04", "N", "23", "55", "20230101"),
        ),
        art_units=("2872", "2878", "2696"),
    ),
    Theme(
        subjects=("harvesting implement", "irrigation valve", "seed metering unit"),
        components=("rotor", "solenoid actuator", "flow channel", "controller"),
        actions=("meter", "divert", "actuate", "distribute"),
        objects=("seed spacing", "water pressure", "soil moisture", "row alignment"),
        codes=(
            Code("A", "01", "C", "7", "04", "20060101"),
            Code("A", "01", "G", "25", "16", "20060101"),
            Code("F", "16", "K", "31", "02", "20060101"),
        ),
        art_units=("3671", "3752", "3753"),
    ),
    Theme(
        subjects=("machine learning accelerator", "inference engine", "training pipeline"),
        components=("tensor core", "weight buffer", "scheduler", "on-chip memory"),
        actions=("quantize", "partition", "prefetch", "compress"),
        objects=("activation maps", "model weights", "gradient updates", "batch inputs"),
        codes=(
            Code("G", "06", "N", "3", "063", "20230101"),
            Code("G", "06", "N", "3", "08", "20230101"),
            Code("G", "06", "F", "17", "16", "20060101"),
        ),
        art_units=("2122", "2125", "2183"),
    ),
)

ADJECTIVES: tuple[str, ...] = (
    "Adaptive",
    "Modular",
    "Low-latency",
    "Self-calibrating",
    "Compact",
    "Redundant",
    "Energy-efficient",
    "Multi-stage",
    "Sealed",
    "Reconfigurable",
)

PURPOSES: tuple[str, ...] = (
    "harsh environments",
    "high-volume manufacturing",
    "remote operation",
    "reduced power consumption",
    "continuous monitoring",
    "field maintenance",
)

DESIGN_ARTICLES: tuple[tuple[str, str, str], ...] = (
    # (title, Locarno class, US design class)
    ("Beverage container", "0701", "D 7509"),
    ("Lamp shade", "2603", "D26119"),
    ("Earbud charging case", "1402", "D14218"),
    ("Garden hose nozzle", "2301", "D23227"),
    ("Display screen with graphical user interface", "1404", "D14486"),
    ("Running shoe", "0204", "D 2947"),
    ("Vehicle wheel", "1212", "D12204"),
)

GERUNDS: tuple[str, ...] = ("controlling", "estimating", "managing", "detecting", "adjusting")

CONNECTIVES: tuple[str, ...] = (
    "In some embodiments,",
    "In one example,",
    "As shown in the figures,",
    "Optionally,",
    "According to another aspect,",
    "In a further implementation,",
)

OUTCOMES: tuple[str, ...] = (
    "which reduces wear over repeated cycles",
    "so that fewer manual adjustments are needed",
    "without adding a separate control loop",
    "while keeping the assembly serviceable",
    "which improves repeatability between units",
    "at a lower manufacturing cost",
)


def person_name(rng: random.Random) -> tuple[str, str]:
    """A fictional (last name, first name) pair; first names sometimes carry an initial."""
    return rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES) + rng.choice(MIDDLE_INITIALS)


def any_place(rng: random.Random) -> Place:
    """A place, mostly in the US as in real US weekly files."""
    return rng.choice(PLACES_US) if rng.random() < 0.7 else rng.choice(PLACES_ABROAD)


def invention_title(rng: random.Random, theme: Theme) -> str:
    """A title in one of the shapes US titles take ("X for Y", "Method and system for ...")."""
    subject = rng.choice(theme.subjects)
    shape = rng.randrange(4)
    if shape == 0:
        return f"{rng.choice(ADJECTIVES)} {subject} for {rng.choice(PURPOSES)}"
    if shape == 1:
        return f"Method and system for {rng.choice(GERUNDS)} {rng.choice(theme.objects)}"
    if shape == 2:
        return f"{subject.capitalize()} with {rng.choice(theme.components)}"
    # Publications often arrive upper-cased, as in real application files.
    return f"{rng.choice(ADJECTIVES)} {subject} and method of operating the same".upper()


def sentence(rng: random.Random, theme: Theme) -> str:
    """One description sentence about the theme's parts."""
    return (
        f"{rng.choice(CONNECTIVES)} the {rng.choice(theme.components)} is arranged to "
        f"{rng.choice(theme.actions)} the {rng.choice(theme.objects)} in response to a change "
        f"in the {rng.choice(theme.objects)}, {rng.choice(OUTCOMES)}."
    )
