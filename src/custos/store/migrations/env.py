"""Alembic environment: migrate the engine handed over by :mod:`custos.store.migrate`."""

from __future__ import annotations

from alembic import context

from custos.store.tables import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
