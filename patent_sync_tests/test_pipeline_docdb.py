"""DOCDB deliveries through the whole pipeline, on SQLite and PostgreSQL.

Built from the real back-file sample: the records are given the ``status`` a front-file
delivery carries and zipped under the names the EPO publishes. What a docketing team relies
on: a create, an amendment and a delete leave the right versions and load ids; an amendment
older than the stored data is a conflict in the quarantine and changes nothing; a delete for
a document the docket never held is recorded, not an error; the same delivery twice changes
nothing; every record is accounted for.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from patent_sync.audit import AuditLog
from patent_sync.feeds.epo_docdb import DOCDB_AMEND, DOCDB_CREATE_DELETE
from patent_sync.pipeline.delivery import run_delivery
from patent_sync.pipeline.sources import LocalSource
from patent_sync.store.base import DocketStore
from patent_sync_tests.conftest import STRONG_AUDIT_KEY

KEY = STRONG_AUDIT_KEY
CREATED = dt.date(2026, 11, 12)  # Thursday, ISO week 46
AMENDED = dt.date(2026, 11, 17)  # Tuesday, ISO week 47
DELETED = dt.date(2026, 11, 19)  # Thursday, ISO week 47
_RECORD = re.compile(r"<exch:exchange-document .*?</exch:exchange-document>", re.DOTALL)
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE exch:exchange-documents SYSTEM '
    '"docdb-entities.dtd"><exch:exchange-documents xmlns:exch="http://www.epo.org/exchange" '
    'date-of-exchange="20261112" dtd-version="2.5.9" originating-office="EP">'
)


def _records(samples_dir: Path) -> list[str]:
    text = (samples_dir / "epo_docdb" / "DE-backfile.xml").read_text(encoding="utf-8")
    return _RECORD.findall(text)


def _with(record: str, *, status: str, exchanged: str | None = None) -> str:
    record = record.replace(
        "<exch:exchange-document ", f'<exch:exchange-document status="{status}" ', 1
    )
    if exchanged is not None:
        record = re.sub(
            r'date-of-last-exchange="\d{8}"',
            f'date-of-last-exchange="{exchanged}"',
            record,
            count=1,
        )
    return record


def _delete(record: str) -> str:
    start = re.match(r"<exch:exchange-document [^>]*>", record)
    assert start is not None
    return _with(start.group(0) + "</exch:exchange-document>", status="D", exchanged="20261119")


def _write(directory: Path, name: str, *parts: list[str]) -> None:
    """A delivery zip with one XML member per part, as the EPO ships them."""
    with zipfile.ZipFile(directory / name, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, records in enumerate(parts, 1):
            body = _HEAD + "\n".join(records) + "</exch:exchange-documents>"
            archive.writestr(f"Root/DOC/DOCDB-{name[10:16]}-part-{number:04d}.xml", body)


@pytest.fixture
def deliveries(samples_dir: Path, tmp_path: Path) -> Path:
    records = _records(samples_dir)
    assert len(records) == 10
    directory = tmp_path / "deliveries"
    directory.mkdir()
    # Thursday 12th: all ten created, in two XML files of one zip.
    created = [_with(r, status="C") for r in records]
    _write(directory, "docdb_xml_202646_CreateDelete_001.zip", created[:6], created[6:])
    # Tuesday 17th: two amendments (one retitled), one stale amendment (older exchange).
    retitled = _with(records[0], status="A", exchanged="20261110").replace(
        "Kraftstoffeinspritzpumpe fuer mehrzylindrige Brennkraftmaschinen",
        "Kraftstoffeinspritzpumpe (berichtigt)",
    )
    reclassified = _with(records[1], status="A", exchanged="20261110").replace(
        "F02P   7/03  ", "F02P   7/04  "
    )
    stale = _with(records[2], status="A", exchanged="20200101").replace(
        "Zuendanlage fuer Brennkraftmaschinen", "Veralteter Titel"
    )
    _write(directory, "docdb_xml_202647_Amend_001.zip", [retitled, reclassified, stale])
    # Thursday 19th, in two zips: one known document deleted, and one the docket never held.
    unknown = _delete(records[4]).replace('doc-number="1258192"', 'doc-number="999999"', 1)
    _write(directory, "docdb_xml_202647_CreateDelete_001.zip", [_delete(records[3])])
    _write(directory, "docdb_xml_202647_CreateDelete_002.zip", [unknown])
    return directory


def _run(store: DocketStore, home: Path, deliveries: Path) -> list:
    audit = AuditLog(store, KEY, actor="test")
    source = LocalSource(deliveries)
    reports = [
        run_delivery(feed, day, source=source, store=store, audit=audit, home=home)
        for feed, day in (
            (DOCDB_CREATE_DELETE, CREATED),
            (DOCDB_AMEND, AMENDED),
            (DOCDB_CREATE_DELETE, DELETED),
        )
    ]
    assert audit.verify().ok
    return reports


def test_create_amend_delete_leave_the_right_versions(
    store: DocketStore, tmp_path: Path, deliveries: Path
) -> None:
    created, amended, deleted = _run(store, tmp_path / "home", deliveries)

    assert created.raw.records == created.normalized.records_in == 10
    assert created.loaded.created == 10 and created.delivery.name == (
        "docdb_xml_202646_CreateDelete_001.zip"
    )
    assert (amended.loaded.modified, amended.loaded.unchanged, amended.loaded.stale) == (2, 0, 1)
    assert (deleted.loaded.deleted, deleted.loaded.unmatched_deletes) == (1, 1)
    assert deleted.delivery.name == (
        "docdb_xml_202647_CreateDelete_001.zip+docdb_xml_202647_CreateDelete_002.zip"
    )
    first, second, third = (r.loaded.load_id for r in (created, amended, deleted))

    retitled = store.get_document("DE-1258188-B")
    assert retitled is not None
    assert retitled.record["title"] == "Kraftstoffeinspritzpumpe (berichtigt)"
    assert (retitled.created_load_id, retitled.modified_load_id) == (first, second)
    versions = store.document_versions("DE-1258188-B")
    assert [(v.version, v.load_id) for v in versions] == [(1, first), (2, second)]
    assert "title" in versions[1].changed_fields and "titles" in versions[1].changed_fields
    assert "applicants" not in versions[1].changed_fields
    assert store.document_versions("DE-1258189-B")[1].changed_fields == (
        "cpc",
        "date_of_last_exchange",
        "ipc",
    )

    # The stale amendment changed nothing and waits in the quarantine as a conflict.
    kept = store.get_document("DE-1258190-B")
    assert kept is not None and kept.record["title"] == "Zuendanlage fuer Brennkraftmaschinen"
    assert kept.modified_load_id == first
    (conflict,) = store.list_quarantine(load_id=second)
    assert str(conflict.record.category) == "conflict"
    assert conflict.record.failed_checks == ("stale_amendment",)
    assert "2020-01-01" in conflict.record.detail and "2024-02-18" in conflict.record.detail

    gone = store.get_document("DE-1258191-B")
    assert gone is not None and gone.deleted_load_id == third
    assert [v.load_id for v in store.document_versions("DE-1258191-B")] == [first]
    assert store.unmatched_deletes() == [(third, "DE-999999-B", 1)]
    assert store.count_documents() == 9
    assert store.count_documents(include_deleted=True) == 10


def test_the_same_deliveries_again_change_nothing(
    store: DocketStore, tmp_path: Path, deliveries: Path
) -> None:
    home = tmp_path / "home"
    _run(store, home, deliveries)
    digest, loads = store.digest(), store.latest_load_id()
    quarantine = store.quarantine_counts()
    again = _run(store, home, deliveries)
    assert all(r.loaded.skipped_identical for r in again)
    assert all(r.normalized is None for r in again)  # nothing was parsed a second time
    assert store.digest() == digest
    assert store.latest_load_id() == loads
    assert store.quarantine_counts() == quarantine


def test_the_dagster_assets_reconcile_deletes_and_conflicts(
    store_url: str, tmp_path: Path, deliveries: Path
) -> None:
    import dagster as dg

    from patent_sync.defs.feeds import build_feed_definitions
    from patent_sync.resources import (
        DocketStoreResource,
        FeedSourcesResource,
        LocalStorageResource,
    )

    resources = {
        "feed_sources": FeedSourcesResource.local(str(deliveries)),
        "docket_store": DocketStoreResource(url=store_url, audit_key=KEY.hex()),
        "storage": LocalStorageResource(home=str(tmp_path / "home")),
    }
    checks: dict[str, list[bool]] = {}
    with dg.instance_for_test() as instance:
        for feed, day in (
            (DOCDB_CREATE_DELETE, CREATED),
            (DOCDB_AMEND, AMENDED),
            (DOCDB_CREATE_DELETE, DELETED),
            (DOCDB_AMEND, AMENDED),  # again: recognised, nothing parsed
        ):
            result = dg.materialize(
                list(build_feed_definitions(feed).assets or []),
                partition_key=day.isoformat(),
                instance=instance,
                resources=resources,
            )
            assert result.success
            for evaluation in result.get_asset_check_evaluations():
                checks.setdefault(evaluation.check_name, []).append(evaluation.passed)
            metadata = {
                key: value.value
                for event in result.get_asset_materialization_events()
                for key, value in event.materialization.metadata.items()
            }
            if day == DELETED:
                assert (metadata["deleted"], metadata["unmatched_deletes"]) == (1, 1)
    assert checks["records_accounted_for"] == [True] * 4
    assert checks["docket_reconciles_with_validated"] == [True] * 4
    assert checks["valid_plus_quarantined_equals_input"] == [True] * 4
    assert metadata["skipped_identical_delivery"] is True
    assert metadata["identical_to_load"] == 2


def test_parsing_on_several_processes_writes_the_same_layers(
    tmp_path: Path, deliveries: Path
) -> None:
    """Worker processes change where records are parsed, never what the lake holds."""
    import pickle

    import pyarrow.parquet as pq

    from patent_sync.parsing.errors import HostileXmlError
    from patent_sync.pipeline import delivery as steps
    from patent_sync.pipeline.layout import HomeLayout
    from patent_sync.store import open_store

    error = pickle.loads(pickle.dumps(HostileXmlError("no", check="forbidden_external_dtd")))
    assert (type(error), error.check, str(error)) == (
        HostileXmlError,
        "forbidden_external_dtd",
        "no",
    )

    layers = {}
    for workers in (1, 2):
        layout = HomeLayout(tmp_path / f"home{workers}")
        with open_store(f"sqlite:///{tmp_path / f'{workers}.sqlite'}") as store:
            store.migrate()
            delivery = steps.acquire_delivery(
                DOCDB_CREATE_DELETE,
                CREATED,
                source=LocalSource(deliveries),
                archive=layout.archive(store),
                audit=AuditLog(store, KEY),
                work_dir=layout.download_dir,
            )
        report = steps.normalize_delivery(
            DOCDB_CREATE_DELETE, delivery, layout, batch_size=3, workers=workers
        )
        assert report.documents == 10
        lake = layout.lake()
        layers[workers] = [
            pq.read_table(lake.path(DOCDB_CREATE_DELETE.name, layer, CREATED.isoformat()))
            .drop_columns([])
            .to_pylist()
            for layer in (steps.NORMALIZED, steps.DELETES, steps.PARSE_ERRORS)
        ]
    assert layers[1] == layers[2]


def test_a_delivery_of_zips_inside_the_zip_is_read_part_by_part(
    samples_dir: Path, tmp_path: Path
) -> None:
    """The EPO ships each country's part as a zip inside the delivery zip."""
    import io

    from patent_sync.formats.epo_docdb import EPO_DOCDB
    from patent_sync.parsing.weekly_file import iter_members

    records = [_with(r, status="C") for r in _records(samples_dir)]
    outer = tmp_path / "docdb_xml_202646_CreateDelete_001.zip"
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, part in enumerate((records[:4], records[4:]), 1):
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as nested:
                body = _HEAD + "".join(part) + "</exch:exchange-documents>"
                nested.writestr(f"DOCDB-202646-CreateDelete-DE-{number:04d}.xml", body)
            archive.writestr(
                f"Root/DOC/DOCDB-202646-CreateDelete-DE-{number:04d}.zip", inner.getvalue()
            )
    names, counted = [], 0
    with iter_members(outer) as members:
        for member in members:
            names.append(member.name)
            counted += EPO_DOCDB.count_raw_records(member.stream).records
    assert names == [
        "Root/DOC/DOCDB-202646-CreateDelete-DE-0001.zip!DOCDB-202646-CreateDelete-DE-0001.xml",
        "Root/DOC/DOCDB-202646-CreateDelete-DE-0002.zip!DOCDB-202646-CreateDelete-DE-0002.xml",
    ]
    assert counted == 10


