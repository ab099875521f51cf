"""Front-page fields by their INID codes (WIPO ST.9: "Identification Numbers for Data").

Patent offices print each bibliographic field of a front page behind its two-digit INID code:
``[11]`` or ``(11)`` the publication number, ``[45]`` the date of grant, ``[54]`` the title,
``[21]`` the application number, and so on. This module is office-neutral: it groups the words
of each column into lines, finds where each field starts, and collects the field's words. What
a field's text means (number formats, date formats, label wording) is the office's business
(``patent_sync.ocr.offices``).

A field starts at a line that begins with an INID code, or, when the code itself was lost to
the scan, with a label the office prints for that field (``Appl. No.:`` for ``[21]``), or at
any line that starts at the column's code margin. It runs over the lines indented under it
until the next field or a blank gap.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence

from patent_sync.ocr.recognize import Word

# OCR confusions between digits and letters, for reading a code printed inside brackets.
_AS_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1",
                           "i": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2",
                           "G": "6", "b": "6", "A": "4", "q": "9", "g": "9"})  # fmt: skip
_OPEN = "[({"
_CLOSE = "])}"
_MARKER = re.compile(r"^[\[\(\{](\w{2})[\]\)\}]\.?$")
_MARKER_ONE_SIDED = re.compile(r"^(?:[\[\(\{1l|I](\w{2})[\]\)\}]|[\[\(\{](\w{2})[\]\)\}1l|I]?)\.?$")
_FIRST_CODE, _LAST_CODE = 10, 89  # ST.9 codes in use run from (10) to (89)
_DAMAGED_CODE_CHARS = 5


@dataclasses.dataclass(frozen=True, slots=True)
class Line:
    """Words on one text line of one region, left to right."""

    region: str
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def left(self) -> int:
        return self.words[0].box[0]

    @property
    def top(self) -> int:
        return min(w.box[1] for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclasses.dataclass(frozen=True, slots=True)
class InidField:
    """One field of a front page: its code (None when neither a code nor a label names it),
    and its words after the code, line by line."""

    code: str | None
    region: str
    lines: tuple[tuple[Word, ...], ...]
    marker: Word | None  # the code as printed, when it was read
    named_by: str  # "code" | "label" | "margin"

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line]

    @property
    def text(self) -> str:
        return " ".join(" ".join(w.text for w in line) for line in self.lines if line)


def inid_code(token: str, *, line_start: bool) -> str | None:
    """The INID code ``token`` prints (``[21]``, ``(21)``, ``[2l]`` → ``"21"``), or None.

    At the start of a line a bracket may have been lost or read as ``1``/``l``
    (``121]`` → ``"21"``); elsewhere both brackets are required.
    """
    match = _MARKER.match(token)
    if match is None and line_start:
        match = _MARKER_ONE_SIDED.match(token)
    if match is None:
        return None
    raw = next(group for group in match.groups() if group is not None)
    digits = raw.translate(_AS_DIGIT)
    if not digits.isdigit() or not _FIRST_CODE <= int(digits) <= _LAST_CODE:
        return None
    return digits


def group_lines(words: Iterable[Word], region: str) -> list[Line]:
    """Words grouped into lines by their vertical position, top to bottom.

    Tesseract's own line numbers cannot be trusted on a noisy column (it may put an INID code
    and its field on different "lines"), so lines are rebuilt from the boxes: a word joins a
    line when its middle is within half a line height of the line's middle (the median of its
    words', so one tall or merged box cannot stretch the line over its neighbour).
    """
    ordered = sorted(words, key=lambda w: (w.box[1] + w.box[3] / 2, w.box[0]))
    lines: list[list[Word]] = []
    for word in ordered:
        center = word.box[1] + word.box[3] / 2
        for line in reversed(lines[-3:]):
            middle = statistics.median(w.box[1] + w.box[3] / 2 for w in line)
            half = 0.5 * statistics.median(w.box[3] for w in line)
            if abs(center - middle) <= max(half, 0.35 * word.box[3]):
                line.append(word)
                break
        else:
            lines.append([word])
    return [Line(region, tuple(sorted(line, key=lambda w: w.box[0]))) for line in lines]


def find_fields(
    lines: Sequence[Line], labels: Mapping[str, re.Pattern[str]], text_height: float
) -> tuple[list[InidField], list[Line]]:
    """The fields of one region's lines, and the lines before the first field (a column's
    heading: the office name, the barcode's caption).

    ``labels`` maps a code to the label the office prints after it (a pattern matched at the
    start of the line's text once its code is removed). A line that neither starts a field
    nor closely follows the line above (a blank gap, or a line at the code margin) starts an
    unnamed field (``code`` None): it is never glued to the field above, where it could pass
    for part of a title.
    """
    starts = [_field_start(line, labels) for line in lines]
    margin = _code_margin(starts)
    close = _continuation_gap(lines, text_height)
    fields: list[InidField] = []
    preamble: list[Line] = []
    current: _OpenField | None = None
    previous_bottom: int | None = None
    for line, start in zip(lines, starts, strict=True):
        at_margin = margin is not None and abs(line.left - margin) <= 0.8 * text_height
        follows = previous_bottom is not None and line.top - previous_bottom <= close
        if start is not None:
            code, marker, named_by, rest = start
        elif current is None and not fields:
            preamble.append(line)
            previous_bottom = line.bottom
            continue
        elif follows and not at_margin and current is not None:
            current.lines.append(line.words)
            previous_bottom = line.bottom
            continue
        else:
            code, marker, named_by, rest = None, None, "margin" if at_margin else "gap", line.words
        if current is not None:
            fields.append(current.finish())
        current = _OpenField(code, line.region, [rest], marker, named_by)
        previous_bottom = line.bottom
    if current is not None:
        fields.append(current.finish())
    return fields, preamble


@dataclasses.dataclass
class _OpenField:
    code: str | None
    region: str
    lines: list[tuple[Word, ...]]
    marker: Word | None
    named_by: str

    def finish(self) -> InidField:
        return InidField(
            code=self.code,
            region=self.region,
            lines=tuple(self.lines),
            marker=self.marker,
            named_by=self.named_by,
        )


def _field_start(
    line: Line, labels: Mapping[str, re.Pattern[str]]
) -> tuple[str | None, Word | None, str, tuple[Word, ...]] | None:
    """(code, its marker word, how it was named, the words after the code) when ``line``
    starts a field, else None.

    A stray mark before the code (dust, the page edge) is skipped: the code may be the second
    word when the first is short and unsure.
    """
    words = line.words
    for index in range(min(2, len(words))):
        if index == 1 and not (len(words[0].text) <= 2 and words[0].confidence < 0.6):
            break
        code = inid_code(words[index].text, line_start=True)
        if code is not None:
            rest = words[index + 1 :]
            label_code = _label_code(rest, labels)
            if label_code is not None and label_code != code:
                # The label is words, the code two small digits: trust the label.
                return label_code, words[index], "label", rest
            return code, words[index], "code", rest
    label_code = _label_code(words, labels)
    if label_code is not None:
        return label_code, None, "label", words
    if len(words) > 1 and len(words[0].text) <= _DAMAGED_CODE_CHARS:
        # A short mark, then a label: the code was printed there but misread (``jt]``).
        label_code = _label_code(words[1:], labels)
        if label_code is not None:
            return label_code, words[0], "label", words[1:]
    return None


def _label_code(words: Sequence[Word], labels: Mapping[str, re.Pattern[str]]) -> str | None:
    text = " ".join(w.text for w in words[:4])
    for code, pattern in labels.items():
        if pattern.match(text):
            return code
    return None


def _code_margin(
    starts: Sequence[tuple[str | None, Word | None, str, tuple[Word, ...]] | None],
) -> int | None:
    """Where the column's codes are printed (the left edge of most code markers)."""
    lefts = [start[1].box[0] for start in starts if start is not None and start[1] is not None]
    if len(lefts) < 2:
        return None
    return int(statistics.median(lefts))


def _continuation_gap(lines: Sequence[Line], text_height: float) -> float:
    """The largest blank between two lines of one field: lines of a field are set solid,
    fields are a blank line apart."""
    heights = [line.height for line in lines if line.height > 0]
    typical = statistics.median(heights) if heights else text_height
    return 0.6 * max(typical, text_height)
