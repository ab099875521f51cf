"""``patent-sync load FEED DATE``: run one delivery through every step, outside Dagster.

Acquire (from ``PATENT_SYNC_FEED_DIR``, or from the office with ``PATENT_SYNC_FEED_SOURCE=
remote``), count, normalize, validate and load into the docket store, exactly as the feed's
Dagster job does, and print what the load did. For operators replaying a week from the raw
archive's files, and for scripts. The store is created and migrated when it does not exist;
the audit key must already be set (``PATENT_SYNC_AUDIT_KEY`` or the local key file).

Exit status: 0 when the delivery was loaded (or had already been), 1 when the records could not
all be accounted for (nothing was loaded), 2 when the delivery, the store or the key is not
available.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from patent_sync.cli.context import add_store_option, resolve_audit_key
from patent_sync.cli.errors import CliError
from patent_sync.feeds import FEEDS, feed_named


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load",
        help="run one feed's delivery for one publication date into the docket store",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("feed", choices=[feed.name for feed in FEEDS])
    parser.add_argument("date", type=dt.date.fromisoformat, help="publication date YYYY-MM-DD")
    add_store_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    import dagster as dg

    from patent_sync.acquisition.epo_bdds import ENV_PASSWORD, ENV_USERNAME
    from patent_sync.acquisition.epo_ops import ENV_CONSUMER_KEY, ENV_CONSUMER_SECRET
    from patent_sync.acquisition.errors import AcquisitionError
    from patent_sync.audit import AuditLog
    from patent_sync.parsing.errors import ParseError
    from patent_sync.pipeline.delivery import RecordsNotAccountedFor, run_delivery
    from patent_sync.resources import (
        EpoBulkDataResource,
        EpoOpsResource,
        FeedSourcesResource,
        UsptoBulkDataResource,
    )
    from patent_sync.settings import ENV_USPTO_API_KEY, Settings
    from patent_sync.store import StoreError, open_store

    settings = Settings.from_env()
    feed = feed_named(args.feed)
    key = resolve_audit_key()
    sources = FeedSourcesResource(
        mode="remote" if settings.feed_source == "remote" else "local",
        local_dir=str(settings.feed_dir),
        uspto=UsptoBulkDataResource(api_key=os.environ.get(ENV_USPTO_API_KEY)),
        epo=EpoBulkDataResource(
            username=os.environ.get(ENV_USERNAME), password=os.environ.get(ENV_PASSWORD)
        ),
        ops=EpoOpsResource(
            consumer_key=os.environ.get(ENV_CONSUMER_KEY),
            consumer_secret=os.environ.get(ENV_CONSUMER_SECRET),
        ),
    )
    try:
        source = sources.source_for(feed)
        store = open_store(args.store or settings.store_url)
    except (dg.Failure, StoreError) as exc:
        message = exc.description if isinstance(exc, dg.Failure) else str(exc)
        raise CliError(str(message), exit_code=2) from None
    try:
        store.migrate()
        report = run_delivery(
            feed,
            args.date,
            source=source,
            store=store,
            audit=AuditLog(store, key),
            home=settings.home,
        )
    except RecordsNotAccountedFor as exc:
        raise CliError(f"{exc}; nothing was loaded", exit_code=1) from None
    except (AcquisitionError, ParseError, StoreError) as exc:
        raise CliError(str(exc), exit_code=2) from None
    finally:
        store.close()
    loaded = report.loaded
    if loaded.skipped_identical:
        print(f"{feed.name} {args.date}: identical to load {loaded.load_id}: nothing to do")
        return 0
    counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in loaded.counts().items())
    print(f"{feed.name} {args.date}: load {loaded.load_id}: {counts}")
    seconds = ", ".join(f"{step} {s:.2f} s" for step, s in report.seconds.items())
    print(f"  {report.delivery.name}: {seconds}", file=sys.stderr)
    return 0
