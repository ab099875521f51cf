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
ENV_AUDIT_KEY = "PATENT_SYNC_AUDIT_KEY"
# Signed checkpoints of the audit log's head (JSON Lines): ship this file away from the store.
ENV_AUDIT_CHECKPOINTS = "PATENT_SYNC_AUDIT_CHECKPOINTS"
ENV_USPTO_API_KEY = "USPTO_ODP_API_KEY"


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
