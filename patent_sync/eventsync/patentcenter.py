"""The Patent Center fallback of the US watchlist sync: read what the ODP has not caught up with.

When the ODP says an application's status changed after its newest transaction, the
transactions behind that change are missing from the API. If the firm opted in
(``PATENT_SYNC_BROWSER_FALLBACK=uspto.patentcenter.html``), the application's public transaction
history is read from Patent Center (``acquisition.patentcenter_html``) and put in the events
directory as ``US-<number>-patentcenter-html.json``, archived raw first like every response. Its
events are marked ``confidence=low``; a page whose layout changed is reported, never read as
"no events".
"""

from __future__ import annotations

from pathlib import Path

from patent_sync.acquisition.browser_fallback import BrowserFallbackSession, FallbackError
from patent_sync.acquisition.patentcenter_html import FILE_SUFFIX, SOURCE, read_transaction_history
from patent_sync.archive.raw_archive import RawArchive
from patent_sync.eventsync.files import incoming_path, install_event_file
from patent_sync.eventsync.uspto_odp import LagFallback, LaggingApplication


def capture_file_name(matter: str) -> str:
    """The event file of ``matter``'s Patent Center capture (``US-17248024-patentcenter-html``)."""
    return f"{matter}-{FILE_SUFFIX}.json"


def patentcenter_fallback(
    session: BrowserFallbackSession, archive: RawArchive, events_dir: Path, base_url: str
) -> LagFallback:
    """A ``LagFallback`` that reads Patent Center in ``session`` and files what it shows."""

    def read(lagging: LaggingApplication) -> str:
        number = lagging.matter.split("-", 1)[1]
        try:
            capture = read_transaction_history(session, number, base_url=base_url)
        except FallbackError as exc:
            return f"Patent Center not read: {' '.join(str(exc).split())}"
        name = capture_file_name(lagging.matter)
        incoming = incoming_path(events_dir, name)
        incoming.write_bytes(capture.to_bytes())
        installed = install_event_file(
            archive, incoming, events_dir, name, source=SOURCE, origin=capture.page_url
        )
        state = "written" if installed.changed else "unchanged"
        return f"Patent Center read: {len(capture.rows)} row(s), {name} {state} (low confidence)"

    return read
