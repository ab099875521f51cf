"""The one exception a sub-command raises to fail with a one-line message, and the exit codes.

Every command uses the same code for the same situation:

* 0 — done.
* 1 (``EXIT_PROBLEM``) — the command ran and found something a person must act on: records
  quarantined, an audit chain broken, records not accounted for, a decision refused.
* 2 (``EXIT_UNAVAILABLE``) — the command could not do its work with what it was given: a file
  that is missing or cannot be read, a store or key that is not there, an argument that is not
  valid (argparse also exits 2 for a usage error).
"""

from __future__ import annotations

EXIT_PROBLEM = 1
EXIT_UNAVAILABLE = 2


class CliError(Exception):
    """A failure the user can act on; printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.exit_code = exit_code
