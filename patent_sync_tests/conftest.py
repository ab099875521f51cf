"""Shared fixtures: where the real samples are, and the PostgreSQL test server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from patent_sync.store import DocketStore, open_store
from patent_sync.store.testing import temporary_store_url

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO_ROOT = Path(__file__).resolve().parent.parent

# Fixed audit keys for tests that hand a key to parse_audit_key (environment, resources, key
# files). They are random bytes: the weak-key rules refuse "ab" * 32 or bytes(range(32)).
STRONG_AUDIT_KEY = bytes.fromhex("fe2d3f72185d8225171ed577ad9f2b168521eb8d2d89e56898ac64269f68112f")
OTHER_STRONG_AUDIT_KEY = bytes.fromhex(
    "21954029f507e5b84b548f2be8df0588fc73f0444b5feabc3948e5f708ae531c"
)
# ../shared/samples beside the project; PATENT_SYNC_SAMPLES_DIR points elsewhere.
SAMPLES = Path(os.environ.get("PATENT_SYNC_SAMPLES_DIR") or REPO_ROOT.parent / "shared" / "samples")


@pytest.fixture(autouse=True)
def _audit_checkpoints_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit checkpoints go to the test's own directory, never to the project's var/."""
    monkeypatch.setenv("PATENT_SYNC_AUDIT_CHECKPOINTS", str(tmp_path / "audit.checkpoints"))


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The real published documents in ../shared/samples (skip when the folder is absent)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES_ABSENT} at {SAMPLES}")
    return SAMPLES


SAMPLES_ABSENT = "real samples folder not found"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, where it is seen, how many tests the absent ../shared/samples skipped."""
    skipped = terminalreporter.stats.get("skipped", [])
    count = sum(1 for report in skipped if SAMPLES_ABSENT in str(report.longrepr))
    if count:
        terminalreporter.write_sep(
            "=",
            f"{count} test{'s' if count != 1 else ''} skipped: the real samples are absent "
            f"({SAMPLES}); put ../shared beside the project to run them",
            yellow=True,
            bold=True,
        )


def pg_dsn() -> str:
    return os.environ.get(
        "PATENT_SYNC_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test user=postgres"
    )


def require_postgres() -> str:
    """Return a DSN for a reachable PostgreSQL; skip outside CI, fail under CI=true."""
    import psycopg2

    dsn = pg_dsn()
    try:
        psycopg2.connect(dsn, connect_timeout=3).close()
    except psycopg2.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {dsn!r}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    return dsn


def _skip_or_fail(reason: str, what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: {what} must run)")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium through Playwright; skip outside CI when absent, fail in CI."""
    from patent_sync.acquisition.browser import BrowserUnavailable, headless_chromium

    try:
        with headless_chromium() as browser:
            yield browser
    except BrowserUnavailable as exc:
        _skip_or_fail(str(exc), "browser tests")


@pytest.fixture
def tesseract_available() -> None:
    """Skip outside CI when Debian's tesseract-ocr is absent; fail under CI=true."""
    import shutil

    if shutil.which("tesseract") is None:
        _skip_or_fail("tesseract is not installed (Debian package tesseract-ocr)", "OCR tests")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty docket store on each backend: a SQLite file, then a fresh PostgreSQL schema."""
    with temporary_store_url(request.param, tmp_path, require_postgres) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[DocketStore]:
    """The ``store_url`` store, opened and migrated."""
    with open_store(store_url) as opened:
        opened.migrate()
        yield opened
