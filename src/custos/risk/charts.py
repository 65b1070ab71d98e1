"""The run's charts as self-contained SVG: loss distribution, exceedance curve, the network
coloured by systemic importance, and the top contributors.

SVG inlines into the HTML report and the dashboard with no files or network requests beside it.
Charts use one sequential colour map and label every axis, so they read in print and in grey.
Figures are built without pyplot: no global state, so the API server can draw in many threads.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any, ParamSpec

import matplotlib
import numpy as np
from matplotlib.figure import Figure

P = ParamSpec("P")

COLOURS = "viridis_r"


def _plain(chart: Callable[P, str]) -> Callable[P, str]:
    """Draw with mathtext off: names from the registry may hold "$", which is text, not TeX."""

    @functools.wraps(chart)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> str:
        with matplotlib.rc_context({"text.parse_math": False}):
            return chart(*args, **kwargs)

    return drawn


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


@_plain
def loss_distribution(system: np.ndarray, metrics: dict[str, Any], currency: str) -> str:
    figure = Figure(figsize=(7, 3.6))
    axes = figure.subplots()
    axes.hist(system, bins=min(80, max(10, int(np.sqrt(system.size)))), color="#3b6ea5")
    for level, value in metrics["value_at_risk"].items():
        axes.axvline(value, color="#b03a2e", linestyle="--", linewidth=1)
        axes.annotate(f"VaR {float(level):.1%}", (value, axes.get_ylim()[1] * 0.9), rotation=90, fontsize=8)
    axes.set_xlabel(f"System loss ({currency})")
    axes.set_ylabel("Draws")
    axes.set_title("Loss distribution")
    return _svg(figure)


@_plain
def exceedance_curve(system: np.ndarray, currency: str) -> str:
    losses = np.sort(system)[::-1]
    probability = np.arange(1, losses.size + 1) / losses.size
    figure = Figure(figsize=(7, 3.6))
    axes = figure.subplots()
    axes.step(losses, probability, where="post", color="#3b6ea5")
    axes.set_yscale("log")
    axes.set_xlabel(f"System loss ({currency})")
    axes.set_ylabel("Probability of a larger loss")
    axes.set_title("Exceedance curve")
    axes.grid(True, which="both", alpha=0.3)
    return _svg(figure)


def _layer(rows: list[dict[str, Any]], key: str, shown: set[str]) -> list[dict[str, Any]]:
    return sorted((row for row in rows if row["id"] in shown), key=lambda row: -(row[key] or 0.0))


@_plain
def network(metrics: dict[str, Any]) -> str:
    """Providers, models and institutions in three rows; colour is the share of expected shortfall
    (for institutions, their capital); ``metrics["graph"]`` says which nodes and edges to draw."""
    edges = metrics["graph"]
    shown = {node for group in edges.values() for edge in group for node in edge}
    units = metrics["providers"]
    key = "expected_shortfall_contribution"
    providers = _layer([r for r in units if r["layer"] == "compute"], key, shown)
    models = _layer([r for r in units if r["layer"] == "model"], key, shown)
    institutions = _layer(metrics["institutions"], "capital", shown)
    rows = [
        (providers, "expected_shortfall_contribution"),
        (models, "expected_shortfall_contribution"),
        (institutions, "capital"),
    ]
    position: dict[str, tuple[float, float]] = {}
    values: dict[str, float] = {}
    for height, (nodes, key) in zip((2.0, 1.0, 0.0), rows, strict=True):
        for k, node in enumerate(nodes):
            position[node["id"]] = ((k + 1) / (len(nodes) + 1), height)
            values[node["id"]] = max(float(node[key] or 0.0), 0.0)
    top = max(values.values(), default=0.0) or 1.0
    figure = Figure(figsize=(9, 4.6))
    axes = figure.subplots()
    for group, style in (("hosting", "-"), ("deployment", "-"), ("interbank", ":")):
        for source, target in edges.get(group, []):
            if source in position and target in position:
                (x1, y1), (x2, y2) = position[source], position[target]
                axes.plot([x1, x2], [y1, y2], style, color="#999999", linewidth=0.6, zorder=1)
    ids = list(position)
    scatter = axes.scatter(
        [position[i][0] for i in ids],
        [position[i][1] for i in ids],
        c=[values[i] / top for i in ids],
        cmap=COLOURS,
        vmin=0,
        vmax=1,
        s=160,
        edgecolors="#222222",
        zorder=2,
    )
    names = {r["id"]: r.get("name") or r["id"] for r in [*providers, *models, *institutions]}
    for shown_id in ids:
        x, y = position[shown_id]
        axes.annotate(
            names[shown_id], (x, y), xytext=(0, -14), textcoords="offset points", ha="center", fontsize=7
        )
    axes.set_yticks([0, 1, 2], ["Institutions", "Models", "Compute"])
    axes.set_xticks([])
    axes.set_ylim(-0.5, 2.5)
    axes.set_title("Dependency network, coloured by share of expected shortfall")
    figure.colorbar(scatter, ax=axes, label="Relative systemic importance")
    return _svg(figure)


@_plain
def top_contributors(metrics: dict[str, Any], currency: str, count: int = 10) -> str:
    units = sorted(metrics["providers"], key=lambda r: -r["expected_shortfall_contribution"])[:count]
    institutions = sorted(metrics["institutions"], key=lambda r: -r["capital"])[:count]
    figure = Figure(figsize=(10, 3.8))
    left, right = figure.subplots(1, 2)
    left.barh(
        [r["name"] for r in units][::-1],
        [r["expected_shortfall_contribution"] for r in units][::-1],
        color="#3b6ea5",
    )
    left.set_title("Providers and models: share of expected shortfall")
    left.set_xlabel(currency)
    right.barh(
        [r["name"] for r in institutions][::-1], [r["capital"] for r in institutions][::-1], color="#6b8e23"
    )
    right.set_title("Institutions: capital (Euler contribution)")
    right.set_xlabel(currency)
    figure.tight_layout()
    return _svg(figure)
