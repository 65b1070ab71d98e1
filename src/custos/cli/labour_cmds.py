"""``custos labour``: which occupations language models reach, how many workers a path of adoption
could displace, and what cushioning them would cost.

Exposure by occupation group or occupation, the paper's headline checked against the data, the
crosswalk of O*NET occupations to BLS employment, the shipped scenarios and programme designs,
and runs: computed and filed in a fraction of a second, listed, shown and rendered as an HTML
report. Commands act as the installation's operator on the local store, or with ``--url`` and
``--token`` as that token's actor through the installation's API. Everything is public but
starting a run, which is for supervisors: every other command reads over ``--url`` without a
token, and those that read only the shipped data (exposure, headline, crosswalk, scenarios) need no
installation when run locally. Workers are people; money is US dollars at BLS May 2021 wages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import typer

from custos.cli.output import (
    JsonOption,
    commands,
    console,
    figures_table,
    plain,
    print_json,
    print_lines,
    say,
    show,
)
from custos.cli.parsing import terms
from custos.cli.remote import TokenOption, UrlOption, acting
from custos.core import units
from custos.core.errors import InvalidInput

if TYPE_CHECKING:
    from custos.access.model import Principal
    from custos.labor.filings import DistributionRowResult, YearlyPercentiles
    from custos.labor.occupations import Measure
    from custos.labor.requests import RunRequest
    from custos.labor.service import LabourService, ShippedData
    from custos.labor.views import (
        CrosswalkView,
        ExposureView,
        HeadlineView,
        Level,
        ProgrammeView,
        RunSummary,
        RunView,
        ScenarioView,
    )
    from custos.store import Store

app = commands("Labour: occupations exposed to language models, displacement scenarios, safety-net costs.")

MEASURES = ("human_alpha", "human_beta", "human_gamma", "model_alpha", "model_beta", "model_gamma")
LEVELS = ("group", "occupation")
#: Occupations listed at --level occupation, and deployers in a run's levy; --json gives all.
OCCUPATIONS_SHOWN = 30
DEPLOYERS_SHOWN = 10
#: Programmes as a table's columns name them, to fit 80 columns.
SHORT_NAMES = {"unemployment_insurance": "UI", "wage_insurance": "wage insurance", "retraining": "retraining"}
MeasureOption = typer.Option(
    None, "--measure", help=f"The exposure rating: {', '.join(MEASURES)} (human_beta, the paper's, if none)."
)


# -- where a command acts: the local store, or an installation's API --------------------------


class ShippedReads(Protocol):
    """What the shipped data answers, locally without an installation or through the API."""

    def labour_exposure(self, measure: Measure | None = None, *, level: Level = "group") -> ExposureView: ...
    def labour_headline(self) -> HeadlineView: ...
    def labour_crosswalk(self) -> CrosswalkView: ...
    def labour_scenarios(self) -> list[ScenarioView]: ...
    def labour_programmes(self) -> list[ProgrammeView]: ...


class Labour(ShippedReads, Protocol):
    """What the commands ask of an installation, answered by the local service as the operator
    or by ``custos.client`` as the token's actor: the same names and models either way."""

    def start_labour_run(self, request: RunRequest) -> RunView: ...
    def labour_runs(self) -> list[RunSummary]: ...
    def labour_run(self, run_id: str) -> RunView: ...
    def labour_report(self, run_id: str) -> str: ...


class _Shipped:
    """The shipped data read locally: no store, so no installation, is needed."""

    def __init__(self) -> None:
        from custos.labor.service import ShippedData

        self.data: ShippedData = ShippedData()

    def labour_exposure(self, measure: Measure | None = None, *, level: Level = "group") -> ExposureView:
        from custos.labor.occupations import DEFAULT_MEASURE

        return self.data.exposure(measure or DEFAULT_MEASURE, level)

    def labour_headline(self) -> HeadlineView:
        return self.data.headline()

    def labour_crosswalk(self) -> CrosswalkView:
        return self.data.crosswalk()

    def labour_scenarios(self) -> list[ScenarioView]:
        return self.data.scenarios()

    def labour_programmes(self) -> list[ProgrammeView]:
        return self.data.programmes()


