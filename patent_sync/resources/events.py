"""The prosecution-event files of the watched matters (``PATENT_SYNC_EVENTS_DIR``)."""

from __future__ import annotations

import dagster as dg

from patent_sync.docket.service import EventDirectory, EventSourceError, list_event_files


class EventFilesResource(dg.ConfigurableResource):
    """A directory of event files: USPTO ODP transaction histories (JSON), EP Register and
    INPADOC legal-event responses (XML), one or more per matter, replaced as they are refreshed.

    ``directory`` defaults to the demo's ``data/events``; production points
    ``PATENT_SYNC_EVENTS_DIR`` at wherever the firm's fetcher drops the responses.
    """

    directory: str = "data/events"

    def list_files(self) -> EventDirectory:
        """The event files in the directory; a missing directory fails the run, naming it."""
        try:
            return list_event_files(self.directory)
        except EventSourceError as exc:
            raise dg.Failure(
                description=f"{exc} (set PATENT_SYNC_EVENTS_DIR to the directory of event files)"
            ) from None
