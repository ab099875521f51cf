"""What the browser tests share: where screenshots go, a free port, waiting for a server.

Screenshots are test artifacts: ``PATENT_SYNC_TEST_ARTIFACTS`` if set (CI can collect that
directory), else ``var/test-artifacts/`` in the project (ignored by git).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import httpx

from patent_sync.settings import PROJECT_ROOT

ENV_ARTIFACTS = "PATENT_SYNC_TEST_ARTIFACTS"


def artifacts_dir(*parts: str) -> Path:
    """The directory screenshots of a test go to (created)."""
    root = Path(os.environ.get(ENV_ARTIFACTS) or PROJECT_ROOT / "var" / "test-artifacts")
    directory = root.joinpath(*parts)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answering(url: str, seconds: float, alive: object = None) -> None:
    """Poll ``url`` until it answers 200; ``alive()`` False (the server died) fails at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(alive) and not alive():
            raise AssertionError(f"the server behind {url} exited before answering")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} did not answer within {seconds:.0f} s")
