"""The watched EP applications' Register and INPADOC histories, fetched from EPO OPS.

For each EP matter of the watchlist, ``sync_ep_watchlist``:

1. fetches its EP Register file from OPS in one request
   (``register/application/epodoc/EP<n>/biblio,events,procedural-steps``: bibliographic data,
   dossier events, procedural steps and status history, billed to the ``other`` bucket);
2. reads it with the project's Register parser and computes its *content marker*: the newest
   dated entry and a digest of every event it yields. OPS has no conditional requests, and the
   Register stamps each answer with the day it was produced, so bytes always differ; the marker
   does not. When the marker is the one recorded at the last sync and the event file is still
   that sync's, nothing is archived or written;
3. fetches the INPADOC legal events (``legal/application/epodoc/EP<n>``, the ``inpadoc``
   bucket) only when the Register moved, when they were never fetched, or when the last fetch is
   older than ``inpadoc_max_age`` (INPADOC is updated weekly and also carries the national
   offices' post-grant events, which the Register does not show);
4. archives each changed response raw, writes it atomically to the events directory as
   ``EP-<n>-register.xml`` / ``EP-<n>-inpadoc.xml`` (``eventsync.files``), and only then records
   the marker (``watchlist.record_sync``), so a crash in between fetches it again.

An application OPS does not know (404), or whose answer cannot be read, is reported on one line
naming it, and the others go on; nothing already in the events directory is touched for it.
When the firm opted in, such an application (404, or a Register answer without a
register-document), and any application named in ``read_page_for`` (OPS known to lag), is read
from the public Register page instead (``register_fallback``), marked lower confidence.
``OpsQuotaExhausted`` (the fair-use 403) is not caught: the caller stops the whole sync, since
every further request would be refused too, and what was written before it stays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from patent_sync.acquisition.epo_ops import OpsClient, OpsService
from patent_sync.acquisition.errors import HttpStatusError, InvalidResponse
from patent_sync.archive.raw_archive import RawArchive
from patent_sync.events import EventParseError, ParsedEvents, event_key, parse_event_bytes
from patent_sync.events.detect import merge_parsed
from patent_sync.eventsync.files import file_sha256, incoming_path, install_event_file
from patent_sync.eventsync.reconciliation import Reconciliation, stored_counts
from patent_sync.model import Event
from patent_sync.store.base import DocketStore
from patent_sync.watchlist import WatchedMatter, record_sync, sync_marker

OFFICE = "EP"
REGISTER_SOURCE = "epo.ops.register"  # the sync-marker source and the raw archive's source
INPADOC_SOURCE = "epo.ops.inpadoc"
REST = "rest-services/"  # OPS paths below the base URL (``https://ops.epo.org/3.2``)
REGISTER_CONSTITUENTS = "biblio,events,procedural-steps"
DEFAULT_INPADOC_MAX_AGE = dt.timedelta(days=7)

FETCHED, UNCHANGED, FROM_PAGE, FAILED = "fetched", "unchanged", "from page", "failed"

#: Reads the public Register page for a matter OPS lacks; returns a one-line outcome and
#: whether a capture was filed.
RegisterFallback = Callable[[WatchedMatter, str], tuple[bool, str]]


@dataclasses.dataclass(frozen=True, slots=True)
class MatterSync:
    """What the sync did for one watched EP application."""

    matter: str
    action: str  # FETCHED | UNCHANGED | FROM_PAGE | FAILED
    detail: str = ""
    events_received: int = 0  # events in the OPS answers received this run
    files_changed: tuple[str, ...] = ()
    fallback: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class EpSyncReport:
    """The whole run: one ``MatterSync`` per watched EP application, in watchlist order."""

    matters: tuple[MatterSync, ...]
    requests: int

    def by_action(self, action: str) -> list[MatterSync]:
        return [m for m in self.matters if m.action == action]

    @property
    def events_received(self) -> int:
        return sum(m.events_received for m in self.matters)


def register_path(number: str) -> str:
    """The OPS path of application ``number``'s Register file (all three constituents)."""
    return f"{REST}register/application/epodoc/EP{number}/{REGISTER_CONSTITUENTS}"


def legal_path(number: str) -> str:
    """The OPS path of application ``number``'s INPADOC legal events."""
    return f"{REST}legal/application/epodoc/EP{number}"


def event_file_names(number: str) -> tuple[str, str]:
    """(Register file, INPADOC file) of application ``number`` in the events directory."""
    return f"{OFFICE}-{number}-register.xml", f"{OFFICE}-{number}-inpadoc.xml"


