"""``custos registry``: import, export, list and show organisations, models and deployments."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from custos.access.service import operator
from custos.cli.context import open_store, state
from custos.cli.documents import read_document
from custos.cli.output import Format, JsonOption, commands, console, emit, plain
from custos.cli.resolve import ANY, MODEL, ORGANISATION, resolve, resolve_optional
from custos.core import units
from custos.core.errors import InvalidInput, NotFound
from custos.filings import parse
from custos.registry.documentation import TechnicalDocumentation
from custos.registry.exports import FORMATS as EXPORT_FORMATS
from custos.registry.exports import export_model
from custos.registry.importers import ImportFormat, import_text, shipped
from custos.registry.model import (
    Accessibility,
    DeploymentRegistration,
    NotificationFiled,
    OrganisationKind,
    Sector,
)
from custos.registry.service import RegistryService
from custos.registry.views import ImportSummary, Page
from custos.store.registry_views import DeploymentQuery, ModelQuery, OrganisationQuery, PageRequest

app = commands("The registry of organisations, models, passports and deployments.")

Limit = typer.Option(50, "--limit", min=1, max=500)
Cursor = typer.Option(None, "--cursor", help="The 'next' cursor of the previous page.")
Search = typer.Option(None, "--search", "-s", help="Part of the name, any case.")
Country = typer.Option(None, "--country", help="ISO 3166-1 alpha-2 code.")


def _page(
    page: Page[Any],
    as_json: bool,
    columns: list[str],
    title: str,
    formats: dict[str, Format] | None = None,
) -> None:
    if as_json:
        emit(plain(page), True)
        return
    emit(plain(page)["items"], False, columns, title, formats)
    if page.next:
        console.print(f"more: --cursor {page.next}", highlight=False)


@app.command("import")
def import_(
    ctx: typer.Context,
    fmt: ImportFormat = typer.Argument(..., metavar="FORMAT", help="epoch, cyclonedx, spdx or hf"),
    path: Path | None = typer.Argument(
        None, help="The file to import; without it, the shipped table (epoch: Epoch AI's 1,892 models)."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Store the valid records, report the rest."
    ),
    organisation: str | None = typer.Option(
        None, "--org", help="hf: the provider, when the card names none."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="List every flagged record, skipped problem and note."
    ),
    report_file: Path | None = typer.Option(
        None, "--report", help="Write every flag, skipped problem and note to this file, as JSON lines."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Import models and passports; nothing is stored if any record is invalid, unless --skip-invalid.

    Slips of the source that can be repaired without guessing are kept and flagged on the
    passport (data_quality); the summary counts them by problem.
    """
    if report_file is not None and not report_file.parent.is_dir():
        raise InvalidInput(f"cannot write the report: no directory {report_file.parent}")
    source = path if path is not None else shipped(fmt)
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source} is not UTF-8 text: {exc}") from exc
    with open_store(ctx) as store, console.status(f"importing {source.name}"):
        report = import_text(
            RegistryService(store),
            fmt,
            text,
            by=operator(store),
            skip_invalid=skip_invalid,
            organisation=organisation,
            origin=source.name,
        )
    details = _import_details(report)
    if report_file is not None:
        report_file.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in details), "utf-8")
    if as_json:
        emit(plain(report), True)
        return
    lines = [
        f"Imported {units.count(len(report.models))} model(s) from {units.count(report.records)} "
        f"record(s) of {source.name}; {units.count(report.organisations_created)} organisation(s) "
        "registered."
    ]
    flagged = ", ".join(f"{units.count(n)} {p.replace('_', ' ')}" for p, n in report.flagged.items())
    if flagged:
        lines.append(f"Flagged on the passports (data_quality): {flagged}.")
    if report.skipped:
        lines.append(f"Skipped {units.count(len(report.skipped))} problem(s).")
    if report.notes:
        lines.append(f"{units.count(len(report.notes))} note(s).")
    if verbose or state(ctx).verbose:
        lines += [f"  {_detail_line(detail)}" for detail in details]
    elif details:
        lines.append("-v lists every flag, problem and note; --report FILE writes them as JSON lines.")
    if report_file is not None:
        lines.append(f"wrote {report_file}")
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


def _import_details(report: ImportSummary) -> list[dict[str, Any]]:
    """Every flag, skipped problem and note of an import, one record each, tagged by kind."""
    return [
        *({"kind": "flag", **note} for note in report.data_quality),
        *({"kind": "skipped", **problem} for problem in report.skipped),
        *({"kind": "note", "note": note} for note in report.notes),
    ]


def _detail_line(detail: dict[str, Any]) -> str:
    if detail["kind"] == "flag":
        original = "blank" if detail["original"] is None else repr(detail["original"])
        return (
            f"flagged {detail['record']}: {detail['field']}: {detail['problem'].replace('_', ' ')} "
            f"(was {original}): {detail['action']}"
        )
    if detail["kind"] == "skipped":
        return f"skipped {detail['record']}: {detail['path']}: {detail['reason']}"
    return f"note: {detail['note']}"


@app.command()
def export(
    ctx: typer.Context,
    model: str = typer.Argument(..., metavar="MODEL", help="Model id or name."),
    fmt: str = typer.Option("cyclonedx", "--format", "-f", help=" or ".join(EXPORT_FORMATS)),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
) -> None:
    """Export a model's passport as CycloneDX 1.6 (validated) or SPDX 3.0.1 JSON-LD."""
    with open_store(ctx) as store:
        model_id = resolve(store, model, MODEL)
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
    organisation: str | None = typer.Option(None, "--org", help="Provider id or name."),
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
            organisation=resolve_optional(store, organisation, ORGANISATION),
            country=country.upper() if country else None,
            accessibility=accessibility,
            min_flop=min_flop,
            max_flop=max_flop,
            search=search,
        )
        page = RegistryService(store).models(operator(store), query, PageRequest(cursor, limit))
    columns = ["id", "name", "accessibility", "training_flop", "completeness"]
    _page(page, as_json, columns, "Models", {"training_flop": units.flop, "completeness": units.percent})


