"""Independent counts used by the reconciliation checks.

The parser splits a weekly file one way (large chunks, boundary search); this counts the same
records another way (line by line), so a splitter bug, such as a document swallowed by its
neighbour, shows up as a mismatch in the ``records_accounted_for`` check instead of as a
silent drop.
"""

from __future__ import annotations

import dataclasses
import re
from typing import BinaryIO

_DECLARATION = b"<?xml "
_ROOT_END = re.compile(rb"</us-patent-[a-z-]+>\s*$")


@dataclasses.dataclass(frozen=True)
class RawRecordCount:
    """What a concatenated weekly file holds, counted from its lines."""

    declarations: int  # documents: lines starting with an XML declaration
    leading_garbage: int  # 1 if there are bytes before the first declaration
    stray_segments: int  # non-blank runs after a document's root end tag, before the next one

    @property
    def records(self) -> int:
        """Every piece the pipeline must account for: parsed, or quarantined."""
        return self.declarations + self.leading_garbage + self.stray_segments


def count_raw_records(stream: BinaryIO) -> RawRecordCount:
    declarations = leading_garbage = stray = 0
    after_root_end = False
    for line in stream:
        if line.startswith(_DECLARATION):
            declarations += 1
            after_root_end = False
            continue
        if not line.strip():
            continue
        if declarations == 0:
            leading_garbage = 1
        elif after_root_end:
            stray += 1
            after_root_end = False
        if _ROOT_END.search(line):
            after_root_end = True
    return RawRecordCount(declarations, leading_garbage, stray)
