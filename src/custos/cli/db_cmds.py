"""``custos db``: schema migrations and rebuilding views."""

from __future__ import annotations

import typer

from custos.cli.context import open_store, state
from custos.cli.output import JsonOption, commands, emit
from custos.store import Store, migrate

app = commands("The database: migrations and replay.")


@app.command()
def upgrade(
    ctx: typer.Context,
    replay: bool = typer.Option(True, "--replay/--no-replay", help="Rebuild the views after migrating."),
    as_json: bool = JsonOption,
) -> None:
    """Apply pending schema migrations, then rebuild every view from the log.

    Views are projections: rebuilding them after a schema change guarantees they hold what the
    current projections derive from the filings, whatever shape the old views had.
    """
    store = Store(state(ctx).settings)
    try:
        before = migrate.current_revision(store.engine)
        migrate.upgrade(store.engine)
        revision = migrate.current_revision(store.engine)
        replayed = store.replay() if replay and before is not None and before != revision else 0
    finally:
        store.close()
    emit({"from": before, "revision": revision, "replayed_filings": replayed}, as_json)


@app.command()
def replay(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Drop every view and rebuild it from the filings in the log."""
    with open_store(ctx) as store:
        count = store.replay()
    emit({"replayed_filings": count}, as_json)
