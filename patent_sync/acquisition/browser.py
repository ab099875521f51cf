"""Headless Chromium for the browser fallbacks and the browser tests: Debian's, never a download.

Playwright's own browser download cannot work on a machine that reaches only package
registries, and a second browser build is one more thing to patch. Every Playwright session of
the project launches the system Chromium (Debian's ``chromium`` package) through
``executable_path``. ``PATENT_SYNC_CHROMIUM`` points at another binary.

The flags keep a headless session quiet on a closed network: without the background-networking
and component-update switches Chromium opens connections of its own at every start, which such
a network refuses, and which an office's server would see as traffic we did not mean to send.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from patent_sync.acquisition.errors import AcquisitionError

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ENV_CHROMIUM = "PATENT_SYNC_CHROMIUM"
DEBIAN_PACKAGE = "chromium"
_CANDIDATES = ("chromium", "chromium-browser")
LAUNCH_ARGS = (
    "--no-sandbox",  # the browser runs as root in CI containers; pages are our own or public
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


class BrowserUnavailable(AcquisitionError):
    """No usable Chromium, or Playwright is missing: the message says what to install."""


def chromium_path() -> Path:
    """The Chromium binary to launch, or ``BrowserUnavailable`` naming the package to install."""
    configured = os.environ.get(ENV_CHROMIUM)
    if configured:
        path = Path(configured)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise BrowserUnavailable(f"{ENV_CHROMIUM}={configured} is not an executable file")
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise BrowserUnavailable(
        f"Chromium is not installed: install Debian's '{DEBIAN_PACKAGE}' package "
        f"(apt-get install {DEBIAN_PACKAGE}) or set {ENV_CHROMIUM} to a Chromium binary"
    )


@contextlib.contextmanager
def headless_chromium() -> Iterator[Browser]:
    """A headless system Chromium driven by Playwright, closed on exit."""
    executable = chromium_path()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a declared dependency
        raise BrowserUnavailable("the Python package 'playwright' is not installed") from exc
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable), headless=True, args=list(LAUNCH_ARGS)
            )
        except PlaywrightError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise BrowserUnavailable(
                f"Chromium at {executable} did not start: {first_line}"
            ) from exc
        try:
            yield browser
        finally:
            browser.close()
