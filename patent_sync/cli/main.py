"""The ``patent-sync`` command line.

Each sub-command lives in its own module under ``patent_sync.cli`` and exposes
``register(subparsers)``; it sets ``func`` on its parser. A command signals a user-facing
failure by raising ``CliError``: the user sees one line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from patent_sync.cli.errors import CliError
from patent_sync.cli.help_text import plain_help

# Sub-command modules, in the order `--help` lists them.
_COMMAND_MODULES = (
    "patent_sync.cli.inspect_cmd",
    "patent_sync.cli.load_cmd",
    "patent_sync.cli.deadline_cmd",
    "patent_sync.cli.docket_cmd",
    "patent_sync.cli.watch_cmd",
    "patent_sync.cli.export_cmd",
    "patent_sync.cli.audit_cmd",
    "patent_sync.cli.quarantine_cmd",
    "patent_sync.cli.demo_cmd",
    "patent_sync.cli.ui_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="patent-sync",
        description="Keep a patent docket in sync with the USPTO, the EPO and WIPO.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # that command is not built yet
                continue
            raise
        module.register(subparsers)
    plain_help(parser)  # module docstrings are reST; a terminal shows plain text
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"patent-sync {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("patent-sync: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
