"""``custos finding``: red-team findings, their clocks and the escalation sweep, as the operator
(a supervisor of the installation)."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import typer

from custos.access.service import operator
from custos.assurance.finding_views import FindingView, Status
from custos.assurance.findings import FindingService
from custos.assurance.findings_model import (
    FindingAcknowledged,
    FindingMitigated,
    FindingPublished,
    FindingReopened,
    FindingReported,
)
from custos.cli.context import open_store
from custos.cli.documents import read_document
from custos.cli.output import JsonOption, ReasonOption, commands, emit, plain
from custos.cli.resolve import SUBJECT, resolve
from custos.core import units
from custos.core.errors import InvalidInput
from custos.filings import parse
from custos.policy.pack import Severity
from custos.store.finding_views import FindingQuery

app = commands("Red-team findings, their clocks and escalation.")
COLUMNS = ("id", "severity", "status", "clock", "due_at")


@app.command()
def report(ctx: typer.Context, file: Path, as_json: bool = JsonOption) -> None:
    """Report a finding from a YAML or JSON file (subject_id, severity, source, found_at,
    category, reproducibility, title, details, reproduction)."""
    finding = parse(FindingReported, read_document(file), "finding")
    with open_store(ctx) as store:
        _emit(FindingService(store).report(finding, by=operator(store)), as_json)


@app.command("list")
def list_findings(
    ctx: typer.Context,
    severity: Severity | None = typer.Option(None, "--severity"),
    status: str | None = typer.Option(None, "--status", help="reported, acknowledged, mitigated or closed."),
    subject: str | None = typer.Option(None, "--subject", help="A model or deployment, id or name."),
    limit: int = typer.Option(100, "--limit", min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """Findings with their running clocks, and counts by severity."""
    if status is not None and status not in get_args(Status):
        raise InvalidInput(f"unknown status {status!r}; one of {', '.join(get_args(Status))}")
    with open_store(ctx) as store:
        subject_id = resolve(store, subject, SUBJECT) if subject else None
        query = FindingQuery(severity=severity.value if severity else None, status=status, subject=subject_id)
        found = FindingService(store).list(query, by=operator(store), limit=limit)
    if as_json:
        emit(plain(found), True)
        return
    emit(plain(list(found.findings)), False, COLUMNS, "Findings", {"due_at": units.timestamp})
    emit(", ".join(f"{severity}: {count}" for severity, count in found.counts.items()), False)


@app.command()
def show(ctx: typer.Context, finding_id: str, as_json: bool = JsonOption) -> None:
    """One finding in full, with the clock running on it."""
    with open_store(ctx) as store:
        _emit(FindingService(store).get(finding_id, by=operator(store)), as_json)


@app.command()
def acknowledge(
    ctx: typer.Context,
    finding_id: str,
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = JsonOption,
) -> None:
    """Acknowledge a reported finding: the mitigation clock starts."""
    step = parse(FindingAcknowledged, {"note": note} if note else {}, "acknowledgement")
    with open_store(ctx) as store:
        _emit(FindingService(store).acknowledge(finding_id, step, by=operator(store)), as_json)


@app.command()
def mitigate(
    ctx: typer.Context,
    finding_id: str,
    description: str = typer.Option(..., "--description", help="What was done about it."),
    as_json: bool = JsonOption,
) -> None:
    """Record the mitigation of an acknowledged finding: the retest clock starts."""
    step = parse(FindingMitigated, {"description": description}, "mitigation")
    with open_store(ctx) as store:
        _emit(FindingService(store).mitigate(finding_id, step, by=operator(store)), as_json)


@app.command()
def reopen(
    ctx: typer.Context, finding_id: str, reason: str = ReasonOption, as_json: bool = JsonOption
) -> None:
    """Reopen a closed finding: it needs mitigating again, on a new clock."""
    step = parse(FindingReopened, {"reason": reason}, "reopening")
    with open_store(ctx) as store:
        _emit(FindingService(store).reopen(finding_id, step, by=operator(store)), as_json)


@app.command()
def publish(
    ctx: typer.Context,
    finding_id: str,
    summary: str = typer.Option(..., "--summary", help="The public summary."),
    as_json: bool = JsonOption,
) -> None:
    """Publish a closed finding's public summary."""
    step = parse(FindingPublished, {"summary": summary}, "publication")
    with open_store(ctx) as store:
        _emit(FindingService(store).publish(finding_id, step, by=operator(store)), as_json)


@app.command()
def sweep(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Climb the escalation ladder for every finding whose clock ran out (each rung once)."""
    with open_store(ctx) as store:
        taken = FindingService(store).sweep(by=operator(store))
    rows = plain(list(taken.escalations))
    columns = ("finding_id", "step", "clock", "due_at", "licences", "rollouts_held", "jurisdictions")
    emit(rows, as_json, None if as_json else columns, "Escalations", {"due_at": units.timestamp})


def _emit(finding: FindingView, as_json: bool) -> None:
    emit(
        plain(finding),
        as_json,
        formats={name: units.timestamp for name in ("due_at", "found_at", "reported_at")},
    )
