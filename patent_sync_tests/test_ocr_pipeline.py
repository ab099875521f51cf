"""A folder of scans, dropped where the sensor looks, ends up as canonical documents in the
docket store, with the doubtful ones in the quarantine with their crops.

The folder holds the real USPTO front page (CCITT G4 TIFF), a blurred, tilted, shaded
photocopy of it (JPEG, doubtful key fields), a PNG that cannot be decoded, and a text file
that is not a scan. What a docketing team relies on: one scan in, one document or one
quarantine row out; the audit log records every step; identical bytes are never read twice;
``patent-sync inspect`` shows every field's confidence; ``patent-sync quarantine show`` names
the crops of the doubtful regions; and a reviewer's corrected release loads like any other.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from patent_sync.audit import AuditLog, read_entries
from patent_sync.cli.main import main
from patent_sync.defs.legacy import (
    DOCKET_RECONCILED,
    RECORDS_ACCOUNTED_FOR,
    legacy_documents,
    legacy_documents_docket,
    legacy_scans,
    legacy_scans_sensor,
)
from patent_sync.ocr import degrade, pages
from patent_sync.ocr.reading import KEY_FIELD_THRESHOLD
from patent_sync.pipeline.layout import HomeLayout
from patent_sync.pipeline.scans import (
    LEGACY_DOCUMENTS,
    acquire_scan,
    list_scans,
    load_scan,
    run_scan,
)
from patent_sync.resources import DocketStoreResource, LocalStorageResource, ScanFolderResource
from patent_sync.store import open_store
from patent_sync.store.base import DocketStore
from patent_sync_tests.conftest import SAMPLES, STRONG_AUDIT_KEY

FRONT_PAGE = SAMPLES / "images" / "US-6103599-A_page1.tif"
ORIGINAL = "US-6103599-A_page1.tif"
PHOTOCOPY = "photocopies/US-6103599-A.jpeg"
BROKEN = "broken.png"


@pytest.fixture(scope="module")
def scan_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not FRONT_PAGE.is_file():
        pytest.skip(f"real samples folder not found at {SAMPLES}")
    if shutil.which("tesseract") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tesseract is not installed (Debian package tesseract-ocr)")
        pytest.skip("tesseract is not installed (Debian package tesseract-ocr)")
    folder = tmp_path_factory.mktemp("scans")
    shutil.copy(FRONT_PAGE, folder / ORIGINAL)
    page = pages.load_page(FRONT_PAGE.read_bytes(), pages.TIFF, 1)
    copy = next(
        c for c in degrade.degraded_copies(page.gray, page.dpi or 300) if c.name == "photocopy"
    )
    (folder / PHOTOCOPY).parent.mkdir()
    (folder / PHOTOCOPY).write_bytes(degrade.encode(copy))
    (folder / BROKEN).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + b"\x00" * 40)
    (folder / "cover letter.txt").write_text("Scans of the Henley file, as requested.\n")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return folder


def _store(url: str) -> DocketStore:
    store = open_store(url)
    store.migrate()
    return store


@pytest.fixture(scope="module")
def loaded(scan_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The whole folder run through the pipeline once, into a SQLite docket store."""
    work = tmp_path_factory.mktemp("pipeline")
    url = f"sqlite:///{work / 'docket.sqlite'}"
    reports = {}
    with _store(url) as store:
        audit = AuditLog(store, STRONG_AUDIT_KEY)
        for scan in list_scans(scan_folder).scans:
            reports[scan.key] = run_scan(
                LEGACY_DOCUMENTS, scan_folder, scan.key, store=store, audit=audit, home=work
            )
    return {"url": url, "home": work, "reports": reports}


def test_the_folder_lists_its_scans_and_says_what_it_passed_over(scan_folder: Path) -> None:
    listing = list_scans(scan_folder)
    assert [s.key for s in listing.scans] == [ORIGINAL, BROKEN, PHOTOCOPY]
    assert listing.passed_over == (("cover letter.txt", "not a TIFF, PNG, JPEG or PDF file"),)


def test_every_scan_ends_as_one_document_or_one_quarantine_row(loaded: dict) -> None:
    reports = loaded["reports"]
    original = reports[ORIGINAL].read
    assert original.valid == 1 and original.quarantined == 0
    assert original.doc_key == "US-6103599-A"
    photocopy = reports[PHOTOCOPY].read
    assert (photocopy.valid, photocopy.quarantined) == (0, 1)
    assert photocopy.category == "low_ocr_confidence"
    broken = reports[BROKEN].read
    assert (broken.valid, broken.quarantined, broken.category) == (0, 1, "parse_error")
    for report in reports.values():
        assert report.read.raw_records == report.read.valid + report.read.quarantined == 1
    with _store(loaded["url"]) as store:
        stored = store.get_document("US-6103599-A")
        assert stored is not None
        assert stored.record["source"] == "ocr.scan"
        assert stored.record["application_number"] == "09089931"
        readings = {r["field"]: r for r in stored.record["readings"]}
        assert readings["filing_date"]["confidence"] >= KEY_FIELD_THRESHOLD
        assert store.quarantine_counts() == {"low_ocr_confidence": 1, "parse_error": 1}
        assert {load.feed for load in store.list_loads()} == {"legacy_documents"}


