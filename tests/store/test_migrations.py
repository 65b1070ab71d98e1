from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from custos.core import Unavailable
from custos.core.settings import Settings
from custos.store import Store
from custos.store.tables import metadata


def test_migrations_and_models_agree(store: Store) -> None:
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_an_unmigrated_database_is_refused_with_the_fix(settings: Settings) -> None:
    empty = Store(settings)
    with empty.engine.connect():  # creates an empty SQLite file; PostgreSQL's database exists already
        pass
    empty.close()
    with pytest.raises(Unavailable, match="custos db upgrade"):
        Store.open(settings)
