"""Independent counts used by the reconciliation checks.

The parser splits a weekly file one way; these count the same thing another way, so a bug in
the splitter (a document swallowed by its neighbour) shows up as a mismatch instead of a
silent drop.
"""

from __future__ import annotations

from typing import BinaryIO

_MARKER = b"<?xml "
_CHUNK = 8 * 1024 * 1024


def count_document_starts(stream: BinaryIO) -> int:
    """Count XML declarations that start a line: one per document in a concatenated file."""
    count = 0
    previous_tail = b"\n"  # the file's first line counts as a line start
    while chunk := stream.read(_CHUNK):
        window = previous_tail + chunk
        count += window.count(b"\n" + _MARKER)
        # Keep enough of the end to catch a marker split across two chunks.
        previous_tail = window[-len(_MARKER) :]
    return count


def count_garbage_prefix(stream: BinaryIO) -> int:
    """1 when the file has bytes before its first XML declaration (quarantined as a record)."""
    head = stream.read(4096).lstrip()
    return 0 if not head or head.startswith(_MARKER) else 1
