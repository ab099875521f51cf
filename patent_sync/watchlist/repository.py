"""The watchlist in the docket store: add, remove and list matters, and the sync markers.

Every change to the watchlist is audited in the same transaction as the change (who watches
what is part of the firm's record: a deadline missed on an unwatched matter is a question of
when it stopped being watched). Adding a matter already watched, or removing one that is not,
changes nothing and audits nothing.
"""

from __future__ import annotations

from patent_sync.audit import AuditLog
from patent_sync.store.base import DocketStore
from patent_sync.store.timestamps import utc_now_iso
from patent_sync.watchlist.model import SyncMarker, WatchedMatter

_MATTER_COLUMNS = "matter, reference, title, added_at"


def add_matter(store: DocketStore, audit: AuditLog, matter: WatchedMatter) -> bool:
    """Watch ``matter``; False (and nothing written) when it is already watched.

    A matter already watched keeps its reference and title: ``update_matter`` changes them.
    """
    with store.transaction() as cursor:
        cursor.execute(
            f"INSERT INTO watched_matters ({_MATTER_COLUMNS}) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (matter) DO NOTHING",
            (matter.matter, matter.reference, matter.title, utc_now_iso()),
        )
        if cursor.rowcount != 1:
            return False
        audit.append(
            "watchlist.added",
            f"matter:{matter.matter}",
            {"matter": matter.matter, "reference": matter.reference, "title": matter.title},
            cursor=cursor,
        )
    return True


def update_matter(store: DocketStore, audit: AuditLog, matter: WatchedMatter) -> bool:
    """Change a watched matter's reference and title; False when nothing changed."""
    current = get_matter(store, matter.matter)
    if current is None or (current.reference, current.title) == (matter.reference, matter.title):
        return False
    with store.transaction() as cursor:
        cursor.execute(
            "UPDATE watched_matters SET reference = ?, title = ? WHERE matter = ?",
            (matter.reference, matter.title, matter.matter),
        )
        audit.append(
            "watchlist.updated",
            f"matter:{matter.matter}",
            {
                "matter": matter.matter,
                "reference": matter.reference,
                "title": matter.title,
                "previous_reference": current.reference,
                "previous_title": current.title,
            },
            cursor=cursor,
        )
    return True


def remove_matter(store: DocketStore, audit: AuditLog, matter: str) -> bool:
    """Stop watching ``matter``; False when it was not watched.

    Its events and docket entries stay: removing a matter from the watchlist stops fetching,
    it does not rewrite what the docket already says. Its sync markers go, so watching it again
    fetches its whole history.
    """
    with store.transaction() as cursor:
        cursor.execute("DELETE FROM watched_matters WHERE matter = ?", (matter,))
        if cursor.rowcount != 1:
            return False
        cursor.execute("DELETE FROM watch_sync_markers WHERE matter = ?", (matter,))
        audit.append("watchlist.removed", f"matter:{matter}", {"matter": matter}, cursor=cursor)
    return True


def get_matter(store: DocketStore, matter: str) -> WatchedMatter | None:
    """The watched matter with this key, or None."""
    rows = store.query(f"SELECT {_MATTER_COLUMNS} FROM watched_matters WHERE matter = ?", (matter,))
    return WatchedMatter(*rows[0]) if rows else None


def watched_matters(store: DocketStore, office: str | None = None) -> list[WatchedMatter]:
    """The watched matters (of one office when given), sorted by key."""
    sql, params = f"SELECT {_MATTER_COLUMNS} FROM watched_matters", ()
    if office is not None:
        # Keys are "XX-…": a prefix match on the office and its dash.
        sql, params = sql + " WHERE matter LIKE ?", (f"{office.upper()}-%",)
    return [WatchedMatter(*row) for row in store.query(sql + " ORDER BY matter", params)]


def sync_marker(store: DocketStore, matter: str, source: str) -> SyncMarker | None:
    """Where the last sync of ``matter`` from ``source`` got to, or None if never synced."""
    rows = store.query(
        "SELECT matter, source, marker, payload_sha256, synced_at FROM watch_sync_markers "
        "WHERE matter = ? AND source = ?",
        (matter, source),
    )
    return SyncMarker(*rows[0]) if rows else None


def record_sync(
    store: DocketStore, matter: str, source: str, *, marker: str, payload_sha256: str
) -> None:
    """Remember that ``matter`` was synced from ``source`` up to ``marker``.

    Called once the fetched response is safely archived and in the events directory, so a crash
    in between fetches it again rather than skipping it.
    """
    with store.transaction() as cursor:
        cursor.execute(
            "INSERT INTO watch_sync_markers (matter, source, marker, payload_sha256, synced_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (matter, source) DO UPDATE SET "
            "marker = excluded.marker, payload_sha256 = excluded.payload_sha256, "
            "synced_at = excluded.synced_at",
            (matter, source, marker, payload_sha256, utc_now_iso()),
        )
