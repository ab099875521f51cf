"""Errors the docket store raises, each with a message an operator can act on."""

from __future__ import annotations


class StoreError(Exception):
    """Base class for docket-store failures."""


class StoreUrlError(StoreError, ValueError):
    """The store URL is not one this project understands."""


class StoreNotFoundError(StoreError):
    """A SQLite store file that must already exist does not."""


class StoreConnectionError(StoreError):
    """The database server could not be reached or refused the connection."""


class MigrationError(StoreError):
    """A schema migration is malformed or failed to apply."""


class UnknownLoadError(StoreError, KeyError):
    """A load id that the store has never issued."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class LoadStateError(StoreError):
    """A load was asked to change state in a way its lifecycle forbids."""


class LoadBusyError(StoreError):
    """Another process is applying the same delivery (it holds the partition's load lease)."""
