"""``custos demo``: a registry seeded from Epoch AI's public model table, its signed checkpoint, the API."""

from __future__ import annotations

import typer

from custos.access import AccessService, Role, operator
from custos.cli.context import state
from custos.cli.output import console
from custos.cli.serve_cmds import DEFAULT_ORIGIN, serve
from custos.installation import create_installation
from custos.passports.epoch import ATTRIBUTION, SHIPPED
from custos.policy import PolicyService
from custos.policy.pack import BUILTIN
from custos.registry import OrganisationKind, RegistryService
from custos.registry.importers import import_text
from custos.store import Store

#: Organisations of the demo besides the authority, each with an actor.
DEMO_ACTORS = (
    (
        "Example Model Provider",
        "FR",
        OrganisationKind.MODEL_PROVIDER,
        "Provider compliance officer",
        Role.PROVIDER,
    ),
    ("Example Bank", "DE", OrganisationKind.FINANCIAL_INSTITUTION, "Deployer risk officer", Role.DEPLOYER),
)


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    no_serve: bool = typer.Option(False, "--no-serve", help="Set up and print, but do not serve."),
) -> None:
    """Set up a demo registry (once), print its tokens and signed checkpoint, and serve."""
    settings = state(ctx).settings
    fresh = not (settings.home / "keys" / "log.key").exists()
    if fresh:
        store = create_installation(
            settings, origin=DEFAULT_ORIGIN, authority="European AI Office", jurisdiction_code="EU"
        )
    else:
        store = Store.open(settings)
    try:
        if fresh:
            _seed(store)
        size, note = store.publish_checkpoint()
    finally:
        store.close()
    console.print(f"\nSigned checkpoint of the log ({size} entries):", style="bold")
    typer.echo(note, nl=False)
    if not no_serve:
        serve(ctx, host=host, port=port, checkpoint_interval=5.0, decision_log_rate=0.0)


def _seed(store: Store) -> None:
    by = operator(store)
    registry, access = RegistryService(store), AccessService(store)
    with console.status("importing Epoch AI's model table"):
        report = import_text(registry, "epoch", SHIPPED.read_text(encoding="utf-8"), by=by, skip_invalid=True)
    console.print(
        f"Imported {len(report.models)} models and {report.organisations_created} organisations "
        f"from {ATTRIBUTION}; "
        f"{len(report.skipped)} row problem(s) skipped (see `custos registry import epoch --help`).",
        highlight=False,
    )
    policy = PolicyService(store)
    with console.status("loading the built-in policy packs and evaluating the registry"):
        for path in sorted(BUILTIN.glob("*.yaml")):
            policy.load(path.read_text(encoding="utf-8"), origin=path.name, by=by)
    counts: dict[str, int] = {}
    for obligation in policy.obligations(by, limit=1_000_000):
        counts[obligation["status"]] = counts.get(obligation["status"], 0) + 1
    console.print(
        "Obligations: " + ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items())),
        highlight=False,
    )
    supervisor = access.add_actor("Supervisor on duty", Role.SUPERVISOR, by.organisation_id or "", by=by)
    typer.echo(f"supervisor token: {access.issue_token(supervisor['id'])}")
    for org_name, country, kind, actor_name, role in DEMO_ACTORS:
        org = registry.register_organisation(
            {"name": org_name, "jurisdiction": country, "country": country, "kinds": [kind.value]}, by=by
        )
        actor = access.add_actor(actor_name, role, org["id"], by=by)
        typer.echo(f"{role.value} token ({org_name}): {access.issue_token(actor['id'])}")
