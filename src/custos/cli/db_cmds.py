"""``custos db``: schema migrations and rebuilding views."""

from __future__ import annotations

import typer

from custos.cli.context import open_store, state
from custos.cli.output import JsonOption, emit
from custos.store import Store, migrate

app = typer.Typer(help="The database: migrations and replay.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Apply pending schema migrations."""
    store = Store(state(ctx).settings)
    try:
        migrate.upgrade(store.engine)
        revision = migrate.current_revision(store.engine)
    finally:
        store.close()
    emit({"revision": revision}, as_json)


@app.command()
def replay(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Drop every view and rebuild it from the filings in the log."""
    with open_store(ctx) as store:
        count = store.replay()
    emit({"replayed_filings": count}, as_json)
