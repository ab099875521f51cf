"""Guard ``audit_head``: it only moves forward, one appended entry at a time.

``audit_log`` is append-only since 0001; its head could still be set back (hiding every later
entry) or deleted by anyone allowed to update it. Now an UPDATE must advance ``seq`` by exactly
one, to an entry that exists with exactly that hash, and DELETE and TRUNCATE are refused. The
table owner can still drop the trigger (the signed checkpoints catch what follows); a role that
only holds the grants of ``patent_sync.store.roles`` cannot.

The PostgreSQL function reads ``audit_log`` in the trigger's own schema (``TG_TABLE_SCHEMA``),
never through the caller's ``search_path``, so a temporary table called ``audit_log`` cannot
stand in for the real one.
"""

from __future__ import annotations

ID = "0005_audit_guard"

_SQLITE = [
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
    WHEN NEW.id IS NOT OLD.id
        OR NEW.seq IS NOT OLD.seq + 1
        OR NEW.entry_hash IS NOT (SELECT entry_hash FROM audit_log WHERE seq = NEW.seq)
    BEGIN
        SELECT RAISE(ABORT, 'audit_head only moves forward, one appended entry at a time');
    END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END""",
]

_POSTGRES = [
    """CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        stored_hash TEXT;
    BEGIN
        IF TG_OP <> 'UPDATE' THEN
            RAISE EXCEPTION 'audit_head only moves forward: % is not allowed', TG_OP;
        END IF;
        EXECUTE format('SELECT entry_hash FROM %I.audit_log WHERE seq = $1', TG_TABLE_SCHEMA)
            INTO stored_hash USING NEW.seq;
        IF NEW.id IS DISTINCT FROM OLD.id
            OR NEW.seq IS DISTINCT FROM OLD.seq + 1
            OR NEW.entry_hash IS DISTINCT FROM stored_hash THEN
            RAISE EXCEPTION 'audit_head only moves forward, one appended entry at a time';
        END IF;
        RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()""",
]

SQL: dict[str, list[str]] = {"sqlite": _SQLITE, "postgresql": _POSTGRES}
