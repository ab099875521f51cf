"""Weekly partitions, one per feed, anchored on the feed's publication weekday.

A partition key is that week's publication date. Dagster keys a weekly window by its start, and
with the default ``end_offset=0`` the newest window is the one that *ended* last, a week behind
the file just published. ``end_offset=1`` makes the window that starts on publication day
available on that day, so the schedule's tick on Tuesday 2026-11-17 materializes partition
"2026-11-17", the ``ipg261117`` file.
"""

from __future__ import annotations

import dagster as dg

# USPTO publishes in Eastern time; the weekday anchors follow it.
_USPTO_TIMEZONE = "America/New_York"
_FIRST_WEEK = "2024-01-01"  # rounds up to the first anchor weekday on or after it

US_GRANTS_WEEKLY = dg.WeeklyPartitionsDefinition(
    start_date=_FIRST_WEEK, day_offset=2, end_offset=1, timezone=_USPTO_TIMEZONE
)  # Tuesday: PTGRXML ipgYYMMDD

US_APPLICATIONS_WEEKLY = dg.WeeklyPartitionsDefinition(
    start_date=_FIRST_WEEK, day_offset=4, end_offset=1, timezone=_USPTO_TIMEZONE
)  # Thursday: APPXML ipaYYMMDD
