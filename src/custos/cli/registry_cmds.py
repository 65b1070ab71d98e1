"""``custos registry``: import, export, list and show organisations, models and deployments."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from custos.access import operator
from custos.cli.context import open_store
from custos.cli.output import JsonOption, console, emit
from custos.core.errors import InvalidInput, NotFound
from custos.registry import (
    Accessibility,
    DeploymentQuery,
    ModelQuery,
    OrganisationKind,
    OrganisationQuery,
    PageRequest,
    RegistryService,
    Sector,
)
from custos.registry.exports import FORMATS as EXPORT_FORMATS
from custos.registry.exports import export_model
from custos.registry.importers import ImportFormat, import_text

app = typer.Typer(
    help="The registry of organisations, models, passports and deployments.", no_args_is_help=True
)

Limit = typer.Option(50, "--limit", min=1, max=500)
Cursor = typer.Option(None, "--cursor", help="The 'next' cursor of the previous page.")
Search = typer.Option(None, "--search", "-s", help="Part of the name, any case.")
Country = typer.Option(None, "--country", help="ISO 3166-1 alpha-2 code.")


def _page(page: dict[str, Any], as_json: bool, columns: list[str], title: str) -> None:
    if as_json:
        emit(page, True)
        return
    emit(page["items"], False, columns, title)
    if page["next"]:
        console.print(f"more: --cursor {page['next']}", highlight=False)


@app.command("import")
def import_(
    ctx: typer.Context,
    fmt: ImportFormat = typer.Argument(..., metavar="FORMAT", help="epoch, cyclonedx, spdx or hf"),
    path: Path = typer.Argument(..., help="The file to import."),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Store the valid records, report the rest."
    ),
    organisation: str | None = typer.Option(
        None, "--org", help="hf: the provider, when the card names none."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Import models and passports; nothing is stored if any record is invalid, unless --skip-invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text: {exc}") from exc
    with open_store(ctx) as store, console.status(f"importing {path.name}"):
        report = import_text(
            RegistryService(store),
            fmt,
            text,
            by=operator(store),
            skip_invalid=skip_invalid,
            organisation=organisation,
        )
    summary = report.summary()
    if as_json:
        emit(summary, True)
        return
    console.print(
        f"Imported {len(report.models)} model(s) of {report.records} record(s); "
        f"{report.organisations_created} organisation(s) registered; "
        f"{len(report.skipped)} problem(s) skipped.",
        highlight=False,
    )
    for problem in report.skipped:
        console.print(
            f"  skipped {problem['record']}: {problem['path']}: {problem['reason']}", highlight=False
        )
    for note in report.notes:
        console.print(f"  note: {note}", highlight=False)


@app.command()
def export(
    ctx: typer.Context,
    model_id: str = typer.Argument(..., metavar="MODEL"),
    fmt: str = typer.Option("cyclonedx", "--format", "-f", help=" or ".join(EXPORT_FORMATS)),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
) -> None:
    """Export a model's passport as CycloneDX 1.6 (validated) or SPDX 3.0.1 JSON-LD."""
    with open_store(ctx) as store:
        text, _ = export_model(RegistryService(store), operator(store), model_id, fmt)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {output}", highlight=False)


@app.command()
def orgs(
    ctx: typer.Context,
    kind: OrganisationKind | None = typer.Option(None, "--kind", "-k"),
    country: str | None = Country,
    search: str | None = Search,
    cursor: str | None = Cursor,
    limit: int = Limit,
    as_json: bool = JsonOption,
) -> None:
    """List organisations."""
    with open_store(ctx) as store:
        query = OrganisationQuery(kind=kind, country=country.upper() if country else None, search=search)
        page = RegistryService(store).organisations(operator(store), query, PageRequest(cursor, limit))
    _page(page, as_json, ["id", "name", "country", "kinds"], "Organisations")


