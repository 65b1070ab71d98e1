"""Throwaway installations on an embedded SQLite file, for tests that cannot take fixtures
(stateful machines, module-scoped hypothesis runs)."""

from __future__ import annotations

from pathlib import Path

from custos.core.settings import Settings
from custos.installation import create_installation
from custos.store import Store


def sqlite_installation(home: Path) -> Store:
    """An installation in ``home`` whose authority is an EU supervisor."""
    return create_installation(
        Settings(home=home, database_url=f"sqlite:///{home / 'c.db'}"),
        origin="t/log",
        authority="Authority",
        jurisdiction_code="EU",
    )
