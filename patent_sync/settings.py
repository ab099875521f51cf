"""Where patent_sync keeps its state, read from the environment with embedded defaults.

Everything defaults to one local directory (``var/`` beside the project), so ``make demo`` needs
no server: the SQLite docket store, the raw archive, the Parquet lake, the local audit key and
Dagster's own storage. Production points ``PATENT_SYNC_STORE_URL`` at PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_HOME = "PATENT_SYNC_HOME"
ENV_STORE_URL = "PATENT_SYNC_STORE_URL"
ENV_FEED_DIR = "PATENT_SYNC_FEED_DIR"
ENV_FEED_SOURCE = "PATENT_SYNC_FEED_SOURCE"
ENV_EVENTS_DIR = "PATENT_SYNC_EVENTS_DIR"
# Scanned legacy documents (TIFF, PNG, JPEG, PDF) that the legacy-documents sensor picks up.
ENV_SCANS_DIR = "PATENT_SYNC_SCANS_DIR"
ENV_AUDIT_KEY = "PATENT_SYNC_AUDIT_KEY"
# Signed checkpoints of the audit log's head (JSON Lines): ship this file away from the store.
ENV_AUDIT_CHECKPOINTS = "PATENT_SYNC_AUDIT_CHECKPOINTS"
ENV_USPTO_API_KEY = "USPTO_ODP_API_KEY"
# Above this share of a delivery quarantined, the quarantine-rate check warns.
ENV_QUARANTINE_RATE_WARNING = "PATENT_SYNC_QUARANTINE_RATE_WARNING"
DEFAULT_QUARANTINE_RATE_WARNING = 0.02


@dataclasses.dataclass(frozen=True)
class Settings:
    """Resolved locations. Build with ``Settings.from_env()``; tests pass their own ``home``."""

    home: Path
    store_url: str
    feed_dir: Path
    feed_source: str  # "local" (a directory of delivery files) or "remote" (each office)
    # Prosecution-event files of the watched matters (ODP transactions JSON, EP Register and
    # INPADOC XML) that the docket assets read.
    events_dir: Path = PROJECT_ROOT / "data" / "events"
    # Scanned legacy documents read by OCR (``legacy_documents``, one partition per file).
    scans_dir: Path = PROJECT_ROOT / "data" / "scans"
    # Where signed checkpoints of the audit log go; None means ``home / "audit.checkpoints"``.
    audit_checkpoints: Path | None = None

    @property
    def audit_key_path(self) -> Path:
        return self.home / "audit.key"

    @property
    def audit_checkpoints_path(self) -> Path:
        """``PATENT_SYNC_AUDIT_CHECKPOINTS``, else ``$PATENT_SYNC_HOME/audit.checkpoints``."""
        return self.audit_checkpoints or self.home / "audit.checkpoints"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get(ENV_HOME) or PROJECT_ROOT / "var").resolve()
        return cls(
            home=home,
            store_url=env.get(ENV_STORE_URL) or f"sqlite:///{home / 'docket.sqlite'}",
            feed_dir=Path(env.get(ENV_FEED_DIR) or PROJECT_ROOT / "data").resolve(),
            feed_source=_feed_source(env.get(ENV_FEED_SOURCE)),
            events_dir=Path(env.get(ENV_EVENTS_DIR) or PROJECT_ROOT / "data" / "events").resolve(),
            scans_dir=Path(env.get(ENV_SCANS_DIR) or PROJECT_ROOT / "data" / "scans").resolve(),
            audit_checkpoints=(
                Path(env[ENV_AUDIT_CHECKPOINTS]).expanduser().resolve()
                if env.get(ENV_AUDIT_CHECKPOINTS)
                else None
            ),
        )


def _feed_source(value: str | None) -> str:
    # "odp" named the remote source when the USPTO was the only office; it still means remote.
    chosen = (value or "local").strip().lower()
    return "remote" if chosen == "odp" else chosen


class SettingError(ValueError):
    """A setting in the environment that cannot be used; the message names the variable."""


def quarantine_rate_warning(env: Mapping[str, str] | None = None) -> float:
    """``PATENT_SYNC_QUARANTINE_RATE_WARNING`` as a fraction (``0.05`` or ``5%``), default 2%."""
    env = os.environ if env is None else env
    text = (env.get(ENV_QUARANTINE_RATE_WARNING) or "").strip()
    if not text:
        return DEFAULT_QUARANTINE_RATE_WARNING
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise SettingError(
            f"{ENV_QUARANTINE_RATE_WARNING} must be a share between 0 and 1 (e.g. 0.02) or a "
            f"percentage (e.g. 2%), got {text!r}"
        )
    return value
