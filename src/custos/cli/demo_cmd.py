"""``custos demo``: a fresh installation with a few filings, its signed checkpoint, and the API."""

from __future__ import annotations

import typer

from custos.access import AccessService, Role
from custos.cli.access_cmds import OPERATOR
from custos.cli.context import state
from custos.cli.output import console
from custos.cli.serve_cmds import DEFAULT_ORIGIN, serve
from custos.store import Store, initialise_installation

#: Organisations of the demo: a supervisor, a model provider and a deployer, each with an actor.
DEMO_ACTORS = (
    ("European AI Office", "EU", "Supervisor on duty", Role.SUPERVISOR),
    ("Example Model Provider", "FR", "Provider compliance officer", Role.PROVIDER),
    ("Example Bank", "DE", "Deployer risk officer", Role.DEPLOYER),
)


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    no_serve: bool = typer.Option(False, "--no-serve", help="Set up and print, but do not serve."),
) -> None:
    """Set up a demo registry (once), file its actors, print the signed checkpoint, and serve."""
    settings = state(ctx).settings
    fresh = not (settings.home / "keys" / "log.key").exists()
    store = initialise_installation(settings, DEFAULT_ORIGIN) if fresh else Store.open(settings)
    try:
        if fresh:
            access = AccessService(store)
            for org_name, code, actor_name, role in DEMO_ACTORS:
                org = access.register_organisation(org_name, code, by=OPERATOR)
                actor = access.add_actor(actor_name, role, org["id"], by=OPERATOR)
                typer.echo(
                    f"{role.value:<10} {actor_name} ({org_name}) token: {access.issue_token(actor['id'])}"
                )
        size, note = store.publish_checkpoint()
    finally:
        store.close()
    console.print(f"\nSigned checkpoint of the log ({size} entries):", style="bold")
    typer.echo(note, nl=False)
    if not no_serve:
        serve(ctx, host=host, port=port, checkpoint_interval=5.0)
