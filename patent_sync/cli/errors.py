"""The one exception a sub-command raises to fail with a one-line message."""

from __future__ import annotations


class CliError(Exception):
    """A failure the user can act on; printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
