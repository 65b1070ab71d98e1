"""The run's HTML report: headline figures, the four charts, and the tables of buffers.

One self-contained file (charts as inline SVG, no scripts, no fonts or styles from elsewhere), so
it opens offline and can be attached to a supervisory letter as it is.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from custos.risk import charts


def linchpin_names(metrics: dict[str, Any]) -> list[str]:
    """The uninsurable linchpins by name: ids mean little to a reader when they come from the registry."""
    return [row["name"] for row in metrics["providers"] if row["uninsurable_linchpin"]]


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


Columns = list[tuple[str, str]]

PROVIDER_COLUMNS: Columns = [
    ("name", "Name"),
    ("layer", "Layer"),
    ("failure_probability", "Failure probability"),
    ("expected_loss_given_failure", "Loss given failure"),
    ("expected_shortfall_contribution", "ES contribution"),
    ("loss_alone", "Loss alone"),
    ("uninsurable_linchpin", "Linchpin"),
]
INSTITUTION_COLUMNS: Columns = [
    ("name", "Name"),
    ("sector", "Sector"),
    ("equity", "Equity"),
    ("default_probability", "Default probability"),
    ("expected_loss", "Expected loss"),
    ("capital", "Capital"),
    ("premium", "Premium"),
    ("pool_contribution", "Pool"),
]
DEPLOYMENT_COLUMNS: Columns = [
    ("name", "Name"),
    ("owner", "Owner"),
    ("model", "Model"),
    ("expected_loss", "Expected loss"),
    ("capital", "Capital"),
    ("premium", "Premium"),
    ("pool_contribution", "Pool"),
]


def _cell(value: Any) -> str:
    shown = _money(value) if isinstance(value, float) else escape(str(value if value is not None else "—"))
    return f"<td>{shown}</td>"


def _table(caption: str, rows: list[dict[str, Any]], columns: Columns, key: str, limit: int = 50) -> str:
    ordered = sorted(rows, key=lambda row: -(row[key] or 0.0))
    head = "".join(f'<th scope="col">{escape(label)}</th>' for _, label in columns)
    body = "".join(
        "<tr>" + "".join(_cell(row.get(c)) for c, _ in columns) + "</tr>" for row in ordered[:limit]
    )
    more = f"<p>{len(rows) - limit} more rows in the Parquet file.</p>" if len(rows) > limit else ""
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{more}"
    )


def _headline(metrics: dict[str, Any]) -> str:
    system = metrics["system"]
    figures = [
        ("Expected loss", _money(system["expected_loss"])),
        *((f"VaR {float(k):.1%}", _money(v)) for k, v in system["value_at_risk"].items()),
        *((f"Expected shortfall {float(k):.1%}", _money(v)) for k, v in system["expected_shortfall"].items()),
        ("Expected defaults", f"{system['expected_defaults']:.3f}"),
        ("Pool size", _money(metrics["pool"]["size"])),
    ]
    tiles = "".join(f'<div class="figure">{escape(label)}<b>{value}</b></div>' for label, value in figures)
    return f'<section class="figures" aria-label="Headline figures">{tiles}</section>'


STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.8rem}
.figure{border:1px solid #ccc;border-radius:.4rem;padding:.6rem}.figure b{display:block;font-size:1.3rem}
svg{max-width:100%;height:auto}
"""


def render_report(metrics: dict[str, Any], system: np.ndarray, currency: str, run_id: str) -> str:
    convergence = metrics["convergence"]
    title = f"Stress test {run_id}: {metrics['scenario']}"
    about = (
        f"Run {run_id} · engine {metrics['engine']} · seed {metrics['seed']} · {system.size:,} draws · "
        f"contagion {metrics['contagion']['model']} · amounts in {currency}"
    )
    linchpins = ", ".join(linchpin_names(metrics)) or "none"
    sections = [
        f"<h1>{escape(metrics['scenario'])}</h1><p>{escape(about)}</p>",
        _headline(metrics),
        "<p>Uninsurable linchpins (a lone failure costs more than the insurance capacity): "
        f"{escape(linchpins)}.</p>",
        f"<h2>Loss distribution</h2>{charts.loss_distribution(system, metrics['system'], currency)}",
        f"<h2>Exceedance curve</h2>{charts.exceedance_curve(system, currency)}",
        f"<h2>Network</h2>{charts.network(metrics)}",
        f"<h2>Top contributors</h2>{charts.top_contributors(metrics, currency)}",
        _table(
            "Providers and models", metrics["providers"], PROVIDER_COLUMNS, "expected_shortfall_contribution"
        ),
        _table(
            "Institutions: capital, premium and pool", metrics["institutions"], INSTITUTION_COLUMNS, "capital"
        ),
        _table(
            "Deployments: capital, premium and pool", metrics["deployments"], DEPLOYMENT_COLUMNS, "capital"
        ),
        f"<p>Contagion converged in at most {convergence['iterations']} iterations "
        f"(residual {convergence['residual']:.3g}, tolerance {convergence['tolerance']:.3g}).</p>",
    ]
    body = "\n".join(sections)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
