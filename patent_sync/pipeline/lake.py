"""The Parquet lake: one file per feed, layer and partition, written in batches.

Layout: ``<root>/<feed>/<layer>/<partition_key>.parquet``. Layers are ``normalized`` (every
document parsed from the delivery), ``deletes`` (its delete records), ``parse_errors``,
``validated`` (the documents that passed) and ``quarantined`` (parse errors and validation
failures). A file is written to a temporary name and renamed at the end,
so a crashed run never leaves half a layer behind and a re-run replaces the whole partition.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from patent_sync.formats.base import Delete
from patent_sync.model import Document, QuarantineCategory, QuarantineRecord, canonical_json
from patent_sync.model.columns import DOCUMENT_COLUMNS, party_countries, priority_countries

# Arrow's allocator keeps freed pages for a while by default; a weekly delivery streams
# hundreds of batches through it, and the pages kept grew the process by hundreds of MiB.
with contextlib.suppress(NotImplementedError, AttributeError):
    pa.jemalloc_set_decay_ms(0)

NORMALIZED = "normalized"
VALIDATED = "validated"
QUARANTINED = "quarantined"
DELETES = "deletes"  # delete records of the delivery (DOCDB status D)
PARSE_ERRORS = "parse_errors"  # records the normalize step could not parse

DOCUMENT_SCHEMA = pa.schema(
    [
        ("position", pa.int64()),
        *((column.name, column.arrow_type) for column in DOCUMENT_COLUMNS),
        ("source_file", pa.string()),
        ("ipc", pa.list_(pa.string())),
        ("cpc", pa.list_(pa.string())),
        # Derived for validation, so that it needs no JSON decoding.
        ("party_countries", pa.string()),
        ("priority_countries", pa.string()),
        ("inventor_count", pa.int32()),
        ("content_hash", pa.string()),
        ("record", pa.string()),  # the full canonical record as JSON
    ]
)

DELETE_SCHEMA = pa.schema(
    [
        ("position", pa.int64()),
        ("doc_key", pa.string()),
        ("source", pa.string()),
        ("source_file", pa.string()),
        ("payload_sha256", pa.string()),
        ("date_of_last_exchange", pa.date32()),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("position", pa.int64()),
        ("category", pa.string()),
        ("failed_checks", pa.list_(pa.string())),
        ("source", pa.string()),
        ("source_file", pa.string()),
        ("payload_sha256", pa.string()),
        ("doc_key", pa.string()),
        ("detail", pa.string()),
        ("payload", pa.string()),
        ("raw_excerpt", pa.string()),
    ]
)


def documents_to_table(docs: Sequence[Document], positions: Sequence[int]) -> pa.Table:
    columns: dict[str, list[object]] = {name: [] for name in DOCUMENT_SCHEMA.names}
    columns["position"] = list(positions)
    for column in DOCUMENT_COLUMNS:
        columns[column.name] = [column.value(doc) for doc in docs]
    for doc in docs:
        columns["source_file"].append(doc.source_file)
        columns["ipc"].append(list(doc.ipc))
        columns["cpc"].append(list(doc.cpc))
        columns["party_countries"].append(party_countries(doc))
        columns["priority_countries"].append(priority_countries(doc))
        columns["inventor_count"].append(len(doc.inventors))
        record, content_hash = doc.record_and_content_hash()
        columns["content_hash"].append(content_hash)
        columns["record"].append(record)
    return pa.Table.from_pydict(columns, schema=DOCUMENT_SCHEMA)


def deletes_to_table(deletes: Sequence[Delete]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "position": d.position,
                "doc_key": d.doc_key,
                "source": d.source,
                "source_file": d.source_file,
                "payload_sha256": d.payload_sha256,
                "date_of_last_exchange": d.date_of_last_exchange,
            }
            for d in deletes
        ],
        schema=DELETE_SCHEMA,
    )


def table_to_documents(table: pa.Table | pa.RecordBatch) -> tuple[list[Document], list[int]]:
    records = table.column("record").to_pylist()
    positions = table.column("position").to_pylist()
    return [Document.from_json_dict(json.loads(r)) for r in records], positions


def quarantine_to_table(records: Sequence[QuarantineRecord]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "position": r.position,
                "category": str(r.category),
                "failed_checks": list(r.failed_checks),
                "source": r.source,
                "source_file": r.source_file,
                "payload_sha256": r.payload_sha256,
                "doc_key": r.doc_key,
                "detail": r.detail,
                "payload": canonical_json(r.payload) if r.payload is not None else None,
                "raw_excerpt": r.raw_excerpt,
            }
            for r in records
        ],
        schema=QUARANTINE_SCHEMA,
    )


def table_to_quarantine(table: pa.Table | pa.RecordBatch) -> list[QuarantineRecord]:
    return [
        QuarantineRecord(
            category=QuarantineCategory(row["category"]),
            failed_checks=tuple(row["failed_checks"] or ()),
            source=row["source"],
            source_file=row["source_file"],
            position=row["position"],
            payload_sha256=row["payload_sha256"],
            doc_key=row["doc_key"],
            detail=row["detail"] or "",
            payload=json.loads(row["payload"]) if row["payload"] else None,
            raw_excerpt=row["raw_excerpt"],
        )
        for row in table.to_pylist()
    ]


class Lake:
    """Parquet files per feed, layer and partition under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, feed: str, layer: str, partition_key: str) -> Path:
        return self.root / feed / layer / f"{partition_key}.parquet"

    @contextlib.contextmanager
    def writer(
        self, feed: str, layer: str, partition_key: str, schema: pa.Schema
    ) -> Iterator[pq.ParquetWriter]:
        """Write a layer in batches; it appears under its final name only when complete."""
        final = self.path(feed, layer, partition_key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        writer = pq.ParquetWriter(tmp, schema, compression="zstd")
        try:
            yield writer
            writer.close()
            os.replace(tmp, final)
        except BaseException:
            writer.close()
            tmp.unlink(missing_ok=True)
            raise

    def iter_batches(
        self, feed: str, layer: str, partition_key: str, batch_size: int = 1000
    ) -> Iterator[pa.RecordBatch]:
        path = self.path(feed, layer, partition_key)
        if not path.is_file():
            raise FileNotFoundError(
                f"the {layer} layer of {feed} partition {partition_key} is missing at {path}; "
                f"materialize the upstream asset for this partition first"
            )
        yield from pq.ParquetFile(path).iter_batches(batch_size=batch_size)

    def count(self, feed: str, layer: str, partition_key: str) -> int:
        return pq.ParquetFile(self.path(feed, layer, partition_key)).metadata.num_rows


def write_delivery_manifest(lake: Lake, feed: str, partition_key: str, manifest: dict) -> Path:
    """Record which archived payloads a partition was built from (read by the later steps)."""
    path = _manifest_path(lake, feed, partition_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, sort_keys=True, indent=2))
    os.replace(tmp, path)
    return path


def read_delivery_manifest(lake: Lake, feed: str, partition_key: str) -> dict:
    path = _manifest_path(lake, feed, partition_key)
    if not path.is_file():
        raise FileNotFoundError(
            f"no raw delivery recorded for {feed} partition {partition_key} (looked for {path}); "
            f"materialize {feed}_raw for this partition first"
        )
    return json.loads(path.read_text())


def _manifest_path(lake: Lake, feed: str, partition_key: str) -> Path:
    return lake.root / feed / "raw" / f"{partition_key}.json"
