"""Small text rules every document parser applies the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

_T = TypeVar("_T")


def clean(value: str | None) -> str | None:
    """Stripped text, or None when absent or blank."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def collapse(text: str) -> str:
    """Runs of whitespace (line breaks of the source's layout) as single spaces."""
    return " ".join(text.split())


def dedupe(items: Iterable[_T]) -> tuple[_T, ...]:
    """The items without repeats, in first-seen order (offices repeat whole party lists)."""
    return tuple(dict.fromkeys(items))
