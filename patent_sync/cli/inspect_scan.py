"""``patent-sync inspect SCAN`` for a scanned document (TIFF, PNG, JPEG or PDF), read by OCR.

``inspect`` calls ``inspect_scan_file`` when the format registry says the file is a scan.
stdout gets one JSON object (the scan is one record), as the pipeline would load it:

* ``{"status": "valid", "position": 0, "change": "upsert", "document": {...},
  "confidence": {field: confidence}, "threshold": 0.85}`` when every key field was read with
  confidence and the document passed validation;
* ``{"status": "quarantined", "position": 0, "category", "failed_checks", "doc_key",
  "detail", "payload_sha256", "document": {...} or null, "confidence", "threshold"}``
  otherwise (``low_ocr_confidence`` with the doubtful fields, ``parse_error`` for a file that
  cannot be decoded, or the validation's category).

stderr gets every field read, one per line (name, value, confidence, INID code and page, and
the checks behind the confidence), then a one-line summary. Nothing is written anywhere (no
crops: the pipeline saves those). Exit status 0 when valid, 1 when quarantined, 2 when the
file cannot be read or Tesseract is not installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from patent_sync.cli.errors import CliError


def inspect_scan_file(path: Path, out: TextIO, err: TextIO) -> int:
    from patent_sync.formats.base import Upsert
    from patent_sync.formats.scan import SCAN, ScanPiece, read_piece
    from patent_sync.ocr.errors import TesseractUnavailable
    from patent_sync.ocr.reading import KEY_FIELD_THRESHOLD
    from patent_sync.pipeline.scans import LEGACY_DOCUMENTS
    from patent_sync.validation.documents import DeliveryValidator

    try:
        with path.open("rb") as stream:
            (piece,) = SCAN.iter_pieces(stream)
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}", exit_code=2) from None
    assert isinstance(piece, ScanPiece)
    try:
        outcome = read_piece(piece, source_file=path.name, position=0)
    except TesseractUnavailable as exc:
        raise CliError(str(exc), exit_code=2) from None
    reading = outcome.reading
    confidence = (
        {} if reading is None else {n: round(v.confidence, 3) for n, v in reading.values.items()}
    )
    line: dict[str, Any]
    change = outcome.change
    if isinstance(change, Upsert):
        validator = DeliveryValidator(LEGACY_DOCUMENTS.validation, delivery_date=None)
        result = validator.validate([change.document], [0])
        if result.valid:
            line = {
                "status": "valid",
                "change": "upsert",
                "document": change.document.to_json_dict(),
            }
        else:
            change = result.quarantined[0]
    if not isinstance(change, Upsert):
        line = {
            "status": "quarantined",
            "category": str(change.category),
            "failed_checks": list(change.failed_checks),
            "doc_key": change.doc_key,
            "detail": change.detail,
            "payload_sha256": change.payload_sha256,
            "document": change.payload,
        }
    line.update(position=0, confidence=confidence, threshold=KEY_FIELD_THRESHOLD)
    out.write(json.dumps(line, ensure_ascii=False, sort_keys=True, default=str) + "\n")
    if reading is not None:
        for name, value in sorted(reading.values.items()):
            where = f"[{value.inid}] " if value.inid else ""
            notes = "; ".join(value.notes)
            err.write(
                f"  {name:<20} {_shown(value.value):<44} {value.confidence:.3f}  "
                f"{where}page {value.page}{'  ' + notes if notes else ''}\n"
            )
    pages = f", {reading.page_count} page(s), front page {reading.front_page}" if reading else ""
    seconds = f", read in {reading.seconds:.1f} s" if reading else ""
    verdict = (
        "valid"
        if line["status"] == "valid"
        else f"quarantined ({line['category']}: {', '.join(line['failed_checks'])})"
    )
    err.write(f"{path.name}: {SCAN.name}{pages}{seconds}: {verdict}\n")
    return 0 if line["status"] == "valid" else 1


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        inner = "; ".join(
            getattr(v, "name", None) or getattr(v, "number", None) or str(v) for v in value
        )
        text = inner or "-"
    elif hasattr(value, "text"):
        text = str(value.text)  # an abstract
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = "-" if value is None else str(value)
    return text if len(text) <= 44 else text[:41] + "..."
