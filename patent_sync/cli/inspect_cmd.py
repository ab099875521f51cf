"""``patent-sync inspect FILE``: detect, parse, normalize and validate one file.

Prints one JSON object per record on stdout: ``{"status": "valid", "position": N,
"document": {...}}`` or ``{"status": "quarantined", "position": N, "category": ...,
"failed_checks": [...], "doc_key": ..., "detail": ...}``, and a one-line summary on stderr.
Nothing is written anywhere: it is for looking at a file before (or instead of) loading it.

Exit status: 0 when every record is valid, 1 when any record was quarantined (a file that is
one hostile or broken document gets its reason as a one-line error), 2 when the file cannot be
read or is not a format patent_sync knows.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from patent_sync.cli.errors import CliError
from patent_sync.model import Document, QuarantineRecord
from patent_sync.parsing.detect import detect_format
from patent_sync.parsing.errors import ParseError
from patent_sync.parsing.uspto_fulltext import parse_us_delivery
from patent_sync.parsing.weekly_file import open_delivery
from patent_sync.validation.documents import DeliveryValidator

_BATCH = 500
_WEEKLY_NAME = re.compile(r"^(?:ipg|ipa)(\d{6})(?:\.xml|\.zip)?$", re.IGNORECASE)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="parse, normalize and validate one file; print canonical records as JSON Lines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", type=Path, help="a weekly file (ipgYYMMDD.zip/.xml, ...) or one document"
    )
    parser.add_argument(
        "--delivery-date",
        type=dt.date.fromisoformat,
        help="check publication dates against this delivery date "
        "(default: taken from an ipgYYMMDD/ipaYYMMDD file name)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.exists():
        raise CliError(f"{path}: no such file", exit_code=2)
    if not path.is_file():
        raise CliError(f"{path}: not a regular file", exit_code=2)
    try:
        fmt = detect_format(path)
    except ParseError as exc:
        raise CliError(f"{path}: {exc}", exit_code=2) from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", exit_code=2) from None

    delivery_date = args.delivery_date or _date_from_name(path.name)
    validator = DeliveryValidator(delivery_date=delivery_date)
    counts: collections.Counter[str] = collections.Counter()
    last_quarantined: list[QuarantineRecord] = []
    out = sys.stdout
    try:
        with open_delivery(path) as stream:
            batch: list[tuple[int, Document | QuarantineRecord]] = []
            for position, item in enumerate(parse_us_delivery(stream, source_file=path.name)):
                batch.append((position, item))
                if len(batch) >= _BATCH:
                    _flush(out, validator, batch, counts, last_quarantined)
                    batch = []
            _flush(out, validator, batch, counts, last_quarantined)
    except ParseError as exc:
        raise CliError(f"{path}: {exc}", exit_code=2) from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", exit_code=2) from None

    valid = counts.pop("valid", 0)
    quarantined = sum(counts.values())
    if valid == 0 and quarantined == 1 and last_quarantined:
        # One document and it failed: the reason is the answer, as a one-line error.
        raise CliError(
            f"{path}: {last_quarantined[0].category}: {last_quarantined[0].detail}", exit_code=1
        )
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    print(
        f"{path.name}: {fmt}, {valid + quarantined} records: {valid} valid, "
        f"{quarantined} quarantined" + (f" ({detail})" if detail else ""),
        file=sys.stderr,
    )
    return 1 if quarantined else 0


def _flush(
    out: Any,
    validator: DeliveryValidator,
    batch: list[tuple[int, Document | QuarantineRecord]],
    counts: collections.Counter[str],
    last_quarantined: list[QuarantineRecord],
) -> None:
    """Validate a batch and print its records in file order."""
    if not batch:
        return
    docs = [(p, d) for p, d in batch if isinstance(d, Document)]
    parse_errors = [r for _, r in batch if isinstance(r, QuarantineRecord)]
    result = validator.validate([d for _, d in docs], [p for p, _ in docs])
    lines: list[tuple[int, dict[str, Any]]] = [
        (p, {"status": "valid", "position": p, "document": d.to_json_dict()})
        for p, d in zip(result.valid_positions, result.valid, strict=True)
    ]
    lines += [(r.position, _quarantine_line(r)) for r in (*parse_errors, *result.quarantined)]
    for _, line in sorted(lines, key=lambda item: item[0]):
        _emit(out, line)
    counts["valid"] += len(result.valid)
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


def _emit(out: Any, line: dict[str, Any]) -> None:
    out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


def _date_from_name(name: str) -> dt.date | None:
    match = _WEEKLY_NAME.match(name)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match.group(1), "%y%m%d").date()
    except ValueError:
        return None
