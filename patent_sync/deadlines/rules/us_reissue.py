"""USPTO broadening reissue: the two-year bar of 35 USC 251(d).

"No reissued patent shall be granted enlarging the scope of the claims of the original patent
unless applied for within two years from the grant of the original patent." A statutory bar:
nothing extends it, and nothing revives it. Only the filing has to be within the two years (the
broadened claims may come later in the same reissue application, MPEP 1412.03); a filing day
that falls on a weekend or federal holiday moves to the next business day (35 USC 21(b)).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from patent_sync.deadlines.arithmetic import describe
from patent_sync.deadlines.model import DeadlineResult, Rule
from patent_sync.deadlines.rules.common import US_ROLL, Notes, calendar_for

REISSUE_BROADENING = Rule(
    id="us.reissue_broadening",
    title="Broadening reissue application (last day to file)",
    citation="35 USC 251(d); 37 CFR 1.175; MPEP 1412.03; 35 USC 21(b)",
    trigger="grant (issue) date of the patent",
    params=(),
    extendable=False,
    office="USPTO",
    period="2 years from grant; a statutory bar, not extendable",
)


def reissue_broadening(rule: Rule, trigger: dt.date, params: dict[str, Any]) -> DeadlineResult:
    """Two years from the grant, rolled to the next business day; never extendable."""
    notes = Notes()
    notes.add(f"Trigger {describe(trigger)}: grant (issue) date of the original patent.")
    end = notes.months(trigger, 24, "two years, 35 USC 251(d)")
    due = notes.roll(calendar_for("USPTO"), end, US_ROLL)
    notes.add(
        f"Due date {describe(due)}: last day to file a reissue application that enlarges the "
        f"scope of the claims. A statutory bar: not extendable, no petition revives it; a "
        f"reissue that does not broaden can still be filed later (35 USC 251(a))."
    )
    return notes.result(rule, trigger, due, None, rule.citation, params)


RULES = ((REISSUE_BROADENING, reissue_broadening),)
