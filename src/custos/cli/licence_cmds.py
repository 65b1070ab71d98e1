"""``custos licence`` and ``custos decide``: licences and the decision point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from custos.access.service import operator
from custos.cli.context import open_store
from custos.cli.documents import read_document
from custos.cli.output import JsonOption, ReasonOption, commands, emit, plain
from custos.cli.resolve import MODEL, ORGANISATION, resolve, resolve_optional
from custos.core import units
from custos.core.errors import InvalidInput
from custos.filings import parse
from custos.licensing.compliance import sweep
from custos.licensing.decision import Context, DecisionPoint
from custos.licensing.model import LicenceApplication, LicenceStatus, LicenceStep, Transition
from custos.licensing.recognition import RecognitionAgreed
from custos.licensing.recognition_service import RecognitionService
from custos.licensing.service import LicensingService
from custos.licensing.views import DecisionView
from custos.registry.model import Sector

app = commands("Licences: applications, decisions, suspensions.")
COLUMNS = ["id", "status", "applicant_id", "model_id", "valid_until"]


@app.command()
def apply(
    ctx: typer.Context,
    model: str = typer.Option(..., "--model", help="Model id or name."),
    applicant: str = typer.Option(..., "--applicant", help="Applicant organisation id or name."),
    jurisdiction: list[str] = typer.Option(..., "--jurisdiction", "-j", help="Repeat for several."),
    sector: list[Sector] = typer.Option([], "--sector", help="Repeat; none means every sector."),
    capability_class: list[str] = typer.Option([], "--class", help="Repeat; none means every class."),
    max_users: int | None = typer.Option(None, "--max-users", min=1),
    term_months: int = typer.Option(12, "--term-months", min=1, max=120),
    as_json: bool = JsonOption,
) -> None:
    """Apply for a licence for a model (a filing in the log)."""
    scope = {
        "jurisdictions": jurisdiction,
        "sectors": [s.value for s in sector],
        "capability_classes": capability_class,
        "max_users": max_users,
    }
    with open_store(ctx) as store:
        content = {
            "applicant_id": resolve(store, applicant, ORGANISATION),
            "model_id": resolve(store, model, MODEL),
            "scope": scope,
            "term_months": term_months,
        }
        application = parse(LicenceApplication, content, "licence application")
        emit(plain(LicensingService(store).apply(application, by=operator(store))), as_json)


@app.command()
def decide(
    ctx: typer.Context,
    licence_id: str,
    transition: Transition = typer.Argument(
        ..., help="grant, refuse, suspend, reinstate, vary, revoke, expire"
    ),
    reason: str | None = typer.Option(None, "--reason"),
    terms: Path | None = typer.Option(
        None, "--terms", help="JSON file: conditions, valid_from, valid_until, scope."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Decide a licence: grant (with conditions), refuse, suspend, reinstate, vary, revoke, expire."""
    content: dict[str, Any] = {}
    if terms is not None:
        found = read_document(terms)
        if not isinstance(found, dict):
            raise InvalidInput(f"{terms} holds no mapping of terms")
        content = found
    if reason is not None:
        content["reason"] = reason
    if transition not in (Transition.GRANT,) and not content.get("reason"):
        raise InvalidInput(f"give the --reason to {transition.value} a licence")
    step = parse(LicenceStep, content, "licence terms")
    with open_store(ctx) as store:
        emit(plain(LicensingService(store).decide(licence_id, transition, step, by=operator(store))), as_json)


def _shortcut(transition: Transition) -> None:
    def command(
        ctx: typer.Context,
        licence_id: str,
        reason: str = ReasonOption,
        as_json: bool = JsonOption,
    ) -> None:
        step = parse(LicenceStep, {"reason": reason}, "licence terms")
        with open_store(ctx) as store:
            emit(
                plain(LicensingService(store).decide(licence_id, transition, step, by=operator(store))),
                as_json,
            )

    command.__doc__ = f"{transition.value.capitalize()} a licence, with the reason."
    app.command(transition.value)(command)


