"""``custos db``: schema migrations and rebuilding views."""

from __future__ import annotations

import typer

from custos.cli.context import open_store, state
from custos.cli.output import JsonOption, commands, console, emit
from custos.core.errors import IntegrityFailure
from custos.installation import composition
from custos.store import Store, migrate

app = commands("The database: migrations, replay and checking the views against the log.")


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
    store = Store(state(ctx).settings, composition())
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


@app.command()
def verify(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Rebuild every view from the log in a scratch transaction and report each row that differs.

    ``custos ledger verify`` proves the log; this proves that what the API serves is what the log
    says. Nothing is changed; a difference exits with code 2 after listing every one.
    """
    with open_store(ctx) as store, console.status("rebuilding the views from the log to compare"):
        report = store.verify_views()
    if report.differences:
        described = [difference.describe() for difference in report.differences]
        raise IntegrityFailure(
            f"{len(described):,} view rows differ from the log: "
            + "; ".join(described[:20])
            + ("; …" if len(described) > 20 else ""),
            evidence={"differences": described},
        )
    emit(
        {"ok": True, "rows": report.rows} if as_json else f"all {report.rows:,} view rows match the log",
        as_json,
    )
