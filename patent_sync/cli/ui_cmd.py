"""``patent-sync ui``: the Dagster UI on the same embedded storage the demo uses.

It runs ``dagster dev`` (the webserver, the daemon and the code servers they start) in a
process group of its own and stays in front of it: Ctrl-C, SIGTERM or SIGHUP stop the whole
group. ``dagster dev`` is asked first (one SIGINT, its own orderly shutdown); whatever is still
running after ``PATENT_SYNC_UI_STOP_SECONDS`` (default 30) gets SIGTERM, then SIGKILL. A second
Ctrl-C skips the wait. Started from a shell script or a service manager that ignores SIGINT,
``dagster dev`` would otherwise ignore SIGTERM as well, and Ctrl-C in a terminal would reach
every process at once and leave code servers behind.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from patent_sync.cli.demo_cmd import (
    demo_quarantine_threshold,
    ensure_audit_key,
    prepare_local_instance,
)
from patent_sync.cli.errors import EXIT_UNAVAILABLE, CliError
from patent_sync.settings import PROJECT_ROOT, Settings

ENV_STOP_SECONDS = "PATENT_SYNC_UI_STOP_SECONDS"
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_KILL_GRACE_SECONDS = 5.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ui",
        help="open the Dagster UI on the embedded storage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="3000")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    notice = ensure_audit_key(settings)
    dagster_home = prepare_local_instance(settings)
    if notice:
        print(notice)
    threshold = demo_quarantine_threshold(settings)  # the UI shows the demo's evaluations
    if threshold:
        print(threshold)
    dagster = shutil.which("dagster", path=os.path.dirname(sys.executable)) or shutil.which(
        "dagster"
    )
    if dagster is None:
        raise CliError("the dagster command is not installed in this environment", EXIT_UNAVAILABLE)
    print(
        f"Dagster UI on http://{args.host}:{args.port} (instance: {dagster_home}); Ctrl-C stops it"
    )
    sys.stdout.flush()
    command = [
        dagster,
        "dev",
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    # From the instance directory: in the project root Dagster would warn that the production
    # dagster.yaml there is being ignored (it is, on purpose).
    return supervise(command, cwd=dagster_home, stop_seconds=_stop_seconds())


def supervise(command: list[str], *, cwd: Path, stop_seconds: float) -> int:
    """Run ``command`` in a new session and stop its whole process group on a stop signal.

    Returns 0 after a requested stop, else the command's own exit status.
    """
    received: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    # Our own handlers first: the child then starts with the default dispositions, even when
    # this process was started with SIGINT ignored (a background job, some service managers).
    for sig in _STOP_SIGNALS:
        signal.signal(sig, on_signal)
    try:
        child = subprocess.Popen(command, cwd=cwd, start_new_session=True)
        group = child.pid  # the new session's process group
        while child.poll() is None and not received:
            time.sleep(0.2)
        if not received:
            _stop_group(group, child, signal.SIGTERM, lambda: False)
            return child.returncode
        print(f"\npatent-sync ui: stopping the Dagster UI ({signal.Signals(received[0]).name})")
        sys.stdout.flush()
        _signal_group(group, signal.SIGINT, only=child.pid)  # dagster dev's orderly shutdown
        forced = _wait(child, stop_seconds, lambda: len(received) > 1)
        _stop_group(group, child, signal.SIGTERM, lambda: len(received) > 1)
        left = group_members(group) if Path("/proc").is_dir() else []
        if left:
            print(f"patent-sync ui: processes {left} did not stop", file=sys.stderr)
            return 1
        print(
            "patent-sync ui: stopped"
            + (" (forced)" if forced else "")
            + "; the webserver, the daemon and the code servers are gone"
        )
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_seconds() -> float:
    text = os.environ.get(ENV_STOP_SECONDS, "").strip()
    try:
        return max(0.0, float(text)) if text else 30.0
    except ValueError:
        raise CliError(f"{ENV_STOP_SECONDS} must be a number of seconds, got {text!r}") from None


def _wait(child: subprocess.Popen[bytes], seconds: float, hurry: Callable[[], bool]) -> bool:
    """Wait for ``child`` up to ``seconds``; True when it had to be cut short."""
    deadline = time.monotonic() + seconds
    while child.poll() is None:
        if time.monotonic() >= deadline or hurry():
            return True
        time.sleep(0.1)
    return False


def _stop_group(
    group: int, child: subprocess.Popen[bytes], sig: int, hurry: Callable[[], bool]
) -> None:
    """Whatever of the group is left: ``sig``, then SIGKILL after a grace period."""
    for signum in (sig, signal.SIGKILL):
        if not _group_alive(group, child):
            return
        _signal_group(group, signum)
        deadline = time.monotonic() + _KILL_GRACE_SECONDS
        while _group_alive(group, child) and time.monotonic() < deadline:
            if hurry() and signum != signal.SIGKILL:
                break
            time.sleep(0.1)


def _signal_group(group: int, sig: int, only: int | None = None) -> None:
    try:
        if only is not None:
            os.kill(only, sig)
        else:
            os.killpg(group, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(group: int, child: subprocess.Popen[bytes]) -> bool:
    """Whether a process of the group still runs (zombies waiting for their reaper do not)."""
    child.poll()  # reap our own child
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    return bool(group_members(group))


def group_members(group: int) -> list[int]:
    """The live (not zombie) processes of process group ``group``, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members
