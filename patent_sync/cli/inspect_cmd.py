"""``patent-sync inspect FILE``: detect the format, parse, normalize and validate one file.

Every format the pipeline reads is read here, told from the bytes: weekly USPTO full-text files
and single documents, EPO DOCDB deliveries (zips of many XML files, or one XML file), and the
prosecution-event files (USPTO ODP transactions JSON, EP Register and INPADOC XML), and scans
(TIFF, PNG, JPEG, PDF) read by OCR, printed with each field's confidence.

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
from pathlib import Path
from typing import Any, TextIO

from patent_sync.cli.errors import CliError
from patent_sync.feeds import FEEDS, FeedSpec
from patent_sync.formats.base import DocumentFormat, EventFormat
from patent_sync.formats.registry import detect
from patent_sync.formats.scan import ScanFormat
from patent_sync.model import QuarantineRecord
from patent_sync.parsing.errors import ParseError
from patent_sync.pipeline.parallel_parse import (
    PARALLEL_MIN_BYTES,
    ParsedBatch,
    default_workers,
    parse_batches,
    piece_batches,
)
from patent_sync.validation.documents import DeliveryValidator


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
    from patent_sync.cli.inspect_ops import inspect_ops_listing, is_ops_listing

    if is_ops_listing(path):  # an OPS search or family answer: publications, not documents
        return inspect_ops_listing(path, sys.stdout, sys.stderr)
    try:
        fmt = detect(path)
    except ParseError as exc:
        raise CliError(f"{path}: {exc}", exit_code=2) from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", exit_code=2) from None
    if isinstance(fmt, EventFormat):
        from patent_sync.cli.inspect_events import inspect_event_file

        return inspect_event_file(path, fmt, sys.stdout, sys.stderr)
    if isinstance(fmt, ScanFormat):  # read by OCR: printed with each field's confidence
        from patent_sync.cli.inspect_scan import inspect_scan_file

        return inspect_scan_file(path, sys.stdout, sys.stderr)
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


def _inspect_documents(
    path: Path, fmt: DocumentFormat, feed: FeedSpec, delivery_date: dt.date | None, out: TextIO
) -> int:
    """Parse (on every core for a large file), validate and print in file order."""
    validator = DeliveryValidator(feed.validation, delivery_date=delivery_date)
    counts: collections.Counter[str] = collections.Counter()
    last_quarantined: list[QuarantineRecord] = []
    workers = default_workers() if path.stat().st_size >= PARALLEL_MIN_BYTES else 1
    batches = piece_batches(fmt, [(path.name, path)])
    for parsed in parse_batches(fmt.name, batches, workers=workers):
        _print_batch(out, validator, parsed, counts, last_quarantined)

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


def _print_batch(
    out: TextIO,
    validator: DeliveryValidator,
    parsed: ParsedBatch,
    counts: collections.Counter[str],
    last_quarantined: list[QuarantineRecord],
) -> None:
    """Validate a parsed batch and print its records in file order.

    A valid document is printed from the canonical record the parse already serialized (the
    JSON of ``Document.to_json_dict()``), not rebuilt and encoded again.
    """
    lines: list[tuple[int, str]] = []
    failed: list[QuarantineRecord] = []
    if parsed.documents is not None:
        batch = parsed.documents
        passed, failed = validator.validate_arrow(batch)
        positions = batch.column("position").to_pylist()
        records = batch.column("record")
        for i in passed:
            position = positions[i]
            lines.append(
                (
                    position,
                    f'{{"change": "upsert", "document": {records[i].as_py()}, '
                    f'"position": {position}, "status": "valid"}}',
                )
            )
        counts["valid"] += len(passed)
    for delete in parsed.deletes:
        line = {
            "status": "valid",
            "position": delete.position,
            "change": "delete",
            "doc_key": delete.doc_key,
        }
        lines.append((delete.position, _dumps(line)))
    quarantined = [*parsed.errors, *failed]
    lines += [(r.position, _dumps(_quarantine_line(r))) for r in quarantined]
    for _, line in sorted(lines, key=lambda item: item[0]):
        out.write(line + "\n")
    counts["delete"] += len(parsed.deletes)
    counts.update(str(r.category) for r in quarantined)
    if quarantined:
        last_quarantined[:] = [quarantined[-1]]


def _dumps(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, sort_keys=True)


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
