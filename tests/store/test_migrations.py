from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from custos.core import Unavailable
from custos.core.settings import Settings
from custos.installation import composition
from custos.registry.model import OrganisationRegistered
from custos.store import Store
from custos.store._tables import metadata


def test_migrations_and_models_agree(store: Store) -> None:
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_an_unmigrated_database_is_refused_with_the_fix(settings: Settings) -> None:
    empty = Store(settings, composition())
    with empty.engine.connect():  # creates an empty SQLite file; PostgreSQL's database exists already
        pass
    empty.close()
    with pytest.raises(Unavailable, match="custos db upgrade"):
        Store.open(settings, composition())


def test_upgrading_an_old_schema_rebuilds_the_views_from_the_log(store: Store) -> None:
    from alembic import command
    from sqlalchemy import select
    from typer.testing import CliRunner

    from custos.cli.app import app
    from custos.registry.service import RegistryService
    from custos.store import migrate
    from custos.store._tables import organisations
    from tests.store.test_registry import SUPERVISOR

    RegistryService(store).register_organisation(
        OrganisationRegistered.model_validate(
            {"name": "Bank AG", "jurisdiction": "DE", "country": "DE", "kinds": ["financial_institution"]}
        ),
        by=SUPERVISOR,
    )
    with store.read() as conn:
        before = [
            dict(r) for r in conn.execute(select(organisations).order_by(organisations.c.id)).mappings()
        ]
    command.downgrade(migrate.alembic_config(store.engine), "0001")
    store.close()
    result = CliRunner().invoke(
        app,
        ["--home", str(store.settings.home), "db", "upgrade", "--json"],
        env={"CUSTOS_DATABASE_URL": store.settings.database_url},
    )
    assert result.exit_code == 0, result.output
    assert '"replayed_filings": 1' in result.output
    reopened = Store.open(store.settings, composition())
    with reopened.read() as conn:
        after = [dict(r) for r in conn.execute(select(organisations).order_by(organisations.c.id)).mappings()]
    reopened.close()
    assert after == before


def test_the_quick_revision_checks_agree_with_alembic(store: Store) -> None:
    from alembic.script import ScriptDirectory

    from custos.store import migrate

    assert (
        migrate.head_revision()
        == ScriptDirectory.from_config(migrate.alembic_config(store.engine)).get_current_head()
    )
    with store.engine.connect() as conn:
        assert (
            migrate.current_revision(store.engine) == MigrationContext.configure(conn).get_current_revision()
        )