for _transition in (Transition.SUSPEND, Transition.REINSTATE, Transition.REVOKE):
    _shortcut(_transition)


@app.command()
def show(ctx: typer.Context, licence_id: str, as_json: bool = JsonOption) -> None:
    """A licence: its scope, status, conditions and their state, and its history."""
    with open_store(ctx) as store:
        emit(plain(LicensingService(store).show(operator(store), licence_id)), as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: LicenceStatus | None = typer.Option(None, "--status"),
    model: str | None = typer.Option(None, "--model", help="Model id or name."),
    as_json: bool = JsonOption,
) -> None:
    """Licences, newest change first, by status or model."""
    with open_store(ctx) as store:
        model_id = resolve_optional(store, model, MODEL)
        emit(
            plain(
                LicensingService(store).list(
                    operator(store), status=status.value if status else None, model=model_id
                )
            ),
            as_json,
            COLUMNS,
            "Licences",
            {"valid_until": units.timestamp},
        )


@app.command("sweep")
def sweep_command(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Check every granted licence's conditions; suspend those whose lapsed conditions say so."""
    with open_store(ctx) as store:
        emit(plain(sweep(store, by=operator(store))), as_json)


@app.command()
def recognise(
    ctx: typer.Context,
    recognising: str = typer.Option(..., "--recognising", help="The jurisdiction that recognises (A)."),
    recognised: str = typer.Option(..., "--recognised", help="The jurisdiction whose licences count (B)."),
    sector: list[Sector] = typer.Option([], "--sector", help="Repeat; none means every sector."),
    capability_class: list[str] = typer.Option([], "--class"),
    as_json: bool = JsonOption,
) -> None:
    """Agree that one jurisdiction recognises another's licences (a filing in the log)."""
    content = {
        "recognising": recognising,
        "recognised": recognised,
        "sectors": [s.value for s in sector],
        "capability_classes": capability_class,
    }
    agreement = parse(RecognitionAgreed, content, "recognition agreement")
    with open_store(ctx) as store:
        emit(plain(RecognitionService(store).agree(agreement, by=operator(store))), as_json)


@app.command()
def recognitions(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    with open_store(ctx) as store:
        emit(
            plain(RecognitionService(store).list()),
            as_json,
            ["id", "status", "recognising", "recognised"],
            "Recognitions",
        )


@app.command("end-recognition")
def end_recognition(
    ctx: typer.Context,
    agreement_id: str,
    reason: str = ReasonOption,
    as_json: bool = JsonOption,
) -> None:
    with open_store(ctx) as store:
        emit(plain(RecognitionService(store).end(agreement_id, reason, by=operator(store))), as_json)


def decision(
    ctx: typer.Context,
    deployer: str = typer.Option(..., "--deployer", help="Deployer organisation id or name."),
    model: str = typer.Option(..., "--model", help="Model id or name."),
    jurisdiction: str = typer.Option(..., "--jurisdiction", "-j"),
    sector: str | None = typer.Option(None, "--sector"),
    users: int | None = typer.Option(None, "--users", min=0),
    capability_class: str | None = typer.Option(None, "--class"),
    subject_key: str | None = typer.Option(None, "--subject-key"),
    as_json: bool = JsonOption,
) -> None:
    """May this deployer serve this request with this model, now? Exit code 1 when denied."""
    with open_store(ctx) as store:
        point = DecisionPoint(store)
        deployer_id, model_id = resolve(store, deployer, ORGANISATION), resolve(store, model, MODEL)
        point.require_known(deployer_id, model_id)
        result = point.decide(
            deployer_id, model_id, Context(jurisdiction.upper(), sector, users, capability_class, subject_key)
        )
    emit(plain(DecisionView.model_validate(result, from_attributes=True)), as_json)
    if not result.allow:
        raise typer.Exit(1)
