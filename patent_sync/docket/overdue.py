"""Whether an open docket entry is overdue on a given day, said the same way everywhere.

The JSON of ``patent-sync docket``, the ICS and HTML exports and the demo all mark an open
entry whose due date has passed; this module holds the one wording of it. Past the due date an
entry may still be saved (an extension of time, a grace period with a surcharge) until its
final date; past the final date the right is likely lost unless revived.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from patent_sync.docket.engine import OPEN
from patent_sync.model import DocketEntry


@dataclasses.dataclass(frozen=True, slots=True)
class Overdue:
    """How late an open entry is on ``as_of``."""

    as_of: dt.date
    days: int  # days past the due date (at least 1)
    past_final_date: bool  # even the last reachable date has gone by
    final_date: dt.date  # the entry's final date, or its due date when it has none

    def note(self) -> str:
        """``OVERDUE since 2026-11-16 (14 days as of 2026-11-30); ...`` for people."""
        late = f"{self.days} day{'s' if self.days != 1 else ''} as of {self.as_of}"
        if self.past_final_date:
            tail = f"PAST THE FINAL DATE {self.final_date}: the right is likely lost unless revived"
        else:
            tail = f"still reachable until the final date {self.final_date} (extension or grace)"
        return f"OVERDUE ({late}); {tail}"


def overdue(entry: DocketEntry, as_of: dt.date) -> Overdue | None:
    """How overdue ``entry`` is on ``as_of``; None when it is not open or not yet due."""
    if entry.status != OPEN or entry.due_date >= as_of:
        return None
    final = entry.final_date or entry.due_date
    return Overdue(
        as_of=as_of,
        days=(as_of - entry.due_date).days,
        past_final_date=final < as_of,
        final_date=final,
    )
