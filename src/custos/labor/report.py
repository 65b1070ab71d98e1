"""A labour run's HTML report: what it read, the paper's headline checked, exposure by occupation
group, displacement over the years, what the safety nets cost, who pays and who loses.

One self-contained file (charts as inline SVG, no scripts, no fonts or styles from elsewhere), so
it opens offline and can be attached to a letter as it is, like the stress test's report. Pure:
it takes the views the service returns and gives the page, so the API, the command line and a
notebook render the same page. Every figure is written by ``custos.core.units`` with its unit:
workers, or US dollars at BLS May 2021 wages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from custos.core.html_report import figure_tiles, page
from custos.core.units import MISSING, count, count_of, money, number, percent, timestamp
from custos.labor import charts
from custos.labor.filings import DistributionRowResult, RunResults, YearlyPercentiles
from custos.labor.views import ExposureView, HeadlineView, RunView

#: How each programme and each payer reads.
PROGRAMME_NAMES = {
    "unemployment_insurance": "Unemployment insurance",
    "wage_insurance": "Wage insurance",
    "retraining": "Retraining",
}
PAYER_NAMES = {
    "budget": "General budget",
    "deployer_levy": "Deployer levy",
    "liability_pool": "Liability pool",
}
#: Deployers listed in the levy table; the run's JSON holds them all.
LEVY_ROWS = 50
#: Groups drawn in the exposure chart (SOC has 22 major groups, so all of them).
GROUP_ROWS = 25

#: The rules of this report's own parts, beside the shared frame's.
STYLE = """
.figures{grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}
td small{display:block;color:#555}
td{white-space:nowrap}
.inputs td{white-space:normal;text-align:left}
"""


def programmes_in_order(results: RunResults) -> list[str]:
    """The run's programmes in the order a design lists them (the filing keeps them sorted)."""
    costs = results.programme_cost_usd
    return [name for name in PROGRAMME_NAMES if name in costs] + sorted(set(costs) - set(PROGRAMME_NAMES))


def usd(value: float) -> str:
    """Money as the report writes it: USD with its scale (USD 1.8 bn)."""
    return money(value, "USD")


def workers(value: float) -> str:
    """A count of people: grouped by thousands, with its noun (1,125,553 workers)."""
    return f"{count(value)} workers"


def low_high(figure: YearlyPercentiles, year: int, fmt: Callable[[float], str]) -> str:
    """A year's 5th and 95th percentiles, the currency left to the median: "1.2 bn–2.6 bn"."""
    low, high = (fmt(value).removeprefix("USD ") for value in (figure.p5[year], figure.p95[year]))
    return f"{low}–{high}"


def spread(figure: YearlyPercentiles, year: int, fmt: Callable[[float], str]) -> str:
    """The same, labelled: "5–95%: 1.2 bn–2.6 bn"."""
    return f"5–95%: {low_high(figure, year, fmt)}"


def interval(figure: YearlyPercentiles, year: int, fmt: Callable[[float], str]) -> tuple[str, str]:
    """A year's median and its interval, as a cell shows them: "USD 1.8 bn", "5–95%: 1.2 bn–2.6 bn"."""
    return fmt(figure.p50[year]), spread(figure, year, fmt)


def span(years: Sequence[int]) -> str:
    """The years a run or scenario covers: "2025–2034", or the one year."""
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


#: A cell: text, or a median with its interval written small below it.
Cell = str | tuple[str, str]


def _cell(cell: Cell) -> str:
    if isinstance(cell, str):
        return f"<td>{escape(cell)}</td>"
    return f"<td>{escape(cell[0])}<small>{escape(cell[1])}</small></td>"


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[Cell]], note: str = "") -> str:
    header = "".join(f'<th scope="col">{escape(label)}</th>' for label in head)
    body = "".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in rows)
    after = f"<p>{escape(note)}</p>" if note else ""
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{body}</tbody></table>{after}"
    )


def _figure(title: str, image: str) -> str:
    return f"<h2>{escape(title)}</h2><figure>{image}</figure>"


def _interval(figure: YearlyPercentiles) -> charts.Interval:
    return charts.Interval(figure.p5, figure.p50, figure.p95)


def registry_read(run: RunView) -> tuple[str, str]:
    """The deployments per sector a run counted and its what-if, as lists a sentence can hold:
    "finance 2, health 1", "finance +100" (empty when there are none)."""
    counted = ", ".join(f"{sector} {count(n)}" for sector, n in run.deployments_per_sector.items())
    what_if = ", ".join(f"{sector} {n:+,}" for sector, n in run.what_if.items())
    return counted, what_if


