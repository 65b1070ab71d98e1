"""``custos incident``: report incidents involving models, follow them with reports, list and
read them; confirm, close and publish them (the operator, a supervisor)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer

from custos.access.service import operator
from custos.cli.context import open_store
from custos.cli.output import JsonOption, ReasonOption, commands, emit, plain
from custos.cli.resolve import DEPLOYMENT, MODEL, resolve
from custos.core.errors import InvalidInput
from custos.filings import parse
from custos.oversight.incidents import IncidentService
from custos.oversight.model import (
    IncidentDisclosed,
    IncidentFact,
    IncidentPublished,
    IncidentReported,
    IncidentUpdated,
    ReporterRole,
    Severity,
)
from custos.oversight.views import IncidentView
from custos.store.incident_views import IncidentQuery

app = commands("Incidents involving models.")
Step = Callable[..., IncidentView]  # a supervisor's step on an incident: confirm or close
STATUSES = ("open", "confirmed", "closed")
COLUMNS = ("id", "status", "severity", "model_ids", "occurred_at", "reported_at", "published_at")


@app.command()
def report(
    ctx: typer.Context,
    model: list[str] = typer.Option(..., "--model", help="A model involved, id or name; repeat for several."),
    severity: Severity = typer.Option(
        ..., "--severity", help="OECD level: hazard, serious_hazard, incident, serious."
    ),
    summary: str = typer.Option(..., "--summary", help="Confidential to the reporter and supervisors."),
    occurred_at: datetime | None = typer.Option(None, "--occurred-at", help="UTC; now if not given."),
    discovered_at: datetime | None = typer.Option(
        None,
        "--discovered-at",
        help="UTC; when it was discovered or determined: the reporting clocks run from it.",
    ),
    imminent_risk: bool = typer.Option(
        False, "--imminent-risk", help="It poses an imminent risk of death or serious physical injury."
    ),
    deployment: list[str] = typer.Option(
        [], "--deployment", help="A deployment involved, id or name; repeat for several."
    ),
    harm: list[str] = typer.Option([], "--harm", help="An OECD harm type; repeat for several."),
    fact: list[IncidentFact] = typer.Option([], "--fact", help="A fact the definitions turn on; repeat."),
    affected_people: int | None = typer.Option(None, "--affected-people", min=0),
    jurisdiction: list[str] = typer.Option([], "--jurisdiction", help="An affected jurisdiction; repeat."),
    reporter_role: ReporterRole | None = typer.Option(None, "--reporter-role"),
    incomplete: bool = typer.Option(False, "--incomplete", help="An incomplete initial report (Art. 73(5))."),
    as_json: bool = JsonOption,
) -> None:
    """Report an incident (the initial report): it starts the reporting clocks of every model and
    deployment it names; a serious one holds back rollouts that gate on it until closed."""
    when = (occurred_at or datetime.now(UTC)).replace(tzinfo=UTC)
    with open_store(ctx) as store:
        content: dict[str, object] = {
            "model_ids": [resolve(store, name, MODEL) for name in model],
            "severity": severity.value,
            "summary": summary,
            "occurred_at": when,
            "imminent_risk": imminent_risk,
        }
        optional: dict[str, object] = {
            "deployment_ids": [resolve(store, name, DEPLOYMENT) for name in deployment],
            "harm_types": list(harm),
            "facts": [f.value for f in fact],
            "affected_jurisdictions": list(jurisdiction),
            "affected_people": affected_people,
            "reporter_role": reporter_role.value if reporter_role else None,
            "incomplete": incomplete or None,
            "discovered_at": discovered_at.replace(tzinfo=UTC) if discovered_at else None,
        }
        content |= {name: value for name, value in optional.items() if value is not None and value != []}
        reported = IncidentService(store).report(
            parse(IncidentReported, content, "incident"), by=operator(store)
        )
    _emit(reported, as_json)


@app.command("list")
def list_incidents(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="open, confirmed or closed."),
    limit: int = typer.Option(100, "--limit", min=1, max=500),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = JsonOption,
) -> None:
    """Incidents, newest first (the operator sees every one)."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    with open_store(ctx) as store:
        found = IncidentService(store).list(
            IncidentQuery(status=status), by=operator(store), limit=limit, offset=offset
        )
    if as_json:
        emit(plain(found), True)
        return
    emit(plain(list(found.incidents)), False, COLUMNS, f"Incidents ({found.total})")


@app.command()
def show(ctx: typer.Context, incident_id: str, as_json: bool = JsonOption) -> None:
    """One incident in full: its classifications, every clock it started, the reports that followed."""
    with open_store(ctx) as store:
        _emit(IncidentService(store).get(incident_id, by=operator(store)), as_json)


@app.command()
def update(
    ctx: typer.Context,
    incident_id: str,
    stage: str = typer.Option(..., "--stage", help="follow_up or final."),
    learned: str = typer.Option(..., "--learned", help="What was learned since the last report."),
    corrective_measures: str | None = typer.Option(None, "--corrective-measures"),
    root_cause: str | None = typer.Option(None, "--root-cause"),
    as_json: bool = JsonOption,
) -> None:
    """File a follow-up or final report on an incident (a filing)."""
    content = {"incident_id": incident_id, "stage": stage, "learned": learned}
    content |= {
        name: value
        for name, value in (("corrective_measures", corrective_measures), ("root_cause", root_cause))
        if value is not None
    }
    body = parse(IncidentUpdated, content, "report")
    with open_store(ctx) as store:
        filed = IncidentService(store).update(body, by=operator(store))
    emit(plain(filed), as_json)


@app.command()
def publish(
    ctx: typer.Context,
    incident_id: str,
    summary: str = typer.Option(..., "--summary", help="The public summary, redacted as it must be."),
    as_json: bool = JsonOption,
) -> None:
    """Publish an incident with a public summary (supervisors)."""
    body = parse(IncidentPublished, {"summary": summary}, "publication")
    with open_store(ctx) as store:
        _emit(IncidentService(store).publish(incident_id, body, by=operator(store)), as_json)


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


# Imported incident history (the AI Incident Database's snapshot) has its own module.
from custos.cli.incident_history_cmds import history, import_aiid  # noqa: E402

app.command("import-aiid")(import_aiid)
app.command("history")(history)
