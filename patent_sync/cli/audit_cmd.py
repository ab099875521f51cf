"""``patent-sync audit verify | show``: check and read the tamper-evident audit log.

The store is ``--store URL``, else ``PATENT_SYNC_STORE_URL``, else the embedded
``var/docket.sqlite``; the HMAC key is ``PATENT_SYNC_AUDIT_KEY``, else the local key file
(``var/audit.key``) the demo creates. Exit codes: 0 chain intact, 1 chain broken, 2 the store
or the key could not be found or read.
"""

from __future__ import annotations

import argparse
import json

from patent_sync.cli.context import add_store_option, open_existing_store, resolve_audit_key

EXIT_BROKEN = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="verify or show the hash-chained, signed audit log",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = actions.add_parser(
        "verify", help="recompute the chain and name the first broken entry"
    )
    add_store_option(verify)
    verify.set_defaults(func=run_verify)

    show = actions.add_parser("show", help="print audit entries (newest last)")
    add_store_option(show)
    show.add_argument(
        "--since", type=int, default=0, metavar="N", help="only entries after sequence N"
    )
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    show.set_defaults(func=run_show)


def run_verify(args: argparse.Namespace) -> int:
    from patent_sync.audit import AuditLog

    key = resolve_audit_key()
    with open_existing_store(args.store) as store:
        report = AuditLog(store, key).verify()
    if report.ok:
        print(f"audit log OK: {report.entries_checked} entries verified")
        return 0
    entry = report.entry
    if entry is not None and entry.seq == report.first_bad_seq:
        where = f"entry #{entry.seq} (action {entry.action}, recorded {entry.recorded_at})"
    else:
        where = f"entry #{report.first_bad_seq}"
    print(f"audit log BROKEN at {where}: {report.reason}")
    print(f"  {report.entries_checked} entries before it verified")
    return EXIT_BROKEN


def run_show(args: argparse.Namespace) -> int:
    from patent_sync.audit import read_entries

    with open_existing_store(args.store) as store:
        for entry in read_entries(store, since_seq=args.since):
            if args.json:
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
    return 0
