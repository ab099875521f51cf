"""Whether every event a watchlist sync received is in the docket store.

After a sync has written a watched application's event files and ``prosecution_events`` has
read them, each event received is either recorded or quarantined (unknown code). The office's
sync module counts what its files hold; this module counts what the store holds of them, the
same way for every office.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from patent_sync.docket.event_quarantine import quarantined_keys
from patent_sync.docket.service import missing_events
from patent_sync.events import event_key
from patent_sync.model import Event
from patent_sync.store.base import DocketStore


@dataclasses.dataclass(frozen=True, slots=True)
class Reconciliation:
    """One watched application's event files against the store."""

    matter: str
    received: int  # events in its files, as the office's sync counts them
    recorded: int
    quarantined: int
    problem: str = ""

    @property
    def balanced(self) -> bool:
        return not self.problem and self.received == self.recorded + self.quarantined


def stored_counts(store: DocketStore, matter: str, events: Sequence[Event]) -> tuple[int, int]:
    """How many of ``matter``'s ``events`` the store has recorded, and how many quarantined."""
    not_recorded = missing_events(store, events)
    parked = quarantined_keys(store, {matter}) if not_recorded else set()
    quarantined = sum(1 for e in not_recorded if event_key(e) in parked)
    return len(events) - len(not_recorded), quarantined