def _inputs(run: RunView, attribution: str) -> str:
    """What the run read, so a reader can run it again and get the same figures."""
    sectors, what_if = registry_read(run)
    registry = (
        f"yes: deployments per sector counted {sectors or 'none'}"
        + (f"; what-if {what_if}" if what_if else "")
        if run.registry
        else "no: every occupation group adopts at the scenario's pace"
    )
    items = [
        ("Scenario", f"{run.scenario} ({run.scenario_digest})"),
        ("Programme design", f"{run.programmes} ({run.programmes_digest})"),
        ("Exposure measure", run.measure.value),
        ("Draws and seed", f"{count_of(run.draws, 'draw')}, seed {run.seed}"),
        ("Adoption driven by the registry", registry),
        *((f"Data: {name}", digest) for name, digest in run.data_digests.items()),
        ("Filed", f"{timestamp(run.filed_at)} by {run.filed_by}, filing {run.filing_id}"),
        ("Sources", attribution),
    ]
    rows = "".join(f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>' for k, v in items)
    return f'<table class="inputs"><caption>Inputs</caption><tbody>{rows}</tbody></table>'


def _headline_figures(run: RunView) -> str:
    results = run.results
    years, last = results.years, len(results.years) - 1
    tiles = [
        (
            f"Workers displaced over {span(years)} (median)",
            workers(results.horizon_displaced_workers_p50),
            "",
        ),
        (
            f"Displaced by the end of {years[-1]}",
            workers(results.cumulative_displaced_workers.p50[last]),
            spread(results.cumulative_displaced_workers, last, count),
        ),
        (f"Earnings lost in {years[-1]}", *interval(results.wage_loss_usd, last, usd)),
        (
            f"Cost of the safety nets over {span(years)} (median)",
            usd(results.horizon_total_cost_usd_p50),
            "",
        ),
        (f"Cost in {years[-1]}", *interval(results.total_cost_usd, last, usd)),
    ]
    return figure_tiles(tiles)


def _headline_check(headline: HeadlineView) -> str:
    rows = [
        [
            found.measure.value + (" (the paper's)" if found.measure == headline.measure else ""),
            percent(found.at_least_tenth_share),
            percent(found.paper_at_least_tenth_share),
            percent(found.over_half_share),
            percent(found.paper_over_half_share),
            percent(found.at_least_half_share),
            MISSING if found.agrees is None else ("yes" if found.agrees else "no"),
        ]
        for found in headline.measures
    ]
    verdict = "agree" if headline.agrees else "do not agree"
    lead = (
        f"<h2>The paper's headline, checked</h2><p>Shares of US workers by how much of their "
        f"occupation's tasks are exposed, employment weighted. For {escape(headline.measure.value)} the "
        f"shipped data and the paper {verdict} within {number(headline.tolerance_share * 100, 1)} "
        f"percentage points. {escape(headline.note)}</p>"
    )
    head = (
        "Measure",
        "≥ 10% of tasks exposed",
        "paper",
        "> 50% exposed",
        "paper",
        "≥ 50% exposed",
        "agrees",
    )
    return lead + _table("Share of workers", head, rows)


def _exposure(view: ExposureView) -> str:
    rows = sorted(view.rows, key=lambda row: -row.exposed_workers)[:GROUP_ROWS]
    image = charts.exposure_bars(
        [row.title.removesuffix(" Occupations") for row in rows],
        [row.workers for row in rows],
        [row.exposed_workers for row in rows],
        count,
        f"Workers and exposure-weighted workers by {view.level}, {view.measure.value}",
    )
    more = len(view.rows) - len(rows)
    lead = (
        f"<p>{escape(workers(view.exposed_workers))} of {escape(workers(view.workers))} exposure-weighted "
        f"({escape(percent(view.exposed_workers / view.workers if view.workers else 0.0))}); wage bill "
        f"{escape(usd(view.exposed_wage_bill_usd))} of {escape(usd(view.wage_bill_usd))} a year. "
        f"{escape(view.note)}" + (f" {count(more)} more rows in the JSON." if more > 0 else "") + "</p>"
    )
    return _figure(f"Exposure by occupation {view.level} ({view.measure.value})", image) + lead


def _yearly(run: RunView) -> str:
    results = run.results
    fan = charts.fan(
        results.years,
        _interval(results.cumulative_displaced_workers),
        count,
        "Workers displaced since the start (workers)",
        "Cumulative displacement: median and 5th to 95th percentile",
    )
    rows: list[list[Cell]] = [
        [
            str(year),
            interval(results.displaced_workers, index, count),
            interval(results.cumulative_displaced_workers, index, count),
            interval(results.still_out_workers, index, count),
            interval(results.wage_loss_usd, index, usd),
        ]
        for index, year in enumerate(results.years)
    ]
    head = (
        "Year",
        "Displaced in the year (workers)",
        "Displaced since the start (workers)",
        "Not re-employed within a year (workers)",
        "Earnings lost in the year",
    )
    note = (
        "Each cell is the median over the draws with its 5th to 95th percentiles. Earnings lost are "
        "those of everyone displaced so far: the full wage for the expected share of the year out of "
        "work, then the pay cut once re-employed, before benefits."
    )
    return _figure("Displacement over the years", fan) + _table("Year by year", head, rows, note)


def _costs(run: RunView) -> str:
    results = run.results
    programmes = programmes_in_order(results)
    series = [
        (PROGRAMME_NAMES.get(name, name), _interval(results.programme_cost_usd[name])) for name in programmes
    ]
    image = charts.interval_bars(
        results.years,
        series,
        usd,
        "Cost a year (USD)",
        "Programme costs per year: median and 5th to 95th percentile",
    )
    head = ("Year", *(name for name, _ in series), "Total")
    rows: list[list[Cell]] = [
        [
            str(year),
            *(
                interval(results.programme_cost_usd[name], index, usd)
                if name in run.programmes_in_design
                else MISSING
                for name in programmes
            ),
            interval(results.total_cost_usd, index, usd),
        ]
        for index, year in enumerate(results.years)
    ]
    note = (
        "Benefits are unemployment and wage insurance; retraining is a cost, a service to workers "
        "rather than income. USD at BLS May 2021 wages; — marks a programme not in the design."
    )
    return _figure("What the safety nets cost", image) + _table("Cost per year", head, rows, note)


def _allocation(run: RunView) -> str:
    results = run.results
    years = results.years
    rows = [
        [
            PAYER_NAMES.get(payer, payer),
            percent(share),
            usd(results.allocation_usd[payer][0]),
            usd(results.allocation_usd[payer][-1]),
            usd(sum(results.allocation_usd[payer])),
        ]
        for payer, share in results.allocation_share.items()
    ]
    head = ("Payer", "Share", f"In {years[0]}", f"In {years[-1]}", f"Sum over {span(years)}")
    allocation = _table(
        "Who bears the cost (at each year's median total)",
        head,
        rows,
        "Each payer bears its stated share of the total; the sum is of the yearly medians.",
    )
    levy_rows = [
        [
            share.name,
            count(share.deployments),
            number(share.exposure_weight / 1e6, 1),
            percent(share.share),
            usd(share.levy_usd[-1]) if share.levy_usd else "",
            usd(sum(share.levy_usd)),
        ]
        for share in results.levy[:LEVY_ROWS]
    ]
    more = len(results.levy) - len(levy_rows)
    levy = (
        _table(
            "The deployer levy by deployer",
            (
                "Deployer",
                "Deployments",
                "Exposure weight (millions)",
                "Share of the levy",
                f"Levy in {years[-1]}",
                f"Sum over {span(years)}",
            ),
            levy_rows,
            "A deployer's share is its exposure weight over all deployers': deployments × the "
            "exposure-weighted workers of the occupation groups their sectors employ (by each "
            "sector's weights), a relative weight, not a count of people."
            + (f" {count(more)} more deployers in the JSON." if more > 0 else ""),
        )
        if levy_rows
        else "".join(f"<p><strong>Note:</strong> {escape(note)}.</p>" for note in run.notes)
        or "<p>No deployer shares the levy.</p>"
    )
    return "<h2>Who pays</h2>" + allocation + levy


def _distribution(caption: str, rows: Sequence[DistributionRowResult]) -> str:
    head = (
        "",
        "Workers",
        "Exposure-weighted workers",
        "Displaced (median, workers)",
        "Earnings lost (median)",
        "Benefits received (median)",
        "Net loss after benefits (median)",
    )
    cells = [
        [
            row.label,
            count(row.workers),
            count(row.exposure_weighted_workers),
            count(row.displaced_median_workers),
            usd(row.wage_loss_median_usd),
            usd(row.benefits_median_usd),
            usd(row.net_loss_median_usd),
        ]
        for row in rows
    ]
    return _table(caption, head, cells)


def render_report(run: RunView, exposure: ExposureView, headline: HeadlineView) -> str:
    """The run as one HTML page; ``exposure`` is by group, for the run's measure."""
    results = run.results
    title = f"Labour run {run.run_id}: {run.scenario} with {run.programmes}"
    about = (
        f"{count_of(run.draws, 'draw')} over {span(results.years)}; exposure measure {run.measure.value}; "
        "workers are people, money is US dollars at BLS May 2021 wages."
    )
    sections = [
        f"<h1>{escape(title)}</h1><p>{escape(about)}</p>",
        _headline_figures(run),
        _inputs(run, exposure.attribution),
        _headline_check(headline),
        _exposure(exposure),
        _yearly(run),
        _costs(run),
        _allocation(run),
        "<h2>Who loses</h2><p>Over the horizon, medians over the draws; the net loss is the median "
        "of each draw's earnings lost minus benefits, not the difference of the two medians.</p>",
        _distribution("By wage quintile of workers", results.by_quintile),
        _distribution("By occupation group (SOC major group)", results.by_group),
    ]
    return page(title, "\n".join(sections), STYLE)
