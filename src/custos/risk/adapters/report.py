"""The run's HTML report: headline figures, the four charts, and the tables of buffers.

One self-contained file (charts as inline SVG, no scripts, no fonts or styles from elsewhere), so
it opens offline and can be attached to a supervisory letter as it is. The charts are rendered
from the same Vega-Lite specifications the dashboard draws, and every figure is written by
``custos.core.units`` (EUR 1.77 bn, VaR 99%), as on the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any, Literal

from custos.core.html_report import figure_tiles, page
from custos.core.units import MISSING, count, money, number, percent
from custos.risk.adapters import charts
from custos.risk.engine import chart_specs
from custos.risk.engine.chart_specs import Losses


def linchpin_names(metrics: dict[str, Any]) -> list[str]:
    """The uninsurable linchpins by name: ids mean little to a reader when they come from the registry."""
    return [row["name"] for row in metrics["providers"] if row["uninsurable_linchpin"]]


LAYERS = {"compute": "Compute provider", "model": "Model"}


def linchpins_by_layer(metrics: dict[str, Any]) -> str:
    """The linchpins, each named with its layer: a provider and a model may share a name."""
    names = [
        f"{row['name']} ({LAYERS.get(row['layer'], row['layer']).lower()})"
        for row in metrics["providers"]
        if row["uninsurable_linchpin"]
    ]
    return ", ".join(names) or "none"


#: How a column's values are written.
Kind = Literal["text", "layer", "money", "percent", "flag"]
Columns = list[tuple[str, str, Kind]]

PROVIDER_COLUMNS: Columns = [
    ("name", "Name", "text"),
    ("layer", "Layer", "layer"),
    ("failure_probability", "Failure probability", "percent"),
    ("expected_loss_given_failure", "Loss given failure", "money"),
    ("expected_shortfall_contribution", "ES contribution (Shapley)", "money"),
    ("loss_alone", "Loss alone", "money"),
    ("uninsurable_linchpin", "Linchpin", "flag"),
]
#: Every entity's buffers, layer by layer (``custos.risk.engine.buffer_metrics``).
LAYERS_COLUMNS: Columns = [
    ("expected_loss", "Expected loss", "money"),
    ("capital", "Capital", "money"),
    ("insurance_requirement", "Insurance layer (tail)", "money"),
    ("premium", "Premium", "money"),
    ("pool_requirement", "Beyond both (tail)", "money"),
    ("pool_contribution", "Pool share", "money"),
]
INSTITUTION_COLUMNS: Columns = [
    ("name", "Name", "text"),
    ("sector", "Sector", "text"),
    ("equity", "Equity", "money"),
    ("default_probability", "Default probability", "percent"),
    *LAYERS_COLUMNS,
]
DEPLOYMENT_COLUMNS: Columns = [
    ("name", "Name", "text"),
    ("owner", "Owner", "text"),
    ("model", "Model", "text"),
    *LAYERS_COLUMNS,
]


def _writers(currency: str) -> dict[Kind, Callable[[Any], str]]:
    return {
        "text": lambda value: MISSING if value is None else str(value),
        "layer": lambda value: LAYERS.get(value, str(value)),
        "money": lambda value: money(value, currency),
        "percent": percent,
        "flag": lambda value: "yes" if value else "",
    }


def _table(
    caption: str, rows: list[dict[str, Any]], columns: Columns, key: str, currency: str, limit: int = 50
) -> str:
    ordered = sorted(rows, key=lambda row: -(row[key] or 0.0))
    write = _writers(currency)
    head = "".join(f'<th scope="col">{escape(label)}</th>' for _, label, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(write[kind](row.get(c)))}</td>" for c, _, kind in columns) + "</tr>"
        for row in ordered[:limit]
    )
    more = f"<p>{count(len(rows) - limit)} more rows in the Parquet file.</p>" if len(rows) > limit else ""
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{more}"
    )


def interval_text(error: dict[str, Any] | None, currency: str) -> str:
    """A figure's 95% Monte Carlo interval as a reader writes it (95%: EUR 5.1 bn – 5.6 bn), or why
    there is none; empty for a run from before intervals."""
    if error is None:
        return ""
    if error["interval"] is None:
        return f"no 95% interval: {error['reason']}"
    low, high = (money(bound, currency) for bound in error["interval"])
    return f"95%: {low} – {high.removeprefix(f'{currency} ')}"


def _headline(metrics: dict[str, Any], currency: str) -> str:
    system = metrics["system"]
    error = system.get("monte_carlo") or {"value_at_risk": {}, "expected_shortfall": {}}
    shortfall = error["expected_shortfall"]
    capital = {k: v["estimate"] for k, v in shortfall.items() if k not in system["expected_shortfall"]}
    second_round = (
        [("Second-round loss (fire sales)", money(system["expected_second_round_loss"], currency), None)]
        if "fire_sales" in metrics
        else []
    )
    figures = [
        ("Expected loss", money(system["expected_loss"], currency), error.get("expected_loss")),
        *(
            (f"VaR {percent(k)}", money(v, currency), error["value_at_risk"].get(k))
            for k, v in system["value_at_risk"].items()
        ),
        *(
            (f"Expected shortfall {percent(k)}", money(v, currency), shortfall.get(k))
            for k, v in system["expected_shortfall"].items()
        ),
        *(
            (f"Expected shortfall {percent(k)} (capital level)", money(v, currency), shortfall[k])
            for k, v in capital.items()
        ),
        *second_round,
        ("Expected defaults", number(system["expected_defaults"], 3), None),
        ("Pool size", money(metrics["pool"]["size"], currency), None),
    ]
    tiles = figure_tiles((label, value, interval_text(figure, currency)) for label, value, figure in figures)
    method = f"<p>Monte Carlo error: {escape(error['method'])}.</p>" if "method" in error else ""
    return tiles + method


#: The rules of this report's own parts, beside the shared frame's.
STYLE = """
.figures{grid-template-columns:repeat(auto-fit,minmax(12rem,1fr))}
"""


def _attribution(metrics: dict[str, Any], currency: str) -> str:
    """How the ES contributions were shared out (Shapley, exact or sampled), for runs that say."""
    shared = metrics.get("attribution")
    if shared is None:
        return ""
    markets = money(shared["markets"], currency)
    return f"<p>ES contributions: {escape(shared['method'])}; asset markets {markets}.</p>"


def _fire_sales(metrics: dict[str, Any], currency: str) -> str:
    """The fire sale's second round apart from the first, and what it did to each asset class."""
    sales = metrics.get("fire_sales")
    if sales is None:
        return ""
    system = metrics["system"]
    share = percent(system["second_round_share_of_expected_shortfall"])
    lead = (
        f"<h2>Fire sales</h2><p>Overlapping portfolios ({escape(sales['method'])}): the second round adds "
        f"{escape(money(system['expected_second_round_loss'], currency))} to the expected loss and makes "
        f"up {escape(share)} of the expected shortfall at the capital level.</p>"
    )
    columns: Columns = [
        ("name", "Asset class", "text"),
        ("holdings", "Holdings", "money"),
        ("mean_price_change", "Mean price change", "percent"),
        ("worst_price_change", "Worst price change", "percent"),
    ]
    return lead + _table("Asset classes", sales["asset_classes"], columns, "holdings", currency)


