"""Alembic environment: migrate the engine handed over by :mod:`custos.store.migrate`.

SQLite alters a table by copying it, which its foreign keys forbid while other tables point at
it, so foreign-key enforcement is switched off for the migration (it can only be switched
outside a transaction) and every key is checked before it is switched back on.
"""

from __future__ import annotations

from alembic import context

from custos.store._tables import metadata

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection
    if sqlite:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            raw.execute("PRAGMA foreign_keys=ON")
