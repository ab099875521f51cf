"""``patent-sync ui``: the Dagster UI on the same embedded storage the demo uses."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from patent_sync.cli.demo_cmd import ensure_audit_key, prepare_local_instance
from patent_sync.cli.errors import CliError
from patent_sync.settings import PROJECT_ROOT, Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ui", help="open the Dagster UI on the embedded storage", description=__doc__
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
    dagster = shutil.which("dagster", path=os.path.dirname(sys.executable)) or shutil.which(
        "dagster"
    )
    if dagster is None:
        raise CliError("the dagster command is not installed in this environment")
    print(
        f"Dagster UI on http://{args.host}:{args.port} (instance: {dagster_home}); Ctrl-C stops it"
    )
    # Run from the instance directory: in the project root Dagster would warn that the
    # production dagster.yaml there is being ignored (it is, on purpose).
    os.chdir(dagster_home)
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    os.execv(dagster, [dagster, "dev", "-w", workspace, "-h", args.host, "-p", str(args.port)])
    return 0  # not reached
