"""``patent-sync inspect FILE``: detect the format, parse, normalize and validate one file.

Every format the pipeline reads is read here, told from the bytes: weekly USPTO full-text files
and single documents, EPO DOCDB deliveries (zips of many XML files, or one XML file), and the
prosecution-event files (USPTO ODP transactions JSON, EP Register and INPADOC XML).

For documents it prints one JSON object per record on stdout: ``{"status": "valid",
"position": N, "change": "upsert", "document": {...}}``, ``{"status": "valid", "position": N,
"change": "delete", "doc_key": ...}`` or ``{"status": "quarantined", "position": N, "category":
..., "failed_checks": [...], "doc_key": ..., "detail": ...}``; for event files one object per
event. A one-line summary goes to stderr. Nothing is written anywhere.

Exit status: 0 when every record is valid, 1 when any record was quarantined (a file that is
one hostile or broken document gets its reason as a one-line error), 2 when the file cannot be
read or is not a format patent_sync knows.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from patent_sync.cli.errors import CliError
from patent_sync.feeds import FEEDS, FeedSpec
from patent_sync.formats.base import Change, Delete, DocumentFormat, EventFormat, Upsert
from patent_sync.formats.registry import detect
from patent_sync.model import QuarantineRecord
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.weekly_file import iter_members
from patent_sync.validation.documents import DeliveryValidator

_BATCH = 500


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="parse, normalize and validate one file; print canonical records as JSON Lines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file",
        type=Path,
        help="a delivery file (ipgYYMMDD.zip, docdb_xml_..._001.zip, ...), one document, "
        "or a prosecution-event file",
    )
    parser.add_argument(
        "--feed",
        choices=[feed.name for feed in FEEDS],
        help="validate with this feed's profile (default: the feed the file name belongs to, "
        "else the first feed in the file's format)",
    )
    parser.add_argument(
        "--delivery-date",
        type=dt.date.fromisoformat,
        help="check publication dates against this delivery date, for feeds that require it "
        "(default: taken from the delivery file's name)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.exists():
        raise CliError(f"{path}: no such file", exit_code=2)
    if not path.is_file():
        raise CliError(f"{path}: not a regular file", exit_code=2)
    try:
        fmt = detect(path)
    except ParseError as exc:
        raise CliError(f"{path}: {exc}", exit_code=2) from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", exit_code=2) from None
    if isinstance(fmt, EventFormat):
        from patent_sync.cli.inspect_events import inspect_event_file

        return inspect_event_file(path, fmt, sys.stdout, sys.stderr)
    assert isinstance(fmt, DocumentFormat)
    feed = _feed_for(path, fmt, args.feed)
    delivery_date = args.delivery_date or feed.files.publication_date_of(path.name)
    try:
        return _inspect_documents(path, fmt, feed, delivery_date, sys.stdout)
    except ParseError as exc:
        raise CliError(f"{path}: {exc}", exit_code=2) from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", exit_code=2) from None


def _feed_for(path: Path, fmt: DocumentFormat, chosen: str | None) -> FeedSpec:
    candidates = [feed for feed in FEEDS if feed.wire_format == fmt.name]
    if chosen is not None:
        return next(feed for feed in FEEDS if feed.name == chosen)
    for feed in candidates:
        if feed.files.publication_date_of(path.name) is not None:
            return feed
    return candidates[0]


def _changes(path: Path, fmt: DocumentFormat) -> Iterator[Change]:
    position = 0
    with iter_members(path) as members:
        for member in members:
            for change in fmt.iter_changes(
                member.stream, source_file=path.name, start_position=position
            ):
                position += 1
                yield change


def _inspect_documents(
    path: Path, fmt: DocumentFormat, feed: FeedSpec, delivery_date: dt.date | None, out: TextIO
) -> int:
    validator = DeliveryValidator(feed.validation, delivery_date=delivery_date)
    counts: collections.Counter[str] = collections.Counter()
    last_quarantined: list[QuarantineRecord] = []
    batch: list[Change] = []
    for change in _changes(path, fmt):
        batch.append(change)
        if len(batch) >= _BATCH:
            _flush(out, validator, batch, counts, last_quarantined)
            batch = []
    _flush(out, validator, batch, counts, last_quarantined)

    valid = counts.pop("valid", 0)
    deletes = counts.pop("delete", 0)
    quarantined = sum(counts.values())
    if valid == 0 and deletes == 0 and quarantined == 1 and last_quarantined:
        # One document and it failed: the reason is the answer, as a one-line error.
        raise CliError(
            f"{path}: {last_quarantined[0].category}: {last_quarantined[0].detail}", exit_code=1
        )
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    delete_note = f", {deletes} deletes" if deletes else ""
    print(
        f"{path.name}: {fmt.name} ({feed.name} profile), {valid + deletes + quarantined} "
        f"records: {valid} valid{delete_note}, {quarantined} quarantined"
        + (f" ({detail})" if detail else ""),
        file=sys.stderr,
    )
    return 1 if quarantined else 0


def _flush(
    out: TextIO,
    validator: DeliveryValidator,
    batch: list[Change],
    counts: collections.Counter[str],
    last_quarantined: list[QuarantineRecord],
) -> None:
    """Validate a batch and print its records in file order."""
    if not batch:
        return
    upserts = [c for c in batch if isinstance(c, Upsert)]
    deletes = [c for c in batch if isinstance(c, Delete)]
    parse_errors = [c for c in batch if isinstance(c, QuarantineRecord)]
    result = validator.validate([u.document for u in upserts], [u.position for u in upserts])
    lines: list[tuple[int, dict[str, Any]]] = [
        (p, {"status": "valid", "position": p, "change": "upsert", "document": d.to_json_dict()})
        for p, d in zip(result.valid_positions, result.valid, strict=True)
    ]
    lines += [
        (
            d.position,
            {"status": "valid", "position": d.position, "change": "delete", "doc_key": d.doc_key},
        )
        for d in deletes
    ]
    lines += [(r.position, _quarantine_line(r)) for r in (*parse_errors, *result.quarantined)]
    for _, line in sorted(lines, key=lambda item: item[0]):
        out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    counts["valid"] += len(result.valid)
    counts["delete"] += len(deletes)
    counts.update(str(r.category) for r in (*parse_errors, *result.quarantined))
    if parse_errors or result.quarantined:
        last_quarantined[:] = [(*parse_errors, *result.quarantined)[-1]]


def _quarantine_line(record: QuarantineRecord) -> dict[str, Any]:
    return {
        "status": "quarantined",
        "position": record.position,
        "category": str(record.category),
        "failed_checks": list(record.failed_checks),
        "doc_key": record.doc_key,
        "detail": record.detail,
        "payload_sha256": record.payload_sha256,
    }
