"""``custos actors`` and ``custos orgs``: who may act, for which organisation."""

from __future__ import annotations

import typer

from custos.access import AccessService, Role, operator
from custos.cli.context import open_store
from custos.cli.output import JsonOption, commands, console, emit
from custos.cli.resolve import ORGANISATION, resolve
from custos.registry import OrganisationKind, RegistryService

actors = commands("Actors: people and systems with a role.")
orgs = commands("Registering organisations (list them with `custos registry orgs`).")

ACTOR_COLUMNS = ["id", "name", "role", "organisation_id", "jurisdiction"]


@orgs.command("add")
def add_org(
    ctx: typer.Context,
    name: str,
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", "-j", help="Where it is established."),
    kind: list[OrganisationKind] = typer.Option([], "--kind", "-k", help="Repeat for several kinds."),
    country: str | None = typer.Option(None, "--country", help="ISO 3166-1 alpha-2 code."),
    as_json: bool = JsonOption,
) -> None:
    """Register an organisation (a filing in the log)."""
    content = {
        "name": name,
        "jurisdiction": jurisdiction,
        "kinds": [k.value for k in kind],
        "country": country,
    }
    with open_store(ctx) as store:
        emit(RegistryService(store).register_organisation(content, by=operator(store)), as_json)


@actors.command("add")
def add_actor(
    ctx: typer.Context,
    name: str,
    role: Role = typer.Option(..., "--role", "-r"),
    organisation: str = typer.Option(..., "--org", "-o", help="Organisation id or name."),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", "-j", help="Default: the organisation's."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Register an actor (a filing in the log)."""
    with open_store(ctx) as store:
        org_id = resolve(store, organisation, ORGANISATION)
        emit(AccessService(store).add_actor(name, role, org_id, jurisdiction, by=operator(store)), as_json)


@actors.command("list")
def list_actors(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    with open_store(ctx) as store:
        emit(AccessService(store).list_actors(), as_json, ACTOR_COLUMNS)


@actors.command("token")
def token(ctx: typer.Context, actor_id: str, as_json: bool = JsonOption) -> None:
    """Issue an API token for an actor. It is shown once; only its hash is stored."""
    with open_store(ctx) as store:
        value = AccessService(store).issue_token(actor_id)
    if as_json:
        emit({"actor_id": actor_id, "token": value}, True)
    else:
        console.print("Token (shown once, store it now):", style="bold")
        typer.echo(value)
