"""What the watchlist-sync assets of every office share: the browser fallback started only when
an application needs it, and the check that every event received is in the docket store.

Nothing here knows an office: each office's asset module passes its source, its reader and its
wording.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import dagster as dg

from patent_sync.acquisition.browser_fallback import BrowserFallbackSession
from patent_sync.eventsync.reconciliation import Reconciliation
from patent_sync.resources import BrowserFallbackResource

Reader = TypeVar("Reader")


@contextlib.contextmanager
def reader_on_demand(
    browser: BrowserFallbackResource,
    source: str,
    build: Callable[[BrowserFallbackSession], Reader],
) -> Iterator[Callable[[], Reader] | None]:
    """None when the firm did not opt in to the browser fallback for ``source``; else a function
    that returns the page reader ``build`` makes, opening the browser session at its first call.

    Most runs need no page at all, so the browser starts only for the first application that
    does; the session closes when the ``with`` block ends. An error opening the session is
    raised from that first call (and again from the next one).
    """
    if not browser.enabled(source):
        yield None
        return
    with contextlib.ExitStack() as stack:
        readers: list[Reader] = []

        def reader() -> Reader:
            if not readers:
                readers.append(build(stack.enter_context(browser.session(source))))
            return readers[0]

        yield reader


def reconciliation_result(
    results: Sequence[Reconciliation], *, unbalanced: str, balanced: str
) -> dg.AssetCheckResult:
    """The check that each watched application's events received = recorded + quarantined.

    ``unbalanced`` is the description when some are not accounted for and ``balanced`` the one
    when all are, each a ``str.format`` template given ``count`` (the applications off, or all).
    """
    off = [r for r in results if not r.balanced]
    rows = [
        f"{r.matter}: received {r.received}, recorded {r.recorded}, quarantined {r.quarantined}"
        + (f" ({r.problem})" if r.problem else "")
        for r in results
    ]
    return dg.AssetCheckResult(
        passed=not off,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            unbalanced.format(count=len(off)) if off else balanced.format(count=len(results))
        ),
        metadata={
            "applications": dg.MetadataValue.int(len(results)),
            "received": dg.MetadataValue.int(sum(r.received for r in results)),
            "recorded": dg.MetadataValue.int(sum(r.recorded for r in results)),
            "quarantined": dg.MetadataValue.int(sum(r.quarantined for r in results)),
            "not_accounted_for": dg.MetadataValue.json(
                [row for row, r in zip(rows, results, strict=True) if not r.balanced]
            ),
            "by_application": dg.MetadataValue.json(rows),
        },
    )
