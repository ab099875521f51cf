"""A least-privilege PostgreSQL role for the pipeline: it appends to the audit log, nothing more.

The owner of the store's tables can drop the append-only triggers and shorten the audit log
(the signed checkpoints then report it, but cannot undo it). So the owner should be an
administrator's role used for migrations only, and the pipeline should connect as a role that:

* may read and write the docket tables (SELECT, INSERT, UPDATE, DELETE; no TRUNCATE, no
  TRIGGER, no REFERENCES);
* may only SELECT and INSERT ``audit_log`` (no UPDATE, DELETE or TRUNCATE);
* may only SELECT ``audit_head`` and UPDATE its ``seq`` and ``entry_hash`` (which the trigger
  of migration 0005 lets move forward only, one appended entry at a time);
* may only SELECT ``schema_migrations``;
* owns nothing, so it cannot drop, disable or recreate a trigger (``must be owner of table``)
  nor rewrite a trigger function (``must be owner of function``);
* is not a superuser and does not hold the owner's role.

``pipeline_grant_statements`` gives the statements; ``grant_pipeline_role`` runs them on a
store's schema as its owner. Run it again after each migration (new tables get no grants by
themselves). Since PostgreSQL 15 ``CREATE`` on the ``public`` schema is no longer granted to
every role; on older servers also ``REVOKE CREATE ON SCHEMA public FROM PUBLIC``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patent_sync.store.base import DocketStore

AUDIT_LOG = "audit_log"
AUDIT_HEAD = "audit_head"
SCHEMA_MIGRATIONS = "schema_migrations"
# Tables the pipeline may read but never write (besides the two audit tables).
READ_ONLY_TABLES = (SCHEMA_MIGRATIONS,)


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, double-quoted (``ValueError`` for an empty or NUL name)."""
    if not name or "\x00" in name or len(name.encode("utf-8")) > 63:
        raise ValueError(f"not a PostgreSQL identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def pipeline_grant_statements(role: str, schema: str) -> list[str]:
    """The statements that give ``role`` what the pipeline needs on ``schema`` and no more.

    Revokes first, so running them again (after a migration, or on a role that had more)
    leaves exactly these privileges. ``role`` and ``schema`` are quoted identifiers.
    """
    r, s = quote_ident(role), quote_ident(schema)
    log, head = f"{s}.{quote_ident(AUDIT_LOG)}", f"{s}.{quote_ident(AUDIT_HEAD)}"
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON SCHEMA {s} FROM {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        # The audit log: append and read, nothing else.
        f"REVOKE UPDATE, DELETE ON {log} FROM {r}",
        # The head: read, and advance (the 0005 trigger refuses anything but one step forward).
        f"REVOKE INSERT, UPDATE, DELETE ON {head} FROM {r}",
        f"GRANT UPDATE (seq, entry_hash) ON {head} TO {r}",
    ]
    for table in READ_ONLY_TABLES:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {s}.{quote_ident(table)} FROM {r}")
    return statements


def grant_pipeline_role(store: DocketStore, role: str) -> list[str]:
    """Run ``pipeline_grant_statements`` for ``role`` on the store's schema; return them.

    Connect ``store`` as the owner of the tables (after ``migrate()``). ``ValueError`` when
    the store is not PostgreSQL, or ``role`` does not exist, is a superuser, or owns the
    audit tables (no grant can restrict those).
    """
    if store.backend != "postgresql":
        raise ValueError("least-privilege roles are a PostgreSQL feature; SQLite has no roles")
    rows = store.query("SELECT rolsuper FROM pg_roles WHERE rolname = ?", (role,))
    if not rows:
        raise ValueError(f"no PostgreSQL role {role!r}: CREATE ROLE it first")
    if rows[0][0]:
        raise ValueError(f"the role {role!r} is a superuser: no privilege can be withheld from it")
    schema = str(store.query("SELECT current_schema()")[0][0])
    owner = store.query(
        "SELECT pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?",
        (schema, AUDIT_LOG),
    )
    if not owner:
        raise ValueError(f"the schema {schema!r} has no {AUDIT_LOG} table: migrate the store first")
    member = store.query("SELECT pg_has_role(?, ?, 'MEMBER')", (role, str(owner[0][0])))[0][0]
    if member:
        raise ValueError(
            f"the role {role!r} owns the audit tables or is a member of their owner "
            f"{owner[0][0]!r}: it could drop their triggers; use a separate role"
        )
    statements = pipeline_grant_statements(role, schema)
    with store.transaction() as cur:
        for statement in statements:
            cur.execute(statement)
    return statements
