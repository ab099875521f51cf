"""Numbered schema migrations, discovered by module name.

A migration is a module ``mNNNN_<name>.py`` in this package with ``ID = "NNNN_<name>"`` and
either ``SQL: dict[str, list[str]]`` (statements keyed by dialect, ``"sqlite"`` and
``"postgresql"``) or ``upgrade(cursor, dialect)`` for logic SQL alone cannot express. Modules
apply in name order; the store records each applied ``ID`` in ``schema_migrations``. Adding a
migration is adding a module: nothing else needs registering.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from patent_sync.store.errors import MigrationError

_MODULE_NAME = re.compile(r"^m(\d{4})_[a-z0-9_]+$")
DIALECTS = ("sqlite", "postgresql")

# The column types a migration's SQL template names as {identity} and {key}: a surrogate key,
# and a text key that sorts by bytes on both backends (digests and paging must agree).
_COLUMN_TYPES: dict[str, dict[str, str]] = {
    "sqlite": {"identity": "INTEGER PRIMARY KEY AUTOINCREMENT", "key": "TEXT"},
    "postgresql": {
        "identity": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "key": 'TEXT COLLATE "C"',
    },
}


def dialect_statements(template: str, **fields: str) -> dict[str, list[str]]:
    """A ``;``-separated SQL template as statements per dialect, with ``{identity}`` and
    ``{key}`` (and any ``fields``) filled in."""
    return {
        dialect: [s.strip() for s in template.format(**types, **fields).split(";") if s.strip()]
        for dialect, types in _COLUMN_TYPES.items()
    }


@dataclasses.dataclass(frozen=True)
class Migration:
    """One discovered migration: its ID and how to apply it to a cursor."""

    id: str
    module: ModuleType

    def apply(self, cursor: Any, dialect: str) -> None:
        """Run this migration's statements (or its ``upgrade``) on an open transaction."""
        upgrade: Callable[[Any, str], None] | None = getattr(self.module, "upgrade", None)
        if upgrade is not None:
            upgrade(cursor, dialect)
            return
        statements = self.module.SQL.get(dialect)
        if statements is None:
            raise MigrationError(f"migration {self.id} has no SQL for the {dialect} backend")
        for statement in statements:
            cursor.execute(statement)


def discover() -> list[Migration]:
    """All migrations in this package, in the order they apply."""
    found: list[Migration] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not _MODULE_NAME.match(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(_checked(info.name, module))
    numbers = [m.id[:4] for m in found]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise MigrationError(f"two migrations share the number(s) {', '.join(duplicates)}")
    return found


def _checked(module_name: str, module: ModuleType) -> Migration:
    migration_id = getattr(module, "ID", None)
    if migration_id != module_name[1:]:
        raise MigrationError(
            f"migration module {module_name} must set ID = {module_name[1:]!r}, "
            f"found {migration_id!r}"
        )
    has_sql = isinstance(getattr(module, "SQL", None), dict)
    if not has_sql and not callable(getattr(module, "upgrade", None)):
        raise MigrationError(f"migration {migration_id} defines neither SQL nor upgrade()")
    if has_sql:
        unknown = set(module.SQL) - set(DIALECTS)
        if unknown:
            raise MigrationError(f"migration {migration_id} has SQL for unknown {sorted(unknown)}")
    return Migration(id=migration_id, module=module)