class _Local(_Shipped):
    """The labour service on the local store, acting as the operator."""

    def __init__(self, store: Store, by: Principal) -> None:
        from custos.labor.service import LabourService

        super().__init__()
        self.by = by
        self.service: LabourService = LabourService(store)

    def start_labour_run(self, request: RunRequest) -> RunView:
        return self.service.run(request, by=self.by)

    def labour_runs(self) -> list[RunSummary]:
        return self.service.runs(by=self.by)

    def labour_run(self, run_id: str) -> RunView:
        return self.service.get(run_id, by=self.by)

    def labour_report(self, run_id: str) -> str:
        return self.service.report(run_id, by=self.by)


@contextmanager
def _acting(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Labour]:
    """The installation a command acts on: through the API with --url, else the local store."""
    with acting(ctx, url, token, _Local) as found:
        yield found


@contextmanager
def _reading(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Labour]:
    """Where a public read is answered: through the API with --url (a token optional, since the
    API serves everyone), else the local store as the operator."""
    with acting(ctx, url, token, _Local, public=True) as found:
        yield found


@contextmanager
def _shipped(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[ShippedReads]:
    """Where the shipped data is read: through the API with --url, else from the files shipped
    with Custos, with no installation needed."""
    if url is None:
        yield _Shipped()
        return
    with _reading(ctx, url, token) as found:
        yield found


# -- reading options ---------------------------------------------------------------------------


def _choice(value: str | None, option: str, choices: Sequence[str]) -> str | None:
    if value is not None and value not in choices:
        raise InvalidInput(f"{option} is one of {', '.join(choices)}, not {value!r}")
    return value


def what_ifs(values: Sequence[str]) -> dict[str, int]:
    """``SECTOR=N`` options as sector → deployments added (negative: removed)."""
    changes: dict[str, int] = {}
    for value in values:
        sector, equals, number = value.partition("=")
        sector = sector.strip()
        try:
            change = int(number.replace(",", "").replace("_", ""))
        except ValueError:
            change = None
        if not equals or not sector or change is None:
            raise InvalidInput(
                f"--what-if takes SECTOR=N, a sector and a whole number (finance=50), not {value!r}"
            )
        if sector in changes:
            raise InvalidInput(f"--what-if names {sector} twice; give one change per sector")
        changes[sector] = change
    return changes


def _document(value: str, option: str) -> dict[str, str]:
    """A shipped name, or a YAML file's text when ``value`` names a file (or looks like one). The
    file is read here first, so a refusal names it as given, with the line and the field; the
    installation reads the text again and refuses the same problems as ``<field>_yaml``."""
    from custos.labor.documents import own_name
    from custos.labor.safety_nets import ProgrammeError, load_programmes
    from custos.labor.scenario import ScenarioError, load_scenario
    from custos.labor.service import ShippedData

    field = option.removeprefix("--")
    path = Path(value)
    if path.suffix not in (".yaml", ".yml") and not path.is_file():
        return {field: value}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{option}: cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{option}: {path} is not UTF-8 text") from exc
    data = ShippedData()
    if field == "scenario":
        scenario = load_scenario(text, str(path))
        shipped = [view.definition.name for view in data.scenarios()]
        own_name(scenario.name, str(path), shipped, "scenario", ScenarioError)
    else:
        design = load_programmes(text, str(path))
        designs = [view.definition.name for view in data.programmes()]
        own_name(design.name, str(path), designs, "programme design", ProgrammeError)
    return {f"{field}_yaml": text}


# -- how figures read --------------------------------------------------------------------------


def _workers(value: float) -> str:
    from custos.labor.report import workers

    return workers(value)


def _usd(value: float) -> str:
    return units.money(value, "USD")


def _scaled(value: float) -> str:
    """Money in a table whose title says USD: the figure and its scale (977 m, 1.13 bn)."""
    return _usd(value).removeprefix("USD ")


def _exposure(found: ExposureView) -> None:
    rows = sorted(found.rows, key=lambda row: -row.exposed_workers)
    shown = rows if found.level == "group" else rows[:OCCUPATIONS_SHOWN]
    heading = "group" if found.level == "group" else "occupation"
    figures = ("workers", "exposed", "share", "exposed wages")
    figures_table(
        [
            {
                "code": row.code,
                heading: row.title,
                "workers": units.count(row.workers),
                "exposed": units.count(row.exposed_workers),
                "share": units.percent(row.exposed_share),
                "exposed wages": _usd(row.exposed_wage_bill_usd),
            }
            for row in shown
        ],
        ((heading,) if found.level == "group" else ("code", heading)) + figures,
        f"Exposure by {heading}, {found.measure.value}, most exposed first: workers, exposure-weighted "
        "workers and their wage bill (USD a year)",
        figures,
    )
    share = found.exposed_workers / found.workers if found.workers else 0.0
    lines = [
        f"all: {_workers(found.workers)}, {units.count(found.exposed_workers)} exposure-weighted "
        f"({units.percent(share)}); wage bill {_usd(found.wage_bill_usd)} a year, "
        f"{_usd(found.exposed_wage_bill_usd)} exposure-weighted",
        found.note,
        f"sources: {found.attribution}",
    ]
    if len(shown) < len(rows):
        lines.insert(0, f"{units.count(len(rows) - len(shown))} more occupations with --json")
    say(*lines)


def _headline(found: HeadlineView) -> None:
    figures = ("≥ 10%", "paper", "> 50%", "paper ", "≥ 50%", "agrees")
    paper = found.measure
    figures_table(
        [
            {
                "measure": row.measure.value,
                "≥ 10%": units.percent(row.at_least_tenth_share),
                "paper": units.percent(row.paper_at_least_tenth_share),
                "> 50%": units.percent(row.over_half_share),
                "paper ": units.percent(row.paper_over_half_share),
                "≥ 50%": units.percent(row.at_least_half_share),
                "agrees": units.MISSING if row.agrees is None else ("yes" if row.agrees else "no"),
            }
            for row in found.measures
        ],
        ("measure", *figures),
        "Share of US workers whose occupation has this much of its tasks exposed (the paper "
        f"published figures for {paper.value} only)",
        figures,
    )
    verdict = "agree" if found.agrees else "do not agree"
    say(
        f"{paper.value} (the paper's measure): the data and the paper {verdict} within "
        f"{units.number(found.tolerance_share * 100, 1)} percentage points. {found.note}"
    )


def _crosswalk(found: CrosswalkView) -> None:
    top_coded = ", ".join(found.top_coded_soc_codes) or "none"
    say(
        f"split rule: {found.split_rule}",
        f"matched: {units.count(found.matched_occupations)} O*NET occupations in "
        f"{units.count(found.soc_codes)} SOC codes, {_workers(found.workers)}",
        f"wages taken at the BLS top code ({_usd(found.top_code_usd)} a year): {top_coded}",
        f"unmatched: {units.count(len(found.unmatched))} occupations, not guessed",
    )
    if found.unmatched:
        rows = [{"O*NET code": u.onet_code, "title": u.title, "reason": u.reason} for u in found.unmatched]
        figures_table(rows, ("O*NET code", "title", "reason"), "Unmatched", ())


def _range(low: float, high: float, fmt: Any = units.percent) -> str:
    return fmt(low) if low == high else f"{fmt(low)} to {fmt(high)}"


def _scenario_line(found: ScenarioView) -> str:
    from custos.labor.report import span

    scenario = found.definition
    last = scenario.adoption[-1]
    linked = (
        f"; registry-driven (saturation {units.number(scenario.registry.saturation_deployments)} deployments)"
        if scenario.registry is not None
        else ""
    )
    adoption = _range(last.low, last.high)
    automated = _range(scenario.automated_share.low, scenario.automated_share.high)
    reemployed = _range(scenario.reemployment_rate.low, scenario.reemployment_rate.high)
    wage_change = _range(scenario.wage_change.low, scenario.wage_change.high)
    return (
        f"{found.name}  {span(found.years)}: adoption by {last.year} {adoption} of exposed tasks, "
        f"{automated} automated, re-employed within a year {reemployed}, wage change {wage_change}{linked}. "
        f"{found.description}"
    )


def _programme_line(found: ProgrammeView) -> str:
    design = found.definition
    parts = []
    if (ui := design.unemployment_insurance) is not None:
        parts.append(
            f"unemployment insurance {units.percent(ui.replacement_rate)} of the wage up to "
            f"{_usd(ui.weekly_cap_usd)} a week for {units.number(ui.duration_weeks)} weeks"
        )
    if (wi := design.wage_insurance) is not None:
        parts.append(
            f"wage insurance {units.percent(wi.share)} of the loss up to {_usd(wi.annual_cap_usd)} a year "
            f"for {wi.duration_years} years"
        )
    if (rt := design.retraining) is not None:
        parts.append(
            f"retraining {_usd(rt.cost_per_worker_usd)} a worker, take-up {units.percent(rt.take_up)}, "
            f"completion {units.percent(rt.completion_rate)}, placement {units.percent(rt.placement_rate)}"
        )
    paid = design.allocation
    parts.append(
        f"paid {units.percent(paid.budget)} budget, {units.percent(paid.deployer_levy)} deployer levy, "
        f"{units.percent(paid.liability_pool)} liability pool"
    )
    return f"{found.name}: {'; '.join(parts)}"


def _summary_line(run: RunSummary) -> str:
    registry = "registry-driven" if run.registry else "not registry-driven"
    return (
        f"{run.run_id}  {units.timestamp(run.filed_at)}  {run.scenario} with {run.programmes}, "
        f"{run.measure.value}, {units.count_of(run.draws, 'draw')}, seed {run.seed}, {registry}: "
        f"{_workers(run.horizon_displaced_workers_p50)} displaced, safety nets "
        f"{_usd(run.horizon_total_cost_usd_p50)} (medians over the horizon)"
    )


def _cells(figure: YearlyPercentiles, index: int, fmt: Any) -> tuple[str, str]:
    from custos.labor.report import low_high

    return fmt(figure.p50[index]), low_high(figure, index, fmt)


def _yearly(run: RunView) -> None:
    results = run.results
    rows = []
    for index, year in enumerate(results.years):
        displaced, spread = _cells(results.displaced_workers, index, units.count)
        rows.append(
            {
                "year": str(year),
                "displaced": displaced,
                "5–95%": spread,
                "since start": units.count(results.cumulative_displaced_workers.p50[index]),
                "still out": units.count(results.still_out_workers.p50[index]),
                "earnings lost": _usd(results.wage_loss_usd.p50[index]),
            }
        )
    figures = ("year", "displaced", "5–95%", "since start", "still out", "earnings lost")
    figures_table(
        rows,
        figures,
        "Workers displaced in the year (median, 5–95%), since the start, not re-employed within a "
        "year; earnings lost by all displaced so far (USD)",
        figures,
    )


def _programmes(run: RunView) -> None:
    results = run.results
    from custos.labor.report import programmes_in_order

    programmes = programmes_in_order(results)
    names = [SHORT_NAMES.get(name, name) for name in programmes]
    rows = []
    for index, year in enumerate(results.years):
        total, spread = _cells(results.total_cost_usd, index, _scaled)
        costs = [
            _scaled(results.programme_cost_usd[name].p50[index])
            if name in run.programmes_in_design
            else units.MISSING
            for name in programmes
        ]
        rows.append(
            {"year": str(year), **dict(zip(names, costs, strict=True)), "total": total, "5–95%": spread}
        )
    figures = ("year", *names, "total", "5–95%")
    title = (
        "Cost per programme (USD a year, medians; UI: unemployment insurance; —: not in the design) "
        "and in total (5–95%)"
    )
    figures_table(rows, figures, title, figures)


def _payers(run: RunView) -> None:
    from custos.labor.report import PAYER_NAMES

    results = run.results
    first, last = results.years[0], results.years[-1]
    figures = ("share", str(first), str(last), "sum of medians")
    figures_table(
        [
            {
                "payer": PAYER_NAMES.get(payer, payer),
                "share": units.percent(share),
                str(first): _usd(results.allocation_usd[payer][0]),
                str(last): _usd(results.allocation_usd[payer][-1]),
                "sum of medians": _usd(sum(results.allocation_usd[payer])),
            }
            for payer, share in results.allocation_share.items()
        ],
        ("payer", *figures),
        "Who bears the cost (USD a year at the median total)",
        figures,
    )
    if not results.levy:
        if not run.notes:
            console.print("deployer levy: no deployment shares it", highlight=False)
        return
    figures = ("deployments", "weight (m)", "share", f"levy {last}")
    figures_table(
        [
            {
                "deployer": share.name,
                "deployments": units.count(share.deployments),
                "weight (m)": units.number(share.exposure_weight / 1e6, 1),
                "share": units.percent(share.share),
                f"levy {last}": _usd(share.levy_usd[-1]) if share.levy_usd else units.MISSING,
            }
            for share in results.levy[:DEPLOYERS_SHOWN]
        ],
        ("deployer", *figures),
        "The deployer levy, in proportion to each deployer's exposure weight: deployments × the "
        "exposure-weighted workers of the groups their sectors employ, in millions (a relative "
        "weight, not people)",
        figures,
    )
    more = len(results.levy) - DEPLOYERS_SHOWN
    if more > 0:
        console.print(f"{units.count(more)} more deployers with --json", highlight=False)


def _distribution(title: str, rows: Sequence[DistributionRowResult], keyed: bool) -> None:
    """A distribution table; ``keyed`` rows are named by their key, their labels listed below."""
    figures = ("workers", "displaced", "earnings lost", "benefits", "net loss")
    figures_table(
        [
            {
                "": row.key if keyed else row.label.removesuffix(" Occupations"),
                "workers": units.count(row.workers),
                "displaced": units.count(row.displaced_median_workers),
                "earnings lost": _scaled(row.wage_loss_median_usd),
                "benefits": _scaled(row.benefits_median_usd),
                "net loss": _scaled(row.net_loss_median_usd),
            }
            for row in rows
        ],
        ("", *figures),
        f"{title}: medians over the horizon (workers; USD)",
        figures,
    )
    if keyed:
        say(*(f"{row.key}: {row.label}" for row in rows))


def _run(run: RunView) -> None:
    from custos.labor.report import registry_read, span

    results = run.results
    counted, what_if = registry_read(run)
    registry = (
        f"adoption driven by the registry: deployments {counted or 'none'}"
        + (f" (what-if {what_if})" if what_if else "")
        if run.registry
        else "adoption at the scenario's pace in every group (not registry-driven)"
    )
    say(
        f"labour run {run.run_id}, filed {units.timestamp(run.filed_at)} by {run.filed_by}: "
        f"{run.scenario} with {run.programmes}",
        f"{run.measure.value}, {units.count_of(run.draws, 'draw')}, seed {run.seed}; {registry}",
        f"over {span(results.years)} (medians): "
        f"{_workers(results.horizon_displaced_workers_p50)} displaced; "
        f"safety nets cost {_usd(results.horizon_total_cost_usd_p50)}",
    )
    for note in run.notes:
        console.print(f"warning: {note}", highlight=False, markup=False, style="yellow")
    _yearly(run)
    _programmes(run)
    _payers(run)
    _distribution("By wage quintile of workers", results.by_quintile, keyed=True)
    _distribution("By occupation group", results.by_group, keyed=False)


# -- commands ----------------------------------------------------------------------------------


@app.command()
def exposure(
    ctx: typer.Context,
    measure: str | None = MeasureOption,
    level: str = typer.Option("group", "--level", help="group (SOC major group) or occupation (O*NET)."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """US workers and wage bill by occupation group or occupation, with the parts exposed to
    language models: exposure-weighted workers are full workloads of exposed tasks."""
    from custos.labor.occupations import Measure

    chosen = _choice(measure, "--measure", MEASURES)
    grouped: Level = "occupation" if _choice(level, "--level", LEVELS) == "occupation" else "group"
    with _shipped(ctx, url, token) as acting:
        found = acting.labour_exposure(Measure(chosen) if chosen else None, level=grouped)
    show(found, as_json, _exposure)


@app.command()
def headline(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The paper's headline (about 80% of workers with at least 10% of tasks exposed, 19% with
    more than half) recomputed from the data for every measure, and whether it agrees."""
    with _shipped(ctx, url, token) as acting:
        found = acting.labour_headline()
    show(found, as_json, _headline)


@app.command()
def crosswalk(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """How O*NET occupations join BLS employment: the split rule, what matched, and each
    occupation left out with its reason."""
    with _shipped(ctx, url, token) as acting:
        found = acting.labour_crosswalk()
    show(found, as_json, _crosswalk)


@app.command()
def scenarios(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """The shipped scenarios (their ranges) and programme designs (their levers and who pays)."""
    with _shipped(ctx, url, token) as acting:
        shipped, designs = acting.labour_scenarios(), acting.labour_programmes()
    if as_json:
        print_json({"scenarios": plain(shipped), "programmes": plain(designs)})
        return
    console.print("[bold]Scenarios[/bold] (ranges a draw takes one value from)")
    say(*map(_scenario_line, shipped))
    console.print("[bold]Programme designs[/bold]")
    say(*map(_programme_line, designs))


@app.command()
def run(
    ctx: typer.Context,
    scenario: str = typer.Option(..., "--scenario", help="A shipped scenario's name, or a YAML file."),
    programmes: str = typer.Option(
        ..., "--programmes", help="A shipped programme design's name, or a YAML file."
    ),
    draws: int | None = typer.Option(
        None, "--draws", help="Monte Carlo draws, 1 to 100,000 (10,000 if none)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="The seed of the draws (0 if none)."),
    measure: str | None = MeasureOption,
    no_registry: bool = typer.Option(
        False, "--no-registry", help="Adopt at the scenario's pace everywhere, whatever the registry holds."
    ),
    what_if: list[str] = typer.Option(
        [], "--what-if", help="SECTOR=N: N more deployments in SECTOR (negative: fewer); repeatable."
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Run a scenario with a programme design and file it (supervisors): displaced
    workers, their lost earnings and the safety nets' costs per year with 5–95% intervals, who
    pays, and who loses by wage quintile and occupation group."""
    from custos.filings import parse
    from custos.labor.requests import RunRequest

    _choice(measure, "--measure", MEASURES)
    changes = what_ifs(what_if)
    asked = {
        **_document(scenario, "--scenario"),
        **_document(programmes, "--programmes"),
        **terms(draws=draws, seed=seed, measure=measure),
        **({"registry": False} if no_registry else {}),
        **({"what_if": changes} if changes else {}),
    }
    request = parse(RunRequest, asked, "labour run")
    with _acting(ctx, url, token) as acting:
        found = acting.start_labour_run(request)
    show(found, as_json, _run)


@app.command()
def runs(
    ctx: typer.Context,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Filed labour runs, newest first, one a line."""
    with _reading(ctx, url, token) as acting:
        found = acting.labour_runs()
    print_lines(found, as_json, "no labour run", _summary_line)


@app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., metavar="RUN_ID"),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """A filed run: what it read and every figure it found."""
    with _reading(ctx, url, token) as acting:
        found = acting.labour_run(run_id)
    show(found, as_json, _run)


@app.command()
def report(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., metavar="RUN_ID"),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML file to write."),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Write a run's report: one self-contained HTML page with its charts as inline SVG."""
    with _reading(ctx, url, token) as acting:
        page = acting.labour_report(run_id)
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write the report to {output}: {exc.strerror}") from exc
    console.print(f"wrote {output} ({units.size(len(page.encode('utf-8')))})", highlight=False)