def test_the_crops_of_the_doubtful_regions_are_saved(loaded: dict) -> None:
    photocopy = loaded["reports"][PHOTOCOPY].read
    assert photocopy.crops
    doubtful = {check.rsplit("_", 1)[0] for check in photocopy.failed_checks}
    doubtful = {c.removesuffix("_not") for c in doubtful}
    for crop in photocopy.crops:
        assert crop.is_file() and crop.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert crop.stem in doubtful or crop.stem.startswith("page-")
    # Nothing is saved for a document that was loaded.
    assert loaded["reports"][ORIGINAL].read.crops == ()


def test_the_audit_log_records_each_scan_and_the_same_bytes_are_not_read_again(
    loaded: dict, scan_folder: Path
) -> None:
    with _store(loaded["url"]) as store:
        audit = AuditLog(store, STRONG_AUDIT_KEY)
        again = run_scan(
            LEGACY_DOCUMENTS, scan_folder, ORIGINAL, store=store, audit=audit, home=loaded["home"]
        )
        assert again.read is None  # recognised as loaded before anything was read
        assert again.loaded.skipped_identical
        assert again.loaded.load_id == loaded["reports"][ORIGINAL].loaded.load_id
        entries = list(read_entries(store))
        assert audit.verify().ok
    subjects = {(e.action, e.subject) for e in entries}
    for key in (ORIGINAL, PHOTOCOPY, BROKEN):
        assert ("raw.fetched", f"legacy_documents/{key}") in subjects
        assert ("load.completed", f"legacy_documents/{key}") in subjects
    assert ("load.skipped_identical", f"legacy_documents/{ORIGINAL}") in subjects


