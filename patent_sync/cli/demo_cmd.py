"""``patent-sync demo``: run every feed of the registry over the sample deliveries in ``data/``
(the USPTO weekly files in ``data/uspto``, the EPO DOCDB deliveries in ``data/epo_docdb``), in
publication order across feeds, then the docket job over the sample prosecution events in
``data/events``.

Everything is embedded: the SQLite docket store, the raw archive and the lake under
``PATENT_SYNC_HOME`` (default ``var/``), and Dagster's own SQLite instance in
``var/dagster_home`` so that ``make ui`` shows the runs afterwards. No server, no network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from patent_sync.cli.errors import CliError
from patent_sync.model import DocketEntry
from patent_sync.settings import ENV_AUDIT_KEY, ENV_FEED_SOURCE, Settings

# The runs' step-by-step events are in the UI; the terminal gets warnings and errors only.
_QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

_INSTANCE_YAML = """\
# Dagster's embedded instance for the demo and `make ui`: SQLite under this directory.
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1  # one load per feed at once (each feed's load step has its own pool)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="materialize every feed over the sample deliveries in data/ (embedded, offline)",
        description=__doc__,
    )
    parser.set_defaults(func=run)


def prepare_local_instance(settings: Settings) -> Path:
    """Point DAGSTER_HOME at the embedded instance directory and create it."""
    dagster_home = settings.home / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(_INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    return dagster_home


def ensure_audit_key(settings: Settings) -> str | None:
    """Use PATENT_SYNC_AUDIT_KEY, or create a local key file; returns a notice to print."""
    from patent_sync.audit.keys import load_or_create_local_key

    if os.environ.get(ENV_AUDIT_KEY):
        return None
    existed = settings.audit_key_path.exists()
    key = load_or_create_local_key(settings.audit_key_path)
    os.environ[ENV_AUDIT_KEY] = key.hex()
    if existed:
        return f"audit key: using the local key in {settings.audit_key_path}"
    return (
        f"audit key: created a local HMAC key in {settings.audit_key_path} (mode 0600); "
        f"in production set {ENV_AUDIT_KEY} instead"
    )


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.feed_source != "local":
        raise CliError(f"the demo reads local sample files; unset {ENV_FEED_SOURCE}")
    if not settings.feed_dir.is_dir():
        raise CliError(f"sample feed directory not found: {settings.feed_dir}")
    if not settings.events_dir.is_dir():
        raise CliError(f"sample events directory not found: {settings.events_dir}")
    settings.home.mkdir(parents=True, exist_ok=True)
    notice = ensure_audit_key(settings)
    prepare_local_instance(settings)
    if notice:
        print(notice)

    import dagster as dg

    from patent_sync.audit import AuditLog
    from patent_sync.audit.keys import parse_audit_key
    from patent_sync.definitions import defs as build_defs
    from patent_sync.docket.repository import open_entries
    from patent_sync.docket.service import next_due, overdue_entries
    from patent_sync.feeds import FEEDS
    from patent_sync.pipeline.sources import LocalSource
    from patent_sync.store import open_store

    defs = build_defs()
    instance = dg.DagsterInstance.get()
    directory = LocalSource(settings.feed_dir)
    # Publication order across feeds: a DOCDB amendment must come after the create it amends.
    deliveries = sorted(
        (day, feed.name) for feed in FEEDS for day in directory.available_dates(feed)
    )
    load_ids: list[int] = []
    failed = False
    for publication_date, feed_name in deliveries:
        key = publication_date.isoformat()
        result = defs.resolve_job_def(f"{feed_name}_job").execute_in_process(
            partition_key=key,
            instance=instance,
            raise_on_error=False,
            run_config=_QUIET_LOGS,
        )
        status = "ok" if result.success else "FAILED"
        failed |= not result.success
        summary = ""
        for event in result.get_asset_materialization_events():
            mat = event.materialization
            if mat.asset_key.path[-1].endswith("_docket") and "load_id" in mat.metadata:
                load_ids.append(int(mat.metadata["load_id"].value))
                summary = _load_summary(mat.metadata)
        print(f"  {key} {feed_name:<20} run {result.run_id[:8]} {status}  {summary}")

    # The deadlines: prosecution events → docket entries, as of today.
    docket_run = defs.resolve_job_def("docket_job").execute_in_process(
        instance=instance, raise_on_error=False, run_config=_QUIET_LOGS
    )
    failed |= not docket_run.success
    status = "ok" if docket_run.success else "FAILED"
    print(f"  docket_job: run {docket_run.run_id[:8]} {status}")

    store = open_store(settings.store_url)
    try:
        deadlines = open_entries(store)
        documents = store.count_documents()
        by_source = store.document_counts_by_source()
        deleted = store.count_documents(include_deleted=True) - documents
        quarantine = store.quarantine_counts()
        audit = AuditLog(store, parse_audit_key(os.environ[ENV_AUDIT_KEY]))
        verify = audit.verify()
        latest = store.latest_load_id()
    finally:
        store.close()

    print()
    print(f"docket store:   {store.url_for_display}")
    sources = ", ".join(f"{source} {n}" for source, n in by_source.items())
    print(f"documents:      {documents} in the docket ({sources}); {deleted} deleted")
    total_q = sum(quarantine.values())
    by_cat = ", ".join(f"{k} {v}" for k, v in sorted(quarantine.items())) or "none"
    print(f"quarantined:    {total_q} ({by_cat})")
    print(f"load ids:       {', '.join(map(str, sorted(set(load_ids)))) or '-'} (latest {latest})")
    state = "verified" if verify.ok else f"BROKEN at entry #{verify.first_bad_seq}: {verify.reason}"
    print(f"audit log:      {verify.entries_checked} entries, chain {state}")
    print(_deadlines_line(deadlines, next_due(deadlines, dt.date.today(), limit=1)))
    for entry in overdue_entries(deadlines, dt.date.today()):
        print(
            f"  OVERDUE: due {entry.due_date} {entry.matter} {entry.rule} "
            f"(final date {entry.final_date or entry.due_date})"
        )
    print()
    print("Open the Dagster UI on the same storage:  make ui   (then http://127.0.0.1:3000)")
    print(
        "Check a file without loading it:          .venv/bin/patent-sync inspect data/uspto/<file>"
    )
    if failed or not verify.ok:
        print("demo: some runs failed; see the UI for details", file=sys.stderr)
        return 1
    return 0


def _load_summary(metadata: dict) -> str:
    """What one load did, in a few words (``created 40, modified 3, deleted 1, quarantined 5``)."""
    if metadata.get("skipped_identical_delivery") and metadata["skipped_identical_delivery"].value:
        return f"identical to load {metadata['load_id'].value}: nothing to do"
    names = ("created", "modified", "unchanged", "deleted", "unmatched_deletes", "quarantined")
    parts = [
        f"{name.replace('_', ' ')} {metadata[name].value}"
        for name in names
        if name in metadata and metadata[name].value
    ]
    return ", ".join(parts) or "nothing changed"


def _deadlines_line(open_entries: list[DocketEntry], upcoming: list[DocketEntry]) -> str:
    """``deadlines: N open entries (M matters); next due: <date> <matter> <rule>``."""
    matters = len({e.matter for e in open_entries})
    nxt = f"{upcoming[0].due_date} {upcoming[0].matter} {upcoming[0].rule}" if upcoming else "-"
    return f"deadlines:      {len(open_entries)} open entries ({matters} matters); next due: {nxt}"
