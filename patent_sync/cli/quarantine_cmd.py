"""``patent-sync quarantine list | show | release | reject``: review quarantined records.

A released record is validated again (the pipeline's own checks; the delivery-date and
duplicate-in-delivery checks do not apply to a single reviewed record) and loaded into the
docket under a new load (feed ``quarantine-release``). A rejected record stays in the store.
Every decision is final, needs --reviewer and --reason, and is written to the audit log in the
same transaction as the change it describes. ``list`` also shows the prosecution events the
docket set aside (an unknown code, from any source) as ``event:<id>`` lines naming the field and
value; they belong to no load.

The store is ``--store URL``, else ``PATENT_SYNC_STORE_URL``, else ``var/docket.sqlite``; the
audit key is ``PATENT_SYNC_AUDIT_KEY``, else ``var/audit.key``. Exit codes: 0 done, 1 refused
(already decided, still invalid, unknown id, bad input; nothing changed), 2 the store or the
key could not be found or read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patent_sync.cli.context import (
    EXIT_UNAVAILABLE,
    add_store_option,
    open_existing_store,
    resolve_audit_key,
)
from patent_sync.cli.errors import CliError

if TYPE_CHECKING:
    from patent_sync.audit import AuditLog
    from patent_sync.docket.event_quarantine import QuarantinedEvent
    from patent_sync.model import QuarantineRecord
    from patent_sync.ocr.crop_files import CropFile
    from patent_sync.quarantine import QuarantineItem
    from patent_sync.store.base import DocketStore
    from patent_sync.store.types import StoredQuarantine

EXIT_REFUSED = 1
_STATUS_CHOICES = ("open", "released", "rejected", "all")
_LIST_HEADER = "ID\tLOAD\tSTATUS\tCATEGORY\tDOC_KEY\tFAILED_CHECKS\tDETAIL"
# Quarantined input is often binary garbage: never send raw control characters to a terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quarantine",
        help="list, show, release (optionally corrected) or reject quarantined records",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="quarantine_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="one line per quarantined record")
    add_store_option(listing)
    listing.add_argument("--category", metavar="C", help="only this category (e.g. parse_error)")
    listing.add_argument(
        "--status", choices=_STATUS_CHOICES, default="open", help="review status (default: open)"
    )
    listing.add_argument("--load", type=int, metavar="N", help="only records quarantined by load N")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=run_list)

    show = actions.add_parser("show", help="one record in full: payload, raw excerpt, reviews")
    add_store_option(show)
    show.add_argument("id", type=int, metavar="ID")
    output = show.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="the record as one JSON object")
    output.add_argument(
        "--payload",
        action="store_true",
        help="only the canonical document JSON (a starting point for --corrected)",
    )
    show.set_defaults(func=run_show)

    release = actions.add_parser(
        "release", help="validate again and load into the docket (optionally corrected)"
    )
    _add_decision_options(release)
    release.add_argument(
        "--corrected",
        type=Path,
        metavar="FILE.json",
        help="the corrected canonical document (required when the record has no payload)",
    )
    release.set_defaults(func=run_release)

    reject = actions.add_parser("reject", help="mark the record rejected (it is never deleted)")
    _add_decision_options(reject)
    reject.set_defaults(func=run_reject)


def _add_decision_options(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument("id", type=int, metavar="ID")
    parser.add_argument("--reviewer", required=True, metavar="NAME", help="who decided")
    parser.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the audit)")


# -- reading ------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    from patent_sync.quarantine import QuarantineReviewError, list_items

    status = None if args.status == "all" else args.status
    with _open_store(args.store) as store:
        try:
            items = list_items(store, status=status, category=args.category, load_id=args.load)
        except QuarantineReviewError as exc:
            raise CliError(str(exc), exit_code=EXIT_REFUSED) from None
        events = _quarantined_events(store, status, args.category, args.load)
    if (items or events) and not args.json:
        print(_LIST_HEADER)
    for item in items:
        if args.json:
            print(json.dumps(_summary(item), sort_keys=True, ensure_ascii=False))
        else:
            record = item.record
            print(
                "\t".join(
                    (
                        str(item.id),
                        str(item.load_id),
                        item.status,
                        str(record.category),
                        _one_line(record.doc_key or "-"),
                        _one_line(",".join(record.failed_checks) or "-"),
                        _one_line(record.detail),
                    )
                )
            )
    for event in events:
        if args.json:
            print(json.dumps(event_summary(event), sort_keys=True, ensure_ascii=False))
        else:
            print(
                "\t".join(
                    (
                        f"event:{event.id}",
                        "-",
                        event.status,
                        event.category,
                        _one_line(event.application_key),
                        _one_line(f"{event.field}={event.value}"),
                        _one_line(event.detail),
                    )
                )
            )
    print(
        f"{len(items)} quarantined record(s) and {len(events)} quarantined event(s) "
        f"with status {args.status}",
        file=sys.stderr,
    )
    return 0


def _quarantined_events(
    store: DocketStore, status: str | None, category: str | None, load: int | None
) -> list[QuarantinedEvent]:
    """Events set aside by the docket (unknown codes); they belong to no load."""
    from patent_sync.docket.event_quarantine import list_quarantined_events

    if load is not None or not store.table_exists("event_quarantine"):
        return []
    return list_quarantined_events(store, status=status, category=category)


def run_show(args: argparse.Namespace) -> int:
    from patent_sync.quarantine import QuarantineReviewError, get_item

    with _open_store(args.store) as store:
        try:
            item = get_item(store, args.id)
        except QuarantineReviewError as exc:
            raise CliError(str(exc), exit_code=EXIT_REFUSED) from None
        load = store.get_load(item.load_id)
        origin = f"{load.feed} {load.delivery}"
    if args.payload:
        if item.record.payload is None:
            raise CliError(
                f"quarantine #{item.id} has no canonical payload ({item.record.category}); "
                "write the document as JSON from the raw excerpt (see: show without --payload)",
                exit_code=EXIT_REFUSED,
            )
        print(json.dumps(item.record.payload, indent=2, sort_keys=True, ensure_ascii=False))
    elif args.json:
        print(json.dumps(_full(item, origin), sort_keys=True, ensure_ascii=False))
    else:
        _print_item(item, origin)
    return 0


def event_summary(event: QuarantinedEvent) -> dict[str, Any]:
    from patent_sync.docket.event_quarantine import summary

    return summary(event)


def _summary(item: StoredQuarantine | QuarantineItem) -> dict[str, Any]:
    record = item.record
    return {
        "id": item.id,
        "load_id": item.load_id,
        "status": item.status,
        "category": str(record.category),
        "doc_key": record.doc_key,
        "failed_checks": list(record.failed_checks),
        "detail": record.detail,
        "source": record.source,
        "source_file": record.source_file,
        "position": record.position,
        "payload_sha256": record.payload_sha256,
        "created_at": item.created_at,
    }


def _full(item: QuarantineItem, origin: str) -> dict[str, Any]:
    return {
        **_summary(item),
        "quarantined_by": origin,
        "released_load_id": item.released_load_id,
        "payload": item.record.payload,
        "raw_excerpt": item.record.raw_excerpt,
        "crops": [str(crop.path) for crop in _crops(item.record)],
        "reviews": [
            {
                "action": r.action,
                "reviewer": r.reviewer,
                "reason": r.reason,
                "at": r.at,
                "load_id": r.load_id,
                "doc_key": r.doc_key,
                "content_hash": r.content_hash,
                "corrected": r.corrected,
                "changes": r.changes,
                "audit_seq": r.audit_seq,
            }
            for r in item.reviews
        ],
    }


def _print_item(item: QuarantineItem, origin: str) -> None:
    record = item.record
    rows = [
        ("status", item.status),
        ("category", str(record.category)),
        ("failed checks", ", ".join(record.failed_checks) or "-"),
        ("detail", _one_line(record.detail)),
        ("doc_key", record.doc_key or "-"),
        ("load", f"{item.load_id} ({origin})"),
        ("source", record.source),
        ("source file", record.source_file or "-"),
        ("position", str(record.position)),
        ("payload sha256", record.payload_sha256),
        ("quarantined at", item.created_at),
    ]
    if item.released_load_id is not None:
        rows.append(("release load", str(item.released_load_id)))
    print(f"quarantine #{item.id}")
    for label, value in rows:
        print(f"  {label + ':':<16} {value}")
    for review in item.reviews:
        print(
            f"  {review.action} by {_one_line(review.reviewer)} at {review.at} "
            f"(audit #{review.audit_seq}): {_one_line(review.reason)}"
        )
        if review.load_id is not None:
            print(f"    load {review.load_id}, content hash {review.content_hash}")
        for change in review.changes:
            before = json.dumps(change["from"], ensure_ascii=False)
            after = json.dumps(change["to"], ensure_ascii=False)
            print(f"    corrected {change['field']}: {_safe(before)} -> {_safe(after)}")
    print("payload:")
    if record.payload is None:
        print("  (none: no canonical record could be built)")
    else:
        text = json.dumps(record.payload, indent=2, sort_keys=True, ensure_ascii=False)
        print(_indent(_safe(text)))
    print("raw excerpt:")
    if record.raw_excerpt:
        from patent_sync.quarantine.excerpt import readable_excerpt

        print(_indent(readable_excerpt(record.raw_excerpt)))
    else:
        print("  (none)")
    crops = _crops(record)
    if crops:
        print("crops of the doubtful regions (a scan read by OCR):")
        for crop in crops:
            read = "-" if crop.confidence is None else f"confidence {crop.confidence:.2f}"
            what = crop.field or "whole page"
            where = f" [{crop.inid}]" if crop.inid else ""
            print(f"  {what}{where} ({read}): {crop.path}")


def _crops(record: QuarantineRecord) -> list[CropFile]:
    """The saved crops of a quarantined scan, under the home directory of the pipeline that
    quarantined it (``PATENT_SYNC_HOME``, as the Dagster storage resource uses)."""
    from patent_sync.ocr.crop_files import crops_of
    from patent_sync.settings import Settings

    return crops_of(record, Settings.from_env().home)


# -- deciding -----------------------------------------------------------------------------


def run_release(args: argparse.Namespace) -> int:
    from patent_sync.quarantine import QuarantineReviewError, read_correction, release

    try:
        corrected = read_correction(args.corrected) if args.corrected is not None else None
    except QuarantineReviewError as exc:
        raise CliError(str(exc), exit_code=EXIT_REFUSED) from None
    with _open_for_review(args.store) as (store, audit):
        try:
            result = release(
                store,
                audit,
                args.id,
                reviewer=args.reviewer,
                reason=args.reason,
                corrected=corrected,
            )
        except QuarantineReviewError as exc:
            raise CliError(str(exc), exit_code=EXIT_REFUSED) from None
    fixed = ""
    if result.corrected:
        names = ", ".join(c.field for c in result.changes) or "no field changed"
        fixed = f"; corrected ({names})"
    print(
        f"released quarantine #{result.quarantine_id} {result.doc_key} into the docket: "
        f"load {result.load_id} ({result.outcome}), content hash {result.content_hash}"
        f"{fixed}; audit #{result.audit_seq}"
    )
    return 0


def run_reject(args: argparse.Namespace) -> int:
    from patent_sync.quarantine import QuarantineReviewError, reject

    with _open_for_review(args.store) as (store, audit):
        try:
            result = reject(store, audit, args.id, reviewer=args.reviewer, reason=args.reason)
        except QuarantineReviewError as exc:
            raise CliError(str(exc), exit_code=EXIT_REFUSED) from None
    print(
        f"rejected quarantine #{result.quarantine_id} {result.doc_key or '(no doc_key)'}; "
        f"audit #{result.audit_seq}"
    )
    return 0


def _open_store(url: str | None) -> AbstractContextManager[DocketStore]:
    return open_existing_store(url, required_table="quarantine", what="quarantine table")


@contextmanager
def _open_for_review(url: str | None) -> Iterator[tuple[DocketStore, AuditLog]]:
    """The store, migrated so the review tables exist, and the audit log that signs decisions.

    The key is resolved first, so a missing key fails before the store is touched.
    """
    from patent_sync.audit import AuditLog
    from patent_sync.store import StoreError

    key = resolve_audit_key()
    with _open_store(url) as store:
        try:
            store.migrate()
            yield store, AuditLog(store, key)
        except StoreError as exc:
            raise CliError(str(exc), exit_code=EXIT_UNAVAILABLE) from None


# -- text ---------------------------------------------------------------------------------


def _safe(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _one_line(text: str) -> str:
    return _safe(" ".join(text.split()))


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
