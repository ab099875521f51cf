"""Pick the parser for an event file and load several files into one batch.

The format is told from the bytes, never the file name, by the event formats of the format
registry (``patent_sync.formats.events``), so ``inspect``, the pipeline and the docket agree on
what a file is. Anything no event format claims is refused with a one-line ``EventParseError``
that says what the file is instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from patent_sync.events.common import (
    EventParseError,
    ParsedEvents,
    check_size,
    event_limits,
    load_json,
    one_line,
    parse_xml,
)
from patent_sync.formats.base import EventFormat
from patent_sync.model import Event


def event_key(event: Event) -> tuple[str, str, str, str, str, int]:
    """The identity of an event: what it says plus how many times it has been said."""
    return (
        event.application_key,
        event.source,
        event.source_code,
        event.event_date.isoformat(),
        event.description,
        event.occurrence,
    )


def event_format_of_bytes(data: bytes) -> EventFormat | None:
    """The event format whose ``matches`` accepts the head of ``data``, or None."""
    # Imported here: the format modules import the event parsers, whose package imports this
    # module, so a module-level import would be circular.
    from patent_sync.formats import registry
    from patent_sync.formats.events import event_format_for

    return event_format_for(registry.head_of(data))


def detect_event_format(data: bytes) -> str:
    """The format name of an event file's bytes (the ``name`` of its ``EventFormat``)."""
    return parse_event_bytes(data).format


def parse_event_bytes(data: bytes) -> ParsedEvents:
    """Detect the format of ``data`` and parse it."""
    check_size(data)
    fmt = event_format_of_bytes(data)
    if fmt is None:
        raise EventParseError(_refusal(data))
    return fmt.parse(data)


def _refusal(data: bytes) -> str:
    """Why no event format claims ``data``, as precisely as the bytes allow."""
    first = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        try:
            load_json(data)
        except EventParseError as exc:
            return str(exc).replace("not JSON:", "not valid JSON:", 1)
        return "JSON but not a USPTO ODP transactions response (no patentFileWrapperDataBag)"
    if first == b"<":
        root = parse_xml(data)  # a broken file is reported as such, not as a foreign format
        return (
            "XML but neither an EP Register response nor INPADOC legal events "
            f"(root element {one_line(str(root.tag))[:80]!r})"
        )
    return "not an event file: expected USPTO ODP JSON, EP Register XML or INPADOC legal XML"


def load_event_file(path: str | Path) -> ParsedEvents:
    """Read and parse one file; errors name the file and stay on one line.

    A file larger than ``PATENT_SYNC_MAX_EVENT_FILE_BYTES`` is refused without being read
    whole (at most one byte past the limit is).
    """
    path = Path(path)
    try:
        limit = event_limits().max_event_file_bytes
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise EventParseError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except EventParseError as exc:
        raise EventParseError(f"{path}: {exc}") from None
    if not data.strip():
        raise EventParseError(f"{path}: empty file")
    try:
        return parse_event_bytes(data)
    except EventParseError as exc:
        raise EventParseError(f"{path}: {one_line(str(exc))}") from None


@dataclasses.dataclass(frozen=True, slots=True)
class EventBatch:
    """Events from several files, with EP publication keys resolved and duplicates merged."""

    events: tuple[Event, ...]
    facts: Mapping[str, Mapping[str, Any]]
    undated: tuple[str, ...]
    warnings: tuple[str, ...]
    formats: tuple[str, ...]


def merge_parsed(parsed: Iterable[ParsedEvents]) -> EventBatch:
    """Merge parse results: apply aliases, union facts, drop exact repeats of the same event.

    The same status history appears in every Register response and the same response may be
    loaded twice; an event with the same identity (``event_key``) is one event.
    """
    parsed = list(parsed)
    aliases: dict[str, str] = {}
    for item in parsed:
        aliases.update(item.aliases)
    facts: dict[str, dict[str, Any]] = {}
    events: dict[tuple[str, str, str, str, str, int], Event] = {}
    warnings: list[str] = []
    for item in parsed:
        for key, values in item.facts.items():
            facts.setdefault(aliases.get(key, key), {}).update(values)
        for event in item.events:
            if event.application_key in aliases:
                event = dataclasses.replace(event, application_key=aliases[event.application_key])
            events.setdefault(event_key(event), event)
        warnings += [w for w in item.warnings if w.split(":", 1)[0] not in aliases]
    return EventBatch(
        events=tuple(events.values()),
        facts=facts,
        undated=tuple(u for item in parsed for u in item.undated),
        warnings=tuple(dict.fromkeys(warnings)),
        formats=tuple(item.format for item in parsed),
    )


def load_event_files(paths: Iterable[str | Path]) -> EventBatch:
    """Load and merge several event files (any mix of the supported formats)."""
    return merge_parsed(load_event_file(p) for p in paths)
