"""The embedded default source: weekly files already sitting in a local directory.

The directory is flat and holds the files under their published names: ``ipgYYMMDD.zip`` as
downloaded from the USPTO, or the bare ``ipgYYMMDD.xml`` inside it (names match in any case).
When both exist for a date the zip wins, being the file as published.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from patent_sync.acquisition.errors import FeedNotPublished
from patent_sync.acquisition.feeds import UsFeed

logger = logging.getLogger("patent_sync.acquisition")

_SUFFIXES = (".zip", ".xml")  # in order of preference


class LocalFeedDirectory:
    """Finds the weekly files of the US feeds in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def find_weekly_file(self, feed: UsFeed, publication_date: dt.date) -> Path:
        """The file for ``publication_date``, or ``FeedNotPublished`` naming where we looked."""
        wanted = [feed.file_name_for(publication_date, suffix) for suffix in _SUFFIXES]
        looked_at = [self.root / name for name in wanted]
        if not self.root.is_dir():
            raise FeedNotPublished(
                f"{feed.name}: no {wanted[0]} for {publication_date.isoformat()}: the feed "
                f"directory {self.root} does not exist",
                feed=feed.name,
                publication_date=publication_date,
                looked_at=looked_at,
            )
        by_lower_name = self._files_by_lower_name()
        for name in wanted:
            found = by_lower_name.get(name.lower())
            if found is not None:
                return found
        weekday_note = feed.weekday_note(publication_date)
        raise FeedNotPublished(
            f"{feed.name}: no weekly file for {publication_date.isoformat()}{weekday_note}: "
            f"looked for {looked_at[0]} and {looked_at[1]}",
            feed=feed.name,
            publication_date=publication_date,
            looked_at=looked_at,
        )

    def available_dates(self, feed: UsFeed) -> list[dt.date]:
        """Publication dates of this feed's files in ``root``, oldest first (empty if none)."""
        if not self.root.is_dir():
            return []
        dates: set[dt.date] = set()
        for lower_name, path in self._files_by_lower_name().items():
            if not lower_name.startswith(feed.file_prefix):
                continue
            day = feed.publication_date_of(lower_name)
            if day is None:
                if lower_name.endswith(_SUFFIXES):
                    # Looks like one of ours but is not: say so rather than skip it quietly.
                    logger.warning(
                        "%s: ignoring %s: not a %sYYMMDD file with a valid date",
                        feed.name,
                        path,
                        feed.file_prefix,
                    )
                continue
            dates.add(day)
        return sorted(dates)

    def _files_by_lower_name(self) -> dict[str, Path]:
        files: dict[str, Path] = {}
        for path in sorted(self.root.iterdir()):
            if path.is_file():
                files.setdefault(path.name.lower(), path)
        return files
