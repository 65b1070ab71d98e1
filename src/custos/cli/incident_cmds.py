"""``custos incident``: report and close incidents involving models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer

from custos.access.service import operator
from custos.cli.context import open_store
from custos.cli.output import JsonOption, ReasonOption, commands, emit, plain
from custos.cli.resolve import DEPLOYMENT, MODEL, resolve
from custos.filings import parse
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentDisclosed, IncidentReported, Severity
from custos.oversight.views import IncidentView

app = commands("Incidents involving models.")
Step = Callable[..., IncidentView]  # a supervisor's step on an incident: confirm or close


@app.command()
def report(
    ctx: typer.Context,
    model: str = typer.Option(..., "--model", help="Model id or name."),
    severity: Severity = typer.Option(..., "--severity"),
    summary: str = typer.Option(..., "--summary"),
    occurred_at: datetime | None = typer.Option(None, "--occurred-at", help="UTC; now if not given."),
    discovered_at: datetime | None = typer.Option(
        None,
        "--discovered-at",
        help="UTC; when it was discovered or determined: the reporting clocks run from it.",
    ),
    imminent_risk: bool = typer.Option(
        False, "--imminent-risk", help="It poses an imminent risk of death or serious physical injury."
    ),
    deployment: str | None = typer.Option(
        None, "--deployment", help="The deployment it happened in, id or name."
    ),
    death: bool = typer.Option(False, "--death", help="It caused a person's death."),
    widespread: bool = typer.Option(
        False, "--widespread", help="A widespread infringement, or a disruption of critical infrastructure."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Report an incident; a serious one holds back rollouts that gate on it until closed."""
    when = (occurred_at or datetime.now(UTC)).replace(tzinfo=UTC)
    with open_store(ctx) as store:
        model_id = resolve(store, model, MODEL)
        content: dict[str, object] = {
            "model_id": model_id,
            "severity": severity.value,
            "summary": summary,
            "occurred_at": when,
            "imminent_risk": imminent_risk,
            "death": death,
            "widespread_or_critical_infrastructure": widespread,
        }
        if deployment is not None:
            content["deployment_id"] = resolve(store, deployment, DEPLOYMENT)
        if discovered_at is not None:
            content["discovered_at"] = discovered_at.replace(tzinfo=UTC)
        reported = IncidentService(store).report(
            parse(IncidentReported, content, "incident"), by=operator(store)
        )
    _emit(reported, as_json)


@app.command()
def disclose(
    ctx: typer.Context,
    incident_id: str,
    authority: str = typer.Option(
        ..., "--authority", help="To whom: a law enforcement or public safety agency."
    ),
    disclosed_at: datetime | None = typer.Option(None, "--disclosed-at", help="UTC; now if not given."),
    as_json: bool = JsonOption,
) -> None:
    """Record the disclosure of an incident to an authority outside the supervisor (a filing)."""
    when = (disclosed_at or datetime.now(UTC)).replace(tzinfo=UTC)
    disclosure = parse(
        IncidentDisclosed,
        {"incident_id": incident_id, "authority": authority, "disclosed_at": when},
        "disclosure",
    )
    with open_store(ctx) as store:
        disclosed = IncidentService(store).disclose(disclosure, by=operator(store))
    _emit(disclosed, as_json)


@app.command()
def confirm(
    ctx: typer.Context, incident_id: str, reason: str = ReasonOption, as_json: bool = JsonOption
) -> None:
    """Confirm a third party's report: a serious one then holds back rollouts of the model."""
    _step(ctx, incident_id, reason, as_json, IncidentService.confirm)


@app.command()
def close(
    ctx: typer.Context, incident_id: str, reason: str = ReasonOption, as_json: bool = JsonOption
) -> None:
    """Close an incident, with the reason (supervisors)."""
    _step(ctx, incident_id, reason, as_json, IncidentService.close)


def _step(ctx: typer.Context, incident_id: str, reason: str, as_json: bool, step: Step) -> None:
    with open_store(ctx) as store:
        taken = step(IncidentService(store), incident_id, reason, by=operator(store))
    _emit(taken, as_json)


def _emit(incident: IncidentView, as_json: bool) -> None:
    """The incident as the API answers it: what the step carries, nothing null in its place."""
    emit(plain(incident), as_json)
