"""Read the watchlist a paralegal keeps as a spreadsheet (CSV).

Columns are found by their header, in any order and case: ``matter`` (or ``application``,
``application_number``, ``number``) is required; ``reference`` (or ``docket``, ``our_ref``,
``client_reference``) and ``title`` are optional; other columns are ignored. Excel's
byte-order mark and semicolon-separated exports are read as well. Every row is either a
matter or a ``RowProblem`` naming its line: nothing is skipped silently.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from patent_sync.watchlist.model import WatchedMatter, WatchlistError, watched

MAX_CSV_BYTES = 16 * 1024 * 1024
_MATTER_HEADERS = ("matter", "application", "application_number", "application number", "number")
_REFERENCE_HEADERS = ("reference", "docket", "our_ref", "our ref", "client_reference")
_TITLE_HEADERS = ("title",)


@dataclasses.dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that could not be read, with its line number in the file."""

    line: int
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class WatchlistFile:
    """What a watchlist CSV holds: the matters, and the rows that could not be read."""

    matters: tuple[WatchedMatter, ...]
    problems: tuple[RowProblem, ...]


def read_watchlist_csv(path: Path) -> WatchlistFile:
    """The matters in a watchlist CSV; ``WatchlistError`` when the file itself is unusable."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise WatchlistError(f"{path} is {size} bytes; a watchlist is at most {MAX_CSV_BYTES}")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise WatchlistError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise WatchlistError(f"{path} is not UTF-8 text (save the sheet as CSV UTF-8)") from None
    return parse_watchlist_csv(text, name=str(path))


def parse_watchlist_csv(text: str, *, name: str = "the watchlist") -> WatchlistFile:
    """``read_watchlist_csv`` on text already read."""
    text = text.removeprefix("\ufeff")  # Excel's byte-order mark, when decoded as plain UTF-8
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise WatchlistError(f"{name} is empty")
    columns = [h.strip().lower() for h in header]
    matter_at = _column(columns, _MATTER_HEADERS)
    if matter_at is None:
        raise WatchlistError(
            f"{name} has no matter column: name one column 'matter' (found: "
            f"{', '.join(repr(h) for h in header) or 'no columns'})"
        )
    reference_at = _column(columns, _REFERENCE_HEADERS)
    title_at = _column(columns, _TITLE_HEADERS)
    matters: dict[str, WatchedMatter] = {}
    problems: list[RowProblem] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank lines a spreadsheet leaves at the end
        try:
            matter = watched(_cell(row, matter_at), _cell(row, reference_at), _cell(row, title_at))
        except WatchlistError as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        if matter.matter in matters:
            problems.append(RowProblem(line, f"{matter.matter} is listed twice"))
            continue
        matters[matter.matter] = matter
    return WatchlistFile(tuple(matters.values()), tuple(problems))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = text.split("\n", 1)[0]
    return csv.excel if first_line.count(",") >= first_line.count(";") else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def _column(columns: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in columns:
            return columns.index(name)
    return None


def _cell(row: list[str], at: int | None) -> str:
    return row[at].strip() if at is not None and at < len(row) else ""
