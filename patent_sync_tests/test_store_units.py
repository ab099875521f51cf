"""Store internals: URLs, placeholder conversion, the upsert plan, migration discovery, races."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import threading
import types
from pathlib import Path

import pytest

from patent_sync.model import Document, Party, PriorityClaim
from patent_sync.store import (
    MigrationError,
    StoreConnectionError,
    StoreNotFoundError,
    StoreUrlError,
    migrations,
    open_store,
)
from patent_sync.store.cursor import to_pyformat
from patent_sync.store.testing import postgres_schema_url
from patent_sync.store.upsert_plan import ExistingDocument, IncomingDocument, plan_upsert
from patent_sync.store.urls import parse_store_url, redact
from patent_sync_tests.conftest import require_postgres


def make_doc(number: int, **changes: object) -> Document:
    doc = Document(
        doc_key=f"EP-{number}-A1",
        country="EP",
        doc_number=str(number),
        kind="A1",
        publication_date=dt.date(2024, 5, 8),
        application_number=f"2315{number:04d}",
        filing_date=dt.date(2023, 1, 2),
        title="Verfahren",
        title_lang="de",
        source="epo.docdb",
        payload_sha256="ab" * 32,
        inventors=(Party("Müller, Anna", "person", country="DE"),),
        priority_claims=(PriorityClaim("DE", "102022000001", dt.date(2022, 1, 3)),),
        source_file="docdb_amend_2024_19.zip",
    )
    return dataclasses.replace(doc, **changes)


# -- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend", "target"),
    [
        ("sqlite:///var/docket.sqlite", "sqlite", "var/docket.sqlite"),
        ("sqlite:////srv/docket.sqlite", "sqlite", "/srv/docket.sqlite"),
        ("sqlite:///:memory:", "sqlite", ":memory:"),
        ("postgresql://ps@db:5432/docket", "postgresql", "postgresql://ps@db:5432/docket"),
        ("host=db dbname=docket user=ps", "postgresql", "host=db dbname=docket user=ps"),
    ],
)
def test_store_urls_name_their_backend(url: str, backend: str, target: str) -> None:
    parsed = parse_store_url(url)
    assert (parsed.backend, parsed.target) == (backend, target)


@pytest.mark.parametrize("url", ["sqlite:docket.db", "mysql://x@y/z", "docket.sqlite", ""])
def test_unknown_store_urls_are_refused_clearly(url: str) -> None:
    with pytest.raises(StoreUrlError, match=r"(?i)sqlite|unsupported"):
        parse_store_url(url)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://ps:s3cr3t@db:5432/docket?options=-csearch_path%3Dx",
            "postgresql://ps:***@db:5432/docket?options=-csearch_path%3Dx",
        ),
        ("postgresql://db/docket?password=s3cr3t&sslmode=require", None),
        ("host=db password=s3cr3t dbname=docket", "host=db password=*** dbname=docket"),
        ("host=db password='s3 cr3t' dbname=docket", "host=db password=*** dbname=docket"),
        ("sqlite:///var/docket.sqlite", "sqlite:///var/docket.sqlite"),
    ],
)
def test_displayed_urls_never_show_the_password(url: str, shown: str | None) -> None:
    displayed = redact(url)
    assert "s3cr3t" not in displayed and "cr3t" not in displayed
    if shown is not None:
        assert displayed == shown


def test_store_errors_hide_the_password() -> None:
    with pytest.raises(StoreConnectionError) as caught:
        open_store("postgresql://ps:s3cr3t@127.0.0.1:1/docket?connect_timeout=1")
    assert "s3cr3t" not in str(caught.value)
    assert "ps:***@127.0.0.1:1" in str(caught.value)


def test_must_exist_refuses_a_missing_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="no docket store at"):
        open_store(f"sqlite:///{tmp_path / 'absent.sqlite'}", must_exist=True)
    assert not (tmp_path / "absent.sqlite").exists()


# -- placeholders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "converted"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT 'why?' , ? FROM t", "SELECT 'why?' , %s FROM t"),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', %s"),
        ('SELECT "odd?col" FROM t WHERE x = ?', 'SELECT "odd?col" FROM t WHERE x = %s'),
        ("SELECT ? -- really?\n, 1", "SELECT %s -- really?\n, 1"),
        (
            "SELECT * FROM t WHERE a LIKE '10%' AND b = ?",
            "SELECT * FROM t WHERE a LIKE '10%%' AND b = %s",
        ),
        ("SELECT a % 2 FROM t WHERE b = ?", "SELECT a %% 2 FROM t WHERE b = %s"),
    ],
)
def test_question_marks_become_pyformat_outside_literals(sql: str, converted: str) -> None:
    assert to_pyformat(sql) == converted


# -- the upsert plan -------------------------------------------------------------------------


def test_the_load_path_hash_agrees_with_the_model_content_hash() -> None:
    docs = [make_doc(1), make_doc(2, title=None, inventors=()), make_doc(3, ipc=("A61K 9/00",))]
    for doc in docs:
        content_hash, body = doc.content_hash_and_body()
        assert content_hash == doc.content_hash()
        assert body == doc.to_json_dict()
    # The delivery fields do not count as content.
    moved = dataclasses.replace(docs[0], source_file="other.zip", payload_sha256="cd" * 32)
    assert moved.content_hash_and_body()[0] == docs[0].content_hash_and_body()[0]


def test_plan_keeps_the_superseded_version_and_counts_every_document() -> None:
    stored = make_doc(1)
    existing = {
        stored.doc_key: ExistingDocument(stored.content_hash(), 4, 2, deleted=False),
        "EP-9-A1": ExistingDocument("0" * 64, 1, 3, deleted=True),
    }
    plan = plan_upsert(
        load_id=7,
        docs=[
            IncomingDocument.from_document(d)
            for d in (make_doc(1, title="neu"), make_doc(2), make_doc(2), make_doc(9))
        ],
        existing=existing,
    )
    assert (plan.counts.created, plan.counts.modified, plan.counts.unchanged) == (1, 2, 1)
    assert plan.archive_current == ["EP-1-A1", "EP-9-A1"]
    assert plan.version_rows == []
    updated = {row[0]: row for row in plan.updates}
    assert updated["EP-1-A1"][-4:] == (5, 2, 7, None)  # version, created, modified, deleted
    assert updated["EP-9-A1"][-4:] == (2, 3, 7, None)  # undeleted: a new version
    assert [row[0] for row in plan.inserts] == ["EP-2-A1"]


def test_sqlite_upsert_of_a_large_batch_uses_a_handful_of_statements(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'docket.sqlite'}") as store:
        store.migrate()
        statements: list[str] = []
        store._connection().set_trace_callback(statements.append)
        load_id = store.begin_load("ep", "d", None, "0" * 64)
        docs = [make_doc(n) for n in range(5000)]
        statements.clear()
        store.upsert_documents(load_id, docs)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT DOC_KEY")]
        inserts = [s for s in statements if s.startswith("INSERT INTO documents")]
        assert len(selects) == 1  # one lookup of existing hashes for the whole batch
        assert len(inserts) == 5000  # executemany: one prepared statement, traced per row
        non_insert = [s for s in statements if not s.startswith("INSERT INTO documents")]
        assert len(non_insert) < 10


# -- migrations ------------------------------------------------------------------------------


def test_migration_modules_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong_id = types.ModuleType("m0009_extra")
    wrong_id.ID = "0009_other"  # type: ignore[attr-defined]
    wrong_id.SQL = {"sqlite": []}  # type: ignore[attr-defined]
    with pytest.raises(MigrationError, match="must set ID = '0009_extra'"):
        migrations._checked("m0009_extra", wrong_id)

    empty = types.ModuleType("m0009_extra")
    empty.ID = "0009_extra"  # type: ignore[attr-defined]
    with pytest.raises(MigrationError, match="neither SQL nor upgrade"):
        migrations._checked("m0009_extra", empty)

    odd_dialect = types.ModuleType("m0009_extra")
    odd_dialect.ID = "0009_extra"  # type: ignore[attr-defined]
    odd_dialect.SQL = {"mysql": []}  # type: ignore[attr-defined]
    with pytest.raises(MigrationError, match="unknown"):
        migrations._checked("m0009_extra", odd_dialect)


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'docket.sqlite'}") as store:
        store.migrate()
        with store.transaction() as cur:
            cur.execute(
                "INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)",
                ("9999_future", "2030-01-01T00:00:00+00:00"),
            )
        with pytest.raises(MigrationError, match=r"9999_future.*upgrade patent_sync"):
            store.migrate()


def _migrate_in_child(url: str) -> list[str]:
    with open_store(url) as store:
        return store.migrate()


def test_processes_racing_to_migrate_apply_each_migration_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    known = [m.id for m in migrations.discover()]
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        results = pool.map(_migrate_in_child, [url] * 3, chunksize=1)
    assert sorted(results, key=len) == [[], [], known]
    with open_store(url) as store:
        assert store.applied_migrations() == known


@pytest.mark.postgres
def test_postgres_connections_racing_to_migrate_apply_each_migration_once() -> None:
    known = [m.id for m in migrations.discover()]
    with postgres_schema_url(require_postgres()) as url:
        results: list[list[str]] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(3)

        def migrate() -> None:
            try:
                with open_store(url) as store:
                    barrier.wait(timeout=10)
                    results.append(store.migrate())
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=migrate) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert sorted(results, key=len) == [[], [], known]


def test_the_record_is_the_canonical_json_of_the_whole_document(samples_dir: Path) -> None:
    """The load path builds the record from the hashed JSON; it must be exactly the canonical
    JSON of the whole document, for US full text and DOCDB documents alike."""
    from patent_sync.formats.base import Upsert
    from patent_sync.formats.registry import detect
    from patent_sync.model import canonical_json
    from patent_sync.parsing.weekly_file import iter_members
    from patent_sync.settings import PROJECT_ROOT

    paths = [
        *sorted((PROJECT_ROOT / "data").glob("*/*.zip")),
        *sorted((samples_dir / "epo_docdb").glob("*.xml")),
    ]
    checked = 0
    for path in paths:
        fmt = detect(path)
        with iter_members(path) as members:
            for member in members:
                for change in fmt.iter_changes(member.stream, source_file=path.name):
                    if not isinstance(change, Upsert):
                        continue
                    for doc in (
                        change.document,
                        dataclasses.replace(change.document, source_file=None),
                    ):
                        record, content_hash = doc.record_and_content_hash()
                        assert record == canonical_json(doc.to_json_dict())
                        assert content_hash == doc.content_hash()
                        checked += 1
    assert checked > 500
