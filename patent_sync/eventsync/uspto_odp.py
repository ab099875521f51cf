"""The watched US applications' transaction histories, fetched from the USPTO Open Data Portal.

For the US matters of the watchlist, ``sync_us_watchlist``:

1. probes them all (``UsptoOdpClient.probe``: one search request per 50 applications, asking only
   for ``lastIngestionDateTime`` and the status code and date);
2. skips every application whose marker equals the one recorded at its last sync and whose
   event files are still those of that sync: an unchanged application costs no request of its
   own;
3. fetches the others' ``meta-data`` (filing date, type, entity status: facts the docket needs)
   and ``transactions``, archives both raw, and puts them in the events directory as
   ``US-<number>-meta-data.json`` and ``US-<number>-transactions.json`` (atomically);
4. records the marker (``watchlist.record_sync``) once the files are in place.

An application the ODP does not have (404) is reported on one line and the others go on; a key
the ODP refuses (401, 403) or a 429 that outlasts the retries stops the sync, since every further
request would fail the same way. An application whose status date is newer than its newest
transaction lags behind in the API; it is reported, and handed to the Patent Center fallback
when one is configured (``lag_fallback``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from patent_sync.acquisition.errors import HttpStatusError, InvalidResponse
from patent_sync.acquisition.uspto_odp import (
    PROBE_BATCH,
    ApplicationStatus,
    UsptoOdpClient,
    wrapper_of,
)
from patent_sync.archive.raw_archive import RawArchive
from patent_sync.events import EventParseError, load_event_file
from patent_sync.eventsync.files import file_sha256, incoming_path, install_event_file
from patent_sync.eventsync.reconciliation import Reconciliation, stored_counts
from patent_sync.store.base import DocketStore
from patent_sync.watchlist import WatchedMatter, record_sync, sync_marker

SOURCE = "uspto.odp.transactions"  # the sync-marker source and the raw archive's source
META_SOURCE = "uspto.odp.meta-data"
OFFICE = "US"

# What stops the whole sync: the key is refused, so every other request would be too.
FATAL_STATUSES = frozenset({401, 403})

FETCHED, UNCHANGED, FAILED = "fetched", "unchanged", "failed"
# The ODP's applicationNumberText: eight digits (series code + serial number).
ODP_NUMBER = re.compile(r"[0-9]{8}")


@dataclasses.dataclass(frozen=True, slots=True)
class LaggingApplication:
    """The ODP says the status changed after its newest transaction: events are missing."""

    matter: str
    status_date: dt.date
    last_transaction: dt.date | None
    status: str


#: Called for a lagging application (the Patent Center reader): returns a one-line outcome.
LagFallback = Callable[[LaggingApplication], str]


@dataclasses.dataclass(frozen=True, slots=True)
class MatterSync:
    """What the sync did for one watched application."""

    matter: str
    action: str  # FETCHED | UNCHANGED | FAILED
    detail: str = ""
    transactions: int | None = None  # eventDataBag rows received this run
    files_changed: tuple[str, ...] = ()
    lagging: LaggingApplication | None = None
    fallback: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class UsSyncReport:
    """The whole run: one ``MatterSync`` per watched US application, in watchlist order."""

    matters: tuple[MatterSync, ...]
    probe_requests: int
    fetch_requests: int
    probe_problem: str = ""  # why the probe failed (every application was then fetched)

    def by_action(self, action: str) -> list[MatterSync]:
        return [m for m in self.matters if m.action == action]

    @property
    def transactions_received(self) -> int:
        return sum(m.transactions or 0 for m in self.matters)


def event_file_names(number: str) -> tuple[str, str]:
    """(meta-data file, transactions file) of application ``number`` in the events directory."""
    return f"{OFFICE}-{number}-meta-data.json", f"{OFFICE}-{number}-transactions.json"


def sync_us_watchlist(
    store: DocketStore,
    archive: RawArchive,
    client: UsptoOdpClient,
    events_dir: Path,
    matters: Sequence[WatchedMatter],
    *,
    lag_fallback: LagFallback | None = None,
) -> UsSyncReport:
    """Bring the events directory up to date with the ODP for ``matters`` (US keys only)."""
    us = [m for m in matters if m.office == OFFICE]
    if not us:
        return UsSyncReport(matters=(), probe_requests=0, fetch_requests=0)
    events_dir = Path(events_dir)
    events_dir.mkdir(parents=True, exist_ok=True)
    askable = [m for m in us if ODP_NUMBER.fullmatch(m.number)]
    statuses: dict[str, ApplicationStatus] = {}
    probe_problem = ""
    try:
        statuses = client.probe([m.number for m in askable]) if askable else {}
    except HttpStatusError as exc:
        if exc.status in FATAL_STATUSES:
            raise
        # The probe only saves requests: if the search refuses it, fetch everything instead.
        probe_problem = str(exc)
    probes = -(-len(askable) // PROBE_BATCH)
    results: list[MatterSync] = []
    fetches = 0
    for matter in us:
        if matter not in askable:
            results.append(
                MatterSync(
                    matter.matter,
                    FAILED,
                    f"{matter.number!r} is not an application number the Open Data Portal "
                    "takes (eight digits, e.g. US-17248024)",
                )
            )
            continue
        status = statuses.get(matter.number)
        if _unchanged(store, events_dir, matter, status):
            results.append(MatterSync(matter.matter, UNCHANGED, "marker unchanged since last sync"))
            continue
        try:
            outcome, requests = _fetch(store, archive, client, events_dir, matter, status)
        except HttpStatusError as exc:
            if exc.status in FATAL_STATUSES:
                raise
            results.append(MatterSync(matter.matter, FAILED, str(exc)))
            fetches += 1
            continue
        except InvalidResponse as exc:
            results.append(MatterSync(matter.matter, FAILED, str(exc)))
            fetches += 1
            continue
        fetches += requests
        if outcome.lagging is not None and lag_fallback is not None:
            outcome = dataclasses.replace(outcome, fallback=lag_fallback(outcome.lagging))
        results.append(outcome)
    return UsSyncReport(
        matters=tuple(results),
        probe_requests=probes,
        fetch_requests=fetches,
        probe_problem=probe_problem,
    )


def _unchanged(
    store: DocketStore, events_dir: Path, matter: WatchedMatter, status: ApplicationStatus | None
) -> bool:
    if status is None or not status.complete:
        return False  # the probe cannot vouch for it: fetch (an identical answer writes nothing)
    previous = sync_marker(store, matter.matter, SOURCE)
    if previous is None or previous.marker != status.marker:
        return False
    meta_name, transactions_name = event_file_names(matter.number)
    transactions = events_dir / transactions_name
    if not (events_dir / meta_name).is_file() or not transactions.is_file():
        return False  # someone removed the files: fetch them again
    return file_sha256(transactions) == previous.payload_sha256


def _fetch(
    store: DocketStore,
    archive: RawArchive,
    client: UsptoOdpClient,
    events_dir: Path,
    matter: WatchedMatter,
    status: ApplicationStatus | None,
) -> tuple[MatterSync, int]:
    number = matter.number
    meta_name, transactions_name = event_file_names(number)
    changed: list[str] = []
    installed = {}
    for constituent, name, source in (
        ("meta-data", meta_name, META_SOURCE),
        ("transactions", transactions_name, SOURCE),
    ):
        fetched = client.download(number, constituent, incoming_path(events_dir, name))
        installed[constituent] = install_event_file(
            archive,
            fetched.path,
            events_dir,
            name,
            source=source,
            origin=fetched.url,
            content_key=response_content,
        )
        if installed[constituent].changed:
            changed.append(name)
    transactions_file = installed["transactions"]
    rows = _transaction_rows(transactions_file.path, number)
    meta = _metadata(installed["meta-data"].path, number)
    marker = status.marker if status is not None and status.complete else ""
    record_sync(
        store, matter.matter, SOURCE, marker=marker, payload_sha256=transactions_file.sha256
    )
    lagging = _lagging(matter.matter, meta, status, rows)
    detail = f"{len(rows)} transaction(s); " + (
        f"changed: {', '.join(changed)}" if changed else "files unchanged"
    )
    if lagging is not None:
        detail += (
            f"; status {lagging.status!r} of {lagging.status_date} is newer than the newest "
            f"transaction ({lagging.last_transaction or 'none'})"
        )
    return (
        MatterSync(
            matter.matter,
            FETCHED,
            detail,
            transactions=len(rows),
            files_changed=tuple(changed),
            lagging=lagging,
        ),
        2,
    )


def response_content(data: bytes) -> object:
    """What an ODP response says, without the ``requestIdentifier`` stamped on every answer:
    two responses with equal content carry the same history."""
    document = json.loads(data)
    if isinstance(document, dict):
        document.pop("requestIdentifier", None)
    return document


def _transaction_rows(path: Path, number: str) -> list[Mapping[str, Any]]:
    subject = f"US application {number} transactions"
    with path.open("rb") as handle:
        wrapper = wrapper_of(json.load(handle), number, subject)
    rows = wrapper.get("eventDataBag") or []
    if not isinstance(rows, list):
        raise InvalidResponse(f"{subject}: eventDataBag is not a list")
    return [r for r in rows if isinstance(r, Mapping)]


def _metadata(path: Path, number: str) -> Mapping[str, Any]:
    with path.open("rb") as handle:
        wrapper = wrapper_of(json.load(handle), number, f"US application {number} meta-data")
    meta = wrapper.get("applicationMetaData") or {}
    return meta if isinstance(meta, Mapping) else {}


def _lagging(
    matter: str,
    meta: Mapping[str, Any],
    status: ApplicationStatus | None,
    rows: Sequence[Mapping[str, Any]],
) -> LaggingApplication | None:
    status_date = _iso_date(meta.get("applicationStatusDate")) or (
        status.status_date if status else None
    )
    if status_date is None:
        return None
    dates = [d for d in (_iso_date(r.get("eventDate")) for r in rows) if d is not None]
    newest = max(dates, default=None)
    if newest is not None and newest >= status_date:
        return None
    description = str(meta.get("applicationStatusDescriptionText") or "")
    if not description and status is not None:
        description = status.status_description
    return LaggingApplication(matter, status_date, newest, " ".join(description.split()))


def _iso_date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# -- reconciliation --------------------------------------------------------------------------


def reconcile(
    store: DocketStore, events_dir: Path, matters: Sequence[WatchedMatter]
) -> list[Reconciliation]:
    """For each watched US application with a transactions file: rows received = events
    recorded + events quarantined (``prosecution_events`` must have run since the sync)."""
    results: list[Reconciliation] = []
    for matter in matters:
        if matter.office != OFFICE:
            continue
        path = Path(events_dir) / event_file_names(matter.number)[1]
        if not path.is_file():
            continue
        try:
            events = list(load_event_file(path).events)
        except EventParseError as exc:
            results.append(Reconciliation(matter.matter, 0, 0, 0, problem=str(exc)))
            continue
        received = _transaction_rows(path, matter.number)
        recorded, quarantined = stored_counts(store, matter.matter, events)
        problem = ""
        if len(received) != len(events):
            problem = f"{len(received)} rows in the file but {len(events)} events parsed"
        results.append(
            Reconciliation(
                matter.matter,
                received=len(received),
                recorded=recorded,
                quarantined=quarantined,
                problem=problem,
            )
        )
    return results
