"""The docket: entries computed from canonical events, their persistence and calendar export.

* ``patent_sync.docket.engine`` — ``build_docket`` / ``evaluate_docket`` (pure)
* ``patent_sync.docket.repository`` — ``record_events``, ``sync_docket``, ``open_entries``
* ``patent_sync.docket.ics`` — ``build_calendar``, ``calendar_bytes``, ``entry_uid``
"""

from patent_sync.docket.engine import (
    DocketResult,
    UnhandledEvent,
    build_docket,
    entry_key,
    evaluate_docket,
)

__all__ = ["DocketResult", "UnhandledEvent", "build_docket", "entry_key", "evaluate_docket"]
