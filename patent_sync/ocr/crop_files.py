"""Where the crops of a quarantined scan's doubtful regions are kept, and finding them again.

Light on purpose (no imaging library): ``patent-sync quarantine show`` uses it to name the
crops of a record, and the pipeline to place them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from patent_sync.model import QuarantineRecord
from patent_sync.ocr import SOURCE


@dataclasses.dataclass(frozen=True)
class CropFile:
    """A saved crop, with how its field was read when the record has a payload."""

    path: Path
    field: str | None  # None for a whole page
    confidence: float | None
    inid: str | None
    page: int | None


def crops_root(home: Path) -> Path:
    """The crops of every scan, one directory per scan's SHA-256, under the home directory."""
    return Path(home) / "ocr" / "crops"


def crops_dir(root: Path, payload_sha256: str) -> Path:
    """Where the crops of the scan with this SHA-256 are kept."""
    return Path(root) / payload_sha256


def crops_of(record: QuarantineRecord, home: Path) -> list[CropFile]:
    """The crops saved for a quarantined scan (none for any other record)."""
    if record.source != SOURCE or not record.payload_sha256:
        return []
    directory = crops_dir(crops_root(home), record.payload_sha256)
    if not directory.is_dir():
        return []
    readings = {
        r.get("field"): r
        for r in (record.payload or {}).get("readings") or []
        if isinstance(r, dict)
    }
    found = []
    for path in sorted(directory.glob("*.png")):
        reading = readings.get(path.stem)
        found.append(
            CropFile(
                path=path,
                field=None if path.stem.startswith("page-") else path.stem,
                confidence=None if reading is None else reading.get("confidence"),
                inid=None if reading is None else reading.get("inid"),
                page=None if reading is None else reading.get("page"),
            )
        )
    return found
