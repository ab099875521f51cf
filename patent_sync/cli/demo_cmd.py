"""``patent-sync demo``: run every feed of the registry over the sample deliveries in ``data/``
(the USPTO weekly files in ``data/uspto``, the EPO DOCDB deliveries in ``data/epo_docdb``), in
publication order across feeds, then the docket job over the sample prosecution events in
``data/events``.

Everything is embedded: the SQLite docket store, the raw archive and the lake under
``PATENT_SYNC_HOME`` (default ``var/``), and Dagster's own SQLite instance in
``var/dagster_home`` so that ``make ui`` shows the runs afterwards. No server, no network.

The summary says what this run did (documents loaded, unchanged, quarantined; docket entries
changed) and then what the docket holds in total; run it twice and the second run says that
nothing new was loaded. The sample deliveries are defective on purpose (about one record in
eight, to show every quarantine category), so the demo's quarantine-rate check warns above 20%
instead of the production default of 2%, and says so.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from patent_sync.cli.errors import EXIT_UNAVAILABLE, CliError
from patent_sync.model import DocketEntry
from patent_sync.settings import (
    DEFAULT_QUARANTINE_RATE_WARNING,
    ENV_AUDIT_KEY,
    ENV_FEED_SOURCE,
    ENV_QUARANTINE_RATE_WARNING,
    PROJECT_ROOT,
    Settings,
)

# The runs' step-by-step events are in the UI; the terminal gets warnings and errors only.
_QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

# The sample deliveries are about 12% defective by design (data/README.md): against the
# production threshold every demo week would warn, and a new user's first sight would be a
# red check that means nothing. The demo (and `make ui` on its storage) warns above 20%.
DEMO_QUARANTINE_RATE_WARNING = "0.20"
SAMPLE_FEED_DIR = PROJECT_ROOT / "data"
_LOAD_COUNTS = ("created", "modified", "unchanged", "deleted", "unmatched_deletes", "quarantined")

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


def demo_quarantine_threshold(settings: Settings) -> str | None:
    """Use the demo's quarantine-rate threshold over the sample deliveries, unless one is set.

    Returns the line that says so (None when it does not apply)."""
    if os.environ.get(ENV_QUARANTINE_RATE_WARNING) or settings.feed_dir != SAMPLE_FEED_DIR:
        return None
    os.environ[ENV_QUARANTINE_RATE_WARNING] = DEMO_QUARANTINE_RATE_WARNING
    return (
        f"quarantine check: warns above {float(DEMO_QUARANTINE_RATE_WARNING):.0%} here, not "
        f"{DEFAULT_QUARANTINE_RATE_WARNING:.0%}: the sample deliveries are about 12% "
        f"defective on purpose, to show every quarantine category "
        f"({ENV_QUARANTINE_RATE_WARNING} sets it)"
    )


@dataclasses.dataclass
class RunTally:
    """What this run of the demo did, delivery by delivery."""

    deliveries: int = 0
    failed: int = 0
    new_loads: list[int] = dataclasses.field(default_factory=list)
    identical: list[int] = dataclasses.field(default_factory=list)  # loads already applied
    counts: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)

    def add(self, metadata: Mapping[str, Any]) -> str:
        """Count one docket materialization; returns its one-line summary."""
        load_id = int(metadata["load_id"].value)
        if _value(metadata, "skipped_identical_delivery"):
            self.identical.append(load_id)
            return f"identical to load {load_id}: nothing to do"
        self.new_loads.append(load_id)
        parts = []
        for name in _LOAD_COUNTS:
            value = int(_value(metadata, name) or 0)
            self.counts[name] += value
            if value:
                parts.append(f"{name.replace('_', ' ')} {value}")
        return f"load {load_id}: " + (", ".join(parts) or "nothing changed")

    def summary(self, docket_changes: int | None) -> str:
        """``this run: ...`` in words, saying plainly when nothing new was loaded."""
        if docket_changes is None:
            docket = "the docket job failed"
        elif docket_changes:
            docket = f"{docket_changes} entr{'y' if docket_changes == 1 else 'ies'} changed"
        else:
            docket = "no entry changed"
        if not self.new_loads:
            what = (
                f"nothing new was loaded: all {len(self.identical)} deliveries are identical "
                f"to loads already applied ({_ids(self.identical)})"
                if self.identical
                else "no delivery was loaded"
            )
            return f"this run:       {what}\n                docket: {docket}"
        c = self.counts
        loads = len(self.new_loads)
        head = f"{loads} new load{'s' if loads != 1 else ''} ({_ids(self.new_loads)})"
        if self.identical:
            head += f"; {len(self.identical)} deliveries identical to earlier loads"
        lines = [
            f"this run:       {head}",
            f"{c['created']} documents created, {c['modified']} modified, {c['unchanged']} "
            f"unchanged, {c['deleted']} deleted",
            f"{c['quarantined']} records quarantined",
            f"docket: {docket}",
        ]
        return "\n                ".join(lines)


def _value(metadata: Mapping[str, Any], name: str) -> Any:
    entry = metadata.get(name)
    return None if entry is None else entry.value


def _ids(load_ids: list[int]) -> str:
    ordered = sorted(set(load_ids))
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"loads {ordered[0]}-{ordered[-1]}"
    return f"load{'s' if len(ordered) != 1 else ''} {', '.join(map(str, ordered))}"


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.feed_source != "local":
        raise CliError(
            f"the demo reads local sample files; unset {ENV_FEED_SOURCE}", EXIT_UNAVAILABLE
        )
    if not settings.feed_dir.is_dir():
        raise CliError(f"sample feed directory not found: {settings.feed_dir}", EXIT_UNAVAILABLE)
    if not settings.events_dir.is_dir():
        raise CliError(
            f"sample events directory not found: {settings.events_dir}", EXIT_UNAVAILABLE
        )
    settings.home.mkdir(parents=True, exist_ok=True)
    notice = ensure_audit_key(settings)
    prepare_local_instance(settings)
    if notice:
        print(notice)
    threshold_notice = demo_quarantine_threshold(settings)

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
    tally = RunTally()
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
        tally.deliveries += 1
        tally.failed += not result.success
        summary = ""
        for event in result.get_asset_materialization_events():
            mat = event.materialization
            if mat.asset_key.path[-1].endswith("_docket") and "load_id" in mat.metadata:
                summary = tally.add(mat.metadata)
        print(f"  {key} {feed_name:<20} run {result.run_id[:8]} {status}  {summary}")

    # The deadlines: prosecution events → docket entries, as of today.
    docket_run = defs.resolve_job_def("docket_job").execute_in_process(
        instance=instance, raise_on_error=False, run_config=_QUIET_LOGS
    )
    failed |= not docket_run.success
    status = "ok" if docket_run.success else "FAILED"
    docket_meta = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in docket_run.get_asset_materialization_events()
    }
    changes = _value(docket_meta.get("docket_entries", {}), "changes")
    page = _value(docket_meta.get("docket_html", {}), "path")
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
    print(tally.summary(None if changes is None else int(changes)))
    if tally.failed:
        print(f"                {tally.failed} of {tally.deliveries} delivery runs FAILED")
    print()
    print("in total:")
    print(f"docket store:   {store.url_for_display}")
    sources = ", ".join(f"{source} {n}" for source, n in by_source.items())
    print(f"documents:      {documents} in the docket ({sources}); {deleted} deleted")
    total_q = sum(quarantine.values())
    by_cat = ", ".join(f"{k} {v}" for k, v in sorted(quarantine.items())) or "none"
    print(f"quarantined:    {total_q} ({by_cat}); review: patent-sync quarantine list")
    print(f"loads:          latest load id {latest or '-'}")
    state = "verified" if verify.ok else f"BROKEN at entry #{verify.first_bad_seq}: {verify.reason}"
    print(f"audit log:      {verify.entries_checked} entries, chain {state}")
    print(_deadlines_line(deadlines, next_due(deadlines, dt.date.today(), limit=1)))
    for entry in overdue_entries(deadlines, dt.date.today()):
        print(
            f"  OVERDUE: due {entry.due_date} {entry.matter} {entry.rule} "
            f"(final date {entry.final_date or entry.due_date})"
        )
    if threshold_notice:
        print(threshold_notice)
    print()
    if page:
        print(f"Read the docket in a browser (no server needed):  {page}")
    print("Open the Dagster UI on the same storage:  make ui   (then http://127.0.0.1:3000)")
    print(
        "Check a file without loading it:          .venv/bin/patent-sync inspect data/uspto/<file>"
    )
    print(
        "Events: the demo reads recorded answers in data/events (EPO OPS Register and INPADOC, "
        "USPTO ODP).\nTo fetch your own matters, set EPO_OPS_CONSUMER_KEY and "
        "EPO_OPS_CONSUMER_SECRET (EPO) or USPTO_ODP_API_KEY (USPTO), add the matters with "
        "`patent-sync watch add EP-19123456`,\nand run ep_watchlist_job / us_watchlist_job in "
        "the UI (see README: The watchlist)."
    )
    if failed or not verify.ok:
        print("demo: some runs failed; see the UI for details", file=sys.stderr)
        return 1
    return 0


def _deadlines_line(open_entries: list[DocketEntry], upcoming: list[DocketEntry]) -> str:
    """``deadlines: N open entries (M matters); next due: <date> <matter> <rule>``."""
    matters = len({e.matter for e in open_entries})
    nxt = f"{upcoming[0].due_date} {upcoming[0].matter} {upcoming[0].rule}" if upcoming else "-"
    return f"deadlines:      {len(open_entries)} open entries ({matters} matters); next due: {nxt}"