def test_checkpoints_in_dagster_event_storage_catch_a_shortened_log(
    tmp_path: Path, deliveries: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Every docket materialization records the signed audit head in Dagster's own storage;
    ``audit verify --dagster`` compares the log with them, so an owner of the docket database
    who cuts the log's tail is caught even with no checkpoint file."""
    import sqlite3

    import dagster as dg

    from patent_sync.cli.main import main
    from patent_sync.defs.feeds import build_feed_definitions
    from patent_sync.resources import DocketStoreResource, FeedSourcesResource, LocalStorageResource

    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", KEY.hex())
    monkeypatch.setenv("PATENT_SYNC_AUDIT_CHECKPOINTS", str(tmp_path / "elsewhere.checkpoints"))
    db = tmp_path / "docket.sqlite"
    resources = {
        "feed_sources": FeedSourcesResource.local(str(deliveries)),
        "docket_store": DocketStoreResource(url=f"sqlite:///{db}", audit_key=KEY.hex()),
        "storage": LocalStorageResource(home=str(tmp_path / "home")),
    }
    with dg.DagsterInstance.get() as instance:
        for feed, day in ((DOCDB_CREATE_DELETE, CREATED), (DOCDB_AMEND, AMENDED)):
            assert dg.materialize(
                list(build_feed_definitions(feed).assets or []),
                partition_key=day.isoformat(),
                instance=instance,
                resources=resources,
            ).success
    (tmp_path / "elsewhere.checkpoints").unlink()  # only Dagster's storage remembers now
    assert main(["audit", "verify", "--dagster", "--store", f"sqlite:///{db}"]) == 0
    assert "checkpoint" in capsys.readouterr().out

    # The database owner drops the guards, cuts the newest entries and rewinds the head.
    with sqlite3.connect(db) as connection:
        triggers = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit%'"
        ).fetchall()
        for (name,) in triggers:
            connection.execute(f'DROP TRIGGER "{name}"')
        last = connection.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
        connection.execute("DELETE FROM audit_log WHERE seq > ?", (last - 3,))
        kept = connection.execute(
            "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        connection.execute("UPDATE audit_head SET seq = ?, entry_hash = ?", kept)
    assert main(["audit", "verify", "--store", f"sqlite:///{db}"]) == 0  # the chain alone: OK
    capsys.readouterr()
    assert main(["audit", "verify", "--dagster", "--store", f"sqlite:///{db}"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out and f"#{last}" in out
