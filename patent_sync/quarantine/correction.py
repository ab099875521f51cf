"""Turning a quarantined payload, or a reviewer's corrected JSON, into a canonical Document.

A correction is a whole canonical document (``Document.to_json_dict()`` form, which is what
``patent-sync quarantine show ID --payload`` prints), never a patch: the reviewer sees and
signs off on every field. Provenance is not the reviewer's to edit: ``payload_sha256`` and
``source_file`` tie the document to the raw bytes it arrived in, so they are filled in from the
quarantine row when the correction leaves them out, and a correction that names other values is
refused.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from patent_sync.model import Document, QuarantineRecord, canonical_json
from patent_sync.quarantine.errors import CorrectionError

# A canonical bibliographic record is a few KiB; anything near this is not one.
MAX_CORRECTION_BYTES = 1024 * 1024

# Fields that record where the document came from; filled from the quarantine row if absent.
_PROVENANCE_FIELDS = ("payload_sha256", "source_file")

_FIELDS = {f.name: f for f in dataclasses.fields(Document)}
_REQUIRED = tuple(
    name
    for name, f in _FIELDS.items()
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)


@dataclasses.dataclass(frozen=True, slots=True)
class FieldChange:
    """One top-level field of the canonical record that a correction changed."""

    field: str
    before: Any  # JSON value in the quarantined payload (None when absent)
    after: Any  # JSON value in the corrected document

    def to_json_dict(self) -> dict[str, Any]:
        return {"field": self.field, "from": self.before, "to": self.after}


def read_correction(path: Path) -> dict[str, Any]:
    """Read a corrected canonical document from a JSON file (an object, at most 1 MiB)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CORRECTION_BYTES:
            raise CorrectionError(
                f"the corrected document {path} is {size:,} bytes; a canonical document is a "
                f"few KiB (limit {MAX_CORRECTION_BYTES:,})"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorrectionError(f"no corrected document file at {path}") from None
    except UnicodeDecodeError:
        raise CorrectionError(f"the corrected document {path} is not UTF-8 text") from None
    except OSError as exc:
        raise CorrectionError(f"cannot read the corrected document {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorrectionError(
            f"the corrected document {path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise CorrectionError(
            f"the corrected document {path} must be one JSON object (a canonical document), "
            f"not a {type(data).__name__}"
        )
    return data


def with_provenance(data: Mapping[str, Any], record: QuarantineRecord) -> dict[str, Any]:
    """The correction with ``payload_sha256``/``source_file`` (and ``source``) from the row.

    Raises ``CorrectionError`` if the correction names a different payload hash or source file:
    the released document must still point at the raw bytes the quarantine row describes.
    """
    fields = dict(data)
    expected = {"payload_sha256": record.payload_sha256, "source_file": record.source_file}
    for name in _PROVENANCE_FIELDS:
        given = fields.get(name)
        if given in (None, ""):
            fields[name] = expected[name]
        elif given != expected[name]:
            raise CorrectionError(
                f"the corrected document sets {name} to {given!r}, but the quarantined record "
                f"came from {expected[name]!r}; provenance cannot be corrected (leave it out)"
            )
    if fields.get("source") in (None, ""):
        fields["source"] = record.source
    return fields


def document_from_json(data: Mapping[str, Any], *, what: str) -> Document:
    """Build a ``Document`` from canonical JSON, naming missing, unknown or malformed fields."""
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise CorrectionError(f"{what} has unknown field(s): {', '.join(unknown)}")
    missing = [name for name in _REQUIRED if name not in data]
    if missing:
        raise CorrectionError(
            f"{what} lacks required field(s): {', '.join(missing)} (use null where a value is "
            "unknown)"
        )
    for name in ("doc_key", "country", "doc_number", "kind", "source", "payload_sha256"):
        if not isinstance(data[name], str) or not data[name].strip():
            raise CorrectionError(f"{what}: {name} must be a non-empty string")
    try:
        return Document.from_json_dict(dict(data))
    except (TypeError, ValueError, AttributeError) as exc:
        raise CorrectionError(f"{what} is not a canonical document: {exc}") from None


def field_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[FieldChange]:
    """The top-level fields whose canonical JSON differs, in field order.

    ``before`` is the quarantined payload (None for a parse error, when every field the
    correction fills in is a change from nothing).
    """
    before = before or {}
    changes = []
    for name in _FIELDS:
        old, new = before.get(name), after.get(name)
        if name not in before and new in (None, "", [], {}):
            continue  # nothing became nothing: not a change worth listing
        if canonical_json(old) != canonical_json(new):
            changes.append(FieldChange(name, old, new))
    return changes
