"""Size limits on untrusted input, read from the environment in this one place.

Every limit sits far above what a real delivery reaches, so it only ever stops hostile or
broken files, and each can be raised without a release when an office's files grow:

=======================================  ===========  =========================================
environment variable                     default      what it bounds
=======================================  ===========  =========================================
``PATENT_SYNC_MAX_RECORD_BYTES``         64 MiB       one document of a US weekly file, one
                                                      DOCDB record (quarantined beyond it)
``PATENT_SYNC_MAX_MEMBER_BYTES``         16 GiB       the decompressed size of one zip member
``PATENT_SYNC_MAX_COMPRESSION_RATIO``    200          decompressed / compressed size of a zip
                                                      member, once it is past the next limit
``PATENT_SYNC_RATIO_MIN_BYTES``          64 MiB       the size under which the ratio is not
                                                      checked (small files compress very well)
``PATENT_SYNC_MAX_EVENT_FILE_BYTES``     16 MiB       one prosecution-event file (an API
                                                      response of a few hundred KiB at most)
``PATENT_SYNC_MAX_JSON_DEPTH``           64           nesting of an event JSON file
=======================================  ===========  =========================================

Sizes are a number of bytes, optionally with a ``KiB``, ``MiB`` or ``GiB`` suffix
(``PATENT_SYNC_MAX_RECORD_BYTES=128MiB``). Two limits are fixed rather than configurable
because the code that enforces them is not ours to tune: XML element depth (libxml2's 256
without ``huge_tree``) and the DOCTYPE size format detection can see (its 64 KiB head).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

from patent_sync.parsing.errors import ParseError

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30

#: libxml2's maximum element depth for parsers without ``huge_tree`` (``xmlParserMaxDepth``);
#: every parser in ``safe_xml`` runs with ``huge_tree=False``, so deeper XML is not well-formed.
XML_MAX_DEPTH = 256

#: The longest DOCTYPE internal subset accepted. Real USPTO and EPO files have an empty one
#: or none; format detection reads a 64 KiB head, so a longer subset hides the root element.
MAX_DOCTYPE_BYTES = 64 * KIB

_SIZE = re.compile(r"^\s*(\d+)\s*(KiB|MiB|GiB|K|M|G)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": KIB, "kib": KIB, "m": MIB, "mib": MIB, "g": GIB, "gib": GIB}


class LimitSettingError(ParseError):
    """An environment variable that sets a limit holds something that is not a size."""

    default_check = "invalid_limit_setting"


@dataclasses.dataclass(frozen=True, slots=True)
class ParseLimits:
    """The limits in force; ``ParseLimits.from_env()`` for the configured ones."""

    max_record_bytes: int = 64 * MIB
    max_member_bytes: int = 16 * GIB
    max_compression_ratio: int = 200
    ratio_min_bytes: int = 64 * MIB
    max_event_file_bytes: int = 16 * MIB
    max_json_depth: int = 64

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ParseLimits:
        """The defaults, overridden by whichever ``PATENT_SYNC_...`` variables are set.

        Raises ``LimitSettingError`` (a one-line ``ParseError``) for a value that is not a
        positive size, rather than silently falling back to a default.
        """
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for field in dataclasses.fields(cls):
            name = ENV_VARS[field.name]
            raw = env.get(name)
            if raw is not None and raw.strip():
                values[field.name] = _parse_size(name, raw)
        return cls(**values)


#: The environment variable of each field.
ENV_VARS: dict[str, str] = {
    "max_record_bytes": "PATENT_SYNC_MAX_RECORD_BYTES",
    "max_member_bytes": "PATENT_SYNC_MAX_MEMBER_BYTES",
    "max_compression_ratio": "PATENT_SYNC_MAX_COMPRESSION_RATIO",
    "ratio_min_bytes": "PATENT_SYNC_RATIO_MIN_BYTES",
    "max_event_file_bytes": "PATENT_SYNC_MAX_EVENT_FILE_BYTES",
    "max_json_depth": "PATENT_SYNC_MAX_JSON_DEPTH",
}


def current_limits() -> ParseLimits:
    """The limits configured now (read on every call, so a changed environment applies)."""
    return ParseLimits.from_env()


def describe_size(size: int) -> str:
    """``67108864`` → ``"64 MiB"``; sizes that are not whole KiB/MiB/GiB stay in bytes."""
    for unit, factor in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def _parse_size(name: str, raw: str) -> int:
    match = _SIZE.match(raw)
    value = int(match.group(1)) * _UNITS[(match.group(2) or "").lower()] if match else 0
    if value <= 0:
        shown = raw.strip()[:40].encode("ascii", "backslashreplace").decode("ascii")
        raise LimitSettingError(
            f"{name}={shown!r} is not a positive size (a number of bytes, optionally with "
            "KiB, MiB or GiB)"
        )
    return value
