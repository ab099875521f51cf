"""``patent-sync ui`` (``make ui``) stops cleanly on Ctrl-C and on SIGTERM, leaving nothing
running: not ``dagster dev``, not its webserver and daemon, not the code servers they start.

The command is started the way a shell script or a service manager starts it, with SIGINT
ignored: ``dagster dev`` itself maps SIGTERM onto its SIGINT handler, so run that way it used
to ignore SIGTERM and keep the port and the code servers until killed by hand.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from patent_sync.cli.ui_cmd import group_members
from patent_sync.settings import PROJECT_ROOT
from patent_sync_tests.browser_pages import free_port

STARTUP_SECONDS = 120.0
STOP_SECONDS = 45.0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait_for(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ui_stops_with_everything_it_started(stop_signal: int, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PATENT_SYNC_HOME": str(tmp_path / "home"),
        "PATENT_SYNC_UI_STOP_SECONDS": "30",
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    env.pop("DAGSTER_HOME", None)
    log = (tmp_path / "ui.log").open("wb")
    ui = subprocess.Popen(
        [sys.executable, "-m", "patent_sync.cli", "ui", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the test's own group, to clean up whatever happens
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # as `cmd &` does
    )
    seen: set[int] = set()
    dev_group = 0
    try:
        _wait_for(lambda: _answers(port) or ui.poll() is not None, STARTUP_SECONDS, "the UI")
        assert ui.poll() is None, (tmp_path / "ui.log").read_text()
        [dev] = _children(ui.pid)  # dagster dev, leader of its own process group
        dev_group = os.getpgid(dev)
        assert dev_group == dev != os.getpgid(ui.pid)

        def everything_started() -> bool:
            seen.update(group_members(dev_group))
            # dagster dev, the webserver, the daemon and at least one code server
            return len(group_members(dev_group)) >= 4

        _wait_for(everything_started, STARTUP_SECONDS, "the webserver, daemon and code servers")

        started = time.monotonic()
        ui.send_signal(stop_signal)
        ui.wait(timeout=STOP_SECONDS)
        assert ui.returncode == 0, (tmp_path / "ui.log").read_text()
        assert time.monotonic() - started < STOP_SECONDS
        assert group_members(dev_group) == []
        assert [pid for pid in seen if _alive(pid)] == []
        assert not _answers(port)
        assert "stopped" in (tmp_path / "ui.log").read_text()
    finally:
        for group in (dev_group, ui.pid):
            if group:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
        ui.wait(timeout=10)
        log.close()
