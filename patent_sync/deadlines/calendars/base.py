"""What every office calendar provides: closed days with reasons, and the roll-forward.

A calendar answers one question for the rules: "the period ends on day D; on which day does it
really end?" (35 USC 21(b), EPC Rule 134(1), PCT Rule 80.5, Paris Art. 4C(3)). The answer, a
``Roll``, carries every closed day it stepped over with the reason, and the warnings a paralegal
must see: a year for which the calendar has no data, or a landing day whose status is uncertain.

Rolls are memoised per calendar and day: a docket of a million matters hits a few thousand
distinct end dates, so each is worked out once.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass

from patent_sync.deadlines.arithmetic import describe

_ONE_DAY = dt.timedelta(days=1)
_MAX_ROLL_DAYS = 60  # no real closure run is this long; a longer one means corrupt data


@dataclass(frozen=True, slots=True)
class Closure:
    """A weekday on which an office is closed (or, if ``uncertain``, may be closed)."""

    day: dt.date
    reason: str
    source: str
    uncertain: bool = False

    @property
    def label(self) -> str:
        """``Corpus Christi, Munich [EPO "Office holidays" 2024]``: reason with its source."""
        return f"{self.reason} [{self.source}]" if self.source else self.reason


@dataclass(frozen=True, slots=True)
class Roll:
    """The outcome of rolling a period end forward to the next day the office is open.

    ``closed`` lists each day stepped over with why it is closed ("Saturday", "Labor Day", ...).
    ``warnings`` are calendar caveats the result depends on. ``if_uncertain_closed`` is the date
    the period would end on if the uncertain landing day (treated as open) were in fact closed.
    """

    start: dt.date
    date: dt.date
    closed: tuple[tuple[dt.date, str], ...]
    warnings: tuple[str, ...]
    if_uncertain_closed: dt.date | None = None

    @property
    def moved(self) -> bool:
        """True when the period end was moved to a later day."""
        return self.date != self.start


class OfficeCalendar(ABC):
    """The closed days of one office, and the roll-forward over them.

    Subclasses say which weekdays are closed (``closure``), which years are covered
    (``year_warning``) and how the office's open day is called in explanations.
    """

    #: the office code the rules use: ``USPTO``, ``EPO``, ``IB``
    office: str
    #: how an explanation calls an open day, e.g. "business day" or "day all EPO filing offices
    #: are open"
    open_day_phrase: str

    def __init__(self) -> None:
        self._rolls: dict[dt.date, Roll] = {}

    @abstractmethod
    def closure(self, day: dt.date) -> Closure | None:
        """The weekday closure on ``day`` (certain or uncertain), or None. Weekends excluded."""

    @abstractmethod
    def year_warning(self, year: int) -> str | None:
        """A warning when the calendar's data for ``year`` is missing or incomplete, else None."""

    def is_open(self, day: dt.date) -> bool:
        """True when ``day`` counts as open: a weekday with no certain closure."""
        if day.weekday() >= 5:
            return False
        found = self.closure(day)
        return found is None or found.uncertain

    def roll_forward(self, day: dt.date) -> Roll:
        """The first day on or after ``day`` on which the office counts as open.

        Uncertain closures are treated as open (the earlier date, which never makes a deadline
        late) and produce a warning naming the later date that would apply if they were closed.
        """
        cached = self._rolls.get(day)
        if cached is None:
            cached = self._roll(day)
            self._rolls[day] = cached
        return cached

    def _roll(self, day: dt.date) -> Roll:
        closed: list[tuple[dt.date, str]] = []
        current = day
        for _ in range(_MAX_ROLL_DAYS):
            reason = self._closed_reason(current)
            if reason is None:
                break
            closed.append((current, reason))
            current += _ONE_DAY
        else:  # pragma: no cover - guards against a corrupt closure table
            raise RuntimeError(f"{self.office} calendar: no open day within 60 days of {day}")

        warnings: list[str] = []
        for year in range(day.year, current.year + 1):
            warning = self.year_warning(year)
            if warning:
                warnings.append(warning)

        later: dt.date | None = None
        uncertain = self.closure(current)
        if uncertain is not None and uncertain.uncertain:
            later = current + _ONE_DAY
            while not self._open_even_if_uncertain_closed(later):
                later += _ONE_DAY
            warnings.append(
                f"{describe(current)} may be a closure day at the {self.office} "
                f"({uncertain.reason}; source: {uncertain.source}). Uncertain days are "
                f"treated as open, which gives the earlier date; if the office was in fact "
                f"closed, the period runs to "
                f"{describe(later)}. Check the official closure notice."
            )
            for year in range(current.year, later.year + 1):
                warning = self.year_warning(year)
                if warning and warning not in warnings:
                    warnings.append(warning)
        return Roll(day, current, tuple(closed), tuple(warnings), later)

    def _closed_reason(self, day: dt.date) -> str | None:
        weekday = day.weekday()
        if weekday == 5:
            return "Saturday"
        if weekday == 6:
            return "Sunday"
        found = self.closure(day)
        if found is None or found.uncertain:
            return None
        return found.label

    def _open_even_if_uncertain_closed(self, day: dt.date) -> bool:
        return day.weekday() < 5 and self.closure(day) is None
