"""A quarantined record's raw excerpt as a reviewer can read it on a terminal.

The excerpt is the start of the bytes that arrived, decoded as UTF-8 with replacement: for a
binary or wrongly encoded record that is a wall of U+FFFD characters and control codes that say
nothing and can upset a terminal. ``readable_excerpt`` keeps the text, says how much binary
data it left out and where, and escapes the odd stray control character.
"""

from __future__ import annotations

import re

# Replacement characters and C0/C1 controls other than tab and newline.
_NOISE = re.compile(r"[\ufffd\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Noise characters closer than this belong to one binary run (binary data has a few printable
# bytes scattered through it; real text does not have noise every few characters).
_RUN_GAP = 8
# A run with fewer noise characters is text with a stray byte, escaped in place.
_MIN_BINARY_RUN = 3


def readable_excerpt(text: str) -> str:
    """``text`` with every binary run replaced by ``[N characters of binary data not shown]``
    and isolated control characters escaped as ``\\xNN`` (a stray U+FFFD as ``?``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    runs: list[list[int]] = []  # [start, end, noise characters]
    for match in _NOISE.finditer(text):
        if runs and match.start() - runs[-1][1] < _RUN_GAP:
            runs[-1][1] = match.end()
            runs[-1][2] += 1
        else:
            runs.append([match.start(), match.end(), 1])
    out: list[str] = []
    binary_from: int | None = None  # where the binary run written last began
    position = 0
    for start, end, noise in runs:
        if noise >= _MIN_BINARY_RUN:
            # The few printable bytes at a binary run's edges are part of it, not text.
            start, end = max(_edge_before(text, start), position), _edge_after(text, end)
            if binary_from is not None and start - position < 2 * _RUN_GAP:
                out.pop()  # a short gap of bytes that happen to be printable: one run
                start = binary_from
            else:
                out.append(text[position:start])
            out.append(f"[{end - start} characters of binary data not shown]")
            binary_from = start
        else:
            # A lone U+FFFD at the very end is a character cut in half by the excerpt.
            cut = end == len(text) and text[start:end] == "\ufffd"
            out += (text[position:start], "" if cut else _escape(text[start:end]))
            binary_from = None
        position = end
    out.append(text[position:])
    return "".join(out)


def _edge_before(text: str, start: int) -> int:
    edge = start
    while edge > 0 and start - edge < _RUN_GAP and not text[edge - 1].isspace():
        edge -= 1
    return edge if edge == 0 or text[edge - 1].isspace() else start


def _edge_after(text: str, end: int) -> int:
    edge = end
    while edge < len(text) and edge - end < _RUN_GAP and not text[edge].isspace():
        edge += 1
    return edge if edge == len(text) or text[edge].isspace() else end


def _escape(text: str) -> str:
    return _NOISE.sub(lambda m: "?" if m.group() == "\ufffd" else f"\\x{ord(m.group()):02x}", text)