def content_marker(parsed: ParsedEvents) -> str:
    """What a response says, independent of when OPS produced it: newest date and a digest."""
    keys = sorted("|".join(map(str, event_key(e))) for e in parsed.events)
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    newest = max((e.event_date for e in parsed.events), default=None)
    return f"{newest.isoformat() if newest else 'none'}/{len(keys)}/{digest}"


@dataclasses.dataclass(frozen=True, slots=True)
class _Installed:
    """An answer put in place (or found unchanged), and the marker still to record."""

    moved: bool  # its content differs from the last sync's
    file_changed: bool  # the event file was (re)written
    marker: str | None  # None: nothing to record
    sha256: str | None

    def record(self, store: DocketStore, matter: str, source: str) -> None:
        if self.marker is not None and self.sha256 is not None:
            record_sync(store, matter, source, marker=self.marker, payload_sha256=self.sha256)


class _Unreadable(Exception):
    """An OPS answer for one application that cannot be used (the message names it)."""


class _Missing(_Unreadable):
    """OPS has no Register file for the application (404, or no register-document)."""


def sync_ep_watchlist(
    store: DocketStore,
    archive: RawArchive,
    client: OpsClient,
    events_dir: Path,
    matters: Sequence[WatchedMatter],
    *,
    now: dt.datetime | None = None,
    inpadoc_max_age: dt.timedelta = DEFAULT_INPADOC_MAX_AGE,
    register_fallback: RegisterFallback | None = None,
    read_page_for: Collection[str] = (),
) -> EpSyncReport:
    """Bring the events directory up to date with OPS for ``matters`` (EP keys only)."""
    now = now or dt.datetime.now(dt.UTC)
    events_dir = Path(events_dir)
    events_dir.mkdir(parents=True, exist_ok=True)
    sync = _Sync(store, archive, client, events_dir, now, inpadoc_max_age)
    results: list[MatterSync] = []
    for matter in (m for m in matters if m.office == OFFICE):
        try:
            outcome = sync.matter(matter)
        except _Missing as exc:
            filed, said = register_fallback(matter, str(exc)) if register_fallback else (False, "")
            action = FROM_PAGE if filed else FAILED
            results.append(MatterSync(matter.matter, action, str(exc), fallback=said))
            continue
        except _Unreadable as exc:
            results.append(MatterSync(matter.matter, FAILED, str(exc)))
            continue
        if register_fallback is not None and matter.matter in read_page_for:
            _, said = register_fallback(matter, "named in read_page_for: OPS lags for it")
            outcome = dataclasses.replace(outcome, fallback=said)
        results.append(outcome)
    return EpSyncReport(matters=tuple(results), requests=sync.requests)


