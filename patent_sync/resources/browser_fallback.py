"""The browser fallbacks: which office web pages the firm lets patent_sync read, and how fast."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

import dagster as dg
from pydantic import Field

from patent_sync.acquisition import epo_register_html, patentcenter_html
from patent_sync.acquisition.browser_fallback import (
    DEFAULT_MIN_SECONDS_BETWEEN_PAGES,
    DEFAULT_PAGE_TIMEOUT_SECONDS,
    BrowserFallbackSession,
    FallbackSettings,
    fallback_session,
)

#: Comma-separated sources the firm opts in to, e.g. "epo.register.html,uspto.patentcenter.html".
ENV_SOURCES = "PATENT_SYNC_BROWSER_FALLBACK"
#: Who the offices may contact about the fallback's traffic (sent in the user agent).
ENV_CONTACT = "PATENT_SYNC_BROWSER_CONTACT"


class BrowserFallbackResource(dg.ConfigurableResource):
    """Headless-Chromium reads of the offices' public pages, for watched applications whose
    data service lags (EP Register event history, Patent Center transaction history).

    Off unless enabled per source: offices publish these pages for people, so reading them is
    the firm's choice. Everything read this way is marked lower confidence.
    """

    epo_register: bool = Field(
        default=False, description="Read the EP Register's Event history page when OPS lacks it"
    )
    patentcenter: bool = Field(
        default=False, description="Read Patent Center's Transaction history when ODP lags"
    )
    min_seconds_between_pages: float = Field(
        default=DEFAULT_MIN_SECONDS_BETWEEN_PAGES,
        description="At least this long between two page loads (the offices' fair use)",
    )
    page_timeout_seconds: float = DEFAULT_PAGE_TIMEOUT_SECONDS
    contact: str = Field(
        default="",
        description="Who to contact about this traffic (an e-mail address): sent in the user agent",
    )
    epo_register_base_url: str = epo_register_html.DEFAULT_BASE_URL
    patentcenter_base_url: str = patentcenter_html.DEFAULT_BASE_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BrowserFallbackResource:
        """The resource as ``PATENT_SYNC_BROWSER_FALLBACK`` / ``…_CONTACT`` configure it.

        An unknown source name is refused (a typo must not silently leave a fallback off).
        """
        env = os.environ if env is None else env
        wanted = {s.strip() for s in env.get(ENV_SOURCES, "").split(",") if s.strip()}
        known = {epo_register_html.SOURCE, patentcenter_html.SOURCE}
        if wanted - known:
            raise ValueError(
                f"{ENV_SOURCES}: unknown source(s) {', '.join(sorted(wanted - known))}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(
            epo_register=epo_register_html.SOURCE in wanted,
            patentcenter=patentcenter_html.SOURCE in wanted,
            contact=env.get(ENV_CONTACT, ""),
        )

    def settings(self) -> FallbackSettings:
        enabled = {
            epo_register_html.SOURCE: self.epo_register,
            patentcenter_html.SOURCE: self.patentcenter,
        }
        return FallbackSettings(
            enabled_sources=frozenset(source for source, on in enabled.items() if on),
            min_seconds_between_pages=self.min_seconds_between_pages,
            page_timeout_seconds=self.page_timeout_seconds,
            contact=self.contact,
        )

    def enabled(self, source: str) -> bool:
        return self.settings().enabled(source)

    @contextlib.contextmanager
    def session(self, source: str) -> Iterator[BrowserFallbackSession]:
        """A rate-capped session for ``source``; ``FallbackDisabled`` when not opted in."""
        with fallback_session(self.settings(), source) as session:
            yield session
