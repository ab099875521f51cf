"""The production Dagster instance (the repository's dagster.yaml) on a real PostgreSQL.

It must parse, connect with settings taken only from the environment, and record a run of
the project's own assets in PostgreSQL. The test uses a throwaway database so nothing it
writes outlives it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from psycopg2 import sql

from patent_sync.settings import PROJECT_ROOT
from patent_sync_tests.conftest import require_postgres

PG_ENV = ("PATENT_SYNC_PG_HOST", "PATENT_SYNC_PG_PORT", "PATENT_SYNC_PG_DB", "PATENT_SYNC_PG_USER")


@pytest.fixture
def instance_database() -> Iterator[dict[str, str]]:
    dsn = require_postgres()
    name = f"patent_sync_instance_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    params = admin.get_dsn_parameters()
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {
            "PATENT_SYNC_PG_HOST": params.get("host", "127.0.0.1"),
            "PATENT_SYNC_PG_PORT": params.get("port", "5432"),
            "PATENT_SYNC_PG_DB": name,
            "PATENT_SYNC_PG_USER": params.get("user", "postgres"),
            "PATENT_SYNC_PG_PASSWORD": "",
        }
    finally:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


def test_runs_are_stored_in_postgres(
    instance_database: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    for key, value in instance_database.items():
        monkeypatch.setenv(key, value)

    @dg.asset
    def probe() -> int:
        return 1

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = dg.materialize([probe], instance=instance)
        assert result.success
        assert instance.get_run_by_id(result.run_id) is not None

    conn = psycopg2.connect(
        host=instance_database["PATENT_SYNC_PG_HOST"],
        port=instance_database["PATENT_SYNC_PG_PORT"],
        dbname=instance_database["PATENT_SYNC_PG_DB"],
        user=instance_database["PATENT_SYNC_PG_USER"],
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM runs WHERE run_id = %s", (result.run_id,))
            assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_the_config_names_no_secret_literally() -> None:
    text = (PROJECT_ROOT / "dagster.yaml").read_text()
    assert "password: {env: PATENT_SYNC_PG_PASSWORD}" in text
    for key in PG_ENV:
        assert key in text
    assert os.environ.get("PATENT_SYNC_PG_PASSWORD", "\0") not in text