@app.command()
def deployments(
    ctx: typer.Context,
    organisation: str | None = typer.Option(None, "--org", help="Deployer id or name."),
    model: str | None = typer.Option(None, "--model", help="Model id or name."),
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
            organisation=resolve_optional(store, organisation, ORGANISATION),
            model=resolve_optional(store, model, MODEL),
            country=country.upper() if country else None,
            sector=sector,
            search=search,
        )
        page = RegistryService(store).deployments(operator(store), query, PageRequest(cursor, limit))
    _page(page, as_json, ["id", "name", "sector", "decision_critical", "model_id"], "Deployments")


@app.command()
def show(
    ctx: typer.Context,
    reference: str = typer.Argument(..., metavar="ID_OR_NAME"),
    as_json: bool = JsonOption,
) -> None:
    """Show a model (with its passport), a deployment or an organisation, by id or name."""
    with open_store(ctx) as store:
        entity_id = resolve(store, reference, ANY)
        registry, who = RegistryService(store), operator(store)
        for lookup in (registry.model, registry.deployment, registry.organisation):
            try:
                found = lookup(who, entity_id)
                break
            except NotFound:
                continue
        else:
            raise NotFound(f"no model, deployment or organisation {entity_id!r}")
    emit(plain(found), as_json)


@app.command("add-deployment")
def add_deployment(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name"),
    deployer: str = typer.Option(..., "--deployer", help="Deployer organisation id or name."),
    model: str = typer.Option(..., "--model", help="Model id or name."),
    sector: Sector = typer.Option(..., "--sector"),
    jurisdiction: list[str] = typer.Option(..., "--jurisdiction", "-j", help="Repeat for several."),
    decision_critical: bool = typer.Option(False, "--decision-critical"),
    exposure: Decimal | None = typer.Option(None, "--exposure", help="Economic exposure (amount)."),
    currency: str = typer.Option("EUR", "--currency"),
    users: int | None = typer.Option(None, "--users", min=0),
    start: str | None = typer.Option(None, "--start", help="Start date, YYYY-MM-DD."),
    fallback: list[str] = typer.Option([], "--fallback", help="Fallback model id or name; repeat."),
    host: str | None = typer.Option(None, "--host", help="Hosting compute provider id or name."),
    annex_iii: list[str] = typer.Option(
        [],
        "--annex-iii",
        help="A point of Annex III of the EU AI Act the intended use falls under, e.g. 5(b); repeat; "
        "'none' when it falls under none. Left out, the rules that read it stay undetermined.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Register a deployment of a model (a filing in the log)."""
    with open_store(ctx) as store:
        content: dict[str, Any] = {
            "name": name,
            "deployer_id": resolve(store, deployer, ORGANISATION),
            "model_id": resolve(store, model, MODEL),
            "sector": sector.value,
            "jurisdictions": jurisdiction,
            "decision_critical": decision_critical,
            "user_population": users,
            "start_date": start,
            "fallback_model_ids": [resolve(store, item, MODEL) for item in fallback],
            "hosting_provider_id": resolve_optional(store, host, ORGANISATION),
        }
        if annex_iii:
            content["annex_iii_uses"] = [use for use in annex_iii if use.lower() != "none"]
        if exposure is not None:
            content["economic_exposure"] = {"amount": str(exposure), "currency": currency.upper()}
        registration = parse(DeploymentRegistration, content, "deployment")
        emit(plain(RegistryService(store).register_deployment(registration, by=operator(store))), as_json)


@app.command()
def notify(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model id or name."),
    regards: str = typer.Option("EU AI Act Art. 52(1)", "--regards", help="The provision it answers."),
    authority: str = typer.Option("European Commission (AI Office)", "--authority", help="Who was notified."),
    training_flop: float = typer.Option(
        ...,
        "--training-flop",
        help="Compute meeting the threshold, FLOP, to two significant figures (2.3e25).",
    ),
    method: str = typer.Option(..., "--method", help="How the compute was estimated."),
    planned: bool = typer.Option(False, "--planned", help="The figure is planned compute, not yet spent."),
    arguments: str | None = typer.Option(
        None, "--arguments", help="Art. 52(2): why the model, exceptionally, presents no systemic risk."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Record a provider's notification that a model meets, or will meet, a threshold (a filing)."""
    with open_store(ctx) as store:
        notification = parse(
            NotificationFiled,
            {
                "regards": regards,
                "authority": authority,
                "training_flop": training_flop,
                "planned": planned,
                "estimation_method": method,
                "arguments": arguments,
            },
            "notification",
        )
        found = RegistryService(store).file_notification(
            resolve(store, model, MODEL), notification, by=operator(store)
        )
    emit(plain(found), as_json)


@app.command()
def document(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model id or name."),
    file: Path = typer.Argument(
        ...,
        help="JSON or YAML: document_sha256, general_description, development and, for a model "
        "with systemic risk, systemic_risk (EU AI Act Annex XI).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """File a model's technical documentation (EU AI Act Art. 53(1)(a), Annex XI) (a filing)."""
    documentation = parse(TechnicalDocumentation, read_document(file), "technical documentation")
    with open_store(ctx) as store:
        found = RegistryService(store).file_documentation(
            resolve(store, model, MODEL), documentation, by=operator(store)
        )
    emit(plain(found), as_json)
