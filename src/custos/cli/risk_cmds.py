"""``custos risk``: systemic stress tests, and single-shot contagion tools for analysts."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from custos.access.service import operator
from custos.cli.context import open_store
from custos.cli.output import JsonOption, commands, console, emit, plain, print_json, table
from custos.core import units
from custos.core.errors import InvalidInput
from custos.filings import parse
from custos.risk import (
    RiskService,
    clearing_exact,
    debtrank_exact,
    debtrank_single_hit_exact,
    read_matrix,
    read_vector,
    scenario_file,
    shipped_examples,
)
from custos.risk.requests import RunRequest
from custos.risk.views import Headline, MonteCarlo, MonteCarloError, RunResults, RunStatus

app = commands("Systemic stress tests: dependency networks, correlated failures, contagion.")


class ClearingModel(StrEnum):
    EN = "en"
    RV = "rv"


def _interval(error: MonteCarloError | None, currency: str) -> str:
    """A figure's 95% Monte Carlo interval after it (95%: EUR 5.1 bn – 5.6 bn); where there is none,
    a pointer to the reason, printed under the table so that the table stays narrow."""
    if error is None:
        return ""
    if error.interval is None:
        return " (95%: none, see below)"
    low, high = (units.money(bound, currency) for bound in error.interval)
    return f" (95%: {low} – {high.removeprefix(f'{currency} ')})"


def _figures(
    headline: Headline, errors: MonteCarlo | None
) -> list[tuple[str, float, MonteCarloError | None]]:
    """The figures that carry a Monte Carlo error, each with its error when the run has one; the
    expected shortfall at the capital level too, when the levels do not hold it."""
    at_var = errors.value_at_risk if errors is not None else {}
    at_es = errors.expected_shortfall if errors is not None else {}
    shown = headline.expected_shortfall
    level = units.percent
    return [
        ("expected loss", headline.expected_loss, errors.expected_loss if errors is not None else None),
        *((f"VaR {level(float(k))}", v, at_var.get(k)) for k, v in headline.value_at_risk.items()),
        *((f"ES {level(float(k))}", v, at_es.get(k)) for k, v in shown.items()),
        *(
            (f"ES {level(float(k))} (capital level)", e.estimate, e)
            for k, e in at_es.items()
            if k not in shown
        ),
    ]


def _headline(status: RunStatus, results: RunResults | None = None) -> None:
    headline = status.headline
    console.print(f"[bold]{status.scenario}[/bold]  run {status.id}  ({status.state})", highlight=False)
    currency = results.network.currency if results is not None else None

    def amount(value: float) -> str:
        return units.money(value, currency) if currency else units.number(value)

    if headline is not None:
        errors = results.system.monte_carlo if results is not None else None
        figures = _figures(headline, errors)
        rows = [
            {"measure": measure, "value": amount(value) + _interval(error, currency or "")}
            for measure, value, error in figures
        ]
        rows += [
            {"measure": "expected defaults", "value": units.number(headline.expected_defaults, 3)},
            {"measure": "pool", "value": amount(headline.pool)},
            {"measure": "uninsurable linchpins", "value": ", ".join(headline.linchpins) or "none"},
        ]
        table(rows, ["measure", "value"], formats={"value": str})
        if errors is not None:
            console.print(f"Monte Carlo error: {errors.method}.", highlight=False)
            for reason in dict.fromkeys(error.reason for _, _, error in figures if error and error.reason):
                console.print(f"No 95% interval: {reason}.", highlight=False)
    if results is not None:
        top = sorted(results.providers, key=lambda r: -r.expected_shortfall_contribution)[:10]
        table(
            [
                {
                    "name": r.name,
                    "layer": r.layer,
                    "ES contribution": amount(r.expected_shortfall_contribution),
                    "loss alone": amount(r.loss_alone),
                    "linchpin": "yes" if r.uninsurable_linchpin else "",
                }
                for r in top
            ],
            ["name", "layer", "ES contribution", "loss alone", "linchpin"],
            title="Systemic importance",
            formats={"ES contribution": str, "loss alone": str},
        )


def _print_run(status: RunStatus, results: RunResults | None) -> None:
    """A run as ``--json`` prints it: its status and its results (null until it is done)."""
    print_json(
        {
            "status": plain(status),
            "results": plain(results) if results is not None else None,
        }
    )


@app.command()
def run(
    ctx: typer.Context,
    scenario: str = typer.Argument(
        ...,
        metavar="SCENARIO",
        help="A scenario file (YAML), or a shipped example's name (custos risk examples).",
    ),
    network: str | None = typer.Option(
        None,
        "--network",
        help="Overrides the network the scenario names: a directory (manifest.yaml) or a network's name "
        "(sample, registry, or one under <home>/networks). Without either, the registry's deployments.",
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="'local' starts a Dask cluster here; tcp://host:port uses a running one."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Run a stress test, file it in the log, and write its results and report."""
    path = scenario_file(scenario)
    text = path.read_text(encoding="utf-8")
    request = parse(RunRequest, {"scenario": text, "network": network}, f"stress-test run of {path.name}")
    with open_store(ctx) as store:
        service = RiskService(store)
        by = operator(store)
        submission = service.submit(request, by=by, origin=path.name, folder=path.parent)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True, disable=as_json) as progress:
            task = progress.add_task(f"{submission.scenario.draws:,} draws", total=None)
            status = service.execute(
                submission,
                by=by,
                scheduler=scheduler,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        results = service.results(status.id)
    if as_json:
        _print_run(status, results)
        return
    _headline(status, results)
    console.print(f"report: {submission.run.path / 'report.html'}", highlight=False, soft_wrap=True)


@app.command()
def examples(as_json: bool = JsonOption) -> None:
    """The shipped example scenarios, each with the network it names: `custos risk run NAME` runs one."""
    rows = [example.summary() for example in shipped_examples()]
    emit(rows, as_json, ["name", "network", "title", "path"], "Example scenarios")


@app.command()
def report(
    ctx: typer.Context, run_id: str = typer.Argument(..., metavar="RUN"), as_json: bool = JsonOption
) -> None:
    """A run's headline figures, its most important providers, and where its report is."""
    with open_store(ctx) as store:
        service = RiskService(store)
        status = service.status(run_id)
        results = service.results(run_id) if status.state == "done" else None
        path = service.file(run_id, "report.html") if results is not None else None
    if as_json:
        _print_run(status, results)
        return
    _headline(status, results)
    if path is not None:
        console.print(f"report: {path}", highlight=False, soft_wrap=True)


@app.command()
def runs(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Every stress-test run, newest first."""
    with open_store(ctx) as store:
        rows = [plain(status) for status in RiskService(store).runs()]
    emit(rows, as_json, ["id", "scenario", "state", "chunks_done", "chunks", "draws"])


def _vector(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


@app.command()
def clearing(
    model: ClearingModel = typer.Option(
        ClearingModel.EN, "--model", help="en: Eisenberg–Noe; rv: Rogers–Veraart."
    ),
    liabilities: Path = typer.Option(..., "--liabilities", help="CSV: L[i,j] is what i owes j."),
    external_assets: Path = typer.Option(..., "--external-assets", help="CSV: one value per institution."),
    external_liabilities: Path | None = typer.Option(
        None, "--external-liabilities", help="CSV: owed outside."
    ),
    alpha: float = typer.Option(1.0, "--alpha", help="rv: share of external assets realised in default."),
    beta: float = typer.Option(1.0, "--beta", help="rv: share of interbank assets realised in default."),
    as_json: bool = JsonOption,
) -> None:
    """The greatest clearing vector, by the exact default-by-default method."""
    if model is ClearingModel.EN and (alpha, beta) != (1.0, 1.0):
        raise InvalidInput("--alpha and --beta apply to the Rogers–Veraart model (--model rv)")
    outside = read_vector(external_liabilities) if external_liabilities else None
    result = clearing_exact(
        read_matrix(liabilities), read_vector(external_assets), outside, alpha=alpha, beta=beta
    )
    payments, defaulted, equity = (
        _vector(result.payments),
        [bool(d) for d in result.defaulted],
        _vector(result.equity),
    )
    data = {
        "model": model.value,
        "payments": payments,
        "defaulted": defaulted,
        "equity": equity,
        "rounds": result.rounds,
    }
    if as_json:
        print_json(data)
        return
    rows = [
        {"institution": i, "payment": f"{p:.6g}", "defaulted": "yes" if d else "", "equity": f"{e:.6g}"}
        for i, (p, d, e) in enumerate(zip(payments, defaulted, equity, strict=True))
    ]
    table(rows, ["institution", "payment", "defaulted", "equity"], title=f"Clearing vector ({model.value})")


@app.command()
def debtrank(
    exposures: Path = typer.Option(
        ..., "--exposures", help="CSV: W[i,j] is i's exposure to j over i's equity."
    ),
    shock: Path = typer.Option(..., "--shock", help="CSV: each institution's initial relative equity loss."),
    single_hit: bool = typer.Option(
        False, "--single-hit", help="Battiston et al. (2012): each node passes on once."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Relative equity losses after distress spreads (differential DebtRank unless --single-hit)."""
    weights, initial = read_matrix(exposures), read_vector(shock)
    losses = debtrank_single_hit_exact(weights, initial) if single_hit else debtrank_exact(weights, initial)
    data = {"variant": "single-hit" if single_hit else "differential", "h": _vector(losses)}
    if as_json:
        print_json(data)
        return
    rows = [{"institution": i, "relative loss": f"{h:.6g}"} for i, h in enumerate(data["h"])]
    table(rows, ["institution", "relative loss"], title=f"DebtRank ({data['variant']})")
