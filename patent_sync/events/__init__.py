"""Prosecution and legal events: parsers per source and the canonical taxonomy."""

from patent_sync.events.common import EventParseError, ParsedEvents
from patent_sync.events.detect import (
    EventBatch,
    detect_event_format,
    event_key,
    load_event_file,
    load_event_files,
    merge_parsed,
    parse_event_bytes,
)

__all__ = [
    "EventBatch",
    "EventParseError",
    "ParsedEvents",
    "detect_event_format",
    "event_key",
    "load_event_file",
    "load_event_files",
    "merge_parsed",
    "parse_event_bytes",
]
