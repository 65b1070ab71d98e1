"""``custos actors`` and ``custos orgs``: who may act, for which organisation."""

from __future__ import annotations

import typer

from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.access.tokens import moment
from custos.cli.context import open_store
from custos.cli.output import JsonOption, commands, console, emit, plain
from custos.cli.resolve import ORGANISATION, resolve
from custos.core import units
from custos.filings import parse
from custos.registry.documentation import FrameworkPublished
from custos.registry.model import OrganisationKind, OrganisationRegistered
from custos.registry.service import RegistryService

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
    organisation = parse(OrganisationRegistered, content, "organisation")
    with open_store(ctx) as store:
        registered = RegistryService(store).register_organisation(organisation, by=operator(store))
    emit(plain(registered), as_json)


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
        actor = AccessService(store).add_actor(name, role, org_id, jurisdiction, by=operator(store))
    emit(actor.model_dump(), as_json)


@actors.command("list")
def list_actors(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Every actor with its role and organisation."""
    with open_store(ctx) as store:
        listed = AccessService(store).list_actors()
    emit([actor.model_dump() for actor in listed], as_json, ACTOR_COLUMNS)


@actors.command("token")
def token(
    ctx: typer.Context,
    actor_id: str,
    expires_in: str | None = typer.Option(
        None, "--expires-in", help="Valid for this long: 12h, 90d, 2w.", show_default=False
    ),
    expires_at: str | None = typer.Option(
        None,
        "--expires-at",
        help="Valid until this date (its start, UTC) or time with zone.",
        show_default=False,
    ),
    as_json: bool = JsonOption,
) -> None:
    """Issue an API token for an actor. It is shown once; only its hash is stored."""
    until = moment(expires_at) if expires_at is not None else None
    with open_store(ctx) as store:
        issued = AccessService(store).issue(actor_id, expires_in=expires_in, expires_at=until)
    if as_json:
        emit(issued.model_dump(), True)
        return
    expiry = units.timestamp(issued.expires_at) if issued.expires_at else "never (until revoked)"
    console.print(f"Token {issued.id} for actor {actor_id}, expires {expiry}", highlight=False)
    console.print("Token (shown once, store it now):", style="bold")
    typer.echo(issued.token)


@actors.command("revoke")
def revoke(ctx: typer.Context, actor_id: str, as_json: bool = JsonOption) -> None:
    """Revoke every API token of an actor (a running server refuses them within seconds)."""
    with open_store(ctx) as store:
        revoked = AccessService(store).revoke_tokens(actor_id)
    emit(revoked.model_dump(), as_json)


@orgs.command("framework")
def framework(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="Organisation id or name."),
    url: str = typer.Option(..., "--url", help="Where the framework is published."),
    sha256: str = typer.Option(..., "--sha256", help="SHA-256 of the published document (hex)."),
    modified_on: str | None = typer.Option(
        None, "--modified-on", help="YYYY-MM-DD: it publishes a material modification made that day."
    ),
    justification: str | None = typer.Option(None, "--justification", help="Why the modification was made."),
    as_json: bool = JsonOption,
) -> None:
    """Record the publication of a frontier AI framework, or of a material modification (a filing)."""
    content = {"url": url, "document_sha256": sha256, "material_modification": modified_on is not None}
    if modified_on is not None:
        content |= {"modified_on": modified_on, "justification": justification}
    publication = parse(FrameworkPublished, content, "framework publication")
    with open_store(ctx) as store:
        found = RegistryService(store).publish_framework(
            resolve(store, organisation, ORGANISATION), publication, by=operator(store)
        )
    emit(plain(found), as_json)
