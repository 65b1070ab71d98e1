"""``custos risk``: systemic stress tests, and single-shot contagion tools for analysts."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
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
from custos.risk.requests import ReverseStressRequest, RunRequest
from custos.risk.views import (
    Headline,
    MonteCarlo,
    MonteCarloError,
    PrecisionResult,
    ReverseStressView,
    RunResults,
    RunStatus,
)

app = commands("Systemic stress tests: dependency networks, correlated failures, contagion.")


class ClearingModel(StrEnum):
    EN = "en"
    RV = "rv"


def _share(text: str) -> float:
    """A share written as a percentage (1%) or a fraction (0.01), above 0 and below 1."""
    written = text.strip()
    try:
        share = float(written[:-1]) / 100 if written.endswith("%") else float(written)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a share: write 1% or 0.01") from None
    if not 0 < share < 1:
        raise typer.BadParameter(f"{text!r} is not above 0% and below 100%")
    return share


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
        if results is not None and results.fire_sales is not None:
            second_round = results.system.expected_second_round_loss or 0.0
            rows.append({"measure": "fire sales, 2nd round", "value": amount(second_round)})
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
    if results is not None and results.precision is not None:
        console.print(_precision(results.precision), highlight=False)
    if results is not None:
        top = sorted(results.providers, key=lambda r: -r.expected_shortfall_contribution)[:10]
        table(
            [
                {
                    "name": r.name,
                    "layer": r.layer,
                    "ES contribution (Shapley)": amount(r.expected_shortfall_contribution),
                    "loss alone": amount(r.loss_alone),
                    "linchpin": "yes" if r.uninsurable_linchpin else "",
                }
                for r in top
            ],
            ["name", "layer", "ES contribution (Shapley)", "loss alone", "linchpin"],
            title="Systemic importance",
            formats={"ES contribution (Shapley)": str, "loss alone": str},
        )
        if results.attribution is not None:
            shared = results.attribution
            console.print(
                f"ES contributions: {shared.method}; asset markets {amount(shared.markets)}.",
                highlight=False,
            )
        _deployer_buffers(results, amount)


def _deployer_buffers(results: RunResults, amount: Callable[[float], str]) -> None:
    """Each deployer's buffers, summed over its deployments: what its capital declarations and its
    pool calls are checked against (an institution's own figures, its losses as a balance sheet
    with contagion, are in the report)."""
    layers = ("capital", "insurance_requirement", "premium", "pool_contribution")
    sums: dict[str, dict[str, float]] = {}
    for row in results.deployments:
        held = sums.setdefault(row.owner, dict.fromkeys(layers, 0.0))
        for layer in layers:
            held[layer] += getattr(row, layer) or 0.0
    labels = dict(zip(layers, ("capital", "insurance layer", "premium", "pool share"), strict=True))
    top = sorted(sums.items(), key=lambda item: -item[1]["capital"])[:10]
    table(
        [{"deployer": owner, **{labels[k]: amount(v) for k, v in held.items()}} for owner, held in top],
        ["deployer", *labels.values()],
        title="Buffers per deployer: capital, then an insurance layer above it, then the pool",
        formats=dict.fromkeys(labels.values(), str),
    )


def _precision(precision: PrecisionResult) -> str:
    """One line on a run drawn to a target error: the rounds' draws and errors, and the outcome."""
    rounds = ", ".join(
        f"{units.count(r.draws)} draws: "
        + ("no error yet" if r.relative_standard_error is None else units.percent(r.relative_standard_error))
        for r in precision.rounds
    )
    target = units.percent(precision.target_relative_standard_error)
    outcome = "reached" if precision.reached else f"not reached ({precision.reason})"
    return f"Target relative standard error {target} of the {precision.figure}: {outcome}; {rounds}."


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
    target_se: float | None = typer.Option(
        None,
        "--target-se",
        parser=_share,
        metavar="SHARE",
        help="Draw until the relative standard error of the expected shortfall at the capital level is "
        "at most this (1% or 0.01), doubling the draws at least each round.",
    ),
    max_draws: int | None = typer.Option(
        None, "--max-draws", help="With --target-se: the most draws to make (default 10,000,000)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Run a stress test, file it in the log, and write its results and report."""
    path = scenario_file(scenario)
    text = path.read_text(encoding="utf-8")
    fields = {"scenario": text, "network": network, "target_se": target_se, "max_draws": max_draws}
    request = parse(RunRequest, fields, f"stress-test run of {path.name}")
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


def _amount(text: str) -> tuple[float, str | None]:
    """An amount as the tables print it (EUR 2 bn, 2.5 m, 1,500,000) or a plain number, with the
    currency when it names one."""
    words = text.replace(",", "").split()
    currency = words.pop(0).upper() if len(words) > 1 and words[0].isalpha() else None
    scales = {word: scale for scale, word in units.SCALES}
    scale = scales[words.pop()] if len(words) > 1 and words[-1] in scales else 1.0
    try:
        (figure,) = words
        value = float(figure) * scale
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an amount: write EUR 2 bn, 2 bn or 2000000000") from None
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"{text!r} is not a positive amount")
    return value, currency


