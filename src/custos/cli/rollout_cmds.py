"""``custos rollout``: phased deployment plans, promotion, hold and rollback."""

from __future__ import annotations

from pathlib import Path

import typer

from custos.access.service import operator
from custos.cli.context import open_store
from custos.cli.documents import read_document
from custos.cli.output import JsonOption, ReasonOption, commands, emit, plain
from custos.core.errors import InvalidInput
from custos.filings import parse
from custos.licensing.rollout import MetricsReported, RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.licensing.views import RolloutView

app = commands("Phased rollouts of licensed models.")


def _report(rollout: RolloutView, as_json: bool) -> None:
    """Print where the rollout stands, as the API writes it."""
    emit(plain(rollout), as_json)


@app.command()
def plan(ctx: typer.Context, licence_id: str, file: Path, as_json: bool = JsonOption) -> None:
    """File a rollout plan (JSON or YAML): {"stages": [{"name", "percentage", caps, "gates"}...]}."""
    rollout = parse(RolloutPlanned, read_document(file), "rollout plan")
    with open_store(ctx) as store:
        _report(RolloutService(store).plan(licence_id, rollout, by=operator(store)), as_json)


@app.command()
def promote(
    ctx: typer.Context,
    licence_id: str,
    reason: str = ReasonOption,
    as_json: bool = JsonOption,
) -> None:
    """Move to the next stage if its gates pass."""
    with open_store(ctx) as store:
        _report(RolloutService(store).promote(licence_id, reason, by=operator(store)), as_json)


@app.command()
def report(
    ctx: typer.Context,
    licence_id: str,
    metric: list[str] = typer.Option(..., "--metric", help="NAME=VALUE, e.g. override_rate=0.02"),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = JsonOption,
) -> None:
    """File monitoring figures for the current stage; gates with metric bounds read the latest."""
    values: dict[str, float] = {}
    for item in metric:
        name, _, value = item.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError as exc:
            raise InvalidInput(f"--metric {item!r} is not NAME=NUMBER") from exc
    figures = parse(MetricsReported, {"values": values, **({"note": note} if note else {})}, "figures")
    with open_store(ctx) as store:
        _report(RolloutService(store).report_metrics(licence_id, figures, by=operator(store)), as_json)


@app.command()
def hold(
    ctx: typer.Context,
    licence_id: str,
    reason: str = ReasonOption,
    as_json: bool = JsonOption,
) -> None:
    """Hold the rollout in its stage (a filing): it is not promoted until the supervisor moves it."""
    with open_store(ctx) as store:
        _report(RolloutService(store).hold(licence_id, reason, by=operator(store)), as_json)


@app.command()
def rollback(
    ctx: typer.Context,
    licence_id: str,
    stage: int = typer.Option(..., "--to-stage", min=0),
    reason: str = ReasonOption,
    as_json: bool = JsonOption,
) -> None:
    """Move the rollout back to an earlier stage (a filing), with the reason."""
    with open_store(ctx) as store:
        _report(RolloutService(store).rollback(licence_id, stage, reason, by=operator(store)), as_json)


@app.command()
def status(ctx: typer.Context, licence_id: str, as_json: bool = JsonOption) -> None:
    """The rollout's stage, since when, its gates and which of them are not yet met."""
    with open_store(ctx) as store:
        _report(RolloutService(store).status(licence_id), as_json)
