"""The firm's watched matters: the list every prosecution-event source fetches for."""

from patent_sync.watchlist.csv_import import (
    RowProblem,
    WatchlistFile,
    parse_watchlist_csv,
    read_watchlist_csv,
)
from patent_sync.watchlist.model import (
    SyncMarker,
    WatchedMatter,
    WatchlistError,
    matter_key,
    watched,
)
from patent_sync.watchlist.repository import (
    add_matter,
    get_matter,
    record_sync,
    remove_matter,
    sync_marker,
    update_matter,
    watched_matters,
)

__all__ = [
    "RowProblem",
    "SyncMarker",
    "WatchedMatter",
    "WatchlistError",
    "WatchlistFile",
    "add_matter",
    "get_matter",
    "matter_key",
    "parse_watchlist_csv",
    "read_watchlist_csv",
    "record_sync",
    "remove_matter",
    "sync_marker",
    "update_matter",
    "watched",
    "watched_matters",
]
