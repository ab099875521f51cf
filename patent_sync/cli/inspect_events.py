"""``patent-sync inspect FILE`` for a prosecution-event file (ODP, EP Register, INPADOC legal).

``inspect`` calls ``inspect_event_file`` when the format registry says the file is an event
format. stdout gets one JSON object per record (JSON Lines), in the file's order:

* ``{"status": "valid", "position", "application_key", "jurisdiction", "source_code",
  "event", "event_date", "description", "occurrence", "source", "attributes"}`` for an event
  whose code the taxonomy knows;
* the same with ``"status": "quarantined", "category": "unknown_code", "detail"`` for an event
  whose code is outside the taxonomy: it is kept (the docket lists it as an unknown code) but a
  person has to look at it;
* ``{"status": "quarantined", "position", "category": "schema_violation", "detail"}`` for each
  item the file carries without a date (it cannot be an event) and each parser warning (e.g.
  events keyed by a publication number because the file does not name the application), after
  the events;
* one ``{"status": "quarantined", "position": 0, "category": "parse_error", "detail"}`` when the
  file as a whole cannot be read as its format.

Nothing is dropped: every item of the file is one line, and the summary on stderr counts lines,
``FILE: FORMAT, N events: V valid, Q quarantined`` with N = V + Q. Exit status 0 when every line
is valid, 1 when any is quarantined; an unreadable file raises ``CliError`` with exit status 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from patent_sync.cli.errors import CliError
from patent_sync.events import taxonomy
from patent_sync.events.common import EventParseError, ParsedEvents
from patent_sync.formats.base import EventFormat
from patent_sync.model import Event, QuarantineCategory
from patent_sync.parsing.errors import DeliveryError
from patent_sync.parsing.weekly_file import open_first_member

VALID, QUARANTINED = "valid", "quarantined"


def event_file_note(path: Path, fmt: EventFormat) -> str:
    """What the file is and what reads it: ``inspect`` checks it, the docket uses it."""
    return (
        f"a prosecution-event file ({fmt.description}); its deadlines: patent-sync docket {path} "
        "(add --sync to record them), and the prosecution_events asset reads such files from "
        "PATENT_SYNC_EVENTS_DIR"
    )


def inspect_event_file(path: Path, fmt: EventFormat, out: TextIO, err: TextIO) -> int:
    """Print every event of ``path`` (read as ``fmt``) as JSON Lines on ``out`` and a summary on
    ``err``; 0 when all are valid, 1 when any line is quarantined."""
    data = _read(path)
    counts = {VALID: 0, QUARANTINED: 0}
    for position, line in enumerate(_lines(data, fmt)):
        counts[line["status"]] += 1
        out.write(json.dumps({"position": position, **line}, ensure_ascii=False) + "\n")
    total = counts[VALID] + counts[QUARANTINED]
    # One line, as for every other file inspect reads: what it found, then what the file is for.
    err.write(
        f"{path}: {fmt.name}, {total} events: {counts[VALID]} valid, "
        f"{counts[QUARANTINED]} quarantined; {event_file_note(path, fmt)}\n"
    )
    return 1 if counts[QUARANTINED] else 0


def _read(path: Path) -> bytes:
    """The bytes of the file (of its first JSON/XML member when it is a zip, as the registry
    reads it to tell the format)."""
    try:
        with open_first_member(path) as stream:
            return stream.read()
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", exit_code=2) from None
    except DeliveryError as exc:
        raise CliError(f"{path}: cannot read: {exc.message}", exit_code=2) from None


def _lines(data: bytes, fmt: EventFormat) -> Iterator[dict[str, Any]]:
    try:
        parsed = fmt.parse(data)
    except EventParseError as exc:
        yield _quarantined(QuarantineCategory.PARSE_ERROR, str(exc).replace("\n", " "))
        return
    yield from (_event_line(event) for event in parsed.events)
    yield from _leftover_lines(parsed)


def _event_line(event: Event) -> dict[str, Any]:
    line: dict[str, Any] = {"status": VALID}
    if event.event == taxonomy.OTHER:
        line = {
            "status": QUARANTINED,
            "category": QuarantineCategory.UNKNOWN_CODE.value,
            "detail": (
                f"{event.source} code {event.source_code.strip()!r} is not in the taxonomy: "
                "the event is kept but triggers no deadline"
            ),
        }
    return {
        **line,
        "application_key": event.application_key,
        "jurisdiction": event.jurisdiction,
        "source_code": event.source_code,
        "event": event.event,
        "event_date": event.event_date.isoformat(),
        "description": event.description,
        "occurrence": event.occurrence,
        "source": event.source,
        "attributes": dict(event.attributes),
    }


def _leftover_lines(parsed: ParsedEvents) -> Iterator[dict[str, Any]]:
    """What the file carries that did not become an event: undated items and warnings."""
    for item in parsed.undated:
        yield _quarantined(
            QuarantineCategory.SCHEMA_VIOLATION,
            f"undated: {item}: without a date it cannot be an event",
        )
    for warning in parsed.warnings:
        yield _quarantined(QuarantineCategory.SCHEMA_VIOLATION, f"warning: {warning}")


def _quarantined(category: QuarantineCategory, detail: str) -> dict[str, Any]:
    return {"status": QUARANTINED, "category": category.value, "detail": detail}
