"""The US docket's appeal, missing-parts, priority-claim and reissue entries.

``UsAppealRules`` is the base of ``jurisdictions.UsDocket``; it holds the handlers of the events
behind these rules so the US docket class stays readable:

* a mailed **final rejection** opens ``us.notice_of_appeal`` beside the reply entry (the notice
  is due within the period for reply, 37 CFR 41.31(a)(1)); a filed **notice of appeal** (``N/AP``)
  closes both and opens ``us.appeal_brief``, closed by the **brief** (``AP.B``). An **RCE** closes
  all three (it withdraws an appeal, 37 CFR 1.114(d)); a new Office action or a notice of
  allowance supersedes them;
* a mailed **notice to file missing parts** (``INCD``) opens ``us.missing_parts``, closed when the
  Office finds the **application complete** (``COMP``);
* the **grant** opens ``us.reissue_broadening`` for every patent (designs too: 35 USC 251 knows
  no exception); the two years are an opportunity, not an obligation, so once the as-of date
  is past them the entry is closed as lapsed rather than left overdue;
* a **priority claim** entry is opened from the facts (``filing_date`` and ``priority_date``;
  ``priority_basis`` foreign or domestic). The only sources of a priority date are records of a
  claim already made, so it is closed as on file unless an earlier event closed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from patent_sync.docket.engine import CLOSED, SUPERSEDED, MatterDocket, describe
from patent_sync.events import taxonomy as tx
from patent_sync.model import Event

APPEAL_RULES = ("us.notice_of_appeal", "us.appeal_brief")
#: Entries a grant settles, besides the reply and issue-fee entries.
US_PRE_GRANT_RULES = (*APPEAL_RULES, "us.missing_parts")
_DESIGN_TYPES = frozenset({"DES", "design"})


class UsAppealRules(MatterDocket):
    """Handlers for the US appeal, missing-parts, priority-claim and reissue entries."""

    EXTRA_HANDLERS: ClassVar[Mapping[str, str]] = {
        tx.RCE_FILED: "on_rce",
        tx.NOTICE_OF_APPEAL_FILED: "on_notice_of_appeal",
        tx.APPEAL_BRIEF_FILED: "on_appeal_brief",
        tx.NOTICE_TO_FILE_MISSING_PARTS: "on_missing_parts_notice",
        tx.APPLICATION_COMPLETE: "on_application_complete",
    }
    # Closers run before the creators of the same day (see the engine's "Same day" rule).
    EXTRA_PRECEDENCE: ClassVar[Mapping[str, int]] = {
        tx.RCE_FILED: 10,
        tx.NOTICE_OF_APPEAL_FILED: 10,
        tx.APPEAL_BRIEF_FILED: 10,
        tx.APPLICATION_COMPLETE: 10,
        tx.NOTICE_TO_FILE_MISSING_PARTS: 20,
    }

    # -- final rejection → notice of appeal → brief ---------------------------------------------

    def open_notice_of_appeal(self, event: Event, notes: list[str]) -> None:
        """The notice-of-appeal entry beside the reply entry of a final rejection."""
        self._create(
            "us.notice_of_appeal",
            event.event_date,
            describe(event),
            event,
            [
                *notes,
                "The notice of appeal is due within the period for reply to the final "
                "rejection (37 CFR 41.31(a)(1)); a reply after final does not stop it.",
            ],
            period_months=3,
        )

    def supersede_appeal(self, when: dt.date, reason: str) -> None:
        """A new Office action or an allowance ends an appeal begun earlier."""
        self._set(
            (e for e in self._open(*APPEAL_RULES) if e.trigger_date < when), SUPERSEDED, reason
        )

    def on_rce(self, event: Event) -> None:
        when = event.event_date
        self._close_triggered_until(
            when,
            f"RCE filed {when} ({event.source_code}): prosecution reopened; an appeal is "
            "withdrawn (37 CFR 1.114(d))",
            "us.oa_reply",
            *APPEAL_RULES,
        )

    def on_notice_of_appeal(self, event: Event) -> None:
        when = event.event_date
        reason = f"notice of appeal filed {when} ({event.source_code} {event.description})"
        self._close_triggered_until(when, reason, "us.oa_reply", "us.notice_of_appeal")
        self._create(
            "us.appeal_brief",
            when,
            describe(event),
            event,
            [f"Counted from the filing of the notice of appeal on {when} (37 CFR 41.37(a))."],
        )

    def on_appeal_brief(self, event: Event) -> None:
        when = event.event_date
        self._close_triggered_until(
            when, f"appeal brief filed {when} ({event.source_code})", "us.appeal_brief"
        )

    # -- missing parts ----------------------------------------------------------------------------

    def on_missing_parts_notice(self, event: Event) -> None:
        self._create(
            "us.missing_parts",
            event.event_date,
            describe(event),
            event,
            [f"Notice to file missing parts mailed {event.event_date} ({event.source_code})."],
        )

    def on_application_complete(self, event: Event) -> None:
        when = event.event_date
        self._close_triggered_until(
            when,
            f"application complete {when} ({event.source_code} {event.description}): the "
            "missing parts are on file",
            "us.missing_parts",
        )

    # -- grant: the broadening-reissue window -----------------------------------------------------

    def open_reissue_window(self, grant: dt.date, trigger: str, event: Event | None) -> None:
        self._create(
            "us.reissue_broadening",
            grant,
            trigger,
            event,
            [f"Grant (issue) date {grant}: a broadening reissue must be filed within two years."],
        )

    # -- priority claim from the facts -----------------------------------------------------------

    def open_priority_claim(self) -> None:
        """``us.priority_claim`` from the facts, when both dates are known (not for designs)."""
        filed = self.facts.get("filing_date")
        priority = self.facts.get("priority_date")
        if not isinstance(filed, dt.date) or not isinstance(priority, dt.date):
            return
        if str(self.facts.get("application_type") or "") in _DESIGN_TYPES:
            return  # no time limit for a design application (37 CFR 1.55(d), MPEP 214.01)
        basis = str(self.facts.get("priority_basis") or "foreign")
        self._create(
            "us.priority_claim",
            filed,
            f"filing date {filed} and priority date {priority} from the application data",
            None,
            [f"Earlier application filed {priority} ({basis})."],
            priority_date=priority,
            basis=basis,
        )

    def finish(self) -> None:
        super().finish()
        for entry in self._open("us.priority_claim"):
            entry.status = CLOSED
            entry.status_reason = (
                "priority claim on file: the application data records the priority date"
            )
        self._close_past_due(
            "us.reissue_broadening",
            lambda due: (
                f"lapsed: no broadening reissue on file by {due} (35 USC 251(d), a statutory bar)"
            ),
        )

    def reopen_after_reinstatement(self, event: Event) -> None:
        """A reinstated patent can still be reissued: reopen the window an expiry closed."""
        self._reopen_after_terminal(event, "us.reissue_broadening")