class _Sync:
    """The per-matter steps, sharing the store, archive, client and request count."""

    def __init__(
        self,
        store: DocketStore,
        archive: RawArchive,
        client: OpsClient,
        events_dir: Path,
        now: dt.datetime,
        inpadoc_max_age: dt.timedelta,
    ) -> None:
        self.store, self.archive, self.client = store, archive, client
        self.events_dir, self.now, self.inpadoc_max_age = events_dir, now, inpadoc_max_age
        self.requests = 0

    def matter(self, matter: WatchedMatter) -> MatterSync:
        register_name, inpadoc_name = event_file_names(matter.number)
        register = self._fetch(
            matter, register_path(matter.number), OpsService.OTHER, "EP Register", missing=True
        )
        if register is None or not register[1].events:
            raise _Missing(
                f"{matter.matter}: OPS has no EP Register data for EP{matter.number} "
                + ("(HTTP 404)" if register is None else "(no register-document in the answer)")
            )
        changed: list[str] = []
        received = len(register[1].events)
        reg = self._install(matter, REGISTER_SOURCE, register_name, *register)
        if reg.file_changed:
            changed.append(register_name)
        detail = [f"Register: {received} event(s), {'changed' if reg.moved else 'unchanged'}"]
        if self._inpadoc_due(matter, inpadoc_name, register_moved=reg.moved):
            legal = self._fetch(
                matter, legal_path(matter.number), OpsService.INPADOC, "INPADOC legal events"
            )
            if legal is None:
                detail.append("INPADOC: no legal events yet (HTTP 404)")
            else:
                received += len(legal[1].events)
                inpadoc = self._install(matter, INPADOC_SOURCE, inpadoc_name, *legal)
                inpadoc.record(self.store, matter.matter, INPADOC_SOURCE)
                if inpadoc.file_changed:
                    changed.append(inpadoc_name)
                detail.append(f"INPADOC: {len(legal[1].events)} event(s)")
        else:
            detail.append("INPADOC: not due (Register unchanged, fetched recently)")
        # The Register's marker last: if INPADOC failed (or the quota ran out) the Register
        # still counts as moved next run, and INPADOC is fetched then.
        reg.record(self.store, matter.matter, REGISTER_SOURCE)
        action = FETCHED if changed else UNCHANGED
        return MatterSync(matter.matter, action, "; ".join(detail), received, tuple(changed))

    def _fetch(
        self,
        matter: WatchedMatter,
        path: str,
        service: OpsService,
        what: str,
        *,
        missing: bool = False,
    ) -> tuple[bytes, ParsedEvents, str] | None:
        """(body, parsed, url) of one OPS answer, or None for a 404."""
        subject = f"{what} of EP{matter.number}"
        self.requests += 1
        try:
            response = self.client.get(path, service=service, what=subject)
        except HttpStatusError as exc:
            if exc.status == 404:
                return None
            raise _Unreadable(f"{matter.matter}: {_one_line(exc)}") from None
        except InvalidResponse as exc:
            raise _Unreadable(f"{matter.matter}: {_one_line(exc)}") from None
        try:
            parsed = parse_event_bytes(response.body)
        except EventParseError as exc:
            if missing and "no register-document" in str(exc):
                return response.body, ParsedEvents(format="epo-register", events=()), response.url
            raise _Unreadable(
                f"{matter.matter}: the {subject} from OPS cannot be read: {_one_line(exc)}"
            ) from None
        keys = {e.application_key for e in merge_parsed([parsed]).events} | set(parsed.facts)
        if parsed.events and matter.matter not in keys:
            raise _Unreadable(
                f"{matter.matter}: OPS answered the {subject} with another application's data "
                f"({', '.join(sorted(keys)[:3])}); not used"
            )
        return response.body, parsed, response.url

    def _install(
        self,
        matter: WatchedMatter,
        source: str,
        name: str,
        body: bytes,
        parsed: ParsedEvents,
        url: str,
    ) -> _Installed:
        """Archive and write the answer unless its content is the last sync's.

        The marker is recorded by the caller (``_Installed.record``) once the matter is done.
        """
        marker = content_marker(parsed)
        previous = sync_marker(self.store, matter.matter, source)
        target = self.events_dir / name
        moved = previous is None or previous.marker != marker
        if not moved and target.is_file() and file_sha256(target) == previous.payload_sha256:
            return _Installed(moved=False, file_changed=False, marker=None, sha256=None)
        incoming = incoming_path(self.events_dir, name)
        incoming.write_bytes(body)
        installed = install_event_file(
            self.archive, incoming, self.events_dir, name, source=source, origin=url
        )
        return _Installed(moved, installed.changed, marker, installed.sha256)

    def _inpadoc_due(self, matter: WatchedMatter, name: str, *, register_moved: bool) -> bool:
        previous = sync_marker(self.store, matter.matter, INPADOC_SOURCE)
        if register_moved or previous is None or not (self.events_dir / name).is_file():
            return True
        try:
            synced = dt.datetime.fromisoformat(previous.synced_at)
        except ValueError:
            return True
        if synced.tzinfo is None:
            synced = synced.replace(tzinfo=dt.UTC)
        return self.now - synced >= self.inpadoc_max_age


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# -- reconciliation --------------------------------------------------------------------------


def matter_files(events_dir: Path, number: str, extra_suffixes: Sequence[str] = ()) -> list[Path]:
    """The event files the EP sync (and its page fallback) keeps for application ``number``."""
    names = [*event_file_names(number), *(f"{OFFICE}-{number}-{s}" for s in extra_suffixes)]
    return [Path(events_dir) / n for n in names if (Path(events_dir) / n).is_file()]


def reconcile(
    store: DocketStore,
    events_dir: Path,
    matters: Sequence[WatchedMatter],
    extra_suffixes: Sequence[str] = (),
) -> list[Reconciliation]:
    """For each watched EP application with event files: events in its files = events recorded
    + events quarantined (``prosecution_events`` must have run since the sync).

    Events of other family members that an INPADOC answer carries are counted under their own
    keys by ``prosecution_events``; here only the watched application's own events count.
    """
    results: list[Reconciliation] = []
    for matter in matters:
        if matter.office != OFFICE:
            continue
        files = matter_files(events_dir, matter.number, extra_suffixes)
        if not files:
            continue
        try:
            parsed = [parse_event_bytes(path.read_bytes()) for path in files]
        except EventParseError as exc:
            results.append(Reconciliation(matter.matter, 0, 0, 0, problem=_one_line(exc)))
            continue
        events: list[Event] = [
            e for e in merge_parsed(parsed).events if e.application_key == matter.matter
        ]
        recorded, quarantined = stored_counts(store, matter.matter, events)
        results.append(
            Reconciliation(
                matter.matter, received=len(events), recorded=recorded, quarantined=quarantined
            )
        )
    return results