def test_quarantine_show_names_the_crops_and_a_corrected_release_loads(
    loaded: dict,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATENT_SYNC_HOME", str(loaded["home"]))
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", STRONG_AUDIT_KEY.hex())
    url = loaded["url"]
    assert (
        main(["quarantine", "list", "--store", url, "--category", "low_ocr_confidence", "--json"])
        == 0
    )
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    qid = str(row["id"])
    assert main(["quarantine", "show", qid, "--store", url]) == 0
    shown = capsys.readouterr().out
    assert "category:        low_ocr_confidence" in shown
    assert "crops of the doubtful regions" in shown
    for crop in loaded["reports"][PHOTOCOPY].read.crops:
        assert str(crop) in shown
    assert main(["quarantine", "show", qid, "--store", url, "--json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["crops"] == [str(p) for p in sorted(loaded["reports"][PHOTOCOPY].read.crops)]
    # The reviewer looks at the crops and writes down what the page says.
    corrected = dict(full["payload"])
    corrected.update(
        doc_key="US-6103599-A",
        doc_number="6103599",
        kind="A",
        publication_date="2000-08-15",
        application_number="09089931",
        filing_date="1998-06-03",
        title="PLANARIZING TECHNIQUE FOR MULTILAYERED SUBSTRATES",
    )
    path = tmp_path / "corrected.json"
    path.write_text(json.dumps(corrected))
    code = main(
        ["quarantine", "release", qid, "--store", url, "--corrected", str(path),
         "--reviewer", "A. Paralegal", "--reason", "read the crops against the paper file"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"released quarantine #{qid} US-6103599-A" in out
    with _store(url) as store:
        assert store.get_document("US-6103599-A").record["application_number"] == "09089931"


def test_the_sensor_adds_a_partition_per_scan_and_runs_new_and_replaced_files(
    scan_folder: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    shutil.copytree(scan_folder, folder)
    resource = ScanFolderResource(directory=str(folder))

    def tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult | dg.SkipReason:
        with dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"scan_folder": resource}
        ) as context:
            return legacy_scans_sensor(context)

    with dg.instance_for_test() as instance:
        result = tick(instance, None)
        assert isinstance(result, dg.SensorResult)
        (request,) = result.dynamic_partitions_requests
        everything = sorted([BROKEN, ORIGINAL, PHOTOCOPY])
        assert sorted(request.partition_keys) == everything
        assert sorted(r.partition_key for r in result.run_requests) == everything
        instance.add_dynamic_partitions(legacy_scans.name, list(request.partition_keys))
        assert isinstance(tick(instance, result.cursor), dg.SkipReason)

        # A new scan dropped in, and a broken one replaced by a good file.
        shutil.copy(FRONT_PAGE, folder / "US-6103599-A again.tif")
        shutil.copy(FRONT_PAGE, folder / BROKEN)
        result = tick(instance, result.cursor)
        assert isinstance(result, dg.SensorResult)
        assert [r.partition_key for r in result.run_requests] == ["US-6103599-A again.tif", BROKEN]
        (request,) = result.dynamic_partitions_requests
        assert list(request.partition_keys) == ["US-6103599-A again.tif"]


def test_the_scans_load_the_same_on_both_backends(
    loaded: dict, scan_folder: Path, store: DocketStore
) -> None:
    """The lake the pipeline wrote, loaded into a fresh store of each backend."""
    layout = HomeLayout(loaded["home"])
    audit = AuditLog(store, STRONG_AUDIT_KEY)
    counts = {}
    for key in (ORIGINAL, PHOTOCOPY, BROKEN):
        delivery = acquire_scan(
            LEGACY_DOCUMENTS, scan_folder, key, archive=layout.archive(store), audit=audit
        )
        counts[key] = load_scan(LEGACY_DOCUMENTS, delivery, layout, store=store, audit=audit)
    assert counts[ORIGINAL].created == 1
    assert counts[PHOTOCOPY].quarantined == counts[BROKEN].quarantined == 1
    assert store.get_document("US-6103599-A").record["title"] == (
        "PLANARIZING TECHNIQUE FOR MULTILAYERED SUBSTRATES"
    )
    assert store.quarantine_counts() == {"low_ocr_confidence": 1, "parse_error": 1}
    assert audit.verify().ok


def test_a_scan_partition_materializes_into_the_docket(scan_folder: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    resources = {
        "scan_folder": ScanFolderResource(directory=str(scan_folder)),
        "docket_store": DocketStoreResource(url=url, audit_key=STRONG_AUDIT_KEY.hex()),
        "storage": LocalStorageResource(home=str(tmp_path / "home")),
    }
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(legacy_scans.name, [ORIGINAL, BROKEN])
        for key in (ORIGINAL, BROKEN):
            result = dg.materialize(
                [legacy_documents, legacy_documents_docket],
                partition_key=key,
                instance=instance,
                resources=resources,
            )
            assert result.success
            checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
            assert checks == {RECORDS_ACCOUNTED_FOR: True, DOCKET_RECONCILED: True}
        materialized = result.asset_materializations_for_node(legacy_documents.op.name)
        assert materialized[0].metadata["quarantine_category"].value == "parse_error"
    with _store(url) as store:
        assert store.get_document("US-6103599-A") is not None
        assert store.quarantine_counts() == {"parse_error": 1}


def test_inspect_prints_the_record_with_per_field_confidences(
    scan_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(scan_folder / ORIGINAL)]) == 0
    captured = capsys.readouterr()
    (line,) = captured.out.splitlines()
    record = json.loads(line)
    assert record["status"] == "valid"
    assert record["document"]["doc_key"] == "US-6103599-A"
    assert record["threshold"] == KEY_FIELD_THRESHOLD
    for field in ("doc_number", "publication_date", "application_number", "filing_date", "title"):
        assert record["confidence"][field] >= KEY_FIELD_THRESHOLD
    table = captured.err.splitlines()
    assert any(row.split()[:2] == ["application_number", "09089931"] for row in table)
    assert table[-1].startswith(f"{ORIGINAL}: ocr.scan, 1 page(s), front page 1")
    assert table[-1].endswith(": valid")

    assert main(["inspect", str(scan_folder / BROKEN)]) == 1
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert (record["status"], record["category"]) == ("quarantined", "parse_error")
    assert captured.err.strip().endswith("quarantined (parse_error: unreadable_scan)")


def test_inspect_without_tesseract_is_one_line_naming_the_package(
    scan_folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pytesseract

    from patent_sync.ocr import recognize

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    recognize._tesseract_version.cache_clear()
    try:
        code = main(["inspect", str(scan_folder / ORIGINAL)])
    finally:
        recognize._tesseract_version.cache_clear()
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("patent-sync inspect: error:") and "tesseract-ocr" in line


def test_the_code_location_defines_the_legacy_assets_sensor_and_job() -> None:
    from patent_sync.definitions import defs as build_defs

    defs = build_defs()
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"legacy_documents", "legacy_documents_docket"} <= keys
    assert graph.get(dg.AssetKey("legacy_documents")).partitions_def == legacy_scans
    assert defs.resolve_sensor_def("legacy_scans_sensor").job_name == "legacy_documents_job"
