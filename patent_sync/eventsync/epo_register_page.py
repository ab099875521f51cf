"""The EP Register page fallback of the EP watchlist sync: read what OPS does not have.

When OPS has no Register file for a watched application (404, or an answer without a
register-document), or the firm named the application as one OPS lags for, and the firm opted in
(``PATENT_SYNC_BROWSER_FALLBACK=epo.register.html``), the application's public "Event history"
page is read (``acquisition.epo_register_html``) and put in the events directory as
``EP-<number>-register-html.json``, archived raw first like every response. Its events are
marked ``confidence=low``; a page whose layout changed is reported, never read as "no events".
"""

from __future__ import annotations

import json
from pathlib import Path

from patent_sync.acquisition.browser_fallback import BrowserFallbackSession, FallbackError
from patent_sync.acquisition.epo_register_html import FILE_SUFFIX, SOURCE, read_event_history
from patent_sync.archive.raw_archive import RawArchive
from patent_sync.eventsync.epo_ops import RegisterFallback
from patent_sync.eventsync.files import incoming_path, install_event_file
from patent_sync.store.base import DocketStore
from patent_sync.watchlist import WatchedMatter, record_sync

#: The suffix of the capture file after ``EP-<number>-`` (for the reconciliation).
CAPTURE_SUFFIX = f"{FILE_SUFFIX}.json"


def capture_file_name(matter: str) -> str:
    """The event file of ``matter``'s Register page capture (``EP-19205846-register-html.json``)."""
    return f"{matter}-{CAPTURE_SUFFIX}"


def register_page_fallback(
    session: BrowserFallbackSession,
    store: DocketStore,
    archive: RawArchive,
    events_dir: Path,
    base_url: str,
) -> RegisterFallback:
    """A ``RegisterFallback``: reads the Register page in ``session``, files what it shows."""

    def read(matter: WatchedMatter, why: str) -> tuple[bool, str]:
        try:
            capture = read_event_history(session, matter.number, base_url=base_url)
        except FallbackError as exc:
            return False, f"Register page not read: {' '.join(str(exc).split())}"
        name = capture_file_name(matter.matter)
        if _same_rows(events_dir / name, capture.to_bytes()):
            return True, (
                f"Register page read ({why.split(': ', 1)[-1]}): {len(capture.rows)} row(s), "
                f"{name} unchanged (low confidence)"
            )
        incoming = incoming_path(events_dir, name)
        incoming.write_bytes(capture.to_bytes())
        installed = install_event_file(
            archive, incoming, events_dir, name, source=SOURCE, origin=capture.page_url
        )
        newest = capture.rows[0].date if capture.rows else "none"
        record_sync(
            store,
            matter.matter,
            SOURCE,
            marker=f"{newest}/{len(capture.rows)}",
            payload_sha256=installed.sha256,
        )
        state = "written" if installed.changed else "unchanged"
        return True, (
            f"Register page read ({why.split(': ', 1)[-1]}): {len(capture.rows)} row(s), "
            f"{name} {state} (low confidence)"
        )

    return read


def _same_rows(existing: Path, new: bytes) -> bool:
    """True when ``existing`` is a capture of the same rows (only the reading time differs)."""
    try:
        old = json.loads(existing.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(old, dict) and old.get("rows") == json.loads(new).get("rows")