def _layers(metrics: dict[str, Any]) -> str:
    """How the buffers below are layered, for runs that layer them."""
    shared = metrics["pool"].get("shared_by")
    if shared is None:
        return ""
    by = "; ".join(f"among {table}, in proportion to {basis}" for table, basis in shared.items())
    return (
        "<p>Each entity's losses go to its capital first (its Euler contribution to the expected "
        "shortfall at the capital level), then to an insurance layer attaching where the capital ends, "
        "then to the pool; every requirement comes from the same tail draws. The premium is the layer's "
        "expected payout plus the cost of capital on its tail payout beyond that. "
        f"The pool is shared {by}. A deployer's capital declarations and pool calls are checked "
        "against the sums over its deployments; an institution's own figures count its losses as a "
        "balance sheet, contagion included, and differ from them.</p>"
    )


def _chart(name: str, title: str, metrics: dict[str, Any], losses: Losses) -> str:
    image = charts.svg(chart_specs.chart(name, metrics, losses), prefix=f"{name}-")
    return f"<h2>{escape(title)}</h2><figure>{image}</figure>"


def render_report(metrics: dict[str, Any], losses: Losses, currency: str, run_id: str) -> str:
    convergence = metrics["convergence"]
    title = f"Stress test {run_id}: {metrics['scenario']}"
    about = (
        f"Run {run_id} · engine {metrics['engine']} · seed {metrics['seed']} · {count(losses.draws)} draws · "
        f"contagion {metrics['contagion']['model']} · amounts in {currency}"
    )
    sections = [
        f"<h1>{escape(metrics['scenario'])}</h1><p>{escape(about)}</p>",
        _headline(metrics, currency),
        "<p>Uninsurable linchpins (a lone failure costs more than the insurance capacity): "
        f"{escape(linchpins_by_layer(metrics))}.</p>",
        _chart("loss-distribution", "Loss distribution", metrics, losses),
        _chart("exceedance", "Exceedance curve", metrics, losses),
        _chart("network", "Network, by share of expected shortfall", metrics, losses),
        _chart("contributors", "Top contributors", metrics, losses),
        _table(
            "Providers and models",
            metrics["providers"],
            PROVIDER_COLUMNS,
            "expected_shortfall_contribution",
            currency,
        ),
        _attribution(metrics, currency),
        _fire_sales(metrics, currency),
        _layers(metrics),
        _table(
            "Institutions: capital, insurance and pool",
            metrics["institutions"],
            INSTITUTION_COLUMNS,
            "capital",
            currency,
        ),
        _table(
            "Deployments: capital, insurance and pool",
            metrics["deployments"],
            DEPLOYMENT_COLUMNS,
            "capital",
            currency,
        ),
        f"<p>Contagion converged in at most {count(convergence['iterations'])} iterations "
        f"(residual {convergence['residual']:.3g}, tolerance {convergence['tolerance']:.3g}).</p>",
    ]
    return page(title, "\n".join(sections), STYLE)
