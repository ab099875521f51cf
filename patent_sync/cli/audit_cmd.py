"""``patent-sync audit verify | show | grants``: check and read the tamper-evident audit log.

The store is ``--store URL``, else ``PATENT_SYNC_STORE_URL``, else the embedded
``var/docket.sqlite``; the HMAC key is ``PATENT_SYNC_AUDIT_KEY``, else the local key file
(``var/audit.key``) the demo creates. ``verify`` checks every entry of the log, the head
against the last entry, and every signed checkpoint in ``--checkpoints FILE``, else
``PATENT_SYNC_AUDIT_CHECKPOINTS``, else ``var/audit.checkpoints``: the log must still hold each
checkpoint's entry with exactly its hash, so entries cut off the end are named. Exit codes:
0 intact, 1 broken, 2 the store, the key or the checkpoint file could not be found or read.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from patent_sync.cli.context import (
    EXIT_UNAVAILABLE,
    add_store_option,
    open_existing_store,
    resolve_audit_key,
)
from patent_sync.cli.errors import CliError
from patent_sync.settings import ENV_AUDIT_CHECKPOINTS

if TYPE_CHECKING:
    from patent_sync.audit import AuditEntry, VerifyReport

EXIT_BROKEN = 1
_MAX_PROBLEM_LINES = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="verify or show the hash-chained, signed audit log",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = actions.add_parser(
        "verify",
        help="check the chain, the head and the signed checkpoints; name what is broken",
    )
    add_store_option(verify)
    verify.add_argument(
        "--checkpoints",
        metavar="FILE",
        type=Path,
        help=(
            f"signed checkpoints to compare (JSON Lines; default: ${ENV_AUDIT_CHECKPOINTS} or "
            "$PATENT_SYNC_HOME/audit.checkpoints)"
        ),
    )
    verify.add_argument(
        "--dagster",
        action="store_true",
        help=(
            "compare the checkpoints recorded with every docket materialization in Dagster's "
            "event storage (the instance at $DAGSTER_HOME) instead of a checkpoint file"
        ),
    )
    verify.set_defaults(func=run_verify)

    show = actions.add_parser("show", help="print audit entries (newest last)")
    add_store_option(show)
    show.add_argument(
        "--since", type=int, default=0, metavar="N", help="only entries after sequence N"
    )
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    show.set_defaults(func=run_show)

    grants = actions.add_parser(
        "grants",
        help="print the PostgreSQL GRANTs for a least-privilege pipeline role",
        description=(
            "Print the statements that let ROLE run the pipeline on SCHEMA while it cannot "
            "update, delete or truncate the audit log, nor drop or rewrite its triggers. Run "
            "them as the owner of the tables, after every migration."
        ),
    )
    grants.add_argument("--role", required=True, help="the pipeline's login role")
    grants.add_argument("--schema", default="public", help="the store's schema (default public)")
    grants.set_defaults(func=run_grants)


def run_verify(args: argparse.Namespace) -> int:
    from patent_sync.audit import (
        AuditCheckpointError,
        AuditLog,
        CheckpointFile,
        verify_checkpoint_metadata,
    )

    key = resolve_audit_key()
    explicit: CheckpointFile | None = None
    if args.checkpoints is not None:
        explicit = CheckpointFile(args.checkpoints)
        if not explicit.exists():
            raise CliError(f"no checkpoint file at {args.checkpoints}", exit_code=EXIT_UNAVAILABLE)
    with open_existing_store(args.store) as store:
        audit = (
            AuditLog(store, key) if explicit is None else AuditLog(store, key, checkpoints=explicit)
        )
        try:
            if args.dagster:
                report = verify_checkpoint_metadata(audit, dagster_checkpoints())
            else:
                report = audit.verify()
        except AuditCheckpointError as exc:
            raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    if report.ok:
        print(
            f"audit log OK: {report.entries_checked} entries verified; {_checkpoint_line(report)}"
        )
        return 0
    entry = report.entry
    for number, problem in enumerate(report.problems[:_MAX_PROBLEM_LINES]):
        if number == 0 and entry is not None and entry.seq == report.first_bad_seq:
            where = f"entry #{entry.seq} (action {entry.action}, recorded {entry.recorded_at})"
            print(f"audit log BROKEN at {where}: {problem}")
        elif number == 0 and problem.startswith(("entry #", "entries #")):
            print(f"audit log BROKEN at entry #{report.first_bad_seq}: {problem}")
        else:
            print(f"audit log BROKEN: {problem}")
    hidden = len(report.problems) - _MAX_PROBLEM_LINES
    if hidden > 0:
        print(f"  ... and {hidden} more problem(s)")
    print(f"  {report.entries_checked} entries before the first break verified")
    if report.checkpoints_checked == 0 and report.checkpoint_note:
        print(f"  no checkpoints compared: {report.checkpoint_note}")
    return EXIT_BROKEN


def dagster_checkpoints() -> Iterator[dict[str, object]]:
    """The audit checkpoints every materialization recorded in Dagster's event storage."""
    import dagster as dg

    try:
        instance = dg.DagsterInstance.get()
    except Exception as exc:  # no DAGSTER_HOME, or an instance that cannot be opened
        raise CliError(
            f"cannot open Dagster's instance (set DAGSTER_HOME): {exc}".splitlines()[0],
            exit_code=EXIT_UNAVAILABLE,
        ) from None
    with instance:
        for asset_key in instance.get_asset_keys():
            cursor = None
            while True:
                page = instance.fetch_materializations(asset_key, limit=1000, cursor=cursor)
                for record in page.records:
                    materialization = record.asset_materialization
                    if materialization is not None and "audit_seq" in materialization.metadata:
                        yield dict(materialization.metadata)
                if not page.has_more:
                    break
                cursor = page.cursor


def _checkpoint_line(report: VerifyReport) -> str:
    newest = report.newest_checkpoint
    if report.checkpoints_checked and newest is not None:
        return (
            f"{report.checkpoints_checked} checkpoint(s) from {report.checkpoint_source} match "
            f"(newest: entry #{newest.seq}, {newest.recorded_at})"
        )
    return (
        f"no checkpoints to compare ({report.checkpoint_note}; set {ENV_AUDIT_CHECKPOINTS} or "
        "pass --checkpoints FILE: without checkpoints kept outside the database, entries cut "
        "off the end of the log cannot be detected)"
    )


def run_show(args: argparse.Namespace) -> int:
    from patent_sync.audit import AuditIntegrityError, read_entries

    with open_existing_store(args.store) as store:
        try:
            for entry in read_entries(store, since_seq=args.since):
                _print_entry(entry, as_json=args.json)
        except AuditIntegrityError as exc:
            raise CliError(str(exc), exit_code=EXIT_BROKEN) from None
    return 0


def _print_entry(entry: AuditEntry, *, as_json: bool) -> None:
    if as_json:
        record = {
            "seq": entry.seq,
            "recorded_at": entry.recorded_at,
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "details": entry.details,
            "entry_hash": entry.entry_hash,
        }
        print(json.dumps(record, sort_keys=True, ensure_ascii=False))
    else:
        details = json.dumps(entry.details, sort_keys=True, ensure_ascii=False)
        print(f"#{entry.seq} {entry.recorded_at} {entry.action} {entry.subject} {details}")


def run_grants(args: argparse.Namespace) -> int:
    from patent_sync.store.roles import pipeline_grant_statements

    try:
        statements = pipeline_grant_statements(args.role, args.schema)
    except ValueError as exc:
        raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None
    for statement in statements:
        print(f"{statement};")
    return 0
