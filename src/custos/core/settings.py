"""Where an installation keeps its data, read once from the environment.

``CUSTOS_HOME`` (default ``./.custos``) holds the SQLite database and the signing keys;
``CUSTOS_DATABASE_URL`` points the store at PostgreSQL instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database_url: str

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(home: Path | None = None, database_url: str | None = None) -> Settings:
    """Settings from arguments first, then the environment, then the defaults."""
    resolved_home = (home or Path(os.environ.get("CUSTOS_HOME", ".custos"))).resolve()
    url = database_url or os.environ.get("CUSTOS_DATABASE_URL") or f"sqlite:///{resolved_home / 'custos.db'}"
    return Settings(home=resolved_home, database_url=url)
