"""A least-privilege PostgreSQL role appends to the audit log and can do nothing else to it."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from patent_sync.audit import AuditLog
from patent_sync.cli.main import main
from patent_sync.store import open_store
from patent_sync.store.roles import grant_pipeline_role, pipeline_grant_statements
from patent_sync.store.testing import postgres_schema_url, with_search_path
from patent_sync_tests.conftest import require_postgres

KEY = hashlib.sha256(b"privilege tests: key").digest()


def test_grant_statements_quote_their_names() -> None:
    statements = pipeline_grant_statements('pipe"line', "docket")
    assert 'GRANT USAGE ON SCHEMA "docket" TO "pipe""line"' in statements
    assert 'REVOKE UPDATE, DELETE ON "docket"."audit_log" FROM "pipe""line"' in statements
    assert 'GRANT UPDATE (seq, entry_hash) ON "docket"."audit_head" TO "pipe""line"' in statements
    assert not any("TRUNCATE" in s and "GRANT" in s for s in statements)
    with pytest.raises(ValueError, match="not a PostgreSQL identifier"):
        pipeline_grant_statements("", "docket")


def test_the_cli_prints_the_grants(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "grants", "--role", "patent_sync_pipeline", "--schema", "docket"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'REVOKE ALL ON ALL TABLES IN SCHEMA "docket" FROM "patent_sync_pipeline";'
    assert all(line.endswith(";") for line in out)


@pytest.fixture
def pipeline_role() -> Iterator[tuple[str, str]]:
    """A fresh LOGIN role (trust auth: ``user=<role>`` connects), dropped afterwards."""
    import psycopg2

    dsn = require_postgres()
    role = f"ps_pipeline_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        yield dsn, role
    finally:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            cur.execute(f'DROP OWNED BY "{role}"')
            cur.execute(f'DROP ROLE "{role}"')
        admin.close()


def _as_role(dsn: str, role: str, schema_url: str) -> str:
    from psycopg2.extensions import make_dsn, parse_dsn

    params = parse_dsn(dsn)
    params.update(user=role)
    params.pop("password", None)
    schema = parse_dsn(schema_url)["options"].split("=", 1)[1]
    return with_search_path(make_dsn(**params), schema)


@pytest.mark.postgres
def test_the_pipeline_role_appends_but_cannot_shorten_the_log(
    pipeline_role: tuple[str, str], tmp_path: Path
) -> None:
    import psycopg2

    dsn, role = pipeline_role
    checkpoints = tmp_path / "audit.checkpoints"
    with postgres_schema_url(dsn) as admin_url:
        with open_store(admin_url) as admin:
            admin.migrate()
            granted = grant_pipeline_role(admin, role)
            assert granted == pipeline_grant_statements(role, granted[0].split('"')[1])
            AuditLog(admin, KEY, checkpoints=checkpoints).append("store.created", "s", {"n": 0})

        role_url = _as_role(dsn, role, admin_url)
        with open_store(role_url) as store:
            audit = AuditLog(store, KEY, actor="pipeline", checkpoints=checkpoints)
            for n in range(1, 4):
                audit.append("load.step", f"us_grants/{n}", {"n": n})
            load_id = store.begin_load("us_grants", "ipg.zip", None, "f" * 64)  # other tables
            store.finish_load(load_id, {"created": 0})
            assert audit.verify().ok and audit.head()[0] == 4

            conn = psycopg2.connect(role_url)
            conn.autocommit = True
            refused = {
                "DELETE FROM audit_log WHERE seq > 2": "permission denied",
                "UPDATE audit_log SET subject = 'x' WHERE seq = 2": "permission denied",
                "TRUNCATE audit_log": "permission denied",
                "DELETE FROM audit_head": "permission denied",
                "INSERT INTO audit_head VALUES (2, 0, 'x')": "permission denied",
                "UPDATE audit_head SET seq = 1": "only moves forward",
                "DROP TRIGGER audit_log_append_only ON audit_log": "must be owner",
                "ALTER TABLE audit_log DISABLE TRIGGER ALL": "must be owner",
                "ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward_only": "must be owner",
                "DROP TABLE audit_log": "must be owner",
                "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$": "permission denied for schema",
                "CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$": "permission denied for schema",
                "CREATE TRIGGER sneak BEFORE DELETE ON audit_log FOR EACH ROW "
                "EXECUTE FUNCTION audit_log_append_only()": "permission denied",
                "UPDATE schema_migrations SET id = 'x'": "permission denied",
            }
            for statement, message in refused.items():
                with conn.cursor() as cur, pytest.raises(psycopg2.Error) as caught:
                    cur.execute(statement)
                assert message in str(caught.value), statement
            # A temporary audit_log cannot stand in for the real one in the head's trigger.
            with conn.cursor() as cur, pytest.raises(psycopg2.Error, match="only moves forward"):
                cur.execute("CREATE TEMP TABLE audit_log (seq BIGINT, entry_hash TEXT)")
                cur.execute("INSERT INTO pg_temp.audit_log VALUES (5, 'x')")
                cur.execute("UPDATE audit_head SET seq = 5, entry_hash = 'x'")
            conn.close()

            audit.append("load.step", "us_grants/5", {"n": 5})
            report = audit.verify()
            assert (report.ok, report.entries_checked, report.checkpoints_checked) == (True, 5, 5)


@pytest.mark.postgres
def test_roles_that_could_drop_the_triggers_are_refused(pipeline_role: tuple[str, str]) -> None:
    dsn, role = pipeline_role
    with postgres_schema_url(dsn) as url, open_store(url) as store:
        store.migrate()
        with pytest.raises(ValueError, match="superuser"):
            grant_pipeline_role(store, "postgres")
        with pytest.raises(ValueError, match="no PostgreSQL role"):
            grant_pipeline_role(store, f"{role}_missing")
        owner = store.query("SELECT current_user")[0][0]
        with pytest.raises(ValueError, match=r"superuser|owns the audit tables"):
            grant_pipeline_role(store, owner)


def test_sqlite_has_no_roles(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'd.sqlite'}") as store:
        store.migrate()
        with pytest.raises(ValueError, match="PostgreSQL feature"):
            grant_pipeline_role(store, "anyone")