def _print_reverse(found: ReverseStressView) -> None:
    currency = found.network.currency
    money = functools.partial(units.money, currency=currency)
    console.print(
        f"[bold]Reverse stress test[/bold]  {found.scenario} on {found.network.name}: the fewest failures "
        f"losing at least {money(found.threshold)}",
        highlight=False,
    )
    if found.size is None:
        console.print(
            f"No set breaches it: even every unit failing loses {money(found.worst.loss)}.", highlight=False
        )
    elif found.size == 0:
        alone = money(found.baseline)
        console.print(f"No failure is needed: the asset moves alone lose {alone}.", highlight=False)
    else:
        rows = [
            {"failures": " + ".join(unit.name for unit in chosen.units), "system loss": money(chosen.loss)}
            for chosen in found.sets
        ]
        more = f" (of {units.count(found.breaching)})" if found.breaching > len(found.sets) else ""
        title = f"Sets of {found.size} that breach{more}"
        table(rows, ["failures", "system loss"], title=title, formats={"system loss": str})
    console.print(f"Method: {found.explanation}.", highlight=False)
    console.print(
        f"{units.count(found.evaluated)} sets evaluated; asset moves: {found.asset_moves}; with nothing "
        f"failing the loss is {money(found.baseline)}.",
        highlight=False,
    )


@app.command()
def reverse(
    ctx: typer.Context,
    threshold: str = typer.Option(
        ..., "--threshold", metavar="AMOUNT", help="The system loss to reach: EUR 2 bn, 2 bn or 2000000000."
    ),
    scenario: str = typer.Option(
        ...,
        "--scenario",
        help="A scenario file (YAML) or a shipped example's name: its loss rates and contagion apply.",
    ),
    network: str | None = typer.Option(
        None,
        "--network",
        help="Overrides the network the scenario names: a directory or a network's name (sample, "
        "registry, or one under <home>/networks).",
    ),
    candidates: int = typer.Option(20, "--candidates", help="Units searched exhaustively, by loss alone."),
    max_size: int = typer.Option(4, "--max-size", help="The largest set searched exhaustively."),
    as_json: bool = JsonOption,
) -> None:
    """The fewest provider or model failures whose system loss reaches a threshold."""
    amount, currency = _amount(threshold)
    path = scenario_file(scenario)
    fields = {
        "scenario": path.read_text(encoding="utf-8"),
        "network": network,
        "threshold": amount,
        "candidates": candidates,
        "max_size": max_size,
    }
    request = parse(ReverseStressRequest, fields, f"reverse stress test of {path.name}")
    with open_store(ctx) as store:
        found = RiskService(store).reverse_stress(
            request, by=operator(store), origin=path.name, folder=path.parent
        )
    if currency is not None and currency != found.network.currency:
        raise InvalidInput(
            f"the threshold is in {currency}, the network's amounts in {found.network.currency}",
            evidence={"entry": "threshold", "value": threshold},
        )
    if as_json:
        print_json(plain(found))
        return
    _print_reverse(found)


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