@app.command()
def models(
    ctx: typer.Context,
    organisation: str | None = typer.Option(None, "--org", help="Provider id."),
    country: str | None = Country,
    accessibility: Accessibility | None = typer.Option(None, "--accessibility"),
    min_flop: float | None = typer.Option(
        None, "--min-flop", min=0.0, help="Training compute at least, FLOP."
    ),
    max_flop: float | None = typer.Option(
        None, "--max-flop", min=0.0, help="Training compute at most, FLOP."
    ),
    search: str | None = Search,
    cursor: str | None = Cursor,
    limit: int = Limit,
    as_json: bool = JsonOption,
) -> None:
    """List models, with their training compute and passport completeness."""
    with open_store(ctx) as store:
        query = ModelQuery(
            organisation=organisation,
            country=country.upper() if country else None,
            accessibility=accessibility,
            min_flop=min_flop,
            max_flop=max_flop,
            search=search,
        )
        page = RegistryService(store).models(operator(store), query, PageRequest(cursor, limit))
    _page(page, as_json, ["id", "name", "accessibility", "training_flop", "completeness"], "Models")


@app.command()
def deployments(
    ctx: typer.Context,
    organisation: str | None = typer.Option(None, "--org", help="Deployer id."),
    model: str | None = typer.Option(None, "--model"),
    country: str | None = Country,
    sector: Sector | None = typer.Option(None, "--sector"),
    search: str | None = Search,
    cursor: str | None = Cursor,
    limit: int = Limit,
    as_json: bool = JsonOption,
) -> None:
    """List deployments."""
    with open_store(ctx) as store:
        query = DeploymentQuery(
            organisation=organisation,
            model=model,
            country=country.upper() if country else None,
            sector=sector,
            search=search,
        )
        page = RegistryService(store).deployments(operator(store), query, PageRequest(cursor, limit))
    _page(page, as_json, ["id", "name", "sector", "decision_critical", "model_id"], "Deployments")


@app.command()
def show(
    ctx: typer.Context, entity_id: str = typer.Argument(..., metavar="ID"), as_json: bool = JsonOption
) -> None:
    """Show a model (with its passport), a deployment or an organisation."""
    with open_store(ctx) as store:
        registry, who = RegistryService(store), operator(store)
        for lookup in (registry.model, registry.deployment, registry.organisation):
            try:
                found = lookup(who, entity_id)
                break
            except NotFound:
                continue
        else:
            raise NotFound(f"no model, deployment or organisation {entity_id!r}")
    if as_json:
        emit(found, True)
    else:
        console.print_json(json.dumps(found, default=str))


@app.command("add-deployment")
def add_deployment(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name"),
    deployer: str = typer.Option(..., "--deployer", help="Deployer organisation id."),
    model: str = typer.Option(..., "--model", help="Model id."),
    sector: Sector = typer.Option(..., "--sector"),
    jurisdiction: list[str] = typer.Option(..., "--jurisdiction", "-j", help="Repeat for several."),
    decision_critical: bool = typer.Option(False, "--decision-critical"),
    exposure: Decimal | None = typer.Option(None, "--exposure", help="Economic exposure (amount)."),
    currency: str = typer.Option("EUR", "--currency"),
    users: int | None = typer.Option(None, "--users", min=0),
    start: str | None = typer.Option(None, "--start", help="Start date, YYYY-MM-DD."),
    fallback: list[str] = typer.Option([], "--fallback", help="Fallback model id; repeat for several."),
    host: str | None = typer.Option(None, "--host", help="Hosting compute provider id."),
    as_json: bool = JsonOption,
) -> None:
    """Register a deployment of a model (a filing in the log)."""
    content: dict[str, Any] = {
        "name": name,
        "deployer_id": deployer,
        "model_id": model,
        "sector": sector.value,
        "jurisdictions": jurisdiction,
        "decision_critical": decision_critical,
        "user_population": users,
        "start_date": date.fromisoformat(start).isoformat() if start else None,
        "fallback_model_ids": fallback,
        "hosting_provider_id": host,
    }
    if exposure is not None:
        content["economic_exposure"] = {"amount": str(exposure), "currency": currency.upper()}
    with open_store(ctx) as store:
        emit(RegistryService(store).register_deployment(content, by=operator(store)), as_json)
